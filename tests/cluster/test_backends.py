"""Runs on result backends other than Redis, with a Redis broker and real worker processes
started with that backend (``celery worker --result-backend ...``), as a user's own cluster
configured from a Celery tutorial is. LocalCluster would give the app its own Redis backend.

Backends that keep results where every process reads them (a shared directory, a database)
work end to end, ``attach()`` too; ``cache+memory://``, which each process keeps in its own
memory, is refused before anything is sent when a worker of another process answers."""

from __future__ import annotations

import contextlib
import gc
import json
import os
import secrets
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from celery import Celery, _state, chain, chord, group
from celery.contrib.testing.worker import start_worker

import canvas_widgets as cw
from canvas_widgets.cluster import _stop_process, redis_server_executable
from canvas_widgets.run import TaskFailed, UnsupportedBackend, WorkflowRun
from canvas_widgets.tracking import EventMonitor, carries_control

from . import backend_tasks
from .waiting import wait_until

ROOT = Path(__file__).resolve().parents[2]  # where `tests.cluster.backend_tasks` imports from
# Worker settings as LocalCluster's: task events, the tasks they send announced, STARTED.
SETTINGS = {"worker_send_task_events": True, "task_send_sent_event": True,
            "task_track_started": True, "result_extended": True}  # fmt: skip


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def broker(tmp_path_factory) -> Iterator[str]:
    """A Redis server of this module's own, as the broker (stopped by PID)."""
    port = _free_port()
    log = tmp_path_factory.mktemp("redis") / "redis.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [redis_server_executable(), "--port", str(port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no"],
            stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url)
    try:
        wait_until(lambda: _answers(client), 10, "redis-server answers a ping")
        yield url
    finally:
        client.close()
        _stop_process(proc, 5)


def _answers(client: redis.Redis) -> bool:
    with contextlib.suppress(redis.ConnectionError):
        return bool(client.ping())
    return False


@contextlib.contextmanager
def cluster_with(broker: str, backend: str, log_dir: Path) -> Iterator[Celery]:
    """One real worker of ``backend_tasks`` storing its results in ``backend``, and an app of
    the test's own configured as it is (the tasks registered under their names)."""
    app = Celery("backend_client", broker=broker, backend=backend, set_as_current=False)
    app.conf.update(SETTINGS)
    tasks = [backend_tasks.add, backend_tasks.tsum, backend_tasks.boom]
    for task in [*tasks, backend_tasks.fail_by_hand]:
        bound = hasattr(task.run, "__func__")  # a bound task's run is a method of it
        app.task(name=task.name, bind=bound)(task.run.__func__ if bound else task.run)
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    env.pop("CELERY_RESULT_BACKEND", None)
    extra = [f"{key}=(json){json.dumps(value)}" for key, value in SETTINGS.items()]
    name = f"backends-{secrets.token_hex(3)}@%h"
    with open(log_dir / "worker.log", "ab") as log:
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "tests.cluster.backend_tasks:app",
             "-b", broker, "--result-backend", backend,
             "worker", "--pool=prefork", "-c", "2", "-E", "--without-gossip",
             "--without-mingle", "--without-heartbeat", "-n", name, "--loglevel=INFO",
             "--", *extra],
            stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True,
        )  # fmt: skip
    log_text = (log_dir / "worker.log").read_text
    # A broker without remote control (kombu's SQL transport) carries no ping: its log says.
    answers = (
        (lambda: app.control.ping(timeout=0.2))
        if carries_control(app)
        else (lambda: f"{name.replace('%h', socket.gethostname())} ready." in log_text())
    )
    try:
        wait_until(
            lambda: worker.poll() is None and answers(),
            30,
            lambda: f"a worker is ready; its log:\n{log_text()}",
        )
        yield app
    finally:
        EventMonitor.stop_for(app)
        gc.collect()
        _stop_process(worker, 10)


def _attached_anew(run: WorkflowRun) -> WorkflowRun:
    """The run as another process attaching it would see it (this one's monitor forgets it)."""
    EventMonitor.for_app(run.app).forget(run)
    attached = WorkflowRun.attach(run.id, run.app)
    assert attached is not run
    return attached


