"""Watching runs: one Celery event receiver per broker, plus reconciliation from the result backend.

Events say what happens as it happens, but they can be missed (a monitor started late, workers
without ``-E``, a dropped message). So every run also reads the true state of its unfinished
tasks from the result backend, in bulk (one round trip for many ids), until it is done.
Events carry no group or chord ids: they only move the states of the nodes that freezing named.
"""

from __future__ import annotations

import copy
import logging
import os
import threading
import time
import uuid
import weakref
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, ClassVar

import kombu
from celery import Celery, signals, states
from celery.backends.base import DisabledBackend
from celery.backends.cache import CacheBackend
from celery.backends.rpc import RPCBackend
from celery.events.dispatcher import EventDispatcher
from celery.events.event import get_exchange
from celery.events.receiver import EventReceiver
from kombu.utils.url import maybe_sanitize_url

from .display import display_repr

if TYPE_CHECKING:
    from .run import WorkflowRun

__all__ = [
    "RANK",
    "TERMINAL",
    "EventMonitor",
    "bounded_repr",
    "carries_control",
    "carries_events",
    "fetch_states",
    "is_running",
    "merge_state",
    "own_progress",
    "readable",
    "safe_repr",
    "short_repr",
    "unsupported_backend",
    "workers_elsewhere",
]

log = logging.getLogger(__name__)

#: States that never change again.
TERMINAL = frozenset({states.SUCCESS, states.FAILURE, states.REVOKED})

#: Terminal states that stop what depends on the task (and that a run can be retried from).
STOPPED = frozenset({states.FAILURE, states.REVOKED})

#: States of a task running on a worker now (what a terminating revoke stops); is_running
#: counts a state of the task's own too.
RUNNING = frozenset({states.STARTED, "PROGRESS"})

#: How far along each state is; a run never moves a task backwards (except out of RETRY).
RANK = {
    states.PENDING: 0,
    "SENT": 1,
    states.RECEIVED: 2,
    states.STARTED: 3,
    "PROGRESS": 4,
    states.RETRY: 4,
    states.SUCCESS: 5,
    states.FAILURE: 5,
    states.REVOKED: 5,
}

_EVENT_STATES = {
    "task-sent": "SENT",
    "task-received": states.RECEIVED,
    "task-started": states.STARTED,
    "task-progress": "PROGRESS",
    "task-retried": states.RETRY,
    "task-succeeded": states.SUCCESS,
    "task-failed": states.FAILURE,
    "task-revoked": states.REVOKED,
}
_PROBE = "canvas-widgets-probe"


#: How to get a backend that works without configuring one (the command line says its own).
LOCAL_REDIS = "cw.LocalCluster(app) sets its own Redis."
#: What works instead of a result backend a run cannot use (see unsupported_backend).
BACKENDS_THAT_WORK = (
    "Use one that stores results where every process reads them: Redis "
    "(backend='redis://...'), a database (backend='db+sqlite:///results.sqlite') or a shared "
    f"directory (backend='file:///path/to/dir'); {LOCAL_REDIS}"
)


def unsupported_backend(app: Celery) -> str | None:
    """Why a run cannot use the app's result backend, or None if it can (as far as can be told
    without asking the workers: see :func:`workers_elsewhere`).

    A run reads every task's state and result from the backend, again and again (its
    reconciliation, :meth:`~canvas_widgets.WorkflowRun.wait`, a retry, the details a view asks
    for), and keeps its own record there for ``attach()``. No backend at all
    (``DisabledBackend``) has nothing to read; ``rpc://`` sends each result as a message to the
    process that sent the task, to be read once (a second read finds nothing: measured, three
    reads of a finished group's results found one, then none, and ``.get()`` then timed out),
    and Celery runs no chord on it. (The messages name no URL: a view hides the app's.)

    >>> print(unsupported_backend(Celery(set_as_current=False)))  # doctest: +ELLIPSIS
    the app has no result backend (Celery(..., backend=...) is not set): ...
    >>> unsupported_backend(Celery(backend="cache+memory://", set_as_current=False)) is None
    True
    """
    try:
        backend = app.backend
    except Exception:  # a URL Celery cannot load: the run's first read says what is wrong
        return None
    if isinstance(backend, DisabledBackend):
        return (
            "the app has no result backend (Celery(..., backend=...) is not set): a run reads "
            "its tasks' states and results there, and keeps its record there. " + BACKENDS_THAT_WORK
        )
    if isinstance(backend, RPCBackend):
        return (
            "the app's result backend is Celery's \"rpc\" backend (RPCBackend), which sends "
            "each result as a message to the process that sent the task, to be read once: a run "
            "reads its tasks' states and results many times (the live view, wait(), retry) and "
            "keeps its record in the backend, and Celery runs no chord on it. " + BACKENDS_THAT_WORK
        )
    return None


