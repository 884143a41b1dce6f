"""Values the browser cannot keep as they are: a float with a whole value (``1.0``, ``-0.0``,
``1e20``), and a dict whose keys read as array indices (``{"10": a, "9": b}``).

JavaScript has one kind of number, so ``1.0`` reaches the browser as ``1`` and comes back, after
an edit anywhere in the canvas, as the integer ``1``: ``add.s(1.0, 2)`` would silently become
``add.s(1, 2)``. A JavaScript object puts the keys that read as array indices first, in numeric
order: ``{"10": a, "9": b}`` would come back as ``{"9": b, "10": a}``, and a task going through
the dict would see another order.

The kernel remembers every value of every canvas dict the builder has held, and gives a value
from the browser back as it held it where it is, to the browser, the same as one held at the same
place: in a signature with the same task name (wherever the block was moved, wrapped or copied,
and after undo), at the same key path (``args[0]``, ``options.countdown``). Where two values held
there look the same to the browser (``1.0`` and ``1``), the one at the same path in the current
canvas is taken, else the browser's.

A value typed in the browser cannot be told from one held before: typing ``1`` into a task
beside an ``add.s(1.0, 2)`` gives the float if it is the same task at the same place.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Iterator
from typing import Any

__all__ = ["BrowserValues"]

#: A value held with no float the browser would change: the browser's value is already it.
_AS_SENT = object()

#: Where a value is: the task name of the signature it is in and its key path there.
_Place = tuple[str, str]


class BrowserValues:
    """What the browser sent, with what it cannot keep (floats, key order) put back.

    Examples
    --------
    >>> values = BrowserValues()
    >>> held = {"task": "add", "args": [1.0, 2], "options": {"countdown": 1.0}}
    >>> values.remember(held)
    >>> values.restore({"task": "add", "args": [1, 3], "options": {"countdown": 1}}, held)
    {'task': 'add', 'args': [1.0, 3], 'options': {'countdown': 1.0}}
    >>> values.restore({"task": "mul", "args": [1, 2]}, held)  # another task: its own values
    {'task': 'mul', 'args': [1, 2]}
    """

    def __init__(self) -> None:
        # (task, key path, digest of the value as the browser has it) -> {digest of the value
        # itself: the value, or _AS_SENT}. Kept for the widget's life: undo may bring any back.
        self._held: dict[tuple[str, str, bytes], dict[bytes, Any]] = {}

    def remember(self, d: Any) -> None:
        """Note every value of a canvas dict the builder holds (as the browser was given it)."""
        for place, value in _values(d, ("", ""), ""):
            as_browser, itself = _digest(_as_browser(value)), _digest(value)
            held = self._held.setdefault((*place, as_browser), {})
            if itself not in held:
                held[itself] = _AS_SENT if itself == as_browser else copy.deepcopy(value)

    def restore(self, d: Any, current: Any) -> Any:
        """``d`` from the browser, with the floats of the values it holds unchanged put back;
        ``current`` is the canvas dict the browser had (which decides between two held)."""
        here = {path: value for path, value in _paths(current, "")}
        return self._restore(d, ("", ""), "", here)

    def _restore(self, value: Any, place: _Place, path: str, here: dict[str, Any]) -> Any:
        if not _changed_by_browser(value):
            return value
        place = _place_of(value, place)
        digest = _digest(value)
        held = self._held.get((*place, digest))
        if held is not None and len(held) == 1:
            [original] = held.values()
            return value if original is _AS_SENT else copy.deepcopy(original)
        if held is not None and path in here and _digest(_as_browser(here[path])) == digest:
            return copy.deepcopy(here[path])
        if isinstance(value, dict):
            return {
                key: self._restore(item, _inside(value, place, key), f"{path}.{key}", here)
                for key, item in value.items()
            }
        if isinstance(value, list):
            return [
                self._restore(item, _inside(value, place, f"[{i}]"), f"{path}[{i}]", here)
                for i, item in enumerate(value)
            ]
        return value


def _is_signature(value: Any) -> bool:
    return isinstance(value, dict) and isinstance(value.get("task"), str)


def _place_of(value: Any, place: _Place) -> _Place:
    """A signature is found by its task name and contents wherever it is; any other value by
    the signature it is in and its key path there."""
    return (value["task"], "") if _is_signature(value) else place


def _inside(container: Any, place: _Place, key: str) -> _Place:
    task, at = (container["task"], "") if _is_signature(container) else place
    return task, f"{at}/{key}"


def _values(value: Any, place: _Place, path: str) -> Iterator[tuple[_Place, Any]]:
    place_here = _place_of(value, place)
    yield place_here, value
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _values(item, _inside(value, place, key), f"{path}.{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _values(item, _inside(value, place, f"[{i}]"), f"{path}[{i}]")


def _paths(value: Any, path: str) -> Iterator[tuple[str, Any]]:
    yield path, value
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, f"{path}.{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _paths(item, f"{path}[{i}]")


def _as_browser(value: Any) -> Any:
    """The value as the browser gives it back: floats with a whole value as integers, and the
    keys of a dict that read as array indices (``"10"``, ``"9"``) first, in numeric order, as a
    JavaScript object keeps them."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        indices = sorted((key for key in value if _is_index(key)), key=int)
        keys = indices + [key for key in value if not _is_index(key)]
        return {key: _as_browser(value[key]) for key in keys}
    if isinstance(value, list):
        return [_as_browser(item) for item in value]
    return value


def _is_index(key: str) -> bool:
    return (key == "0" or (key[:1] in "123456789" and key.isdigit())) and int(key) < 2**32 - 1


def _changed_by_browser(value: Any) -> bool:
    """Whether the value may be one the browser changed: it holds an integer (a float once), or
    a dict (whose keys it may have reordered)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return True
    if isinstance(value, dict):
        return True
    if isinstance(value, list):
        return any(_changed_by_browser(item) for item in value)
    return False


def _digest(value: Any) -> bytes:
    """A digest of the value's JSON text, key order and all."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return hashlib.blake2b(text.encode(), digest_size=16).digest()
