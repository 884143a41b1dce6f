"""Checks a canvas before anything is sent: task names, arity, empty containers, known Celery bugs.

Celery itself sends a task whose name no worker knows, then leaves every later step PENDING
forever; a chain step whose arguments cannot fit fails only on the worker. :func:`validate`
finds these, and the shapes Celery is known to mishandle, while the canvas is still on paper.
"""

from __future__ import annotations

import datetime
import difflib
import inspect
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Literal

from celery import Celery
from celery.canvas import Signature, maybe_signature
from dateutil.parser import isoparse

from .canvas import (
    NOT_JSON,
    CanvasError,
    canonical,
    chord_header,
    from_dict,
    iter_tasks,
    json_refusal,
    kind_of,
)
from .custom_types import custom_type

__all__ = ["Problem", "check", "validate"]

Severity = Literal["error", "warning", "info"]


@dataclass(frozen=True)
class Problem:
    """One thing wrong, or worth knowing, about one node of a canvas.

    Attributes
    ----------
    path : str
        The node, for example ``chain.tasks[2].header[0]``.
    severity : {"error", "warning", "info"}
        Errors stop a run; warnings name shapes Celery is known to mishandle.
    message : str
        What is wrong and what to do.
    code : str
        A short stable name for the kind of problem, for example ``unknown-task``.

    Examples
    --------
    >>> from celery import group
    >>> from canvas_widgets.demo import add, app
    >>> [problem] = validate(add.s(1, 1) | group([]), app)
    >>> problem.path, problem.severity, problem.code
    ('chain.tasks[1]', 'error', 'empty-group')
    """

    path: str
    severity: Severity
    message: str
    code: str

    def __str__(self) -> str:
        return f"{self.severity}: {self.path}: {self.message}"


def validate(canvas: Signature | Mapping, app: Celery | None = None) -> list[Problem]:
    """Check a canvas against an app and return its problems, errors first.

    Parameters
    ----------
    canvas : celery.canvas.Signature or dict
        The canvas, or its canvas dict. A malformed dict gives one ``malformed`` error.
    app : celery.Celery, optional
        The app whose registered tasks the canvas calls. Without it, task names and arity
        are not checked.

    Returns
    -------
    list of Problem
        Empty when the canvas is fine.

    Examples
    --------
    >>> from canvas_widgets.demo import add, app, mul
    >>> validate(add.s(2, 2) | mul.s(8), app)
    []
    >>> for problem in validate(add.s(2, 2) | mul.s(8, 3), app):
    ...     print(problem)  # doctest: +NORMALIZE_WHITESPACE
    error: chain.tasks[1]: canvas_widgets.demo.mul(x, y) cannot take these arguments: it is
    called with the previous step's result first, then args (8, 3): too many positional
    arguments. Use .si() to ignore the previous step's result, or remove an argument.
    >>> for problem in validate(add.s(2, 2) | mul.s(), app):
    ...     print(problem)  # doctest: +NORMALIZE_WHITESPACE
    error: chain.tasks[1]: canvas_widgets.demo.mul(x, y) cannot take these arguments: it is
    called with the previous step's result first, then args (): missing a required argument:
    'y'. Give it that argument too: the previous step's result fills only the first.
    """
    if not isinstance(canvas, Signature):
        try:
            canvas = from_dict(canvas, app)
        except CanvasError as exc:
            return [Problem(exc.path, "error", exc.message, "malformed")]
    try:
        problems = list(_check(canvas, kind_of(canvas), app, fed=None, in_chain=False))
    except CanvasError as exc:  # a custom canvas type without expand(): nothing more to check
        return [Problem(exc.path, "error", exc.message, "unsupported")]
    refused = json_refusal(canvas)  # (a dict has passed from_dict's own check of its values)
    if refused is not None:
        path, what = refused
        problems.append(Problem(path, "error", f"{what} {NOT_JSON}", "not-json"))
    order = {"error": 0, "warning": 1, "info": 2}
    return sorted(problems, key=lambda p: order[p.severity])


