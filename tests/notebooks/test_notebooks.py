"""Every tutorial notebook runs top to bottom, and shows the values its cells promise.

A cell promises a value with ``metadata.canvas_widgets.expect``: the text/plain of its result.
"""

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

pytestmark = pytest.mark.cluster

NOTEBOOKS = sorted((Path(__file__).parents[2] / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs_and_shows_its_values(path, tmp_path):
    notebook = nbformat.read(path, as_version=4)
    NotebookClient(notebook, timeout=180, resources={"metadata": {"path": tmp_path}}).execute()
    checked = 0
    for cell in notebook.cells:
        expect = cell.get("metadata", {}).get("canvas_widgets", {}).get("expect")
        if expect is None:
            continue
        results = [o for o in cell.outputs if o.output_type == "execute_result"]
        assert results, f"{path.name}: cell {cell.source!r} shows no value"
        assert results[0].data["text/plain"] == expect, cell.source
        checked += 1
    assert checked > 0, f"{path.name} promises no values: nothing would be checked"
