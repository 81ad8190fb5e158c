"""redact: secrets never reach the model."""

from __future__ import annotations

from jobdeck.redact import REDACTED, SecretScrubber, header_secrets, is_secret_key, redact, secret_values


def test_values_under_the_named_keys_are_hidden_whatever_their_case() -> None:
    assert redact({"Pat": "abc", "name": "x"}, ["pat"]) == {"Pat": REDACTED, "name": "x"}


def test_keys_that_look_like_secrets_are_always_hidden() -> None:
    data = {
        "client_secret": "s",
        "Password": "p",
        "accessToken": "t",
        "ApiKey": "k",
        "x_api_key": "k",
        "x-api-key": "k",
        "Authorization": "Bearer t",
        "state": "running",
    }
    assert redact(data, []) == {**{key: REDACTED for key in data if key != "state"}, "state": "running"}


def test_secrets_are_hidden_at_any_depth_including_inside_lists() -> None:
    data = {"Params": [{"machine": "m1", "creds": {"token": "t"}}, "plain"], "Meta": {"ssh": {"pw": "x"}}}
    assert redact(data, ["pw"]) == {
        "Params": [{"machine": "m1", "creds": {"token": REDACTED}}, "plain"],
        "Meta": {"ssh": {"pw": REDACTED}},
    }


def test_a_whole_structure_under_a_secret_key_is_hidden() -> None:
    assert redact({"secrets": {"a": 1, "b": [2]}}, []) == {"secrets": REDACTED}


def test_an_unset_secret_stays_visibly_unset() -> None:
    assert redact({"password": None, "token": ""}, []) == {"password": None, "token": ""}


def test_redact_returns_a_copy_and_leaves_the_original_alone() -> None:
    original = {"token": "t", "nested": [{"password": "p"}]}
    redacted = redact(original, [])
    assert original == {"token": "t", "nested": [{"password": "p"}]}
    redacted["nested"].append("more")
    assert len(original["nested"]) == 1


def test_plain_values_and_non_string_keys_pass_through() -> None:
    assert redact("token", []) == "token"
    assert redact({1: "one", ("a",): "b"}, []) == {1: "one", ("a",): "b"}
    assert redact((1, {"apikey": 2}), []) == (1, {"apikey": REDACTED})


def test_is_secret_key_says_what_redact_would_hide() -> None:
    assert is_secret_key("X-Auth-Token")
    assert is_secret_key("pat", ["PAT"])
    assert not is_secret_key("state")


# -- secrets by value ------------------------------------------------------------------


def test_the_secrets_a_backend_configures_are_what_its_env_settings_name_and_secret_looking_values() -> None:
    settings = {"kind": "drp", "name": "x", "token_env": "T", "user_env": "U", "password_env": "UNSET",
                "api_key": "k-inline-1", "endpoint": "https://drp:8092", "filters": {"Token": "nested"}}
    env = {"T": "tok-123456", "U": "robot-user"}
    assert secret_values(settings, env) == {"tok-123456", "robot-user", "k-inline-1"}


def test_credential_headers_give_their_whole_value_and_their_credential_alone() -> None:
    headers = {"Authorization": "Bearer abc.def", "x-api-key": "k1234"}
    assert header_secrets(headers) == ["Bearer abc.def", "abc.def", "k1234"]


def test_a_scrubber_hides_each_secret_however_a_server_echoes_it() -> None:
    scrub = SecretScrubber(["to/k+en=1"])
    for echoed in ("to/k+en=1", "to\\/k+en=1", "to%2Fk%2Ben%3D1"):
        assert scrub.text(f"you sent {echoed}!") == f"you sent {REDACTED}!"
    assert scrub.data(b'{"echo": "Bearer to\\/k+en=1"}') == f'{{"echo": "Bearer {REDACTED}"}}'.encode()


def test_a_scrubber_hides_the_longest_secret_whole_and_ignores_tiny_ones() -> None:
    scrub = SecretScrubber(["abcd", "abcd-efgh", "xy"])
    assert scrub.text("abcd-efgh abcd xy") == f"{REDACTED} {REDACTED} xy"
    assert not SecretScrubber(["", "xy"])
    assert SecretScrubber([]).text("plain") == "plain"
