"""Canvas dicts in and out: the canvas guide's examples, types kept, canonical freezing."""

import datetime
import json

import pytest
from celery import Celery, chord, group, signature
from celery.canvas import _chain, chunks, xmap, xstarmap

import canvas_widgets as cw
from canvas_widgets.canvas import iter_tasks
from canvas_widgets.demo import add, app, guide_examples, mul, tsum

EXAMPLES = sorted(guide_examples())


@pytest.mark.parametrize("name", EXAMPLES)
def test_guide_example_round_trips_unchanged(name):
    canvas, _ = guide_examples()[name]
    d = cw.to_dict(canvas)
    assert cw.to_dict(cw.from_dict(d, app)) == d
    text = json.dumps(d)
    assert cw.to_dict(cw.from_dict(json.loads(text), app)) == d
    # Celery's own JSON of the object says the same, but for the types it forgets.
    celery_json = json.loads(json.dumps(canvas))
    assert cw.to_dict(cw.from_dict(celery_json, app)) == d


@pytest.mark.parametrize("name", EXAMPLES)
def test_plain_celery_reads_what_we_write(name):
    canvas, _ = guide_examples()[name]
    loaded = signature(json.loads(json.dumps(cw.to_dict(canvas))), app=app)
    assert type(loaded) is type(canvas)
    assert cw.to_dict(loaded) == cw.to_dict(canvas)


@pytest.mark.parametrize(
    ("canvas", "cls", "subtask_type"),
    [
        (add.chunks([(1, 2), (3, 4), (5, 6)], 2), chunks, "chunks"),
        (tsum.map([[1, 2], [3]]), xmap, "xmap"),
        (add.starmap([(1, 2)]), xstarmap, "xstarmap"),
    ],
)
def test_chunks_map_starmap_keep_their_type(canvas, cls, subtask_type):
    celery_json = json.loads(json.dumps(canvas))
    assert celery_json["subtask_type"] is None  # what Celery itself writes, losing the type
    assert type(signature(celery_json, app=app)).__name__ == "Signature"
    assert type(cw.from_dict(celery_json, app)) is cls  # restored from the task name
    d = cw.to_dict(canvas)
    assert d["subtask_type"] == subtask_type
    assert type(cw.from_dict(d, app)) is cls


def test_nested_types_are_kept_too():
    canvas = group(add.chunks([(1, 2)], 1), add.s(1, 1) | tsum.map([[1]]))
    loaded = cw.from_dict(json.loads(json.dumps(canvas)), app)
    assert type(loaded.tasks[0]) is chunks
    assert type(loaded.tasks[1].tasks[1]) is xmap


@pytest.mark.parametrize("name", EXAMPLES)
def test_freezing_gives_every_graph_node_an_id(name):
    canvas, _ = guide_examples()[name]
    graph = cw.workflow_graph(canvas)
    assert graph.number_of_nodes() > 0
    for node, data in graph.nodes(data=True):
        assert isinstance(node, str) and len(node) == 36, data["path"]


def test_canonical_form_names_tasks_celery_leaves_without_id():
    shape = _chain(
        [
            add.s(1, 1),
            group(add.s(1), add.s(2)),
            chord(
                [add.s(1, 1), _chain([add.s(2, 2), group(add.s(1), mul.s(2)), tsum.s()])], tsum.s()
            ),
            mul.s(3),
        ]
    )
    d = cw.to_dict(shape)
    # Celery's raw freeze insists on a chord-capable backend; the canonical form does not need one.
    chord_app = _app_with_demo_tasks("chord_app", backend="cache+memory://")
    raw = signature(json.loads(json.dumps(d)), app=chord_app)
    raw.freeze()
    raw_ids = [s.options.get("task_id") for _, s in iter_tasks(raw)]
    assert not all(raw_ids), "Celery now names every task itself: the canonical form may go"
    frozen = cw.freeze(d, chord_app)
    ids = [s.options.get("task_id") for _, s in iter_tasks(frozen)]
    assert len(ids) == 10 and all(ids) and len(set(ids)) == 10

    # Without a chord-capable backend, freezing for a run says so; a preview graph still works.
    no_backend = _app_with_demo_tasks("no_backend")
    with pytest.raises(cw.CanvasError, match="chords need a result backend"):
        cw.freeze(d, no_backend)
    assert cw.workflow_graph(d, no_backend).number_of_nodes() == 10


def _app_with_demo_tasks(name, **config):
    """A private app with the demo tasks (the demo app's own config changes when a cluster runs)."""
    private = Celery(name, set_as_current=False, **config)
    for task in (add, mul, tsum):
        private.task(task.run, name=task.name)
    return private


def test_freeze_copies_keeps_ids_and_leaves_the_input_alone():
    canvas = chord([add.s(1, 1), add.s(2, 2)], tsum.s()).set(link=mul.s(2))
    before = cw.to_dict(canvas)
    frozen = cw.freeze(canvas)
    assert cw.to_dict(canvas) == before
    again = cw.freeze(frozen)
    assert list(cw.workflow_graph(frozen)) == list(cw.workflow_graph(again))
    callback = frozen.options["link"][0]
    assert callback.options["task_id"] in cw.workflow_graph(frozen)


def test_chunks_canonical_form_is_one_task_per_chunk():
    canonical = cw.canonical(add.chunks([(i, i) for i in range(10)], 4))
    assert [len(t.kwargs["it"]) for t in canonical.tasks] == [4, 4, 2]
    assert {t.task for t in canonical.tasks} == {"celery.starmap"}


def test_to_dict_accepts_a_dict_and_checks_it():
    assert cw.to_dict({"task": "x.y"}) == {
        "task": "x.y",
        "args": [],
        "kwargs": {},
        "options": {},
        "subtask_type": None,
        "immutable": False,
    }
    with pytest.raises(cw.CanvasError):
        cw.to_dict({"task": 3})


def test_nested_groups_unroll_in_order():
    canonical = cw.canonical(group(add.s(1, 1), group(add.s(2, 2), add.s(3, 3)), mul.s(4, 4)))
    assert [t.args for t in canonical.tasks] == [(1, 1), (2, 2), (3, 3), (4, 4)]
    with_options = cw.canonical(group(add.s(1, 1), group(add.s(2, 2)).set(queue="q")))
    assert [cw.canvas.kind_of(t) for t in with_options.tasks] == ["task", "group"]


def test_an_eta_or_expiry_given_as_a_datetime_is_written_as_celery_sends_it():
    # Celery's documented form; JSON has no datetime, and Celery sends them as ISO 8601 text.
    when = datetime.datetime(2030, 5, 1, 12, 30, tzinfo=datetime.timezone.utc)
    d = cw.to_dict(add.s(1, 2).set(eta=when, expires=when))

    assert d["options"]["eta"] == d["options"]["expires"] == "2030-05-01T12:30:00+00:00"
    assert json.loads(json.dumps(d)) == d
    assert cw.from_dict(d, app).options["eta"] == "2030-05-01T12:30:00+00:00"
