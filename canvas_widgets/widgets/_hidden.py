"""Hidden arguments: what of a canvas the builder keeps in the kernel and never puts into widget
state.

A task signature hides its arguments as Celery hides them, with the ``argsrepr`` and
``kwargsrepr`` options (``pay.s(7, card=n).set(kwargsrepr="{'card': '****'}")``). Widget state
is saved in the notebook, so the builder's ``canvas_dict`` trait (what the browser edits) holds,
for each hidden field, an empty placeholder (``[]`` or ``{}``) and a token in the option
``cw_hidden`` (``{"kwargs": "<token>"}``); the real value, and the repr text it is shown as,
stay here, under that token. Tokens are random and stand only for values this kernel holds.

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

#: Each field that can be hidden, the option whose text stands for it, and its placeholder type.
_FIELDS = (("args", "argsrepr", list), ("kwargs", "kwargsrepr", dict))
_PRIMITIVES = frozenset({"chain", "group", "chord", "xmap", "xstarmap", "chunks"})


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
        # token -> (field, value, repr text). Kept for the widget's life: undo may bring any back.
        self._values: dict[str, tuple[str, Any, str]] = {}

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
        if _is_task(d):
            return self._task(d, where)
        masked: dict = {}
        real: dict = {}
        for key, value in d.items():
            masked[key], real[key] = self._walk(value, f"{where}.{key}")
        return masked, real

    def _task(self, d: dict, where: str) -> tuple[dict, dict]:
        options = d.get("options")
        if not isinstance(options, dict):
            return d, d
        options = dict(options)
        tokens = options.pop(HIDDEN_OPTION, None) or {}
        if not isinstance(tokens, dict):
            raise UnknownHidden(f"{where}.options.{HIDDEN_OPTION}: not a dict of tokens")
        masked, real = dict(d), dict(d)
        masked_options, real_options = dict(options), dict(options)
        kept: dict[str, str] = {}
        for field, repr_key, empty in _FIELDS:
            token = tokens.get(field)
            if token is not None:
                entry = self._values.get(token) if isinstance(token, str) else None
                if entry is None or entry[0] != field:
                    raise UnknownHidden(
                        f"{where}: its hidden {field} ({repr_key}) are not in this kernel: "
                        "the builder that hid them kept them in its own kernel, never in the "
                        "dict. Give them again: b.canvas = the signature with its values"
                    )
                _, value, text = entry
            elif options.get(repr_key) is not None and d.get(field):
                token = secrets.token_urlsafe(12)
                value, text = copy.deepcopy(d[field]), str(options[repr_key])
                self._values[token] = (field, value, text)
            else:
                continue
            kept[field] = token
            masked[field] = empty()
            real[field] = copy.deepcopy(value)
            masked_options[repr_key] = real_options[repr_key] = text
        if kept:
            masked_options[HIDDEN_OPTION] = kept
        # Callbacks (link, link_error) are signatures too, and may hide their own arguments.
        for key in ("link", "link_error"):
            if key in options:
                masked_options[key], real_options[key] = self._walk(
                    options[key], f"{where}.options.{key}"
                )
        masked["options"], real["options"] = masked_options, real_options
        return masked, real


def _is_task(d: dict) -> bool:
    """Whether ``d`` is a plain task's signature dict (not a primitive, not a custom type)."""
    return isinstance(d.get("task"), str) and d.get("subtask_type") in (None, "")
