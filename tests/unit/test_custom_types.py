"""A canvas type of one's own (canvas_widgets.custom_types), with the tutorial's ``weave``:
loading, the canonical form, validation, the graph, Python source and the builder's trait."""

import json

import pytest
from celery import signature
from celery.canvas import Signature

import canvas_widgets as cw
from canvas_widgets.canvas import canonical, iter_tasks, kind_of
from canvas_widgets.custom_types import custom_type, custom_types
from canvas_widgets.demo import add, app, fetch, parse, summarise, tsum, xsum
from canvas_widgets.weave import weave

WITH_ITEMS = weave(xsum.s(), range(10), 4, join=xsum.s())
FROM_PREVIOUS = fetch.s("valley", "2023-07") | parse.s() | weave(summarise.s(), n=7)


@Signature.register_type(name="cw_test_opaque")
class opaque(Signature):  # registered with Celery, but says nothing of what it stands for
    pass


def problems(canvas):
    return [(p.path, p.severity, p.code) for p in cw.validate(canvas, app)]


@pytest.mark.parametrize("canvas", [WITH_ITEMS, FROM_PREVIOUS, weave.canvas_template()])
def test_round_trip_through_json_and_plain_celery(canvas):
    d = cw.to_dict(canvas)
    assert cw.to_dict(cw.from_dict(json.loads(json.dumps(d)), app)) == d
    assert cw.to_dict(signature(json.loads(json.dumps(d)), app=app)) == d


def test_loading_checks_the_slots_and_names_the_path():
    d = cw.to_dict(add.s(1, 1) | WITH_ITEMS)
    d["kwargs"]["tasks"][1]["kwargs"]["join"] = {"task": "x", "args": 7}
    with pytest.raises(cw.CanvasError) as err:
        cw.from_dict(d, app)
    assert err.value.path == "chain.tasks[1].join.args"
    d["kwargs"]["tasks"][1]["kwargs"]["join"] = None
    d["kwargs"]["tasks"][1]["kwargs"]["n"] = {1, 2}
    with pytest.raises(cw.CanvasError, match="not JSON-serialisable") as err:
        cw.from_dict(d, app)
    assert err.value.path == "chain.tasks[1].kwargs.n"


def test_a_type_without_expand_is_refused_with_a_clear_message():
    sig = opaque({"task": "t", "subtask_type": "cw_test_opaque"})
    assert custom_type("cw_test_opaque") is None
    assert [info.name for info in custom_types()] == ["weave"]
    [problem] = cw.validate(sig, app)
    assert (problem.code, problem.severity) == ("unsupported", "error")
    assert "has no expand()" in problem.message
    with pytest.raises(cw.CanvasError, match="'cw_test_opaque' is registered with Celery"):
        cw.from_dict(dict(sig), app)


def test_canonical_form_is_the_expansion_labelled_with_the_type():
    node = canonical(add.s(1, 1) | WITH_ITEMS)
    assert kind_of(node) == "chain"
    chord = node.tasks[1]
    assert (kind_of(chord), chord._cw_kind) == ("chord", "weave")
    assert [m.args for m in chord.tasks] == [([0, 1, 2, 3],), ([4, 5, 6, 7],), ([8, 9],)]
    # the chunk tasks ignore the previous step's result, as the weave itself does
    assert all(m.immutable for m in chord.tasks)


def test_without_its_items_it_stays_one_task():
    node = canonical(FROM_PREVIOUS)
    assert [kind_of(step) for step in node.tasks] == ["task", "task", "weave"]
    frozen = cw.freeze(FROM_PREVIOUS, app)
    assert [path for path, _ in iter_tasks(frozen)] == [
        "chain.tasks[0]",
        "chain.tasks[1]",
        "chain.tasks[2]",
    ]


def test_validation_of_slots_and_expansion():
    assert problems(WITH_ITEMS) == []
    assert problems(FROM_PREVIOUS) == []
    assert problems(weave.canvas_template()) == [("weave.task", "error", "empty-slot")]
    assert problems(weave(xsum.s(), n=2)) == [("weave", "error", "custom-expand")]
    [problem] = cw.validate(weave(xsum.s() | add.s(1), [1, 2], 1), app)
    assert (
        problem.message == "cannot be expanded: weave: it applies a task to each chunk, not a chain"
    )
    nope = signature("canvas_widgets.demo.xsumm")
    assert problems(add.s(1, 1) | weave(xsum.s(), [1, 2], 1, join=nope)) == [
        ("chain.tasks[1].join", "error", "unknown-task")
    ]
    [problem] = cw.validate(weave(add.s(), range(10), 4, join=tsum.s()), app)
    assert (problem.path, problem.code) == ("weave", "arity")
    assert "(in its expansion, at chord.header[0] and 2 more place(s))" in problem.message


def test_graph_draws_every_chunk_in_a_box_named_for_the_type():
    graph = cw.workflow_graph(WITH_ITEMS, app)
    containers = graph.graph["containers"].values()
    assert [(info["kind"], info["label"]) for info in containers] == [
        ("chord", "weave"),
        ("header", "header"),
    ]
    assert graph.number_of_nodes() == 4  # three chunks and the join
    assert "label=weave" in cw.to_dot(graph)
    chain_graph = cw.workflow_graph(FROM_PREVIOUS, app)
    assert [d["kind"] for _, d in chain_graph.nodes(data=True)] == ["task", "task", "weave"]


@pytest.mark.parametrize("canvas", [WITH_ITEMS, FROM_PREVIOUS])
def test_python_source_rebuilds_the_same_dict(canvas):
    source = cw.to_python(canvas)
    assert "from canvas_widgets.weave import weave" in source
    namespace: dict = {}
    exec(source, namespace)
    assert cw.to_dict(namespace["canvas"]) == cw.to_dict(canvas)


def test_builder_offers_the_type_and_loads_it():
    builder = cw.CanvasBuilder(app, canvas=add.s(1, 1) | WITH_ITEMS)
    [info] = builder.custom_types
    assert info["type"] == "weave" and info["task"] == "canvas_widgets.weave"
    assert info["slots"] == [
        {"name": "task", "required": True},
        {"name": "join", "required": False},
    ]
    assert info["template"] == cw.to_dict(weave.canvas_template())
    assert info["doc"].startswith("Split it into chunks of n")
    assert builder.problems == []
    assert "weave.from_dict(" in builder.python_source
