"""The builder widget in JupyterLab and Chromium, driven as a user would: drag from the palette,
type into the inspector, press keys, click Run; then ask the kernel what it got.

Waits are Playwright's auto-waiting ``expect`` (generous timeouts: 2 cores, other work beside);
nothing sleeps to synchronise and nothing asserts on time.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable

import pytest
from playwright.sync_api import Locator, Page, expect

from .browser_harness import REPO_ROOT, Notebook

pytestmark = pytest.mark.browser

ARTIFACTS = REPO_ROOT / "test-artifacts"
RUN_TIMEOUT_MS = 120_000
DEMO = "canvas_widgets.demo"

IMPORTS = """
import json
import canvas_widgets as cw
from celery import chain, chord, group
from canvas_widgets.demo import add, app, mul, sleep, tsum, xsum
from canvas_widgets.widgets import CanvasBuilder
"""


@pytest.fixture(autouse=True)
def _bundle_built() -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    if not (REPO_ROOT / "canvas_widgets" / "static" / "builder.js").exists():
        pytest.fail("builder.js is not built: run `npm run build` in js/ (./dev does it)")


# --- helpers -------------------------------------------------------------------------------------


def builder(nb: Notebook, cell: int) -> Locator:
    widget = nb.output(cell).locator("[data-cw-builder]")
    expect(widget).to_be_visible()
    return widget


def palette_task(widget: Locator, name: str) -> Locator:
    return widget.locator(f'[data-cw-palette-task="{DEMO}.{name}"]')


CHAIN_WITH_CHORD = ["chain", "task", "chord", "task", "task", "task"]


def expect_chain_with_chord(widget: Locator) -> tuple[Locator, Locator]:
    """The blocks of chain(add, group(mul, mul), tsum), which Celery builds as a chain holding a
    chord: a chain row whose steps are a task and a chord of two header tasks and a tsum body.
    Returns the chain's steps and the chord."""
    expect(widget.locator("[data-cw-node-id]")).to_have_count(len(CHAIN_WITH_CHORD))
    assert node_kinds(widget) == CHAIN_WITH_CHORD
    chain_steps = widget.locator('[data-cw-node-kind="chain"] > [data-cw-drop="children"]')
    expect(chain_steps.locator(':scope > [data-cw-node-kind="chord"]')).to_have_count(1)
    chord_el = widget.locator('[data-cw-node-kind="chord"]')
    expect(chord_el.locator('[data-cw-drop="header"] [data-cw-node-kind="task"]')).to_have_count(2)
    expect(chord_el.locator('[data-cw-drop="body"]')).to_contain_text("tsum.s()")
    return chain_steps, chord_el


def node_kinds(widget: Locator) -> list[str | None]:
    return [n.get_attribute("data-cw-node-kind") for n in widget.locator("[data-cw-node-id]").all()]


def kernel(nb: Notebook, cell: int) -> str:
    """Run a cell that prints; return what it printed."""
    assert nb.run_cell(cell), nb.output_text(cell)
    return nb.output_text(cell).strip()


def select_and_edit(widget: Locator, node: Locator, field: str, text: str) -> None:
    """Select a block, wait until the inspector shows it, type into a field and apply it."""
    node.click()
    node_id = node.get_attribute("data-cw-node-id")
    expect(widget.locator(".cw-inspector")).to_have_attribute("data-cw-inspecting", node_id or "")
    box = widget.locator(f'.cw-inspector [data-cw-field="{field}"]')
    box.fill(text)
    box.press("Enter")


def guide_chord_dict(n: int) -> str:
    return f"cw.to_dict(chord((add.s(i, i) for i in range({n})), xsum.s()))"


# --- the canvas guide's chord, by hand, run to 90 ------------------------------------------------

CHORD_CELLS = [
    IMPORTS + "b = CanvasBuilder(app)\nb",
    f"print(json.dumps(b.to_dict() == {guide_chord_dict(10)}))",
    "cluster = cw.LocalCluster(app, workers=1)\nprint(cluster.workers)",
    """
value = b.last_run.wait(timeout=60)
state = json.dumps(b.get_state())
print(value, b.run_status["state"], b.run_status["value_repr"])
print("broker url in widget state:", cluster.broker_url in state, "redis://" in state)
""",
    "cluster.close()",
]


