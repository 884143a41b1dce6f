"""Python source that rebuilds a canvas with Celery's own API: ``.s``, ``.si``,
``chain``, ``group``, ``chord``, ``.map``, ``.starmap`` and ``.chunks``; a custom type is
rebuilt from its canvas dict by its own class (``weave.from_dict({...})``).
"""

from __future__ import annotations

import importlib
import keyword
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import ClassVar

from celery.canvas import Signature, maybe_signature

from .canvas import chord_header, from_dict, kind_of, to_dict
from .custom_types import custom_type
from .display import positional

__all__ = ["to_python"]

_WIDTH = 88
_HIDDEN_NOTE = (
    "# Hidden arguments (argsrepr / kwargsrepr) are written as the text that stands for them:\n"
    "# put the real values back before running this."
)


class _Text(str):
    """Source text that is written as it is where a value's repr would be."""

    def __repr__(self) -> str:
        return str(self)


def _shown(d: object) -> object:
    """A canvas dict with each hidden field (argsrepr / kwargsrepr) as the text for it."""
    if isinstance(d, list):
        return [_shown(item) for item in d]
    if not isinstance(d, Mapping):
        return d
    out = {key: _shown(value) for key, value in d.items()}
    options = d.get("options") if isinstance(d.get("options"), Mapping) else {}
    if d.get("subtask_type") is None and isinstance(d.get("task"), str):
        if options.get("argsrepr") is not None and d.get("args"):
            out["args"] = _Text(f"[{positional(str(options['argsrepr']))}]")
        if options.get("kwargsrepr") is not None and d.get("kwargs"):
            out["kwargs"] = _Text(str(options["kwargsrepr"]).strip())
    return out


def _hidden_reprs(sig: Signature) -> tuple[str | None, str | None]:
    """A signature's argsrepr and kwargsrepr, where set and hiding something (else None)."""
    options = sig.options or {}
    args, kwargs = options.get("argsrepr"), options.get("kwargsrepr")
    if kind_of(sig) in ("map", "starmap", "chunks"):  # the items are what is hidden
        return (None if args is None else str(args), None if kwargs is None else str(kwargs))
    return (
        None if args is None or not sig.args else str(args),
        None if kwargs is None or not sig.kwargs else str(kwargs),
    )


@dataclass
class _Call:
    """An expression ``head(arg, ...)``, rendered on one line when it fits, else one arg a line."""

    head: str
    args: list[_Call | str] = field(default_factory=list)
    brackets: ClassVar[str] = "()"

    def render(self, indent: int = 0) -> str:
        flat = self.flat()
        if indent + len(flat) <= _WIDTH or not self.args:
            return flat
        pad = " " * (indent + 4)
        lines = [f"{pad}{_render(arg, indent + 4)}," for arg in self.args]
        opening, closing = self.brackets
        return f"{self.head}{opening}\n" + "\n".join(lines) + f"\n{' ' * indent}{closing}"

    def flat(self) -> str:
        opening, closing = self.brackets
        return f"{self.head}{opening}{', '.join(_render(arg, 0) for arg in self.args)}{closing}"


def _render(expr: _Call | str, indent: int) -> str:
    return expr if isinstance(expr, str) else expr.render(indent)


@dataclass
class _Method(_Call):
    """``receiver.head(args)``, where the receiver is itself an expression."""

    receiver: _Call | None = None

    def render(self, indent: int = 0) -> str:
        flat = self.flat()
        if indent + len(flat) <= _WIDTH:
            return flat
        return f"{_render(self.receiver, indent)}.{_Call(self.head, self.args).render(indent)}"

    def flat(self) -> str:
        return f"{_render(self.receiver, 0)}.{_Call(self.head, self.args).flat()}"


def to_python(canvas: Signature | Mapping) -> str:
    """Return Python source that rebuilds a canvas with Celery's canvas API.

    Task functions are imported from their modules when that import gives back the same task;
    otherwise the source uses ``signature("name", ...)``. The source builds what Celery would
    run: where Celery's constructors rewrite a shape (a group followed by a task in a chain
    becomes a chord), executing the source gives that rewritten canvas.

    Parameters
    ----------
    canvas : celery.canvas.Signature or dict
        The canvas, or its canvas dict.

    Returns
    -------
    str
        A module that assigns the canvas to the name ``canvas``.

    Examples
    --------
    >>> from canvas_widgets.demo import add, mul
    >>> print(to_python(add.s(2, 2) | mul.si(4, 4).set(countdown=10)), end="")
    from celery import chain
    from canvas_widgets.demo import add, mul
    <BLANKLINE>
    canvas = chain(add.s(2, 2), mul.si(4, 4).set(countdown=10))
    """
    sig = canvas if isinstance(canvas, Signature) else from_dict(canvas)
    writer = _Writer()
    expr = writer.expression(sig)
    lines = []
    if writer.celery_names:
        lines.append(f"from celery import {', '.join(sorted(writer.celery_names))}")
    for module in sorted(writer.imports):
        lines.append(f"from {module} import {', '.join(sorted(writer.imports[module]))}")
    body = f"canvas = {_render(expr, 0)}"
    if writer.hidden:
        lines += ["", _HIDDEN_NOTE]
    return "\n".join([*lines, "", body]) + "\n"


