"""How a bad config file is reported: every problem at once, 20 told at most, each line terminal-safe;
and the file edges (huge, endless, too deeply nested) that must be an error, not a crash or a hang."""

from __future__ import annotations

import re
from pathlib import Path

import fakes  # noqa: F401 - registers the "fake" backend kind
import pytest

from jobdeck import config
from jobdeck.adapters.local import LocalAdapter, LocalSettings
from jobdeck.config import Settings, load_settings, local_spool, settings_from_toml
from jobdeck.errors import ConfigError

#: Any control character but the line breaks between problems.
CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f]")


def problems(text: str) -> list[str]:
    """The lines of the ConfigError that ``text`` gives, without the leading ``<config>: ``."""
    with pytest.raises(ConfigError) as caught:
        settings_from_toml(text)
    lines = str(caught.value).split("\n")
    assert all(line.startswith("<config>: ") for line in lines), lines
    return [line.removeprefix("<config>: ") for line in lines]


def allowed_keys(problem: str) -> list[str]:
    return problem.split("allowed keys: ")[1].split(", ")


# -- a capped report -------------------------------------------------------------------------


def test_two_hundred_thousand_unknown_keys_are_told_twenty_then_counted() -> None:
    text = "".join(f"bad_key_{i:06d} = {i}\n" for i in range(200_000))

    lines = problems(text)

    assert len(lines) == 21
    assert [line.split(":")[0] for line in lines[:20]] == [f"bad_key_{i:06d}" for i in range(20)]
    assert lines[20] == "... and 199980 more problems"
    assert sum(map(len, lines)) < 10_000


def test_the_problems_of_many_backends_are_capped_the_same_way() -> None:
    lines = problems("backends = [" + "{}, " * 100 + "]\n")

    assert [line.split(":")[0] for line in lines[:20]] == [f"backends[{i}].kind" for i in range(20)]
    assert lines[20:] == ["... and 80 more problems"]


def test_unknown_keys_in_a_backend_are_capped_with_the_others() -> None:
    lines = problems('[[backends]]\nkind = "local"\n' + "".join(f"k{i} = 1\n" for i in range(50)))

    assert lines[0].startswith("backends[0].k0: unknown key")
    assert lines[20:] == ["... and 30 more problems"]


def test_one_more_problem_is_said_in_the_singular() -> None:
    assert problems("".join(f"k{i} = 1\n" for i in range(21)))[-1] == "... and 1 more problem"


# -- all problems at once --------------------------------------------------------------------


def test_top_level_problems_are_reported_beside_those_of_the_backends() -> None:
    lines = problems(
        'mode = "loud"\ncolour = "blue"\n'
        '[[backends]]\nkind = "fake"\nname = "a"\ninterval = 0\n'
        '[[backends]]\nkind = "nope"\n'
    )

    where = sorted(line.split(":")[0] for line in lines)
    assert where == ["backends[0].interval", "backends[1].kind", "colour", "mode"]


def test_a_duplicate_name_is_reported_beside_a_wrong_backend_with_the_right_index() -> None:
    lines = problems(
        '[[backends]]\nkind = "fake"\nname = "a"\ninterval = -1\n'
        '[[backends]]\nkind = "fake"\nname = "ci"\n'
        '[[backends]]\nkind = "fake"\nname = "ci"\n'
    )

    assert lines[0].startswith("backends[0].interval:")
    assert lines[1].startswith("backends[2].name: duplicate backend name 'ci' (already used by backends[1])")


def test_a_valid_file_still_gives_its_backends_and_settings() -> None:
    settings = settings_from_toml('theme = "nord"\n[[backends]]\nkind = "fake"\nname = "ci"\n')

    assert (settings.theme, [b.name for b in settings.backends]) == ("nord", ["ci"])


# -- the allowed keys --------------------------------------------------------------------------


def test_the_allowed_keys_are_exactly_those_a_file_may_set() -> None:
    [problem] = problems("colour = 1\n")
    listed = allowed_keys(problem)

    assert "config_path" not in listed
    assert set(listed) == set(Settings.model_fields) - {"config_path"}
    for key in listed:  # each may be written: a wrong value is a problem, never an unknown key
        # (A table's own unknown key, alerts.x, is one of its keys, not of the file.)
        assert not any(line.startswith(f"{key}: unknown key") for line in problems(f"{key} = {{ x = 1 }}\n")), key


def test_config_path_in_a_file_says_why_and_lists_what_may_be_written() -> None:
    [problem] = problems('config_path = "/elsewhere.toml"\n')

    assert problem.startswith("config_path: unknown key (it is set by jobdeck, not in the file); allowed keys:")
    assert "config_path" not in allowed_keys(problem)


