"""The canvas model: canvas dicts in and out, strict loading, the canonical form and freezing.

The canvas dict is Celery's own JSON form of a signature (``json.dumps(sig)``); plain
``celery.signature(d, app=app)`` reads everything :func:`to_dict` writes. Two things are added on
top of Celery, both invisible to it:

* :func:`to_dict` writes ``subtask_type`` for ``xmap``, ``xstarmap`` and ``chunks`` (Celery writes
  ``null`` and so loses the type on reload), and :func:`from_dict` restores the type of such dicts
  written by Celery itself, recognising them by their task name.
* :func:`from_dict` checks the whole dict before Celery sees it, so a malformed input gives one
  :class:`CanvasError` naming the node by its path (``chain.tasks[2].header[0]``), never a bare
  ``KeyError`` from inside Celery.

:func:`freeze` brings a canvas to the canonical form in which freezing gives *every* task an id
(Celery's own ``_chain([...]).freeze()`` leaves some without one), then freezes a copy.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterator, Mapping
from typing import Any

from celery import Celery, chain, chord, group
from celery.canvas import Signature, maybe_signature

from .custom_types import custom_type

__all__ = [
    "KINDS",
    "NOT_JSON",
    "RUN_OPTIONS",
    "SCHEDULE_OPTIONS",
    "CanvasError",
    "canonical",
    "children",
    "chord_header",
    "freeze",
    "from_dict",
    "iter_tasks",
    "json_refusal",
    "kind_of",
    "to_dict",
]

#: The option a builder puts in its widget state in place of a task's hidden arguments (see
#: widgets/_hidden.py): a dict with it lacks them, and is refused outside the builder.
HIDDEN_OPTION = "cw_hidden"

#: The kinds of canvas node, by Celery's ``subtask_type`` (``None`` is a plain task), with the
#: task name Celery gives each container and the short name used in paths and in the widgets.
KINDS: dict[str | None, tuple[str | None, str]] = {
    None: (None, "task"),
    "chain": ("celery.chain", "chain"),
    "group": ("celery.group", "group"),
    "chord": ("celery.chord", "chord"),
    "xmap": ("celery.map", "map"),
    "xstarmap": ("celery.starmap", "starmap"),
    "chunks": ("celery.chunks", "chunks"),
}
#: Options that can say when a task runs or stops being worth running, as a point in time.
SCHEDULE_OPTIONS = ("eta", "expires")
#: Options Celery writes while freezing and publishing (ids and routing of one run), as opposed
#: to the options a user sets. A copy for a new run must drop them, or it reuses the old ids.
RUN_OPTIONS = frozenset(
    {
        "task_id",
        "reply_to",
        "group_id",
        "group_index",
        "chord",
        "root_id",
        "parent_id",
        "chord_size",
    }
)
_TYPE_BY_TASK_NAME = {task: typ for typ, (task, _) in KINDS.items() if task}
_KEYS = ("task", "args", "kwargs", "options", "subtask_type", "immutable")
# Keys that Celery itself may add to a signature dict (celery >= 5.3 writes chord_size for some).
_OPTIONAL_KEYS = ("chord_size",)
# The keyword arguments each container kind keeps in ``kwargs``, and which of them are required.
_CONTAINER_KWARGS = {
    "chain": ({"tasks"}, {"tasks"}),
    "group": ({"tasks"}, {"tasks"}),
    "chord": ({"header", "body", "kwargs"}, {"header"}),
    "xmap": ({"task", "it"}, {"task", "it"}),
    "xstarmap": ({"task", "it"}, {"task", "it"}),
    "chunks": ({"task", "it", "n"}, {"task", "it", "n"}),
}


class CanvasError(ValueError):
    """A canvas that cannot be loaded or run, with the path of the node at fault.

    Parameters
    ----------
    path : str
        Where the problem is, for example ``chain.tasks[2].header[0]``.
    message : str
        What is wrong there, and what to do about it.

    Examples
    --------
    >>> err = CanvasError("chain.tasks[1]", "expected a signature dict, got int 3")
    >>> str(err)
    'chain.tasks[1]: expected a signature dict, got int 3'
    >>> isinstance(err, ValueError)
    True
    """

    def __init__(self, path: str, message: str):
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message


def kind_of(sig: Mapping) -> str:
    """Return the short kind of a signature: task, chain, group, chord, map, starmap or chunks,
    or the ``subtask_type`` of a custom type (see :mod:`canvas_widgets.custom_types`).

    Examples
    --------
    >>> from canvas_widgets.demo import add
    >>> kind_of(add.s(1, 1)), kind_of(add.s(1, 1) | add.s(2)), kind_of(add.map([1]))
    ('task', 'chain', 'map')
    """
    typ = _signature_type(sig)
    if typ in KINDS:
        return KINDS[typ][1]
    if custom_type(typ) is not None:
        return typ
    raise CanvasError("canvas", _unsupported_type(typ))


def _unsupported_type(typ: object) -> str:
    if isinstance(typ, str) and typ in Signature.TYPES:
        return (
            f"the custom canvas type {typ!r} is registered with Celery but has no expand() "
            "method saying what it stands for in Celery's primitives; canvas_widgets needs one "
            "(see canvas_widgets.custom_types)"
        )
    return (
        f"unknown subtask_type {typ!r}; expected null or one of "
        f"{', '.join(repr(k) for k in KINDS if k)}"
    )


def _signature_type(sig: Mapping) -> str | None:
    """Celery's subtask_type of a signature object or dict, restored for map/starmap/chunks."""
    for cls in type(sig).__mro__:
        for name, registered in Signature.TYPES.items():
            if registered is cls:
                return name
    typ = sig.get("subtask_type")
    if typ is None:
        typ = _TYPE_BY_TASK_NAME.get(sig.get("task"))
    return typ


