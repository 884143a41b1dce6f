"""Running a canvas and following it: :func:`run` and :class:`WorkflowRun`.

A run checks the canvas (nothing is sent if anything is wrong), freezes it in canonical form so
that every task has its id before anything is published, stores the frozen canvas in the result
backend under the run's id (so that :meth:`WorkflowRun.attach` can rebuild the run after a
kernel restart), starts watching, and only then publishes.
"""

from __future__ import annotations

import dataclasses
import datetime
import functools
import json
import logging
import re
import threading
import time
import uuid
import warnings
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import networkx as nx
from celery import Celery, states
from celery.canvas import Signature
from celery.exceptions import TaskRevokedError
from celery.result import AsyncResult, ResultBase, ResultSet, result_from_tuple
from celery.utils.functional import arity_greater
from celery.utils.serialization import UnpickleableExceptionWrapper
from kombu.utils.url import maybe_sanitize_url

from .attempts import Attempt, earlier_attempts, end_attempt, replaced_attempt, start_attempt
from .canvas import freeze, from_dict, to_dict
from .display import unescape_joiners
from .graph import argument_reprs, frozen_graph, to_dot, to_html
from .retry import RetryError, retry_canvas
from .spawned import Spawned
from .tracking import (
    STOPPED,
    TERMINAL,
    EventMonitor,
    bounded_repr,
    carries_control,
    fetch_states,
    is_running,
    merge_state,
    own_progress,
    readable,
    short_repr,
    unsupported_backend,
    workers_elsewhere,
)
from .validation import check

__all__ = [
    "BrokerUnreachable",
    "NotTerminated",
    "PublishFailed",
    "RunCutOff",
    "TaskFailed",
    "UnsupportedBackend",
    "WorkerLost",
    "WorkflowRun",
    "report_progress",
    "run",
]

#: How to start a broker, said when none answers (the command line says its own way).
START_A_BROKER = "(cw.LocalCluster(app) starts one.)"
_RUN_KEY = "canvas-widgets-run-{}"
#: What a process saw of a run's tasks in events (see WorkflowRun._store_seen).
_SEEN_KEY = "canvas-widgets-run-{}-seen"
#: The fields of a task's info that only its events say (when, where, how long), kept there.
_SEEN_FIELDS = frozenset({"worker", "runtime", "retries", "eta", "expires", "queue", "terminated"})
#: A task's outcome in its info, kept for the tasks Celery stores nothing of (ignore_result).
_OUTCOME_FIELDS = ("result", "exception", "traceback")
#: The pools whose workers answer pings while they run a task (``inspect().stats()`` names a
#: worker's): only their silence says a worker is gone (see WorkflowRun._answers_while_busy).
_ANSWERING_POOLS = frozenset({"celery.concurrency.prefork:TaskPool"})
#: (broker URL, worker) -> its pool's class, learnt once per worker for every run of this
#: process (see WorkflowRun._learn_pools): a run whose worker was known before it started
#: finds a worker killed in the first seconds of its task lost too.
_POOLS: dict[tuple[str, str], str] = {}
#: How long :meth:`WorkflowRun.revoke` waits for the workers' answers to a terminate.
TERMINATE_REPLY_TIMEOUT = 1.0
#: How much of a value :meth:`WorkflowRun.full_values` gives by default (its repr, cut: a
#: bound all the same, since the repr of a 30 MB result is some 90 MB of text).
FULL_VALUE_LIMIT = 1_000_000
#: How much of a stored result or exception :meth:`WorkflowRun.info` keeps (as short_repr).
_SHORT = 2000
#: What a terminate no worker answered may mean (see WorkflowRun._terminate).
_NO_ANSWER = (
    f"no answer in {TERMINATE_REPLY_TIMEOUT:g} s (a solo pool cannot while it runs a task); "
    "its running tasks may run to their end"
)
#: How long :meth:`WorkflowRun.revoke` tries the broker before saying it cannot reach it.
REVOKE_CONNECT_TIMEOUT = 3.0
ChangeCallback = Callable[["WorkflowRun", dict[str, str]], None]
SettledCallback = Callable[["WorkflowRun"], None]

log = logging.getLogger(__name__)


class BrokerUnreachable(ConnectionError):
    """The broker (or the result backend) did not answer; nothing was sent."""


class UnsupportedBackend(RuntimeError):
    """The app's result backend is one a run cannot follow its tasks with (no backend,
    ``rpc://``, a ``cache+memory://`` no worker of this process shares); nothing was sent. The
    message says why, and which backends work."""


class WorkerLost(RuntimeError):
    """A task's worker stopped answering while the task was running, and nobody finished it."""


class TaskFailed(RuntimeError):
    """A task of the run's result failed, and Celery kept no exception to raise again: the task
    ignores its result, or stored a failure of its own making (``update_state(state=FAILURE,
    meta=...)``) that Celery cannot read back. The message says what the run knows of it."""


class PublishFailed(RuntimeError):
    """Publishing a run's tasks failed after some were sent (the broker went away, say): those
    run on. :attr:`run` follows them (``exc.run.revoke()`` revokes them); :attr:`sent` says how
    many were sent."""

    def __init__(self, message: str, run: WorkflowRun, sent: int) -> None:
        super().__init__(message)
        self.run = run
        self.sent = sent


class RunCutOff(RuntimeError):
    """The run's broker went away before it finished (its cluster closed, say): the tasks not
    done are followed no further."""


class NotTerminated(RuntimeWarning):
    """Workers could not terminate the running tasks they were asked to (their pool cannot);
    ``refused`` holds each one's answer, ``"<worker>: <error>"`` (or that it did not answer)."""

    def __init__(self, refused: list[str]) -> None:
        super().__init__(f"revoked, but not terminated by {'; '.join(refused)}")
        self.refused = refused


def run(
    canvas: Signature | Mapping, app: Celery | None = None, *, connect_timeout: float = 5.0
) -> WorkflowRun:
    """Check, freeze, publish and track a canvas; return its :class:`WorkflowRun`.

    Parameters
    ----------
    canvas : celery.canvas.Signature or dict
        The canvas, or its canvas dict.
    app : celery.Celery, optional
        The app whose broker and backend to use (default: the canvas's app, else the current app).
    connect_timeout : float
        How long to try the broker and the backend before giving up with
        :class:`BrokerUnreachable` (nothing is sent then).

    Raises
    ------
    RuntimeError
        If the app has ``task_always_eager`` set (see _check_not_eager); nothing is sent.
    UnsupportedBackend
        If the app has no result backend, or one a run cannot read its tasks from
        (``rpc://``, a ``cache+memory://`` no worker of this process shares); nothing is sent.
    CanvasError
        If :func:`~canvas_widgets.validate` finds an error; nothing is sent.
    BrokerUnreachable
        If the broker or the backend cannot be reached; nothing is sent.
    PublishFailed
        If publishing failed after some of the tasks were sent (they run on).
    """
    app = app or getattr(canvas, "_app", None) or _current_app()
    _check_app(app)
    _check_not_eager(app)
    d = to_dict(canvas)
    check(d, app)
    if (why := unsupported_backend(app)) is not None:
        raise UnsupportedBackend(f"{why} Nothing was sent.")
    # Before freezing: freezing a group or chord already subscribes to its results on a Redis
    # backend, which against a dead server retries for ~20 s and then raises RuntimeError.
    _ensure_reachable(app, connect_timeout)
    if (why := workers_elsewhere(app)) is not None:
        raise UnsupportedBackend(f"{why} Nothing was sent.")
    frozen = freeze(d, app)
    # The run starts now, before publishing: a big group's first tasks run while the rest of it
    # is still being published (seconds for 2,000 tasks).
    workflow = WorkflowRun(app, frozen, run_id=str(uuid.uuid4()))
    workflow._store()
    EventMonitor.for_app(app).watch(workflow)
    retry_policy = {"max_retries": 3, "interval_start": 0, "interval_step": 0.2, "interval_max": 1}
    try:
        workflow.result = frozen.apply_async(retry=True, retry_policy=retry_policy)
    except Exception as exc:
        # Each task published was marked SENT as it went (EventMonitor._on_publish).
        sent = sum(state != states.PENDING for state in workflow.states.values())
        if not sent:
            EventMonitor.for_app(app).forget(workflow)
            raise
        raise PublishFailed(
            f"publishing run {workflow.id} failed after {sent:,} of "
            f"{len(workflow.task_ids):,} tasks were sent: {type(exc).__name__}: {_sentence(exc)} "
            "Those run on: this error's .run follows them, and .run.revoke() revokes them.",
            workflow,
            sent,
        ) from exc
    return workflow


def _current_app() -> Celery:
    from celery import current_app

    return current_app._get_current_object()


def _check_app(app: object) -> None:
    if not isinstance(app, Celery):
        raise TypeError(f"app must be a Celery app, not {type(app).__name__} {app!r:.60}")