def workers_elsewhere(app: Celery, timeout: float = 1.0) -> str | None:
    """Why a run cannot use a result backend that lives in this process's own memory
    (``cache+memory://``), or None: a worker of another process answers, and what it stores
    this process never reads (its runs would end with None for every result, its chords never
    fire), or no worker answers at all (one started later, in another process, would be such
    a one). Only asked of such a backend; a worker of this process (an in-process test worker)
    shares it. One worker's answer is enough (it comes back at once)."""
    backend = app.backend
    if not (isinstance(backend, CacheBackend) and backend.backend == "memory"):
        return None
    replies = app.control.inspect(timeout=timeout, limit=1).stats() or {}
    local = (
        "the app's result backend is Celery's in-memory cache (\"cache+memory\"), which keeps "
        "results in each process's own memory"
    )
    if not replies:
        return (
            f"{local}, and no worker answered: only a worker inside this process, started "
            "before the run, would store them where this process reads them. " + BACKENDS_THAT_WORK
        )
    for worker, stats in replies.items():
        pid = stats.get("pid")
        if isinstance(pid, int) and pid != os.getpid():
            return (
                f"{local}: worker {worker} (process {pid}) stores them where this process never "
                "reads them, so every result would read as None and chords would never run. "
                "It serves only workers inside this process. " + BACKENDS_THAT_WORK
            )
    return None


def fetch_states(app: Celery, task_ids: list[str]) -> dict[str, dict]:
    """Read the stored result meta of many tasks at once; tasks with none are left out.

    A key-value backend (Redis, memcached, ...) answers with one ``MGET``; any other backend is
    asked task by task. Never a loop of ``AsyncResult(id).state``, which costs a round trip each.
    A record Celery cannot read back is given as stored (see _metas).
    """
    return _metas(app.backend, task_ids, as_stored=True)


def readable(app: Celery, task_ids: list[str], *, decoded: bool = True) -> set[str]:
    """The tasks whose outcome Celery can read back from the result backend: a record of a
    state that does not change again, that Celery can decode.

    Not a task that ran with ``ignore_result`` (Celery stores nothing of it, and a ``.get()``
    of it waits for ever), nor one the run ended itself where Celery did not (see
    ``WorkflowRun._decided``), nor one whose record Celery cannot decode (see _metas).
    With ``decoded=False``, every task that has a record at all.
    """
    if not decoded and (present := _present(app.backend, task_ids)) is not None:
        return present
    if not decoded and (records := _records(app.backend, task_ids)) is not None:
        return set(records)  # no need to decode them
    metas = _metas(app.backend, task_ids, as_stored=False)
    return {t for t, meta in metas.items() if not decoded or meta["status"] in TERMINAL}