def test_build_the_guide_chord_by_dragging_and_run_it(
    notebook_factory: Callable[[list[str]], Notebook],
) -> None:
    """chord((add.s(i, i) for i in range(10)), xsum.s()): dragged, typed, run to 90."""
    nb = notebook_factory(CHORD_CELLS)
    page = nb.page
    assert nb.run_cell(0), nb.output_text(0)
    widget = builder(nb, 0)
    root = widget.locator('[data-cw-drop="root"]')
    run = widget.locator('[data-cw-action="run"]')
    expect(run).to_be_disabled()  # nothing to run yet

    started = time.monotonic()
    widget.locator('[data-cw-palette-primitive="chord"]').drag_to(root)
    chord_el = widget.locator('[data-cw-node-kind="chord"]')
    expect(chord_el).to_have_count(1)
    header = chord_el.locator('[data-cw-drop="header"]')
    tasks = widget.locator('[data-cw-node-kind="task"]')
    for i in range(10):
        palette_task(widget, "add").drag_to(header)
        expect(tasks).to_have_count(i + 1)
    palette_task(widget, "xsum").drag_to(chord_el.locator('[data-cw-drop="body"]'))
    expect(chord_el.locator('[data-cw-drop="body"] [data-cw-node-kind="task"]')).to_have_count(1)
    header_tasks = header.locator('[data-cw-node-kind="task"]')
    for i in range(10):
        select_and_edit(widget, header_tasks.nth(i), "args", f"{i}, {i}")
        expect(header_tasks.nth(i)).to_contain_text(f"add.s({i}, {i})")
    print(f"built by hand in {time.monotonic() - started:.1f} s")

    # The kernel has exactly the canvas dict Celery writes for the guide's chord.
    assert kernel(nb, 1) == "true"
    expect(widget.locator('[data-cw-tab="problems"]')).to_have_text("Problems")
    widget.locator('[data-cw-tab="python"]').click()
    expect(widget.locator("[data-cw-python]")).to_contain_text("xsum.s()")
    expect(widget.locator("[data-cw-python]")).to_contain_text("add.s(9, 9)")

    # Run it on a real cluster started in the notebook; the result reaches widget and kernel.
    assert "localcluster" in kernel(nb, 2)
    expect(run).to_be_enabled()
    # From the keyboard: Run, disabled while the run starts, hands the focus to the canvas, not
    # to the page (where JupyterLab's command mode would take the next keys).
    run.focus()
    run.press("Enter")
    expect(widget.locator(":focus")).to_have_count(1)
    status = widget.locator(".cw-run-status")
    expect(status).to_have_attribute("data-cw-run-state", "done", timeout=RUN_TIMEOUT_MS)
    expect(status).to_contain_text("90")
    out = kernel(nb, 3)
    assert out.splitlines() == [
        "90 done 90",
        "broker url in widget state: False False",
    ], out

    # Screenshots to look at (and for the README: test-artifacts/builder-docs.png), with the
    # body selected: the inspector shows what it gets, the list of the header's results.
    page.evaluate("() => window.jupyterapp.commands.execute('application:toggle-left-area')")
    page.set_viewport_size({"width": 1400, "height": 1000})
    body = chord_el.locator('[data-cw-drop="body"] [data-cw-node-kind="task"]')
    body.click()
    inspector = widget.locator(".cw-inspector")
    body_id = body.get_attribute("data-cw-node-id") or ""
    expect(inspector).to_have_attribute("data-cw-inspecting", body_id)
    expect(inspector.locator(".cw-params")).to_contain_text("the list of the header's results")
    for pane in (".cw-palette", ".cw-canvas-scroll"):
        widget.locator(pane).evaluate("(el) => { el.scrollTop = 0; el.scrollLeft = 0; }")
    widget.screenshot(path=str(ARTIFACTS / "builder-docs.png"))
    widget.screenshot(path=str(ARTIFACTS / "builder-chord-light.png"))
    set_theme(page, "JupyterLab Dark")
    widget.screenshot(path=str(ARTIFACTS / "builder-chord-dark.png"))
    set_theme(page, "JupyterLab Light")

    # Edited after its run, the builder says its result is of the canvas as it was run.
    select_and_edit(widget, header_tasks.first, "args", "5, 5")
    expect(header_tasks.first).to_contain_text("add.s(5, 5)")
    expect(status).to_have_text("result: 90 · canvas edited since")
    assert nb.run_cell(4), nb.output_text(4)


def set_theme(page: Page, theme: str) -> None:
    page.evaluate(
        "(theme) => window.jupyterapp.commands.execute('apputils:change-theme', {theme})", theme
    )
    expect(page.locator("body")).to_have_attribute("data-jp-theme-name", theme)
    # JupyterLab shows its splash screen while it swaps the theme's CSS.
    expect(page.locator("#jupyterlab-splash")).to_have_count(0)


# --- a run's live result graph appears below the builder ----------------------------------------

RESULTS_CELLS = [
    IMPORTS
    + "cluster = cw.LocalCluster(app, workers=1)\n"
    + "b = CanvasBuilder(app, canvas=chord((add.s(i, i) for i in range(10)), xsum.s()))\nb",
    "print(b.last_run.wait(timeout=60), b.last_run.task_ids[0])",
    "run = b.run()\nprint(run.wait(timeout=60), run.task_ids[0])",
    "cluster.close()",
]


def result_graph_below(nb: Notebook, cell: int, widget: Locator) -> Locator:
    """The result graph in the builder's output, once drawn; checks it is below the builder."""
    graph = nb.output(cell).locator("[data-cw-result-graph]")
    expect(graph).to_have_attribute("data-cw-layout", "done")
    builder_box, graph_box = widget.bounding_box(), graph.bounding_box()
    assert builder_box is not None and graph_box is not None
    assert graph_box["y"] >= builder_box["y"] + builder_box["height"] - 1, (builder_box, graph_box)
    return graph


def test_a_run_shows_its_live_result_graph_below(
    notebook_factory: Callable[[list[str]], Notebook],
) -> None:
    """Run (the button, then ``b.run()``): the run's graph appears below, every task SUCCESS."""
    nb = notebook_factory(RESULTS_CELLS)
    assert nb.run_cell(0), nb.output_text(0)
    widget = builder(nb, 0)
    expect(nb.output(0).locator("[data-cw-result-graph]")).to_have_count(0)  # no run yet

    widget.locator('[data-cw-action="run"]').click()
    graph = result_graph_below(nb, 0, widget)
    nodes = graph.locator("[data-cw-task-id]")
    expect(nodes).to_have_count(11)
    expect(graph.locator('[data-cw-task-id][data-cw-state="SUCCESS"]')).to_have_count(
        11, timeout=RUN_TIMEOUT_MS
    )
    value, first_id = kernel(nb, 1).split()
    assert value == "90"
    expect(graph.locator(f'[data-cw-task-id="{first_id}"]')).to_have_count(1)
    # The builder is still the builder: its DOM contract is intact beside the graph.
    expect(widget.locator('[data-cw-node-kind="chord"]')).to_have_count(1)
    graph.screenshot(path=str(ARTIFACTS / "builder-result-graph.png"))

    # b.run() from Python: the new run's graph takes the place of the first one's.
    value, second_id = kernel(nb, 2).split()
    assert value == "90" and second_id != first_id
    graph = result_graph_below(nb, 0, widget)
    expect(graph).to_have_count(1)
    expect(graph.locator(f'[data-cw-task-id="{second_id}"]')).to_have_count(1)
    expect(graph.locator('[data-cw-task-id][data-cw-state="SUCCESS"]')).to_have_count(
        11, timeout=RUN_TIMEOUT_MS
    )
    assert nb.run_cell(3), nb.output_text(3)


# --- light and dark themes ---------------------------------------------------------------------

THEME_CELLS = [
    IMPORTS + "b = CanvasBuilder(app, canvas=add.s(2, 2) | group(mul.s(2), mul.s(3)) | tsum.s())"
    "\nb",
]

