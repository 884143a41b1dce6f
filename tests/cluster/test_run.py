"""run() and WorkflowRun against a real Redis server and real Celery worker processes (no mocks).

Every test reads real outcomes: the values Celery returns, the states the run shows, and what
the result backend and the broker really hold.
"""

from __future__ import annotations

import concurrent.futures
import gc
import json
import os
import signal
import socket
import time
import uuid
import warnings
import weakref

import networkx as nx
import pytest
import redis
from billiard.exceptions import WorkerLostError
from celery import Celery, chain, chord, group
from celery.exceptions import ChordError, TaskRevokedError
from celery.result import AsyncResult

import canvas_widgets as cw
from canvas_widgets.cluster import LocalCluster
from canvas_widgets.demo import (
    add,
    count,
    fail,
    flaky,
    guide_examples,
    mul,
    on_error,
    sleep,
    sleep_acked,
    stages,
    tsum,
    xsum,
)
from canvas_widgets.demo import app as demo_app
from canvas_widgets.graph import frozen_graph
from canvas_widgets.result_view import timeline_spans
from canvas_widgets.run import (
    BrokerUnreachable,
    RunCutOff,
    UnsupportedBackend,
    WorkerLost,
    WorkflowRun,
)
from canvas_widgets.tracking import EventMonitor

from .waiting import wait_until

# Client-side writes to the Redis backend (revoke() marks unsent tasks REVOKED) go through
# celery 5.7's use of redis-py's setex, which redis-py 8 deprecates.
pytestmark = [
    pytest.mark.cluster,
    pytest.mark.filterwarnings("ignore:Call to deprecated setex:DeprecationWarning"),
]


@pytest.fixture(scope="module", autouse=True)
def _clean_up_before_the_cluster_stops(cluster: LocalCluster):
    """Stop this module's event monitor, and collect its results, while Redis still runs.

    Celery's group and chord results live in reference cycles. One collected after its Redis
    stopped retries the connection for ~20 s in ``AsyncResult.__del__`` and then raises there,
    which can crash pytest's own import machinery at the end of the session.
    """
    yield
    EventMonitor.stop_for(demo_app)
    gc.collect()


@pytest.fixture
def solo(cluster: LocalCluster):
    """A cluster of its own with one worker process (concurrency 1), for one test.

    It re-points the demo app while it lives and gives it back when it closes, so the session's
    cluster keeps its workers whatever the test does to this one.
    """
    with LocalCluster(demo_app, workers=1, concurrency=1) as own:
        try:
            yield own
        finally:
            EventMonitor.stop_for(demo_app)
            gc.collect()  # results of this cluster's backend must go while its Redis runs
    assert demo_app.conf.broker_url == cluster.broker_url


@pytest.fixture
def rdb(cluster: LocalCluster) -> redis.Redis:
    client = redis.Redis.from_url(cluster.redis_url)
    yield client
    client.close()


def body_failed(run: WorkflowRun, body: str) -> None:
    """Wait for the run to show the chord body FAILURE (Celery stores a ChordError for it)."""
    wait_until(
        lambda: run.states[body] == "FAILURE",
        5,
        lambda: (
            f"body {run.states[body]} in the run, "
            f"{AsyncResult(body, app=demo_app).state} in the backend; {run!r}"
        ),
    )


def ids_named(run: WorkflowRun, short_name: str) -> list[str]:
    """The run's task ids whose task name ends with ``.short_name``, in graph order."""
    graph = run.to_networkx()
    order = list(nx.topological_sort(graph))
    return [t for t in order if graph.nodes[t]["name"].rsplit(".", 1)[-1] == short_name]


def backend_keys(rdb: redis.Redis, task_ids: list[str]) -> list[bytes]:
    """Every key of the cluster's Redis that mentions one of these task ids."""
    return [key for task_id in task_ids for key in rdb.keys(f"*{task_id}*")]


def worker_pid_of(task_id: str, hostname: str) -> int:
    """PID of the pool process running ``task_id`` on ``hostname``, as the worker reports it."""
    active = demo_app.control.inspect(destination=[hostname], timeout=2).active() or {}
    pids = [t["worker_pid"] for t in active.get(hostname, []) if t["id"] == task_id]
    assert pids, f"{task_id} is not active on {hostname}: {active}"
    return pids[0]


# --- 1. Celery's canvas guide ---------------------------------------------------------------


@pytest.mark.parametrize("name", list(guide_examples()))
def test_guide_example_runs_with_its_value_and_every_node_succeeds(cluster, name):
    canvas, expected = guide_examples()[name]

    run = cw.run(canvas, app=demo_app)

    assert run.wait(timeout=30) == expected
    assert run.done
    assert run.states == dict.fromkeys(run.task_ids, "SUCCESS")
    graph = run.to_networkx()
    for task_id in run.task_ids:
        # The backend has a result under each node's id, for the task the node names: the
        # workers really ran the nodes under the ids that freezing gave them.
        result = AsyncResult(task_id, app=demo_app)
        assert result.state == "SUCCESS", (task_id, graph.nodes[task_id]["name"])
        assert result.name == graph.nodes[task_id]["name"]


# --- 2. failure in a chord header -------------------------------------------------------------


def test_chord_with_a_failing_header_task(cluster):
    header = [add.s(1, 1), fail.si("header task broke"), add.s(2, 2)]

    run = cw.run(chord(header, tsum.s()), app=demo_app)

    # As Celery's own .get() of a chord: the header task's error (or a ChordError).
    with pytest.raises((ValueError, ChordError)):
        run.wait(timeout=30)
    [failing] = ids_named(run, "fail")
    [body] = ids_named(run, "tsum")
    adds = ids_named(run, "add")
    body_failed(run, body)  # Celery stores a ChordError once the last header task is back
    assert run.states[failing] == "FAILURE"
    assert [run.states[t] for t in adds] == ["SUCCESS", "SUCCESS"]
    assert run.done
    wait_until(
        lambda: AsyncResult(body, app=demo_app).state == "FAILURE", 10, "Celery's ChordError"
    )
    info = run.info(failing)
    assert "header task broke" in info["exception"]
    assert "ValueError" in info["exception"]
    assert "Traceback (most recent call last)" in info["traceback"]
    assert "raise ValueError(message)" in info["traceback"]
    assert "ChordError" in run.info(body)["exception"]
    assert run.counts() == {"SUCCESS": 2, "FAILURE": 2}


