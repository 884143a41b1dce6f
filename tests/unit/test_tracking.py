"""Reading a run's states from the result backend (tracking.fetch_states, WorkflowRun._settle),
on Celery's in-memory cache backend: no server."""

from __future__ import annotations

import tracemalloc
import uuid

from celery import Celery, chain

import canvas_widgets as cw
from canvas_widgets.demo import add, fail
from canvas_widgets.run import WorkflowRun
from canvas_widgets.tracking import bounded_repr, fetch_states
from canvas_widgets.widgets.result_graph import ResultGraph


def _app() -> Celery:
    return Celery(
        "cw-tracking", broker="memory://", backend="cache+memory://", set_as_current=False
    )


def test_fetch_states_reads_a_backend_whose_mget_answers_only_the_keys_it_has():
    app = _app()  # memcached's get_multi: a dict of the keys found, not a list in key order
    stored = str(uuid.uuid4())
    app.backend.store_result(stored, 3, "SUCCESS")

    metas = fetch_states(app, [str(uuid.uuid4()), stored, str(uuid.uuid4())])

    assert list(metas) == [stored]
    assert metas[stored]["status"] == "SUCCESS" and metas[stored]["result"] == 3


def test_a_done_run_reads_the_backend_once_whoever_asks():
    app = _app()
    run = WorkflowRun(app, cw.freeze(chain(add.si(1, 1), fail.si(), add.si(2, 2)), app), "r1")
    first, failing, third = run.task_ids
    reads = []
    reconcile = run.reconcile
    run.reconcile = lambda: (reads.append(1), reconcile())  # type: ignore[method-assign]
    assert not run._settle()  # not done: nothing read

    with run._lock:
        run._move(first, "SUCCESS")
        run._move(failing, "FAILURE")
    # Celery stores FAILURE for the later step just before the failure's event.
    app.backend.store_result(third, RuntimeError("boom"), "FAILURE")
    assert run.states[third] == "PENDING"

    assert run._settle()
    assert run.states[third] == "FAILURE"
    widget = ResultGraph(run)  # the widget, and wait(), find it read already
    try:
        assert widget.summary["finished"] and widget.summary["failed"] == 2
    finally:
        widget.close()
    assert run._settle()
    assert len(reads) == 1


def test_a_bounded_repr_is_a_cut_repr_and_never_makes_the_whole_of_one():
    value = {"rows": [{"id": i, "name": f"row {i}", "tags": ("a", "b")} for i in range(200_000)]}
    tracemalloc.start()
    try:
        text = bounded_repr(value, 2000)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert text == repr(value)[:1999] + "…"
    assert peak < 100_000  # repr(value) is 11 MB of text
    small = [(1,), {2}, frozenset(), {"k": b"v"}, "it's", None, 1.5]
    assert bounded_repr(small, 200) == repr(small)
