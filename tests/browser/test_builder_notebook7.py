"""The builder in Notebook 7 (the ``notebook`` package), on the same Jupyter server as the
JupyterLab tests: it renders with its palette, shows a canvas loaded from Python as the right
nested blocks, takes a drag from the palette (and the kernel sees the edit), and a run's live
result graph appears below it.

Notebook 7 is built of JupyterLab's notebook components, so the harness runs cells the same way
(``window.jupyterapp``); what differs is the page around the notebook.
"""

from __future__ import annotations

import importlib.metadata
import json
from collections.abc import Callable

import pytest
from playwright.sync_api import expect

from .browser_harness import REPO_ROOT, Notebook
from .test_builder import (
    IMPORTS,
    builder,
    canvas_shape,
    expect_chain_with_chord,
    kernel,
    node_kinds,
    palette_task,
)

pytestmark = pytest.mark.browser

ARTIFACTS = REPO_ROOT / "test-artifacts"


@pytest.fixture(autouse=True)
def _notebook_7() -> None:
    try:
        version = importlib.metadata.version("notebook")
    except importlib.metadata.PackageNotFoundError:
        pytest.fail("the `notebook` package (7+) is not installed: pip install -e '.[test]'")
    if int(version.split(".")[0]) < 7:
        pytest.fail(f"notebook {version} is installed; these tests need Notebook 7+")
    ARTIFACTS.mkdir(exist_ok=True)
    if not (REPO_ROOT / "canvas_widgets" / "static" / "builder.js").exists():
        pytest.fail("builder.js is not built: run `npm run build` in js/ (./dev does it)")


CELLS = [
    IMPORTS + "b = CanvasBuilder(app, canvas=add.s(2, 2) | group(mul.s(2), mul.s(3)) | tsum.s())"
    "\nb",
    "print(json.dumps(b.to_dict()))",
    "b.canvas = None",
    "cluster = cw.LocalCluster(app, workers=1)\nprint(cluster.workers)",
    "print(b.last_run.wait(timeout=60))\ncluster.close()",
]
RUN_TIMEOUT_MS = 120_000


def test_builder_in_notebook_7(notebook_factory: Callable[..., Notebook]) -> None:
    nb = notebook_factory(CELLS, ui="notebook")
    page = nb.page
    # Notebook 7's own page, not JupyterLab's: one notebook, no dock panel of tabs.
    expect(page.locator("#main-panel, .jp-NotebookPanel").first).to_be_visible()
    assert page.evaluate("() => window.jupyterapp.name") == "Jupyter Notebook"
    assert nb.run_cell(0), nb.output_text(0)
    widget = builder(nb, 0)

    # The palette: the app's tasks, Celery's six primitives and the registered weave.
    for name in ("add", "mul", "tsum", "xsum"):
        expect(palette_task(widget, name)).to_be_visible()
    primitives = widget.locator("[data-cw-palette-primitive]")
    expect(primitives).to_have_count(7)
    assert primitives.evaluate_all("els => els.map(e => e.dataset.cwPalettePrimitive)") == [
        "chain", "group", "chord", "map", "starmap", "chunks", "weave",
    ]  # fmt: skip

    # The canvas from Python as nested blocks: Celery made the group before tsum a chord.
    expect_chain_with_chord(widget)
    widget.screenshot(path=str(ARTIFACTS / "builder-notebook7.png"))

    # Run: the run's live result graph appears below the builder, every task to SUCCESS.
    assert "localcluster" in kernel(nb, 3)
    widget.locator('[data-cw-action="run"]').click()
    graph = nb.output(0).locator("[data-cw-result-graph]")
    expect(graph).to_have_attribute("data-cw-layout", "done")
    expect(graph.locator("[data-cw-task-id]")).to_have_count(4)
    expect(graph.locator('[data-cw-task-id][data-cw-state="SUCCESS"]')).to_have_count(
        4, timeout=RUN_TIMEOUT_MS
    )
    assert kernel(nb, 4) == "20"  # (2 + 2) * 2 + (2 + 2) * 3

    # Drags from the palette: onto the empty root a single task, then a second one makes a chain.
    assert nb.run_cell(2), nb.output_text(2)
    expect(widget.locator("[data-cw-node-id]")).to_have_count(0)
    root = widget.locator('[data-cw-drop="root"]')

    def drag_to_root(name: str) -> None:
        # The whole builder in view first (running a cell scrolls the notebook): Playwright
        # scrolling the target into view while the button is down would move another palette
        # item under the pointer before the drag starts.
        widget.evaluate("(el) => el.scrollIntoView({block: 'start'})")
        palette_task(widget, name).drag_to(root)

    drag_to_root("add")
    expect(widget.locator("[data-cw-node-id]")).to_have_count(1)
    assert canvas_shape(json.loads(kernel(nb, 1))) == "add"
    drag_to_root("mul")
    expect(widget.locator("[data-cw-node-id]")).to_have_count(3)
    assert node_kinds(widget) == ["chain", "task", "task"]
    assert canvas_shape(json.loads(kernel(nb, 1))) == "chain(add mul)"