def test_a_chord_whose_inner_chord_failed_raises_the_error_celery_get_raises(cluster):
    """A chord in another chord's header whose header task fails: Celery stores a ChordError
    for the inner body, and the outer body never runs (PENDING for good). Celery's .get() of it
    raises the inner body's ChordError, read from the results before it, not the task's own."""

    def canvas():
        return chord([chord([add.s(1, 1), fail.si("inner")], tsum.s()), add.s(2, 2)], tsum.s())

    with pytest.raises(ChordError, match="raised ValueError") as celery_error:
        canvas().apply_async().get(timeout=30)
    run = cw.run(canvas(), app=demo_app)

    with pytest.raises(ChordError, match="raised ValueError") as run_error:
        run.wait(timeout=30)

    assert type(run_error.value) is type(celery_error.value)
    [failing] = ids_named(run, "fail")
    inner_body, outer_body = ids_named(run, "tsum")
    assert failing in str(run_error.value)
    assert run.states[inner_body] == "FAILURE"
    assert run.states[outer_body] == "PENDING"
    assert outer_body in run.never_run()


@pytest.mark.parametrize(
    "canvas",
    [
        pytest.param(lambda: chain(fail.si("first"), group(add.s(1), add.s(2))), id="group-end"),
        pytest.param(
            lambda: chord([chord([chord([fail.si("deep")], tsum.s())], tsum.s())], tsum.s()),
            id="chord-in-chord-in-chord",
        ),
    ],
)
def test_ends_that_never_run_and_celery_get_waits_on_raise_the_failure(cluster, canvas):
    """Celery's .get() of these waits for ever (a group's results look at no parent, and the
    middle chord's body, like the outer one, is never run nor failed): wait() raises the
    failure that stopped them, and the run is done with them never run."""
    run = cw.run(canvas(), app=demo_app)

    with pytest.raises(ValueError, match=r"first|deep"):
        run.wait(timeout=30)

    [failing] = ids_named(run, "fail")
    assert run.done
    assert run.stuck is None
    pending = {t for t in run.task_ids if run.states[t] == "PENDING"}
    assert pending
    assert pending <= run.never_run()
    assert all(failing in run.info(t)["not_run"] for t in run.never_run())


def test_a_finished_run_leaves_no_result_subscription_behind(cluster, rdb):
    # Celery subscribes to each chord header result it makes a GroupResult of; a run never
    # .get()s them, so they would stay subscribed for as long as the kernel lives.
    run = cw.run(chord([add.si(i, i) for i in range(5)], tsum.s()), app=demo_app)
    assert run.wait(timeout=30) == 20
    channels = {c.decode() for c in rdb.pubsub_channels("celery-task-meta-*")}
    assert not channels & {f"celery-task-meta-{task_id}" for task_id in run.task_ids}
    assert run.result.get(timeout=5) == 20  # a .get() after it still answers


@pytest.mark.parametrize("kind", ["group", "chord"])
def test_a_run_waited_for_in_another_thread(cluster, rdb, kind):
    # The builder's Run waits in a thread of its own. Celery's result backend is one object per
    # thread: a group's result asks the calling thread's, which waits on none of its members
    # (its .get() timed out, every task done), and the waiters a finished run lets go are in
    # the publishing thread's.
    if kind == "group":
        canvas, value = group(add.si(1, 1), chain(add.si(2, 2), add.s(1))), [2, 5]
    else:
        canvas, value = chord([add.si(i, i) for i in range(5)], tsum.s()), 20
    run = cw.run(canvas, app=demo_app)
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        assert pool.submit(run.wait, 30).result() == value
    # Left waiting: only a group's members, for a .get() of the run's result in this thread.
    members = {r.id for r in getattr(run.result, "results", ())}
    channels = {c.decode() for c in rdb.pubsub_channels("celery-task-meta-*")}
    left = {f"celery-task-meta-{t}" for t in run.task_ids if t not in members}
    assert not channels & left
    assert run.wait(timeout=5) == run.result.get(timeout=5) == value  # in this thread too


def test_tasks_no_worker_will_take_are_said_stuck(cluster, monkeypatch):
    # Celery says nothing of a task sent to a queue no worker consumes, nor of tasks sent while
    # no worker runs: they stay PENDING for good. The run says why they wait.
    monkeypatch.setattr(WorkflowRun, "queue_check_after", 0.5)
    run = cw.run(group(add.si(1, 1), add.si(2, 2).set(queue="nowhere")), app=demo_app)
    widget = run.graph
    try:
        wait_until(lambda: run.stuck is not None, 20, "the run saying a task is stuck")
        assert run.stuck == "1 task sent to queue 'nowhere', which no worker consumes"
        wait_until(lambda: widget.summary["stuck"] == run.stuck, 20, lambda: str(widget.summary))
        with pytest.raises(TimeoutError, match="sent to queue 'nowhere', which no worker"):
            run.wait(timeout=1)
    finally:
        widget.close()
        run.revoke()
    with pytest.raises(TaskRevokedError):
        run.wait(timeout=10)
    assert run.stuck is None  # over: nothing waits

    # Tasks waiting behind others on a served queue are not stuck.
    run = cw.run(group(sleep.si(0.4) for _ in range(40)), app=demo_app)
    waited = 0.0
    while not run.done:
        assert run.stuck is None, run.stuck
        sent = [run.info(t).get("sent_at") for t, s in run.states.items() if s == "SENT"]
        waited = max([waited, *(time.time() - at for at in sent if at)])
        time.sleep(0.1)
    assert waited > 2 * WorkflowRun.queue_check_after  # long enough to be looked at

    # Another database of the same server: a broker no worker listens to.
    url = cluster.broker_url.rsplit("/", 1)[0] + "/7"
    lonely = Celery("lonely", broker=url, backend=url, set_as_current=False)
    lonely.conf.update(worker_send_task_events=True, task_send_sent_event=False)
    lonely.task(name=add.name)(add.run)
    try:
        run = cw.run(add.si(1, 1), app=lonely)
        wait_until(lambda: run.stuck is not None, 20, "the run saying its task is stuck")
        assert run.stuck == (
            "1 task sent and not received: no worker answered "
            "(is one running? a solo pool answers only between tasks)"
        )
        run.revoke()
    finally:
        EventMonitor.stop_for(lonely)


def test_the_steps_a_failure_stops_are_failure_once_the_run_is_over(cluster):
    # Celery stores FAILURE for a failed step's successors just before the failure's event.
    # The run is over at that event; its waiter and its graph's final summary read them then:
    # PENDING there would contradict "finished", and stay so in a saved notebook.
    def failing_chain():
        return chain(add.si(1, 1), fail.si("step two"), add.si(2, 2), add.si(3, 3))

    run = cw.run(failing_chain(), app=demo_app)
    widget = run.graph
    try:
        wait_until(lambda: widget.summary["finished"], 30, "the graph's final summary")
        counts = {state: n for state, n in widget.summary["counts"].items() if n}
        assert counts == {"SUCCESS": 1, "FAILURE": 3}
        assert list(widget.states.values()) == ["SUCCESS", "FAILURE", "FAILURE", "FAILURE"]
    finally:
        widget.close()

    run = cw.run(failing_chain(), app=demo_app)
    with pytest.raises(ValueError, match="step two"):
        run.wait(timeout=30)
    third, fourth = run.task_ids[2:]
    assert run.states[third] == run.states[fourth] == "FAILURE"
    assert "step two" in run.info(fourth)["exception"]
    assert run.info(fourth)["not_run"].startswith("never ran: canvas_widgets.demo.fail before it")


