"""Workers that LocalCluster does not start, on a real Redis: one with a solo pool (it runs each
task in the loop that answers pings and control messages, so it is silent while busy), one with
a threads pool (silent while a task keeps the GIL), and one prefork worker without task events
or ``task_track_started`` (its running tasks look SENT). None may make the run lose a task that
runs, call it stuck, or skip a terminate silently."""

from __future__ import annotations

import gc
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from celery import group
from celery.exceptions import TaskRevokedError

import canvas_widgets as cw
from canvas_widgets.cluster import LocalCluster, redis_server_executable
from canvas_widgets.run import _POOLS, NotTerminated, WorkflowRun
from canvas_widgets.tracking import EventMonitor

from .awkward_tasks import app, hold_gil, nap
from .waiting import wait_until

pytestmark = pytest.mark.filterwarnings("ignore:Call to deprecated setex:DeprecationWarning")

ROOT = Path(__file__).resolve().parents[2]
SOLO = f"solo@{socket.gethostname()}"
SILENT = f"silent@{socket.gethostname()}"
THREADS = f"threads@{socket.gethostname()}"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _worker(url: str, name: str, queue: str, log: Path, *options: str) -> subprocess.Popen:
    """A ``celery worker`` of the awkward app consuming ``queue``; ``options`` after ``--`` set
    its configuration."""
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    command = [
        sys.executable, "-m", "celery", "-A", "tests.cluster.awkward_tasks:app", "-b", url,
        "--result-backend", url, "worker", "-n", name, "-Q", queue, "--loglevel=INFO",
        "--without-gossip", "--without-mingle", "--without-heartbeat", *options,
    ]  # fmt: skip
    with open(log, "ab") as out:
        return subprocess.Popen(
            command, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env,
            cwd=ROOT, start_new_session=True,
        )  # fmt: skip


@pytest.fixture(scope="module")
def workers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCluster]:
    """Redis, a solo worker on queue ``solo`` and a threads worker on queue ``threads`` (events,
    STARTED and extended results on), and a prefork worker on queue ``silent`` (no events, no
    STARTED); the app connected to them."""
    directory = tmp_path_factory.mktemp("pools")
    port = _free_port()
    url = f"redis://127.0.0.1:{port}/0"
    redis = subprocess.Popen(
        [redis_server_executable(), "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--dir", str(directory)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    started = [
        _worker(url, SOLO, "solo", directory / "solo.log", "--pool=solo", "-E", "--",
                "task_track_started=(json)true", "result_extended=(json)true"),
        _worker(url, THREADS, "threads", directory / "threads.log", "--pool=threads", "-c", "2",
                "-E", "--", "task_track_started=(json)true", "result_extended=(json)true"),
        _worker(url, SILENT, "silent", directory / "silent.log", "--pool=prefork", "-c", "1",
                "--", "task_track_started=(json)false", "worker_send_task_events=(json)false"),
    ]  # fmt: skip
    try:
        connected = None
        wait_until(lambda: _answers(port), 20, "redis up")
        connected = LocalCluster.connect(app, url, timeout=30)
        wait_until(
            lambda: (
                {SOLO, THREADS, SILENT} <= {n for r in app.control.ping(timeout=0.5) for n in r}
            ),
            30,
            "the three workers answer",
        )
        yield connected
    finally:
        EventMonitor.stop_for(app)
        gc.collect()
        if connected is not None:
            connected.close()
        for proc in [*started, redis]:
            proc.kill()
            proc.wait()


def _answers(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def _watched_closely(run: WorkflowRun) -> WorkflowRun:
    """The run's liveness and queue checks on every read of its states (each second), not
    every few seconds: a busy solo worker is pinged many times while its task runs."""
    run.liveness_interval = 0
    run.queue_check_after = 0.5
    return run


def test_a_busy_solo_worker_is_not_taken_for_lost_nor_the_run_for_stuck(workers):
    # The second nap waits in the queue while the first runs: the worker answers neither the
    # run's pings nor its question of which queues it consumes until the first ends.
    canvas = group(nap.si(6, "long").set(queue="solo"), nap.si(0, "short").set(queue="solo"))
    run = _watched_closely(cw.run(canvas, app=app))
    said: set[str | None] = set()

    def done() -> bool:
        said.add(run.stuck)
        return run.done

    wait_until(done, 60, lambda: f"the run done; {run!r}")

    assert run.wait(timeout=10) == ["long", "short"]
    assert run.states == dict.fromkeys(run.task_ids, "SUCCESS")
    assert all("exception" not in run.info(t) for t in run.task_ids)
    assert run.info(run.task_ids[0])["worker"] == SOLO
    assert said == {None}


def test_a_threads_worker_silent_while_a_task_keeps_the_gil_is_not_taken_for_lost(workers):
    # A first run, pinging the worker while its task runs, learns its pool (a threads pool).
    _watched_closely(cw.run(nap.si(2).set(queue="threads"), app=app)).wait(timeout=30)
    assert _POOLS[str(app.conf.broker_url), THREADS] == "celery.concurrency.thread:TaskPool"

    run = _watched_closely(cw.run(hold_gil.si(6, "held").set(queue="threads"), app=app))
    [task_id] = run.task_ids
    wait_until(lambda: run.states[task_id] == "STARTED", 20, "the task STARTED")
    # While the task keeps the GIL the worker answers no ping (the run pings it every second).
    assert app.control.ping(destination=[THREADS], timeout=1.5) == []

    assert run.wait(timeout=60) == "held"
    assert run.states[task_id] == "SUCCESS"
    assert "exception" not in run.info(task_id)


def test_a_terminate_a_busy_solo_worker_does_not_answer_is_said(workers):
    run = cw.run(nap.si(3, "slept").set(queue="solo"), app=app)
    [task_id] = run.task_ids
    wait_until(lambda: run.states[task_id] == "STARTED", 20, "the nap STARTED")

    with pytest.warns(NotTerminated, match=rf"{SOLO}: no answer in 1 s \(a solo pool cannot"):
        assert run.revoke(terminate=True) == [task_id]

    # It was not terminated: it runs to its end (and frees the worker for the next test).
    wait_until(lambda: run.done, 30, lambda: f"the nap ended; {run!r}")


def test_a_terminate_reaches_a_running_task_that_looks_sent(workers):
    run = cw.run(nap.si(60, "never").set(queue="silent"), app=app)
    [task_id] = run.task_ids

    def running() -> bool:
        active = app.control.inspect(destination=[SILENT], timeout=0.5).active() or {}
        return any(task["id"] == task_id for task in active.get(SILENT, []))

    wait_until(running, 30, "the nap running on its worker")
    assert run.states[task_id] == "SENT"  # no event and no STARTED record say otherwise

    run.revoke(terminate=True)

    with pytest.raises(TaskRevokedError):
        run.wait(timeout=30)
    assert run.states[task_id] == "REVOKED"
    assert not running()
