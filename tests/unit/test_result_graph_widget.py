"""The result graph widget without a cluster: its payload, its deltas and their size, its
replies to the view, and the details as text. A WorkflowRun is made directly (nothing is
published) and its states are moved by hand, as the event monitor would."""

from __future__ import annotations

import gc
import json
import re
import threading
import time
import uuid
import weakref

import pytest
from celery import Celery, chain, chord, group
from celery.utils.serialization import UnpickleableExceptionWrapper

import canvas_widgets as cw
from canvas_widgets.demo import add, fail, mul, on_error, tsum
from canvas_widgets.result_view import (
    DETAIL_LIMIT,
    FULL_DETAIL_LIMIT,
    delta_message,
    details_text,
    graph_payload,
    message_bytes,
    run_summary,
    timeline_spans,
)
from canvas_widgets.run import WorkflowRun
from canvas_widgets.tracking import _EVENT_STATES
from canvas_widgets.widgets.result_graph import ResultGraph

XSS = "<img src=x onerror=alert(1)>"


@pytest.fixture
def app() -> Celery:
    # A chord-capable backend in memory: enough to freeze; nothing is ever published.
    return Celery("cw-test", broker="memory://", backend="cache+memory://", set_as_current=False)


def make_run(app: Celery, canvas) -> WorkflowRun:
    return WorkflowRun(app, cw.freeze(canvas, app), run_id=str(uuid.uuid4()))


def worker_event(run: WorkflowRun, task_id: str, kind: str, worker: str, stamp: float, **fields):
    """Hand the run a worker's task event (``task-started``, ...) as the event monitor does."""
    fields.update(type=kind, uuid=task_id, hostname=worker, timestamp=stamp)
    run._apply_event(_EVENT_STATES[kind], fields)


def move(run: WorkflowRun, changes: dict[str, str]) -> None:
    """Move task states as the event monitor does, then flush them to the callbacks."""
    with run._lock:
        for task_id, state in changes.items():
            run._move(task_id, state)
    run._flush()


class Recorder:
    """Stands in for the comm: what the widget sends, and a way to wait for it."""

    def __init__(self, widget: ResultGraph):
        self.messages: list[dict] = []
        self._cond = threading.Condition()
        widget.send = self.send  # type: ignore[method-assign]

    def send(self, content: dict, buffers: object = None) -> None:
        with self._cond:
            self.messages.append(content)
            self._cond.notify_all()

    def of_type(self, kind: str) -> list[dict]:
        with self._cond:
            return [m for m in self.messages if m.get("type") == kind]


def ask(widget: ResultGraph, recorder: Recorder, **content) -> dict:
    request_id = uuid.uuid4().hex
    widget._on_custom_msg(widget, {"request_id": request_id, **content}, [])
    (reply,) = [m for m in recorder.of_type("reply") if m["request_id"] == request_id]
    return reply


def wait_until(condition, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.02)  # polling interval: the loop checks the real state


# --- the payload -----------------------------------------------------------------------------


def test_payload_is_the_frozen_structure_without_args(app):
    canvas = chain(add.s(1, 1), group(add.s(1) | mul.s(2), mul.s(3)), tsum.s())
    run = make_run(app, canvas)
    payload = graph_payload(run.to_networkx(), run_id=run.id)
    assert [n["id"] for n in payload["nodes"]] == run.task_ids
    assert payload["run_id"] == run.id
    assert {tuple(sorted(n)) for n in payload["nodes"]} == {
        ("callback", "container", "id", "kind", "label", "name", "path")
    }
    assert payload["containers"]["chain.tasks[1]"] == {
        "kind": "chord",
        "label": "chord",
        "parent": "chain",
        "id": payload["containers"]["chain.tasks[1]"]["id"],
    }
    assert payload["containers"]["chain.tasks[1].header[0]"]["parent"] == "chain.tasks[1].header"
    assert sorted(e["kind"] for e in payload["edges"]) == ["chain"] * 3 + ["chord"] * 2
    # Args and results are not synced; labels are short text.
    text = json.dumps(payload)
    assert '"args"' not in text and '"result"' not in text
    assert [n["label"] for n in payload["nodes"]][:2] == ["add(1, 1)", "add(1)"]


