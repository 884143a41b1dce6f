"""Strict loading: a malformed input gets one CanvasError naming the node; nothing else escapes."""

import datetime
import json

import pytest
from celery import chain
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import canvas_widgets as cw
from canvas_widgets.demo import add, app


def _task(name="canvas_widgets.demo.add", *args, **extra):
    return {"task": name, "args": list(args), "kwargs": {}, "options": {}, **extra}


def _chain(*tasks):
    return {"task": "celery.chain", "subtask_type": "chain", "kwargs": {"tasks": list(tasks)}}


def _chord(header, body):
    return {
        "task": "celery.chord",
        "subtask_type": "chord",
        "kwargs": {"header": header, "body": body},
    }


@pytest.mark.parametrize(
    ("d", "path", "fragment"),
    [
        (7, "canvas", "expected a signature dict, got int 7"),
        ({"task": ""}, "task", "'task' must be a non-empty string"),
        ({"args": [1]}, "task", "'task' must be a non-empty string, got NoneType"),
        ({"task": "a", "subtask_type": "bogus"}, "canvas", "unknown subtask_type 'bogus'"),
        ({"task": "a", "kwarg": {}}, "canvas", "unknown key(s) 'kwarg'"),
        ({"task": "a", "args": "12"}, "task.args", "expected a list, got str"),
        ({"task": "a", "kwargs": [1]}, "task.kwargs", "expected a dict, got list"),
        ({"task": "a", "kwargs": {1: 2}}, "task.kwargs", "keys must be strings"),
        ({"task": "a", "immutable": "yes"}, "task.immutable", "expected true or false"),
        ({"task": "a", "args": [{1, 2}]}, "task.args", "not JSON-serialisable"),
        ({"task": "a", "args": [float("nan")]}, "task.args", "not JSON-serialisable"),
        (
            _chain(_task(), _task(), _chord([_task(), 3], _task())),
            "chain.tasks[2].header[1]",
            "got int 3",
        ),
        (
            _chain(_task(), {"task": "x", "options": {"link": [5]}}),
            "chain.tasks[1].options.link[0]",
            "got int 5",
        ),
        (
            {"task": "celery.group", "subtask_type": "group", "kwargs": {}},
            "group.kwargs",
            "needs 'tasks'",
        ),
        (
            {"task": "celery.group", "subtask_type": "group", "kwargs": {"tasks": 3}},
            "group.tasks",
            "got int 3",
        ),
        (
            {"task": "tasks.add", "subtask_type": "group", "kwargs": {"tasks": []}},
            "group",
            "has task 'celery.group'",
        ),
        ({**_chain(_task()), "args": [1]}, "chain.args", "takes no args of its own"),
        (_chord(_chain(_task()), _task()), "chord.header", "list of signatures or a group"),
        (_chord([_task()], "tsum"), "chord.body", "expected a signature dict, got str"),
        (
            {"task": "celery.chunks", "kwargs": {"task": _task(), "it": [[1, 2]], "n": 0}},
            "chunks.n",
            ">= 1",
        ),
        (
            {"task": "celery.chunks", "kwargs": {"task": _task(), "it": [1], "n": 2}},
            "chunks.it[0]",
            "list of arguments",
        ),
        (
            {"task": "celery.starmap", "kwargs": {"task": _task(), "it": "ab"}},
            "starmap.it",
            "expected a list",
        ),
        (
            {"task": "celery.map", "kwargs": {"task": _chain(_task()), "it": []}},
            "map.task",
            "not a chain",
        ),
        (
            {"task": "celery.map", "kwargs": {"task": _task(), "it": [], "n": 1}},
            "map.kwargs",
            "has no 'n'",
        ),
    ],
)
def test_malformed_input_names_the_node(d, path, fragment):
    with pytest.raises(cw.CanvasError) as info:
        cw.from_dict(d, app)
    assert info.value.path == path
    assert fragment in str(info.value)
    assert isinstance(info.value, ValueError)
    # validate reports the same as one problem instead of raising
    problems = cw.validate(d, app)
    assert [(p.path, p.code) for p in problems] == [(path, "malformed")]


# --- property-based: random and mutated dicts either load or raise CanvasError, nothing else ---

json_leaf = (
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5)
)
json_value = st.recursive(
    json_leaf,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=8,
)
task_names = st.sampled_from(
    ["canvas_widgets.demo.add", "canvas_widgets.demo.tsum", "canvas_widgets.demo.mul", "no.such"]
)


