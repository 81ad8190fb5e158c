"""What every HTTP adapter gets from the kit's one base (``HttpAdapter`` and
``HttpBackendSettings``), the same way for each kind: TLS verification (``verify``)
and its warning, the base URL's check, the constructor. DRP's older TLS spelling
(``insecure`` / ``ca_file``) still reads, and says which spelling is preferred."""

from __future__ import annotations

import ssl
from pathlib import Path
from typing import Any

import pytest
from fakes import make_monitor

from jobdeck.adapters.base import BackendSettings
from jobdeck.adapters.drp import DrpAdapter, DrpSettings
from jobdeck.adapters.intuned import IntunedAdapter, IntunedSettings
from jobdeck.adapters.istari import IstariAdapter, IstariSettings
from jobdeck.adapters.julep import JulepAdapter, JulepSettings
from jobdeck.adapters.kit.http import HttpAdapter
from jobdeck.adapters.kit.tls import ssl_context
from jobdeck.clock import FrozenClock
from jobdeck.config import settings_from_toml
from jobdeck.errors import AdapterError, ConfigError

#: Per kind: its adapter, its settings, the least a table needs, and the key of its base URL.
KINDS: dict[str, tuple[type[HttpAdapter], type[BackendSettings], dict[str, Any], str]] = {
    "drp": (DrpAdapter, DrpSettings, {"endpoint": "https://drp.example:8092", "token_env": "DRP_TOKEN"}, "endpoint"),
    "intuned": (IntunedAdapter, IntunedSettings, {"workspace_id": "w-1", "project": "catalog"}, "base_url"),
    "istari": (IstariAdapter, IstariSettings, {"registry_url": "https://registry.example"}, "registry_url"),
    "julep": (JulepAdapter, JulepSettings, {"url": "https://julep.example/api"}, "url"),
}


def adapter(kind: str, **extra: Any) -> HttpAdapter:
    adapter_class, settings_class, least, _ = KINDS[kind]
    return adapter_class(settings_class(name=kind, **least, **extra))


