"""The built bundles (js/ -> canvas_widgets/static/) render in JupyterLab, keep their DOM contract
and show model text as text. (The graph bundle is covered by test_result_graph.py.)
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import expect

from .browser_harness import REPO_ROOT, Notebook

pytestmark = pytest.mark.browser

STATIC = REPO_ROOT / "canvas_widgets" / "static"
ARTIFACTS = REPO_ROOT / "test-artifacts"


@pytest.fixture(autouse=True)
def _bundles_built() -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    missing = [name for name in ("builder.js", "graph.js") if not (STATIC / name).exists()]
    if missing:
        pytest.fail(f"{', '.join(missing)} not built: run `npm run build` in js/ (./dev does it)")


BUILDER_CELLS = [
    """
from celery import chain, group
from canvas_widgets.demo import add, app, mul, tsum
from canvas_widgets.widgets import CanvasBuilder

# Celery turns the group followed by tsum into a chord when the chain is built.
workflow = chain(add.s(1, 1), group(mul.s(2), mul.s(3)), tsum.s())
builder = CanvasBuilder(app, canvas=workflow)
builder
""",
    """builder.canvas = add.s("<img src=x onerror=alert(1)>", 2)""",
    "builder.canvas = None",
]


def test_builder_renders_the_canvas_tree(notebook_factory: Callable[[list[str]], Notebook]) -> None:
    nb = notebook_factory(BUILDER_CELLS)
    assert nb.run_cell(0), nb.output_text(0)
    page = nb.page
    root = nb.output(0).locator('[data-cw-drop="root"]')
    expect(root).to_be_visible()
    kinds = root.locator("[data-cw-node-kind]")
    # chain(add, chord(header: mul, mul; body: tsum)), in document order.
    expect(kinds).to_have_count(6)
    assert [k.get_attribute("data-cw-node-kind") for k in kinds.all()] == [
        "chain",
        "task",
        "chord",
        "task",
        "task",
        "task",
    ]
    chain_el = root.locator('[data-cw-node-kind="chain"]')
    expect(chain_el.locator('[data-cw-slot="children"] >> nth=0')).to_contain_text("add.s(1, 1)")
    expect(root.locator('[data-cw-node-kind="chord"] [data-cw-slot="body"]')).to_contain_text(
        "tsum"
    )
    ids = [k.get_attribute("data-cw-node-id") for k in kinds.all()]
    assert len(set(ids)) == len(ids)
    palette = nb.output(0)
    expect(palette.locator('[data-cw-palette-task="canvas_widgets.demo.add"]')).to_have_count(1)
    for primitive in ("chain", "group", "chord", "map", "starmap", "chunks"):
        expect(palette.locator(f'[data-cw-palette-primitive="{primitive}"]')).to_have_count(1)
    expect(palette.locator('[data-cw-action="run"]')).to_be_enabled()
    root.screenshot(path=str(ARTIFACTS / "builder-tree.png"))

    # A new canvas from Python re-renders; model text is shown as text, never parsed as HTML.
    assert nb.run_cell(1), nb.output_text(1)
    task = root.locator('[data-cw-node-kind="task"]')
    expect(task).to_have_count(1)
    expect(task).to_contain_text("'<img src=x onerror=alert(1)>'")
    expect(nb.output(0).locator("img")).to_have_count(0)

    assert nb.run_cell(2), nb.output_text(2)
    expect(root).to_contain_text("Drag a task here to start")
    expect(root.locator("[data-cw-node-kind]")).to_have_count(0)
    expect(palette.locator('[data-cw-action="run"]')).to_be_disabled()
    page.screenshot(path=str(ARTIFACTS / "builder.png"))
