"""Hidden arguments: what of a canvas the builder keeps in the kernel and never puts into widget
state.

A task signature hides its arguments as Celery hides them, with the ``argsrepr`` and
``kwargsrepr`` options (``pay.s(7, card=n).set(kwargsrepr="{'card': '****'}")``). Widget state
is saved in the notebook, so the builder's ``canvas_dict`` trait (what the browser edits) holds,
for each hidden field, an empty placeholder (``[]`` or ``{}``) and a token in the option
``cw_hidden`` (``{"kwargs": "<token>"}``); the real value, and the repr text it is shown as,
stay here, under that token. Tokens are random and stand only for values this kernel holds.

A map, starmap or chunks (``xsum.map(items).set(argsrepr="['***']")``) hides its items
(``kwargs.it``) the same way: Celery publishes the items as the arguments of the task it runs,
so its ``argsrepr`` (or ``kwargsrepr``) stands for them; the token is ``{"it": "<token>"}``.

The browser moves, copies, wraps and undoes blocks with their options, so the token travels with
its task: every canvas dict from the browser is given its values back by token. A field whose
token the browser dropped (the inspector's "replace") is taken as the browser sends it, without
the repr. The repr text a token was made with stays that token's: editing ``argsrepr`` in the
browser while the value is hidden does not change what stands for it.
"""

from __future__ import annotations

import copy
import secrets
from typing import Any

from ..canvas import HIDDEN_OPTION

__all__ = ["HIDDEN_OPTION", "HiddenArguments", "UnknownHidden"]

#: What a signature dict can hide, by its kind (see :func:`_kind`): each field's name (its key in
#: ``cw_hidden``), the keys leading to it, the options whose text stands for it (the first set
#: hides it; all set are kept with it), and its placeholder type.
_TASK_FIELDS = (
    ("args", ("args",), ("argsrepr",), list),
    ("kwargs", ("kwargs",), ("kwargsrepr",), dict),
)
_ITEMS_FIELDS = (("it", ("kwargs", "it"), ("argsrepr", "kwargsrepr"), list),)
_FIELDS = {"task": _TASK_FIELDS, "items": _ITEMS_FIELDS}
#: Celery's task names of the kinds that apply a task to items (its dicts may omit subtask_type).
_ITEMS_TASKS = {"celery.map": "xmap", "celery.starmap": "xstarmap", "celery.chunks": "chunks"}


class UnknownHidden(ValueError):
    """A masked canvas dict names a hidden value this kernel does not hold."""