# An element's text colour and the backgrounds of it and its ancestors, innermost first, as the
# browser computes them (CSS colour strings); composited in Python.
_COLOURS = """(el) => {
  const layers = [];
  for (let e = el; e; e = e.parentElement) layers.push(getComputedStyle(e).backgroundColor);
  return { color: getComputedStyle(el).color, layers };
}"""

RGBA = tuple[float, float, float, float]


def parse_colour(text: str) -> RGBA:
    """``rgb(...)``, ``rgba(...)`` or ``color(srgb r g b / a)`` -> (r, g, b, a), channels 0-1."""
    text = text.strip()
    if text == "transparent":
        return (0.0, 0.0, 0.0, 0.0)
    inner = text[text.index("(") + 1 : text.rindex(")")].replace(",", " ").replace("/", " ")
    parts = inner.split()
    if text.startswith("color("):
        assert parts[0] == "srgb", text
        values = [float(p) for p in parts[1:]]
        return (values[0], values[1], values[2], values[3] if len(values) > 3 else 1.0)
    values = [float(p) for p in parts]
    return (
        values[0] / 255,
        values[1] / 255,
        values[2] / 255,
        values[3] if len(values) > 3 else 1.0,
    )


def over(top: RGBA, bottom: RGBA) -> RGBA:
    """``top`` composited over an opaque ``bottom``."""
    a = top[3]
    return (*(t * a + b * (1 - a) for t, b in zip(top[:3], bottom[:3], strict=True)), 1.0)


def luminance(c: RGBA) -> float:
    def channel(v: float) -> float:
        return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in c[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: RGBA, b: RGBA) -> float:
    """The WCAG contrast ratio of two opaque colours (1 to 21)."""
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def colours(element: Locator) -> tuple[RGBA, RGBA]:
    """(text colour, background behind it), both opaque, as computed by the browser."""
    found = element.evaluate(_COLOURS)
    background: RGBA = (1.0, 1.0, 1.0, 1.0)  # the page's canvas, under everything
    for layer in reversed(found["layers"]):
        background = over(parse_colour(layer), background)
    return over(parse_colour(found["color"]), background), background


def test_the_builder_follows_the_dark_theme(
    notebook_factory: Callable[[list[str]], Notebook],
) -> None:
    """The builder's computed colours change with JupyterLab's theme, and its text stays
    readable on its backgrounds in both (WCAG contrast; computed styles, not pixels)."""
    nb = notebook_factory(THEME_CELLS)
    assert nb.run_cell(0), nb.output_text(0)
    widget = builder(nb, 0)
    expect(widget.locator("[data-cw-node-id]")).to_have_count(6)
    parts = {
        # name: (element, the least contrast its text must have with what is behind it)
        "builder": (widget, 4.5),
        "canvas": (widget.locator(".cw-canvas-scroll"), 4.5),
        "task block": (widget.locator('[data-cw-node-kind="task"]').first, 4.5),
        "palette task": (palette_task(widget, "add"), 4.5),
        "palette primitive": (widget.locator('[data-cw-palette-primitive="chord"]'), 4.5),
        "inspector": (widget.locator(".cw-inspector"), 4.5),
        "run button": (widget.locator('[data-cw-action="run"]'), 4.5),
        # Kind labels are bold, coloured by kind: large-text contrast (3) is asked of them.
        "chain label": (widget.locator('[data-cw-node-kind="chain"] .cw-kind').first, 3.0),
        "chord label": (widget.locator('[data-cw-node-kind="chord"] .cw-kind').first, 3.0),
    }
    seen: dict[str, dict[str, tuple[RGBA, RGBA]]] = {}
    try:
        for theme in ("JupyterLab Light", "JupyterLab Dark"):
            set_theme(nb.page, theme)
            seen[theme] = {name: colours(element) for name, (element, _) in parts.items()}
            for name, (fg, bg) in seen[theme].items():
                ratio = contrast(fg, bg)
                assert ratio >= parts[name][1], f"{theme}: {name} text contrast {ratio:.2f}"
            widget.screenshot(path=str(ARTIFACTS / f"builder-theme-{theme.split()[-1]}.png"))
    finally:
        set_theme(nb.page, "JupyterLab Light")  # the settings outlive the test

    light, dark = seen["JupyterLab Light"], seen["JupyterLab Dark"]
    for name in ("builder", "canvas", "task block", "palette task", "inspector"):
        # Dark backgrounds under light text, where the light theme has the opposite.
        (light_fg, light_bg), (dark_fg, dark_bg) = light[name], dark[name]
        assert luminance(dark_bg) < 0.1 < luminance(light_bg), (name, light_bg, dark_bg)
        assert luminance(dark_fg) > luminance(dark_bg), name
        assert luminance(light_fg) < luminance(light_bg), name
    assert light["canvas"][1] != dark["canvas"][1]


# --- Python -> view, undo / redo, keyboard -------------------------------------------------------

SYNC_CELLS = [
    IMPORTS + "b = CanvasBuilder(app, canvas=add.s(2, 2))\nb",
    "b.canvas = add.s(2, 2) | group(mul.s(2), mul.s(3)) | tsum.s()",
    "print(json.dumps(b.to_dict()))",
    "print(b.selected)",
    'b.selected = "chain.tasks[0]"',
]


def canvas_shape(d: dict | None) -> str:
    """A canvas dict as a short string: `chain(add chord(mul mul / tsum))`."""
    if d is None:
        return "-"
    kind = d.get("subtask_type")
    if kind in ("chain", "group"):
        return f"{kind}({' '.join(canvas_shape(t) for t in d['kwargs']['tasks'])})"
    if kind == "chord":
        header = " ".join(canvas_shape(t) for t in d["kwargs"]["header"])
        return f"chord({header} / {canvas_shape(d['kwargs']['body'])})"
    return d["task"].rsplit(".", 1)[-1]