def test_views_have_the_outcome_before_wait_returns(cluster):
    # `jupyter nbconvert --execute` keeps only what a cell sends while it runs. The graph's
    # final states, summary and timeline bars, and the builder's result line, are written
    # before wait() returns (the cell that waits sends them), not by a thread a moment after:
    # published so, the page showed "0/2 done" under the cell that printed the result.
    for _ in range(3):  # a thread a moment late is not late every time
        run = cw.run(chain(add.si(1, 1), add.s(2)), app=demo_app)
        widget = run.graph
        try:
            assert run.wait(timeout=30) == 4
            assert widget.summary["finished"] and widget.summary["done"] == 2
            assert list(widget.states.values()) == ["SUCCESS", "SUCCESS"]
            assert set(widget.spans) == set(run.task_ids)
        finally:
            widget.close()

        builder = cw.CanvasBuilder(demo_app, canvas=chain(add.si(2, 2), add.s(3)))
        try:
            assert builder.run().wait(timeout=30) == 7
            assert builder.run_status["state"] == "done", builder.run_status
            assert builder.run_status["value_repr"] == "7"
        finally:
            builder.close()


def test_a_run_is_not_forgotten_before_a_backend_read_that_saw_it_done(cluster, monkeypatch):
    # The monitor's reconciler reads the backend, then pings the workers of running tasks: up
    # to 1 s when one is slow to answer (made 1.5 s here, to be sure). The run's last event
    # can land during that ping, and Celery stored the chord body's ChordError just before
    # it: a run forgotten right then kept the body PENDING for good.
    check_workers = WorkflowRun._check_workers

    def slow_ping(self, *args, **kwargs):
        time.sleep(1.5)
        return check_workers(self, *args, **kwargs)

    monkeypatch.setattr(WorkflowRun, "_check_workers", slow_ping)
    run = cw.run(chord([fail.si("early"), sleep.si(1.2, 0)], tsum.s()), app=demo_app)

    with pytest.raises((ValueError, ChordError)):
        run.wait(timeout=30)
    [body] = ids_named(run, "tsum")
    body_failed(run, body)
    assert run.counts() == {"SUCCESS": 1, "FAILURE": 2}


# Errbacks: one taking the failed task's id is sent as a task (on_error), one taking more
# (add: request, exc, traceback) is called inside the failing worker with no state of its own;
# a chain step after a failure never runs and Celery calls none of its errbacks, while a chord
# body failed by its header's failure has them called. Each run ends (before, three hung).
ERRBACK_CASES = {
    "sent as a task": (fail.si().set(link_error=on_error.s()), "SUCCESS", None),
    "called inside the worker": (fail.si().set(link_error=add.si(0, 0)), "PENDING", "no_state"),
    "of a step after a failure": (
        chain(add.si(1, 1), fail.si(), add.si(2, 2).set(link_error=on_error.s())),
        "PENDING",
        "not_run",
    ),
    "of a chord body, sent": (
        chord([add.si(1, 1), fail.si()], tsum.s().set(link_error=on_error.s())),
        "SUCCESS",
        None,
    ),
    "of a chord body, inside the worker": (
        chord([add.si(1, 1), fail.si()], tsum.s().set(link_error=add.si(0, 0))),
        "PENDING",
        "no_state",
    ),
}


@pytest.mark.parametrize("case", ERRBACK_CASES)
def test_a_run_with_an_errback_ends_and_says_what_became_of_it(cluster, case):
    canvas, errback_state, note = ERRBACK_CASES[case]
    run = cw.run(canvas, app=demo_app)
    with pytest.raises((ValueError, ChordError)):
        run.wait(timeout=30)
    graph = run.to_networkx()
    [errback] = [t for t in graph if graph.nodes[t]["callback"] == "link_error"]
    wait_until(lambda: run.states[errback] == errback_state, 10, lambda: repr(run))
    assert run.done
    info = run.info(errback)
    assert {"no_state", "not_run"} & set(info) == ({note} if note else set())
    assert run.ran_without_state() == ({errback} if note == "no_state" else set())


# An errback that is a chain: Celery's celery.chain task takes *args, so the failing worker
# calls the chain as a function, chain(request, exc, traceback), which sends its first task with
# those first. A mutable first task cannot take them: nothing of the chain is ever sent (the
# worker logs "Errback ... raised an exception"). An immutable one ignores them: the chain runs.
# A chain errback of a task that succeeded is never called. Each run ends (before, three hung).
CHAIN_ERRBACK_CASES = {
    "mutable first task, never sent": (fail.si(), on_error.s() | add.si(1, 1), "PENDING"),
    "immutable first task, sent": (fail.si(), add.si(1, 1) | mul.s(2), "SUCCESS"),
    "of a task that succeeded": (add.si(1, 1), on_error.s() | add.si(1, 1), "PENDING"),
    "immutable, of a task that succeeded": (add.si(1, 1), add.si(1, 1) | mul.s(2), "PENDING"),
}


@pytest.mark.parametrize("case", CHAIN_ERRBACK_CASES)
def test_a_run_with_an_errback_chain_ends_with_celery_and_says_why_it_did_not_run(cluster, case):
    def canvas():
        task, errback, _ = CHAIN_ERRBACK_CASES[case]
        return task.clone().on_error(errback.clone())

    try:
        expected = canvas().apply_async().get(timeout=10)  # plain Celery
    except ValueError:
        expected = ValueError
    run = cw.run(canvas(), app=demo_app)

    if expected is ValueError:
        with pytest.raises(ValueError):
            run.wait(timeout=30)
    else:
        assert run.wait(timeout=30) == expected
    graph = run.to_networkx()
    errback = [t for t in graph if graph.nodes[t]["callback"] == "link_error"]
    assert len(errback) == 2
    state = CHAIN_ERRBACK_CASES[case][2]
    wait_until(lambda: {run.states[t] for t in errback} == {state}, 10, lambda: repr(run))
    assert run.done
    assert {AsyncResult(t, app=demo_app).state for t in errback} == {state}
    assert (set(errback) <= run.never_run()) is (state == "PENDING")
    if case.endswith("never sent"):
        assert all("request, exception and traceback" in run.info(t)["not_run"] for t in errback)


