"""The live result graph in JupyterLab and Chromium: runs on a real cluster started in the
notebook (Redis and a celery worker process), watched as a user would — states on the nodes,
a click for the details, the revoke button — and a 10,000-task group previewed without running.

Waits are Playwright's auto-waiting ``expect`` with generous timeouts (2 cores, other work
beside); nothing sleeps to synchronise and nothing asserts on time.
"""

from __future__ import annotations

import itertools
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable

import pytest
from celery import chord
from playwright.sync_api import Locator, Page, expect

from canvas_widgets import freeze
from canvas_widgets.cluster import LocalCluster
from canvas_widgets.demo import add, fail, tsum
from canvas_widgets.demo import app as demo_app
from canvas_widgets.run import WorkflowRun
from canvas_widgets.widgets.result_graph import ResultGraph

from .browser_harness import REPO_ROOT, Notebook

pytestmark = pytest.mark.browser

ARTIFACTS = REPO_ROOT / "test-artifacts"
RUN_TIMEOUT_MS = 120_000
XSS = "<img src=x onerror=alert(1)>"

IMPORTS = """
import canvas_widgets as cw
from celery import chain, chord, group
from canvas_widgets.demo import add, app, count, fail, sleep, tsum, xsum
from canvas_widgets.widgets.result_graph import ResultGraph
"""
CLUSTER = "cluster = cw.LocalCluster(app, workers=1)\n"


@pytest.fixture(autouse=True)
def _bundle_built() -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    if not (REPO_ROOT / "canvas_widgets" / "static" / "graph.js").exists():
        pytest.fail("graph.js is not built: run `npm run build` in js/ (./dev does it)")


def result_graph(nb: Notebook, cell: int) -> Locator:
    """The cell's result graph, once its first drawing is complete."""
    widget = nb.output(cell).locator("[data-cw-result-graph]")
    expect(widget).to_have_attribute("data-cw-layout", "done")
    return widget


def task_node(widget: Locator, nb: Notebook, cell: int, expression: str) -> Locator:
    """The node of the task whose id the kernel prints for ``expression``."""
    assert nb.run_cell(cell), nb.output_text(cell)
    task_id = nb.output_text(cell).strip()
    return widget.locator(f'[data-cw-task-id="{task_id}"]')


def set_theme(page: Page, theme: str) -> None:
    page.evaluate(
        "(theme) => window.jupyterapp.commands.execute('apputils:change-theme', {theme})", theme
    )
    expect(page.locator("body")).to_have_attribute("data-jp-theme-name", theme)
    expect(page.locator("#jupyterlab-splash")).to_have_count(0)  # the switch's splash is gone


# --- the canvas guide's chord runs to SUCCESS, live ---------------------------------------------

CHORD_CELLS = [
    IMPORTS + CLUSTER + "run = cw.run(chord((add.s(i, i) for i in range(10)), xsum.s()), app=app)"
    "\nrun.graph",
    "print(run.wait(timeout=60), sorted(set(run.states.values())))",
    "cluster.close()",
]


def test_guide_chord_goes_to_success(notebook_factory: Callable[[list[str]], Notebook]) -> None:
    nb = notebook_factory(CHORD_CELLS)
    assert nb.run_cell(0), nb.output_text(0)
    widget = result_graph(nb, 0)
    nodes = widget.locator("[data-cw-task-id]")
    expect(nodes).to_have_count(11)  # every task drawn before it ran, none summarised
    expect(widget.locator('[data-cw-container="chord"]')).to_have_count(1)
    expect(widget.locator('[data-cw-container="chord.header"]')).to_have_count(1)
    expect(widget.locator('[data-cw-state="SUCCESS"][data-cw-task-id]')).to_have_count(
        11, timeout=RUN_TIMEOUT_MS
    )
    expect(widget.locator(".cw-progress-text")).to_contain_text("11/11 done")
    expect(widget.locator('[data-cw-container="chord"] .cw-box-label')).to_have_text(
        "chord · header 10/10 done"
    )
    expect(widget.locator('[data-cw-legend-state="SUCCESS"] .cw-legend-count')).to_have_text("11")
    expect(widget).to_have_attribute("data-cw-finished", "true", timeout=RUN_TIMEOUT_MS)
    expect(widget.locator('[data-cw-action="revoke"]')).to_be_disabled()
    expect(widget.locator('[data-cw-action="first-failure"]')).to_be_disabled()  # none failed
    assert nb.run_cell(1), nb.output_text(1)
    assert nb.output_text(1).strip() == "90 ['SUCCESS']"

    # The timeline: every task a bar on its worker's lane (one worker process here).
    widget.locator('[data-cw-tab="timeline"]').click()
    timeline = widget.locator("[data-cw-timeline]")
    bars = timeline.locator("[data-cw-task-id]")
    expect(bars).to_have_count(11)
    expect(timeline.locator('[data-cw-state="SUCCESS"][data-cw-task-id]')).to_have_count(11)
    expect(timeline.locator("g.cw-lane")).to_have_count(1)
    lane = timeline.locator("g.cw-lane").get_attribute("data-cw-lane")
    expect(timeline.locator(f'[data-cw-task-id][data-cw-lane="{lane}"]')).to_have_count(11)
    # A bar's tooltip: its task, state and time (one <title>, lent to the bar under the mouse).
    bars.last.hover()
    expect(bars.last.locator("title")).to_have_text(re.compile(r"^\w+\(.*\) · SUCCESS · [\d.]+ s$"))
    expect(timeline.locator("title")).to_have_count(1)
    widget.screenshot(path=str(ARTIFACTS / "result-graph-timeline.png"))
    widget.locator('[data-cw-tab="graph"]').click()
    expect(timeline).to_be_hidden()
    expect(widget.locator("[data-cw-task-id]")).to_have_count(11)  # the bars are gone
    widget.screenshot(path=str(ARTIFACTS / "result-graph-chord-light.png"))
    set_theme(nb.page, "JupyterLab Dark")
    widget.screenshot(path=str(ARTIFACTS / "result-graph-chord-dark.png"))
    set_theme(nb.page, "JupyterLab Light")
    assert nb.run_cell(2), nb.output_text(2)


# --- a failing chord: FAILURE where it failed, the traceback one click away ---------------------

FAILING_CELLS = [
    IMPORTS + CLUSTER + "run = cw.run(chord([add.s(1, 1), fail.si(), add.s(2, 2)], tsum.s()), "
    "app=app)\nrun.graph",
    "print(next(t for t in run.task_ids if run.info(t)['name'].endswith('.fail')))",
    "print(next(t for t in run.task_ids if run.info(t)['name'].endswith('.tsum')))",
    "cluster.close()",
]