def test_widget_syncs_graph_states_and_summary_and_nothing_secret(app):
    app.conf.broker_url = "redis://:hunter2@example.invalid:6379/0"
    run = make_run(app, chord([add.s(i, i) for i in range(3)], tsum.s()))
    widget = ResultGraph(run)
    try:
        state = widget.get_state()
        assert set(state) >= {"graph", "states", "summary"}
        assert state["states"] == dict.fromkeys(run.task_ids, "PENDING")
        assert state["summary"]["total"] == 4 and state["summary"]["finished"] is False
        dumped = json.dumps({k: state[k] for k in ("graph", "states", "summary")})
        assert "hunter2" not in dumped and "redis://" not in dumped
    finally:
        widget.close()


def test_constructor_rejects_what_it_cannot_show(app):
    with pytest.raises(TypeError, match="WorkflowRun"):
        ResultGraph(add.s(1, 1))  # type: ignore[arg-type]
    run = make_run(app, add.s(1, 1))
    with pytest.raises(TypeError, match="colour"):
        ResultGraph(run, colour="red")


# --- deltas ----------------------------------------------------------------------------------


def test_state_changes_reach_the_view_as_small_deltas(app):
    run = make_run(app, chord([add.s(i, i) for i in range(3)], tsum.s()))
    widget = ResultGraph(run)
    recorder = Recorder(widget)
    try:
        first, *_ = run.task_ids
        move(run, {first: "STARTED"})
        move(run, {first: "SUCCESS"})
        deltas = recorder.of_type("states")
        assert deltas == [
            {"type": "states", "changes": {first: "STARTED"}},
            {"type": "states", "changes": {first: "SUCCESS"}},
        ]
        # The trait is not rewritten for every change: it is the display-time snapshot.
        assert widget.states[first] == "PENDING"
    finally:
        widget.close()


def test_bytes_per_state_change_on_the_comm():
    ids = [str(uuid.uuid4()) for _ in range(1000)]
    one = message_bytes(delta_message({ids[0]: "SUCCESS"}))
    batch = message_bytes(delta_message(dict.fromkeys(ids, "SUCCESS")))
    print(f"delta content: {one} B for one change, {batch / 1000:.1f} B per change in 1,000")
    assert one <= 200
    assert batch / 1000 <= 200


def test_a_snapshot_request_answers_with_the_current_states(app):
    run = make_run(app, chord([add.s(i, i) for i in range(2)], tsum.s()))
    widget = ResultGraph(run)
    recorder = Recorder(widget)
    try:
        first = run.task_ids[0]
        move(run, {first: "FAILURE"})
        reply = ask(widget, recorder, type="snapshot")
        assert reply["ok"] is True
        assert reply["states"][first] == "FAILURE"
        assert reply["summary"]["failed"] == 1
    finally:
        widget.close()


def test_when_the_run_is_over_the_traits_hold_the_outcome(app):
    run = make_run(app, add.s(1, 1) | mul.s(2))
    widget = ResultGraph(run)
    widget.progress_interval = 0.02
    try:
        move(run, dict.fromkeys(run.task_ids, "SUCCESS"))
        wait_until(lambda: widget.summary.get("finished"))
        assert widget.states == dict.fromkeys(run.task_ids, "SUCCESS")
        assert widget.summary["done"] == 2 and widget.summary["elapsed"] >= 0
    finally:
        widget.close()


def test_the_final_elapsed_time_ends_with_the_last_task_not_the_tick_that_saw_it(app):
    run = make_run(app, add.s(1, 1) | mul.s(2))
    widget = ResultGraph(run)
    widget.progress_interval = 0.3  # ticks well after the tasks' events
    try:
        for task_id, offset in zip(run.task_ids, (0.05, 0.125), strict=True):
            event = {"type": "task-succeeded", "uuid": task_id, "result": 2}
            run._apply_event("SUCCESS", {**event, "timestamp": run.started_at + offset})
        wait_until(lambda: widget.summary.get("finished"))
        assert widget.summary["elapsed"] == 0.125
    finally:
        widget.close()