def check(canvas: Signature | Mapping, app: Celery | None = None) -> None:
    """Raise :class:`CanvasError` if :func:`validate` finds any error; otherwise do nothing.

    Examples
    --------
    >>> from canvas_widgets.demo import app
    >>> check({"task": "canvas_widgets.demo.nope"}, app)
    Traceback (most recent call last):
    ...
    canvas_widgets.canvas.CanvasError: task: unknown task 'canvas_widgets.demo.nope'...
    """
    errors = [p for p in validate(canvas, app) if p.severity == "error"]
    if errors:
        more = f" (and {len(errors) - 1} more error(s))" if len(errors) > 1 else ""
        details = "".join(f"\n  {p}" for p in errors[1:])
        raise CanvasError(errors[0].path, errors[0].message + more + details)


_PREVIOUS = "the previous step's result"
_HEADER = "the list of the header's results"
_PARENT = "the parent task's result"


def _check(
    sig: Signature, path: str, app: Celery | None, *, fed: str | None, in_chain: bool
) -> Iterator[Problem]:
    """Problems of one node. ``fed`` names the value Celery passes to it as its first argument."""
    kind = kind_of(sig)
    if kind == "chain":
        steps = [maybe_signature(s, app=app) for s in sig.tasks]
        if not steps:
            yield Problem(path, "error", "empty chain: add at least one task", "empty-chain")
        for i, step in enumerate(steps):
            step_path = f"{path}.tasks[{i}]"
            if kind_of(step) == "group" and len(step.tasks) == 1 and len(steps) > 1:
                yield Problem(
                    step_path,
                    "warning",
                    "a group of one task inside a chain is mishandled by Celery (celery#9012); "
                    "use the task itself",
                    "single-task-group",
                )
            if i and kind_of(step) == "group" and _group_results_before(steps, i):
                yield Problem(
                    step_path,
                    "warning",
                    "a group after a group of results (a chord's group body, or group | group) "
                    "runs once per task of that group, each time with one result, or once with "
                    "all of them, as Celery's chain was built (with |, chain(...) or from a "
                    "canvas dict): a run may not give plain Celery's value; gather the results "
                    "in a task between the two groups",
                    "group-after-group",
                )
            yield from _check(step, step_path, app, fed=_PREVIOUS if i else fed, in_chain=True)
    elif kind == "group":
        members = [maybe_signature(s, app=app) for s in sig.tasks]
        if not members:
            where = " inside a chain (celery#9772)" if in_chain else ""
            yield Problem(
                path, "error", f"empty group{where}: add tasks to it or remove it", "empty-group"
            )
        for i, member in enumerate(members):
            if kind_of(member) in ("group", "chord"):
                yield Problem(
                    f"{path}.tasks[{i}]",
                    "info",
                    f"revoking a {kind_of(member)} nested in a group may not reach all of its "
                    "tasks (celery#4667, celery#8460)",
                    "nested-revoke",
                )
            yield from _check(member, f"{path}.tasks[{i}]", app, fed=fed, in_chain=False)
    elif kind == "chord":
        yield from _check_chord(sig, path, app, fed=fed)
    elif (custom := custom_type(kind)) is not None:
        yield from _check_custom(sig, path, app, custom.slots, fed=fed)
    else:
        yield from _check_task(sig, path, app, fed=fed)
    yield from _check_callbacks(sig, path, app)
    yield from _check_options(sig, path)


def _group_results_before(steps: list[Signature], i: int) -> bool:
    """Whether the step before ``steps[i]`` gives the results of a group of tasks that each
    call what follows: a chord whose body is a group, or a group that itself follows a group
    (the two make a chord with a group body)."""
    before = steps[i - 1]
    if kind_of(before) == "chord":
        return before.body is not None and kind_of(maybe_signature(before.body)) == "group"
    return kind_of(before) == "group" and i >= 2 and kind_of(steps[i - 2]) == "group"


