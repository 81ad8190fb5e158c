"""The config file: defaults, a valid file, and every kind of mistake named with its place."""

from __future__ import annotations

from pathlib import Path

import fakes  # registers the "fake" backend kind
import pytest

from jobdeck.adapters.base import BackendSettings
from jobdeck.config import Settings, load_settings, settings_from_toml, stricter_mode
from jobdeck.errors import ConfigError


def write(tmp_path: Path, text: str, name: str = "config.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def config_error(path: Path) -> str:
    with pytest.raises(ConfigError) as caught:
        load_settings(path, env={})
    return str(caught.value)


# -- where the file comes from ----------------------------------------------------------


def test_without_a_config_file_there_is_one_local_backend(tmp_path: Path) -> None:
    settings = load_settings(env={"JOBDECK_CONFIG_DIR": str(tmp_path / "nothing-here")})

    assert [(b.kind, b.name) for b in settings.backends] == [("local", "local")]
    assert settings.theme == "textual-dark"
    assert settings.mode == "interactive"
    assert settings.log_lines == 10_000
    assert settings.config_path is None


def test_an_empty_file_gives_the_same_defaults(tmp_path: Path) -> None:
    path = write(tmp_path, "")

    settings = load_settings(path, env={})

    assert [(b.kind, b.name) for b in settings.backends] == [("local", "local")]
    assert settings.config_path == path


def test_the_default_file_is_config_toml_in_the_config_dir(tmp_path: Path) -> None:
    write(tmp_path, 'theme = "nord"\n')

    settings = load_settings(env={"JOBDECK_CONFIG_DIR": str(tmp_path)})

    assert settings.theme == "nord"
    assert settings.config_path == tmp_path / "config.toml"


def test_jobdeck_config_env_var_names_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, 'mode = "kiosk"\n', name="wall.toml")

    settings = load_settings(env={"JOBDECK_CONFIG": str(path)})

    assert settings.mode == "kiosk"
    assert settings.config_path == path


def test_an_explicit_path_wins_over_the_env_var(tmp_path: Path) -> None:
    chosen = write(tmp_path, 'theme = "dracula"\n', name="chosen.toml")
    other = write(tmp_path, 'theme = "nord"\n', name="other.toml")

    assert load_settings(chosen, env={"JOBDECK_CONFIG": str(other)}).theme == "dracula"


def test_an_explicit_path_that_does_not_exist_is_an_error(tmp_path: Path) -> None:
    message = config_error(tmp_path / "missing.toml")

    assert "missing.toml" in message
    assert "does not exist" in message


def test_a_jobdeck_config_path_that_does_not_exist_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="JOBDECK_CONFIG"):
        load_settings(env={"JOBDECK_CONFIG": str(tmp_path / "missing.toml")})


# -- a valid file ------------------------------------------------------------------------


def test_a_file_with_several_backends_keeps_their_order_and_fields(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        f"""
theme = "nord"
mode = "read-only"
log_lines = 500

[[backends]]
kind = "local"
name = "laptop"
spool = "{tmp_path / 'spool'}"
interval = 0.5

[[backends]]
kind = "fake"
name = "ci"
interval = 30
enabled = false
""",
    )

    settings = load_settings(path, env={})

    assert [(b.kind, b.name, b.interval, b.enabled) for b in settings.backends] == [
        ("local", "laptop", 0.5, True),
        ("fake", "ci", 30.0, False),
    ]
    assert settings.backends[0].spool == tmp_path / "spool"  # type: ignore[attr-defined]
    assert [b.name for b in settings.enabled_backends] == ["laptop"]
    assert (settings.theme, settings.mode, settings.log_lines) == ("nord", "read-only", 500)


def test_each_backend_is_validated_by_its_own_adapters_settings(tmp_path: Path) -> None:
    from jobdeck.adapters.local import LocalSettings

    path = write(tmp_path, '[[backends]]\nkind = "local"\nname = "here"\n')

    assert isinstance(load_settings(path, env={}).backends[0], LocalSettings)


# -- mistakes, each named with its file and key ----------------------------------------------