def toml_value(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else f'"{value}"'


def config_text(kind: str, **extra: Any) -> str:
    fields = {**KINDS[kind][2], **extra}
    lines = [f'kind = "{kind}"', *(f"{key} = {toml_value(value)}" for key, value in fields.items())]
    return "[[backends]]\n" + "\n".join(lines) + "\n"


# -- TLS verification off: warned the same way by every kind -------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_verification_off_is_a_standing_warning_beside_the_backends_health(kind: str, tmp_path: Path) -> None:
    unverified = adapter(kind, verify=False)

    assert unverified.warnings() == ("TLS verification off",)
    monitor = make_monitor(tmp_path, [unverified], clock=FrozenClock())
    assert monitor.health()[kind].warnings == ("TLS verification off",)


@pytest.mark.parametrize("kind", KINDS)
def test_verification_off_is_told_by_jobdeck_info(kind: str) -> None:
    described = adapter(kind, verify=False).describe()

    assert described["kind"] == kind
    assert described["tls"] == "verification OFF (verify = false)"
    assert described["warning"] == "TLS verification off"


@pytest.mark.parametrize("kind", KINDS)
def test_verified_backends_have_no_warning(kind: str, tmp_path: Path) -> None:
    bundle = tmp_path / "ca.pem"
    for verified in (adapter(kind), adapter(kind, verify=True), adapter(kind, verify=str(bundle))):
        assert verified.warnings() == ()
        assert "warning" not in verified.describe()
    assert adapter(kind, verify=str(bundle)).describe()["tls"] == f"verified with CA file {bundle}"


@pytest.mark.parametrize("kind", KINDS)
def test_verify_false_in_a_config_file_turns_verification_off(kind: str) -> None:
    [backend] = settings_from_toml(config_text(kind, verify=False)).backends

    assert backend.verify is False  # type: ignore[attr-defined]


@pytest.mark.parametrize("kind", KINDS)
def test_verify_as_text_is_the_path_of_a_ca_bundle_with_home_expanded(kind: str) -> None:
    [backend] = settings_from_toml(config_text(kind, verify="~/ca.pem")).backends

    # Even "false" in quotes is a file name: a string never turns verification off.
    assert backend.verify == Path.home() / "ca.pem"  # type: ignore[attr-defined]
    [quoted] = settings_from_toml(config_text(kind, verify="false")).backends
    assert quoted.verify == Path("false")  # type: ignore[attr-defined]


@pytest.mark.parametrize("kind", KINDS)
def test_an_empty_verify_is_a_config_error_saying_what_it_takes(kind: str) -> None:
    with pytest.raises(ConfigError, match=r"backends\[0\]\.verify: verify is true, false, or the path of a CA bundle"):
        settings_from_toml(config_text(kind, verify=" "))


def test_an_unusable_ca_bundle_is_an_adapter_error_naming_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ISTARI_PERSONAL_ACCESS_TOKEN", "a-token")
    missing = tmp_path / "missing.pem"

    with pytest.raises(AdapterError, match="cannot use the CA file .*missing.pem"):
        ssl_context(missing)
    with pytest.raises(AdapterError, match="cannot use the CA file .*missing.pem"):
        adapter("istari", verify=str(missing)).connect()


def test_the_websocket_context_follows_verify() -> None:
    assert ssl_context(False).verify_mode is ssl.CERT_NONE
    assert ssl_context(False).check_hostname is False
    assert ssl_context(True).verify_mode is ssl.CERT_REQUIRED


# -- DRP's older spelling ---------------------------------------------------------------------


def test_drp_insecure_still_turns_verification_off_and_warns_like_verify_false(tmp_path: Path) -> None:
    [backend] = settings_from_toml(config_text("drp", insecure=True)).backends
    drp = DrpAdapter(backend)

    assert backend.verify is False  # type: ignore[attr-defined]
    assert drp.warnings() == ("TLS verification off",)
    assert drp.describe()["tls setting"] == "insecure: older spelling; verify is preferred"


def test_drp_ca_file_still_names_the_ca_bundle() -> None:
    [backend] = settings_from_toml(config_text("drp", ca_file="~/drp-ca.pem")).backends

    assert backend.verify == Path.home() / "drp-ca.pem"  # type: ignore[attr-defined]
    assert DrpAdapter(backend).describe()["tls"] == f"verified with CA file {Path.home() / 'drp-ca.pem'}"
    assert "tls setting" not in adapter("drp", verify=False).describe()


def test_drp_older_spelling_beside_verify_is_a_config_error_preferring_verify() -> None:
    with pytest.raises(ConfigError, match="insecure is the older spelling of verify: set verify only"):
        settings_from_toml(config_text("drp", insecure=False, verify=False))


def test_drp_insecure_with_a_ca_file_is_a_config_error_naming_the_preferred_spelling() -> None:
    with pytest.raises(ConfigError, match='set one of them, preferably as verify = false or verify = "<CA file>"'):
        settings_from_toml(config_text("drp", insecure=True, ca_file="/tmp/ca.pem"))


# -- the base URL -------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_a_base_url_that_is_not_http_is_a_config_error_at_its_key(kind: str) -> None:
    key = KINDS[kind][3]
    for wrong in ("ftp://jobs.example", "jobs.example:8443", "https://"):
        with pytest.raises(ConfigError, match=rf"backends\[0\]\.{key}: {key} (must start with https://|names no host)"):
            settings_from_toml(config_text(kind, **{key: wrong}))


@pytest.mark.parametrize("kind", KINDS)
def test_a_base_url_loses_its_spaces_and_trailing_slash(kind: str) -> None:
    key = KINDS[kind][3]
    [backend] = settings_from_toml(config_text(kind, **{key: " https://jobs.example:8443/api/ "})).backends

    assert getattr(backend, key) == "https://jobs.example:8443/api"


# -- the constructor -------------------------------------------------------------------------------


def test_an_adapter_given_another_kinds_settings_says_so() -> None:
    with pytest.raises(TypeError, match="IstariAdapter takes IstariSettings, not JulepSettings"):
        IstariAdapter(JulepSettings(name="julep"))