class HiddenArguments:
    """The kernel's store of hidden argument values, by token.

    Examples
    --------
    >>> vault = HiddenArguments()
    >>> real = {"task": "pay", "args": [7], "kwargs": {"card": "4111"},
    ...         "options": {"kwargsrepr": "{'card': '****'}"}}
    >>> masked, back = vault.split(real)
    >>> masked["kwargs"], sorted(masked["options"])
    ({}, ['cw_hidden', 'kwargsrepr'])
    >>> back == real, vault.split(masked) == (masked, real)
    (True, True)
    """

    def __init__(self) -> None:
        # token -> (field, value, {repr option: its text}). Kept for the widget's life: undo may
        # bring any back.
        self._values: dict[str, tuple[str, Any, dict[str, str]]] = {}

    def split(self, d: Any) -> tuple[Any, Any]:
        """``(masked, real)`` of a canvas dict, masked or real or a mix of both.

        Raises
        ------
        UnknownHidden
            When the dict names a token this store does not hold (or holds for another field).
        """
        return self._walk(d, "canvas")

    def _walk(self, d: Any, where: str) -> tuple[Any, Any]:
        if isinstance(d, list):
            pairs = [self._walk(item, f"{where}[{i}]") for i, item in enumerate(d)]
            return [m for m, _ in pairs], [r for _, r in pairs]
        if not isinstance(d, dict):
            return d, d
        kind = _kind(d)
        if kind == "task":
            return self._task(d, where)
        masked: dict = {}
        real: dict = {}
        for key, value in d.items():
            masked[key], real[key] = self._walk(value, f"{where}.{key}")
        if kind == "items":  # its task, options and callbacks walked above: now its items
            return self._hide(d, masked, real, where, _FIELDS[kind])
        return masked, real

    def _task(self, d: dict, where: str) -> tuple[dict, dict]:
        masked, real = self._hide(d, dict(d), dict(d), where, _FIELDS["task"])
        options = d.get("options")
        if isinstance(options, dict):
            # Callbacks (link, link_error) are signatures too, and may hide their own arguments.
            for key in ("link", "link_error"):
                if key in options:
                    masked["options"][key], real["options"][key] = self._walk(
                        options[key], f"{where}.options.{key}"
                    )
        return masked, real

    def _hide(
        self, d: dict, masked: dict, real: dict, where: str, fields: tuple
    ) -> tuple[dict, dict]:
        """``masked`` and ``real`` (copies of ``d`` so far) with ``d``'s hidden ``fields``: an
        empty placeholder and a token in the one, the value in the other."""
        options = d.get("options")
        if not isinstance(options, dict):
            return masked, real
        options = dict(options)
        tokens = options.pop(HIDDEN_OPTION, None) or {}
        if not isinstance(tokens, dict):
            raise UnknownHidden(f"{where}.options.{HIDDEN_OPTION}: not a dict of tokens")
        masked_options = {k: v for k, v in masked["options"].items() if k != HIDDEN_OPTION}
        real_options = {k: v for k, v in real["options"].items() if k != HIDDEN_OPTION}
        kept: dict[str, str] = {}
        for field, keys, repr_keys, empty in fields:
            token = tokens.get(field)
            if token is not None:
                entry = self._values.get(token) if isinstance(token, str) else None
                if entry is None or entry[0] != field:
                    raise UnknownHidden(
                        f"{where}: its hidden {field} ({'/'.join(repr_keys)}) are not in "
                        "this kernel: the builder that hid them kept them in its own kernel, "
                        "never in the dict. Give them again: b.canvas = the signature with its "
                        "values"
                    )
                _, value, texts = entry
            else:
                texts = {k: str(options[k]) for k in repr_keys if options.get(k) is not None}
                value = _get(d, keys)
                if not texts or not value:
                    continue
                token = secrets.token_urlsafe(12)
                value = copy.deepcopy(value)
                self._values[token] = (field, value, texts)
            kept[field] = token
            _put(masked, keys, empty())
            _put(real, keys, copy.deepcopy(value))
            masked_options.update(texts)
            real_options.update(texts)
        if kept:
            masked_options[HIDDEN_OPTION] = kept
        masked["options"], real["options"] = masked_options, real_options
        return masked, real


def _kind(d: dict) -> str | None:
    """What ``d`` can hide (a key of ``_FIELDS``): "task" for a plain task's signature dict,
    "items" for a map's, starmap's or chunks' (either ``subtask_type`` convention), else None
    (another primitive, a custom type, not a signature)."""
    task, typ = d.get("task"), d.get("subtask_type")
    if not isinstance(task, str) or not (typ is None or isinstance(typ, str)):
        return None  # (a map's kwargs has a "task" too: its inner signature's dict)
    if typ in _ITEMS_TASKS.values() or (not typ and task in _ITEMS_TASKS):
        return "items"
    return "task" if not typ else None


def _get(d: Any, keys: tuple[str, ...]) -> Any:
    """The value at ``keys`` inside ``d``, or None where there is none."""
    for key in keys:
        if not isinstance(d, dict):
            return None
        d = d.get(key)
    return d


def _put(d: dict, keys: tuple[str, ...], value: Any) -> None:
    """Set the value at ``keys`` inside ``d``, copying the dicts on the way (they may be shared)."""
    *path, last = keys
    for key in path:
        inner = d.get(key)
        d[key] = dict(inner) if isinstance(inner, dict) else {}
        d = d[key]
    d[last] = value
