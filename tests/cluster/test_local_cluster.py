"""LocalCluster against a real Redis server and real Celery worker processes (no mocks)."""

from __future__ import annotations

import gc
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from celery import Celery, chord
from celery.exceptions import TimeoutError as CeleryTimeoutError
from celery.result import AsyncResult

import canvas_widgets as cw
from canvas_widgets.cluster import ClusterError, LocalCluster, redis_server_executable
from canvas_widgets.demo import add, sleep, tsum
from canvas_widgets.demo import app as demo_app
from canvas_widgets.tracking import EventMonitor

needs_proc = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")

# celery 5.7's Redis backend stores results with redis-py's setex, which redis-py 8 deprecates.
# Worker processes ignore that warning; an in-kernel worker under -W error would fail to store.
ignore_setex = pytest.mark.filterwarnings("ignore:Call to deprecated setex:DeprecationWarning")


def _alive(pid: int) -> bool:
    """True if the process exists and is not a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[0] != "Z"


def _children(pid: int) -> set[int]:
    """PIDs of the live direct children of ``pid``."""
    children = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            children.add(int(stat.parent.name))
    return children


TASK_EVENTS = {"task-sent", "task-received", "task-started", "task-succeeded"}


def _task_events(app: Celery, send: Callable[[], AsyncResult], timeout: float = 15.0) -> set[str]:
    """The event types an event receiver saw for the task whose result ``send`` returns: the
    second step of a chain, which a worker sends (the notebook sends no task-sent events, see
    cluster.py; workers do).

    Events travel over Redis pub/sub, so the receiver only sees what is sent after it has
    subscribed: send chains until a task is seen from its task-sent on. A worker buffers its own
    task events briefly, so they may arrive after the pool's task-succeeded: wait for them all.
    """
    seen: dict[str, set[str]] = {}

    def on_event(event: dict) -> None:
        seen.setdefault(event.get("uuid", ""), set()).add(event["type"])

    with app.connection_for_read() as connection:
        receiver = app.events.Receiver(connection, handlers={"*": on_event})
        # capture() would check should_stop only once a second; consume() takes the interval.
        thread = threading.Thread(
            target=lambda: list(receiver.consume(safety_interval=0.1, wakeup=False)), daemon=True
        )
        thread.start()
        try:
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                result = send()
                result.get(timeout=10)
                # Its task-sent (from the worker) says whether we had subscribed in time.
                sent_by = time.monotonic() + 2.0
                while "task-sent" not in seen.get(result.id, ()) and time.monotonic() < sent_by:
                    time.sleep(0.01)
                if "task-sent" in seen.get(result.id, ()):
                    # We had: the worker's events come too, late under load. Wait for them.
                    while not seen[result.id] >= TASK_EVENTS and time.monotonic() < deadline:
                        time.sleep(0.01)
                    return seen[result.id]
            raise AssertionError(f"no task seen from its task-sent on; saw {seen}")
        finally:
            receiver.should_stop = True
            thread.join(5)


def test_redis_server_executable_is_found():
    assert os.access(redis_server_executable(), os.X_OK)


def test_a_task_runs_and_returns_its_value(cluster):
    assert add.delay(2, 2).get(timeout=10) == 4


def test_the_canvas_guide_chord_runs(cluster):
    assert chord(add.s(i, i) for i in range(10))(tsum.s()).get(timeout=20) == 90


def test_the_app_and_the_workers_share_the_cluster_settings(cluster):
    result = sleep.delay(0.5, "done")
    states = set()
    while not result.ready():
        states.add(result.state)
        time.sleep(0.02)
    assert result.get(timeout=10) == "done"
    assert "STARTED" in states  # task_track_started reached the workers
    assert result.name == "canvas_widgets.demo.sleep"  # so did result_extended
    assert demo_app.conf.accept_content == ["json"]
    assert demo_app.conf.broker_url == demo_app.conf.result_backend == cluster.broker_url


def test_the_workers_send_task_events(cluster):
    events = _task_events(demo_app, lambda: (add.s(1, 1) | add.s(1)).delay())
    assert events >= TASK_EVENTS


def test_the_app_sends_no_task_sent_events_of_its_own(cluster):
    # A run marks what it publishes SENT in this process (tracking.py): an event per task
    # would double the messages of publishing.
    assert not demo_app.conf.task_send_sent_event


@needs_proc
def test_the_workers_are_real_processes(cluster):
    assert sorted(cluster.pids) == sorted(cluster.workers)
    assert len(cluster.workers) == 2
    for nodename, pid in cluster.pids.items():
        assert pid != os.getpid()
        assert _alive(pid)
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        assert b"celery" in cmdline
        assert b"worker" in cmdline
        assert nodename.encode() in cmdline
        assert _children(pid), "a prefork worker has pool processes"
    replies = demo_app.control.ping(destination=cluster.workers, timeout=2.0, limit=2)
    assert sorted(name for reply in replies for name in reply) == sorted(cluster.workers)
    assert _alive(cluster.redis_pid)


def test_logs_repr_and_status(cluster):
    logs = cluster.logs()
    assert sorted(logs) == sorted(cluster.workers)
    assert all(" ready." in text for text in logs.values())
    assert cluster.status == "running"
    text = repr(cluster)
    assert "2 worker(s)" in text
    assert "running" in text
    assert "redis://" not in text
    assert cluster.log_dir.is_dir()


@needs_proc
def test_close_stops_exactly_what_it_started_and_gives_the_app_back(cluster):
    session_pids = {*cluster.pids.values(), cluster.redis_pid}
    other = LocalCluster(demo_app, workers=1)
    assert demo_app.conf.broker_url == other.broker_url != cluster.broker_url
    assert add.delay(3, 4).get(timeout=10) == 7
    (worker_pid,) = other.pids.values()
    started = {worker_pid, other.redis_pid, *_children(worker_pid)}
    assert len(started) >= 4  # worker, its two pool processes, redis
    log_dir = other.log_dir
    waiting = add.apply_async((1, 1), queue="nobody-listens")
    with pytest.raises(CeleryTimeoutError):
        waiting.get(timeout=0.1)  # now subscribed to a result that never comes

    other.close()

    assert not [pid for pid in started if _alive(pid)]
    assert not log_dir.exists()
    assert other.status == "closed"
    other.close()  # a second close is harmless
    t0 = time.monotonic()
    del waiting  # its unsubscribe must not retry against the stopped server (~20 s)
    gc.collect()
    assert time.monotonic() - t0 < 2
    assert all(_alive(pid) for pid in session_pids)
    # The demo app points at the session cluster again, and works there.
    assert demo_app.conf.broker_url == cluster.broker_url
    assert add.delay(5, 6).get(timeout=10) == 11


@needs_proc
def test_a_cluster_made_again_before_the_first_closes_gives_the_app_back_to_what_it_was(cluster):
    # A notebook cell `cluster = LocalCluster(app)` run twice: the second cluster takes the app,
    # then the first goes (its last reference dropped). The second's close must not give the
    # app the first one's settings: its Redis is gone.
    first = LocalCluster(demo_app, workers=1)
    assert cw.run(add.si(1, 2), app=demo_app).wait(timeout=10) == 3
    watching_first = EventMonitor._key(demo_app)
    second = LocalCluster(demo_app, workers=1)
    assert cw.run(add.si(2, 2), app=demo_app).wait(timeout=10) == 4
    first.close()
    assert watching_first not in EventMonitor._instances  # no receiver retries a dead server
    assert add.delay(3, 4).get(timeout=10) == 7  # the second still serves the app
    second.close()
    assert demo_app.conf.broker_url == cluster.broker_url
    assert add.delay(5, 6).get(timeout=10) == 11


@needs_proc
def test_an_app_that_workers_cannot_import_is_a_clear_error(cluster):
    app = Celery("notimportable", set_as_current=False)

    @app.task(name="notimportable.double")
    def double(x):
        return 2 * x

    before = _children(os.getpid())
    with pytest.raises(ClusterError, match=r"processes=False") as info:
        LocalCluster(app)
    assert "not importable" in str(info.value)
    assert _children(os.getpid()) == before  # nothing was started


@ignore_setex
def test_an_in_kernel_worker_serves_an_app_defined_here():
    app = Celery("inkernel", set_as_current=False)

    @app.task(name="inkernel.double")
    def double(x):
        return 2 * x

    with LocalCluster(app, processes=False, concurrency=2) as in_kernel:
        assert in_kernel.pids == {}
        assert app.conf.broker_url == in_kernel.broker_url
        assert double.delay(21).get(timeout=10) == 42
        events = _task_events(app, lambda: (double.s(1) | double.s()).delay())
        assert events >= TASK_EVENTS
        assert "processes=False" not in repr(in_kernel)
        assert "threads" in repr(in_kernel)
    assert in_kernel.status == "closed"
    assert not [t for t in threading.enumerate() if t.name in in_kernel.workers]


@needs_proc
def test_a_worker_that_dies_at_start_is_reported_with_its_log_tail():
    before = _children(os.getpid())
    with pytest.raises(ClusterError, match="exited with code") as info:
        LocalCluster(Celery("bogus", set_as_current=False), module="canvas_widgets.no_such_module")
    assert "canvas_widgets.no_such_module was not found" in str(info.value)
    assert _children(os.getpid()) == before  # its Redis was stopped too


def test_workers_import_the_app_from_where_this_process_found_it(tmp_path, monkeypatch):
    # A module next to a notebook, say: importable here through sys.path, not through the
    # workers' working directory.
    package = tmp_path / "cw_cluster_probe"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "tasks.py").write_text(
        "from celery import Celery\n"
        "app = Celery('cw_cluster_probe.tasks', set_as_current=False)\n"
        "@app.task\n"
        "def triple(x):\n"
        "    return 3 * x\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    from cw_cluster_probe.tasks import app, triple

    try:
        with LocalCluster(app) as probe:
            assert probe.module == "cw_cluster_probe.tasks:app"
            assert triple.delay(5).get(timeout=10) == 15
    finally:
        for name in ("cw_cluster_probe.tasks", "cw_cluster_probe"):
            sys.modules.pop(name, None)


@needs_proc
def test_a_hard_killed_owner_leaves_nothing_behind(tmp_path):
    """SIGKILL runs no atexit hook: the watchdog stops Redis and the workers instead."""
    script = (
        "import json, sys, time\n"
        "from canvas_widgets.cluster import LocalCluster\n"
        "from canvas_widgets.demo import app\n"
        "cluster = LocalCluster(app, workers=1)\n"
        "pids = [cluster.redis_pid, *cluster.pids.values()]\n"
        "print(json.dumps({'pids': pids, 'dir': str(cluster.log_dir)}), flush=True)\n"
        "time.sleep(600)\n"
    )
    owner = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    started = json.loads(owner.stdout.readline())
    pids = started["pids"]
    pids += [child for pid in pids for child in _children(pid)]  # the prefork pool too
    assert len(pids) >= 3 and all(map(_alive, pids))
    owner.send_signal(signal.SIGKILL)
    owner.wait()
    deadline = time.monotonic() + 30  # a failure bound, not a speed target
    while time.monotonic() < deadline and (any(map(_alive, pids)) or Path(started["dir"]).exists()):
        time.sleep(0.1)
    assert [pid for pid in pids if _alive(pid)] == []
    assert not Path(started["dir"]).exists()


def test_connect_uses_a_cluster_another_owner_runs_and_stops_nothing(cluster):
    other = Celery("canvas_widgets.demo")  # a second app, as a kernel started by the demo has
    connected = LocalCluster.connect(other, cluster.broker_url)
    assert connected.workers == sorted(cluster.workers)
    assert f"at {cluster.broker_url}, connected, running" in repr(connected)
    assert other.send_task("canvas_widgets.demo.add", (2, 3)).get(timeout=10) == 5
    connected.close()
    assert other.conf.broker_url is None  # its own settings back
    assert add.delay(1, 1).get(timeout=10) == 2  # the owner's cluster still runs


def test_connect_to_nothing_is_a_clear_error():
    app = Celery("nothing-here")
    with pytest.raises(
        ClusterError, match=r"cannot reach the cluster.s Redis at redis://127\.0\.0\.1:1/0"
    ):
        LocalCluster.connect(app, "redis://127.0.0.1:1/0", timeout=1)
    assert app.conf.broker_url is None