def test_failing_chord_shows_failure_and_traceback(
    notebook_factory: Callable[[list[str]], Notebook],
) -> None:
    nb = notebook_factory(FAILING_CELLS)
    assert nb.run_cell(0), nb.output_text(0)
    widget = result_graph(nb, 0)
    failing = task_node(widget, nb, 1, "fail")
    body = task_node(widget, nb, 2, "tsum")
    expect(failing).to_have_attribute("data-cw-state", "FAILURE", timeout=RUN_TIMEOUT_MS)
    expect(body).to_have_attribute("data-cw-state", "FAILURE", timeout=RUN_TIMEOUT_MS)
    expect(widget.locator('[data-cw-state="SUCCESS"][data-cw-task-id]')).to_have_count(
        2, timeout=RUN_TIMEOUT_MS
    )
    # The body failed without running (Celery's ChordError): counted as failed, that never ran.
    expect(widget.locator(".cw-progress-text")).to_contain_text("2 failed (1 never ran)")
    expect(widget.locator('[data-cw-container="chord"] .cw-box-label')).to_have_text(
        "chord · header 3/3 done, 1 failed"
    )
    expect(widget.locator('[data-cw-action="first-failure"]')).to_be_enabled()
    # For docs/result-graph.png: copy it from here by hand when the view changes.
    widget.screenshot(path=str(ARTIFACTS / "result-graph-failing-chord.png"))

    # One click from the toolbar to the task that failed first (not the body it failed).
    widget.locator('[data-cw-action="first-failure"]').click()
    details = widget.locator(".cw-details")
    expect(details).to_be_visible()
    expect(details).to_have_attribute("data-cw-state", "FAILURE")
    expect(details.locator('[data-cw-field="name"]')).to_have_text("canvas_widgets.demo.fail")
    expect(details.locator('[data-cw-field="exception"]')).to_contain_text("this task always fails")
    traceback = details.locator('[data-cw-field="traceback"]')
    expect(traceback).to_contain_text("Traceback (most recent call last)")
    expect(traceback).to_contain_text("ValueError: this task always fails")
    expect(details.locator('[data-cw-field="worker"]')).to_contain_text("@")
    expect(failing).to_have_class("cw-node cw-selected")
    widget.screenshot(path=str(ARTIFACTS / "result-graph-failing-light.png"))
    set_theme(nb.page, "JupyterLab Dark")
    widget.screenshot(path=str(ARTIFACTS / "result-graph-failing-dark.png"))
    set_theme(nb.page, "JupyterLab Light")

    details.locator('[data-cw-action="close-details"]').click()
    expect(details).to_be_hidden()

    # Back to the whole graph; a click on a node shows its details: the body the chord failed.
    widget.locator('[data-cw-action="fit"]').click()
    body.click()
    expect(details.locator('[data-cw-field="name"]')).to_have_text("canvas_widgets.demo.tsum")
    expect(details).to_have_attribute("data-cw-state", "FAILURE")
    expect(body).to_have_class("cw-node cw-selected")
    # It never ran: the details say which task stopped it, and offer no retry from it.
    failing_id = failing.get_attribute("data-cw-task-id")
    expect(details.locator('[data-cw-field="not_run"]')).to_have_text(
        f"never ran: canvas_widgets.demo.fail before it (task {failing_id}) is FAILURE"
    )
    expect(details.locator('[data-cw-action="retry"]')).to_have_count(0)
    # The body was under where the panel opens: moved out from under it. The panel's values
    # take their column's whole width (not JupyterLab's 80 % for a <dd> in an output).
    body_box, panel_box = body.bounding_box(), details.bounding_box()
    assert body_box and panel_box and body_box["x"] + body_box["width"] <= panel_box["x"]
    fields, name = details.locator(".cw-details-fields"), details.locator('[data-cw-field="name"]')
    fields_box, name_box = fields.bounding_box(), name.bounding_box()
    assert fields_box and name_box
    assert name_box["x"] + name_box["width"] >= fields_box["x"] + fields_box["width"] - 1

    # Find: a task by the start of its id (as a worker's log names it), then the failures in
    # turn, typed key by key: the keys act on the widget alone (no cell added, none run again).
    cells = nb.page.locator(".jp-Notebook .jp-Cell")
    cells_before = cells.count()
    prompt = nb.cell(0).locator(".jp-InputPrompt")
    prompt_before = prompt.inner_text()  # its execution count: a run again would change it
    find, found = widget.locator('[data-cw-action="find"]'), widget.locator(".cw-find-count")
    find.press_sequentially(str(failing.get_attribute("data-cw-task-id"))[:8])
    find.press("Enter")
    expect(found).to_have_text("1 of 1")
    expect(failing).to_have_class("cw-node cw-selected")
    expect(details.locator('[data-cw-field="name"]')).to_have_text("canvas_widgets.demo.fail")
    find.fill(f"Task canvas_widgets.demo.tsum[{body.get_attribute('data-cw-task-id')}] raised")
    find.press("Enter")  # a line of a worker's log, pasted
    expect(found).to_have_text("1 of 1")
    expect(body).to_have_class("cw-node cw-selected")
    find.fill("")
    expect(found).to_have_text("")  # the count was the last query's
    find.press_sequentially("failure")
    find.press("Enter")  # the failures in canvas order: the header's fail, then the body
    expect(found).to_have_text("1 of 2")
    expect(failing).to_have_class("cw-node cw-selected")
    find.press("Enter")
    expect(found).to_have_text("2 of 2")
    expect(body).to_have_class("cw-node cw-selected")
    find.press("Shift+Enter")
    expect(found).to_have_text("1 of 2")
    expect(failing).to_have_class("cw-node cw-selected")
    find.fill("no such task")
    find.press("Enter")
    expect(found).to_have_text("no match")
    # A state in the legend goes to its tasks in turn, as its name in the find box does: on
    # from the task shown (the header's fail), to the body, and round again.
    widget.locator('[data-cw-legend-state="FAILURE"]').click()
    expect(find).to_have_value("failure")
    expect(found).to_have_text("2 of 2")
    expect(body).to_have_class("cw-node cw-selected")
    widget.locator('[data-cw-legend-state="FAILURE"]').click()
    expect(found).to_have_text("1 of 2")
    expect(failing).to_have_class("cw-node cw-selected")
    expect(widget.locator('[data-cw-legend-state="PENDING"]')).to_be_disabled()  # none to go to
    # The legend is one tab stop: the arrows move along it, Tab goes on past it.
    failure_item = widget.locator('[data-cw-legend-state="FAILURE"]')
    expect(failure_item).to_be_focused()  # the one clicked
    failure_item.press("ArrowRight")
    expect(widget.locator('[data-cw-legend-state="REVOKED"]')).to_be_focused()
    widget.locator('[data-cw-legend-state="REVOKED"]').press("Home")
    expect(widget.locator('[data-cw-legend-state="PENDING"]')).to_be_focused()
    widget.locator('[data-cw-legend-state="PENDING"]').press("Tab")
    expect(widget.locator('[data-cw-tab="graph"]')).to_be_focused()

    # The keyboard, on the graph: arrows move from the highlighted task to the next one that way
    # (the details follow), the status line says where they are; Escape closes the details,
    # Enter opens them; keys meant for the notebook's command mode (`a`, `0 0`) stay in it.
    stage, status = widget.locator("svg.cw-svg"), widget.locator(".cw-status")
    find.press("Escape")  # from the find box back to the graph
    expect(stage).to_be_focused()
    stage.press("ArrowUp")  # from the failing task, up the header column
    expect(status).to_have_text("add(1, 1) · SUCCESS")
    expect(details.locator('[data-cw-field="name"]')).to_have_text("canvas_widgets.demo.add")
    expect(widget.locator(".cw-selected")).to_have_count(1)
    stage.press("ArrowRight")  # across, to the chord's body
    expect(body).to_have_class("cw-node cw-selected")
    expect(status).to_have_text(re.compile(r"^tsum\(\) · FAILURE$"))
    expect(details.locator('[data-cw-field="name"]')).to_have_text("canvas_widgets.demo.tsum")
    stage.press("Escape")
    expect(details).to_be_hidden()
    expect(body).to_have_class("cw-node cw-selected")  # still where the keys left off
    stage.press("Home")  # the first task, in canvas order
    expect(status).to_have_text("add(1, 1) · SUCCESS")
    stage.press("ArrowDown")
    expect(failing).to_have_class("cw-node cw-selected")
    expect(details).to_be_hidden()  # moving does not open them
    stage.press("Enter")
    expect(details.locator('[data-cw-field="name"]')).to_have_text("canvas_widgets.demo.fail")
    for key in ("a", "0", "0"):
        stage.press(key)
    expect(nb.page.locator(".jp-Dialog")).to_have_count(0)  # no "restart the kernel?"
    # Hovered, a task node says what it is and its state.
    failing.hover()
    expect(failing.locator("title")).to_have_text("fail() · FAILURE")
    expect(cells).to_have_count(cells_before)
    expect(prompt).to_have_text(prompt_before)
    # In a narrow view the details go below the graph instead of over most of it.
    nb.page.evaluate("() => window.jupyterapp.commands.execute('application:toggle-left-area')")
    nb.page.set_viewport_size({"width": 480, "height": 1000})
    narrow = "(el) => el.getBoundingClientRect().width < 560"
    nb.page.wait_for_function(narrow, arg=widget.element_handle())
    stage_box = widget.locator(".cw-stage").bounding_box()
    details_box = details.bounding_box()
    assert details_box["y"] >= stage_box["y"] + stage_box["height"] - 1, (stage_box, details_box)
    assert nb.run_cell(3), nb.output_text(3)


# --- roles, names and the focus: what a screen reader and the keyboard get ---------------------