def test_a_backends_allowed_keys_may_all_be_written() -> None:
    [problem] = problems('[[backends]]\nkind = "local"\nintervall = 3\n')

    for key in allowed_keys(problem):
        lines = problems(f'[[backends]]\nkind = "local"\n{key} = {{ x = 1 }}\n') if key != "kind" else []
        assert not any("unknown key" in line for line in lines), key


# -- every line terminal-safe and short -------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        '"\\u001b[2Jkey" = 1\n',
        'mode = "\\u001b]52;c;aGk=\\u0007"\n',
        '[[backends]]\nkind = "\\u009b2J"\n',
        '[[backends]]\nkind = "local"\nname = "a\\u001bb"\n',
        '[[backends]]\nkind = "local"\n"na\\u0007me" = 1\n',
        'backends = ["\\u001b[31m"]\n',
        'time_zone = "Europe/\\u001b[2J"\n',
    ],
)
def test_control_characters_in_a_config_never_reach_the_message(text: str) -> None:
    message = "\n".join(problems(text))

    assert not CONTROL.search(message), message


def test_a_key_with_control_characters_is_shown_escaped_so_it_can_be_found() -> None:
    [problem] = problems('"\\u001b[2Jkey" = 1\n')

    assert problem.startswith("'\\x1b[2Jkey': unknown key")


def test_a_huge_value_or_key_is_cut_short_in_the_message() -> None:
    [value_problem] = problems('mode = "' + "x" * 100_000 + '"\n')
    [key_problem] = problems("k" * 100_000 + " = 1\n")

    assert len(value_problem) < 200 and "..." in value_problem
    assert len(key_problem.split(": unknown key")[0]) < 50


def test_the_file_name_in_a_message_is_made_safe(tmp_path: Path) -> None:
    path = tmp_path / "bad\x1b[2Jname.toml"
    path.write_text("colour = 1\n")

    with pytest.raises(ConfigError) as wrong:
        load_settings(path, env={})
    with pytest.raises(ConfigError) as missing:
        load_settings(tmp_path / "gone\x07.toml", env={})

    assert not CONTROL.search(str(wrong.value)) and "name.toml: colour: unknown key" in str(wrong.value)
    assert not CONTROL.search(str(missing.value)) and "does not exist" in str(missing.value)


# -- files that are not config files ------------------------------------------------------------


def test_tables_nested_too_deeply_are_an_error_not_a_crash() -> None:
    with pytest.raises(ConfigError, match="nested too deeply"):
        settings_from_toml("a = " + "[" * 100_000 + "]" * 100_000 + "\n")


def test_a_file_past_the_size_limit_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(config, "MAX_CONFIG_BYTES", 100)
    path = tmp_path / "config.toml"
    path.write_text("# " + "x" * 100 + "\n")

    with pytest.raises(ConfigError, match="larger than"):
        load_settings(path, env={})


@pytest.mark.skipif(not Path("/dev/null").exists(), reason="needs /dev/null")
def test_dev_null_as_the_config_means_the_defaults() -> None:
    assert [b.name for b in load_settings(Path("/dev/null"), env={}).backends] == ["local"]


# -- path settings ---------------------------------------------------------------------------------


def test_a_spool_under_the_home_folder_is_the_same_for_run_and_the_deck() -> None:
    settings = settings_from_toml('[[backends]]\nkind = "local"\nspool = "~/jobs"\n')

    assert local_spool(settings) == Path.home() / "jobs"
    assert LocalAdapter(settings.backends[0]).spool_path == Path.home() / "jobs"


def test_a_path_with_a_nul_character_is_a_config_error() -> None:
    assert problems('[[backends]]\nkind = "local"\nspool = "/tmp/a\\u0000b"\n') == [
        "backends[0].spool: a path cannot contain a NUL character"
    ]


def test_a_path_setting_built_in_code_is_expanded_too() -> None:
    assert LocalSettings(spool=Path("~/elsewhere")).spool == Path.home() / "elsewhere"


# -- values that would make a setting unusable -------------------------------------------------------


@pytest.mark.parametrize("key", ["", " ", "ctrl q", "\\u001b", "\\u0000"])
def test_a_kiosk_quit_key_that_cannot_be_pressed_is_a_config_error(key: str) -> None:
    [problem] = problems(f'kiosk_quit_keys = ["ctrl+q", "{key}"]\n')

    assert problem.startswith("kiosk_quit_keys: ") and "is not a key name" in problem


def test_the_default_kiosk_quit_keys_are_valid() -> None:
    assert settings_from_toml('kiosk_quit_keys = ["ctrl+q", "f10", "escape", "Q"]\n').kiosk_quit_keys[-1] == "Q"
