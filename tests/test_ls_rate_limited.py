"""`jobdeck ls` against a backend that says "too many requests": it waits only a short
while, says on stderr what it waits for, and gives up at once on a long Retry-After."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_helpers import invoke
from scripted_server import Asked, Reply, serving

from jobdeck.adapters.kit.http_waits import ONE_SHOT_MAX_RETRY_AFTER

EMPTY_PAGE = json.dumps({"items": [], "total": 0, "page": 1, "size": 100, "pages": 0}).encode()


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("JOBDECK_CONFIG", raising=False)
    monkeypatch.setenv("JOBDECK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("JOBDECK_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("JOBDECK_TEST_ISTARI_PAT", "pat-12345")
    return tmp_path / "config.toml"


def write_istari_backend(config: Path, url: str) -> None:
    config.write_text(f'[[backends]]\nkind = "istari"\nname = "reg"\nregistry_url = "{url}"\n'
                      'token_env = "JOBDECK_TEST_ISTARI_PAT"\n')


def too_many_requests(retry_after: str) -> Reply:
    return Reply(status=429, body=b'{"detail": "slow down"}', headers={"Retry-After": retry_after})


def test_ls_gives_up_at_once_when_the_server_asks_to_wait_long_and_says_how_long(config: Path) -> None:
    with serving(lambda asked: too_many_requests("999999")) as served:
        write_istari_backend(config, served.url)
        result = invoke("--config", str(config), "ls")

    assert result.exit_code == 1
    assert (f"GET /api/v2/jobs was refused: too many requests (HTTP 429); the server asked to wait 999999 s, "
            f"longer than jobdeck waits ({ONE_SHOT_MAX_RETRY_AFTER:g} s)") in result.stderr
    assert len(served.asked) == 1  # no retry


def test_ls_says_on_stderr_what_it_waits_for_and_then_lists(config: Path) -> None:
    limited = [True]

    def answer(asked: Asked) -> Reply:
        if limited:
            limited.clear()
            return too_many_requests("0")
        return Reply(body=EMPTY_PAGE)

    with serving(answer) as served:
        write_istari_backend(config, served.url)
        result = invoke("--config", str(config), "ls", "--json")

    assert result.exit_code == 0, result.stderr
    assert result.stderr.splitlines()[0] == "jobdeck: reg: rate limited, retrying in 0 s"
    assert json.loads(result.stdout) == []