def test_a_failing_chord_by_keyboard_and_screen_reader(
    notebook_factory: Callable[[list[str]], Notebook],
) -> None:
    """The graph takes the arrow keys as an application; tabs are tabs; the legend, the details'
    close button and the timeline's bars have names; no key pressed on a button reaches the
    notebook's command mode; closing the details gives the focus back to the drawing."""
    nb = notebook_factory(FAILING_CELLS)
    page, keys = nb.page, nb.page.keyboard
    assert nb.run_cell(0), nb.output_text(0)
    widget = result_graph(nb, 0)
    expect(widget).to_have_attribute("data-cw-finished", "true", timeout=RUN_TIMEOUT_MS)
    drawing = widget.get_by_role("application", name=re.compile("^Workflow graph"))
    expect(drawing).to_have_count(1)
    # A legend item says its state and count apart ("FAILURE2" before).
    expect(widget.get_by_role("button", name="FAILURE: 2", exact=True)).to_have_count(1)
    expect(widget.get_by_role("button", name="SUCCESS: 2", exact=True)).to_have_count(1)

    # Keys pressed on a toolbar button stay in the widget: `b` would add a cell below.
    cells = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell")
    expect(cells).to_have_count(len(FAILING_CELLS))
    fit = widget.locator('[data-cw-action="fit"]')
    fit.focus()
    keys.press("b")
    expect(fit).to_be_focused()
    expect(cells).to_have_count(len(FAILING_CELLS))

    # The details: a named close button; a traceback too wide for the panel is a named tab
    # stop (so the keys can scroll it); closing by keyboard gives the focus to the drawing.
    widget.locator('[data-cw-action="first-failure"]').click()
    details = widget.locator(".cw-details")
    expect(details).to_have_attribute("data-cw-state", "FAILURE")
    traceback = details.get_by_role("region", name="traceback")
    expect(traceback).to_have_attribute("tabindex", "0")
    traceback.focus()
    keys.press("Escape")  # closes them from anywhere in them
    expect(details).to_be_hidden()
    expect(drawing).to_be_focused()
    keys.press("Enter")  # the highlighted node's details again
    expect(details).to_have_attribute("data-cw-state", "FAILURE")
    close = details.get_by_role("button", name="Close the details")
    close.focus()
    keys.press("Enter")
    expect(details).to_be_hidden()
    expect(drawing).to_be_focused()

    # Tabs: one tab stop, the arrow keys go from one to the other.
    graph_tab = widget.get_by_role("tab", name="Graph")
    timeline_tab = widget.get_by_role("tab", name="Timeline")
    expect(graph_tab).to_have_attribute("aria-selected", "true")
    expect(timeline_tab).to_have_attribute("tabindex", "-1")
    graph_tab.focus()
    keys.press("ArrowRight")
    expect(timeline_tab).to_be_focused()
    expect(timeline_tab).to_have_attribute("aria-selected", "true")
    expect(graph_tab).to_have_attribute("tabindex", "-1")
    timeline = widget.get_by_role("application", name=re.compile("^Timeline"))
    expect(timeline).to_be_visible()
    # Each bar is an image named by its task, state and time: the state in words.
    expect(timeline.get_by_role("img", name=re.compile(r"^fail\(\) · FAILURE · "))).to_have_count(1)
    keys.press("ArrowLeft")
    expect(graph_tab).to_be_focused()
    expect(drawing).to_be_visible()
    expect(cells).to_have_count(len(FAILING_CELLS))
    assert nb.run_cell(3), nb.output_text(3)


# --- the timeline: tasks a worker ran at once on rows of their own -----------------------------

TIMELINE_CELLS = [
    IMPORTS
    + CLUSTER
    + "from canvas_widgets.demo import flaky\n"
    + "sleeps = [sleep.si(1, i) for i in range(4)]\n"
    + "run = cw.run(group([*sleeps, flaky.si(7, failures=1)]), app=app)\nrun.graph",
    "print(run.wait(timeout=60))",
    "cluster.close()",
]


def test_timeline_keeps_tasks_run_at_once_apart(
    notebook_factory: Callable[[list[str]], Notebook],
) -> None:
    nb = notebook_factory(TIMELINE_CELLS)
    assert nb.run_cell(0), nb.output_text(0)
    widget = result_graph(nb, 0)
    assert nb.run_cell(1), nb.output_text(1)
    widget.locator('[data-cw-tab="timeline"]').click()
    timeline = widget.locator("[data-cw-timeline]")
    expect(timeline.locator('[data-cw-state="SUCCESS"][data-cw-task-id]')).to_have_count(5)
    # The 1 s sleeps' bars are wide enough to say which task each is.
    expect(timeline.locator(".cw-bar-label", has_text="sleep(1, 3)")).to_have_count(1)
    # The task that retried has a bar per attempt: the first coloured by how it ended.
    first_attempt = timeline.locator('[data-cw-state="RETRY"][data-cw-task-id]')
    expect(first_attempt).to_have_attribute("aria-label", re.compile(r"attempt 1 · RETRY"))
    flaky_id = first_attempt.get_attribute("data-cw-task-id")
    expect(timeline.locator(f'[data-cw-task-id="{flaky_id}"]')).to_have_count(2)
    first_attempt.click()  # its details list the earlier attempt, with its error
    # Its bars are outlined, as its node is in the graph.
    expect(timeline.locator(f'.cw-selected[data-cw-task-id="{flaky_id}"]')).to_have_count(2)
    attempts = widget.locator(".cw-details dt", has_text="earlier attempts").locator("+ dd")
    expect(attempts).to_contain_text(re.compile(r"1\. RETRY on .*: RuntimeError\('attempt 1"))
    # With the details open, the bars are drawn clear of the panel, none under it. The timeline
    # is drawn again for that at its next turn (a slow drawing waits ten times its cost), which
    # may come after the details: waited for.
    bars_clear = timeline.evaluate(
        """async (timeline) => {
          const panel = timeline.parentElement.querySelector(".cw-details");
          const ends = () => [...timeline.querySelectorAll("[data-cw-task-id]")]
            .map((bar) => bar.getBoundingClientRect().right);
          for (let tries = 0; tries < 100; tries += 1) {
            if (Math.max(...ends()) <= panel.getBoundingClientRect().left) break;
            await new Promise((resolve) => setTimeout(resolve, 100));
          }
          return { ends: ends(), panelLeft: panel.getBoundingClientRect().left };
        }"""
    )
    assert max(bars_clear["ends"]) <= bars_clear["panelLeft"], bars_clear
    widget.screenshot(path=str(ARTIFACTS / "result-graph-timeline-attempts.png"))
    expect(timeline.locator("g.cw-lane")).to_have_count(1)  # one worker, two tasks at a time
    # Each bar's corners (its `points`: left, top, right, top, right, bottom, left, bottom).
    bars = timeline.locator("[data-cw-task-id]")
    expect(bars).to_have_count(6)
    boxes = [[float(n) for n in str(bars.nth(i).get_attribute("points")).split()] for i in range(6)]

    def apart(a: list[float], b: list[float], lo: int, hi: int) -> bool:
        # Bars that touch (one ends in the millisecond the next starts) are apart; their
        # corners, scaled to pixels, can differ in the 14th digit.
        return a[hi] <= b[lo] + 1e-6 or b[hi] <= a[lo] + 1e-6

    at_once = [(a, b) for a, b in itertools.combinations(boxes, 2) if not apart(a, b, 0, 2)]
    assert at_once, f"no two sleeps ran at once: {boxes}"
    assert all(apart(a, b, 1, 5) for a, b in at_once), f"a bar hides another: {boxes}"
    # Keys pressed on the timeline stay in it: `a` adds no cell.
    cells = nb.page.locator(".jp-Notebook .jp-Cell")
    cells_before = cells.count()
    timeline.click(position={"x": 4, "y": 4})
    expect(timeline).to_be_focused()
    for key in ("a", "ArrowDown"):
        timeline.press(key)
    expect(cells).to_have_count(cells_before)
    # The keys go from task to task in the order they started, each with its details.
    first_to_start = timeline.locator("[data-cw-task-id]").evaluate_all(
        "bars => bars.reduce((a, b) => a.points[0].x <= b.points[0].x ? a : b)"
        ".getAttribute('data-cw-task-id')"
    )
    shown = widget.locator('.cw-details [data-cw-field="task_id"]')
    timeline.press("Home")
    expect(shown).to_have_text(first_to_start)
    expect(timeline.locator(f'.cw-selected[data-cw-task-id="{first_to_start}"]')).to_have_count(1)
    timeline.press("ArrowRight")
    expect(shown).not_to_have_text(first_to_start)
    timeline.press("Escape")
    expect(widget.locator(".cw-details")).to_be_hidden()
    assert nb.run_cell(2), nb.output_text(2)