# --- 3. retries -------------------------------------------------------------------------------


def test_a_retrying_task_shows_retry_then_success(solo):
    seen: list[str] = []

    run = cw.run(flaky.s(7, failures=1), app=demo_app)
    [task_id] = run.task_ids
    run.on_change(lambda run, changes: seen.append(changes[task_id]) if task_id in changes else 0)
    # The one pool process sleeps after the first attempt, so the retry (due 0.1 s later) waits
    # 0.6 s: on_change hands over each task's latest state about 10 times a second, and would
    # skip a RETRY that lasts less than a batch.
    sleep.si(0.6).delay()

    assert run.wait(timeout=30) == 7
    assert "SUCCESS" in seen, seen  # handed to on_change before wait returned
    assert "RETRY" in seen, seen
    assert seen.index("RETRY") < seen.index("SUCCESS")
    assert seen[-1] == "SUCCESS"
    info = run.info(task_id)
    assert info["retries"] == 1  # the details still tell the retry, and its error
    [earlier] = info["attempts"]
    assert earlier["state"] == "RETRY" and "attempt 1 failed" in earlier["exception"]
    # The first attempt's error is not the outcome of a task that succeeded.
    assert info["result"] == "7"
    assert "exception" not in info and "traceback" not in info


def test_each_attempt_of_a_retrying_task_is_recorded_with_its_worker_and_error(cluster):
    # Two workers of two processes: the attempts go wherever the retries are received, and the
    # next attempt's events may come before the previous attempt's task-retried.
    run = cw.run(flaky.s(7, failures=2), app=demo_app)
    [task_id] = run.task_ids
    assert run.wait(timeout=30) == 7
    # The run may be done by the backend's word before the last event arrives.
    wait_until(lambda: run.attempts(task_id)[-1].state, 10, lambda: repr(run.attempts(task_id)))

    attempts = run.attempts(task_id)
    assert [a.state for a in attempts] == ["RETRY", "RETRY", "SUCCESS"], attempts
    assert [a.exception for a in attempts[:2]] == [
        "RuntimeError('attempt 1 failed')",
        "RuntimeError('attempt 2 failed')",
    ]
    assert {a.worker for a in attempts} <= set(cluster.workers)
    assert all(a.started_at <= a.ended_at for a in attempts)
    # The last attempt is the task's: its worker, start and end in the details' own fields.
    info = run.info(task_id)
    assert (info["worker"], info["started_at"]) == (attempts[-1].worker, attempts[-1].started_at)
    assert [a["state"] for a in info["attempts"]] == ["RETRY", "RETRY"]
    span = timeline_spans(run, [task_id])[task_id]
    assert span[:3] == [
        attempts[-1].worker,
        *(round(t, 3) for t in (attempts[-1].started_at, attempts[-1].ended_at)),
    ]
    assert [bar[3] for bar in span[3]] == ["RETRY", "RETRY"]


# --- 4. revoke --------------------------------------------------------------------------------


def _start_chain_and_wait_for_first(seconds: float = 2) -> tuple[WorkflowRun, list[str]]:
    run = cw.run(chain(sleep.si(seconds, "slept"), add.si(1, 1), add.si(2, 2)), app=demo_app)
    order = list(nx.topological_sort(run.to_networkx()))
    wait_until(lambda: run.states[order[0]] == "STARTED", 10, "the sleep STARTED")
    return run, order


def test_revoke_stops_the_waiting_tasks(cluster):
    run, (first, second, third) = _start_chain_and_wait_for_first()

    revoked = run.revoke()

    assert set(revoked) == {first, second, third}
    # The waiting steps are REVOKED at once (marked in the backend too); the running one goes on.
    assert run.states[second] == run.states[third] == "REVOKED"
    assert AsyncResult(second, app=demo_app).state == "REVOKED"
    assert run.states[first] == "STARTED"
    assert not run.done
    with pytest.raises(TaskRevokedError):
        run.wait(timeout=10)
    assert run.done
    assert run.states == {first: "SUCCESS", second: "REVOKED", third: "REVOKED"}
    assert AsyncResult(first, app=demo_app).get(timeout=1) == "slept"
    # The worker discarded the step the finished sleep sent on: it never ran.
    assert AsyncResult(second, app=demo_app).state == "REVOKED"


def test_revoke_with_terminate_stops_the_running_task_too(cluster):
    run, (first, second, third) = _start_chain_and_wait_for_first(seconds=5)
    started = time.monotonic()

    with warnings.catch_warnings():
        warnings.simplefilter("error", cw.NotTerminated)  # both workers' pools can terminate
        run.revoke(terminate=True)

    with pytest.raises(TaskRevokedError):
        run.wait(timeout=10)
    assert time.monotonic() - started < 4, "the 5 s sleep was not cut short"
    assert run.done
    assert run.states == dict.fromkeys((first, second, third), "REVOKED")
    wait_until(lambda: run.info(first).get("terminated") is True, 5, "a terminated revoke")
    assert AsyncResult(first, app=demo_app).state == "REVOKED"


@pytest.mark.filterwarnings("ignore:Call to deprecated setex:DeprecationWarning")
def test_terminate_where_the_pool_cannot_warns_and_revokes_all_the_same():
    app = Celery("interminable", set_as_current=False)

    @app.task(name="interminable.nap")
    def nap(seconds: float) -> float:
        time.sleep(seconds)
        return seconds

    # An in-kernel cluster's thread pool cannot kill a task's thread.
    with LocalCluster(app, processes=False) as in_kernel:
        run = cw.run(nap.si(2) | nap.si(0), app=app)
        first, second = run.task_ids
        wait_until(lambda: run.states[first] == "STARTED", 10, "the nap STARTED")

        with pytest.warns(cw.NotTerminated, match="does not implement kill_job") as caught:
            assert run.revoke(terminate=True) == [first, second]

        (warning,) = (w.message for w in caught if w.category is cw.NotTerminated)
        (refused,) = warning.refused
        assert refused.startswith(f"{in_kernel.workers[0]}: NotImplementedError(")
        with pytest.raises(TaskRevokedError):
            run.wait(timeout=10)
        assert run.states == {first: "SUCCESS", second: "REVOKED"}  # the nap ran to its end


