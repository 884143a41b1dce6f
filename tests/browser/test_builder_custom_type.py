"""A signature type of the user's own (the tutorial's ``weave``) in the builder, in JupyterLab and
Chromium: shown as a block with one drop place per slot, edited by dragging into and out of its
slots, and written back as a dict that plain Celery loads as a ``weave`` again.

Waits are Playwright's auto-waiting ``expect``; nothing sleeps to synchronise.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable

import pytest
from playwright.sync_api import Locator, expect

from .browser_harness import EXPECT_TIMEOUT_MS, Notebook
from .test_builder import ARTIFACTS, DEMO, _bundle_built, builder, kernel  # noqa: F401 (fixture)

pytestmark = pytest.mark.browser

CELLS = [
    """
import json
from celery import signature
from canvas_widgets.demo import app, tsum, xsum
from canvas_widgets.weave import weave
from canvas_widgets.widgets import CanvasBuilder
b = CanvasBuilder(app, canvas=weave(xsum.s(), range(10), 4, join=xsum.s()))
b
""",
    "print(json.dumps(b.to_dict()))",
    # What plain Celery makes of the builder's dict (a chain's steps, or the canvas itself).
    """
d = b.to_dict()
steps = d["kwargs"]["tasks"] if d["subtask_type"] == "chain" else [d]
loaded = [signature(json.loads(json.dumps(s)), app=app) for s in steps]
print(" ".join(type(s).__name__ for s in loaded))
w = loaded[0]
print(w.kwargs["n"], w.args, w.kwargs["task"]["task"], (w.kwargs["join"] or {}).get("task"))
""",
]


def kernel_once(nb: Notebook, cell: int, holds: Callable[[str], bool]) -> str:
    """Run a cell that prints until what it prints ``holds`` (or the expect timeout passes);
    return the last output. The view sends an edit as soon as it has drawn it, but ipywidgets
    holds an update back while an earlier one of the widget is unanswered, so a cell run right
    after an edit can still see the canvas before it."""
    deadline = time.monotonic() + EXPECT_TIMEOUT_MS / 1000
    while True:
        out = kernel(nb, cell)
        if holds(out) or time.monotonic() > deadline:
            return out


def slot(weave_el: Locator, name: str) -> Locator:
    """The drop place of one slot of this weave block (not of a weave nested in it)."""
    weave_id = weave_el.get_attribute("data-cw-node-id")
    return weave_el.locator(f'[data-cw-drop="kwargs.{name}"][data-cw-parent="{weave_id}"]')


def test_a_weave_is_shown_and_edited_through_its_slots(
    notebook_factory: Callable[[list[str]], Notebook],
) -> None:
    nb = notebook_factory(CELLS)
    page = nb.page
    assert nb.run_cell(0), nb.output_text(0)
    widget = builder(nb, 0)

    # One weave block, headed by its type (its doc as the tooltip), with a task in each slot.
    weave_el = widget.locator('[data-cw-node-kind="custom"][data-cw-node-type="weave"]')
    expect(weave_el).to_have_count(1)
    kind = weave_el.locator(":scope > .cw-node-head > .cw-kind")
    expect(kind).to_have_text("weave")
    expect(kind).to_have_attribute(
        "title", "Split it into chunks of n, apply task to each chunk, join with join."
    )
    expect(weave_el.locator(":scope > .cw-node-head")).to_contain_text("n=4")
    task_slot, join_slot = slot(weave_el, "task"), slot(weave_el, "join")
    expect(task_slot.locator('[data-cw-node-kind="task"]')).to_have_text("xsum.s()")
    expect(join_slot.locator('[data-cw-node-kind="task"]')).to_have_text("xsum.s()")
    expect(widget.locator('[data-cw-tab="problems"]')).to_have_text("Problems")
    expect(widget.locator('[data-cw-action="run"]')).to_be_enabled()
    widget.screenshot(path=str(ARTIFACTS / "builder-weave.png"))  # to look at

    # Delete the join: its slot is an empty, optional drop place, and the kernel has join=None.
    join_slot.locator('[data-cw-node-kind="task"]').click()
    expect(widget.locator(".cw-inspector .cw-path")).to_have_text("weave.join")
    page.keyboard.press("Delete")
    expect(join_slot).to_have_attribute("data-cw-empty", "")
    expect(join_slot).to_have_attribute("data-cw-optional", "")
    d = json.loads(kernel_once(nb, 1, lambda out: json.loads(out)["kwargs"]["join"] is None))
    assert d["kwargs"]["join"] is None

    # Drop a new task (tsum) from the palette into the join slot.
    widget.locator(f'[data-cw-palette-task="{DEMO}.tsum"]').drag_to(join_slot)
    expect(join_slot.locator('[data-cw-node-kind="task"]')).to_have_text("tsum.s()")
    items = f"([{', '.join(map(str, range(10)))}],)"
    out = kernel_once(nb, 2, lambda out: out.endswith("tsum"))
    assert out.splitlines() == ["weave", f"4 {items} {DEMO}.xsum {DEMO}.tsum"]

    # Move the join out of its slot, to after the weave: the root becomes a chain of the two.
    tsum_el = join_slot.locator('[data-cw-node-kind="task"]')
    tsum_id = tsum_el.get_attribute("data-cw-node-id")
    box = weave_el.bounding_box()
    assert box is not None
    tsum_el.drag_to(weave_el, target_position={"x": box["width"] - 4, "y": 10})
    chain_el = widget.locator('[data-cw-node-kind="chain"]')
    expect(chain_el).to_have_count(1)
    expect(join_slot).to_have_attribute("data-cw-empty", "")
    steps = chain_el.locator(':scope > [data-cw-drop="children"] > [data-cw-node-id]')
    expect(steps).to_have_count(2)
    expect(steps.nth(1)).to_have_attribute("data-cw-node-id", tsum_id or "")
    out = kernel_once(nb, 2, lambda out: out.startswith("weave Signature"))
    assert out.splitlines() == ["weave Signature", f"4 {items} {DEMO}.xsum None"]

    # Undo puts it back into the slot (same block), and tells the kernel. (Running a cell took
    # the focus to the notebook: select the block first.)
    widget.locator(f'[data-cw-node-id="{tsum_id}"]').click()
    page.keyboard.press("Control+z")
    expect(chain_el).to_have_count(0)
    expect(join_slot.locator(f'[data-cw-node-id="{tsum_id}"]')).to_have_count(1)
    out = kernel_once(nb, 2, lambda out: out.splitlines()[0] == "weave")
    assert out.splitlines() == ["weave", f"4 {items} {DEMO}.xsum {DEMO}.tsum"]

    # An empty required slot is an error from Python, placed on the weave block.
    task_slot.locator('[data-cw-node-kind="task"]').click()
    page.keyboard.press("Delete")
    expect(task_slot).to_have_attribute("data-cw-empty", "")
    expect(task_slot).not_to_have_attribute("data-cw-optional", "")
    expect(weave_el).to_have_attribute("data-cw-problem", "error")
    expect(widget.locator('[data-cw-action="run"]')).to_be_disabled()
    # Any kind of node goes into a slot: a chain from the palette, then a task into the chain.
    widget.locator('[data-cw-palette-primitive="chain"]').drag_to(task_slot)
    inner_chain = task_slot.locator('[data-cw-node-kind="chain"]')
    expect(inner_chain).to_have_count(1)
    widget.locator(f'[data-cw-palette-task="{DEMO}.xsum"]').drag_to(
        inner_chain.locator('[data-cw-drop="children"]')
    )
    expect(inner_chain.locator('[data-cw-node-kind="task"]')).to_have_count(1)
    out = kernel_once(nb, 1, lambda out: json.loads(out)["kwargs"]["task"] is not None)
    d = json.loads(out)
    assert d["kwargs"]["task"]["subtask_type"] == "chain"
    assert [t["task"] for t in d["kwargs"]["task"]["kwargs"]["tasks"]] == [f"{DEMO}.xsum"]
    assert d["kwargs"]["join"]["task"] == f"{DEMO}.tsum"
    # ... which the weave cannot apply to its chunks: Python says so, on the weave block.
    expect(weave_el).to_have_attribute("data-cw-problem", "error")
    expect(weave_el.locator(":scope > .cw-node-head > .cw-badge")).to_have_attribute(
        "title", re.compile("it applies a task to each chunk, not a chain")
    )

    # The palette offers the weave (from its template): dropped on the canvas, a second weave
    # with empty slots follows the first in a chain.
    widget.locator('[data-cw-palette-primitive="weave"]').drag_to(
        widget.locator('[data-cw-drop="root"]'), target_position={"x": 5, "y": 5}
    )
    weaves = widget.locator('[data-cw-node-type="weave"]')
    expect(weaves).to_have_count(2)
    expect(slot(weaves.nth(1), "task")).to_have_attribute("data-cw-empty", "")
    out = kernel_once(nb, 2, lambda out: out.startswith("weave weave"))
    assert out.splitlines()[0] == "weave weave"

    # The inspector edits a weave's plain kwargs (read as literals), not its slots.
    first = weaves.first
    first.click(position={"x": 8, "y": 8})
    inspector = widget.locator(".cw-inspector")
    expect(inspector).to_have_attribute(
        "data-cw-inspecting", first.get_attribute("data-cw-node-id") or ""
    )
    kwargs = inspector.locator('[data-cw-field="kwargs"]')
    expect(kwargs).to_have_value("n=4")
    kwargs.fill("n=5, join=None")
    kwargs.press("Enter")
    expect(inspector.locator(".cw-field-error", has_text="holds a signature")).to_be_visible()
    kwargs.fill("n=5")
    kwargs.press("Enter")
    expect(first.locator(":scope > .cw-node-head")).to_contain_text("n=5")
    out = kernel_once(nb, 2, lambda out: out.splitlines()[1].startswith("5 "))
    assert out.splitlines()[1] == f"5 {items} celery.chain {DEMO}.tsum"