# --- revoke turns the waiting tasks REVOKED ----------------------------------------------------

REVOKE_CELLS = [
    IMPORTS + CLUSTER + "run = cw.run(sleep.si(20) | add.si(1, 1) | add.si(2, 2), app=app)"
    "\nrun.graph",
    "print(run.task_ids[0])",
    "print(run.task_ids[1])",
    "print(run.task_ids[2])",
    "print([run.states[t] for t in run.task_ids], run.info(run.task_ids[0]).get('terminated'))",
    "cluster.close()",
]


def test_revoke_turns_waiting_tasks_revoked(
    notebook_factory: Callable[[list[str]], Notebook],
) -> None:
    nb = notebook_factory(REVOKE_CELLS)
    assert nb.run_cell(0), nb.output_text(0)
    widget = result_graph(nb, 0)
    first = task_node(widget, nb, 1, "first")
    second = task_node(widget, nb, 2, "second")
    third = task_node(widget, nb, 3, "third")
    status = widget.locator(".cw-status")
    # From the last step: it alone is revoked (nothing depends on it); the step before goes on.
    third.click()
    details = widget.locator(".cw-details")
    expect(details).to_have_attribute("data-cw-state", "PENDING")
    details.locator('[data-cw-action="revoke-from"]').click()
    expect(status).to_have_text("Revoked 1 task waiting to run.")
    expect(third).to_have_attribute("data-cw-state", "REVOKED")
    expect(details).to_have_attribute("data-cw-state", "REVOKED")  # shown again, as it is now
    expect(details.locator('[data-cw-action="revoke-from"]')).to_have_count(0)
    expect(second).to_have_attribute("data-cw-state", "PENDING")
    # Then the whole run: the 20 s sleep goes on running.
    expect(first).to_have_attribute("data-cw-state", "STARTED", timeout=RUN_TIMEOUT_MS)
    revoke = widget.locator('[data-cw-action="revoke"]')
    terminate = widget.locator('[data-cw-action="terminate"]')
    expect(revoke).to_be_enabled()
    revoke.click()
    expect(status).to_have_text(
        "Revoked 1 task waiting to run; the one running goes on (Terminate stops it)."
    )
    expect(second).to_have_attribute("data-cw-state", "REVOKED", timeout=RUN_TIMEOUT_MS)
    expect(widget.locator('[data-cw-legend-state="REVOKED"] .cw-legend-count')).to_have_text("2")
    expect(first).to_have_attribute("data-cw-state", "STARTED")
    # Then terminate the sleep: its details offer it, as does the toolbar while a task runs.
    # (The click on the last step moved the chain left, clear of the panel: fit it again.)
    widget.locator('[data-cw-action="fit"]').click()
    first.click()
    expect(details).to_have_attribute("data-cw-state", "STARTED")
    expect(details.locator('[data-cw-action="terminate-from"]')).to_be_enabled()
    expect(terminate).to_be_enabled()
    terminate.click()
    expect(status).to_have_text(
        "Revoked 1 task that had not finished; the ones running were terminated."
    )
    expect(first).to_have_attribute("data-cw-state", "REVOKED", timeout=RUN_TIMEOUT_MS)
    expect(details).to_have_attribute("data-cw-state", "REVOKED")  # shown again
    expect(details.locator('[data-cw-action="retry"]')).to_be_enabled()  # a revoked task's
    expect(terminate).to_be_disabled()
    expect(revoke).to_be_disabled()
    # Revoked is not success: the progress says so, its bar grey, none of it green.
    expect(widget.locator(".cw-progress-text")).to_contain_text("3/3 done · 3 revoked")
    expect(widget.locator(".cw-progress-revoked")).to_have_attribute("style", "width:100%")
    expect(widget.locator(".cw-progress-done")).to_have_attribute("style", "width:0%")
    assert nb.run_cell(4), nb.output_text(4)
    assert nb.output_text(4).strip() == "['REVOKED', 'REVOKED', 'REVOKED'] True"
    assert nb.run_cell(5), nb.output_text(5)


# --- a view whose kernel restarted says so; the run attached to again ----------------------------

# The cluster runs outside the kernel (as `canvas-widgets demo` runs one), so the run goes on
# while the kernel restarts. CLUSTER_URL is filled in by the test.
CONNECT = IMPORTS + "cluster = cw.LocalCluster.connect(app, CLUSTER_URL)\n"
KERNEL_LOST_CELLS = [
    CONNECT + "run = cw.run(chain(sleep.si(8), add.si(1, 1)), app=app)\nrun.graph",
    "import pathlib\npathlib.Path('run-id.txt').write_text(run.id)\nprint(run.id)",
    CONNECT + "import pathlib\ncw.ResultGraph.attach(pathlib.Path('run-id.txt').read_text(), app)",
]


def test_a_view_whose_kernel_restarted_says_so_and_the_run_can_be_attached_to(
    notebook_factory: Callable[[list[str]], Notebook],
) -> None:
    with LocalCluster(demo_app, workers=1) as cluster:
        url = repr(cluster.broker_url)
        nb = notebook_factory([cell.replace("CLUSTER_URL", url) for cell in KERNEL_LOST_CELLS])
        assert nb.run_cell(0), nb.output_text(0)
        widget = result_graph(nb, 0)
        assert nb.run_cell(1), nb.output_text(1)
        run_id = nb.output_text(1).strip()
        started = widget.locator('[data-cw-task-id][data-cw-state="STARTED"]')
        expect(started).to_have_count(1, timeout=RUN_TIMEOUT_MS)
        expect(widget.locator('[data-cw-action="terminate"]')).to_be_enabled()

        nb.restart_kernel()  # the run goes on, on the cluster; the view stays on the page

        expect(widget).to_have_attribute("data-cw-kernel-lost", "")
        status = widget.locator(".cw-status")
        expect(status).to_contain_text(
            f"lost its kernel (restarted or shut down): it no longer follows run {run_id}"
        )
        expect(status).to_contain_text(f'cw.ResultGraph.attach("{run_id}", app)')
        expect(widget.locator('[data-cw-action="revoke"]')).to_be_disabled()
        expect(widget.locator('[data-cw-action="terminate"]')).to_be_disabled()

        # Attached to from the new kernel while the sleep runs: no bar for it until it ends
        # (its start came before), and the timeline says so; then its bar, from its runtime.
        assert nb.run_cell(2), nb.output_text(2)
        attached = result_graph(nb, 2)
        expect(attached.locator('[data-cw-task-id][data-cw-state="STARTED"]')).to_have_count(1)
        attached.locator('[data-cw-tab="timeline"]').click()
        note = attached.locator(".cw-timeline-note")
        expect(note).to_have_text(
            "1 task without a bar: no event said when it started (before this view followed "
            "the run, or the events are late). A bar comes when one ends."
        )
        timeline = attached.locator("[data-cw-timeline]")
        expect(timeline.locator('[data-cw-state="SUCCESS"][data-cw-task-id]')).to_have_count(
            2, timeout=RUN_TIMEOUT_MS
        )
        expect(note).to_be_hidden()
        expect(timeline.locator(".cw-bar-label", has_text="sleep(8)")).to_have_count(1)


# --- a result that looks like HTML stays text ----------------------------------------------------

XSS_CELLS = [
    IMPORTS + CLUSTER + f"run = cw.run(sleep.si(0, {XSS!r}), app=app)\nrun.graph",
    "print(run.task_ids[0])",
    "cluster.close()",
]