def _check_not_eager(app: Celery) -> None:
    """Refuse an app in eager mode before anything is stored or sent: Celery would run every
    task inline in this process, storing and sending nothing, so there is nothing to follow
    (publishing tried the broker first, and a run waited for ever on states never stored)."""
    if app.conf.task_always_eager:
        raise RuntimeError(
            "the app has task_always_eager set: Celery runs each task inline here, at once, "
            "and stores and sends nothing, so a run has nothing to follow. Use canvas.apply() "
            "for an eager run, or set app.conf.task_always_eager = False to run it on workers "
            f"{START_A_BROKER}"
        )


def _ensure_reachable(app: Celery, timeout: float, *, revoking: bool = False) -> None:
    """Raise :class:`BrokerUnreachable` unless the broker, and for a run the result backend
    too, answer within ``timeout`` seconds (kombu would otherwise retry for ever)."""
    try:
        with app.connection_for_write() as connection:
            connection.ensure_connection(max_retries=1, timeout=timeout)
    except Exception as exc:
        if revoking:
            after = "Nothing was revoked."
        elif _refused_login(exc):
            after = "Nothing was sent. Are the user and password in its URL right?"
        else:
            after = f"Nothing was sent. Is it running? {START_A_BROKER}"
        raise BrokerUnreachable(
            f"cannot reach the broker at {_shown_url(app.connection_for_write())}: "
            f"{_sentence(exc)} {after}"
        ) from exc
    if revoking:
        return
    try:
        app.backend.get_task_meta(str(uuid.uuid4()))
    except Exception as exc:
        raise BrokerUnreachable(
            f"cannot reach the result backend ({type(app.backend).__name__}): {_sentence(exc)} "
            "Nothing was sent."
        ) from exc


def _release_waiters(backend: Any, task_ids: list[str]) -> None:
    """Let the result backend stop waiting for these tasks' results.

    Celery makes each member of every GroupResult it builds (freezing a chord, publishing it) a
    waiter that only a ``.get()`` of it clears: on Redis a subscription, and the result object,
    for as long as the process lives. A run reads states from events and the backend and never
    ``.get()``s them: measured, 200 runs of a chord of 5 left 1,000 channels subscribed. A
    ``.get()`` after this waits afresh.
    """
    pending = getattr(backend, "_pending_results", None)  # Celery's async backends (Redis)
    if pending is None:
        return
    for mapping in pending:
        for task_id in task_ids:
            waiters = mapping.get(task_id)
            if waiters is None:
                continue
            # Several objects may wait on an id (Celery 5.7: a mapping of them; before: one).
            for result in list(waiters.values()) if isinstance(waiters, Mapping) else [waiters]:
                backend.remove_pending_result(result)


def _bound_backend(result: ResultBase | None, app: Celery) -> Any:
    """The result backend object a result's tasks wait with.

    Celery's ``app.backend`` is one object per thread (unless the backend says it is thread
    safe), and a task's result object keeps the one of the thread that made it; on Redis, that
    object holds the subscriptions. A group's result has none of its own: it asks
    ``app.backend``, which in another thread is another object, that waits on none of its
    members (a ``.get()`` there times out). No result yet (still publishing): this thread's.
    """
    if result is None:
        return app.backend
    while isinstance(result, ResultSet):
        if not result.results:
            return app.backend
        result = result.results[0]
    return result.backend


def _ends(result: ResultBase | None) -> list[AsyncResult]:
    """The task results a result's value is made of: itself, or a group's members'."""
    if isinstance(result, ResultSet):
        return [end for member in result.results for end in _ends(member)]
    return [] if result is None else [result]


def _run_key(backend: Any, template: str, run_id: str) -> str | bytes:
    """The key of a record of a run, under the backend's ``global_keyprefix`` (a
    ``result_backend_transport_options`` entry) as Celery's own keys are: apps that share a
    Redis by prefix keep their runs apart, and a clean-up by prefix takes them too. Celery
    keeps no prefix of its own apart: it is what its task key prefix has before its own.
    Of the type the backend's own keys are (``key_t``): text for Redis, bytes for the file
    system and ``cache+memory://`` backends, which fail on text."""
    own = getattr(type(backend), "task_keyprefix", "")
    prefix = getattr(backend, "task_keyprefix", "")
    own, prefix = _text(own), _text(prefix)
    prefix = prefix[: -len(own)] if own and prefix.endswith(own) else ""
    key = prefix + template.format(run_id)
    key_t = getattr(backend, "key_t", None)
    return key_t(key) if callable(key_t) else key


def _put(backend: Any, key: str | bytes, record: Mapping[str, Any]) -> None:
    """Store a record of the run in the result backend as JSON, for as long as its results:
    under its key on a key/value backend (Redis, memcached, the file system); on one that
    stores task results only (a database: ``db+sqlite://``, ``django-db``), as the result of a
    task of that id, which expires with the others (``celery.backend_cleanup``)."""
    text = json.dumps(record)
    if not hasattr(backend, "set"):
        backend.store_result(_text(key), text, states.SUCCESS)
        return
    backend.set(key, text)
    if getattr(backend, "expires", None) and hasattr(backend, "expire"):
        backend.expire(key, int(backend.expires))


def _get(backend: Any, key: str | bytes) -> str | bytes | None:
    """A record of the run that :func:`_put` stored, as stored; None if there is none."""
    if hasattr(backend, "get"):
        return backend.get(key)
    meta = backend.get_task_meta(_text(key), cache=False)  # not a copy of an earlier read
    return meta.get("result") if meta.get("status") == states.SUCCESS else None


def _text(key: str | bytes) -> str:
    return key.decode() if isinstance(key, bytes) else key


def _shown_url(connection: Any) -> str:
    """A broker connection's URL as it may be shown: its password, if it has one, masked."""
    return maybe_sanitize_url(connection.as_uri(include_password=True))


def _refused_login(exc: BaseException) -> bool:
    """Whether a connection error (or one it was raised from) is a server refusing the login."""
    while exc is not None:
        text = str(exc).lower()
        if "password" in text or "authentication" in text or "noauth" in text:
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def _tasks(n: int) -> str:
    """``1 task``, ``2 tasks``."""
    return f"{n:,} task{'s' if n != 1 else ''}"


def _sentence(exc: Exception) -> str:
    """An error's text ending with one full stop (redis's end with theirs already).

    >>> _sentence(ConnectionError("Connection refused.")), _sentence(OSError("timed out"))
    ('Connection refused.', 'timed out.')
    """
    return str(exc).rstrip(".") + "."