def test_revoke_from_a_task_stops_it_and_what_depends_on_it_alone(cluster):
    # After the sleep, a group of two branches: a chain of two steps, and one task. Revoked
    # from the chain's first step while the sleep runs: that chain stops, the other branch runs.
    canvas = chain(sleep.si(2, "slept"), group(chain(add.si(1, 1), add.si(2, 2)), add.si(3, 3)))
    run = cw.run(canvas, app=demo_app)
    first, step, after, other = run.task_ids
    wait_until(lambda: run.states[first] == "STARTED", 10, "the sleep STARTED")

    with pytest.raises(KeyError, match="no task 'nope' in run"):
        run.revoke(task_id="nope")
    revoked = run.revoke(task_id=step)

    assert revoked == [step, after]
    assert run.states[step] == run.states[after] == "REVOKED"
    with pytest.raises(TaskRevokedError):
        run.wait(timeout=10)
    wait_until(lambda: run.done, 10, "the run to finish")
    assert run.states == {first: "SUCCESS", step: "REVOKED", after: "REVOKED", other: "SUCCESS"}
    assert AsyncResult(other, app=demo_app).get(timeout=1) == 6
    # The worker discarded the step the group sent on: it never ran.
    assert AsyncResult(step, app=demo_app).state == "REVOKED"
    assert "succeeded_at" not in run.info(step)


def test_revoke_from_a_waiting_chord_header_task_ends_the_run(cluster):
    # The chord is not applied yet (the sleep runs): its header task and the body are revoked.
    # The other header task runs once the chord is; Celery then fails the body in the backend
    # (a ChordError: one of its parts was revoked), which the run, having seen it REVOKED, keeps.
    canvas = chain(sleep.si(2), chord([add.si(1, 1), add.si(2, 2)], tsum.s()))
    run = cw.run(canvas, app=demo_app)
    first, revoked, other, body = run.task_ids
    wait_until(lambda: run.states[first] == "STARTED", 10, "the sleep STARTED")

    assert run.revoke(task_id=revoked) == [revoked, body]

    with pytest.raises(TaskRevokedError):
        run.wait(timeout=20)
    wait_until(lambda: run.done, 10, "the run to finish")
    assert run.states == {first: "SUCCESS", revoked: "REVOKED", other: "SUCCESS", body: "REVOKED"}
    assert AsyncResult(revoked, app=demo_app).state == "REVOKED"
    wait_until(
        lambda: AsyncResult(body, app=demo_app).state == "FAILURE", 10, "Celery's ChordError"
    )


# --- 5. SIGKILL -------------------------------------------------------------------------------


def test_sigkill_of_the_pool_process_fails_the_task_promptly(cluster):
    run = cw.run(sleep.si(5, "never"), app=demo_app)
    [task_id] = run.task_ids
    wait_until(lambda: run.states[task_id] == "STARTED", 10, "the sleep STARTED")
    pid = worker_pid_of(task_id, run.info(task_id)["worker"])

    os.kill(pid, signal.SIGKILL)
    killed = time.monotonic()

    # Celery documents it: the task fails with WorkerLostError (not acks_late: not re-run).
    with pytest.raises(WorkerLostError):
        run.wait(timeout=15)
    # The worker notices at once (~0.1 s) or at its pool's next maintenance tick, every 5 s:
    # measured 0.09, 4.84, 4.9 and 5.06 s for four kills in a row. The exited child's pipe
    # seems to close before the child can be reaped, so the immediate check can miss it.
    assert time.monotonic() - killed < 7
    assert run.states[task_id] == "FAILURE"
    assert AsyncResult(task_id, app=demo_app).state == "FAILURE"
    # From the task-failed event or from the backend, whichever the run read first.
    assert "WorkerLostError" in run.info(task_id)["exception"]


def test_sigkill_of_the_pool_process_reruns_an_acks_late_task(cluster):
    run = cw.run(sleep_acked.si(2, "done"), app=demo_app)
    [task_id] = run.task_ids
    # started_at comes with the task-started event (the backend may tell STARTED first).
    wait_until(lambda: "started_at" in run.info(task_id), 10, "the sleep's task-started event")
    first_start = run.info(task_id)["started_at"]
    pid = worker_pid_of(task_id, run.info(task_id)["worker"])
    seen: list[str] = []
    run.on_change(lambda run, changes: seen.append(changes.get(task_id, "")))

    os.kill(pid, signal.SIGKILL)

    # acks_late + reject_on_worker_lost: the message goes back to the queue and runs again.
    assert run.wait(timeout=30) == "done"
    assert run.states[task_id] == "SUCCESS"
    assert "FAILURE" not in seen
    assert run.info(task_id)["started_at"] > first_start  # it really started a second time
    assert AsyncResult(task_id, app=demo_app).get(timeout=1) == "done"
    # The killed attempt sent no end: on the timeline it ends where the next one began.
    _, start, _, [[_, first_begin, first_end, how]] = timeline_spans(run, [task_id])[task_id]
    assert how is None and first_begin == round(first_start, 3) and first_end == start


def test_sigkill_of_a_whole_worker_raises_worker_lost(solo):
    run = cw.run(sleep.si(5, "never"), app=demo_app)
    [task_id] = run.task_ids
    wait_until(lambda: run.states[task_id] == "STARTED", 10, "the sleep STARTED")
    # The task-started event can come before the pool process has stored STARTED: wait for both.
    backend_state = AsyncResult(task_id, app=demo_app)
    wait_until(lambda: backend_state.state == "STARTED", 10, "the backend says STARTED")
    [(worker, pid)] = solo.pids.items()
    assert run.info(task_id)["worker"] == worker
    # Silence is evidence only from a worker the run heard, with a pool that answers while it
    # runs a task (a solo pool does not): its first ping (every 3 s) tells it this one's.
    wait_until(lambda: run._answers_while_busy(worker), 10, "the run heard the worker")

    os.kill(pid, signal.SIGKILL)

    # No event and no result ever come: the run's liveness check finds the worker silent
    # (before wait's timeout, which would raise TimeoutError instead).
    with pytest.raises(WorkerLost, match=worker):
        run.wait(timeout=20)
    assert run.states[task_id] == "FAILURE"
    assert "WorkerLost" in run.info(task_id)["exception"]
    [attempt] = run.attempts(task_id)  # its bar on the timeline ends where it was found lost
    assert attempt.state == "FAILURE" and attempt.ended_at is not None
    # ...and so does the task: the run's elapsed time runs to then, not to its start.
    assert run.info(task_id)["failed_at"] == attempt.ended_at > attempt.started_at
    # Nobody finished it: the backend still says STARTED (its pool child died too).
    assert AsyncResult(task_id, app=demo_app).state == "STARTED"