def test_canvas_from_python_undo_redo_and_keyboard(
    notebook_factory: Callable[[list[str]], Notebook],
) -> None:
    nb = notebook_factory(SYNC_CELLS)
    page = nb.page
    assert nb.run_cell(0), nb.output_text(0)
    widget = builder(nb, 0)
    expect(widget.locator("[data-cw-node-id]")).to_have_count(1)
    first_id = widget.locator("[data-cw-node-id]").get_attribute("data-cw-node-id")

    # Celery turns the group followed by tsum into a chord: the blocks show what Celery runs.
    assert nb.run_cell(1), nb.output_text(1)
    chain_steps, chord_el = expect_chain_with_chord(widget)
    ids = [n.get_attribute("data-cw-node-id") for n in widget.locator("[data-cw-node-id]").all()]
    assert len(set(ids)) == len(ids)
    assert first_id not in ids[:1]  # the root is a chain now, a new node

    # Undo in the view goes back to the canvas before Python's change, and tells the kernel.
    # (Each time, the Python source made in the kernel says the kernel has it: see below.)
    python = widget.locator("[data-cw-python]")
    widget.locator('[data-cw-action="undo"]').click()
    expect(widget.locator("[data-cw-node-id]")).to_have_count(1)
    expect(python).not_to_contain_text("tsum")
    assert canvas_shape(json.loads(kernel(nb, 2))) == "add"
    widget.locator('[data-cw-action="redo"]').click()
    expect(widget.locator("[data-cw-node-id]")).to_have_count(len(CHAIN_WITH_CHORD))
    expect(python).to_contain_text("tsum")
    assert canvas_shape(json.loads(kernel(nb, 2))) == "chain(add chord(mul mul / tsum))"

    # The selection is synced both ways, by path.
    assert nb.run_cell(4), nb.output_text(4)
    first = widget.locator('[data-cw-node-kind="task"]').first
    expect(first).to_have_attribute("aria-selected", "true")
    expect(widget.locator(".cw-inspector .cw-path")).to_have_text("chain.tasks[0]")

    # Keyboard: select, walk, delete, undo with Ctrl+Z, insert from the palette with Enter.
    tsum_el = chord_el.locator('[data-cw-drop="body"] [data-cw-node-kind="task"]')
    tsum_el.click()
    expect(tsum_el).to_have_attribute("aria-selected", "true")
    expect(tsum_el).to_be_focused()
    page.keyboard.press("ArrowUp")  # the previous block in document order: the second mul
    mul_el = chord_el.locator('[data-cw-drop="header"] [data-cw-node-kind="task"]').nth(1)
    expect(mul_el).to_be_focused()
    assert kernel(nb, 3) == "chain.tasks[1].header[1]"
    mul_el.click()  # running a cell took the focus to the notebook
    page.keyboard.press("Delete")
    expect(chord_el.locator('[data-cw-drop="header"] [data-cw-node-id]')).to_have_count(1)
    expect(python).not_to_contain_text(re.compile(r"mul\.s\([\s\S]*mul\.s\("))  # one mul
    assert canvas_shape(json.loads(kernel(nb, 2))) == "chain(add chord(mul / tsum))"
    widget.locator('[data-cw-node-kind="chord"]').click(position={"x": 8, "y": 8})
    page.keyboard.press("Control+z")
    expect(chord_el.locator('[data-cw-drop="header"] [data-cw-node-id]')).to_have_count(2)
    page.keyboard.press("Control+Shift+z")
    expect(chord_el.locator('[data-cw-drop="header"] [data-cw-node-id]')).to_have_count(1)

    # A palette item goes in at the selection: the chord is selected, so into its header.
    page.keyboard.press("/")
    search = widget.locator("[data-cw-palette-search]")
    expect(search).to_be_focused()
    search.fill("sleep")
    search.press("Enter")
    expect(chord_el.locator('[data-cw-drop="header"] [data-cw-node-id]')).to_have_count(2)
    # The kernel has it once its Python source, made there, says so: the change travels on the
    # widget's comm, which JupyterLab 4.6 sends over a kernel subshell, beside (not before) the
    # next cell's execute request (a run in CI read the canvas before the change).
    expect(python).to_contain_text("sleep.s(")
    assert canvas_shape(json.loads(kernel(nb, 2))) == "chain(add chord(mul sleep / tsum))"
    # Enter takes the item named as typed: `chord` is the primitive, though a task's doc
    # (report's) says chord too. Undone at once.
    assert "chord" in widget.locator('[data-cw-palette-task$=".report"]').inner_text()
    page.keyboard.press("/")
    search.fill("chord")
    search.press("Enter")
    expect(widget.locator('[data-cw-node-kind="chord"]')).to_have_count(2)
    widget.locator('[data-cw-action="undo"]').click()
    expect(widget.locator('[data-cw-node-kind="chord"]')).to_have_count(1)

    # Drag a block from the chord header to before the chain's first step, then wrap the two.
    sleep_el = widget.locator('[data-cw-node-kind="task"]', has_text="sleep.s()")
    add_el = widget.locator('[data-cw-node-kind="task"]', has_text="add.s(2, 2)")
    # Both ends in view first: Playwright scrolling the target into view while the button is
    # down would move the block under the pointer before the drag starts.
    widget.locator(".cw-canvas-scroll").evaluate("(el) => { el.scrollLeft = 0; }")
    sleep_el.drag_to(add_el, target_position={"x": 3, "y": 10})
    expect(chain_steps.locator(":scope > [data-cw-node-id]").first).to_contain_text("sleep")
    expect(python).to_contain_text(re.compile(r"sleep\.s\([\s\S]*add\.s\("))
    assert canvas_shape(json.loads(kernel(nb, 2))) == "chain(sleep add chord(mul / tsum))"
    sleep_el.click()
    add_el.click(modifiers=["Control"])
    widget.locator('[data-cw-action="wrap-group"]').click()
    expect(widget.locator('[data-cw-node-kind="group"]')).to_have_count(1)
    expect(python).to_contain_text("group(")
    assert canvas_shape(json.loads(kernel(nb, 2))) == "chain(group(sleep add) chord(mul / tsum))"

    # Enter on a block goes to the inspector; typed args apply on Enter.
    add_el = widget.locator(f'[data-cw-node-id="{add_el.get_attribute("data-cw-node-id")}"]')
    add_el.click()
    page.keyboard.press("Enter")
    args = widget.locator('.cw-inspector [data-cw-field="args"]')
    expect(args).to_be_focused()
    page.keyboard.type("(3), True")  # its text selected: what is typed replaces it
    page.keyboard.press("Enter")
    expect(add_el).to_contain_text("add.s(3, True)")
    expect(python).to_contain_text("add.s(3, True)")
    assert json.loads(kernel(nb, 2))["kwargs"]["tasks"][0]["kwargs"]["tasks"][1]["args"] == [
        3,
        True,
    ]

    # Keys typed in the widget stay in the widget: the notebook still has all its cells.
    assert page.evaluate(
        "() => window.jupyterapp.shell.currentWidget.content.widgets.length"
    ) == len(SYNC_CELLS)


