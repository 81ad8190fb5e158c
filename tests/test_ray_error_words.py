"""Ray's error answers, as the Ray adapter reads them (no head needed: these are its words only).

An answer to a submission may quote what was submitted: its entrypoint and runtime_env. The
secrets in it never leave the adapter, in a toast, the action log or the header."""

from __future__ import annotations

import httpx

from jobdeck.adapters.ray.convert import ray_error_message


def test_a_traceback_is_its_exception_line_with_every_echoed_secret_hidden() -> None:
    answer = httpx.Response(
        500,
        text=(
            "Traceback (most recent call last):\n  File \"job_manager.py\", line 1\n"
            'RuntimeError: bad runtime_env {"env_vars": {"DB_PASS": "hunter2", "MODE": "fast"}, '
            '"working_dir": "https://user:tok123@github.com/o/r"} API_TOKEN=abc python x.py'
        ),
    )
    words = ray_error_message(answer)
    assert words is not None and words.startswith("RuntimeError: bad runtime_env")
    for secret in ("hunter2", "tok123", "abc python"):
        assert secret not in words
    assert '"MODE": "fast"' in words and "github.com/o/r" in words and "python x.py" in words


def test_a_json_message_keeps_its_words_and_loses_its_secrets() -> None:
    answer = httpx.Response(400, json={"message": "Failed: {'API_KEY': 'zzz', 'x': '1'}"})
    assert ray_error_message(answer) == "Failed: {'API_KEY': '••••', 'x': '1'}"