def test_progress_of_running_tasks_is_sent(app):
    run = make_run(app, add.s(1, 1))
    widget = ResultGraph(run)
    widget.progress_interval = 0.02
    recorder = Recorder(widget)
    try:
        (task_id,) = run.task_ids
        run._apply_event(
            "PROGRESS",
            {
                "type": "task-progress",
                "uuid": task_id,
                "current": 3,
                "total": 10,
                "timestamp": time.time(),
            },
        )
        wait_until(lambda: recorder.of_type("progress"))
        assert recorder.of_type("progress")[0]["values"] == {task_id: [3, 10]}
    finally:
        widget.close()


# --- details and actions ---------------------------------------------------------------------


def test_details_are_text_and_cut_with_a_way_to_all_of_it(app):
    run = make_run(app, add.s("x" * 1500, XSS))
    widget = ResultGraph(run)
    recorder = Recorder(widget)
    try:
        (task_id,) = run.task_ids
        run._info[task_id].update(
            traceback="Traceback\n" + "  frame\n" * 400 + "ValueError: boom",
            started_at=1.5,
            runtime=0.25,
            retries=0,
        )
        reply = ask(widget, recorder, type="details", task_id=task_id)
        assert reply["ok"] is True
        details = reply["details"]
        assert all(isinstance(v, str) for v in details.values())
        assert details["name"] == "canvas_widgets.demo.add" and details["state"] == "PENDING"
        assert len(details["args"]) == DETAIL_LIMIT and XSS not in details["args"]
        assert details["traceback"].endswith("ValueError: boom")  # a traceback keeps its end
        assert details["started_at"] == "1970-01-01T00:00:01.500000+00:00"
        assert details["runtime"] == "0.25" and details["retries"] == "0"
        assert set(reply["truncated"]) == {"args", "traceback"}
        full = ask(widget, recorder, type="details", task_id=task_id, full=True)
        assert full["truncated"] == [] and XSS in full["details"]["args"]
        missing = ask(widget, recorder, type="details", task_id="nope")
        assert missing["ok"] is False and "nope" in missing["error"]
    finally:
        widget.close()


def test_a_task_that_succeeded_after_retrying_shows_no_earlier_error(app):
    run = make_run(app, add.s(1, 1))
    widget = ResultGraph(run)
    recorder = Recorder(widget)
    try:
        (task_id,) = run.task_ids
        retried = {
            "type": "task-retried",
            "uuid": task_id,
            "exception": "RuntimeError('attempt 1 failed')",
            "traceback": "Traceback (most recent call last):\n...",
            "timestamp": time.time(),
        }
        run._apply_event("RETRY", retried)
        assert "attempt 1 failed" in run.info(task_id)["exception"]  # while it retries
        received = {"type": "task-received", "uuid": task_id, "retries": 1}
        run._apply_event("RECEIVED", {**received, "timestamp": time.time()})
        succeeded = {"type": "task-succeeded", "uuid": task_id, "result": 2}
        run._apply_event("SUCCESS", {**succeeded, "timestamp": time.time()})
        run._apply_event("RETRY", retried)  # a task-retried event may come late
        details = ask(widget, recorder, type="details", task_id=task_id)["details"]
        assert details["state"] == "SUCCESS" and details["result"] == "2"
        assert details["retries"] == "1" and "retried_at" in details
        assert "exception" not in details and "traceback" not in details
    finally:
        widget.close()


def test_each_attempt_of_a_retried_task_is_its_own_bar_and_listed_in_its_details(app):
    run = make_run(app, add.s(1, 1))
    widget = ResultGraph(run)
    recorder = Recorder(widget)
    try:
        (task_id,) = run.task_ids

        def event(kind, worker, stamp, **fields):
            worker_event(run, task_id, kind, worker, stamp, **fields)

        # As measured with two workers: the second attempt is received before the first
        # attempt's task-retried event arrives.
        event("task-received", "w1@h", 1.0, retries=0)
        event("task-started", "w1@h", 1.1)
        event("task-received", "w2@h", 1.2, retries=1)
        event("task-retried", "w1@h", 1.3, exception="RuntimeError('attempt 1 failed')")
        assert run.info(task_id)["worker"] == "w2@h"  # where the task is now
        event("task-started", "w2@h", 1.4)
        move(run, {})
        (delta,) = recorder.of_type("states")
        # The running attempt is open, not ended by the earlier attempt's retry.
        assert delta["spans"][task_id] == ["w2@h", 1.4, None, [["w1@h", 1.1, 1.3, "RETRY"]]]
        event("task-succeeded", "w2@h", 1.6, result=2)
        details = ask(widget, recorder, type="details", task_id=task_id)["details"]
        assert details["worker"] == "w2@h" and details["state"] == "SUCCESS"
        assert details["attempts"] == (
            "1. RETRY on w1@h, started 1970-01-01T00:00:01.100000+00:00, ran 0.2 s: "
            "RuntimeError('attempt 1 failed')"
        )
        snapshot = ask(widget, recorder, type="snapshot")
        assert snapshot["spans"][task_id] == ["w2@h", 1.4, 1.6, [["w1@h", 1.1, 1.3, "RETRY"]]]
    finally:
        widget.close()