def test_html_in_a_result_is_inert(notebook_factory: Callable[[list[str]], Notebook]) -> None:
    nb = notebook_factory(XSS_CELLS)
    dialogs: list[str] = []
    nb.page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    assert nb.run_cell(0), nb.output_text(0)
    widget = result_graph(nb, 0)
    node = task_node(widget, nb, 1, "sleep")
    expect(node).to_have_attribute("data-cw-state", "SUCCESS", timeout=RUN_TIMEOUT_MS)
    node.click()
    result = widget.locator('.cw-details [data-cw-field="result"]')
    expect(result).to_contain_text(XSS)
    expect(widget.locator(".cw-details [data-cw-field='args']")).to_contain_text(XSS)
    expect(widget.locator("img")).to_have_count(0)
    assert dialogs == []
    assert nb.run_cell(2), nb.output_text(2)


# --- a big group live: its summary node and open details follow the run -------------------------

LIVE_SUMMARY_CELLS = [
    IMPORTS
    + CLUSTER
    + "run = cw.run(chain(sleep.si(4, 0), group(add.si(i, i) for i in range(250))), app=app)"
    "\nrun.graph",
    "cluster.close()",
]


def test_a_summary_and_its_open_details_follow_the_run(
    notebook_factory: Callable[[list[str]], Notebook],
) -> None:
    nb = notebook_factory(LIVE_SUMMARY_CELLS)
    assert nb.run_cell(0), nb.output_text(0)
    widget = result_graph(nb, 0)
    summary = widget.locator("[data-cw-summary]")
    expect(summary).to_have_attribute("data-cw-count-pending", "250")  # the sleep goes first
    summary.click()
    details = widget.locator(".cw-details")
    expect(details.locator("dt")).to_have_text(["path", "PENDING"])
    expect(summary).to_have_attribute("data-cw-count-success", "250", timeout=RUN_TIMEOUT_MS)
    expect(summary.locator(".cw-summary-counts")).to_have_text("250/250 done")
    # The details opened before shows the counts of now, and its button still works.
    expect(details.locator("dt")).to_have_text(["path", "SUCCESS"])
    expect(details.locator("dd").last).to_have_text("250")
    details.locator('[data-cw-action="expand"]').click()
    expect(widget.locator('[data-cw-state="SUCCESS"][data-cw-task-id]')).to_have_count(251)
    assert nb.run_cell(1), nb.output_text(1)


# --- 10,000 tasks: one summary node --------------------------------------------------------------

BIG_CELLS = [
    IMPORTS + "g = ResultGraph.preview(group(add.si(i, i) for i in range(10_000)))\ng",
    IMPORTS + "ResultGraph.preview(add.chunks(zip(range(300), range(300)), 1))",
]


def test_10000_task_group_is_one_summary_node(
    notebook_factory: Callable[[list[str]], Notebook],
) -> None:
    nb = notebook_factory(BIG_CELLS)
    # 300 chunks: one summary, named as its box is (chunks), not as Celery runs it (a group).
    assert nb.run_cell(1), nb.output_text(1)
    chunks = nb.output(1).locator("[data-cw-summary]")
    expect(chunks).to_contain_text("chunks · 300 tasks")
    chunks.click()
    expect(nb.output(1).locator(".cw-details")).to_contain_text("chunks (summary)")
    assert nb.run_cell(0), nb.output_text(0)
    widget = result_graph(nb, 0)
    summary = widget.locator("[data-cw-summary]")
    expect(summary).to_have_count(1)
    expect(summary).to_have_attribute("data-cw-summary", "group")
    expect(summary).to_have_attribute("data-cw-count-pending", "10000")
    expect(summary).to_have_attribute("data-cw-count-success", "0")
    expect(summary).to_contain_text("group · 10,000 tasks")
    expect(widget.locator("[data-cw-task-id]")).to_have_count(0)
    expect(widget.locator(".cw-progress-text")).to_contain_text("0/10,000 done")
    expect(widget.locator('[data-cw-legend-state="PENDING"] .cw-legend-count')).to_have_text(
        "10,000"
    )
    expect(widget.locator('[data-cw-action="revoke"]')).to_be_disabled()  # a preview runs nothing
    summary.click()
    expect(widget.locator(".cw-details")).to_contain_text("10,000")
    expect(widget.locator(".cw-details")).to_contain_text("group (summary)")

    # Expanded on request (every task drawn, in a grid), and folded back. The keys go on from
    # its first task.
    widget.locator('[data-cw-action="expand"]').click()
    expect(widget.locator("[data-cw-task-id]")).to_have_count(10_000)
    expect(widget.locator("[data-cw-summary]")).to_have_count(0)
    expect(widget).to_have_attribute("data-cw-layout", "done")
    stage, status = widget.locator("svg.cw-svg"), widget.locator(".cw-status")
    expect(stage).to_be_focused()
    expect(status).to_have_text("add(0, 0) · PENDING")
    # The keyboard through the grid (filled column by column): down the first column, then
    # across to the next; each move highlights one node and brings it into view.
    stage.press("ArrowDown")
    expect(status).to_have_text("add(1, 1) · PENDING")
    stage.press("ArrowRight")
    expect(status).to_have_text(re.compile(r"^add\((\d+), \1\) · PENDING$"))
    expect(status).not_to_have_text("add(1, 1) · PENDING")
    expect(widget.locator(".cw-selected")).to_have_count(1)
    widget.locator('[data-cw-container="group"][data-cw-expanded] .cw-box-label').click()
    expect(widget.locator("[data-cw-summary]")).to_have_count(1)
    expect(widget.locator("[data-cw-task-id]")).to_have_count(0)
    # Folded, the summary is the one node, highlighted: Enter shows its details.
    expect(widget.locator(".cw-details")).to_be_hidden()
    expect(summary).to_have_class("cw-summary cw-selected")
    expect(status).to_have_text("group · 10,000 tasks")
    stage.press("Enter")
    expect(summary).to_have_class("cw-summary cw-selected")
    expect(widget.locator(".cw-details")).to_contain_text("10,000")


# --- a graph too big for its labels at first sight: they come with the first zoom in ----------

THOUSAND_CELLS = [
    IMPORTS + "ResultGraph.preview(chord([chain(add.s(i, i), *[add.s(1)] * 19)"
    " for i in range(50)], tsum.s()))",
]


