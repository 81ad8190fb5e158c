"""Secrets in text that names them: one place (jobdeck.redact) hides them for every adapter,
by one list of secret-looking key parts (``passwd``, ``credential``, ``cookie`` included)."""

from __future__ import annotations

from jobdeck.adapters.ray.convert import labels_of
from jobdeck.adapters.ray.wire import RayJob
from jobdeck.redact import REDACTED, hide_named_secrets, hide_secret_lines, hide_secret_pairs, is_secret_key


def test_every_key_part_of_the_shared_list_says_secret() -> None:
    for key in ("db_passwd", "aws_credentials", "private_key", "session_cookie", "API_TOKEN", "Authorization"):
        assert is_secret_key(key), key
    assert not is_secret_key("stage")


def test_a_config_line_naming_a_secret_keeps_its_key_and_loses_its_value() -> None:
    text = "user = ana\npassword = hunter2\n  db_passwd: s3cr3t\nmode: fast"
    assert hide_secret_lines(text) == f"user = ana\npassword = {REDACTED}\n  db_passwd: {REDACTED}\nmode: fast"


def test_a_repr_keeps_its_shape_with_each_secret_value_shown_as_a_repr() -> None:
    text = "{'api_token': 'abc', 'n': 1} f(passwd=xyz, cookie=\"c1\", n=2)"
    assert hide_secret_pairs(text) == f"{{'api_token': {REDACTED!r}, 'n': 1}} f(passwd={REDACTED!r}, cookie={REDACTED!r}, n=2)"


def test_a_command_line_hides_values_by_whole_name_parts_only() -> None:
    line = 'API_TOKEN=abc python x.py --db-pass p1 --tokenizer bert {"DB_PASS": "p2"}'
    assert hide_named_secrets(line) == (
        f'API_TOKEN={REDACTED} python x.py --db-pass {REDACTED} --tokenizer bert {{"DB_PASS": "{REDACTED}"}}'
    )


def test_ray_metadata_labels_hide_what_the_shared_list_names() -> None:
    wire = RayJob(submission_id="s1", metadata={"db_passwd": "hunter2", "owner": "ana"})
    assert labels_of(wire) == {"db_passwd": REDACTED, "owner": "ana"}
