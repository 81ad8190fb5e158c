"""Parsed CSS kept between starts: the same rules as parsing, read back instead of parsed."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest
import textual.css.stylesheet
from deck_helpers import build_app, deck_settled, wait_for_jobs

from jobdeck.ui.runtime.css_cache import MAX_FILES, SUFFIX, CachedStylesheet, ParsedCssCache

CSS = """
JobList { background: $surface; color: $foreground; }
JobList > .job-list--cursor { background: $primary 30%; text-style: bold; }
"""
THEME = {"surface": "#101010", "foreground": "#eeeeee", "primary": "#3366ff"}


def parsed(cache: ParsedCssCache, variables: dict[str, str] = THEME) -> list[str]:
    """The rules a stylesheet with ``cache`` gets for CSS, as CSS text."""
    stylesheet = CachedStylesheet(variables=dict(variables), cache=cache)
    stylesheet.add_source(CSS, read_from=("widgets.py", "JobList.DEFAULT_CSS"), is_default_css=True, scope="JobList")
    stylesheet.parse()
    return [rule.css for rule in stylesheet.rules]


@pytest.fixture
def no_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    def parse(*args: object, **kwargs: object) -> None:
        raise AssertionError("parsed although the rules were kept")

    monkeypatch.setattr(textual.css.stylesheet, "parse", parse)


def test_a_later_start_reads_the_rules_it_would_have_parsed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = ParsedCssCache(tmp_path)
    expected = parsed(first)
    first.save()
    monkeypatch.setattr(textual.css.stylesheet, "parse", lambda *a, **k: pytest.fail("parsed again"))
    assert parsed(ParsedCssCache(tmp_path)) == expected
    assert "#3366ff" in "".join(expected).lower() or "51,102,255" in "".join(expected)


def test_nothing_is_written_before_save_and_the_file_is_the_users_alone(tmp_path: Path) -> None:
    cache = ParsedCssCache(tmp_path / "css")
    parsed(cache)
    assert not (tmp_path / "css").exists()
    cache.save()
    (file,) = (tmp_path / "css").iterdir()
    assert file.name.endswith(SUFFIX)
    assert file.stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "css").stat().st_mode & 0o077 == 0


def test_only_what_start_up_parsed_is_kept_not_later_dialogs(tmp_path: Path) -> None:
    cache = ParsedCssCache(tmp_path)
    stylesheet = CachedStylesheet(variables=dict(THEME), cache=cache)
    stylesheet.add_source(CSS, read_from=("widgets.py", "JobList.DEFAULT_CSS"), is_default_css=True, scope="JobList")
    stylesheet.parse()
    cache.save()
    size = next(tmp_path.iterdir()).stat().st_size
    stylesheet.add_source("HelpScreen { color: $primary; }", read_from=("help.py", "HelpScreen.DEFAULT_CSS"))
    stylesheet.parse()
    cache.save()
    assert next(tmp_path.iterdir()).stat().st_size == size


def test_each_theme_has_its_own_rules(tmp_path: Path) -> None:
    cache = ParsedCssCache(tmp_path)
    dark, light = parsed(cache), parsed(cache, {**THEME, "primary": "#ff0000"})
    cache.save()
    assert dark != light
    assert len(list(tmp_path.iterdir())) == 2


def test_rules_parsed_after_a_theme_change_are_kept_for_that_theme(tmp_path: Path) -> None:
    cache = ParsedCssCache(tmp_path)
    stylesheet = CachedStylesheet(variables=dict(THEME), cache=cache)
    stylesheet.add_source(CSS, read_from=("widgets.py", "JobList.DEFAULT_CSS"), is_default_css=True, scope="JobList")
    stylesheet.parse()
    stylesheet.set_variables({**THEME, "primary": "#ff0000"})
    stylesheet.add_source("Timeline { color: $primary; }", read_from=("widgets.py", "Timeline.DEFAULT_CSS"))
    stylesheet.parse()
    cache.save()
    assert len(list(tmp_path.iterdir())) == 2


def test_only_the_newest_theme_files_are_kept(tmp_path: Path) -> None:
    for number in range(MAX_FILES + 3):
        cache = ParsedCssCache(tmp_path)
        parsed(cache, {**THEME, "primary": f"#0000{number:02x}"})
        cache.save()
        newest = max(tmp_path.iterdir(), key=lambda file: file.stat().st_mtime_ns)
        os.utime(newest, ns=(number * 10**9, number * 10**9))
    assert len(list(tmp_path.iterdir())) == MAX_FILES


def test_a_file_others_may_write_is_never_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    first = ParsedCssCache(tmp_path)
    expected = parsed(first)
    first.save()
    (file,) = tmp_path.iterdir()
    file.chmod(0o666)
    calls: list[object] = []
    real_parse = textual.css.stylesheet.parse
    monkeypatch.setattr(textual.css.stylesheet, "parse", lambda *a, **k: calls.append(a) or real_parse(*a, **k))
    with caplog.at_level(logging.WARNING):
        assert parsed(ParsedCssCache(tmp_path)) == expected
    assert calls, "the rules should have been parsed, not read"
    assert "not the user's own file" in caplog.text


@pytest.mark.parametrize("content", [b"", b"not a pickle", b"\x80\x05N."])
def test_a_corrupt_file_is_only_a_miss(tmp_path: Path, content: bytes) -> None:
    first = ParsedCssCache(tmp_path)
    expected = parsed(first)
    first.save()
    (file,) = tmp_path.iterdir()
    file.write_bytes(content)
    assert parsed(ParsedCssCache(tmp_path)) == expected


def test_a_cache_folder_that_cannot_be_made_costs_only_time(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    (tmp_path / "blocker").write_text("a file where the folder should be")
    cache = ParsedCssCache(tmp_path / "blocker" / "css")
    expected = parsed(cache)
    with caplog.at_level(logging.WARNING):
        cache.save()
    assert "cannot keep the parsed CSS" in caplog.text
    assert parsed(cache) == expected


def styled(app) -> list[tuple[str, str | None, str, dict[str, str]]]:
    """Every widget's computed styles, and its component classes' styles."""
    return [
        (
            type(node).__name__,
            node.id,
            node.styles.css,
            {name: styles.css for name, styles in sorted(node._component_styles.items())},
        )
        for node in app.screen.walk_children(with_self=True)
    ]


async def test_the_deck_from_kept_rules_is_styled_as_from_parsed_ones(tmp_path: Path) -> None:
    styles = []
    for start in ("cold", "warm"):
        app = build_app(tmp_path / start, css_cache=ParsedCssCache(tmp_path / "cache"))
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_for_jobs(app, 6)
            await deck_settled(app, pilot)
            styles.append(styled(app))
        # Leaving the deck writes what it parsed (start-up's own save comes later).
        assert list((tmp_path / "cache").iterdir())
    assert styles[0] == styles[1]
    assert any(component for *_, component in styles[0])


def test_rules_of_css_that_changed_since_are_not_kept_again(tmp_path: Path) -> None:
    old = ParsedCssCache(tmp_path)
    stylesheet = CachedStylesheet(variables=dict(THEME), cache=old)
    stylesheet.add_source("JobList { color: red; }", read_from=("job_list.py", "JobList.DEFAULT_CSS"))
    stylesheet.parse()
    old.save()
    upgraded = ParsedCssCache(tmp_path)
    expected = parsed(upgraded)  # the same widget, its CSS changed
    upgraded.save()
    fresh = ParsedCssCache(tmp_path / "fresh")
    parsed(fresh)
    fresh.save()
    (file,) = (f for f in tmp_path.iterdir() if f.is_file())
    (only_new,) = (tmp_path / "fresh").iterdir()
    assert file.read_bytes() == only_new.read_bytes()  # the old rules are gone
    assert parsed(ParsedCssCache(tmp_path)) == expected