# --- every action from the keyboard --------------------------------------------------------------

KEYBOARD_CELLS = [
    IMPORTS + "b = CanvasBuilder(app, canvas=chain(add.s(1, 1), mul.s(2), mul.s(3)))\nb",
    "print(json.dumps(b.to_dict()))",
]


def test_every_action_from_the_keyboard(notebook_factory: Callable[[list[str]], Notebook]) -> None:
    """Arrows walk, Alt+arrows move, c / g / h wrap, u unwraps, s switches .s / .si, x then v
    moves, Escape clears the selection: each reaches the kernel as the canvas it makes."""
    nb = notebook_factory(KEYBOARD_CELLS)
    keys = nb.page.keyboard
    assert nb.run_cell(0), nb.output_text(0)
    widget = builder(nb, 0)
    tasks = widget.locator('[data-cw-node-kind="task"]')
    expect(tasks).to_have_count(3)
    add_el, mul2_el, mul3_el = (
        widget.locator(f'[data-cw-node-id="{t.get_attribute("data-cw-node-id")}"]')
        for t in tasks.all()
    )
    chain_el = widget.locator('[data-cw-node-kind="chain"]').first

    def shape() -> str:
        return canvas_shape(json.loads(kernel(nb, 1)))

    def calls() -> list[str]:
        return [t.locator(".cw-task-head").text_content() or "" for t in tasks.all()]

    def focus(el: Locator) -> None:
        """Select a block with the pointer (running a cell took the focus to the notebook)."""
        el.click(position={"x": 6, "y": 6})
        expect(el).to_be_focused()

    # Arrows: left to the parent, right to the first member, down to the next in order.
    focus(add_el)
    keys.press("ArrowLeft")
    expect(chain_el).to_be_focused()
    expect(chain_el).to_have_attribute("aria-selected", "true")
    keys.press("ArrowRight")
    expect(add_el).to_be_focused()
    keys.press("ArrowDown")
    expect(mul2_el).to_be_focused()

    # Alt+arrows move the block in its list (a chain is a row: left / up go earlier).
    keys.press("Alt+ArrowUp")
    expect(tasks.first).to_contain_text("mul.s(2)")
    expect(mul2_el).to_be_focused()
    keys.press("Alt+ArrowRight")
    expect(tasks.first).to_contain_text("add.s(1, 1)")
    keys.press("Alt+ArrowDown")
    expect(tasks.last).to_contain_text("mul.s(2)")
    assert shape() == "chain(add mul mul)"
    assert calls()[1:] == ["mul.s(3)", "mul.s(2)"]

    # g, c and h wrap the selection; u unwraps what is selected after the wrap (the wrapper).
    for key, kind in (("g", "group"), ("c", "chain"), ("h", "chord")):
        focus(mul3_el)
        keys.press(key)
        wrapper = widget.locator(f'[data-cw-node-kind="{kind}"]').last
        expect(wrapper).to_have_attribute("aria-selected", "true")
        expect(wrapper.locator('[data-cw-node-kind="task"]')).to_contain_text("mul.s(3)")
        expect(widget.locator("[data-cw-node-id]")).to_have_count(5)
        if kind == "group":
            assert shape() == "chain(add group(mul) mul)"
            focus(wrapper)
        keys.press("u")
        expect(widget.locator("[data-cw-node-id]")).to_have_count(4)
        expect(mul3_el).to_have_attribute("aria-selected", "true")
    assert shape() == "chain(add mul mul)"

    # s switches .s and .si.
    focus(add_el)
    keys.press("s")
    expect(add_el).to_contain_text("add.si(1, 1)")
    assert json.loads(kernel(nb, 1))["kwargs"]["tasks"][0]["immutable"] is True
    focus(add_el)
    keys.press("s")
    expect(add_el).to_contain_text("add.s(1, 1)")

    # x cuts the selected block, v puts it after the selected one.
    keys.press("ArrowDown")
    keys.press("ArrowDown")
    expect(mul2_el).to_be_focused()
    keys.press("x")
    expect(widget.locator("[data-cw-notice]")).to_contain_text("Cut")
    keys.press("Home")  # the first node: the chain
    expect(chain_el).to_be_focused()
    keys.press("ArrowRight")
    expect(add_el).to_be_focused()
    keys.press("v")
    expect(tasks.nth(1)).to_contain_text("mul.s(2)")
    assert calls() == ["add.s(1, 1)", "mul.s(2)", "mul.s(3)"]
    assert kernel(nb, 1).count('"args": [2]') == 1

    # Escape clears the selection; the inspector says so.
    focus(mul3_el)
    keys.press("Escape")
    expect(widget.locator('[data-cw-node-id][aria-selected="true"]')).to_have_count(0)
    expect(widget.locator(".cw-inspector")).not_to_have_attribute(
        "data-cw-inspecting", mul3_el.get_attribute("data-cw-node-id") or ""
    )


# --- a chain composed with the keyboard alone ----------------------------------------------------

COMPOSE_CELLS = [
    IMPORTS + "b = CanvasBuilder(app)\nb",
    "print(json.dumps(b.to_dict()))",
    "s = add.s(1, 2)\ns.link(mul.s(3))\nb.canvas = s",
]


