"""A notebook executed headless (``jupyter nbconvert --execute``, nbclient) keeps each view as
the run ended: what a tutorial author publishes.

nbclient keeps only the messages a kernel sends while a cell runs. The graph's final states,
summary and timeline bars, and the builder's result line, must be sent by the cell that waits
for the run, even when the cells after it are quick.
"""

import json

import nbformat
import pytest
from nbclient import NotebookClient

pytestmark = pytest.mark.cluster

CELLS = [
    "import canvas_widgets as cw\n"
    "from celery import chain, chord\n"
    "from canvas_widgets.demo import add, app, xsum\n"
    "cluster = cw.LocalCluster(app, workers=1)",
    "builder = cw.CanvasBuilder(app, canvas=chain(add.s(2, 2), add.s(3)))\n"
    "built = builder.run()\nbuilder",
    "built.wait(timeout=60)",
    "run = cw.run(chord((add.s(i, i) for i in range(4)), xsum.s()), app=app)\nrun.graph",
    "run.wait(timeout=60)",
    # Quick, and the last: what the views send after it is lost. (The cluster stops with the
    # kernel: stopping it here would give late messages a cell to land in.)
    "1 + 1",
]


def _views(notebook: nbformat.NotebookNode) -> dict[str, list[dict]]:
    """The saved state of each widget model, by the widget's class name."""
    saved = notebook.metadata["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    views: dict[str, list[dict]] = {}
    for model in saved.values():
        name = model["state"].get("_model_name", "")
        views.setdefault(name, []).append(model["state"])
    return views


def test_an_executed_notebook_keeps_the_outcome_of_its_views(tmp_path):
    for _ in range(2):  # a view written a moment late is not late every time
        notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in CELLS])
        client = NotebookClient(notebook, timeout=120, resources={"metadata": {"path": tmp_path}})
        client.execute()
        assert notebook.cells[4].outputs[0]["data"]["text/plain"] == "12"

        graphs = [
            state for state in _views(notebook)["AnyModel"] if state.get("graph", {}).get("run_id")
        ]
        # The builder's run shows its graph too.
        assert sorted(len(g["states"]) for g in graphs) == [2, 5]
        for graph in graphs:
            assert set(graph["states"].values()) == {"SUCCESS"}, graph["states"]
            assert graph["summary"]["finished"] and graph["summary"]["done"] == len(graph["states"])
            assert set(graph["spans"]) == set(graph["states"])  # the timeline's bars
        [builder] = [s for s in _views(notebook)["AnyModel"] if "run_status" in s]
        assert builder["run_status"]["state"] == "done" and builder["run_status"]["value_repr"] == "7"
        assert "redis://" not in json.dumps(notebook.metadata["widgets"])