# --------------------------------------------------------------------------------------- to_dict


def to_dict(canvas: Signature | Mapping) -> dict:
    """Return the canvas dict of a canvas: Celery's JSON form, with plain lists and dicts.

    ``chunks``, ``xmap`` and ``xstarmap`` get their ``subtask_type`` written, so that they keep
    their type when loaded back (Celery writes ``null`` for them).

    Parameters
    ----------
    canvas : celery.canvas.Signature or dict
        A signature of any shape, or a canvas dict (which is checked, as by :func:`from_dict`).

    Returns
    -------
    dict
        A dict that ``json.dumps`` accepts and ``celery.signature(d, app=app)`` reads back.

    Examples
    --------
    >>> from canvas_widgets.demo import add, mul
    >>> d = to_dict(add.s(2, 2) | mul.s(8))
    >>> d["subtask_type"], [t["task"] for t in d["kwargs"]["tasks"]]
    ('chain', ['canvas_widgets.demo.add', 'canvas_widgets.demo.mul'])
    >>> to_dict(add.chunks([(1, 2), (3, 4)], 1))["subtask_type"]
    'chunks'
    """
    if not isinstance(canvas, Signature):
        canvas = from_dict(canvas)
    plain = _plain(canvas)
    try:
        return json.loads(json.dumps(plain))
    except (TypeError, ValueError) as exc:
        refused = json_refusal(canvas)
        if refused is None:
            raise CanvasError(kind_of(canvas), f"not JSON-serialisable: {exc}") from exc
        path, what = refused
        raise CanvasError(path, f"{what} {NOT_JSON}") from exc


#: What is said of a value a canvas dict cannot hold (after what the value is).
NOT_JSON = (
    "cannot go in a canvas dict, which is JSON: pass it as text or numbers (a date as its "
    "isoformat(), say)"
)