def test_the_late_end_of_an_earlier_attempt_changes_neither_state_nor_fields(app):
    run = make_run(app, add.s(1, 1))
    (task_id,) = run.task_ids

    # No countdown: the second attempt starts on w2 before w1's task-retried comes in.
    worker_event(run, task_id, "task-started", "w1@h", 1.0)
    worker_event(run, task_id, "task-started", "w2@h", 1.2)
    failed = "RuntimeError('attempt 1 failed')"
    worker_event(run, task_id, "task-retried", "w1@h", 1.1, exception=failed)

    assert run.states[task_id] == "STARTED"  # not back to RETRY: w2 runs it
    info = run.info(task_id)
    assert (info["worker"], info["started_at"]) == ("w2@h", 1.2)
    assert "exception" not in info and "retried_at" not in info
    (earlier,) = info["attempts"]
    assert earlier["state"] == "RETRY" and "attempt 1" in earlier["exception"]


def test_a_task_whose_end_event_was_lost_has_its_bar_end_when_the_backend_says(app):
    run = make_run(app, add.s(1, 1))
    (task_id,) = run.task_ids
    worker_event(run, task_id, "task-started", "w1@h", 10.0)
    # No task-succeeded event ever comes: the backend's record says it is done, and when.
    run._merge_metas(
        {task_id: {"status": "SUCCESS", "result": 2, "date_done": "1970-01-01T00:00:12"}}
    )

    assert run.states[task_id] == "SUCCESS"
    assert timeline_spans(run, [task_id]) == {task_id: ["w1@h", 10.0, 12.0]}  # not open


def test_a_bar_whose_events_come_after_the_backend_told_the_state_still_reaches_the_view(app):
    run = make_run(app, add.s(1, 1))
    (task_id,) = run.task_ids
    widget = ResultGraph(run)
    recorder = Recorder(widget)
    try:
        run._merge_metas({task_id: {"status": "SUCCESS", "result": 2}})  # events lagging
        run._flush()
        wait_until(lambda: recorder.of_type("states"))
        (first,) = recorder.of_type("states")
        assert first["changes"] == {task_id: "SUCCESS"} and "spans" not in first
        worker_event(run, task_id, "task-started", "w1@h", 1.0)
        worker_event(run, task_id, "task-succeeded", "w1@h", 2.0)
        run._flush()
        wait_until(lambda: len(recorder.of_type("states")) == 2)
        second = recorder.of_type("states")[1]
        assert second["changes"] == {task_id: "SUCCESS"}  # the same state, again
        assert second["spans"] == {task_id: ["w1@h", 1.0, 2.0]}  # with its bar
    finally:
        widget.close()


def test_details_text_bounds_even_the_full_text():
    texts, cut = details_text({"result": "y" * (FULL_DETAIL_LIMIT + 10)}, full=True)
    assert len(texts["result"]) == FULL_DETAIL_LIMIT and cut == ["result"]
    texts, _ = details_text({"progress": {"current": 1, "total": 2}, "eta": None})
    assert texts == {"progress": '{"current": 1, "total": 2}', "eta": ""}