def _runs_end_to_end(app: Celery) -> None:
    """A chord and a failing chain run, wait, attach anew (runtimes kept) and retry; a failure
    stored by hand ends its run."""
    add, tsum, boom = (app.tasks[t.name] for t in (backend_tasks.add, backend_tasks.tsum,
                                                   backend_tasks.boom))  # fmt: skip
    run = cw.run(chord([add.si(1, 1), add.si(2, 2)], tsum.s()), app=app)
    assert run.wait(timeout=30) == 6
    assert run.info(run.task_ids[-1])["result"] == "6"
    attached = _attached_anew(run)
    assert attached.states == dict.fromkeys(run.task_ids, "SUCCESS")
    assert all(attached.info(t)["runtime"] is not None for t in run.task_ids)  # what it saw

    failing = cw.run(chain(add.si(1, 2), boom.s(), add.s(1)), app=app)
    with pytest.raises(ValueError, match="boom"):
        failing.wait(timeout=30)
    first, failed, last = failing.task_ids
    assert failing.states == {first: "SUCCESS", failed: "FAILURE", last: "FAILURE"}
    assert "ValueError" in failing.info(failed)["traceback"]
    assert _attached_anew(failing).states == failing.states
    again = failing.retry(failed)  # fed with the first task's stored result
    with pytest.raises(ValueError, match="boom"):
        again.wait(timeout=30)

    # A failure stored by hand, which Celery cannot read back, and no event tells: on a
    # database it was read as Celery reads it, which raised (logged every second), and the
    # run waited for ever.
    by_hand = app.tasks[backend_tasks.fail_by_hand.name]
    stored = cw.run(group(by_hand.si("out of stock"), add.si(2, 3)), app=app)
    with pytest.raises(TaskFailed, match=r"fail_by_hand failed: .*'out of stock'"):
        stored.wait(timeout=30)
    assert list(stored.states.values()) == ["FAILURE", "SUCCESS"]


def test_a_run_on_a_shared_directory_backend_works_end_to_end(broker, tmp_path):
    # The file system backend's keys are bytes: the run's record under a text key raised
    # TypeError from inside Celery, and nothing ran.
    results = tmp_path / "results"
    results.mkdir()
    with cluster_with(broker, f"file://{results}", tmp_path) as app:
        _runs_end_to_end(app)


def test_a_run_on_a_database_backend_works_end_to_end_attach_too(broker, tmp_path):
    pytest.importorskip("sqlalchemy", reason="db+sqlite:// needs SQLAlchemy")
    # A database keeps task results only: the run's record is kept as one. attach() said the
    # backend "keeps no runs".
    with cluster_with(broker, f"db+sqlite:///{tmp_path / 'results.sqlite'}", tmp_path) as app:
        _runs_end_to_end(app)


def test_a_memory_backend_a_worker_process_does_not_share_is_refused(broker, tmp_path):
    # Each process keeps cache+memory:// in its own memory: the run read no result, and
    # wait() gave None for every one; a chord never ran.
    with cluster_with(broker, "cache+memory://", tmp_path) as app:
        add = app.tasks[backend_tasks.add.name]
        with pytest.raises(UnsupportedBackend, match=r"in-memory cache .*Nothing was sent"):
            cw.run(chain(add.si(1, 2), add.s(3)), app=app)
        [stats] = app.control.inspect(timeout=5, limit=1).stats().values()
        assert stats["total"] == {}  # the worker took no task


def test_a_memory_backend_shared_with_a_worker_in_this_process_runs(broker):
    # The one place cache+memory:// works: a worker inside this process (Celery's testing
    # worker, threads) shares its memory. The refusal above must not reach it.
    app = Celery("in_process", broker=broker, backend="cache+memory://", set_as_current=False)
    app.conf.update(SETTINGS)
    add = app.task(name="in_process.add")(backend_tasks.add.run)
    tsum = app.task(name="in_process.tsum")(backend_tasks.tsum.run)
    # Celery's testing worker makes the app the default and current one: given back after.
    default, current = _state.default_app, _state.get_current_app()
    try:
        with start_worker(app, pool="threads", perform_ping_check=False, loglevel="WARNING"):
            run = cw.run(chord([add.si(1, 1), add.si(2, 2)], tsum.s()), app=app)
            assert run.wait(timeout=30) == 6
    finally:
        _state.set_default_app(default)
        _state._set_current_app(current)
        EventMonitor.stop_for(app)
        gc.collect()


def test_a_broker_without_events_or_remote_control_runs_from_the_backend(tmp_path, caplog):
    pytest.importorskip("sqlalchemy", reason="sqla+sqlite:// and db+sqlite:// need SQLAlchemy")
    # kombu's SQL transport carries neither task events nor broadcasts (nor does Amazon SQS):
    # each run waited 10 s for a probe event before it started, and a revoke marked tasks
    # REVOKED that the workers, never hearing of it, then ran (their results standing).
    broker = f"sqla+sqlite:///{tmp_path / 'broker.sqlite'}"
    backend = f"db+sqlite:///{tmp_path / 'results.sqlite'}"
    with cluster_with(broker, backend, tmp_path) as app:
        add = app.tasks[backend_tasks.add.name]
        run = cw.run(add.si(1, 2), app=app)
        assert run.wait(timeout=30) == 3  # its state read from the backend alone
        assert EventMonitor.for_app(app).events is False
        assert "carries no task events (kombu's 'sql' transport)" in caplog.text

        later = cw.run(add.si(1, 1).set(countdown=60), app=app)
        with pytest.raises(RuntimeError, match=r"carries no remote control.*Nothing was revoked"):
            later.revoke()
        assert later.states[later.task_ids[0]] == "SENT"  # not marked REVOKED
