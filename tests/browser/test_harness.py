"""The harness itself, end to end: a widget displayed in JupyterLab, clicked in Chromium, and the
click seen by the kernel through a synced trait."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import expect

from .browser_harness import Notebook

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parent.parent.parent / "test-artifacts"

CLICKER_CELL = '''
import sys

import anywidget
import traitlets


class Clicker(anywidget.AnyWidget):
    _esm = """
    export default {
      render({ model, el }) {
        const button = document.createElement("button");
        button.dataset.testid = "clicker";
        const show = () => { button.textContent = `clicked ${model.get("count")}`; };
        button.addEventListener("click", () => {
          model.set("count", model.get("count") + 1);
          model.save_changes();
        });
        model.on("change:count", show);
        show();
        el.append(button);
        return () => model.off("change:count", show);
      },
    };
    """
    count = traitlets.Int(0).tag(sync=True)


clicker = Clicker()
clicker
'''

REPORT_CELL = 'print(f"count={clicker.count} python={sys.executable}")'


def test_click_in_browser_reaches_the_kernel(
    notebook_factory: Callable[[list[str]], Notebook],
) -> None:
    nb = notebook_factory([CLICKER_CELL, REPORT_CELL])
    print(f"notebook open, kernel idle after {nb.open_seconds:.1f} s")

    assert nb.run_cell(0), nb.output_text(0)
    button = nb.page.get_by_test_id("clicker")
    expect(button).to_have_text("clicked 0")
    for expected in (1, 2, 3):
        button.click()
        expect(button).to_have_text(f"clicked {expected}")

    # The trait updates travel on the shell channel ahead of this execute request: no race.
    assert nb.run_cell(1), nb.output_text(1)
    nb.wait_for_output(1, "count=3")
    assert nb.output_text(1).strip() == f"count=3 python={sys.executable}"

    ARTIFACTS.mkdir(exist_ok=True)
    nb.page.screenshot(path=str(ARTIFACTS / "harness.png"))