def test_a_run_whose_cluster_closes_is_cut_off_not_waited_for_forever(cluster):
    # One process: one sleep runs (its worker's warm shutdown lets it end), the others wait in
    # the queue of a broker about to go: they will never run.
    own = LocalCluster(demo_app, workers=1, concurrency=1)
    try:
        run = cw.run(group(sleep.si(1.5) for _ in range(4)), app=demo_app)
        widget = run.graph
        wait_until(lambda: "STARTED" in run.states.values(), 10, "a sleep STARTED")
    finally:
        own.close()
    try:
        with pytest.raises(RunCutOff, match=r"its broker redis://.* went away"):
            run.wait(timeout=20)  # at once: not after the timeout (nor never, without one)
        wait_until(lambda: widget.summary["finished"], 5, "the view told")
        assert "went away" in widget.summary["cut_off"]
    finally:
        widget.close()
    assert demo_app.conf.broker_url == cluster.broker_url


# --- 6. broker unreachable --------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_unreachable_broker_raises_and_sends_nothing(cluster, rdb):
    url = f"redis://127.0.0.1:{_free_port()}/0"  # nobody listens there
    app = Celery("unreachable", broker=url, backend=url, set_as_current=False)
    app.task(name=add.name)(add.run)
    app.task(name=tsum.name)(tsum.run)
    canvas = chord([app.signature(add.name, (i, i)) for i in range(3)], app.signature(tsum.name))
    # Freeze a copy elsewhere, only to learn the ids run() would publish (freezing a chord with
    # a Redis backend subscribes to its results, which needs the server).
    offline = Celery("offline", backend="cache+memory://", set_as_current=False)
    d = cw.to_dict(cw.freeze(cw.to_dict(canvas), offline))
    task_ids = list(frozen_graph(cw.from_dict(d, offline)))
    keys_before = rdb.dbsize()

    started = time.monotonic()
    with pytest.raises(BrokerUnreachable, match="Nothing was sent"):
        cw.run(d, app=app)

    assert time.monotonic() - started < 5
    assert len(task_ids) == 4
    assert backend_keys(rdb, task_ids) == []  # not on the real cluster either
    assert rdb.dbsize() == keys_before
    assert EventMonitor._key(app) not in EventMonitor._instances  # nothing watches it
    with pytest.raises(BrokerUnreachable, match="cannot reach the result backend"):
        WorkflowRun.attach(str(uuid.uuid4()), app)


# --- 7. attach --------------------------------------------------------------------------------


def _run_and_drop(canvas) -> str:
    """Start a run and drop it: return its id once the run object is gone."""
    run = cw.run(canvas, app=demo_app)
    run_id, ref = run.id, weakref.ref(run)
    del run
    # The monitor's threads hold only weak references, but may be using the run for a moment.
    wait_until(lambda: gc.collect() is not None and ref() is None, 3, "the run collected")
    return run_id


def test_a_run_dropped_while_going_leaves_no_route_behind(cluster):
    # Its events have nowhere to go: the monitor's routes for its tasks go too.
    monitor = EventMonitor.for_app(demo_app)
    run = cw.run(chain(sleep.si(0.5), add.si(1, 1)), app=demo_app)
    task_ids, ref = set(run.task_ids), weakref.ref(run)
    del run
    wait_until(lambda: gc.collect() is not None and ref() is None, 3, "the run collected")
    wait_until(lambda: not task_ids & set(monitor._runs), 5, "the dropped run's routes gone")


def test_attach_after_every_reference_is_dropped(cluster):
    run_id = _run_and_drop(chord([add.s(i, i) for i in range(5)], tsum.s()))
    time.sleep(0.5)  # the run's tasks go on without it

    attached = WorkflowRun.attach(run_id, demo_app)

    assert attached.wait(timeout=30) == 20
    assert attached.states == dict.fromkeys(attached.task_ids, "SUCCESS")
    assert len(attached.task_ids) == 6
    for task_id in attached.task_ids:
        assert AsyncResult(task_id, app=demo_app).state == "SUCCESS"


def test_attach_while_the_run_is_going_converges(cluster):
    run_id = _run_and_drop(chord([sleep.si(1, 1), add.s(2, 2)], tsum.s()))

    attached = WorkflowRun.attach(run_id, demo_app)

    assert not attached.done
    assert attached.wait(timeout=30) == 5
    assert attached.states == dict.fromkeys(attached.task_ids, "SUCCESS")


def test_attaching_a_run_this_process_follows_gives_that_run(cluster):
    # One run object per run: a second one would take the events of its tasks from the first
    # (and from every view of it).
    run = cw.run(chain(sleep.si(0.5), add.si(1, 1)), app=demo_app)
    assert WorkflowRun.attach(run.id, demo_app) is run
    widget = cw.ResultGraph.attach(run.id, demo_app)
    try:
        assert widget.run is run
    finally:
        widget.close()
    assert run.wait(timeout=30) == 2
    assert all(run.info(task_id).get("started_at") for task_id in run.task_ids)


def test_attached_during_a_task_its_bar_starts_where_its_runtime_says(cluster):
    run_id = _run_and_drop(chain(sleep.si(2, "slept"), add.si(1, 1)))
    record = json.loads(demo_app.backend.get(f"canvas-widgets-run-{run_id}"))
    napping = record["canvas"]["kwargs"]["tasks"][0]["options"]["task_id"]
    nap = AsyncResult(napping, app=demo_app)
    wait_until(lambda: nap.state == "STARTED", 10, "the sleep STARTED")  # before anyone watches

    attached = WorkflowRun.attach(run_id, demo_app)

    assert attached.wait(timeout=30) == 2
    assert attached.info(napping)["result"] == "'slept'"
    # No task-started event reached it; its task-succeeded event says how long it ran.
    wait_until(lambda: attached.attempts(napping), 10, "the sleep's task-succeeded event")
    [attempt] = attached.attempts(napping)
    assert attempt.state == "SUCCESS" and attempt.ended_at - attempt.started_at >= 2
    assert "started_at" not in attached.info(napping)
    assert napping in timeline_spans(attached, [napping])


def test_attached_once_over_a_run_shows_when_and_where_its_tasks_ran(cluster):
    # Only events say when a task started and on which worker; a process that followed the
    # run keeps what it saw in the backend, for an attach after a kernel restart.
    run = cw.run(chain(sleep.si(0.3, "slept"), flaky.si(7, failures=1)), app=demo_app)
    assert run.wait(timeout=30) == 7
    first, second = run.task_ids
    seen = {task_id: run.attempts(task_id) for task_id in run.task_ids}
    runtime, worker = run.info(first)["runtime"], run.info(first)["worker"]
    run_id, ref = run.id, weakref.ref(run)
    del run
    wait_until(lambda: gc.collect() is not None and ref() is None, 3, "the run collected")

    attached = WorkflowRun.attach(run_id, demo_app)

    assert attached.wait(timeout=10) == 7
    assert {task_id: attached.attempts(task_id) for task_id in attached.task_ids} == seen
    assert len(seen[second]) == 2  # it retried once: two attempts, two bars
    info = attached.info(first)
    assert info["runtime"] == runtime and info["worker"] == worker and info["started_at"]
    assert set(timeline_spans(attached, attached.task_ids)) == {first, second}


