"""``jobdeck ls [QUERY...]`` and ``jobdeck history [QUERY...]`` take the deck's filter
language: OR, groups, patterns, sort:; a bad query is exit 2 with why and where."""

from __future__ import annotations

import json
from pathlib import Path

from cli_helpers import invoke
from test_cli import Sandbox, finished_jobs, in_sandbox  # noqa: F401 (the fixtures)
from test_cli_history import data_dir, seeded  # noqa: F401 (the fixtures)


def names(*args: str) -> list[str]:
    result = invoke("ls", "--json", *args)
    assert result.exit_code == 0, result.output
    return [job["name"] for job in json.loads(result.stdout)]


def test_ls_takes_a_query_with_or_groups_patterns_and_negation(in_sandbox: Sandbox) -> None:
    assert names("state:failed") == ["crash"]
    assert sorted(names("state:failed OR name:greet")) == ["crash", "greet"]
    assert sorted(names("state:failed", "OR", "name:greet")) == ["crash", "greet"]
    assert names("name:/^gr/") == ["greet"]
    assert names("-state:failed") == ["greet"]
    assert names("-(state:failed OR greet)") == []
    assert names("sort:name") == ["crash", "greet"]
    assert names("sort:-name") == ["greet", "crash"]


def test_ls_refuses_a_bad_query_with_exit_2_saying_why_and_where(in_sandbox: Sandbox) -> None:
    result = invoke("ls", "state:failed OR")
    assert result.exit_code == 2
    assert "OR needs a term after it (at column 14)" in result.stderr
    pattern = invoke("ls", "name:/[a-/")
    assert pattern.exit_code == 2 and "bad /pattern/" in pattern.stderr and "column 7" in pattern.stderr


def test_a_bad_query_is_printed_safely(in_sandbox: Sandbox) -> None:
    result = invoke("ls", "state:\x1b[31mred")
    assert result.exit_code == 2
    assert "\x1b" not in result.stderr


def test_history_takes_the_same_query(seeded: Path) -> None:
    result = invoke("history", "--json", "backend:beta OR state:failed")
    assert result.exit_code == 0, result.output
    assert [job["ref"] for job in json.loads(result.stdout)] == ["beta/2", "alpha/1"]
    ordered = invoke("history", "--json", "sort:-name")
    assert [job["name"] for job in json.loads(ordered.stdout)] == ["nightly build", "nightly", "backup", "ancient"]
    bad = invoke("history", "(backend:beta")
    assert bad.exit_code == 2 and '"(" is not closed' in bad.stderr and "column 1" in bad.stderr