def _check_chord(
    sig: Signature, path: str, app: Celery | None, *, fed: str | None
) -> Iterator[Problem]:
    header = chord_header(sig)
    if not header:
        yield Problem(
            f"{path}.header",
            "error",
            "empty chord header: the body would never run (celery#3597); add header tasks",
            "empty-chord-header",
        )
    for i, member in enumerate(header):
        if kind_of(member) == "chord":
            yield Problem(
                f"{path}.header[{i}]",
                "warning",
                "a chord nested in a chord header makes the message grow exponentially "
                "(celery#3571)",
                "nested-chord",
            )
        yield from _check(member, f"{path}.header[{i}]", app, fed=fed, in_chain=False)
    body = sig.body
    if body is None:
        yield Problem(f"{path}.body", "error", "a chord needs a body to run", "missing-body")
        return
    body_kind = kind_of(body)
    if body_kind == "chord":
        yield Problem(
            f"{path}.body",
            "warning",
            "a chord as the body of a chord makes the message grow exponentially (celery#3571)",
            "nested-chord",
        )
    if body_kind == "group" and any(kind_of(maybe_signature(m)) == "chain" for m in body.tasks):
        yield Problem(
            f"{path}.body",
            "warning",
            "a chain inside a group in a chord body loses the header results (celery#4161)",
            "chain-in-chord-body-group",
        )
    if sig.options.get("link_error") or body.options.get("link_error"):
        yield Problem(
            path,
            "warning",
            "errbacks of a chord may be skipped when a header task fails "
            "(celery#3317, celery#9107); also watch the header tasks",
            "chord-errback",
        )
    yield from _check(body, f"{path}.body", app, fed=_HEADER, in_chain=False)


def _check_custom(
    sig: Signature, path: str, app: Celery | None, slots: Mapping[str, bool], *, fed: str | None
) -> Iterator[Problem]:
    """A custom type: its slots filled and their task names known, then its expansion checked.

    Problems inside the expansion are reported on the custom node itself (its expansion has no
    place in the canvas dict), each once, saying where in the expansion it was found."""
    empty = [name for name, required in slots.items() if sig.kwargs.get(name) is None and required]
    for name in empty:
        yield Problem(
            f"{path}.{name}", "error", f"a {sig.subtask_type} needs a {name}", "empty-slot"
        )
    for name in slots:
        if sig.kwargs.get(name) is not None:
            slot = maybe_signature(sig.kwargs[name], app=app)
            for task_path, task in iter_tasks(slot, f"{path}.{name}"):
                if (problem := _unknown_task(task, task_path, app)) is not None:
                    yield problem
    if empty:
        return
    try:
        expansion = canonical(sig.expand(), app)
    except ValueError as exc:
        if fed is None or sig.immutable:  # nothing will give it its input: a real problem
            yield Problem(path, "error", f"cannot be expanded: {exc}", "custom-expand")
        return  # it takes its input from the previous step: expanded on the worker
    except Exception as exc:  # a bug of the custom type, or a canvas it cannot handle
        yield Problem(path, "error", f"its expand() failed: {exc!r}", "custom-expand")
        return
    found: dict[tuple[str, str], list[Problem]] = {}
    for problem in _check(expansion, kind_of(expansion), app, fed=fed, in_chain=False):
        if problem.code != "unknown-task":  # already reported at the slot
            found.setdefault((problem.severity, problem.code), []).append(problem)
    for (severity, code), [first, *more] in found.items():
        where = f"at {first.path}" + (f" and {len(more)} more place(s)" if more else "")
        yield Problem(path, severity, f"{first.message} (in its expansion, {where})", code)


def _check_task(
    sig: Signature, path: str, app: Celery | None, *, fed: str | None
) -> Iterator[Problem]:
    kind = kind_of(sig)
    if kind in ("map", "starmap", "chunks"):
        inner = maybe_signature(sig.kwargs["task"], app=app)
        items = list(sig.kwargs["it"])
        if not items:
            yield Problem(f"{path}.it", "warning", f"empty {kind}: nothing to run", f"empty-{kind}")
        if kind == "map":
            leading = {1: "each item"}
        else:
            leading = {len(item): f"the {len(item)} values of each item" for item in items}
        for length, what in sorted(leading.items()):
            yield from _check_call(inner, f"{path}.task", app, prefix=length, leading=what)
        return
    fed = None if sig.immutable else fed
    yield from _check_call(sig, path, app, prefix=int(fed is not None), leading=fed)