def test_attach_unknown_run_id_raises_key_error(cluster):
    with pytest.raises(KeyError, match="no run"):
        WorkflowRun.attach(str(uuid.uuid4()), demo_app)
    with pytest.raises(TypeError, match=r"a str, such as run.id\), not WorkflowRun"):
        WorkflowRun.attach(cw.run(add.s(1, 1), app=demo_app), demo_app)
    with pytest.raises(UnsupportedBackend, match="no result backend"):  # an app without one
        WorkflowRun.attach(str(uuid.uuid4()), Celery("no-backend", set_as_current=False))


def test_a_run_is_kept_under_the_backends_global_keyprefix(cluster, rdb):
    # Apps sharing a Redis by prefix keep their results apart: their runs too.
    prefixed = Celery("prefixed", broker=cluster.broker_url, backend=cluster.broker_url,
                      set_as_current=False)  # fmt: skip
    prefixed.conf.result_backend_transport_options = {"global_keyprefix": "myapp:"}

    @prefixed.task(name="prefixed.add")
    def prefixed_add(x, y):
        return x + y

    frozen = cw.freeze(prefixed.signature("prefixed.add", args=(1, 2)), prefixed)
    run_id = str(uuid.uuid4())

    WorkflowRun(prefixed, frozen, run_id)._store()

    assert rdb.exists(f"myapp:canvas-widgets-run-{run_id}")
    assert not rdb.exists(f"canvas-widgets-run-{run_id}")
    attached = WorkflowRun.attach(run_id, prefixed)
    try:
        assert attached.task_ids == [frozen.id]
    finally:
        EventMonitor.for_app(prefixed).forget(attached)


# --- 8. a run published before anyone watched it --------------------------------------------


def test_run_published_before_its_monitor_converges_from_the_backend(cluster):
    frozen = cw.freeze(chord([add.s(i, i) for i in range(4)], tsum.s()), demo_app)
    run_id = str(uuid.uuid4())
    WorkflowRun(demo_app, frozen, run_id)._store()
    assert frozen.apply_async().get(timeout=30) == 12  # plain Celery; no run watches it

    attached = WorkflowRun.attach(run_id, demo_app)

    assert attached.wait(timeout=10) == 12
    assert attached.states == dict.fromkeys(attached.task_ids, "SUCCESS")
    for task_id in attached.task_ids:
        info = attached.info(task_id)
        # Only events carry these; the run learnt everything from the backend instead.
        assert "started_at" not in info and "received_at" not in info
        assert attached.started_at <= info["done_at"] <= time.time()  # the backend's date_done
        assert info["worker"]  # result_extended stores the worker's name
    [body] = ids_named(attached, "tsum")
    assert attached.info(body)["result"] == "12"
    # Its graph's elapsed time: from the run's start to its last task's end, not to now.
    widget = cw.ResultGraph(attached)
    try:
        last = max(attached.info(t)["done_at"] for t in attached.task_ids)
        assert widget.summary["elapsed"] == round(last - attached.started_at, 3)
    finally:
        widget.close()


def test_elapsed_runs_from_before_publishing_to_the_last_task_end(cluster):
    run = cw.run(chain(add.si(1, 1), add.s(2)), app=demo_app)
    widget = run.graph
    try:
        wait_until(lambda: widget.summary["finished"], 30, "the graph's final summary")
        first, last = run.task_ids
        # The run's start is taken before publishing: its first task was sent (in this
        # process, as it went out) after it.
        assert run.started_at <= run.info(first)["sent_at"]
        # Its end is the last task's end as the run knew it then (its event, or the backend's
        # date_done if that came first), not the tick of the graph that saw the run over.
        info = run.info(last)
        ends = [info[k] for k in ("succeeded_at", "done_at") if k in info]
        assert widget.summary["elapsed"] in [round(end - run.started_at, 3) for end in ends]
    finally:
        widget.close()


# --- 9. progress ------------------------------------------------------------------------------


def test_progress_is_visible_while_the_task_runs(cluster):
    run = cw.run(count.s(10, 0.1), app=demo_app)
    [task_id] = run.task_ids
    seen: list[dict] = []
    while not run.done:
        progress = run.info(task_id).get("progress")
        if progress and progress not in seen:
            seen.append(dict(progress))
        time.sleep(0.02)

    assert run.wait(timeout=10) == 10
    assert run.states[task_id] == "SUCCESS"
    during = [p for p in seen if p["current"] < p["total"]]
    assert len(during) >= 3, seen  # several steps seen live, not only the last
    assert all(p["total"] == 10 for p in seen)
    currents = [p["current"] for p in seen]
    assert currents == sorted(currents)


def test_states_a_task_stores_of_its_own_are_its_states_while_it_runs(cluster):
    # Celery takes any string as a state (update_state(state="FETCHING")): the run shows each
    # one while the task runs, ranked as PROGRESS (never back to STARTED), with its meta.
    run = cw.run(stages.s(("FETCHING", "PARSING"), 1.5), app=demo_app)
    [task_id] = run.task_ids
    seen: list[str] = []
    metas: list[dict] = []
    while not run.done:
        state, progress = run.states[task_id], run.info(task_id).get("progress")
        if state not in seen:
            seen.append(state)
        if progress and progress not in metas:
            metas.append(dict(progress))
        time.sleep(0.02)
    assert run.wait(timeout=10) == 2
    assert [s for s in seen if s in ("FETCHING", "PARSING")] == ["FETCHING", "PARSING"], seen
    assert "STARTED" not in seen[seen.index("FETCHING") :], seen
    assert run.states[task_id] == "SUCCESS"
    assert metas[:2] == [{"current": 0, "total": 2}, {"current": 1, "total": 2}], metas


# --- 10. validation ---------------------------------------------------------------------------


def test_unknown_task_name_raises_and_publishes_nothing(cluster, rdb):
    canvas = chain(add.s(1, 1), demo_app.signature("canvas_widgets.demo.no_such_task"), mul.s(2))
    frozen = cw.freeze(canvas, demo_app)  # to know the ids run() would publish
    task_ids = list(frozen_graph(frozen))
    queued_before = rdb.llen("celery")
    runs_before = len(rdb.keys("canvas-widgets-run-*"))

    with pytest.raises(cw.CanvasError, match="no_such_task"):
        cw.run(frozen, app=demo_app)

    time.sleep(0.5)  # anything published would have run (and stored a result) by now
    assert rdb.llen("celery") == queued_before
    assert backend_keys(rdb, task_ids) == []
    assert len(rdb.keys("canvas-widgets-run-*")) == runs_before