def test_argsrepr_and_kwargsrepr_stand_in_for_the_arguments_they_hide(app, tmp_path):
    # Celery's way to keep arguments out of sight (events, Flower): the options' text replaces
    # the values in the synced graph, the details, the deltas and the exports.
    secret, pin = "4111-1111-1111-1111", "20981"
    canvas = chain(
        add.s(secret, "x").set(argsrepr="('<card>', 'x')"),
        add.s(y=pin).set(kwargsrepr="{'y': '<pin>'}"),
        add.s("-"),
    )
    run = make_run(app, canvas)
    widget = ResultGraph(run)
    recorder = Recorder(widget)
    try:
        labels = [n["label"] for n in widget.graph["nodes"]]
        assert labels == ["add('<card>', 'x')", "add(**{'y': '<pin>'})", "add('-')"]
        first, second, _ = run.task_ids
        move(run, {first: "SUCCESS", second: "STARTED"})
        wait_until(lambda: recorder.of_type("states"))
        details = [
            ask(widget, recorder, type="details", task_id=t)["details"] for t in run.task_ids
        ]
        assert details[0]["args"] == "('<card>', 'x')" and details[0]["kwargs"] == "{}"
        assert details[1]["args"] == "()" and details[1]["kwargs"] == "{'y': '<pin>'}"
        assert details[2]["args"] == "('-',)"  # no options: the values, as Celery writes them
        shown = json.dumps([widget.get_state(), recorder.messages]) + run.to_dot()
        shown += run.to_html(tmp_path / "run.html").read_text()
        assert secret not in shown and pin not in shown
        assert "<card>" in run.to_dot()
    finally:
        widget.close()
    preview = ResultGraph.preview(canvas)
    recorder = Recorder(preview)
    try:
        asked = [
            ask(preview, recorder, type="details", task_id=n["id"]) for n in preview.graph["nodes"]
        ]
        shown = json.dumps([preview.get_state(), asked])
        assert "<card>" in shown and "<pin>" in shown
        assert secret not in shown and pin not in shown
    finally:
        preview.close()


def test_unknown_requests_and_preview_actions_get_an_error_reply():
    widget = ResultGraph.preview(chord([add.s(1, 1), fail.si()], tsum.s()))
    recorder = Recorder(widget)
    try:
        assert ask(widget, recorder, type="bogus")["error"] == "unknown request type 'bogus'"
        retry = ask(widget, recorder, type="retry", task_id=widget.graph["nodes"][1]["id"])
        assert retry["ok"] is False and "preview" in retry["error"]
        revoke = ask(widget, recorder, type="revoke")
        assert revoke["ok"] is False and "preview" in revoke["error"]
        task_id = widget.graph["nodes"][1]["id"]
        details = ask(widget, recorder, type="details", task_id=task_id)["details"]
        assert details["name"] == "canvas_widgets.demo.fail" and details["state"] == "PENDING"
        assert widget.graph["run_id"] is None
    finally:
        widget.close()


def test_a_10000_task_group_previews_without_running():
    widget = ResultGraph.preview(group(add.si(i, i) for i in range(10_000)))
    try:
        assert len(widget.graph["nodes"]) == 10_000
        assert widget.summary["counts"]["PENDING"] == 10_000
        assert list(widget.graph["containers"]) == ["group"]
    finally:
        widget.close()


def test_run_summary_counts_and_elapsed():
    s = run_summary({"a": "SUCCESS", "b": "REVOKED"}, 100.0, 250.0, True, finished_at=103.0)
    assert s["done"] == 2 and s["elapsed"] == 3.0 and s["finished"] is True
    assert run_summary({}, None, 1.0, False)["elapsed"] is None


def test_workflow_run_graph_is_made_once(app):
    run = make_run(app, add.s(1, 1))
    widget = run.graph
    try:
        assert isinstance(widget, ResultGraph) and run.graph is widget
        assert widget.run is run
    finally:
        widget.close()


def test_deltas_carry_timeline_spans_of_started_tasks(app):
    run = make_run(app, add.s(1, 1) | mul.s(2))
    first, second = run.task_ids
    widget = ResultGraph(run)
    recorder = Recorder(widget)
    try:
        worker_event(run, first, "task-started", "w1@h", 10.0)
        worker_event(run, first, "task-succeeded", "w1@h", 10.5)
        move(run, {second: "SENT"})
        (delta,) = recorder.of_type("states")
        assert delta["spans"] == {first: ["w1@h", 10.0, 10.5]}  # the unstarted one has none
        snapshot = ask(widget, recorder, type="snapshot")
        assert snapshot["spans"] == {first: ["w1@h", 10.0, 10.5]}
        assert snapshot["run_id"] == run.id
    finally:
        widget.close()