def _metas(backend: Any, task_ids: list[str], *, as_stored: bool) -> dict[str, dict]:
    """Task id -> its stored result meta, decoded as Celery decodes it, for the tasks that have
    one; a record Celery cannot decode is given as stored (``as_stored``), or left out.

    A task may store what Celery cannot turn back into an exception: ``update_state(
    state=FAILURE, meta={"reason": ...})`` then ``raise Ignore()`` is a common way to fail a task
    by hand. Celery's own read of that record raises (``AsyncResult(id).state`` too); as stored,
    the task keeps its stored status, and the meta it stored stands for its exception.
    """
    records = _records(backend, task_ids)
    if records is None:  # no key/value access (a database): decoded one by one
        reader, rows = backend, _rows(backend, task_ids)
        if rows is not None:  # fetched in a few queries: Celery decodes the rows fetched
            reader = copy.copy(backend)
            reader._query_task = lambda session, task_id, for_update=False: rows.get(task_id)
            task_ids = list(rows)  # the others have no record (PENDING)
        metas = {}
        for task_id in task_ids:
            try:
                meta = reader.get_task_meta(task_id)
            except Exception:  # a record Celery cannot read back, or the backend is down
                if not as_stored:
                    continue
                meta = _meta_as_stored(backend, task_id)  # raises again if it is down
            if meta["status"] != states.PENDING:
                metas[task_id] = meta
        return metas
    metas = {}
    for task_id, value in records.items():
        try:
            metas[task_id] = backend.decode_result(value)
        except Exception:
            if as_stored:
                metas[task_id] = backend.decode(value)
    return metas


def _meta_as_stored(backend: Any, task_id: str) -> dict:
    """A task's record on a backend without key/value access, its exception as stored: Celery
    reads a FAILURE's result back as an exception, and raises on one a task stored itself
    (``meta={"reason": ...}``). Read by a copy of the backend that leaves it as it is."""
    reader = copy.copy(backend)
    reader.exception_to_python = lambda stored: stored
    return reader._get_task_meta_for(task_id)


def _rows(backend: Any, task_ids: list[str], *, ids_only: bool = False) -> dict[str, Any] | None:
    """Task id -> its row, for the tasks that have one, on Celery's database backend
    (SQLAlchemy: ``db+sqlite://``, ``db+postgresql://``...), in a query per 500 ids; None on
    another backend, or when the query fails (a table of an older Celery: Celery's own read of
    each task copes, and says what is wrong). Celery reads a task per query: at 500 tasks
    that was 1.3 s a read on SQLite, three reads as the run ends. ``ids_only``: the ids alone,
    not the rows (whose results may be big)."""
    model = getattr(backend, "task_cls", None)
    if not (hasattr(backend, "ResultSession") and hasattr(model, "task_id")):
        return None
    session = backend.ResultSession()
    try:
        found: dict[str, Any] = {}
        for start in range(0, len(task_ids), 500):
            chunk = task_ids[start : start + 500]
            query = session.query(model.task_id if ids_only else model)
            for row in query.filter(model.task_id.in_(chunk)):
                found[row.task_id] = row
        return found
    except Exception:
        log.debug("cannot read the rows of %d tasks at once", len(task_ids), exc_info=True)
        return None
    finally:
        session.close()


def _present(backend: Any, task_ids: list[str]) -> set[str] | None:
    """The tasks that have a stored record, in one round trip of ``EXISTS`` (pipelined), on a
    Redis backend, or a query of their ids on a database; None on another. Not a read of the
    records: a group's 200 results of 1 MB each would be 200 MB to fetch for a yes or no."""
    if (rows := _rows(backend, task_ids, ids_only=True)) is not None:
        return set(rows)
    client = getattr(backend, "client", None)
    if not (hasattr(client, "pipeline") and hasattr(backend, "get_key_for_task")):
        return None
    if not task_ids:
        return set()
    with client.pipeline(transaction=False) as pipe:
        for task_id in task_ids:
            pipe.exists(backend.get_key_for_task(task_id))
        found = pipe.execute()
    return {t for t, n in zip(task_ids, found, strict=True) if n}