def json_refusal(canvas: Signature) -> tuple[str, str] | None:
    """The first value of a canvas's tasks that a canvas dict (JSON) cannot hold: its path, as
    close as it can be told (``chain.tasks[1].args[0]``), and what it is; None when there is
    none.

    >>> import datetime
    >>> from canvas_widgets.demo import add
    >>> json_refusal(add.s(1, 1) | add.s(when=datetime.date(2026, 1, 2)))
    ('chain.tasks[1].kwargs.when', 'date datetime.date(2026, 1, 2)')
    >>> json_refusal(add.s(1, 1)) is None
    True
    """
    for path, sig in iter_tasks(canvas):
        plain = _plain(sig)  # (an eta given as a datetime is written as text: not refused)
        for field in ("args", "kwargs", "options"):
            found = _refused(plain.get(field), f"{path}.{field}")
            if found is not None:
                return found
    return None


def _refused(value: Any, path: str) -> tuple[str, str] | None:
    if isinstance(value, dict):
        items = [(f"{path}.{key}", item) for key, item in value.items()]
    elif isinstance(value, list):
        items = [(f"{path}[{i}]", item) for i, item in enumerate(value)]
    else:
        try:
            json.dumps(value)
        except (TypeError, ValueError):
            return path, _describe(value)
        return None
    for where, item in items:
        found = _refused(item, where)
        if found is not None:
            return found
    return None


def _plain(value: Any) -> Any:
    """Signatures as plain dicts (their type written), tuples and lazy lists as lists; an
    ``eta`` or ``expires`` given as a datetime as the ISO 8601 text Celery sends it as."""
    if isinstance(value, Signature):
        out = {key: _plain(item) for key, item in value.items()}
        typ = _signature_type(value)
        if typ is not None:
            out["subtask_type"] = typ
        options = out.get("options")
        for key in SCHEDULE_OPTIONS:
            if isinstance(options, dict) and isinstance(options.get(key), datetime.datetime):
                options[key] = options[key].isoformat()
        return out
    if isinstance(value, Mapping):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


# ------------------------------------------------------------------------------------- from_dict


def from_dict(d: Mapping, app: Celery | None = None) -> Signature:
    """Load a canvas dict into Celery's canvas objects, strictly.

    Every node is checked before Celery sees it; a malformed dict raises one
    :class:`CanvasError` that names the node by its path. Dicts written by Celery itself for
    ``chunks``, ``xmap`` and ``xstarmap`` (``subtask_type: null``) get their type back.
    Whether the tasks exist and their arguments fit is :func:`~canvas_widgets.validate`'s job.

    Parameters
    ----------
    d : dict
        A canvas dict, as :func:`to_dict` or ``json.dumps(signature)`` writes it.
    app : celery.Celery, optional
        The app the signatures are bound to.

    Returns
    -------
    celery.canvas.Signature
        A ``Signature``, ``chain``, ``group``, ``chord``, ``xmap``, ``xstarmap`` or ``chunks``.

    Raises
    ------
    CanvasError
        If the dict is not a well-formed canvas dict.

    Examples
    --------
    >>> sig = from_dict({"task": "tasks.add", "args": [2, 2]})
    >>> sig.task, sig.args
    ('tasks.add', [2, 2])
    >>> from_dict({"task": "celery.group", "subtask_type": "group", "kwargs": {"tasks": [7]}})
    Traceback (most recent call last):
    ...
    canvas_widgets.canvas.CanvasError: group.tasks[0]: expected a signature dict, got int 7
    """
    return _load(d, None, app)