def test_labels_of_a_1001_task_graph_appear_when_zoomed_in(
    notebook_factory: Callable[[list[str]], Notebook],
) -> None:
    nb = notebook_factory(THOUSAND_CELLS)
    assert nb.run_cell(0), nb.output_text(0)
    widget = result_graph(nb, 0)
    expect(widget.locator("[data-cw-task-id]")).to_have_count(1001)
    stage = widget.locator(".cw-svg")
    expect(stage).to_have_attribute("data-cw-far", "")
    # Borders would be a sixth of a pixel wide: not painted.
    stroke = "svg => getComputedStyle(svg.querySelector('[data-cw-task-id]')).stroke"
    assert stage.evaluate(stroke) == "none"
    chains = widget.locator('.cw-box[data-cw-kind="chain"]')
    expect(chains).to_have_count(50)
    # Fitted, text would be under 2 px high: no task labels, no "chain" on the boxes; but the
    # chord says how far its header is.
    expect(widget.locator(".cw-node-label")).to_have_count(0)
    expect(chains.locator(".cw-box-label")).to_have_count(0)
    expect(widget.locator('[data-cw-container="chord"] .cw-box-label')).to_have_text(
        "chord · header 0/1,000 done"
    )
    # Saved as it is fitted, the image is the drawing at scale 1: every label, and borders.
    with nb.page.expect_download() as download:
        widget.locator('[data-cw-action="save-svg"]').click()
    saved = ARTIFACTS / "result-graph-1001-saved.svg"
    download.value.save_as(saved)
    image = ET.parse(saved).getroot()
    texts = image.findall(".//{http://www.w3.org/2000/svg}text[@class='cw-node-label']")
    assert len(texts) == 1001
    assert not [t for t in texts if "display:none" in t.get("style", "").replace(" ", "")]
    node = image.find(".//{http://www.w3.org/2000/svg}polygon[@data-cw-task-id]")
    assert node is not None and "stroke:none" not in node.get("style", "").replace(" ", "")
    # ...and the view is as it was: no labels, no borders.
    expect(stage).to_have_attribute("data-cw-far", "")
    assert stage.evaluate(stroke) == "none"
    # Fitted, a drag moves the <svg> as one layer; on release the move goes to the drawing.
    node = widget.locator("[data-cw-task-id]").first
    before = node.bounding_box()
    box = stage.bounding_box()
    assert before is not None and box is not None
    nb.page.mouse.move(box["x"] + 40, box["y"] + 40)
    nb.page.mouse.down()
    nb.page.mouse.move(box["x"] + 100, box["y"] + 70, steps=6)
    assert stage.evaluate("svg => svg.style.transform") == "translate(60px, 30px)"
    nb.page.mouse.up()
    assert stage.evaluate("svg => svg.style.transform") == ""
    after = node.bounding_box()
    assert after is not None
    assert (round(after["x"] - before["x"]), round(after["y"] - before["y"])) == (60, 30)
    nb.page.mouse.down()  # and back, partly out of view now: the drawing's transform moves
    nb.page.mouse.move(box["x"] + 40, box["y"] + 40, steps=6)
    assert stage.evaluate("svg => svg.style.transform") == ""
    nb.page.mouse.up()
    back = node.bounding_box()
    assert back is not None
    assert (round(back["x"] - before["x"]), round(back["y"] - before["y"])) == (0, 0)
    stage.click(position={"x": 3, "y": 3})  # a click on the stage lets the wheel zoom
    for _ in range(3):
        nb.page.mouse.wheel(0, -400)
    expect(stage).not_to_have_attribute("data-cw-far", "")
    assert stage.evaluate(stroke) != "none"
    expect(chains.locator(".cw-box-label")).to_have_count(50)
    expect(chains.first.locator(".cw-box-label")).to_have_text("chain")
    # The tasks in view get their labels, not all 1,001 at once; the labels follow the view.
    labels = widget.locator(".cw-node-label")
    expect(labels).not_to_have_count(0)
    in_view = nodes_in_view(stage)
    assert 0 < in_view <= labels.count() < 1001, (in_view, labels.count())
    assert unlabelled_in_view(stage) == 0
    box = stage.bounding_box()
    assert box is not None
    nb.page.mouse.move(box["x"] + box["width"] - 20, box["y"] + box["height"] / 2)
    nb.page.mouse.down()
    nb.page.mouse.move(box["x"] + 20, box["y"] + box["height"] / 2, steps=10)
    nb.page.mouse.up()
    assert unlabelled_in_view(stage) == 0
    # Zoomed in further, the tasks now far out of view lose theirs.
    shown = labels.count()
    nb.page.mouse.wheel(0, -400)
    nb.page.wait_for_function(
        "([svg, shown]) => svg.querySelectorAll('.cw-node-label').length < shown",
        arg=[stage.element_handle(), shown],
    )
    assert 0 < nodes_in_view(stage) <= labels.count()
    assert unlabelled_in_view(stage) == 0


# The task nodes an <svg> stage shows, wholly or in part: a JavaScript function of the <svg>.
SHOWN_NODES = """(svg) => {
  const view = svg.getBoundingClientRect();
  return [...svg.querySelectorAll("[data-cw-task-id]")].filter((node) => {
    const r = node.getBoundingClientRect();
    return r.right > view.left && r.left < view.right && r.bottom > view.top && r.top < view.bottom;
  });
}"""


def nodes_in_view(stage: Locator) -> int:
    """How many task nodes the stage shows, wholly or in part."""
    return stage.evaluate(f"svg => ({SHOWN_NODES})(svg).length")


def unlabelled_in_view(stage: Locator) -> int:
    """How many task nodes the stage shows, wholly or in part, without a label inside them."""
    return stage.evaluate(
        f"""svg => {{
          const labels = [...svg.querySelectorAll(".cw-node-label")]
            .map((label) => label.getBoundingClientRect());
          return ({SHOWN_NODES})(svg).filter((node) => {{
            const r = node.getBoundingClientRect();
            return !labels.some((l) => l.left > r.left && l.left < r.right
              && l.top >= r.top && l.bottom <= r.bottom);
          }}).length;
        }}"""
    )


# --- an errback after its task: drawn as an errback, not as the data flowing on -----------------

ERRBACK_CELLS = [
    IMPORTS + "from canvas_widgets.demo import on_error\n"
    "ResultGraph.preview(chord([add.s(1, 1), add.s(2, 2)], tsum.s().on_error(on_error.s())))"
]


def test_an_errback_in_a_row_is_drawn_dashed_in_the_failure_colour(
    notebook_factory: Callable[[list[str]], Notebook],
) -> None:
    nb = notebook_factory(ERRBACK_CELLS)
    assert nb.run_cell(0), nb.output_text(0)
    widget = result_graph(nb, 0)
    expect(widget.locator("[data-cw-task-id]")).to_have_count(4)
    errback = widget.locator('[data-cw-edge-kind="link_error"]')
    expect(errback).to_have_count(1)  # tsum -> on_error
    expect(widget.locator('[data-cw-edge-kind="chain"]')).to_have_count(1)  # header -> tsum
    style = errback.evaluate(
        "e => [getComputedStyle(e).strokeDasharray, getComputedStyle(e).stroke]"
    )
    failure = widget.locator('.cw-swatch[data-cw-state="FAILURE"]').evaluate(
        "e => getComputedStyle(e).fill"
    )
    assert style[0] != "none" and style[1] == failure


# --- callbacks that fork: the one shape laid out in layers by dagre ---------------------------

CALLBACK_CELLS = [IMPORTS + "ResultGraph.preview(add.s(1, 1).set(link=[add.s(2), add.s(3)]))"]


def test_callbacks_that_fork_are_laid_out_in_layers(
    notebook_factory: Callable[[list[str]], Notebook],
) -> None:
    nb = notebook_factory(CALLBACK_CELLS)
    assert nb.run_cell(0), nb.output_text(0)
    widget = result_graph(nb, 0)
    nodes = widget.locator("[data-cw-task-id]")
    expect(nodes).to_have_count(3)
    expect(widget.locator('[data-cw-edge-kind="link"]')).to_have_count(1)
    boxes = []
    for i in range(3):
        box = nodes.nth(i).bounding_box()
        assert box is not None
        boxes.append(box)
    task, *callbacks = sorted(boxes, key=lambda b: b["x"])
    # The task, then its two callbacks in the next layer, one above the other.
    assert all(c["x"] >= task["x"] + task["width"] for c in callbacks), boxes
    assert abs(callbacks[0]["x"] - callbacks[1]["x"]) < 1, boxes
    assert abs(callbacks[0]["y"] - callbacks[1]["y"]) >= callbacks[0]["height"], boxes


# --- a custom canvas type: its expansion, in a box named for it ---------------------------------

WEAVE_CELLS = [
    IMPORTS + "from canvas_widgets.weave import weave\n"
    "ResultGraph.preview(weave(xsum.s(), range(10), 4, join=xsum.s()), app)",
]


def test_a_weave_is_drawn_as_its_chord_in_a_box_named_weave(
    notebook_factory: Callable[[list[str]], Notebook],
) -> None:
    nb = notebook_factory(WEAVE_CELLS)
    assert nb.run_cell(0), nb.output_text(0)
    widget = result_graph(nb, 0)
    expect(widget.locator("[data-cw-task-id]")).to_have_count(4)  # three chunks and the join
    box = widget.locator('[data-cw-container="chord"]')
    expect(box).to_have_attribute("data-cw-kind", "chord")
    expect(box.locator(".cw-box-label")).to_have_text("weave · header 0/3 done")


# --- retry from a failed node: a new run, which the graph follows ------------------------------

RETRY_CELLS = [
    IMPORTS + CLUSTER + "run = cw.run(add.si(1, 1) | fail.si('boom') | add.si(2, 2), app=app)"
    "\ng = run.graph\ng",
    "print(run.task_ids[1])",
    "print(g.run.retry_of == (run.id, run.task_ids[1]), len(g.run.task_ids))",
    "print(g.run.task_ids[0])",
    "cluster.close()",
]