def _records(backend: Any, task_ids: list[str]) -> dict[str, Any] | None:
    """The stored records of the tasks that have one, as stored, in one round trip; None for
    a backend without key/value access."""
    if not (hasattr(backend, "mget") and hasattr(backend, "get_key_for_task")):
        return None
    if not task_ids:
        return {}
    keys = [backend.get_key_for_task(i) for i in task_ids]
    values = backend.mget(keys)
    if isinstance(values, Mapping):  # memcached's get_multi: the keys it has, and values
        values = [values.get(key) for key in keys]
    return {t: v for t, v in zip(task_ids, values, strict=True) if v is not None}


def carries_control(app: Celery) -> bool:
    """Whether the app's broker carries Celery's remote control (revoke, ping, inspect), which
    is broadcast through a fanout exchange: not kombu's SQL transport (``sqla+...``) nor Amazon
    SQS, whose workers never hear a revoke."""
    try:
        with app.connection_for_read() as connection:
            return "fanout" in connection.transport.implements.exchange_type
    except Exception:  # a URL kombu cannot load: the first use of it says what is wrong
        return True


def carries_events(app: Celery) -> bool:
    """Whether the app's broker carries Celery's task events: not kombu's SQL transport
    (``sqla+...``: Celery sends no events there, ``-E`` or not), nor one without the exchange
    type events go through (Amazon SQS has direct exchanges only)."""
    try:
        with app.connection_for_read() as connection:
            transport = connection.transport
            exchange = get_exchange(connection, name=app.conf.event_exchange)
    except Exception:  # a URL kombu cannot load: the receiver's connection says what is wrong
        return True
    return (
        transport.driver_type not in EventDispatcher.DISABLED_TRANSPORTS
        and exchange.type in transport.implements.exchange_type
    )


class _Receiver(EventReceiver):
    """Celery's event receiver, telling us when its consumer exists."""

    def __init__(self, *args, on_ready, **kwargs):
        super().__init__(*args, **kwargs)
        self._on_ready = on_ready

    def on_consume_ready(self, connection, channel, consumers, **kwargs):
        super().on_consume_ready(connection, channel, consumers, wakeup=False)
        self._on_ready()