def test_a_bad_value_names_the_file_and_the_key_path(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
[[backends]]
kind = "fake"
name = "a"
[[backends]]
kind = "fake"
name = "b"
[[backends]]
kind = "fake"
name = "c"
interval = -1
""",
    )

    message = config_error(path)

    assert message == f"{path}: backends[2].interval: Input should be greater than 0 (got -1)"


def test_toml_syntax_errors_give_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path, 'theme = "nord"\nmode = \n')

    message = config_error(path)

    assert message.startswith(f"{path}: invalid TOML:")
    assert "line 2" in message
    assert "column" in message


def test_an_unknown_kind_lists_the_known_kinds(tmp_path: Path) -> None:
    path = write(tmp_path, '[[backends]]\nkind = "slurmish"\nname = "x"\n')

    message = config_error(path)

    assert f"{path}: backends[0].kind:" in message
    assert "'slurmish'" in message
    assert "known kinds:" in message and "local" in message


def test_a_backend_without_a_kind_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path, '[[backends]]\nname = "x"\n')

    assert "backends[0].kind: missing" in config_error(path)


def test_an_unknown_backend_key_is_named_with_the_allowed_keys(tmp_path: Path) -> None:
    path = write(tmp_path, '[[backends]]\nkind = "local"\nname = "x"\nintervall = 3\n')

    message = config_error(path)

    assert f"{path}: backends[0].intervall: unknown key" in message
    assert "interval" in message.split("allowed keys:")[1]


def test_a_secret_written_in_the_file_points_to_its_env_setting(tmp_path: Path) -> None:
    from jobdeck.adapters import registry

    class TokenSettings(BackendSettings):
        kind: str = "fake-with-token"
        token_env: str | None = None

    class TokenAdapter(fakes.FakeAdapter):
        kind = "fake-with-token"
        Settings = TokenSettings

    registry.register("fake-with-token", TokenAdapter)
    path = write(tmp_path, '[[backends]]\nkind = "fake-with-token"\nname = "x"\ntoken = "s3cret"\n')

    message = config_error(path)

    assert message.count("\n") == 0
    assert f"{path}: backends[0].token: secrets are not written in the config file; set token_env" in message
    assert "s3cret" not in message


def test_an_unknown_top_level_key_is_named(tmp_path: Path) -> None:
    path = write(tmp_path, 'theme = "nord"\ncolour = "blue"\n')

    assert f"{path}: colour: unknown key" in config_error(path)


def test_an_unknown_mode_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path, 'mode = "loud"\n')

    message = config_error(path)

    assert f"{path}: mode:" in message
    assert "'loud'" in message


def test_every_mistake_in_a_file_is_reported_at_once(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '[[backends]]\nkind = "fake"\nname = "a"\ninterval = 0\n'
        '[[backends]]\nkind = "nope"\nname = "b"\n',
    )

    lines = config_error(path).splitlines()

    assert [line.split(": ")[1] for line in lines] == ["backends[0].interval", "backends[1].kind"]


def test_duplicate_backend_names_are_an_error_naming_the_duplicate(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '[[backends]]\nkind = "fake"\nname = "ci"\n[[backends]]\nkind = "fake"\nname = "ci"\n',
    )

    message = config_error(path)

    assert message.startswith(f"{path}: backends[1].name: duplicate backend name 'ci'")
    assert "backends[0]" in message


def test_backends_must_be_tables(tmp_path: Path) -> None:
    path = write(tmp_path, "backends = [1, 2]\n")

    assert f"{path}: backends[0]: should be a [[backends]] table" in config_error(path)


def test_config_path_cannot_be_set_in_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, 'config_path = "/elsewhere.toml"\n')

    assert "config_path: unknown key" in config_error(path)


def test_a_file_that_is_not_utf8_is_an_error_not_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes(b'theme = "\xff\xfe"\n')

    assert "not UTF-8" in config_error(path)


def test_a_folder_given_as_the_config_is_an_error_not_a_crash(tmp_path: Path) -> None:
    assert "cannot read" in config_error(tmp_path)


# -- modes -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("configured", "read_only", "kiosk", "expected"),
    [
        ("interactive", False, False, "interactive"),
        ("interactive", True, False, "read-only"),
        ("interactive", False, True, "kiosk"),
        ("read-only", False, False, "read-only"),
        ("kiosk", True, False, "kiosk"),
    ],
)
def test_flags_can_only_make_the_configured_mode_stricter(
    configured: str, read_only: bool, kiosk: bool, expected: str
) -> None:
    settings = Settings(backends=[], mode=configured)  # type: ignore[arg-type]

    assert settings.with_mode(read_only=read_only, kiosk=kiosk).mode == expected


def test_kiosk_is_the_strictest_mode() -> None:
    assert stricter_mode("kiosk", "read-only") == "kiosk"
    assert stricter_mode("interactive", "read-only") == "read-only"


# -- a backend's name defaults to its kind ---------------------------------------------------

#: The fewest keys each built-in kind needs, besides ``kind``.
MINIMAL_BACKENDS: dict[str, str] = {
    "local": "",
    "drp": 'endpoint = "https://drp.example:8092"\ntoken_env = "DRP_TOKEN"\n',
    "intuned": 'workspace_id = "ws"\nproject = "scrapers"\n',
    "istari": 'registry_url = "https://fileservice-v2.acme.istari.app"\n',
    "julep": "",
    "celery": 'flower_url = "http://127.0.0.1:5555"\n',
    "ray": "",
    "slurm": "",
    "airflow": "",
}


def test_every_builtin_kind_is_covered_here() -> None:
    from jobdeck.adapters.registry import builtin

    assert set(MINIMAL_BACKENDS) == set(builtin())


@pytest.mark.parametrize("kind", sorted(MINIMAL_BACKENDS))
def test_a_backend_without_a_name_is_named_after_its_kind(tmp_path: Path, kind: str) -> None:
    path = write(tmp_path, f'[[backends]]\nkind = "{kind}"\n{MINIMAL_BACKENDS[kind]}')

    [backend] = load_settings(path, env={}).backends

    assert (backend.kind, backend.name) == (kind, kind)


@pytest.mark.parametrize("kind", sorted(MINIMAL_BACKENDS))
def test_a_written_name_wins_over_the_kind(tmp_path: Path, kind: str) -> None:
    path = write(tmp_path, f'[[backends]]\nkind = "{kind}"\nname = "mine"\n{MINIMAL_BACKENDS[kind]}')

    assert load_settings(path, env={}).backends[0].name == "mine"


def test_a_julep_backend_needs_no_name(tmp_path: Path) -> None:
    from jobdeck.adapters.julep.settings import JulepSettings

    path = write(tmp_path, '[[backends]]\nkind = "julep"\ntasks = ["0190f3a2-6c1e-7b3d-9a42-5e8f1c2d3b4a"]\n')

    [backend] = load_settings(path, env={}).backends

    assert isinstance(backend, JulepSettings)
    assert backend.name == "julep"
    assert JulepSettings().name == "julep"


def test_settings_built_in_code_default_their_name_to_the_kind() -> None:
    assert BackendSettings(kind="slurm").name == "slurm"
    assert fakes.FakeSettings(name="ci").name == "ci"


def test_two_unnamed_backends_of_one_kind_are_a_duplicate_name_error(tmp_path: Path) -> None:
    path = write(tmp_path, '[[backends]]\nkind = "julep"\n[[backends]]\nkind = "julep"\n')

    message = config_error(path)

    assert message.startswith(f"{path}: backends[1].name: duplicate backend name 'julep' (already used by backends[0])")
    assert "named after its kind" in message


def test_an_unnamed_backend_may_sit_beside_a_named_one_of_its_kind(tmp_path: Path) -> None:
    path = write(tmp_path, '[[backends]]\nkind = "julep"\n[[backends]]\nkind = "julep"\nname = "staging"\n')

    assert [b.name for b in load_settings(path, env={}).backends] == ["julep", "staging"]


def test_times_are_shown_in_utc_unless_the_config_names_a_zone(tmp_path: Path) -> None:
    assert settings_from_toml("").time_zone == "UTC"
    assert settings_from_toml('time_zone = "Europe/Berlin"').time_zone == "Europe/Berlin"
    with pytest.raises(ConfigError, match=r"time_zone: unknown time zone 'Europe/Atlantis': use UTC, local"):
        settings_from_toml('time_zone = "Europe/Atlantis"')