def test_a_chain_composed_with_the_keyboard_alone(
    notebook_factory: Callable[[list[str]], Notebook],
) -> None:
    """Palette -> canvas -> inspector -> Run without the mouse; the focus is never dropped to
    the page (where JupyterLab's command mode takes the keys) and can be seen where it is."""
    nb = notebook_factory(COMPOSE_CELLS)
    keys = nb.page.keyboard
    assert nb.run_cell(0), nb.output_text(0)
    widget = builder(nb, 0)
    canvas = widget.locator('[data-cw-drop="root"]')
    # Empty, the canvas is a named group: a tree must hold tree items.
    expect(widget.get_by_role("group", name="Canvas", exact=True)).to_have_count(1)
    # The panels' tabs are one tab stop (the arrow keys go between them).
    expect(widget.get_by_role("tab", name="Problems")).to_have_attribute("tabindex", "0")
    expect(widget.get_by_role("tab", name="Python")).to_have_attribute("tabindex", "-1")

    def fill_args(text: str) -> None:
        keys.press("Enter")  # to the inspector
        args = widget.locator('.cw-inspector [data-cw-field="args"]')
        for _ in range(6):
            if args.evaluate("el => el === document.activeElement"):
                break
            keys.press("Tab")
        expect(args).to_be_focused()
        keys.type(text)
        keys.press("Enter")
        keys.press("Escape")  # back to the block

    search = widget.get_by_role("searchbox", name="Search the palette")
    search.focus()
    keys.type("chain")
    keys.press("Enter")
    chain_el = widget.locator('[data-cw-node-kind="chain"]')
    expect(chain_el).to_be_focused()
    for name, args in (("add", "1, 2"), ("mul", "3")):
        keys.press("/")
        expect(search).to_be_focused()
        keys.type(name)
        keys.press("Enter")
        block = widget.locator('[data-cw-node-kind="task"]').last
        expect(block).to_be_focused()
        fill_args(args)
        expect(block).to_be_focused()
        expect(block).to_contain_text(f"{name}.s({args})")
    expect(widget.get_by_role("tree", name="Canvas", exact=True)).to_have_count(1)
    saved = json.loads(kernel(nb, 1))
    assert canvas_shape(saved) == "chain(add mul)"
    assert [t["args"] for t in saved["kwargs"]["tasks"]] == [[1, 2], [3]]

    # A notice's close button is named, and gives the focus back to the block it was about.
    mul_el = widget.locator('[data-cw-node-kind="task"]').last
    mul_el.focus()
    keys.press("x")
    notice = widget.locator("[data-cw-notice]")
    expect(notice).to_contain_text("Cut")
    dismiss = notice.get_by_role("button", name="Dismiss")
    for _ in range(3):  # back past the palette's item and search box
        keys.press("Shift+Tab")
    expect(dismiss).to_be_focused()
    keys.press("Enter")
    expect(notice).to_be_hidden()
    expect(mul_el).to_be_focused()

    # Run is the toolbar's last button: reached by the keyboard, enabled, named without its ▶.
    for _ in range(3):
        keys.press("Shift+Tab")
    run = widget.get_by_role("button", name="Run", exact=True)
    expect(run).to_be_focused()
    expect(run).to_be_enabled()

    # A deleted block leaves the focus on the canvas, with a ring to show it.
    mul_el.focus()
    keys.press("Delete")
    expect(widget.locator('[data-cw-node-kind="task"]')).to_have_count(1)
    expect(canvas).to_be_focused()
    assert canvas.evaluate("el => getComputedStyle(el).outlineStyle") != "none"

    # The inspector drawn again keeps the focus in it, when the button that had it is gone.
    assert nb.run_cell(2), nb.output_text(2)
    only = widget.locator('[data-cw-node-kind="task"]')
    expect(only).to_contain_text("add.s(1, 2)")
    canvas.focus()  # the tab stop while nothing is selected
    keys.press("Home")
    expect(only).to_be_focused()
    keys.press("Enter")
    remove = widget.get_by_role("button", name="Remove this link callback")
    remove.focus()
    keys.press("Enter")
    expect(remove).to_have_count(0)
    expect(widget.locator(".cw-inspector :focus")).to_have_count(1)
    assert json.loads(kernel(nb, 1))["options"].get("link") is None


# --- an invalid canvas cannot be run -------------------------------------------------------------

INVALID_CELLS = [
    IMPORTS + "b = CanvasBuilder(app, canvas=add.s(1) | mul.s(2))\nb",
    "print(b.last_run, b.run_status['state'])",
]


def test_invalid_canvas_cannot_be_run(notebook_factory: Callable[[list[str]], Notebook]) -> None:
    nb = notebook_factory(INVALID_CELLS)
    assert nb.run_cell(0), nb.output_text(0)
    widget = builder(nb, 0)
    add_el = widget.locator('[data-cw-node-kind="task"]').first
    expect(add_el).to_have_attribute("data-cw-problem", "error")
    # Its badge ("!") is an image named by the problem, for a screen reader.
    badge = add_el.get_by_role("img", name=re.compile("^error: .*missing a required argument"))
    expect(badge).to_have_count(1)
    expect(widget.locator('[data-cw-tab="problems"]')).to_have_text("Problems (1)")
    expect(widget.locator("[data-cw-problems]")).to_contain_text("missing a required argument")
    run = widget.locator('[data-cw-action="run"]')
    expect(run).to_be_disabled()

    # A forced click (the button re-enabled by hand) still reaches Python, which refuses it.
    run.evaluate("(button) => { button.disabled = false; button.click(); }")
    notice = widget.locator("[data-cw-notice]")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("not run: chain.tasks[0]")
    assert kernel(nb, 1) == "None idle"

    # Fixing the args in the inspector clears the problem and enables Run.
    select_and_edit(widget, add_el, "args", "1, 1")
    expect(add_el).not_to_have_attribute("data-cw-problem", "error")
    expect(run).to_be_enabled()
    widget.screenshot(path=str(ARTIFACTS / "builder-fixed.png"))