class EventMonitor:
    """The watcher of one broker: routes task events to runs, reconciles them from the backend.

    There is one per broker URL, shared by every run of apps on that broker
    (:meth:`for_app`). Three daemon threads: the event receiver, a reconciler that reads the
    backend for runs still going (every ``reconcile_interval`` seconds), and a dispatcher that
    hands each run its batched changes (at most ``1 / flush_interval`` times a second).
    """

    _instances: ClassVar[dict[str, EventMonitor]] = {}
    _instances_lock = threading.Lock()

    reconcile_interval = 1.0
    flush_interval = 0.1

    def __init__(self, app: Celery):
        self.app = app
        self._runs: dict[str, weakref.ReferenceType[WorkflowRun]] = {}  # task id -> run
        self._active: weakref.WeakSet[WorkflowRun] = weakref.WeakSet()
        # Runs collected while followed (dropped before they were done): their refs, put here
        # by the collector, and, by id(ref), their task ids, whose routes go in _sweep.
        self._gone: list[weakref.ReferenceType[WorkflowRun]] = []
        self._ids_of: dict[int, list[str]] = {}
        self._lock = threading.Lock()
        self._ready = threading.Event()
        self._probe_seen = threading.Event()
        self._stop = threading.Event()
        self._receiver: _Receiver | None = None
        #: Whether task events reach the monitor (see carries_events): without them, each
        #: run waited for a probe event for 10 s before it started.
        self.events = carries_events(app)
        if not self.events:
            log.warning(
                "the broker %s carries no task events (kombu's %r transport): runs read their "
                "states from the result backend, once a second",
                maybe_sanitize_url(self._key(app)),
                app.connection_for_read().transport.driver_type,
            )
        self._threads = [
            threading.Thread(target=target, name=f"canvas-widgets-{name}", daemon=True)
            for name, target in (
                ("events", self._receive_loop),
                ("reconcile", self._reconcile_loop),
                ("dispatch", self._dispatch_loop),
            )
            if self.events or name != "events"
        ]
        for thread in self._threads:
            thread.start()
        # Held weakly by the signal: it goes with the monitor.
        signals.after_task_publish.connect(self._on_publish)

    @staticmethod
    def _key(app: Celery) -> str:
        return app.connection_for_read().as_uri(include_password=True)

    @classmethod
    def for_app(cls, app: Celery, ready_timeout: float = 10.0) -> EventMonitor:
        """The monitor of the app's broker, started and subscribed before this returns."""
        key = cls._key(app)
        with cls._instances_lock:
            monitor = cls._instances.get(key)
            if monitor is None or monitor._stop.is_set():
                monitor = cls._instances[key] = cls(app)
        monitor.wait_ready(ready_timeout)
        return monitor

    # --- events ------------------------------------------------------------------------------

    def wait_ready(self, timeout: float) -> None:
        """Wait until our subscription receives events, proven by a probe event coming back
        (at once on a broker that carries none)."""
        if self._probe_seen.is_set() or not self.events:
            return
        deadline = time.monotonic() + timeout
        if not self._ready.wait(timeout):
            log.warning("event receiver not ready after %.1fs; relying on the backend", timeout)
            return
        with self.app.events.default_dispatcher(hostname=f"{_PROBE}@{uuid.uuid4()}") as dispatcher:
            while not self._probe_seen.is_set() and time.monotonic() < deadline:
                dispatcher.send(_PROBE)
                self._probe_seen.wait(0.05)

    @classmethod
    def stop_for(cls, app: Celery) -> None:
        """Stop the monitor of the app's broker, if there is one (say, before the broker stops)."""
        cls._stop_key(cls._key(app))

    @classmethod
    def stop_at(cls, url: str) -> None:
        """Stop the monitor of the broker at ``url``, if there is one."""
        cls._stop_key(kombu.Connection(url).as_uri(include_password=True))

    @classmethod
    def _stop_key(cls, key: str) -> None:
        with cls._instances_lock:
            monitor = cls._instances.pop(key, None)
        if monitor is not None:
            monitor.close()

    def _receive_loop(self) -> None:
        handlers = {"*": self._on_event}
        backoff = 0.5
        while not self._stop.is_set():
            try:
                with self.app.connection_for_read() as connection:
                    self._receiver = _Receiver(
                        connection, handlers=handlers, app=self.app, on_ready=self._ready.set
                    )
                    for _ in self._receiver.consume(limit=None, timeout=None, wakeup=False):
                        backoff = 0.5
                        if self._stop.is_set():
                            break
            except Exception as exc:  # lost connection: the backend reconciler covers the gap
                if self._stop.is_set():  # the broker was stopped on purpose, after close()
                    break
                log.warning(
                    "event receiver lost its connection (%s); retrying in %.1fs", exc, backoff
                )
                self._ready.clear()
                self._stop.wait(backoff)
                backoff = min(backoff * 2, 10.0)

    def _on_event(self, event: dict) -> None:
        kind = event.get("type")
        if kind == _PROBE:
            self._probe_seen.set()
            return
        if kind not in _EVENT_STATES:
            return
        ref = self._runs.get(event.get("uuid"))
        if ref is None and event.get("parent_id") in self._runs:  # most events: not ours
            ref = self._adopt(event["uuid"], event["parent_id"])
        run = ref() if ref is not None else None
        if run is not None:
            run._apply_event(_EVENT_STATES[kind], event)

    def _adopt(self, task_id: str, parent_id: str) -> weakref.ref | None:
        """A task sent by a task of a followed run (or by one such task in turn), outside the
        run's canvas (see spawned.py): its events go to that run from now on."""
        with self._lock:
            ref = self._runs.get(parent_id)
            if ref is not None:
                self._runs[task_id] = ref
                self._ids_of.setdefault(id(ref), []).append(task_id)
            return ref

    def _on_publish(
        self,
        sender: str | None = None,
        headers: dict | None = None,
        routing_key: str | None = None,
        **_: Any,
    ) -> None:
        """A task this process published (Celery's ``after_task_publish``): SENT, with what its
        task-sent event would say. The notebook sends no task-sent events of its own (see
        ``task_send_sent_event`` in cluster.py); workers do, for the tasks they send."""
        headers = headers or {}
        event = {
            "type": "task-sent",
            "uuid": headers.get("id"),
            "name": sender,
            "timestamp": time.time(),
            "args": headers.get("argsrepr"),
            "kwargs": headers.get("kwargsrepr"),
            "eta": headers.get("eta"),
            "expires": headers.get("expires"),
            "retries": headers.get("retries"),
            "queue": routing_key,
        }
        self._on_event(event)  # routed to its run, if one watches it, as the event would be

    # --- runs --------------------------------------------------------------------------------

    def watch(self, run: WorkflowRun) -> None:
        """Route events of the run's tasks to it and reconcile it until it is done."""
        ref = weakref.ref(run, self._gone.append)
        with self._lock:
            for task_id in run.task_ids:
                self._runs[task_id] = ref
            self._ids_of[id(ref)] = list(run.task_ids)  # and the tasks they send (_adopt)
            self._active.add(run)

    def watching(self, run_id: str) -> WorkflowRun | None:
        """The run of that id this monitor still follows, if any."""
        with self._lock:
            return next((run for run in self._active if run.id == run_id), None)

    def forget(self, run: WorkflowRun) -> None:
        with self._lock:
            refs = {self._runs.get(task_id) for task_id in run.task_ids}
            for ref in (r for r in refs if r is not None and r() is run):
                for task_id in self._ids_of.pop(id(ref), ()):
                    if self._runs.get(task_id) is ref:
                        del self._runs[task_id]
            self._active.discard(run)

    def _sweep(self) -> None:
        """Drop the routes of the runs collected while followed."""
        while self._gone:
            ref = self._gone.pop()
            with self._lock:
                for task_id in self._ids_of.pop(id(ref), ()):
                    if self._runs.get(task_id) is ref:
                        del self._runs[task_id]

    def _active_runs(self) -> list[WorkflowRun]:
        with self._lock:
            return list(self._active)

    def _reconcile_loop(self) -> None:
        while not self._stop.wait(self.reconcile_interval):
            for run in self._active_runs():
                # Forget a run only after a backend read that began once it was done (its
                # _settle): Celery marks some tasks after a failure (a chord body, later chain
                # steps) just before the event that completes the run.
                try:
                    if run._settle():
                        run._flush()
                        self.forget(run)
                    else:
                        run.reconcile()
                except Exception as exc:  # backend unreachable for now: try again next round
                    if self._stop.is_set():
                        break  # its broker went away on purpose (close() cut the runs off)
                    if run._unreachable(exc):  # said once, not every round
                        log.warning("reading run %s failed; trying again", run.id, exc_info=True)
                else:
                    if run._reachable():
                        log.warning("reading run %s works again", run.id)
            run = None  # hold no run between rounds: one nobody else holds must be freed
            self._sweep()

    def _dispatch_loop(self) -> None:
        while not self._stop.wait(self.flush_interval):
            for run in self._active_runs():
                run._flush()
            run = None  # as in _reconcile_loop

    def close(self) -> None:
        """Stop the threads (the monitor is made anew by the next :meth:`for_app`); the runs
        still followed, their broker going away, are cut off (see ``WorkflowRun.cut_off``)."""
        self._stop.set()
        if self._receiver is not None:
            self._receiver.should_stop = True
        broker = maybe_sanitize_url(self.app.connection_for_read().as_uri(include_password=True))
        for run in self._active_runs():
            if not run.done:
                run._cut(f"its broker {broker} went away (its cluster closed?)")