def test_retry_button_starts_a_new_run_that_the_graph_shows(
    notebook_factory: Callable[[list[str]], Notebook],
) -> None:
    nb = notebook_factory(RETRY_CELLS)
    assert nb.run_cell(0), nb.output_text(0)
    widget = result_graph(nb, 0)
    failing = task_node(widget, nb, 1, "fail")
    expect(failing).to_have_attribute("data-cw-state", "FAILURE", timeout=RUN_TIMEOUT_MS)
    expect(widget).to_have_attribute("data-cw-finished", "true", timeout=RUN_TIMEOUT_MS)
    failing.click()
    details = widget.locator(".cw-details")
    expect(details).to_have_attribute("data-cw-state", "FAILURE")
    retry = details.locator('[data-cw-action="retry"]')
    expect(retry).to_be_visible()
    retry.click()

    # The graph now shows the new run: the failed step and the one after it, under new ids.
    expect(widget.locator("[data-cw-task-id]")).to_have_count(2)
    expect(failing).to_have_count(0)
    expect(widget.locator(".cw-status")).to_contain_text("Retried from")
    assert nb.run_cell(2), nb.output_text(2)
    assert nb.output_text(2).strip() == "True 2"
    new_fail = task_node(widget, nb, 3, "new fail")
    # demo.fail always fails: the retried step fails again, in the new run.
    expect(new_fail).to_have_attribute("data-cw-state", "FAILURE", timeout=RUN_TIMEOUT_MS)
    expect(widget.locator(".cw-progress-text")).to_contain_text("failed")
    assert nb.run_cell(4), nb.output_text(4)


# --- a notebook saved with its widgets' state mid-run ---------------------------------------------

SAVED_MID_RUN_CELLS = [
    IMPORTS
    + CLUSTER
    + "run = cw.run(chain(add.si(1, 1), sleep.si(30), add.si(2, 2)), app=app)\nrun.graph",
    "print(run.task_ids[0])",
    "run.revoke(terminate=True)\ncluster.close()",
]
SAVE_WIDGET_STATE = "@jupyter-widgets/jupyterlab-manager:saveWidgetState"


def saved_graph_states(nb: Notebook, task_id: str) -> dict[str, str] | None:
    """Save the notebook; the `states` its saved widget state holds for the graph of the run
    that has ``task_id`` (None if it holds none)."""
    nb.page.evaluate("() => window.jupyterapp.commands.execute('docmanager:save')")
    content = nb.server.api("GET", f"contents/{nb.path}")["content"]
    saved = content["metadata"].get("widgets", {})
    models = saved.get("application/vnd.jupyter.widget-state+json", {}).get("state", {})
    for model in models.values():
        states = model.get("state", {}).get("states")
        if isinstance(states, dict) and task_id in states:
            return states
    return None


def test_a_notebook_saved_mid_run_keeps_the_states_its_graph_shows(
    notebook_factory: Callable[[list[str]], Notebook],
) -> None:
    # With "Save Widget State Automatically", a saved notebook keeps each widget's model. The
    # kernel sets the graph's states when it is shown and when the run ends; the view keeps
    # them current between, or the saved graph showed every task as it was at the start.
    nb = notebook_factory(SAVED_MID_RUN_CELLS)
    toggle = f"() => window.jupyterapp.commands.execute('{SAVE_WIDGET_STATE}')"
    is_on = "(id) => window.jupyterapp.commands.isToggled(id)"
    nb.page.evaluate(toggle)
    try:
        nb.page.wait_for_function(is_on, arg=SAVE_WIDGET_STATE)
        assert nb.run_cell(0), nb.output_text(0)
        widget = result_graph(nb, 0)
        first = task_node(widget, nb, 1, "the first add")
        first_id = first.get_attribute("data-cw-task-id")
        expect(first).to_have_attribute("data-cw-state", "SUCCESS", timeout=RUN_TIMEOUT_MS)
        saved = saved_graph_states(nb, first_id)
        for _ in range(20):  # the view writes them every 2 s at most
            if saved is not None and saved[first_id] == "SUCCESS":
                break
            nb.page.wait_for_timeout(500)
            saved = saved_graph_states(nb, first_id)
        assert saved is not None and saved[first_id] == "SUCCESS", saved
        assert list(saved.values()).count("SUCCESS") == 1  # the sleep, and after it: not yet
    finally:
        nb.page.evaluate(toggle)  # off again: the setting outlives the test
        nb.page.wait_for_function(f"(id) => !({is_on})(id)", arg=SAVE_WIDGET_STATE)
    assert nb.run_cell(2), nb.output_text(2)


# --- a notebook saved with its widgets, reopened ------------------------------------------------


def test_a_saved_view_says_soon_why_a_click_gets_no_details(
    notebook_factory: Callable[..., Notebook],
) -> None:
    # Reopened, the saved view is drawn from its saved state; no widget in the kernel is behind
    # it to answer a click, and the request would wait 30 s before saying so.
    canvas = chord([add.s(1, 1), fail.si(), add.s(2, 2)], tsum.s())
    saved = ResultGraph.preview(canvas)
    # A run's graph (its canvas frozen, nothing published: no cluster needed to save it).
    run = WorkflowRun(demo_app, freeze(canvas, demo_app), "saved-run")
    saved_run = ResultGraph(run)
    try:
        nb = notebook_factory(["g", "run.graph"], saved_views={0: saved, 1: saved_run})
    finally:
        saved.close()
        saved_run.close()
    # The run's view asks for the states so far, and says soon that nothing answers; its clock
    # stops where the saved summary left it (nothing behind it runs on).
    run_view = result_graph(nb, 1)
    expect(run_view.locator(".cw-status")).to_contain_text(
        "The kernel has not answered this view.", timeout=10_000
    )
    progress = run_view.locator(".cw-progress-text")
    expect(progress).to_contain_text(re.compile(r"0/4 done · \d+(\.\d)? s"))
    shown = progress.inner_text()
    nb.page.wait_for_timeout(2_500)  # the clock ticks every second while it runs
    assert progress.inner_text() == shown
    widget = result_graph(nb, 0)
    nodes = widget.locator("[data-cw-task-id]")
    expect(nodes).to_have_count(4)
    nodes.first.click()
    details = widget.locator(".cw-details")
    expect(details).to_contain_text("Asking the kernel…")
    expect(details).to_contain_text("run its cell again", timeout=10_000)


# --- save the drawing as SVG and PNG --------------------------------------------------------------

# A label cut where a character is two UTF-16 halves (an emoji joined with ZWJ): cut there, it
# made the PNG's encodeURIComponent throw ("Not saved: URIError").
CODERS = "x" + "\U0001f469\u200d\U0001f4bb" * 30
SAVE_CELLS = [
    IMPORTS
    + "g = ResultGraph.preview(chord([add.s(1, 1), fail.si(), add.s(2, 2), "
    + f"add.s({CODERS!r}, 'y')], tsum.s()))\ng",
]


def test_save_svg_and_png(notebook_factory: Callable[[list[str]], Notebook]) -> None:
    nb = notebook_factory(SAVE_CELLS)
    assert nb.run_cell(0), nb.output_text(0)
    widget = result_graph(nb, 0)
    widget.locator("[data-cw-task-id]").nth(1).click()  # selected: outlined in the page
    expect(widget.locator(".cw-selected")).to_have_count(1)
    widget.locator("[data-cw-task-id]").first.hover()  # lends it the drawing's tooltip
    with nb.page.expect_download() as svg_download:
        widget.locator('[data-cw-action="save-svg"]').click()
    svg_path = ARTIFACTS / "result-graph-saved.svg"
    svg_download.value.save_as(svg_path)
    assert svg_download.value.suggested_filename == "workflow-preview.svg"
    text = svg_path.read_text(encoding="utf-8")
    assert text.startswith("<svg") and 'xmlns="http://www.w3.org/2000/svg"' in text
    assert text.count("data-cw-task-id=") == 5
    assert 'data-cw-state="PENDING"' in text and "fill:" in text  # states and styles inlined
    assert "add(1, 1)" in text and "\ufffd" not in text  # no character cut in half
    assert 'class="cw-export-legend"' in text and ">PENDING 5</text>" in text  # what colours say
    # The page's view, not the picture: no keys (tabindex), no tooltip of the node last hovered,
    # no outline of the node selected (still selected in the page).
    assert "tabindex" not in text and "<title" not in text and "aria-label" not in text
    assert "cw-selected" not in text and "stroke-width:2.5" not in text.replace(" ", "")
    expect(widget.locator(".cw-selected")).to_have_count(1)

    with nb.page.expect_download() as png_download:
        widget.locator('[data-cw-action="save-png"]').click()
    png_path = ARTIFACTS / "result-graph-saved.png"
    png_download.value.save_as(png_path)
    assert png_download.value.suggested_filename == "workflow-preview.png"
    data = png_path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 1000

    # On the Timeline tab, the buttons save the timeline.
    widget.locator('[data-cw-tab="timeline"]').click()
    with nb.page.expect_download() as timeline_download:
        widget.locator('[data-cw-action="save-svg"]').click()
    assert timeline_download.value.suggested_filename == "workflow-preview-timeline.svg"
    timeline_path = ARTIFACTS / "result-graph-timeline-saved.svg"
    timeline_download.value.save_as(timeline_path)
    timeline = timeline_path.read_text(encoding="utf-8")
    assert "cw-lane-label" in timeline and "data-cw-task-id=" not in timeline
    widget.locator('[data-cw-tab="graph"]').click()

    # A task that did not fail (here: a preview's, never run) offers no retry.
    widget.locator("[data-cw-task-id]").first.click()
    details = widget.locator(".cw-details")
    expect(details).to_have_attribute("data-cw-state", "PENDING")
    expect(details.locator('[data-cw-action="retry"]')).to_have_count(0)