def test_retry_of_a_run_still_going_is_refused_with_a_reply(app):
    run = make_run(app, add.s(1, 1) | fail.si())
    widget = ResultGraph(run)
    recorder = Recorder(widget)
    try:
        reply = ask(widget, recorder, type="retry", task_id=run.task_ids[1])
        assert reply["ok"] is False and "still going" in reply["error"]
        assert widget.run is run
    finally:
        widget.close()


def test_revoke_from_a_task_not_of_the_run_or_with_a_bad_terminate_is_refused(app):
    run = make_run(app, add.s(1, 1) | mul.s(2))
    widget = ResultGraph(run)
    recorder = Recorder(widget)
    try:
        for task_id in ("not-a-task", 3):
            reply = ask(widget, recorder, type="revoke", task_id=task_id)
            assert reply["ok"] is False
            assert reply["error"] == f"no task {task_id!r} in this workflow"
        reply = ask(widget, recorder, type="revoke", task_id=run.task_ids[0], terminate="yes")
        assert reply["ok"] is False
        assert reply["error"] == "terminate must be true or false, not 'yes'"
        assert run.states == dict.fromkeys(run.task_ids, "PENDING")  # nothing revoked
    finally:
        widget.close()


def test_the_summary_counts_the_tasks_that_will_never_run(app):
    errback = on_error.s()  # sent as a task (add.si(0, 0) would be called inside the worker)
    run = make_run(app, chain(add.si(1, 1), fail.si(), add.si(2, 2).set(link_error=errback)))
    first, failing, third, errback_id = run.task_ids  # an errback comes after its task
    move(run, {first: "SUCCESS", failing: "FAILURE"})
    # The step after the failure, and its errback: Celery calls none for a step never run.
    assert run.never_run() == {third, errback_id}
    assert run.info(errback_id)["not_run"] == (
        "will not run: the task it is the errback of never ran (no errback is called)"
    )
    widget = ResultGraph(run)
    try:
        # Neither was marked by Celery here (no worker): both still PENDING.
        assert widget.summary["finished"] and widget.summary["not_run"] == {"PENDING": 2}
    finally:
        widget.close()

    run = make_run(app, add.si(1, 1).set(link_error=errback))
    task_id, errback_id = run.task_ids
    move(run, {task_id: "SUCCESS"})
    assert run.never_run() == {errback_id}
    widget = ResultGraph(run)
    try:
        assert widget.summary["finished"] and widget.summary["not_run"] == {"PENDING": 1}
    finally:
        widget.close()


def test_an_errback_called_inside_the_worker_is_not_waited_for(app):
    run = make_run(app, fail.si().set(link_error=add.si(0, 0)))
    failing, errback = run.task_ids
    move(run, {failing: "FAILURE"})
    assert run.done  # the errback has no state to wait for: add takes (request, exc, traceback)
    assert "inside the failing task's worker" in run.info(errback)["no_state"]
    assert run.never_run() == set()  # it ran, in the worker
    assert run.ran_without_state() == {errback}
    widget = ResultGraph(run)
    try:  # the view says so: "1 failed · 1 errback ran without a state"
        assert widget.summary["finished"] and widget.summary["ran_without_state"] == 1
    finally:
        widget.close()

    # Its task succeeded: it will not run, and is said so.
    run = make_run(app, add.si(1, 1).set(link_error=add.si(0, 0)))
    task_id, errback = run.task_ids
    move(run, {task_id: "SUCCESS"})
    assert run.info(errback)["not_run"] == "will not run: the task it is the errback of succeeded"
    assert run.never_run() == {errback} and run.ran_without_state() == set()

    run = make_run(app, fail.si().set(link_error=on_error.s()))
    failing, errback = run.task_ids
    move(run, {failing: "FAILURE"})
    assert not run.done  # on_error takes the task id: sent as a task, with a state
    assert "no_state" not in run.info(errback)