def own_progress(state: str) -> bool:
    """Whether ``state`` is one a running task stores itself with ``update_state``: PROGRESS,
    or a state of its own (Celery takes any string: ``update_state(state="CRUNCHING")``),
    which ranks as PROGRESS does."""
    return state == "PROGRESS" or state not in RANK


def is_running(state: str) -> bool:
    """Whether a task in ``state`` runs on a worker now: STARTED, PROGRESS or a state of its
    own (see own_progress)."""
    return state in RUNNING or state not in RANK


def merge_state(current: str, new: str) -> bool:
    """Whether a task in state ``current`` may move to ``new``: forward only, RETRY excepted.

    A retrying task leaves RETRY only when it starts again (or finishes): the retry message's
    task-sent and task-received events come while it waits out its countdown, and, sent by
    other processes than task-retried, often after it. A running task goes from one state it
    stores itself to the next (PROGRESS, CRUNCHING, ...) as it stores them.

    >>> merge_state("STARTED", "CRUNCHING"), merge_state("CRUNCHING", "PROGRESS")
    (True, True)
    >>> merge_state("CRUNCHING", "RECEIVED"), merge_state("CRUNCHING", "SUCCESS")
    (False, True)
    """
    if current in TERMINAL:
        return False
    if current == states.RETRY:
        return new in TERMINAL or is_running(new)
    if own_progress(current) and own_progress(new):
        return current != new
    progress = RANK["PROGRESS"]
    return new in TERMINAL or RANK.get(new, progress) > RANK.get(current, progress)


