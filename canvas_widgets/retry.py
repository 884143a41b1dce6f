"""Retry from a node: the rest of a run's canvas, rebuilt from one failed task.

:func:`retry_canvas` takes a run's frozen canvas (its canvas dict), the task to retry, the state
of every task and the results of those that succeeded, and returns a new canvas, made of
Celery's own ``chain``, ``group`` and ``chord``, that re-runs that task and everything that
depends on it and did not complete. What already succeeded is not run again; where a value it
returned is needed, the stored value is fed in:

* a chain step gets the previous step's stored result, as Celery would have passed it: a task
  gets it prepended to its arguments (and is made immutable, so no other input reaches it); a
  chain passes it to its first step; a group or chord header to each of its members;
* a chord's body needs every header result, in header order: the new chord's header re-runs the
  header members that did not succeed (from where each stopped) and has each member that
  succeeded replaced by Celery's built-in ``celery.accumulate`` task returning the stored
  value (``accumulate.si(value, index=0)`` returns ``value``). The body then gets the full list,
  exactly as in the first run; the replaced members show in the graph as ``accumulate``.
* members of a group whose value nobody downstream needs (a group at the end of the canvas)
  are independent: only the member holding the retried task runs again.

Link callbacks travel with their tasks. Stored results are what the result backend decoded
(JSON values for the JSON serializer), so the new run sees the same values the first run's
later steps would have seen.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping
from typing import Any

from celery import Celery, chain, chord, group, states
from celery.canvas import Signature

from .canvas import (
    RUN_OPTIONS,
    SCHEDULE_OPTIONS,
    children,
    chord_header,
    from_dict,
    iter_tasks,
    json_refusal,
    kind_of,
    to_dict,
)
from .tracking import STOPPED

__all__ = ["RetryError", "retry_canvas"]


class RetryError(ValueError):
    """A task that cannot be retried from (unknown, not failed, a callback), and why."""


def retry_canvas(
    canvas: Signature | Mapping,
    task_id: str,
    task_states: Mapping[str, str],
    results: Mapping[str, Any] | Callable[[str], Any],
    app: Celery | None = None,
) -> Signature:
    """The canvas that re-runs ``task_id`` and what depends on it that did not complete.

    Parameters
    ----------
    canvas : celery.canvas.Signature or dict
        The run's frozen canvas (``WorkflowRun.canvas_dict``): every task has its id.
    task_id : str
        The task to retry from; it must have failed or been revoked.
    task_states : dict
        Task id -> Celery state, for the tasks of the run (missing ones count as PENDING).
    results : dict or callable
        Task id -> stored result of a task that succeeded (only those whose values are fed
        to the new canvas are read).
    app : celery.Celery, optional
        The app to bind the new canvas to.

    Returns
    -------
    celery.canvas.Signature
        A new canvas without task ids (:func:`~canvas_widgets.run` freezes it anew).

    Raises
    ------
    RetryError
        If ``task_id`` is not a task of the canvas, is a link callback, or did not fail.

    Examples
    --------
    >>> from canvas_widgets import freeze
    >>> from canvas_widgets.demo import add, fail
    >>> frozen = freeze(add.s(1, 1) | fail.si("boom") | add.s(2))
    >>> first, failed, last = (step.id for step in frozen.tasks)
    >>> done = {first: "SUCCESS", failed: "FAILURE", last: "FAILURE"}
    >>> new = retry_canvas(frozen, failed, done, {first: 2})
    >>> [(s.task.rsplit(".")[-1], list(s.args)) for s in new.tasks]
    [('fail', ['boom']), ('add', [2])]
    >>> any(s.options.get("task_id") for s in new.tasks)
    False
    """
    sig = canvas if isinstance(canvas, Signature) else from_dict(canvas, app)
    app = app or sig._app
    paths = dict((s.options.get("task_id"), path) for path, s in iter_tasks(sig))
    if task_id not in paths:
        raise RetryError(
            f"task {task_id!r} is not a task of this canvas (link callbacks cannot be retried "
            "from: retry the task they belong to)"
        )
    state = task_states.get(task_id, states.PENDING)
    if state not in STOPPED:
        raise RetryError(
            f"{paths[task_id]}: task {task_id} is {state}; only a task that failed or was "
            "revoked can be retried from"
        )
    value_of = results if callable(results) else results.__getitem__
    builder = _Rebuild(task_id, task_states, value_of, app)
    rebuilt = builder.redo(sig, needed=False)
    assert rebuilt is not None  # the canvas holds the target
    refused = json_refusal(rebuilt)
    if refused is not None:
        # The run's own arguments were JSON: this is a result it stored, fed to a task again.
        path, what = refused
        name = next(t.task for p, t in iter_tasks(rebuilt) if path.startswith(p + "."))
        raise RetryError(
            f"{name} would be given a stored result again, {what}, which a canvas dict (JSON), "
            "what a new run is made of, cannot hold: a retry cannot feed it (run the rest "
            "yourself with it: AsyncResult(task id).get())"
        )
    return from_dict(_without_run_options(to_dict(rebuilt)), app)


class _Rebuild:
    """The walk behind :func:`retry_canvas`.

    ``redo(node, needed)`` returns what finishes ``node`` in a new run: the retried task and
    what depends on it inside ``node``, plus, when ``needed`` (something that runs again
    consumes ``node``'s value), whatever else of ``node`` did not succeed, with finished parts
    replaced by their stored values. It returns None when nothing of ``node`` has to run.
    What it returns takes ``node``'s input as ``node`` did; :meth:`feed` closes it with a
    known input, making it deaf to any other.
    """

    def __init__(
        self, target: str, task_states: Mapping[str, str], value_of: Callable[[str], Any], app
    ):
        self.target = target
        self.task_states = task_states
        self.value_of = value_of
        self.app = app
        self._ids: dict[int, frozenset[str]] = {}

    # --- what a node holds, and whether it finished --------------------------------------

    def ids(self, node: Signature) -> frozenset[str]:
        key = id(node)
        if key not in self._ids:
            self._ids[key] = frozenset(s.options.get("task_id") for _, s in iter_tasks(node))
        return self._ids[key]

    def holds_target(self, node: Signature) -> bool:
        return self.target in self.ids(node)

    def finished(self, node: Signature) -> bool:
        kind = kind_of(node)
        if kind in ("chain", "group", "chord"):
            members = [child for _, child in children(node)]
            return bool(members) and all(self.finished(m) for m in members)
        return self.task_states.get(node.options.get("task_id")) == states.SUCCESS

    def value(self, node: Signature) -> Any:
        """The stored result of a finished node, as Celery passes it on."""
        kind = kind_of(node)
        if kind == "chain":
            return self.value(children(node)[-1][1])
        if kind == "group":
            return [self.value(member) for _, member in children(node)]
        if kind == "chord":
            if node.body is None:
                return [self.value(m) for m in chord_header(node)]
            return self.value(node.body)
        return self.value_of(node.options["task_id"])

    # --- building -------------------------------------------------------------------------

    def const(self, value: Any) -> Signature:
        """A task returning ``value``: Celery's built-in ``accumulate``, immutable."""
        return self.app.signature("celery.accumulate", args=(value,), kwargs={"index": 0}).set(
            immutable=True
        )

    def feed(self, sig: Signature, value: Any) -> Signature:
        """``sig`` given ``value`` as its input, as Celery would have given it, and deaf to any
        other input (it may end up where an outer input arrives).

        Celery prepends a task's input to its arguments, passes a chain's input to its first
        step, and a group's or a chord's to each member of it (of the header, for a chord).
        """
        kind = kind_of(sig)
        if kind == "chain":
            first, *rest = (step for _, step in children(sig))
            return chain(self.feed(first, value), *rest, app=self.app)
        if kind == "group":
            return group([self.feed(m, value) for _, m in children(sig)], app=self.app)
        if kind == "chord":
            header = [self.feed(m, value) for m in chord_header(sig)]
            return chord(header, sig.body, app=self.app)
        if sig.immutable:
            return sig
        return sig.clone(args=(value,)).set(immutable=True)

    def redo(self, node: Signature, needed: bool) -> Signature | None:
        holds = self.holds_target(node)
        if not holds:
            if not needed:
                return None
            if self.finished(node):
                return self.const(self.value(node))
        kind = kind_of(node)
        if kind == "chain":
            return self._redo_chain(node, needed)
        if kind == "group":
            members = [member for _, member in children(node)]
            if needed:
                return group([self.redo(m, True) for m in members], app=self.app)
            (member,) = [m for m in members if self.holds_target(m)]
            return self.redo(member, False)
        if kind == "chord":
            return self._redo_chord(node, needed)
        return node.clone()  # a task: the retried one, or one whose value is needed

    def _redo_chain(self, node: chain, needed: bool) -> Signature:
        steps = [step for _, step in children(node)]
        if self.holds_target(node):
            k = next(i for i, step in enumerate(steps) if self.holds_target(step))
        else:
            k = next(i for i, step in enumerate(steps) if not self.finished(step))
        # Steps after k never ran (a chain stops at its first unfinished step): all of them
        # run again, each fed by the one before it, as in the first run.
        first = self.redo(steps[k], needed or k < len(steps) - 1)
        if k > 0:
            first = self.feed(first, self.value(steps[k - 1]))
        rest = [step.clone() for step in steps[k + 1 :]]
        return chain(first, *rest, app=self.app) if rest else first

    def _redo_chord(self, node: chord, needed: bool) -> Signature:
        header = chord_header(node)
        body = node.body
        if body is None:  # a chord without a body is a group
            return self.redo(group(header, app=self.app), needed)
        header_done = all(self.finished(m) for m in header)
        if self.holds_target(body) or header_done:
            return self.feed(self.redo(body, needed), [self.value(m) for m in header])
        # The body needs every header result: re-run what did not succeed, the rest replayed.
        new_header = [self.redo(member, True) for member in header]
        return chord(new_header, body.clone(), app=self.app)


def _without_run_options(d: Any) -> Any:
    """A canvas dict with the ids and bookkeeping of a run removed from every ``options``, and
    every ``eta`` or ``expires`` time that has passed: a task retried with the expiry it had
    would be discarded as expired at once."""
    if isinstance(d, list):
        return [_without_run_options(item) for item in d]
    if not isinstance(d, dict):
        return d
    out = {}
    for key, value in d.items():
        if key == "options" and isinstance(value, dict):
            out[key] = {
                k: _without_run_options(v)
                for k, v in value.items()
                if k not in RUN_OPTIONS and not (k in SCHEDULE_OPTIONS and _passed(v))
            }
        elif key == "kwargs" and d.get("subtask_type") is not None:
            out[key] = _without_run_options(value)  # a container's members
        elif key in ("args", "kwargs"):
            out[key] = value  # a task's arguments (stored results among them): untouched
        else:
            out[key] = _without_run_options(value)
    return out


def _passed(when: Any) -> bool:
    """Whether an ``eta`` or ``expires`` given as a point in time (ISO 8601 text, as in a
    canvas dict) lies in the past; a number of seconds counts from the send, so never. A time
    without an offset is UTC, as Celery takes it by default.

    >>> _passed("2020-01-01T00:00:00+00:00"), _passed("2999-01-01T00:00:00"), _passed(30)
    (True, False, False)
    """
    if not isinstance(when, str):
        return False
    try:
        moment = datetime.datetime.fromisoformat(when)
    except ValueError:
        return False
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.timezone.utc)
    return moment < datetime.datetime.now(datetime.timezone.utc)