class WorkflowRun:
    """A canvas running on a cluster, with the live state of every task.

    Made by :func:`run` (or :meth:`attach`); not constructed directly.

    Attributes
    ----------
    id : str
        The run's id, for :meth:`attach`.
    result : celery.result.ResultBase
        Celery's result object of the canvas, as ``apply_async`` returned it.
    started_at : float
        When the run began, just before its canvas was published (``time.time()``).
    """

    def __init__(self, app: Celery, frozen: Signature, run_id: str):
        self.id = run_id
        self.app = app
        self.canvas_dict = to_dict(frozen)
        self._graph = frozen_graph(frozen)
        self.task_ids = list(self._graph.nodes)
        self.result: ResultBase | None = None
        self.started_at = time.time()
        self._lock = threading.Lock()
        self._done = threading.Condition(self._lock)
        self._states = dict.fromkeys(self.task_ids, states.PENDING)
        self._info: dict[str, dict[str, Any]] = {task_id: {} for task_id in self.task_ids}
        self._attempts: dict[str, list[Attempt]] = {}  # task id -> its runs, once one started
        self._spawned = Spawned()  # the tasks its tasks send outside the canvas
        self._changes: dict[str, str] = {}
        self._callbacks: list[ChangeCallback] = []
        self._flush_lock = threading.RLock()  # see _flush
        # Where data flows into each task: a failed or revoked task stops every task after it
        # along these edges (an errback runs when its parent fails, so link_error edges do not
        # count; see _stop_causes)...
        self._prev = {
            n: [u for u, _, kind in self._graph.in_edges(n, data="kind") if kind != "link_error"]
            for n in self.task_ids
        }
        # ...and the tasks whose errbacks a task is (see _errback_not_needed).
        self._errback_of = {
            n: [u for u, _, kind in self._graph.in_edges(n, data="kind") if kind == "link_error"]
            for n in self.task_ids
        }
        # Errbacks Celery calls as functions inside the failing task's worker (they take more
        # than its id: request, exc, traceback) have no state of their own to wait for.
        self._inline_errbacks = {
            n
            for n in self.task_ids
            if self._errback_of[n] and _called_inline(app, self._graph.nodes[n])
        }
        # The tasks of each errback that is a canvas of its own (a chain), by the errback's
        # path, and those Celery never sends (see _unsent_errback).
        self._errback_canvas: dict[str, str] = {}
        for n in self.task_ids:
            if self._graph.nodes[n].get("callback") == "link_error":
                root = _ERRBACK_ROOT.match(self._graph.nodes[n]["path"])
                if root is not None and root.group(1) in self._graph.graph.get("containers", {}):
                    self._errback_canvas[n] = root.group(1)
        unsent = {
            root
            for root in set(self._errback_canvas.values())
            if _unsent_errback(app, self._graph, root)
        }
        self._unsent_errbacks = {n for n, root in self._errback_canvas.items() if root in unsent}
        self._topological = list(nx.topological_sort(self._graph))
        self._canvas_order = {n: i for i, n in enumerate(self.task_ids)}
        self._causes: dict[str, str] | None = None  # see _stop_causes
        self._settle_lock = threading.Lock()
        self._settled = False  # see _settle
        self._settled_callbacks: list[SettledCallback] = []  # see on_settled
        self._lost: dict[str, str] = {}  # task id -> why it is marked lost
        #: Tasks whose end the run decided and Celery does not store (see _store_seen).
        self._decided: set[str] = set()
        #: Why the run is followed no further before it finished (see cut_off), or None.
        self.cut_off: str | None = None
        self._stuck: str | None = None  # see _check_queues
        self._unheld: dict[str, int] = {}  # task id -> checks in a row its worker lacked it
        self._ended_unseen: str | None = None  # see _check_held
        self._outage: tuple[str, str] | None = None  # since when, and why (see _unreachable)
        #: When the workers last said which queues they consume, and those queues' keys.
        self._served: tuple[float, set[str]] = (float("-inf"), set())
        self._silent_workers: dict[str, int] = {}  # worker -> pings in a row it did not answer
        self._last_liveness_check = 0.0
        #: ``(run id, task id)`` this run retries from (:meth:`retry`), or None.
        self.retry_of: tuple[str, str] | None = None

    # --- building ----------------------------------------------------------------------------

    def _store(self) -> None:
        record = {"canvas": self.canvas_dict, "started_at": self.started_at}
        _put(self.app.backend, _run_key(self.app.backend, _RUN_KEY, self.id), record)

    def _store_seen(self) -> None:
        """Keep in the backend what this process saw of the tasks in events once the run is
        done: when each was received, started and ended, on which worker, its attempts; and
        the state and outcome of a task whose end Celery did not store: one that ignores its
        result, one the run found lost or whose new canvas stopped short (see _decided).
        No backend read says it again, so a run attached once over (:meth:`attach`, after a
        kernel restart) shows runtimes, timeline bars and those tasks' ends. Tasks another
        process saw and this one did not (it attached late) keep what that one stored."""
        backend = self.app.backend
        with self._lock:
            ended = [t for t, state in self._states.items() if state in TERMINAL]
            decided = self._decided & set(ended)
        unstored = set(ended) - readable(self.app, ended, decoded=False) | decided
        seen: dict[str, dict[str, Any]] = {}
        with self._lock:
            for task_id in self.task_ids:
                info, record = self._info[task_id], {}
                if self._attempts.get(task_id):
                    record["info"] = {
                        k: v
                        for k, v in info.items()
                        if k in _SEEN_FIELDS or (k.endswith("_at") and k != "done_at")
                    }
                    record["attempts"] = [dataclasses.astuple(a) for a in self._attempts[task_id]]
                if task_id in unstored:
                    record["state"] = self._states[task_id]
                    record["outcome"] = {k: info[k] for k in _OUTCOME_FIELDS if k in info}
                if record:
                    seen[task_id] = record
        if not seen:
            return
        key = _run_key(backend, _SEEN_KEY, self.id)
        before = json.loads(_get(backend, key) or "{}")
        _put(backend, key, {**before, **seen})

    def _load_seen(self) -> None:
        """What a process that followed the run saw of its tasks (see _store_seen)."""
        raw = _get(self.app.backend, _run_key(self.app.backend, _SEEN_KEY, self.id))
        with self._lock:
            for task_id, seen in json.loads(raw or "{}").items():
                if task_id not in self._info:
                    continue
                if "state" in seen:
                    self._info[task_id].update(seen["outcome"])
                    self._move(task_id, seen["state"])
                if self._attempts.get(task_id) or "attempts" not in seen:
                    continue
                for key, value in seen["info"].items():
                    self._info[task_id].setdefault(key, value)
                self._attempts[task_id] = [Attempt(*fields) for fields in seen["attempts"]]

    @classmethod
    def attach(cls, run_id: str, app: Celery) -> WorkflowRun:
        """Rebuild a run from its id, for example after a kernel restart, and resume watching it.

        Raises
        ------
        KeyError
            If the backend has no record of that run (wrong id, or it expired).
        UnsupportedBackend
            If the app has no result backend, or one that keeps no runs (``rpc://``).
        BrokerUnreachable
            If the result backend cannot be reached.
        """
        if not isinstance(run_id, str):
            raise TypeError(
                f"run_id must be a run's id (a str, such as run.id), not {type(run_id).__name__}"
            )
        _check_app(app)
        if (why := unsupported_backend(app)) is not None:
            raise UnsupportedBackend(
                f"cannot attach run {run_id!r}: {why} Attach with the app configured as when "
                "the run started (its cluster running)."
            )
        backend = app.backend
        try:
            raw = _get(backend, _run_key(backend, _RUN_KEY, run_id))
        except Exception as exc:
            raise BrokerUnreachable(
                f"cannot reach the result backend ({type(backend).__name__}) to read run "
                f"{run_id}: {_sentence(exc)}"
            ) from exc
        if raw is None:
            raise KeyError(f"no run {run_id!r} in the result backend (unknown id, or it expired)")
        # The run this process follows already, if it does: one run object per run, so that
        # the events of its tasks reach every view of it.
        monitor = EventMonitor.for_app(app)
        known = monitor.watching(run_id)
        if known is not None:
            return known
        record = json.loads(raw)
        sig = from_dict(record["canvas"], app)
        workflow = cls(app, sig, run_id)
        workflow.result = sig.freeze()  # ids are all set: freezing again only rebuilds results
        workflow.started_at = record["started_at"]
        workflow._load_seen()
        workflow.reconcile()
        monitor.watch(workflow)
        return workflow

    # --- reading -----------------------------------------------------------------------------

    @property
    def states(self) -> dict[str, str]:
        """Task id -> Celery state, for every task of the canvas (a snapshot)."""
        with self._lock:
            return dict(self._states)

    def info(self, task_id: str) -> dict[str, Any]:
        """What is known of one task: name, args and kwargs, state, result or exception and
        traceback, runtime, worker, timestamps (sent/received/started/done), retries, progress;
        ``not_run``, why it will never run (see :meth:`never_run`); ``no_state`` for an errback
        Celery calls inside the failing worker; ``maps``, the task a map or starmap maps, and
        ``items``, what it maps (in place of its args and kwargs, Celery's own plumbing);
        ``attempts``, the runs before the last of a task that retried (worker, start, end, state,
        exception); ``spawned``, how many tasks it set going outside the canvas and their states
        (see :meth:`spawned`). The other fields are of its last attempt.

        Values that come from the task (args, results, exceptions) are text: reprs, truncated.

        Raises
        ------
        KeyError
            If ``task_id`` is not a task of this run.
        """
        if task_id not in self._graph:
            raise KeyError(self._not_in_run(task_id))
        node = self._graph.nodes[task_id]
        with self._lock:
            known = dict(self._info[task_id])
            state = self._states[task_id]
            not_run = self._why_not_run(task_id)
            earlier = earlier_attempts(self._attempts.get(task_id, []))
            spawned = self._spawned.summary(task_id)
        if earlier:
            known["attempts"] = earlier
        if spawned:
            known["spawned"] = spawned
        arguments = task_arguments(node)  # until its events say what was published
        if "items" in node:  # a map's args and kwargs are Celery's plumbing: what it maps
            arguments = {"items": short_repr(node["items"])}
            known.pop("args", None)
            known.pop("kwargs", None)
        return {
            "task_id": task_id,
            "name": node["name"],
            **({"maps": node["mapped_task"]} if "mapped_task" in node else {}),  # celery.map's
            **arguments,
            "state": state,
            **({"not_run": not_run} if not_run else {}),
            **({"no_state": _INLINE_ERRBACK} if task_id in self._inline_errbacks else {}),
            **known,
        }

    def full_values(self, task_id: str, limit: int = FULL_VALUE_LIMIT) -> dict[str, str]:
        """The task's values in full where :meth:`info`'s may be cut short (reprs).

        :meth:`info` has them from Celery's events, which cut them at 1,024 characters and
        nested values three levels down (``argsrepr_maxsize``, ``resultrepr_maxsize``). Here:
        the ``result`` or ``exception`` as the result backend holds it, once the task succeeded
        or failed (one read); ``args`` and ``kwargs`` from the canvas, when they are all the
        task gets (nothing passed on from a task before it) and its signature hides neither
        (``argsrepr``/``kwargsrepr``); for a map or starmap, the ``items`` it maps in their
        place. Fields not known in full here are left out. Each is cut at ``limit``
        characters, its repr made no longer than that (see tracking.bounded_repr).
        """
        if task_id not in self._graph:
            raise KeyError(self._not_in_run(task_id))
        node = self._graph.nodes[task_id]
        values: dict[str, str] = {}
        args_repr, kwargs_repr = argument_reprs(node)
        own = "mapped_task" not in node  # a map's are Celery's plumbing: its items instead
        passed_on = not node["immutable"] and any(
            kind in ("chain", "chord") for *_, kind in self._graph.in_edges(task_id, data="kind")
        )
        if own and args_repr is None and not passed_on:
            values["args"] = bounded_repr(tuple(node["args"]), limit)
        if own and kwargs_repr is None:
            values["kwargs"] = bounded_repr(node["kwargs"], limit)
        if "items" in node:
            values["items"] = bounded_repr(node["items"], limit)
        with self._lock:
            state = self._states[task_id]
        if state in (states.SUCCESS, states.FAILURE):
            meta = fetch_states(self.app, [task_id]).get(task_id, {})
            if meta.get("status") == state:
                key = "result" if state == states.SUCCESS else "exception"
                values[key] = _stored_text(meta.get("result"), limit)
        return values

    def spawned(self, task_id: str | None = None) -> dict[str, str]:
        """The tasks the run's tasks sent outside its canvas -> their states: the rest of the
        canvas a task replaced itself with (``self.replace(sig)``; the last task of it takes
        over the task's id, and its node), tasks a task sends itself (``.delay()``), and the
        tasks those send in turn. With ``task_id``, only those that task set going.

        Known from their events (a task-sent or task-received naming its sender) while the run
        is followed: one still going when the run is done is not followed further.
        """
        if task_id is not None and task_id not in self._graph:
            raise KeyError(self._not_in_run(task_id))
        with self._lock:
            return self._spawned.states() if task_id is None else self._spawned.of(task_id)

    def spawned_progress(self) -> dict[str, list[int]]:
        """Each task that set tasks going outside the canvas (see :meth:`spawned`) ->
        ``[finished, total]`` of them: how far a task that replaced itself has come."""
        with self._lock:
            return self._spawned.progress()

    def attempts(self, task_id: str) -> list[Attempt]:
        """The task's runs on workers so far, in the order they started (see attempts.py).

        A finished task whose last attempt's end event never came (events lost; the backend
        told the run it finished) has that attempt end when the backend says it was done."""
        with self._lock:
            tries = [dataclasses.replace(a) for a in self._attempts.get(task_id, [])]
            state, done_at = self._states[task_id], self._info[task_id].get("done_at")
        if tries and tries[-1].ended_at is None and state in TERMINAL and done_at is not None:
            tries[-1].ended_at = max(done_at, tries[-1].started_at)
            tries[-1].state = state
        return tries

    def never_run(self) -> set[str]:
        """The tasks that will never run: those after a failed or revoked task (Celery marks
        some of them FAILURE), errbacks of tasks that succeeded or never ran, and errback
        chains Celery cannot send (see _unsent_errback). See :meth:`info`'s ``not_run``."""
        with self._lock:
            errbacks = {t for t in self.task_ids if self._errback_not_needed(t)}
            return set(self._stop_causes()) | errbacks | self._unsent_errbacks

    def ran_without_state(self) -> set[str]:
        """Errbacks Celery called inside a failed task's worker, as functions (they take
        request, exc and traceback): they ran, and have no state of their own (PENDING here).
        See :meth:`info`'s ``no_state``."""
        with self._lock:
            return {
                task_id
                for task_id in self._inline_errbacks
                if any(
                    self._states[p] == states.FAILURE and not self._stopped_silently(p)
                    for p in self._errback_of[task_id]
                )
            }

    def _why_not_run(self, task_id: str) -> str | None:
        """Why a task will never run (lock held), or None if it ran or may still.

        Celery sends a chain's next step, or a chord's body, only once what comes before it
        succeeded; when that failed, Celery marks them FAILURE with its error. So a task after a
        failed or revoked one along data edges never ran. An errback whose tasks all succeeded,
        or never ran, will not run either (see _errback_not_needed).
        """
        if self._errback_not_needed(task_id):
            if all(self._states[p] == states.SUCCESS for p in self._errback_of[task_id]):
                return "will not run: the task it is the errback of succeeded"
            return "will not run: the task it is the errback of never ran (no errback is called)"
        if task_id in self._inline_errbacks:
            return None  # see info's "no_state"
        if task_id in self._unsent_errbacks:
            return _UNSENT_ERRBACK
        cause = self._stop_causes().get(task_id)
        if cause is None:
            return None
        name = self._graph.nodes[cause]["name"]
        return f"never ran: {name} before it (task {cause}) is {self._states[cause]}"

    def _stop_causes(self) -> dict[str, str]:
        """Every task after a failed or revoked one along data edges (it will never be sent) ->
        the task that stopped it (lock held): of the stopped ones before it, the first (canvas
        order) with none before it. Made in one pass over the graph, again only after another
        task stops."""
        if self._causes is None:
            causes: dict[str, str] = {}
            for task_id in self._topological:
                before = self._prev[task_id]
                found = [
                    causes.get(b, b) for b in before if b in causes or self._states[b] in STOPPED
                ]
                if found:
                    causes[task_id] = min(found, key=self._canvas_order.__getitem__)
            self._causes = causes
        return self._causes

    def _not_in_run(self, task_id: str) -> str:
        """What is said of a task id that is not one of this run's."""
        return f"no task {task_id!r} in run {self.id}"

    def to_networkx(self) -> nx.DiGraph:
        """The workflow graph with each node's live ``state`` and :meth:`info` fields."""
        graph = self._graph.copy()
        for task_id in graph:
            graph.nodes[task_id].update(
                {k: v for k, v in self.info(task_id).items() if k not in ("args", "kwargs")}
            )
        return graph

    @property
    def graph(self) -> Any:
        """The live result graph widget of this run (a ``ResultGraph``, made on first use)."""
        widget = getattr(self, "_result_graph", None)
        if widget is None:
            from .widgets.result_graph import ResultGraph  # widgets need anywidget: load late

            widget = self._result_graph = ResultGraph(self)
        return widget

    @property
    def done(self) -> bool:
        """True when nothing more will happen: every task finished, or will never be sent
        because a task before it failed or was revoked."""
        with self._lock:
            return self._is_done()

    def _is_done(self) -> bool:
        never_sent = self._stop_causes()
        return all(
            state in TERMINAL
            or task_id in never_sent
            or task_id in self._inline_errbacks
            or task_id in self._unsent_errbacks
            or self._errback_not_needed(task_id)
            for task_id, state in self._states.items()
        )

    def _cut(self, why: str) -> None:
        """Follow the run no further (its broker went away): :meth:`wait` raises
        :class:`RunCutOff` if it is not done, and its views say why."""
        with self._done:
            self.cut_off = why
            self._done.notify_all()

    def _settle(self) -> bool:
        """Once the run is done, read the backend once more, whoever asks first (:meth:`wait`,
        the graph widget, the monitor), the others waiting for that read; return whether the
        run is done and read so. Celery stores FAILURE for the tasks a failure stops (a chain's
        later steps) just before the failure's event: from this read on, the states are
        Celery's, not PENDING."""
        with self._settle_lock:
            if self._settled:
                return True
            if not self.done:
                return False
            self.reconcile()
            self._stuck = self._ended_unseen = None  # nothing waits any more
            self._store_seen()
            # Not the members of the run's result, if a group's: its .get() (wait's) waits
            # on them as they were registered, and clears them itself.
            members = {r.id for r in getattr(self.result, "results", None) or ()}
            waiting = [t for t in self.task_ids if t not in members]
            _release_waiters(_bound_backend(self.result, self.app), waiting)
            self._settled = True
            # Under the lock: whoever else asks (wait()) goes on only once they ran.
            for callback in self._settled_callbacks:
                try:
                    callback(self)
                except Exception:
                    log.exception("run %s: a callback on its end failed", self.id)
            return True

    def _errback_not_needed(self, task_id: str) -> bool:
        """An errback that will never run (lock held): not run so far, and every task it is
        the errback of either succeeded or never ran with its errbacks left uncalled. A task
        of an errback chain after its first: when its first task is not needed."""
        if self._states[task_id] != states.PENDING:
            return False
        root = self._errback_canvas.get(task_id)
        if root is not None and not self._errback_of[task_id]:
            firsts = [
                n for n, r in self._errback_canvas.items() if r == root and self._errback_of[n]
            ]
            return bool(firsts) and all(self._errback_not_needed(n) for n in firsts)
        parents = self._errback_of[task_id]
        return bool(parents) and all(
            self._states[p] == states.SUCCESS or self._stopped_silently(p) for p in parents
        )

    def _stopped_silently(self, task_id: str) -> bool:
        """A task that never ran, and whose errbacks Celery does not call (lock held): a chain's
        later step after a failure is marked FAILURE without them. A chord body whose header
        task failed is failed with a ChordError that does call them."""
        causes = self._stop_causes()
        if task_id not in causes:
            return False  # it ran, or may still
        header_failed = any(
            kind == "chord" and self._states[b] in STOPPED and b not in causes
            for b, _, kind in self._graph.in_edges(task_id, data="kind")
        )
        return not header_failed

    def counts(self) -> dict[str, int]:
        """How many tasks are in each state."""
        counts: dict[str, int] = {}
        for state in self.states.values():
            counts[state] = counts.get(state, 0) + 1
        return counts

    def __repr__(self) -> str:
        counts = ", ".join(f"{state}={n}" for state, n in sorted(self.counts().items()))
        return f"<WorkflowRun {self.id} tasks={len(self.task_ids)} {counts}>"

    # --- waiting and acting ------------------------------------------------------------------

    def wait(self, timeout: float | None = None) -> Any:
        """Wait for the run to finish and return its value as Celery's ``.get()`` would.

        Raises the failing task's exception (or Celery's ``ChordError``) when the run failed
        (:class:`TaskFailed` when Celery kept none it can read back),
        :class:`WorkerLost` when a task's worker died under it and nobody finished it, and
        ``TimeoutError`` when ``timeout`` seconds pass first. A task that ignores its result
        gives None, as with ``.get()``.
        """
        self._wait_settled(timeout)
        return self._outcome()

    def _wait_settled(self, timeout: float | None = None) -> None:
        """Wait for the run to finish, then for its final read (its on_settled callbacks run
        by then); raise :class:`RunCutOff` or ``TimeoutError`` as :meth:`wait` does."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._done:
            while not (finished := self._is_done()) and self.cut_off is None:
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    break
                self._done.wait(0.5 if remaining is None else min(remaining, 0.5))
        # Raised outside the lock: the messages read the states.
        if not finished and self.cut_off is not None:
            raise RunCutOff(f"run {self.id} not finished: {self.cut_off}: {self!r}")
        if not finished:
            stuck = "" if self.stuck is None else f"; {self.stuck}"
            raise TimeoutError(f"run {self.id} not finished after {timeout}s: {self!r}{stuck}")
        self._settle()
        self._flush()  # on_change callbacks see the final states before wait returns

    def _outcome(self) -> Any:
        """The value of a settled run, or its error raised (see :meth:`wait`)."""
        if self._lost:
            task_id, message = next(iter(self._lost.items()))
            raise WorkerLost(f"task {task_id}: {message}")
        ends = [r.id for r in _ends(self.result)]
        unread = set(ends) - readable(self.app, ends)
        if unread:
            return self._outcome_unread(unread)
        options = {}
        with self._lock:
            stopped = any(s in STOPPED for s in self._states.values())
        if isinstance(self.result, AsyncResult) and not stopped:
            # Following parents only re-raises a parent's error, at the cost of one backend read
            # per parent result (2,000 GETs for a 2,000-task chord): none of them failed here.
            options["follow_parents"] = False
        result = self.result
        if (
            isinstance(result, ResultSet)
            and _bound_backend(result, self.app) is not self.app.backend
        ):
            # Waited for in another thread than the one that made the result (the builder's
            # Run does): a group's result asks this thread's backend, which waits on none of
            # its members. The same result made anew here is one this thread's backend reads.
            result = result_from_tuple(result.as_tuple(), self.app)
        return result.get(timeout=5, propagate=True, disable_sync_subtasks=False, **options)

    def _outcome_unread(self, unread: set[str]) -> Any:
        """What :meth:`wait` returns or raises when Celery cannot read back some of the tasks
        whose results make the run's value (see tracking.readable): a ``.get()`` would wait
        for ever. Their states and errors are the run's own, from their events.

        Raises what stopped the first of them (canvas order) that failed or was revoked: the
        exception Celery stored, where it stored one it can read; else :class:`TaskFailed` with
        the error text the run has (from the task's event, or its record as stored), or
        Celery's ``TaskRevokedError``. Otherwise the value as ``.get()`` gives it, None for each
        task that ignores its result.
        """
        with self._lock:
            causes = self._stop_causes()  # of the tasks that never ran: what stopped them
            never_ran = isinstance(self.result, AsyncResult) and self.result.id in causes
        if never_ran:
            self._raise_as_parents_do(self.result)
        with self._lock:
            stopped = [t for t in unread if self._states[t] in STOPPED or t in causes]
            cause = min(
                (causes.get(t, t) for t in stopped),
                key=self._canvas_order.__getitem__,
                default=None,
            )
            if cause is not None:
                state, info = self._states[cause], dict(self._info[cause])
        if cause is not None:
            name = self._graph.nodes[cause]["name"]
            if state == states.REVOKED:
                raise TaskRevokedError(f"{name} was revoked (task {cause})")
            if readable(self.app, [cause]):
                self.app.AsyncResult(cause).maybe_throw()
            error = info.get("exception") or "no error given"
            raise TaskFailed(f"{name} failed: {error} (task {cause})")

        def value(result: ResultBase) -> Any:
            if isinstance(result, ResultSet):
                return [value(r) for r in result.results]
            if result.id in unread:
                return None
            # A result of this thread: the run's may wait with another thread's backend.
            again = self.app.AsyncResult(result.id)
            return again.get(timeout=5, disable_sync_subtasks=False, follow_parents=False)

        return value(self.result)

    def _raise_as_parents_do(self, result: AsyncResult) -> None:
        """Raise what Celery's ``.get()`` of a task that will never run raises: while it waits,
        it reads the results before it (``.parent``, then theirs: a chord body's is its header's
        group), the farthest first, and raises the first error stored there. A chord whose body
        failed inside another chord's header leaves the outer body PENDING for good, and its
        ``.get()`` raises the inner body's ChordError, not the header task's own error."""
        before: list[ResultBase] = []
        node = result.parent
        while node is not None:
            before.append(node)
            node = node.parent
        for node in reversed(before):
            ends = [end.id for end in _ends(node)]
            stored = readable(self.app, ends)
            with self._lock:
                failed = [t for t in ends if t in stored and self._states.get(t) in STOPPED]
            for task_id in failed:  # Celery's order: a group's members as they stand
                self.app.AsyncResult(task_id).maybe_throw()

    def revoke(self, terminate: bool = False, task_id: str | None = None) -> list[str]:
        """Revoke every task that has not finished; return their ids, in canvas order, then
        those of the tasks they sent outside the canvas (see :meth:`spawned`), revoked too.

        With ``task_id``, only that task and the tasks that depend on it ("revoke from here":
        a chain's later steps, a chord's body, callbacks); the rest of the run goes on.

        Tasks not yet sent are also marked REVOKED in the result backend, so that the run's
        record (and :meth:`attach`) shows them so; workers discard them if they ever arrive.
        A task already running goes on unless ``terminate``: then its worker kills the process
        running it. Only some pools can (prefork can, the thread pool of an in-kernel
        :class:`~canvas_widgets.LocalCluster` cannot, a solo pool does not even answer while
        it runs a task): the workers are asked, and a :class:`NotTerminated` warning names
        those that could not or did not answer; the tasks are revoked all the same. Tasks
        that look SENT or RECEIVED are terminated too: without task events and
        ``task_track_started``, a running task looks so.

        Raises
        ------
        KeyError
            If ``task_id`` is not a task of this run.
        RuntimeError
            If the broker carries no remote control (kombu's SQL transport, Amazon SQS): no
            worker would hear the revoke; nothing is revoked.
        BrokerUnreachable
            If the broker does not answer within ``REVOKE_CONNECT_TIMEOUT`` seconds (nothing is
            revoked then).
        """
        if task_id is None:
            scope = set(self.task_ids)
        elif task_id not in self._graph:
            raise KeyError(self._not_in_run(task_id))
        else:
            scope = {task_id, *nx.descendants(self._graph, task_id)}
        with self._lock:
            pending = [t for t in self.task_ids if t in scope and self._states[t] not in TERMINAL]
            unsent = [t for t in pending if self._states[t] == states.PENDING]
            # Without task events and task_track_started, a running task looks SENT: a
            # terminate reaches those too (a task not running is only revoked by it).
            running = {
                t: self._info[t].get("worker")
                for t in pending
                if is_running(self._states[t])
                or (terminate and self._states[t] in ("SENT", states.RECEIVED))
            }
            # The tasks they sent outside the canvas too; a task that replaced itself with them
            # ends once they have (see _check_replaced).
            spawned = self._spawned.unfinished(scope)
            pending += spawned
            running.update(
                (t, worker) for t, (state, worker) in spawned.items() if is_running(state)
            )
        if not pending:
            return []
        if not self._control:
            # Marked REVOKED here, the tasks would run all the same, and their results stand.
            raise RuntimeError(
                f"cannot revoke: the broker {_shown_url(self.app.connection_for_write())} "
                "carries no remote control (Celery broadcasts a revoke to the workers, through "
                "a fanout exchange its transport does not have), so no worker would hear it. "
                "Nothing was revoked."
            )
        _ensure_reachable(self.app, REVOKE_CONNECT_TIMEOUT, revoking=True)
        self.app.control.revoke(pending)  # every worker discards them, should they arrive
        with self._lock:
            self._spawned.revoked([t for t in spawned if t not in running])
        refused = self._terminate(running) if terminate and running else []
        for unsent_id in unsent:
            self.app.backend.mark_as_revoked(unsent_id, reason="revoked by canvas_widgets")
        self.reconcile()
        if refused:
            warnings.warn(NotTerminated(refused), stacklevel=2)
        return pending

    def _terminate(self, running: dict[str, str | None]) -> list[str]:
        """Ask the workers running these tasks to kill them; return the refusals, as
        ``"worker: error"``. Asked by name, a reply is awaited from each of them only (asked
        by broadcast, every reply is awaited until the timeout: a whole second each time); a
        task whose worker is not known yet is asked of all of them."""
        workers = set(running.values())
        options = {}
        if None not in workers:
            options = {"destination": sorted(workers), "limit": len(workers)}
        replies = self.app.control.revoke(
            list(running), terminate=True, reply=True, timeout=TERMINATE_REPLY_TIMEOUT, **options
        )
        refused = [
            f"{worker}: {answer['error']}"
            for reply in replies
            for worker, answer in reply.items()
            if "error" in answer
        ]
        # No answer is no termination: a solo pool reads its mail only between tasks.
        answered = {worker for reply in replies for worker in reply}
        unheard = sorted(w for w in workers if w is not None and w not in answered)
        if None in workers and not replies:
            unheard.append("every worker")
        return refused + [f"{worker}: {_NO_ANSWER}" for worker in unheard]

    def retry(self, task_id: str) -> WorkflowRun:
        """Run again from a task that failed or was revoked: that task and what depends on it
        that did not complete, as a new run (see :func:`canvas_widgets.retry.retry_canvas` for
        how the rest of the canvas is rebuilt, and the stored results of finished tasks fed to
        it).

        Raises
        ------
        RuntimeError
            If this run is not over yet (tasks still running could otherwise run twice).
        canvas_widgets.retry.RetryError
            If the task neither failed nor was revoked, or is not a task of this run.
        """
        if task_id not in self._graph:
            raise RetryError(self._not_in_run(task_id))
        if not self.done:
            raise RuntimeError(f"run {self.id} is still going: wait for it before retrying")
        task_states = self.states
        succeeded = [t for t, s in task_states.items() if s == states.SUCCESS]
        metas = fetch_states(self.app, succeeded)  # one round trip, only what is fed is read

        def stored(feeder: str) -> Any:
            state = task_states.get(feeder, states.PENDING)
            if state != states.SUCCESS:  # it failed on account of this one: retry from that
                raise RetryError(
                    f"task {task_id} needs the result of task {feeder}, which is {state}: "
                    "retry from that one"
                )
            if feeder not in metas:
                raise RetryError(
                    f"the result of task {feeder} is not in the result backend: it expired, or "
                    "the task ignores its result"
                )
            return metas[feeder].get("result")

        canvas = retry_canvas(self.canvas_dict, task_id, task_states, stored, self.app)
        retried = run(canvas, app=self.app)
        retried.retry_of = (self.id, task_id)
        return retried

    def to_dot(self) -> str:
        """Graphviz DOT of the workflow, each task filled with the colour of its state now."""
        return to_dot(self.to_networkx())

    def to_html(self, path: str | Path) -> Path:
        """Write a standalone HTML snapshot (pyvis) of the workflow with its states now;
        return its path."""
        return to_html(self.to_networkx(), path)

    def on_change(self, callback: ChangeCallback) -> None:
        """Call ``callback(run, changes)`` with ``{task id: new state}`` as states change.

        Changes are batched: at most about 10 calls a second, from a background thread. When
        :meth:`wait` returns, the callbacks have been handed every change (the last batch from
        the thread that waited). A task may come again with the state it had when a run of it
        on a worker began or ended after the result backend told its state (see
        :meth:`attempts`).
        """
        self._callbacks.append(callback)

    def on_settled(self, callback: SettledCallback) -> None:
        """Call ``callback(run)`` once the run is done and its final states read, before
        :meth:`wait` returns to anyone (at once if that has happened). So a view that shows the
        outcome has it while the cell that waits still runs: ``jupyter nbconvert --execute`` keeps
        only the messages sent while a cell runs. The callback must not call :meth:`wait`, which
        waits for it.
        """
        with self._settle_lock:
            if not self._settled:
                self._settled_callbacks.append(callback)
                return
        callback(self)

    # --- updating (called by the monitor's threads) ------------------------------------------

    def _apply_event(self, state: str, event: dict) -> None:
        task_id = event["uuid"]
        if task_id not in self._info:
            with self._lock:
                self._spawned.note(task_id, state, event, self._info)
            return
        fields = _event_fields(event)
        with self._lock:
            attempted = self._note_attempt(task_id, state, event, fields.get("exception"))
            if attempted is None:
                return  # an earlier attempt's end, come late: its record alone says it
            info = self._info[task_id]
            if event["type"] == "task-started":
                # A new attempt: the last one's end and error are in its record now.
                for key in ("retried_at", "exception", "traceback"):
                    info.pop(key, None)
            if event["type"] == "task-retried":
                # The next attempt may have been received by another worker already.
                fields.pop("worker", None)
            info.update(fields)
            if state == "PROGRESS":
                info["progress"] = {
                    k: v for k, v in event.items() if k in ("current", "total", "meta")
                }
            self._move(task_id, state)
            if attempted and task_id not in self._changes:
                # Its timeline bar changed, not its state (the backend told the run first):
                # its state goes out again, and with it the bar (see on_change).
                self._changes[task_id] = self._states[task_id]

    def _note_attempt(
        self, task_id: str, state: str, event: dict, exception: str | None
    ) -> bool | None:
        """Begin or end an attempt of the task (lock held), by a worker's event. Return whether
        an attempt began or ended; None for the end of an attempt before the last one: an event
        come after a later attempt began (events cross between workers), which is to change
        neither the task's state nor its fields."""
        worker, stamp = event.get("hostname"), event.get("timestamp")
        if not worker or stamp is None:
            return False
        parent = event.get("parent_id")
        if (
            parent is not None
            and not event.get("retries")
            and self._spawned.origin(parent) == task_id
        ):
            # Sent by the task itself, or by what it sent, and not as a retry (a retry is sent
            # by the task itself too, with its count): its new canvas, its id at the end.
            return replaced_attempt(self._attempts.get(task_id, []), stamp)
        if event["type"] == "task-started":
            start_attempt(self._attempts.setdefault(task_id, []), worker, stamp)
            return True
        if state in TERMINAL or state == states.RETRY:
            tries = self._attempts.setdefault(task_id, [])
            runtime = event.get("runtime")  # task-succeeded and task-failed say how long it ran
            runtime = runtime if isinstance(runtime, int | float) else None
            ended = end_attempt(tries, worker, stamp, state, exception, runtime)
            if ended is not None and ended < len(tries) - 1:
                return None
            return ended is not None
        return False

    #: Seconds between pings of the workers running this run's tasks.
    liveness_interval = 3.0
    #: Seconds a task may wait in its queue before the run asks whether a worker consumes it,
    #: and how long the answer holds for the tasks that wait on the queues it named.
    queue_check_after = 5.0
    queues_look_lasts = 30.0

    @functools.cached_property
    def _control(self) -> bool:
        """Whether the run's broker carries Celery's remote control (see carries_control)."""
        return carries_control(self.app)

    def reconcile(self) -> None:
        """Read the true state of every unfinished task from the backend, in one round trip;
        every :attr:`liveness_interval` seconds, also ask the workers of running tasks which
        they still hold (see _check_workers) and look for tasks no worker will take
        (:attr:`stuck`)."""
        with self._lock:
            unfinished = [t for t, s in self._states.items() if s not in TERMINAL]
        metas = fetch_states(self.app, unfinished)
        self._merge_metas(metas)
        if not self._control:
            return  # no worker answers a ping or an inspect there: none can be asked
        if time.monotonic() - self._last_liveness_check >= self.liveness_interval:
            self._last_liveness_check = time.monotonic()
            self._check_workers()
            self._check_queues()
            self._check_replaced()

    def _check_workers(self, misses_allowed: int = 2) -> None:
        """Mark tasks lost whose worker stopped answering while running them; say which ones
        their worker no longer holds (see _check_held).

        A worker killed outright (SIGKILL of its main process) sends no event and stores no
        result, so without this its tasks would stay STARTED forever. (When only the pool
        process running a task dies, Celery itself reports the task failed, or re-queues it
        for ``acks_late`` tasks with ``task_reject_on_worker_lost``.)

        Only the silence of a worker heard before, whose pool answers while it runs a task,
        counts (see _answers_while_busy): a busy solo worker is silent until its task ends.
        """
        with self._lock:
            running = {
                t: self._info[t].get("worker")
                for t, s in self._states.items()
                if s == states.RECEIVED or is_running(s)
            }
        workers = {w for w in running.values() if w}
        if not workers:
            return
        # Asked which of the tasks they hold (reserved or running), as a ping would be: the
        # answer says the worker lives, and what it still runs.
        inspect = self.app.control.inspect(
            destination=sorted(workers), limit=len(workers), timeout=1.0
        )
        replies = inspect.query_task(*running) or {}
        held = {worker: set(reply or ()) for worker, reply in replies.items()}
        answered = set(held)
        self._check_held(held)
        self._learn_pools(answered)
        for worker in workers:
            silent = worker not in answered and self._answers_while_busy(worker)
            self._silent_workers[worker] = self._silent_workers.get(worker, 0) + 1 if silent else 0
        with self._lock:
            for task_id, worker in running.items():
                if worker and self._silent_workers.get(worker, 0) >= misses_allowed:
                    message = (
                        f"worker {worker} stopped answering while this task was "
                        f"{self._states[task_id]}; the task was lost"
                    )
                    self._lost[task_id] = message
                    # Failed when found lost: the run's end, if it is the last to finish.
                    now = time.time()
                    tries = self._attempts.get(task_id, [])
                    end_attempt(tries, worker, now, states.FAILURE, message)
                    self._decide(task_id, states.FAILURE, f"WorkerLost: {message}", now)

    def _check_held(self, held: dict[str, set[str]], checks: int = 2) -> None:
        """Say (in :attr:`stuck`) which running tasks their worker, answering, no longer
        holds, at ``checks`` checks in a row (an end event may be on its way at one): they
        ended without an end Celery reports. A task that raises ``Ignore`` does so: no event,
        no result, and the tasks after it are not sent; Celery's ``.get()`` waits for ever.
        A task that replaced itself is left out: its id comes back with its new canvas."""
        with self._lock:
            sent = self._spawned.progress()  # the tasks that sent tasks (replaced themselves)
            for task_id, state in self._states.items():
                tries = self._attempts.get(task_id)
                # Running on a worker by what its events said: an attempt open there.
                worker = tries[-1].worker if tries and tries[-1].ended_at is None else None
                if not is_running(state) or worker not in held or task_id in sent:
                    self._unheld.pop(task_id, None)
                elif task_id in held[worker]:
                    self._unheld[task_id] = 0
                else:
                    self._unheld[task_id] = self._unheld.get(task_id, 0) + 1
            ended = [t for t, n in self._unheld.items() if n >= checks]
            self._ended_unseen = None
            if ended:
                first = ended[0]
                more = f" (and {_tasks(len(ended) - 1)} more)" if len(ended) > 1 else ""
                self._ended_unseen = (
                    f"{self._graph.nodes[first]['name']} [{first}]{more} is "
                    f"{self._states[first]}, but its worker {self._attempts[first][-1].worker} no "
                    "longer runs it and sent no end (a task that raises Ignore ends so): the "
                    "run cannot finish"
                )

    def _learn_pools(self, answered: set[str]) -> None:
        """Ask the workers that answered the liveness check, once each, which pool they run
        tasks in (``inspect().stats()``): whether their silence can ever mean they are gone."""
        broker = str(self.app.conf.broker_url)
        unknown = sorted(w for w in answered if (broker, w) not in _POOLS)
        if not unknown:
            return
        inspect = self.app.control.inspect(destination=unknown, limit=len(unknown), timeout=1.0)
        for worker, stats in (inspect.stats() or {}).items():
            _POOLS[broker, worker] = str((stats.get("pool") or {}).get("implementation", ""))

    def _answers_while_busy(self, worker: str) -> bool:
        """Whether a worker's silence is evidence that it is gone.

        A worker answers pings in its main loop. A prefork pool runs tasks in processes of
        their own, beside that loop; a solo pool runs each task in it (eventlet and gevent too,
        for as long as a task does not yield), so a busy one is silent until its task ends. A
        thread pool shares the loop's GIL: a task in a long C call that keeps it (a regex, a
        sort, many a library's loop) silences the worker as long, so its silence is no evidence
        either. A worker never heard, whose pool is therefore not known, may be such a one."""
        return _POOLS.get((str(self.app.conf.broker_url), worker)) in _ANSWERING_POOLS

    def _decide(self, task_id: str, state: str, exception: str, at: float) -> None:
        """End a task the run found ended where Celery stores no end (lock held): its error,
        when, its state; kept for :meth:`attach` (see _store_seen)."""
        stamp = "failed_at" if state == states.FAILURE else "revoked_at"
        self._info[task_id].update({"exception": exception, stamp: at})
        self._decided.add(task_id)
        self._move(task_id, state)

    @property
    def stuck(self) -> str | None:
        """Why the run does not move on, when it can tell; else None. Its broker or result
        backend does not answer (the run reads it again every second: see _unreachable); tasks
        sent to a queue no worker consumes (a route to a queue nobody serves), or no worker
        answers at all (see _check_queues); a task that ended without an end Celery reports
        (see _check_held). Celery says nothing of any: tasks stay PENDING or STARTED for good."""
        if self._outage is not None:
            since, error = self._outage
            return (
                f"cannot read the run's states from its backend since {since} ({error}); "
                "trying again every second"
            )
        return "; ".join(why for why in (self._stuck, self._ended_unseen) if why) or None

    def _unreachable(self, exc: Exception) -> bool:
        """Reading the run's states failed (the monitor's reconcile): :attr:`stuck` says so
        until a read works again (:meth:`_reachable`). Return whether this is the first
        failure since the last read that worked."""
        first = self._outage is None
        since = time.strftime("%H:%M:%S") if first else self._outage[0]
        self._outage = (since, _sentence(exc))
        return first

    def _reachable(self) -> bool:
        """A read of the run's states worked: return whether one had failed before it."""
        failed, self._outage = self._outage is not None, None
        return failed

    def _check_replaced(self) -> None:
        """End a task that replaced itself once the canvas it was replaced with stopped short.

        Its id comes back only with the last task of that canvas, sent once the rest is done;
        when one of the rest fails or is revoked, never, and Celery leaves it STARTED for good
        (it fails the task after it in a chain, if any). So a running task whose tasks sent
        outside the canvas all ended, one or more failed or revoked, is asked of its worker:
        one the worker no longer holds replaced itself, and ends as they did: FAILURE with the
        failed one's error, or REVOKED. (One that sent tasks with ``.delay()`` and still runs is
        held, and left alone.)
        """
        with self._lock:
            ended = {
                t: end for t, end in self._spawned.stopped().items() if is_running(self._states[t])
            }
            workers = {self._info[t].get("worker") for t in ended}
        if not ended:
            return
        options = {"destination": sorted(workers), "limit": len(workers)}
        inspect = self.app.control.inspect(timeout=1.0, **({} if None in workers else options))
        held = {t for reply in (inspect.query_task(*ended) or {}).values() for t in reply or {}}
        now = time.time()
        with self._lock:
            for task_id, (state, how) in ended.items():
                if task_id in held or not is_running(self._states[task_id]):
                    continue
                replaced_attempt(self._attempts.get(task_id, []), now)
                message = f"the canvas it replaced itself with stopped: {how}"
                self._decide(task_id, state, message, now)

    def _check_queues(self) -> None:
        """Say why tasks sent :attr:`queue_check_after` seconds ago or more still wait, when no
        worker will take them: sent to a queue no worker consumes (a route to a queue nobody
        serves), or no worker answering at all. Celery says nothing of either: the tasks stay
        PENDING for good. Tasks waiting behind others on a queue that is served are not stuck,
        nor those on a queue a task of the run runs from: a worker with a solo pool answers only
        between tasks, so a busy one is silent, and its queues seem served by nobody.
        """
        now = time.time()
        default = self.app.conf.task_default_queue
        waiting: dict[str, int] = {}  # routing key -> tasks waiting
        busy: set[str] = set()  # the routing keys of the run's tasks running
        with self._lock:
            for task_id, state in self._states.items():
                info = self._info[task_id]
                key = info.get("queue") or default
                if is_running(state):
                    busy.add(key)
                sent_at = info.get("sent_at")
                if (
                    state == "SENT"
                    and sent_at is not None
                    and now - sent_at >= self.queue_check_after
                ):
                    waiting[key] = waiting.get(key, 0) + 1
        waiting = {key: n for key, n in waiting.items() if key not in busy}
        served_at, served = self._served
        if not waiting or (
            time.monotonic() - served_at < self.queues_look_lasts and waiting.keys() <= served
        ):
            self._stuck = None  # none waits long, or all on queues served at the last look
            return
        # A broadcast: it waits its whole timeout for answers (a task waiting behind others on
        # a served queue asks again only once the last look is queues_look_lasts old).
        replies = self.app.control.inspect(timeout=1.0).active_queues() or {}
        if not replies:
            self._stuck = (
                f"{_tasks(sum(waiting.values()))} sent and not received: no worker answered "
                "(is one running? a solo pool answers only between tasks)"
            )
            return
        queues = [queue for found in replies.values() for queue in found or ()]
        keys = {queue.get("name") for queue in queues} | {q.get("routing_key") for q in queues}
        if any(key and ("*" in key or "#" in key) for key in keys):
            self._stuck = None  # a topic exchange's patterns: which keys they take is not known
            return
        self._served = (time.monotonic(), keys)
        unserved = {key: n for key, n in waiting.items() if key not in keys}
        self._stuck = (
            "; ".join(
                f"{_tasks(n)} sent to queue {key!r}, which no worker consumes"
                for key, n in sorted(unserved.items())
            )
            or None
        )

    def _merge_metas(self, metas: dict[str, dict]) -> None:
        with self._lock:
            for task_id, meta in metas.items():
                status = meta.get("status", states.PENDING)
                info = self._info[task_id]
                if own_progress(status) and isinstance(meta.get("result"), dict):
                    info["progress"] = meta["result"]
                elif status in (states.SUCCESS, states.FAILURE, states.RETRY, states.REVOKED):
                    key = "result" if status == states.SUCCESS else "exception"
                    if key not in info:  # an event's text, where one came, is the same value
                        info[key] = _stored_text(meta.get("result"), _SHORT)
                    if meta.get("traceback"):
                        info.setdefault("traceback", meta["traceback"])
                if meta.get("worker"):
                    info.setdefault("worker", meta["worker"])
                done_at = _epoch(meta.get("date_done"))
                if done_at is not None:
                    info.setdefault("done_at", done_at)
                self._move(task_id, status)

    def _move(self, task_id: str, state: str) -> None:
        """Move a task to a new state (lock held) if it is a move forward."""
        current = self._states[task_id]
        if current != state and merge_state(current, state):
            self._states[task_id] = state
            self._changes[task_id] = state
            if state in STOPPED:
                self._causes = None
            if state in TERMINAL:
                self._done.notify_all()
        if self._states[task_id] == states.SUCCESS:
            # An earlier attempt's error is not the outcome of a task that succeeded after
            # retrying (``retries`` and ``retried_at`` still tell it was retried). Checked on
            # every call, not only on the move: a late task-retried event may follow it.
            self._info[task_id].pop("exception", None)
            self._info[task_id].pop("traceback", None)

    def _flush(self) -> None:
        """Hand the changes gathered since the last flush to the callbacks, one flush at a
        time (so that batches reach them in order, whichever thread flushes)."""
        with self._flush_lock:
            with self._lock:
                changes, self._changes = self._changes, {}
                if self._is_done():
                    self._done.notify_all()
            if changes:
                for callback in list(self._callbacks):
                    callback(self, changes)


_ERRBACK_ROOT = re.compile(r"^(.*\.link_error\[\d+\])\.")
_UNSENT_ERRBACK = (
    "will not run: Celery calls an errback chain as a function, with the failed task's request, "
    "exception and traceback, and sends its first task with them, which that task does not take "
    "or the serializer cannot encode (the worker logs 'Errback ... raised an exception')"
)


def _unsent_errback(app: Celery, graph: nx.DiGraph, root: str) -> bool:
    """Whether Celery never sends the errback canvas at ``root`` (a container path): a chain's
    ``celery.chain`` task takes ``*args``, so ``Backend._call_task_errbacks`` calls it as a
    function, ``chain(request, exc, traceback)``, and the chain sends its first task with those
    before its own args. Unless that task is immutable, it raises TypeError there (the task
    does not take them) or cannot be encoded (a request and a traceback are no JSON)."""
    if graph.graph["containers"][root]["kind"] != "chain":
        return False
    first = [n for n, path in graph.nodes(data="path") if path == f"{root}.tasks[0]"]
    if not first:
        return False  # the chain starts with a group or a chord: left as it was
    node = graph.nodes[first[0]]
    if node["immutable"]:
        return False  # it ignores them: the chain is sent, and runs
    if "pickle" not in (app.conf.task_serializer or ""):
        return True
    header = getattr(app.tasks.get(node["name"]), "__header__", None)
    if header is None:
        return False
    try:
        header(None, None, None, *node["args"], **node["kwargs"])
    except TypeError:
        return True
    return False


_INLINE_ERRBACK = (
    "an errback Celery calls inside the failing task's worker, as a function (it takes request, "
    "exc, traceback): it runs without a state of its own, so it stays PENDING here"
)


def _called_inline(app: Celery, node: Mapping[str, Any]) -> bool:
    """Whether Celery calls this errback as a function in the failing task's worker rather than
    sending it as a task: as ``Backend._call_task_errbacks`` decides, by whether the task takes
    more than the failed task's id (a task not registered here is sent as a task)."""
    task = app.tasks.get(node["name"])
    header = getattr(task, "__header__", None)
    if header is None or isinstance(header, functools.partial):
        return False
    if not node["immutable"] and (node["args"] or node["kwargs"]):
        try:
            return arity_greater(functools.partial(header, *node["args"], **node["kwargs"]), 1)
        except (TypeError, ValueError):
            pass
    return arity_greater(header, 1)


def task_arguments(node: Mapping[str, Any]) -> dict[str, str]:
    """A workflow graph node's ``args`` and ``kwargs`` as text, as its details show them until
    its events say what was published: Celery's ``argsrepr``/``kwargsrepr`` where the signature
    sets them (never the values they hide), else the values' reprs, args as a tuple as Celery
    writes them (the canvas dict holds a list); truncated.

    >>> task_arguments({"args": [2, 3], "kwargs": {}, "options": {}})
    {'args': '(2, 3)', 'kwargs': '{}'}
    """
    args_repr, kwargs_repr = argument_reprs(node)
    return {
        "args": short_repr(tuple(node["args"]) if args_repr is None else args_repr),
        "kwargs": short_repr(node["kwargs"] if kwargs_repr is None else kwargs_repr),
    }


def _epoch(stamp: Any) -> float | None:
    """A backend's ``date_done`` (a datetime, or its ISO text; a naive one is UTC) in epoch
    seconds, as the events' timestamps are; None if it is neither.

    >>> _epoch("1970-01-01T00:01:00+00:00"), _epoch("1970-01-01T00:01:00"), _epoch("soon")
    (60.0, 60.0, None)
    """
    if isinstance(stamp, str):
        try:
            stamp = datetime.datetime.fromisoformat(stamp)
        except ValueError:
            return None
    if not isinstance(stamp, datetime.datetime):
        return None
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=datetime.timezone.utc)
    return stamp.timestamp()


def _stored_text(value: Any, limit: int) -> str:
    """A result or exception read from the backend, as text cut to ``limit`` characters (see
    bounded_repr). An exception the worker could not pickle (its class takes other arguments
    than its args) comes back wrapped: the worker's repr of it is its text."""
    if isinstance(value, UnpickleableExceptionWrapper) and value.text:
        return short_repr(value.text, limit)
    return bounded_repr(value, limit)


def _event_fields(event: dict) -> dict[str, Any]:
    """What an event says about its task, as display fields."""
    kind = event["type"]
    fields: dict[str, Any] = {}
    stamp = event.get("timestamp")
    if stamp is not None:
        fields[kind.removeprefix("task-") + "_at"] = stamp
    if event.get("hostname") and kind != "task-sent":
        fields["worker"] = event["hostname"]
    for key in ("args", "kwargs", "retries", "eta", "expires", "queue", "runtime"):
        if event.get(key) is not None:
            fields[key] = event[key]
    for key in ("args", "kwargs"):  # reprs the worker made: emoji joined with ZWJ stay emoji
        if isinstance(fields.get(key), str):
            fields[key] = unescape_joiners(fields[key])
    if kind == "task-succeeded":
        fields["result"] = short_repr(unescape_joiners(str(event.get("result"))))
    if kind in ("task-failed", "task-retried"):
        exception, traceback = event.get("exception"), event.get("traceback") or ""
        if str(exception).startswith("ExceptionWithTraceback(") and traceback.strip():
            # A pool process died (WorkerLostError...): the worker's event names billiard's
            # wrapper, whose repr is empty; the traceback's last line says what happened.
            exception = traceback.strip().splitlines()[-1]
        fields["exception"] = short_repr(unescape_joiners(str(exception)))
        fields["traceback"] = traceback
    if kind == "task-revoked":
        fields.update(terminated=event.get("terminated"), expired=event.get("expired"))
    return fields


def report_progress(task: Any, current: float, total: float | None = None, **meta: Any) -> None:
    """Report a running task's progress to both the result backend and live event watchers.

    Call it from inside a bound task (``@app.task(bind=True)``). It stores state ``PROGRESS``
    with ``{"current", "total", "meta"}`` (``update_state``, which sends no event) and sends a
    ``task-progress`` event with the same fields (which the live graph sees at once).

    Examples
    --------
    >>> from celery import Celery
    >>> app = Celery(set_as_current=False)
    >>> @app.task(bind=True)
    ... def crunch(self, n):
    ...     for i in range(n):
    ...         report_progress(self, i + 1, n, stage="crunching")
    """
    fields = {"current": current, "total": total, "meta": meta}
    task.update_state(state="PROGRESS", meta=fields)
    task.send_event("task-progress", **fields)