def _load(d: Any, path: str | None, app: Celery | None) -> Signature:
    """Check one node (path None means the root, named by its kind) and build it with Celery."""
    if not isinstance(d, Mapping):
        several = " (several tasks: a group or a chain of them)" if isinstance(d, list) else ""
        raise CanvasError(
            path or "canvas", f"expected a signature dict, got {_describe(d)}{several}"
        )
    unknown = sorted(str(key) for key in d if key not in _KEYS + _OPTIONAL_KEYS)
    if unknown:
        raise CanvasError(
            path or "canvas",
            f"unknown key(s) {', '.join(map(repr, unknown))}; a signature dict has "
            f"{', '.join(map(repr, _KEYS))}",
        )
    typ = d.get("subtask_type")
    custom = custom_type(typ)
    if typ is not None and custom is None and (not isinstance(typ, str) or typ not in KINDS):
        raise CanvasError(path or "canvas", _unsupported_type(typ))
    task = d.get("task")
    if typ is None and isinstance(task, str):
        typ = _TYPE_BY_TASK_NAME.get(task)
    expected_task, kind = KINDS[typ] if custom is None else (None, custom.name)
    path = path or kind
    if not isinstance(task, str) or not task:
        raise CanvasError(path, f"'task' must be a non-empty string, got {_describe(task)}")
    if expected_task and task != expected_task:
        raise CanvasError(path, f"a {kind} has task {expected_task!r}, got {task!r}")

    args = d.get("args", [])
    if not isinstance(args, list | tuple):
        raise CanvasError(f"{path}.args", f"expected a list, got {_describe(args)}")
    kwargs = _mapping(d.get("kwargs", {}), f"{path}.kwargs")
    options = _mapping(d.get("options", {}), f"{path}.options")
    immutable = d.get("immutable", False)
    if not isinstance(immutable, bool):
        raise CanvasError(
            f"{path}.immutable", f"expected true or false, got {_describe(immutable)}"
        )
    if typ is not None and custom is None and args:
        raise CanvasError(
            f"{path}.args", f"a {kind} takes no args of its own; give them to its tasks"
        )

    node = {key: d[key] for key in _OPTIONAL_KEYS if key in d}
    if custom is not None:
        kwargs = _custom_kwargs(kwargs, custom.slots, path, app)
    elif typ is None:
        kwargs = _json_values(kwargs, f"{path}.kwargs")
    else:
        kwargs = _container_kwargs(kwargs, typ, path, app)
    node.update(
        task=task,
        args=_json_values(list(args), f"{path}.args"),
        kwargs=kwargs,
        options=_load_options(options, path, app),
        subtask_type=typ,
        immutable=immutable,
    )
    try:
        return Signature.from_dict(node, app=app)
    except Exception as exc:  # Celery's own constructors raise anything; name the node instead.
        raise CanvasError(path, f"Celery could not build this {kind}: {exc!r}") from exc


def _custom_kwargs(kwargs: dict, slots: Mapping[str, bool], path: str, app: Celery | None) -> dict:
    """A custom type's kwargs: its slots are canvases (or null), the rest JSON values."""
    out = {}
    for key, value in kwargs.items():
        if key in slots and value is not None:
            out[key] = _load(value, f"{path}.{key}", app)
        else:
            out[key] = _json_values(value, f"{path}.kwargs.{key}")
    return out


def _container_kwargs(kwargs: dict, typ: str, path: str, app: Celery | None) -> dict:
    allowed, required = _CONTAINER_KWARGS[typ]
    kind = KINDS[typ][1]
    extra = sorted(set(kwargs) - allowed)
    if extra:
        raise CanvasError(f"{path}.kwargs", f"a {kind} has no {', '.join(map(repr, extra))}")
    missing = sorted(required - set(kwargs))
    if missing:
        raise CanvasError(f"{path}.kwargs", f"a {kind} needs {', '.join(map(repr, missing))}")
    out = dict(kwargs)
    if typ in ("chain", "group"):
        out["tasks"] = _load_list(kwargs["tasks"], f"{path}.tasks", app)
    elif typ == "chord":
        header = kwargs["header"]
        if isinstance(header, Mapping):  # a group dict is a valid header too
            if _signature_type(header) != "group":
                raise CanvasError(
                    f"{path}.header", "a chord header is a list of signatures or a group"
                )
            header = _mapping(header.get("kwargs", {}), f"{path}.header.kwargs").get("tasks", [])
        out["header"] = _load_list(header, f"{path}.header", app)
        body = kwargs.get("body")
        out["body"] = None if body is None else _load(body, f"{path}.body", app)
        out["kwargs"] = _json_values(
            _mapping(kwargs.get("kwargs", {}), f"{path}.kwargs.kwargs"), path
        )
    else:  # xmap, xstarmap, chunks: one task applied to every item of ``it``
        out["task"] = _load(kwargs["task"], f"{path}.task", app)
        if _signature_type(out["task"]) is not None:
            raise CanvasError(
                f"{path}.task", f"a {kind} applies a task, not a {kind_of(out['task'])}"
            )
        items = kwargs["it"]
        if not isinstance(items, list | tuple):
            raise CanvasError(f"{path}.it", f"expected a list of items, got {_describe(items)}")
        if typ != "xmap":
            for i, item in enumerate(items):
                if not isinstance(item, list | tuple):
                    raise CanvasError(
                        f"{path}.it[{i}]",
                        f"each item of a {kind} is a list of arguments, got {_describe(item)}",
                    )
        out["it"] = _json_values(list(items), f"{path}.it")
        if typ == "chunks":
            n = kwargs["n"]
            if isinstance(n, bool) or not isinstance(n, int) or n < 1:
                raise CanvasError(
                    f"{path}.n", f"the chunk size must be a whole number >= 1, got {n!r}"
                )
    return out


