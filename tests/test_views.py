"""Saved views: a name for the list's filter, sort and columns, from the config or ctrl+s,
switched with ctrl+o or the palette, and opened with --view."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from deck_helpers import build_app, wait_for_jobs
from fakes import wait_until
from pydantic import ValidationError
from textual.content import Content

from jobdeck.config import settings_from_toml
from jobdeck.errors import ConfigError
from jobdeck.ui.panes.jobs import JobsPane
from jobdeck.ui.runtime.view_shelf import ViewShelf
from jobdeck.ui.screens.prompt import PromptScreen
from jobdeck.ui.screens.view_switcher import ViewSwitcher
from jobdeck.ui.widgets.job_list import JobList
from jobdeck.views import View, read_saved_views, save_view

FAILING = View(name="failing", query="state:failed", sort="state", columns=("state", "backend", "labels"))
CLUSTER = View(name="cluster work", query="backend:cluster")


# -- what a view is ------------------------------------------------------------------------


def test_a_view_whose_query_does_not_read_says_why():
    with pytest.raises(ValidationError, match="its query does not read"):
        View(name="bad", query="state:nope")


@pytest.mark.parametrize("field, value, words", [
    ("columns", ("state", "colour"), "unknown column 'colour'"),
    ("columns", ("age", "age"), "a column is named twice"),
    ("sort", "size", "sort 'size' is not one of"),
    ("name", "two\nlines", "one line of printable text"),
])
def test_a_view_refuses_what_the_list_cannot_show(field, value, words):
    with pytest.raises(ValidationError, match=words):
        View.model_validate({"name": "v", field: value})


def test_views_come_from_the_config_with_the_view_to_open_on():
    settings = settings_from_toml('''
view = "failing today"
[[views]]
name = "failing today"
query = "state:failed since:1d"
sort = "state"
columns = ["state", "backend", "age"]
''')
    assert settings.view == "failing today"
    assert settings.views[0].columns == ("state", "backend", "age")


def test_a_config_view_that_does_not_read_is_named_with_its_place(tmp_path):
    text = '[[views]]\nname = "a"\nquery = "state:failed"\n[[views]]\nname = "b"\nquery = "state:nope"\n'
    with pytest.raises(ConfigError, match=r"views\[1\]\.query: .*unknown state 'nope'"):
        settings_from_toml(text, tmp_path / "config.toml")


def test_two_config_views_cannot_share_a_name():
    with pytest.raises(ConfigError, match="two views are named 'A'"):
        settings_from_toml('[[views]]\nname = "a"\n[[views]]\nname = "A"\n')


# -- the saved views' file -----------------------------------------------------------------


def test_saving_a_view_again_replaces_it_and_keeps_the_others(tmp_path):
    file = tmp_path / "views.json"
    save_view(file, FAILING)
    save_view(file, CLUSTER)
    save_view(file, FAILING.model_copy(update={"query": "state:failed,canceled"}))
    views, problem = read_saved_views(file)
    assert problem is None
    assert [(view.name, view.query) for view in views] == [("cluster work", "backend:cluster"),
                                                          ("failing", "state:failed,canceled")]


@pytest.mark.parametrize("content", ["{not json", '{"views": 3}', "\udcff"])
def test_a_saved_views_file_that_cannot_be_read_is_said_and_skipped(tmp_path, content):
    file = tmp_path / "views.json"
    file.write_bytes(content.encode("utf-8", "surrogateescape"))
    views, problem = read_saved_views(file)
    assert views == [] and problem and str(file) in problem


def test_a_damaged_saved_view_is_skipped_and_counted(tmp_path):
    file = tmp_path / "views.json"
    file.write_text(json.dumps({"views": [{"name": "ok"}, {"name": "bad", "query": "state:nope"}]}))
    views, problem = read_saved_views(file)
    assert [view.name for view in views] == ["ok"]
    assert problem == f"1 saved view(s) in {file} could not be read and are skipped"


def test_the_configs_view_wins_over_a_saved_one_of_the_same_name(tmp_path):
    file = tmp_path / "views.json"
    save_view(file, View(name="FAILING", query="state:canceled"))
    shelf = ViewShelf([FAILING], file)
    assert shelf.load() is None
    assert [view.query for view in shelf.views] == ["state:failed"]


def test_a_shelf_given_the_saved_views_its_command_read_never_reads_the_file(tmp_path):
    mine = View(name="mine", query="state:running")
    skipped = "1 saved view(s) in views.json could not be read and are skipped"
    shelf = ViewShelf([FAILING], tmp_path / "views.json", start="mine", saved=([mine], skipped))
    assert shelf.load() == skipped  # (no file there: a read would have found none)
    assert shelf.find("mine") == mine and [view.name for view in shelf.views] == ["failing", "mine"]


# -- in the deck ---------------------------------------------------------------------------


def deck_with_views(tmp_path: Path, *, start: str | None = None, saved: list[View] = ()):
    app = build_app(tmp_path)
    file = tmp_path / "data" / "views.json"
    for view in saved:
        save_view(file, view)
    app.view_shelf = ViewShelf([FAILING, CLUSTER], file, start=start)
    return app, file


async def test_ctrl_o_opens_a_view_its_filter_sort_and_columns_and_every_job_again(tmp_path):
    app, _ = deck_with_views(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        jobs = await wait_for_jobs(app, 6)
        await pilot.press("ctrl+o")
        assert isinstance(app.screen, ViewSwitcher)
        await pilot.press("down", "enter")  # "Every job" first, then the views
        await wait_until(lambda: jobs.visible_count == 1, what="the failing jobs only")
        assert (jobs.filter_text, jobs.sort, jobs.view_columns) == ("state:failed", "state",
                                                                    (("state", "backend", "labels"), None))
        pane = app.screen.query_one(JobsPane)
        assert str(pane.border_title) == "Jobs 1/6 · failing"
        assert "host=build-01 exit=3" in "\n".join(jobs.render_line(y).text for y in range(4))
        assert "took" not in jobs.render_line(0).text  # the columns the view leaves out
        await pilot.press("ctrl+o")
        await pilot.press("home", "enter")
        await wait_until(lambda: jobs.visible_count == 6, what="every job again")
        assert (jobs.filter_text, jobs.view_columns, str(pane.border_title)) == ("", (None, None), "Jobs 6/6")


async def test_ctrl_s_saves_the_list_as_it_is_under_a_name(tmp_path):
    app, file = deck_with_views(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        jobs = await wait_for_jobs(app, 6)
        await pilot.press("slash", *"gpu", "enter")
        await wait_until(lambda: jobs.visible_count == 1, what="the filter")
        await pilot.press("s")
        await pilot.press("ctrl+s")
        assert isinstance(app.screen, PromptScreen)
        await pilot.press(*"gpu jobs", "enter")
        await wait_until(lambda: file.exists(), what="the saved view")
        views, _ = read_saved_views(file)
        assert [(view.name, view.query, view.sort) for view in views] == [("gpu jobs", "gpu", jobs.sort)]
        await wait_until(lambda: "gpu jobs" in str(app.screen.query_one(JobsPane).border_title), what="the title")


async def test_a_config_views_name_is_not_taken_by_ctrl_s(tmp_path):
    app, file = deck_with_views(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_jobs(app, 6)
        await pilot.press("ctrl+s", *"Failing", "enter")
        await pilot.pause()
        assert not file.exists()
        assert any("is a view of the config" in str(n.message) for n in app._notifications)


async def test_the_deck_opens_on_the_view_it_is_started_on_even_a_saved_one(tmp_path):
    app, _ = deck_with_views(tmp_path, start="mine", saved=[View(name="mine", query="backend:local")])
    async with app.run_test(size=(120, 40)):
        jobs = await wait_for_jobs(app, 6)
        await wait_until(lambda: jobs.filter_text == "backend:local", what="the saved view")
        assert "mine" in str(app.screen.query_one(JobsPane).border_title)


async def test_an_unknown_start_view_is_said_and_the_deck_shows_every_job(tmp_path):
    app, _ = deck_with_views(tmp_path, start="nope")
    async with app.run_test(size=(120, 40)) as pilot:
        jobs = await wait_for_jobs(app, 6)
        await wait_until(lambda: any("no view named “nope”" in str(n.message) for n in app._notifications),
                         what="the message")
        await pilot.pause()
        assert jobs.filter_text == ""


async def test_the_palette_has_a_command_per_view(tmp_path):
    app, _ = deck_with_views(tmp_path)
    async with app.run_test(size=(120, 40)):
        await wait_for_jobs(app, 6)
        titles = [str(command.title) for command in app.get_system_commands(app.screen)]
        assert {"View: failing", "View: cluster work", "Views", "Save view"} <= set(titles)


async def test_a_views_name_and_query_show_in_the_palette_as_typed(tmp_path):
    # The palette reads markup: brackets in a name or a query are text, none a style.
    view = View(name="[B]ackup [$accent]", query='"[bold]x" name:/^[a-z]/')
    app, _ = deck_with_views(tmp_path, saved=[view])
    async with app.run_test(size=(120, 40)):
        await wait_for_jobs(app, 6)
        await wait_until(lambda: app.view_shelf.find(view.name) is not None, what="the saved views")
        command = next(c for c in app.get_system_commands(app.screen) if "ackup" in str(c.title))
        assert Content.from_markup(command.title).plain == "View: [B]ackup [$accent]"
        assert Content.from_markup(command.help).plain == '"[bold]x" name:/^[a-z]/'


def test_the_view_switcher_at_120x40(snap_compare, tmp_path):
    app, _ = deck_with_views(tmp_path, saved=[View(name="mine", query="backend:local", columns=("age",))])

    async def open_switcher(pilot) -> None:
        await wait_for_jobs(app, 6)
        await pilot.press("ctrl+o")
        await pilot.pause()

    assert snap_compare(app, terminal_size=(120, 40), run_before=open_switcher)


def test_a_view_with_its_own_columns_at_80x24(snap_compare, tmp_path):
    app, _ = deck_with_views(tmp_path, start="failing")

    async def opened(pilot) -> None:
        jobs = await wait_for_jobs(app, 6)
        await wait_until(lambda: jobs.visible_count == 1, what="the view")
        await pilot.pause()

    assert snap_compare(app, terminal_size=(80, 24), run_before=opened)


def test_the_view_switcher_at_80x24(snap_compare, tmp_path):
    app, _ = deck_with_views(tmp_path)

    async def open_switcher(pilot) -> None:
        await wait_for_jobs(app, 6)
        await pilot.press("ctrl+o")
        await pilot.pause()

    assert snap_compare(app, terminal_size=(80, 24), run_before=open_switcher)


# -- on the command line ---------------------------------------------------------------------


@pytest.fixture
def cli_sandbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("JOBDECK_CONFIG", raising=False)
    monkeypatch.setenv("JOBDECK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("JOBDECK_CONFIG_DIR", str(tmp_path / "config"))
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "config.toml").write_text('[[views]]\nname = "failing today"\nquery = "state:failed"\n')
    return tmp_path


def test_view_names_an_unknown_view_exits_2_listing_the_views(cli_sandbox: Path) -> None:
    from cli_helpers import invoke

    save_view(cli_sandbox / "data" / "views.json", View(name="mine"))
    result = invoke("--view", "nope")
    assert result.exit_code == 2
    assert "there is no view named “nope”; the views are “failing today”, “mine”" in result.output


def test_view_reads_views_json_once_and_hands_the_deck_what_it_read(
    cli_sandbox: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cli_helpers import invoke

    save_view(cli_sandbox / "data" / "views.json", View(name="mine", query="state:running"))
    reads: list[Path] = []
    monkeypatch.setattr("jobdeck.cli.common.read_saved_views", lambda file: reads.append(file) or read_saved_views(file))
    handed: dict[str, object] = {}
    monkeypatch.setattr("jobdeck.wiring.run_deck", lambda settings, **options: handed.update(options) or 0)

    assert invoke("--view", "mine").exit_code == 0
    saved, problem = handed["saved_views"]  # type: ignore[misc]
    assert len(reads) == 1 and [view.name for view in saved] == ["mine"] and problem is None
    invoke("--view", "failing today")  # a view of the config: the saved ones are read all the same, once
    assert len(reads) == 2


def test_view_before_a_command_that_opens_no_deck_is_refused(cli_sandbox: Path) -> None:
    from cli_helpers import invoke

    result = invoke("--view", "failing today", "ls")
    assert result.exit_code == 2
    assert "--view does not apply to `jobdeck ls`" in result.output


def test_view_before_serve_reaches_every_tabs_deck(cli_sandbox: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from cli_helpers import invoke

    commands: list[str] = []

    def run(command: str, **kwargs) -> None:
        commands.append(command)
        kwargs["announce"]("http://127.0.0.1:8000/")

    monkeypatch.setattr("jobdeck.serve_server.run", run)
    assert invoke("--view", "failing today", "serve").exit_code == 0
    assert commands and commands[0].endswith("--view 'failing today'")

    unknown = invoke("--view", "nope", "serve")  # said once, before serving, not in every tab
    assert unknown.exit_code == 2 and "there is no view named “nope”" in unknown.output and len(commands) == 1


async def test_a_filter_changed_away_from_the_views_leaves_the_view(tmp_path):
    app, _ = deck_with_views(tmp_path, start="failing")
    async with app.run_test(size=(120, 40)) as pilot:
        jobs = await wait_for_jobs(app, 6)
        await wait_until(lambda: jobs.filter_text == "state:failed", what="the view")
        pane = app.screen.query_one(JobsPane)
        assert str(pane.border_title).endswith("· failing")
        await pilot.press("escape")  # clears the filter
        await wait_until(lambda: jobs.filter_text == "", what="the filter cleared")
        assert str(pane.border_title) == "Jobs 6/6"
        assert app.screen.view is None
        assert jobs.view_columns == (None, None)  # every job again, with the usual columns


def test_an_unknown_view_before_demo_exits_2_before_any_demo_job_starts(
    cli_sandbox: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cli_helpers import invoke

    started: list[object] = []
    monkeypatch.setattr("jobdeck.demo.run_demo", lambda *args, **kwargs: started.append(args) or 0)
    unknown = invoke("--view", "nope", "demo")
    assert unknown.exit_code == 2 and "there is no view named “nope”" in unknown.output
    assert started == []
    assert invoke("--view", "failing today", "demo").exit_code == 0 and len(started) == 1