BAD_OPTION_CELLS = [
    IMPORTS + "b = CanvasBuilder(app, canvas=add.si(1, 1).set(countdown='soon'))\nb",
    "print(b.to_dict()['options'])",
]


def test_an_option_of_the_wrong_kind_is_shown_and_can_be_cleared(
    notebook_factory: Callable[[list[str]], Notebook],
) -> None:
    # Set from Python: Celery would send the canvas as far as this task, then fail.
    nb = notebook_factory(BAD_OPTION_CELLS)
    assert nb.run_cell(0), nb.output_text(0)
    widget = builder(nb, 0)
    node = widget.locator('[data-cw-node-kind="task"]').first
    expect(node).to_have_attribute("data-cw-problem", "error")
    expect(widget.locator("[data-cw-problems]")).to_contain_text(
        "countdown must be a number of seconds, not 'soon'"
    )
    expect(widget.locator('[data-cw-action="run"]')).to_be_disabled()

    select_and_edit(widget, node, "option-countdown", "")  # shown as it is, then cleared

    expect(node).not_to_have_attribute("data-cw-problem", "error")
    expect(widget.locator('[data-cw-action="run"]')).to_be_enabled()
    assert kernel(nb, 1) == "{}"


# --- hidden arguments ----------------------------------------------------------------------------

SECRET = 4111111111111111  # a card number
HIDDEN_CELLS = [
    IMPORTS
    + "cluster = cw.LocalCluster(app, workers=1)\n"
    + f"b = CanvasBuilder(app, canvas=add.s(1, y={SECRET}).set(kwargsrepr=\"{{'y': '****'}}\"))\nb",
    "state = {k: v for k, v in b.get_state().items() if k != '_esm'}\n"
    f"print(b.last_run.wait(timeout=60), {str(SECRET)!r} in json.dumps(state))",
    "cluster.close()",
    # A map hides its items by its own argsrepr.
    f"m = CanvasBuilder(app, canvas=xsum.map([[{SECRET}, 1]]).set(argsrepr=\"['***']\"))\nm",
    "print(m.to_dict()['kwargs']['it'])",
]


def test_hidden_arguments_are_shown_as_their_repr_and_run_with_their_values(
    notebook_factory: Callable[[list[str]], Notebook],
) -> None:
    # A card number hidden with kwargsrepr must not reach the page (it would be saved with the
    # notebook); the block, wrapped in a chain in the page, still runs with it.
    nb = notebook_factory(HIDDEN_CELLS)
    assert nb.run_cell(0), nb.output_text(0)
    widget = builder(nb, 0)
    node = widget.locator('[data-cw-node-kind="task"]')
    expect(node).to_contain_text("**{'y': '****'}")
    node.click()
    hidden = widget.locator('.cw-inspector [data-cw-hidden="kwargs"]')
    expect(hidden).to_have_value("{'y': '****'}")
    expect(hidden).to_have_attribute("readonly", "")
    # Nor is the repr an option to edit (the kernel keeps the one it was hidden with).
    expect(widget.locator('.cw-inspector [data-cw-field="option-others"]')).to_have_value("")
    node.press("c")  # wrapped in a chain: the dict the page sends back has no value in it
    expect(widget.locator('[data-cw-node-kind="chain"]')).to_have_count(1)
    assert str(SECRET) not in widget.inner_text()
    widget.locator('[data-cw-action="run"]').click()
    status = widget.locator(".cw-run-status")
    expect(status).to_have_attribute("data-cw-run-state", "done", timeout=RUN_TIMEOUT_MS)
    expect(status).to_contain_text(str(1 + SECRET))
    assert kernel(nb, 1) == f"{1 + SECRET} False"
    assert nb.run_cell(2), nb.output_text(2)

    assert nb.run_cell(3), nb.output_text(3)
    mapped = builder(nb, 3).locator('[data-cw-node-kind="map"]')
    expect(mapped.locator('[data-cw-hidden="it"]')).to_contain_text("['***']")
    assert str(SECRET) not in builder(nb, 3).inner_text()
    assert kernel(nb, 4) == f"[[{SECRET}, 1]]"  # in the kernel, whole


# --- results are text ----------------------------------------------------------------------------

XSS = "<img src=x onerror=alert(1)>"
XSS_CELLS = [
    IMPORTS
    + "cluster = cw.LocalCluster(app, workers=1)\n"
    + f"b = CanvasBuilder(app, canvas=sleep.si(0, {XSS!r}))\nb",
    "print(b.last_run.wait(timeout=60))",
    "cluster.close()",
]


def test_result_is_shown_as_text(notebook_factory: Callable[[list[str]], Notebook]) -> None:
    nb = notebook_factory(XSS_CELLS)
    dialogs: list[str] = []
    nb.page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    assert nb.run_cell(0), nb.output_text(0)
    widget = builder(nb, 0)
    expect(widget.locator('[data-cw-node-kind="task"]')).to_contain_text(f"'{XSS}'")
    widget.locator('[data-cw-action="run"]').click()
    status = widget.locator(".cw-run-status")
    expect(status).to_have_attribute("data-cw-run-state", "done", timeout=RUN_TIMEOUT_MS)
    expect(status).to_contain_text(XSS)
    expect(widget.locator("img")).to_have_count(0)
    assert kernel(nb, 1) == XSS
    assert dialogs == []
    assert nb.run_cell(2), nb.output_text(2)


# --- 200 nodes -----------------------------------------------------------------------------------

LARGE_CELLS = [
    IMPORTS + "b = CanvasBuilder(app, canvas=group(add.s(i, i) for i in range(200)))\nb",
    """
tasks = b.to_dict()["kwargs"]["tasks"]
print(len(tasks), tasks[0]["args"], tasks[-1]["task"].rsplit(".")[-1], len(b.problems))
""",
]