def test_what_a_run_publishes_is_sent_at_once_without_sent_events(cluster, rdb):
    # The app sends no task-sent events of its own (cluster.py); the run marks each task it
    # publishes SENT as it goes out, in this process. Nobody serves this queue: SENT it stays.
    queue = "cw-test-nobody-serves"
    run = cw.run(add.si(2, 3).set(queue=queue), app=demo_app)
    (task_id,) = run.task_ids
    assert run.states == {task_id: "SENT"}
    info = run.info(task_id)
    assert info["queue"] == queue
    assert run.started_at - 5 < info["sent_at"] <= time.time()
    run.revoke()
    rdb.delete(queue)


def test_argsrepr_and_kwargsrepr_hide_arguments_from_every_view(cluster):
    # The workers compute with the values; what the run, its widget and its exports show is the
    # options' text, from the notebook's publish and from the worker that sends the next step.
    account, pin = 424242, 31337
    canvas = chain(
        mul.s(account, 2).set(argsrepr="('<account>', 2)"),
        mul.s(y=pin).set(kwargsrepr="{'y': '<pin>'}"),
    )
    run = cw.run(canvas, app=demo_app)
    assert run.wait(timeout=30) == account * 2 * pin
    first, second = run.task_ids
    assert run.info(first)["args"] == "('<account>', 2)"
    assert run.info(second)["kwargs"] == "{'y': '<pin>'}"
    widget = run.graph
    try:
        details = [widget._details({"task_id": task_id}) for task_id in run.task_ids]
        shown = json.dumps([widget.get_state(), details]) + run.to_dot()
        assert str(account) not in shown and str(pin) not in shown
    finally:
        widget.close()


def test_values_celery_cuts_short_are_shown_in_full_from_the_canvas_and_the_backend(cluster):
    # Celery's events cut reprs at 1,024 characters and nested values three levels down.
    big, nested = "x" * 5_000, {"a": {"b": {"c": [1, 2, {"d": None}]}}}
    canvas = chain(sleep.si(0, big), sleep.si(0, nested), fail.si("E" * 3_000), add.si(1, 1))
    run = cw.run(canvas, app=demo_app)
    with pytest.raises(ValueError):
        run.wait(timeout=30)
    first, second, failing, _ = run.task_ids
    assert len(run.info(first)["result"]) < 2_000  # as the event had it
    assert run.full_values(first)["result"] == repr(big)
    assert run.full_values(first)["args"] == repr((0, big))
    assert run.full_values(second)["result"] == repr(nested)
    assert run.full_values(failing)["exception"] == repr(ValueError("E" * 3_000))
    # The widget's details: cut to the first 1,000 characters, all of it on request.
    widget = run.graph
    try:
        reply = widget._details({"task_id": first})
        assert set(reply["truncated"]) == {"args", "result"}
        full = widget._details({"task_id": first, "full": True})
        assert full["details"]["result"] == repr(big) and not full["truncated"]
        nested_reply = widget._details({"task_id": second})
        assert nested_reply["details"]["result"] == repr(nested)
    finally:
        widget.close()
    # A step given its predecessor's result: its args are Celery's (the canvas has a part).
    run = cw.run(chain(add.si(1, 1), add.s(2)), app=demo_app)
    assert run.wait(timeout=30) == 4
    assert "args" not in run.full_values(run.task_ids[1])
    assert run.info(run.task_ids[1])["args"] == "(2, 2)"


# --- 11. Celery's internal tasks are never nodes ----------------------------------------------


def test_celery_internal_tasks_are_not_nodes(cluster):
    canvas = group(
        chord([add.s(i, i) for i in range(3)], tsum.s()),
        chain(group(add.s(1, 1), add.s(2, 2)), xsum.s(), add.s(1)),
        add.chunks([(1, 1), (2, 2), (3, 3)], 2),
        xsum.map([[1, 2], [3]]),
    )

    run = cw.run(canvas, app=demo_app)

    value = run.wait(timeout=30)
    # Nested groups are unrolled into the outer one (chunks are a group of starmap tasks); the
    # order inside them is not checked here (see test_nested_group_keeps_celery_order).
    assert sorted(map(repr, value)) == sorted(map(repr, [6, 7, [2, 4], [6], [3, 3]]))
    names = {run.info(t)["name"] for t in run.task_ids}
    internal = {n for n in names if n.startswith("celery.")}
    assert internal == {"celery.map", "celery.starmap"}
    assert names - internal == {add.name, tsum.name, xsum.name}
    assert run.states == dict.fromkeys(run.task_ids, "SUCCESS")


def test_nested_group_keeps_celery_order(cluster):
    # celery's group.freeze() unrolls a nested group with deque.extendleft, reversing its
    # members; the canonical form unrolls it in order first, as unfrozen apply_async() does.
    def canvas():
        return group(add.s(1, 1), group(add.s(2, 2), add.s(3, 3), add.s(4, 4)))

    assert canvas().apply_async().get(timeout=10) == [2, 4, 6, 8]  # plain Celery
    assert cw.run(canvas(), app=demo_app).wait(timeout=10) == [2, 4, 6, 8]

    # Chunks in a group: one starmap task per chunk, in order. (Plain Celery runs the chunks as
    # one opaque celery.chunks task whose value is its sub-results' ids, not their values.)
    chunked = group(add.s(1, 1), add.chunks([(2, 2), (3, 3), (4, 4)], 2))
    assert cw.run(chunked, app=demo_app).wait(timeout=10) == [2, [4, 6], [8]]


def test_chunks_in_a_chord_header_run_as_their_group_does_there(cluster):
    # A chord copies its header as dicts, which Celery reads back as plain Signatures: a chunks
    # there lost its class (and .group()), and the run failed before sending anything. It runs
    # as chunks(...).group() does in plain Celery, each chunk a starmap task of the run. (Plain
    # Celery runs the chunks itself as one opaque celery.chunks task, whose value the body gets
    # is its sub-results' ids.)
    def canvas(*, as_group: bool):
        chunks = add.chunks([(1, 1), (2, 2), (3, 3)], 2)
        return chord([chunks.group() if as_group else chunks, add.s(5, 5)], mul.s(1))

    expected = canvas(as_group=True).apply_async().get(timeout=10)  # plain Celery
    assert expected == [[6], [2, 4], 10]  # a group in a chord header: Celery's freeze reverses it

    run = cw.run(canvas(as_group=False), app=demo_app)

    assert run.wait(timeout=10) == expected
    assert len(ids_named(run, "starmap")) == 2
    assert set(run.states.values()) == {"SUCCESS"}
    graph = cw.workflow_graph(canvas(as_group=False), demo_app)
    assert nx.is_isomorphic(graph, run.to_networkx())