class _Writer:
    def __init__(self) -> None:
        self.celery_names: set[str] = set()
        self.imports: dict[str, set[str]] = {}
        self._names: dict[str, str | None] = {}  # task name -> importable variable, or None
        self.hidden = False  # whether some arguments are written as their argsrepr/kwargsrepr

    def expression(self, sig: Signature) -> _Call:
        kind = kind_of(sig)
        if kind in ("chain", "group"):
            self.celery_names.add(kind)
            expr = _Call(kind, [self.expression(maybe_signature(t)) for t in sig.tasks])
        elif kind == "chord":
            self.celery_names.add("chord")
            args: list[_Call | str] = [
                _Bracket("", [self.expression(t) for t in chord_header(sig)])
            ]
            if sig.body is not None:
                args.append(self.expression(sig.body))
            if sig.kwargs.get("kwargs"):
                args.append(f"kwargs={{'kwargs': {sig.kwargs['kwargs']!r}}}")
            expr = _Call("chord", args)
        elif kind in ("map", "starmap", "chunks"):
            expr = self._mapping(sig, kind)
        elif (custom := custom_type(kind)) is not None:  # its options are in its dict
            cls = custom.cls
            self.imports.setdefault(cls.__module__, set()).add(cls.__name__)
            shown = _shown(to_dict(sig))
            self.hidden = self.hidden or shown != to_dict(sig)
            return _Call(f"{cls.__name__}.from_dict", [repr(shown)])
        else:
            expr = self._task(sig)
        return self._with_options(expr, sig.options)

    def _task(self, sig: Signature) -> _Call:
        args_repr, kwargs_repr = _hidden_reprs(sig)
        if args_repr is None:
            args = [repr(a) for a in sig.args]
        else:  # hidden: the text that stands for them, never the values
            self.hidden = True
            text = positional(args_repr)
            args = [text] if text else []
        if kwargs_repr is None:
            args += [_keyword(k, v) for k, v in sig.kwargs.items()]
        else:
            self.hidden = True
            args.append(f"**{kwargs_repr.strip()}")
        variable = self._variable(sig.task)
        if variable is None:
            self.celery_names.add("signature")
            shown_args = (
                list(sig.args) if args_repr is None else _Text(f"[{positional(args_repr)}]")
            )
            shown_kwargs = dict(sig.kwargs) if kwargs_repr is None else _Text(kwargs_repr.strip())
            call_args = [repr(sig.task), f"args={shown_args!r}", f"kwargs={shown_kwargs!r}"]
            if sig.immutable:
                call_args.append("immutable=True")
            return _Call("signature", call_args)
        return _Call(f"{variable}.{'si' if sig.immutable else 's'}", args)

    def _mapping(self, sig: Signature, kind: str) -> _Call:
        inner = maybe_signature(sig.kwargs["task"])
        items = repr(list(sig.kwargs["it"]))
        extra = [repr(sig.kwargs["n"])] if kind == "chunks" else []
        variable = self._variable(inner.task)
        bare = not (inner.args or inner.kwargs or inner.options or inner.immutable)
        if _hidden_reprs(sig) != (None, None):  # a map's items are its arguments
            self.hidden = True
            items = (sig.options.get("argsrepr") or sig.options.get("kwargsrepr")).strip()
        if variable is not None and bare:
            return _Call(f"{variable}.{kind}", [items, *extra])
        name = {"map": "xmap", "starmap": "xstarmap", "chunks": "chunks"}[kind]
        self.celery_names.add(name)
        return _Call(name, [self._task(inner), items, *extra])

    def _with_options(self, expr: _Call, options: Mapping) -> _Call:
        if not options:
            return expr
        args: list[_Call | str] = []
        for key, value in options.items():
            if key in ("link", "link_error"):
                if isinstance(value, Mapping):  # one callback, not a list: keep that form
                    value_expr = self.expression(maybe_signature(value))
                else:
                    value_expr = _Bracket("", [self.expression(maybe_signature(c)) for c in value])
                args.append(_Keyword(key, [value_expr]))
            else:
                args.append(_keyword(key, value))
        return _Method("set", args, receiver=expr)

    def _variable(self, task_name: str) -> str | None:
        """The name to call a task by, imported from its module, or None if it cannot be."""
        if task_name not in self._names:
            self._names[task_name] = None
            module, _, attr = task_name.rpartition(".")
            if module and attr.isidentifier() and not keyword.iskeyword(attr):
                try:
                    task = getattr(importlib.import_module(module), attr, None)
                except Exception:  # any import failure means: not importable from here
                    task = None
                if getattr(task, "name", None) == task_name:
                    taken = {n for names in self.imports.values() for n in names}
                    if attr not in taken:
                        self.imports.setdefault(module, set()).add(attr)
                        self._names[task_name] = attr
        return self._names[task_name]


@dataclass
class _Bracket(_Call):
    """A list literal ``[a, b]`` (its head is empty), rendered like a call with brackets."""

    brackets: ClassVar[str] = "[]"


@dataclass
class _Keyword(_Call):
    """``name=value`` where the value is an expression."""

    def render(self, indent: int = 0) -> str:
        return f"{self.head}={_render(self.args[0], indent)}"

    def flat(self) -> str:
        return f"{self.head}={_render(self.args[0], 0)}"


def _keyword(key: str, value: object) -> str:
    if key.isidentifier() and not keyword.iskeyword(key):
        return f"{key}={value!r}"
    return f"**{{{key!r}: {value!r}}}"