def test_a_group_of_200_tasks(notebook_factory: Callable[[list[str]], Notebook]) -> None:
    """Renders, takes an edit and a drop, and both reach the kernel. Times are printed only."""
    nb = notebook_factory(LARGE_CELLS)
    started = time.monotonic()
    assert nb.run_cell(0), nb.output_text(0)
    widget = builder(nb, 0)
    tasks = widget.locator('[data-cw-node-kind="task"]')
    expect(tasks).to_have_count(200)
    print(f"200 tasks shown {time.monotonic() - started:.1f} s after running the cell")

    started = time.monotonic()
    select_and_edit(widget, tasks.first, "args", "7, 7")
    expect(tasks.first).to_contain_text("add.s(7, 7)")
    assert kernel(nb, 1) == "200 [7, 7] add 0"
    print(f"an edit reached the kernel after {time.monotonic() - started:.1f} s")

    started = time.monotonic()
    group_slot = widget.locator('[data-cw-node-kind="group"] > [data-cw-drop="children"]')
    palette_task(widget, "mul").drag_to(tasks.last, target_position={"x": 20, "y": 28})
    expect(tasks).to_have_count(201)
    out = kernel(nb, 1)
    assert out.startswith("201 [7, 7]"), out
    expect(group_slot.locator(':scope > [data-cw-node-kind="task"]')).to_have_count(201)
    print(f"a drop reached the kernel after {time.monotonic() - started:.1f} s")


# --- fidelity: what is loaded comes back exactly, and an edit changes only what it touches ------

FIDELITY_CELLS = [
    IMPORTS
    + """
def text(d):  # (key order too: JavaScript puts {"10": .., "9": ..} in another)
    return json.dumps(d, ensure_ascii=False)

loaded = {
    "task": "celery.chain",
    "subtask_type": "chain",
    "kwargs": {"tasks": [
        # Floats the browser cannot tell from integers, and values of every JSON kind.
        cw.to_dict(add.s(1.0, -0.0, 2.5, None, True, "é 🎉 שלום", 'q"uo\\'te\\\\', "", (1, 2),
                         {"a-b": [1.0, {"": None}]}).set(countdown=1.5, queue="q", priority=5,
                         expires="2030-01-02T03:04:05+00:00", link=mul.s(2.0),
                         link_error=[tsum.si([0.0])])),
        # As Celery writes it (json.dumps of the object): no subtask_type for chunks.
        json.loads(json.dumps(add.chunks([(1.0, 2), (3, 4)], 1))),
        # As the docs write one: a task and its args; and a dict JavaScript orders otherwise.
        {"task": "canvas_widgets.demo.mul", "args": [2], "options": {"headers": {"10": 1, "9": 2}}},
    ]},
}
b = CanvasBuilder(app, canvas=loaded)
b""",
    # What Celery builds from it, normalised as the project does.
    """expected = cw.to_dict(cw.from_dict(loaded))
print(text(b.to_dict()) == text(expected), text(cw.to_dict(b.canvas)) == text(expected))""",
    """now = b.to_dict()
changed = [i for i, (x, y) in enumerate(zip(now["kwargs"]["tasks"], expected["kwargs"]["tasks"]))
           if text(x) != text(y)]
print(changed, now["kwargs"]["tasks"][2]["args"])""",
    """[add_step, chunks_step, mul_step] = expected["kwargs"]["tasks"]
wrapped = {**cw.to_dict(group()), "kwargs": {"tasks": [add_step]}}
print(text(b.to_dict()["kwargs"]["tasks"]) == text([chunks_step, wrapped, mul_step]))""",
]


def test_a_loaded_canvas_comes_back_exactly_and_an_edit_changes_only_its_task(
    notebook_factory: Callable[[list[str]], Notebook],
) -> None:
    """Loaded from Python, the canvas is Celery's own dict, floats (``1.0``) and all; editing the
    last task's args in the browser changes that task only, and undo gives it all back."""
    nb = notebook_factory(FIDELITY_CELLS)
    assert nb.run_cell(0), nb.output_text(0)
    widget = builder(nb, 0)
    python = widget.locator("[data-cw-python]")
    assert kernel(nb, 1) == "True True"

    steps = widget.locator(
        '[data-cw-node-kind="chain"] > [data-cw-drop="children"] > [data-cw-node-id]'
    )
    mul_el = steps.nth(2)
    expect(mul_el).to_contain_text("mul.s(2)")
    select_and_edit(widget, mul_el, "args", "3")
    expect(mul_el).to_contain_text("mul.s(3)")
    expect(python).to_contain_text("mul.s(3)")  # the kernel has the edit (see the test above)
    assert kernel(nb, 2) == "[2] [3]"

    widget.locator('[data-cw-action="undo"]').click()
    expect(python).not_to_contain_text("mul.s(3)")
    assert kernel(nb, 2) == "[] [2]"
    assert kernel(nb, 1) == "True True"

    # Moved by keyboard, then wrapped in a group: the block is the same task, floats and all.
    add_el = steps.nth(0)
    add_el.click()
    nb.page.keyboard.press("Alt+ArrowRight")
    expect(steps.nth(1)).to_have_attribute("data-cw-node-kind", "task")
    expect(python).to_contain_text(re.compile(r"add\.chunks\([\s\S]*add\.s\(\s*1\.0"))
    nb.page.keyboard.press("g")
    expect(steps.nth(1)).to_have_attribute("data-cw-node-kind", "group")
    expect(python).to_contain_text("group(")
    assert kernel(nb, 3) == "True"
    undo = widget.locator('[data-cw-action="undo"]')
    undo.click()
    expect(steps.nth(1)).to_have_attribute("data-cw-node-kind", "task")
    undo.click()
    expect(steps.nth(0)).to_contain_text("add.s(1")
    expect(python).not_to_contain_text("group(")
    expect(python).to_contain_text(re.compile(r"add\.s\(\s*1\.0[\s\S]*add\.chunks\("))
    assert kernel(nb, 1) == "True True"

    # A number the browser would send as another (12345678901234567000) is refused where typed.
    select_and_edit(widget, steps.nth(2), "option-countdown", "12345678901234567890")
    countdown = widget.locator('.cw-inspector [data-cw-field="option-countdown"]')
    expect(countdown).to_have_attribute("aria-invalid", "true")
    errors = widget.locator(".cw-inspector .cw-field-error", has_text="set it from Python")
    expect(errors).to_have_count(1)
    assert kernel(nb, 1) == "True True"