# --- repeated progress of one task moves its bar --------------------------------------------------

PROGRESS_CELLS = [
    IMPORTS + CLUSTER + "run = cw.run(count.si(40, 0.15), app=app)\nrun.graph",
    "print(run.task_ids[0])",
    "print(run.wait(timeout=60))",
    "cluster.close()",
]


def test_repeated_progress_moves_the_bar(notebook_factory: Callable[[list[str]], Notebook]) -> None:
    nb = notebook_factory(PROGRESS_CELLS)
    assert nb.run_cell(0), nb.output_text(0)
    widget = result_graph(nb, 0)
    node = task_node(widget, nb, 1, "count")
    expect(node).to_have_attribute("data-cw-state", "PROGRESS", timeout=RUN_TIMEOUT_MS)
    bar = node.locator(".cw-node-progress")
    widths = [bar.get_attribute("width")]
    for _ in range(2):  # the bar grows after the first report, and again after that
        expect(bar).not_to_have_attribute("width", widths[-1], timeout=RUN_TIMEOUT_MS)
        widths.append(bar.get_attribute("width"))
    assert all(float(b) > float(a) for a, b in itertools.pairwise(widths))
    # Its details, opened while it runs, follow it: its result once it is done.
    node.click()
    details = widget.locator(".cw-details")
    expect(details).to_have_attribute("data-cw-state", "PROGRESS")
    expect(details.locator('[data-cw-field="result"]')).to_have_count(0)
    expect(node).to_have_attribute("data-cw-state", "SUCCESS", timeout=RUN_TIMEOUT_MS)
    expect(details).to_have_attribute("data-cw-state", "SUCCESS")
    expect(details.locator('[data-cw-field="result"]')).to_have_text("40")
    assert nb.run_cell(2), nb.output_text(2)
    assert nb.output_text(2).strip() == "40"
    assert nb.run_cell(3), nb.output_text(3)


# --- states of a task's own --------------------------------------------------------------------

STAGES_CELLS = [
    IMPORTS
    + CLUSTER
    + "from canvas_widgets.demo import stages\n"
    + "run = cw.run(stages.si(('FETCHING', 'PARSING'), 2.0), app=app)\nrun.graph",
    "print(run.task_ids[0])",
    "print(run.wait(timeout=60))",
    "cluster.close()",
]


def test_states_of_a_tasks_own_are_shown_as_it_stores_them(
    notebook_factory: Callable[[list[str]], Notebook],
) -> None:
    nb = notebook_factory(STAGES_CELLS)
    assert nb.run_cell(0), nb.output_text(0)
    widget = result_graph(nb, 0)
    node = task_node(widget, nb, 1, "stages")
    # Its own state's name, coloured and counted as PROGRESS (a state running tasks store).
    expect(node).to_have_attribute("data-cw-state", "FETCHING", timeout=RUN_TIMEOUT_MS)
    expect(node).to_have_attribute("data-cw-own-state", "")
    swatch = widget.locator('.cw-legend .cw-swatch[data-cw-state="PROGRESS"]')
    colour = swatch.evaluate("el => getComputedStyle(el).backgroundColor")
    box = node.locator(".cw-node-box").or_(node.locator("xpath=self::*[local-name()='polygon']"))
    assert box.first.evaluate("el => getComputedStyle(el).fill") == colour
    progress = widget.locator('[data-cw-legend-state="PROGRESS"] .cw-legend-count')
    expect(progress).to_have_text("1")
    expect(node).to_have_attribute("data-cw-state", "PARSING", timeout=RUN_TIMEOUT_MS)
    node.click()
    details = widget.locator(".cw-details")
    expect(details).to_have_attribute("data-cw-state", re.compile("PARSING|SUCCESS"))
    expect(node).to_have_attribute("data-cw-state", "SUCCESS", timeout=RUN_TIMEOUT_MS)
    expect(node).not_to_have_attribute("data-cw-own-state", "")
    expect(progress).to_have_text("0")
    assert nb.run_cell(2), nb.output_text(2)
    assert nb.output_text(2).strip() == "2"
    assert nb.run_cell(3), nb.output_text(3)


# --- a task that fans out at run time (Task.replace) ------------------------------------------

FAN_OUT_CELLS = [
    IMPORTS
    + CLUSTER
    + "from canvas_widgets.demo import square_each\n"
    + "run = cw.run(square_each.si([1, 2, 3, 4], 2.0) | xsum.s(), app=app)\nrun.graph",
    "print(run.task_ids[0])",
    "print(run.wait(timeout=60))",
    "cluster.close()",
]


def test_a_task_that_replaced_itself_shows_how_far_the_tasks_it_sent_are(
    notebook_factory: Callable[[list[str]], Notebook],
) -> None:
    nb = notebook_factory(FAN_OUT_CELLS)
    assert nb.run_cell(0), nb.output_text(0)
    widget = result_graph(nb, 0)
    node = task_node(widget, nb, 1, "square_each")
    # Its four squares are in no canvas: the node counts them while it waits for them.
    bar = node.locator(".cw-node-progress")
    expect(bar).to_have_count(1, timeout=RUN_TIMEOUT_MS)
    expect(node).to_have_attribute("data-cw-state", "STARTED")
    node.click()
    sent = widget.locator('.cw-details [data-cw-field="spawned"]')
    expect(sent).to_contain_text("4 tasks")
    # The details follow the squares as they finish (two at a time, 2 s each), not only the
    # node's own state.
    expect(sent).to_contain_text(re.compile(r"SUCCESS 2\b"), timeout=RUN_TIMEOUT_MS)
    expect(node).to_have_attribute("data-cw-state", "SUCCESS", timeout=RUN_TIMEOUT_MS)
    expect(bar).to_have_count(0)
    expect(sent).to_have_text("4 tasks: SUCCESS 4")
    assert nb.run_cell(2), nb.output_text(2)
    assert nb.output_text(2).strip() == "30"
    assert nb.run_cell(3), nb.output_text(3)


# --- a run whose cluster closes: cut off, and said so ---------------------------------------------

CUT_OFF_CELLS = [
    IMPORTS
    + "cluster = cw.LocalCluster(app, workers=1, concurrency=1)\n"
    + "run = cw.run(group(sleep.si(1.5) for _ in range(4)), app=app)\nrun.graph",
    "import time\nwhile 'STARTED' not in run.states.values(): time.sleep(0.1)\ncluster.close()",
]


def test_a_run_whose_cluster_closes_says_it_is_followed_no_further(
    notebook_factory: Callable[[list[str]], Notebook],
) -> None:
    nb = notebook_factory(CUT_OFF_CELLS)
    assert nb.run_cell(0), nb.output_text(0)
    widget = result_graph(nb, 0)
    assert nb.run_cell(1), nb.output_text(1)
    progress = widget.locator(".cw-progress-text")
    expect(progress).to_contain_text("followed no further: its broker redis://", timeout=10_000)
    expect(widget).to_have_attribute("data-cw-finished", "true")  # its clock stopped