def safe_repr(value: Any) -> str:
    """``repr`` of a value; if that raises (a task's own class may), a text that says so.
    Emoji joined with ZWJ stay emoji (:func:`canvas_widgets.display.display_repr`).

    >>> class Odd:
    ...     def __repr__(self):
    ...         raise RuntimeError("no")
    >>> safe_repr(Odd())
    '<Odd object: its repr() raised RuntimeError>'
    """
    return display_repr(value)


def short_repr(value: Any, limit: int = 2000) -> str:
    """``repr`` of a value (see bounded_repr), truncated, for display; text as it is."""
    text = value if isinstance(value, str) else bounded_repr(value, limit)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def bounded_repr(value: Any, limit: int) -> str:
    """``repr`` of a value (see safe_repr) cut to ``limit`` characters, ending in "…" when cut,
    made no longer than that on the way: the repr of a 30 MB result is some 90 MB of text
    that a view shows 2,000 characters of. Lists, tuples, dicts, sets and strings are written
    piece by piece until the limit; any other value is its own repr.

    >>> bounded_repr(list(range(10**7)), 12), bounded_repr({"a": (1,), "b": {2}}, 40)
    ('[0, 1, 2, 3…', "{'a': (1,), 'b': {2}}")
    """
    pieces, size = [], 0
    for piece in _repr_pieces(value, limit):
        pieces.append(piece)
        size += len(piece)
        if size > limit:
            break
    text = "".join(pieces)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _repr_pieces(value: Any, limit: int) -> Iterator[str]:
    """The repr of a value in pieces, as they come (see bounded_repr). Only the built-in
    containers themselves: a subclass (a namedtuple, say) may have a repr of its own."""
    kind = type(value)
    if kind in (str, bytes):
        yield safe_repr(value if len(value) <= limit else value[: limit + 1])
    elif kind in (list, tuple) or (kind in (set, frozenset) and value):
        opening, closing = {list: "[]", tuple: "()", set: "{}", frozenset: "{}"}[kind]
        yield "frozenset(" + opening if kind is frozenset else opening
        for i, item in enumerate(value):
            yield ", " if i else ""
            yield from _repr_pieces(item, limit)
        yield ("," if kind is tuple and len(value) == 1 else "") + closing
        yield ")" if kind is frozenset else ""
    elif kind is dict:
        yield "{"
        for i, (key, item) in enumerate(value.items()):
            yield ", " if i else ""
            yield from _repr_pieces(key, limit)
            yield ": "
            yield from _repr_pieces(item, limit)
        yield "}"
    else:
        yield safe_repr(value)