def _task_strategy():
    return st.builds(
        lambda name, args, immutable, countdown: {
            "task": name,
            "args": args,
            "kwargs": {},
            "options": {"countdown": countdown} if countdown is not None else {},
            "subtask_type": None,
            "immutable": immutable,
        },
        task_names,
        st.lists(st.integers(-5, 5), max_size=3),
        st.booleans(),
        st.none() | st.integers(0, 5),
    )


def _containers(children):
    chains = st.lists(children, max_size=3).map(lambda ts: _chain(*ts))
    groups = st.lists(children, max_size=3).map(
        lambda ts: {"task": "celery.group", "subtask_type": "group", "kwargs": {"tasks": ts}}
    )
    chords = st.tuples(st.lists(children, max_size=3), children | st.none()).map(
        lambda hb: _chord(*hb)
    )
    maps = st.tuples(
        _task_strategy(), st.lists(st.lists(st.integers(0, 3), max_size=3), max_size=3)
    ).map(lambda ti: {"task": "celery.starmap", "kwargs": {"task": ti[0], "it": ti[1]}})
    return chains | groups | chords | maps


canvas_dicts = st.recursive(_task_strategy(), _containers, max_leaves=10)


def _mutate(d, path, junk):
    """Replace the value at one path inside d (a list of keys/indexes) with junk."""
    if not path:
        return junk
    head, *rest = path
    if isinstance(d, dict) and d:
        key = list(d)[head % len(d)]
        return {**d, key: _mutate(d[key], rest, junk)}
    if isinstance(d, list) and d:
        i = head % len(d)
        return [*d[:i], _mutate(d[i], rest, junk), *d[i + 1 :]]
    return junk


def _loads_or_canvas_error(d):
    try:
        sig = cw.from_dict(d, app)
    except cw.CanvasError:
        return None
    return sig


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(json_value)
def test_random_json_loads_or_raises_canvas_error(d):
    _loads_or_canvas_error(d)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(canvas_dicts, st.lists(st.integers(0, 50), max_size=6), json_value)
def test_mutated_canvas_dicts_load_or_raise_canvas_error(d, path, junk):
    _loads_or_canvas_error(_mutate(d, path, junk))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(canvas_dicts)
def test_well_formed_canvas_dicts_round_trip_and_check_cleanly(d):
    sig = cw.from_dict(d, app)
    out = cw.to_dict(sig)
    assert cw.to_dict(cw.from_dict(json.loads(json.dumps(out)), app)) == out
    problems = cw.validate(out, app)  # must not raise, whatever the shape
    if not any(p.severity == "error" for p in problems):
        graph = cw.workflow_graph(out, app)
        assert all(len(node) == 36 for node in graph)


def test_a_list_of_tasks_or_bytes_in_a_task_say_what_and_where():
    with pytest.raises(cw.CanvasError, match=r"^canvas: expected .* \(several tasks: a group or"):
        cw.to_dict([add.s(1, 1), add.s(2, 2)])
    with pytest.raises(cw.CanvasError, match=r"^chain.tasks\[1\].args\[0\]: bytes b'x' cannot go"):
        cw.to_dict(chain(add.s(1, 1), add.s(b"x")))


def test_values_json_cannot_hold_are_an_error_of_validate_that_names_them():
    # Celery's own JSON sends a date or a Decimal; a canvas dict (JSON, what the builder edits
    # and a run records) cannot hold them. validate() says so, where, as run() would refuse.
    canvas = chain(add.s(1, 1), add.s(y={"day": datetime.date(2026, 1, 2)}))
    [problem] = cw.validate(canvas, app)
    assert (problem.path, problem.severity, problem.code) == (
        "chain.tasks[1].kwargs.y.day",
        "error",
        "not-json",
    )
    assert problem.message.startswith("date datetime.date(2026, 1, 2) cannot go in a canvas dict")
    with pytest.raises(cw.CanvasError, match=r"^chain\.tasks\[1\]\.kwargs\.y\.day: date"):
        cw.run(canvas, app=app)  # refused before anything is sent
    # A datetime eta is written as the text Celery sends: not refused.
    assert cw.validate(add.s(1, 1).set(eta=datetime.datetime(2030, 1, 1)), app) == []


def test_run_refuses_what_is_not_a_celery_app():
    with pytest.raises(TypeError, match="app must be a Celery app, not str 'app'"):
        cw.run(add.s(1, 1), app="app")