def test_a_map_says_which_task_it_maps(app):
    run = make_run(app, add.starmap([(1, 1), (2, 2)]))
    [task_id] = run.task_ids
    info = run.info(task_id)
    assert info["name"] == "celery.starmap"
    assert info["maps"] == "canvas_widgets.demo.add"
    # What it maps, in place of Celery's plumbing (args (), kwargs {'task': ..., 'it': ...}),
    # also once its events brought Celery's.
    assert info["items"] == "[[1, 1], [2, 2]]" and "args" not in info and "kwargs" not in info
    run._apply_event(
        "RECEIVED",
        {
            "type": "task-received",
            "uuid": task_id,
            "timestamp": 1.0,
            "args": "()",
            "kwargs": "{'task': {...}, 'it': [[1, 1], ...]}",
        },
    )
    info = run.info(task_id)
    assert info["items"] == "[[1, 1], [2, 2]]" and "args" not in info and "kwargs" not in info
    assert run.full_values(task_id) == {"items": "[[1, 1], [2, 2]]"}


def test_an_exception_the_worker_could_not_pickle_is_shown_as_it_was_raised(app):
    # Its class takes other arguments than its args: the prefork pool sends it back wrapped,
    # and the backend holds the wrapper, whose repr names Celery's class, not the task's.
    run = make_run(app, add.s(1, 1))
    [task_id] = run.task_ids
    raised = "WeirdError('42: needs two args')"
    wrapper = UnpickleableExceptionWrapper("tasks", "WeirdError", ("42: needs two args",), raised)
    app.backend.mark_as_failure(task_id, wrapper)
    move(run, {task_id: "FAILURE"})
    assert run.full_values(task_id)["exception"] == raised


def test_run_exports_dot_with_states(app, tmp_path):
    run = make_run(app, add.s(1, 1) | mul.s(2))
    move(run, {run.task_ids[0]: "SUCCESS"})
    dot = run.to_dot()
    assert "SUCCESS" in dot and "#81c784" in dot
    page = run.to_html(tmp_path / "run.html")
    assert "vis-network" in page.read_text() and "state SUCCESS" in page.read_text()
    assert "<title>Workflow: 2 tasks · 1 PENDING, 1 SUCCESS</title>" in page.read_text()
    # A legend over the graph: each state's colour and count.
    legend = re.search(r"<div data-cw-legend.*?</div>\s*</div>", page.read_text(), re.S)[0]
    assert "Workflow: 2 tasks" in legend
    assert "background:#81c784" in legend and "SUCCESS 1" in legend and "PENDING 1" in legend


def test_a_closed_or_dropped_widget_and_its_run_are_freed(app):
    # A notebook makes many: once closed (as ipywidgets frees a widget), neither the widget
    # class nor anything global may keep them, nor the run shown.
    run = make_run(app, chord([add.si(1, 1), add.si(2, 2)], tsum.s()))
    move(run, dict.fromkeys(run.task_ids, "SUCCESS"))
    widgets = [ResultGraph(run), ResultGraph.preview(add.s(1, 1)), cw.CanvasBuilder(app)]
    refs = [weakref.ref(x) for x in (run, *widgets)]
    for widget in widgets:
        widget.close()
    del run, widgets, widget
    gc.collect()
    assert [ref() for ref in refs] == [None] * 4


def test_credentials_in_task_errors_are_masked_wherever_they_are_shown():
    url = "postgresql://tutor:db-PASS-99@db.internal/app"
    texts, _ = details_text(
        {
            "exception": f"OperationalError('could not connect to {url}')",
            "traceback": f'Traceback (most recent call last):\n  File "t.py"\nError: {url}\n',
            "attempts": [
                {
                    "worker": "w@h",
                    "started_at": 0.0,
                    "ended_at": 1.0,
                    "state": "RETRY",
                    "exception": f"OperationalError({url!r})",
                }
            ],
        }
    )
    for key in ("exception", "traceback", "attempts"):
        assert "db-PASS-99" not in texts[key] and "postgresql://<hidden>@db.internal" in texts[key]
    summary = run_summary({}, None, 0.0, False, cut_off=f"lost {url}", stuck=f"no {url}")
    assert "db-PASS-99" not in json.dumps(summary)


def test_the_cli_failure_line_masks_credentials():
    from types import SimpleNamespace

    from canvas_widgets.cli import _failure_lines

    run = SimpleNamespace(
        states={"t1": "FAILURE"},
        _graph=SimpleNamespace(nodes={"t1": {"path": "task"}}),
        info=lambda task_id: {"name": "p.load", "exception": "E('redis://:pw-77@cache:6379/0')"},
    )
    [line] = _failure_lines(run)
    assert "pw-77" not in line and "redis://<hidden>@cache" in line