def _load_options(options: dict, path: str, app: Celery | None) -> dict:
    if HIDDEN_OPTION in options:
        raise CanvasError(
            f"{path}.options.{HIDDEN_OPTION}",
            "this dict was copied from a builder, which keeps the arguments its task hides "
            "(argsrepr/kwargsrepr) in its kernel, never in the dict: they are not here. Take "
            "the canvas from the builder in Python (b.canvas, b.to_dict()), or give the hidden "
            "arguments again",
        )
    out = dict(options)
    for key in ("link", "link_error"):
        if key not in options or options[key] is None:
            continue
        value = options[key]
        if isinstance(value, Mapping):
            out[key] = _load(value, f"{path}.options.{key}", app)
        else:
            out[key] = _load_list(value, f"{path}.options.{key}", app)
    for key, value in options.items():
        if key not in ("link", "link_error"):
            out[key] = _json_values(value, f"{path}.options.{key}")
    return out


def _load_list(items: Any, path: str, app: Celery | None) -> list[Signature]:
    if not isinstance(items, list | tuple):
        raise CanvasError(path, f"expected a list of signature dicts, got {_describe(items)}")
    return [_load(item, f"{path}[{i}]", app) for i, item in enumerate(items)]


def _mapping(value: Any, path: str) -> dict:
    if not isinstance(value, Mapping):
        raise CanvasError(path, f"expected a dict, got {_describe(value)}")
    for key in value:
        if not isinstance(key, str):
            raise CanvasError(path, f"keys must be strings, got {_describe(key)}")
    return dict(value)


def _json_values(value: Any, path: str) -> Any:
    """Check that a value survives Celery's JSON serializer unchanged in meaning."""
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise CanvasError(
            path, f"not JSON-serialisable ({exc}); canvases are sent as JSON"
        ) from exc
    return value