def _check_call(
    sig: Signature, path: str, app: Celery | None, *, prefix: int = 0, leading: str | None = None
) -> Iterator[Problem]:
    """Check the task name, and that ``prefix`` leading arguments plus sig's args/kwargs fit it."""
    if app is None:
        return
    problem = _unknown_task(sig, path, app)
    if problem is not None:
        yield problem
        return
    name = sig.task
    task = app.tasks[name]
    try:
        params = inspect.signature(task.run)
    except (TypeError, ValueError):  # a builtin or C-level run(): nothing to check against
        return
    try:
        params.bind(*([None] * prefix), *sig.args, **sig.kwargs)
    except TypeError as exc:
        called = f"{leading} first, then " if leading else ""
        # Hidden arguments (argsrepr / kwargsrepr) are named by the text that stands for them.
        args_repr, kwargs_repr = (
            (sig.options or {}).get("argsrepr"),
            (sig.options or {}).get("kwargsrepr"),
        )
        called += f"args {tuple(sig.args)!r}" if args_repr is None else f"args {args_repr}"
        if sig.kwargs:
            called += (
                f" and kwargs {dict(sig.kwargs)!r}"
                if kwargs_repr is None
                else (f" and kwargs {kwargs_repr}")
            )
        fix = ""
        if leading in (_PREVIOUS, _HEADER):
            if str(exc).startswith("missing"):
                fix = f" Give it that argument too: {leading} fills only the first."
            elif "keyword" not in str(exc):  # too many, or one given twice
                fix = f" Use .si() to ignore {leading}, or remove an argument."
        yield Problem(
            path,
            "error",
            f"{name}{params} cannot take these arguments: it is called with {called}: {exc}.{fix}",
            "arity",
        )


def _check_callbacks(sig: Signature, path: str, app: Celery | None) -> Iterator[Problem]:
    for key in ("link", "link_error"):
        callbacks = sig.options.get(key) or []
        if isinstance(callbacks, Mapping):
            callbacks = [callbacks]
        for i, callback in enumerate(callbacks):
            callback = maybe_signature(callback, app=app)
            cb_path = f"{path}.options.{key}[{i}]"
            if key == "link":  # a success callback receives the result, as a chain step does
                yield from _check(callback, cb_path, app, fed=_PARENT, in_chain=False)
            elif (problem := _unknown_task(callback, cb_path, app)) is not None:
                # errbacks are called as (request, exc, traceback) or (task_id): check the name only
                yield problem


def _seconds(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _moment(value: object) -> bool:
    """A point in time as Celery reads one: a datetime, or ISO 8601 text (dateutil's isoparse,
    as the worker parses it)."""
    if isinstance(value, datetime.datetime):
        return True
    try:
        isoparse(value)
    except (TypeError, ValueError, OverflowError):
        return False
    return True


#: The options Celery reads when it sends a task, and what each must be. Wrong, Celery fails
#: while publishing (a canvas half sent) or on the worker.
_OPTIONS = {
    "countdown": (_seconds, "a number of seconds"),
    "eta": (_moment, "a date and time (ISO 8601 text, such as '2030-05-01T12:30:00+00:00')"),
    "expires": (lambda v: _seconds(v) or _moment(v), "a number of seconds or a date and time"),
    "time_limit": (lambda v: _seconds(v) and v > 0, "a number of seconds above 0"),
    "soft_time_limit": (lambda v: _seconds(v) and v > 0, "a number of seconds above 0"),
    "priority": (
        lambda v: isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= 255,
        "a whole number from 0 to 255",
    ),
    "queue": (lambda v: isinstance(v, str) and v != "", "a queue's name"),
    "ignore_result": (lambda v: isinstance(v, bool), "true or false"),
}


def _check_options(sig: Signature, path: str) -> Iterator[Problem]:
    """Options of the wrong kind: ``countdown="soon"`` is sent, and fails Celery half way."""
    for key, (fits, what) in _OPTIONS.items():
        value = sig.options.get(key)
        if value is not None and not fits(value):
            yield Problem(
                f"{path}.options.{key}",
                "error",
                f"{key} must be {what}, not {value!r:.60}",
                "bad-option",
            )


def _unknown_task(sig: Signature, path: str, app: Celery | None) -> Problem | None:
    if app is None or sig.task in app.tasks:
        return None
    names = [t for t in app.tasks if not t.startswith("celery.")]
    close = difflib.get_close_matches(sig.task, names)
    hint = f"; did you mean {close[0]!r}?" if close else "; register it with @app.task"
    return Problem(path, "error", f"unknown task {sig.task!r}{hint}", "unknown-task")