def _describe(value: Any) -> str:
    text = repr(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return f"{type(value).__name__} {text}"


# ----------------------------------------------------------------------- canonical form, freezing


def canonical(canvas: Signature | Mapping, app: Celery | None = None) -> Signature:
    """Return a fresh copy of a canvas in the form Celery runs, in which freezing names every task.

    Every chain is rebuilt with ``chain(*steps)``, which is what ``|`` does: a group followed by
    a task becomes a chord, and nested chains are flattened. Celery does the same rewrite
    lazily inside ``freeze()`` on a private clone, which is why some tasks of a chain loaded
    from a dict never receive an id. ``chunks`` become their group of ``starmap`` tasks
    (``chunks.group()``), so that each chunk is a task with a known id, and a custom type
    becomes its ``expand()`` (see :mod:`canvas_widgets.custom_types`), or stays the one task it
    is on the wire when it cannot be expanded before it runs.

    Examples
    --------
    >>> from celery.canvas import _chain
    >>> from canvas_widgets.demo import add, tsum
    >>> loaded = _chain([add.s(1, 1), group(add.s(1), add.s(2)), tsum.s()])
    >>> [kind_of(step) for step in canonical(loaded).tasks]
    ['task', 'chord']
    """
    # _canonical reuses and updates the loaded signatures: load a private copy (a dict loads
    # into fresh objects; a signature goes through its dict first).
    if isinstance(canvas, Signature):
        app = app or canvas._app
        canvas = to_dict(canvas)
    return _canonical(from_dict(canvas, app))


def _canonical(sig: Signature) -> Signature:
    typ = _signature_type(sig)
    app = sig._app
    if typ is None:
        node = sig
        # A tuple, as Celery makes it (a dict loads it as a list): what the task's events show.
        node.args = tuple(node.args)
    elif typ == "chain":
        steps = [_canonical(step) for step in sig.tasks]
        if len(steps) > 1:
            # Celery folds chain(a, b, c) exactly as a | b | c, in one pass where it can (a
            # chain of 100 steps built with `|` clones its steps 100 times over).
            node = chain(*steps)
            if node._app is None:
                node._app = app
        else:  # chain(x) keeps x inside a chain, where `chain() | x` may give x itself
            node = chain(app=app)
            for step in steps:
                node = node | step
    elif typ == "group":
        members = []
        for member in map(_canonical, sig.tasks):
            # A group (or chunks) directly in a group: Celery's unfrozen apply_async() unrolls
            # it in order, but group.freeze() unrolls it reversed (deque.extendleft). Unrolling
            # here keeps the order a user of plain Celery gets.
            if kind_of(member) == "group" and not member.options:
                members.extend(member.tasks)
            else:
                members.append(member)
        node = group(members, app=app)
    elif typ == "chord":
        body = None if sig.body is None else _canonical(sig.body)
        body_kwargs = {"kwargs": dict(sig.kwargs.get("kwargs") or {})}
        node = chord(
            [_canonical(member) for member in chord_header(sig)], body, kwargs=body_kwargs, app=app
        )
    elif typ == "chunks":
        node = _typed(sig, app).group()
        node._cw_kind = "chunks"  # lets the workflow graph label this group's box
        # The chunks' argsrepr/kwargsrepr stand for its items: each chunk (a starmap of some of
        # them) is shown by that text too, never by its items.
        reprs = {k: sig.options[k] for k in ("argsrepr", "kwargsrepr") if k in sig.options}
        for part in node.tasks:
            part.options.update(reprs)
    elif typ in KINDS:  # xmap, xstarmap: one task; the mapped task runs inside it
        node = sig
    else:
        node = _expanded(sig, typ)
    if typ not in (None, "xmap", "xstarmap") and node is not sig:
        node.options.update(
            {k: v for k, v in sig.options.items() if k not in ("link", "link_error")}
        )
    _canonical_callbacks(node, sig)
    return node


def _expanded(sig: Signature, typ: str) -> Signature:
    """A custom type's expansion in canonical form, or the signature itself if it has none yet."""
    try:
        expansion = sig.expand()
    except ValueError:  # e.g. its input is the previous step's result: it runs as one task
        return sig
    node = _canonical(expansion)
    if kind_of(node) in ("chain", "group", "chord"):
        node._cw_kind = typ  # the workflow graph labels its box with the type's name
    return node


def _canonical_callbacks(node: Signature, source: Signature) -> None:
    for key in ("link", "link_error"):
        callbacks = source.options.get(key)
        if callbacks:
            if isinstance(callbacks, Mapping):
                callbacks = [callbacks]
            node.options[key] = [
                _canonical(maybe_signature(cb, app=source._app)) for cb in callbacks
            ]


def freeze(canvas: Signature | Mapping, app: Celery | None = None) -> Signature:
    """Return a frozen copy of a canvas in canonical form: every task has its id before it runs.

    The copy can be published with ``apply_async()``; the workers then run every task under
    the id it got here. Link and errback callbacks get ids too. Ids already present are kept,
    so freezing a frozen canvas changes nothing. Freeze anew for every run.

    Examples
    --------
    >>> from canvas_widgets.demo import add, tsum
    >>> from celery import chord
    >>> frozen = freeze(chord([add.s(1, 1), add.s(2, 2)], tsum.s()))
    >>> all(sig.options.get("task_id") for _, sig in iter_tasks(frozen))
    True
    """
    sig = canonical(canvas, app)
    try:
        sig.freeze()
    except NotImplementedError as exc:  # Celery's "Starting chords requires a result backend"
        raise CanvasError(
            kind_of(sig),
            "this canvas has a chord (a group followed by a task is one), and chords need a "
            "result backend that supports them, such as Redis: set app.conf.result_backend",
        ) from exc
    _freeze_callbacks(sig)
    return sig


def _freeze_callbacks(sig: Signature) -> None:
    for key in ("link", "link_error"):
        callbacks = sig.options.get(key)
        if not callbacks:
            continue
        # Celery keeps callbacks as dicts in some places (a linked task inside a chain): make
        # them signatures in place, so that the ids given here are the ones that are sent.
        if isinstance(callbacks, Mapping):
            callbacks = [callbacks]
        sig.options[key] = callbacks = [maybe_signature(cb, app=sig._app) for cb in callbacks]
        for callback in callbacks:
            callback.freeze()
            _freeze_callbacks(callback)
    for _, child in children(sig):
        _freeze_callbacks(child)


def children(sig: Signature) -> list[tuple[str, Signature]]:
    """The direct members of a container as ``(path suffix, signature)``; empty for a task.

    Examples
    --------
    >>> from celery import chord
    >>> from canvas_widgets.demo import add, tsum
    >>> [suffix for suffix, _ in children(chord([add.s(1, 1), add.s(2, 2)], tsum.s()))]
    ['.header[0]', '.header[1]', '.body']
    """
    kind = kind_of(sig)
    if kind in ("chain", "group"):
        return [(f".tasks[{i}]", _typed(t, sig._app)) for i, t in enumerate(sig.tasks)]
    if kind == "chord":
        members = [(f".header[{i}]", t) for i, t in enumerate(chord_header(sig))]
        return members + ([(".body", sig.body)] if sig.body is not None else [])
    return []


def chord_header(sig: chord) -> list[Signature]:
    """The header members of a chord (Celery keeps a list, or a group once the chord is frozen)."""
    header = sig.tasks
    if isinstance(header, group):
        header = header.tasks
    return [_typed(member, sig._app) for member in header]


def _typed(member: Signature | Mapping, app: Celery | None) -> Signature:
    """A member of a container as a signature of its own class. Celery's chord keeps its header
    as dicts once copied, and reads them back as plain Signatures, which for chunks, xmap and
    xstarmap (written with subtask_type null) loses their class: a chunks in a chord header
    then has no ``.group()``."""
    sig = maybe_signature(member, app=app)
    typ = _signature_type(sig)
    cls = Signature.TYPES.get(typ) if typ in ("chunks", "xmap", "xstarmap") else None
    if cls is not None and not isinstance(sig, cls):
        sig = cls.from_dict(dict(sig), app=app)
    return sig


def iter_tasks(sig: Signature, path: str | None = None) -> Iterator[tuple[str, Signature]]:
    """Yield ``(path, signature)`` for every task invocation of a canvas, in canvas order.

    Map and starmap signatures count as one task each (the mapped task runs inside them);
    containers are walked, not yielded. Link callbacks are not included.

    Examples
    --------
    >>> from canvas_widgets.demo import add, mul
    >>> [(path, s.task.rsplit(".")[-1]) for path, s in iter_tasks(add.s(1, 1) | mul.s(2))]
    [('chain.tasks[0]', 'add'), ('chain.tasks[1]', 'mul')]
    """
    kind = kind_of(sig)
    path = path or kind
    if kind == "chunks":
        yield from iter_tasks(sig.group(), path)
    elif kind in ("chain", "group", "chord"):
        for suffix, child in children(sig):
            yield from iter_tasks(child, path + suffix)
    else:
        yield path, sig
