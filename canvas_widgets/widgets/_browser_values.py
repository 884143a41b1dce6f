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
        self._last: tuple[Any, dict[int, tuple[bytes, bytes]]] = (None, {})

    def remember(self, d: Any) -> None:
        """Note every value of a canvas dict the builder holds (as the browser was given it)."""
        digests: dict[int, tuple[bytes, bytes]] = {}
        _digests(d, digests)
        self._note(d, ("", ""), digests)
        self._last = (d, digests)  # (restore's ``current``, most often)

    def _note(self, value: Any, place: _Place, digests: dict[int, tuple[bytes, bytes]]) -> bool:
        """Note the value and what it holds; whether it is or holds a signature. A chain, group
        or chord, or a list of signatures, is noted by its parts only: its copies, one for each
        edit of the canvas, would grow with the canvas."""
        holds = False
        if isinstance(value, dict):
            for key, item in value.items():
                holds = self._note(item, _inside(value, place, key), digests) or holds
        elif isinstance(value, list):
            for i, item in enumerate(value):
                holds = self._note(item, _inside(value, place, f"[{i}]"), digests) or holds
        if not holds or _is_task(value):
            itself, as_browser = digests[id(value)]
            held = self._held.setdefault((*_place_of(value, place), as_browser), {})
            if itself not in held:
                held[itself] = _AS_SENT if itself == as_browser else copy.deepcopy(value)
        return holds or _is_signature(value)

    def restore(self, d: Any, current: Any) -> Any:
        """``d`` from the browser, with what it holds unchanged put back as it was held;
        ``current`` is the canvas dict the browser had (which decides between two held)."""
        digests: dict[int, tuple[bytes, bytes]] = {}
        _digests(d, digests)
        if current is not None and current is self._last[0]:
            here_digests = self._last[1]
        else:
            here_digests = {}
            _digests(current, here_digests)
        here = {path: (value, here_digests[id(value)][1]) for path, value in _paths(current, "")}
        return self._restore(d, ("", ""), "", digests, here)

    def _restore(
        self,
        value: Any,
        place: _Place,
        path: str,
        digests: dict[int, tuple[bytes, bytes]],
        here: dict[str, tuple[Any, bytes]],
    ) -> Any:
        if not _changed_by_browser(value):
            return value
        place = _place_of(value, place)
        digest = digests[id(value)][1]
        held = self._held.get((*place, digest))
        if held is not None and len(held) == 1:
            [original] = held.values()
            return value if original is _AS_SENT else copy.deepcopy(original)
        if held is not None and path in here and here[path][1] == digest:
            return copy.deepcopy(here[path][0])
        if isinstance(value, dict):
            return {
                key: self._restore(item, _inside(value, place, key), f"{path}.{key}", digests, here)
                for key, item in value.items()
            }
        if isinstance(value, list):
            return [
                self._restore(item, _inside(value, place, f"[{i}]"), f"{path}[{i}]", digests, here)
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


def _is_task(value: Any) -> bool:
    """A task's signature (its callbacks are signatures too), not a chain, group, chord, map..."""
    return (
        _is_signature(value)
        and value.get("subtask_type") is None
        and not value["task"].startswith("celery.")
    )


def _paths(value: Any, path: str) -> Iterator[tuple[str, Any]]:
    yield path, value
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, f"{path}.{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _paths(item, f"{path}[{i}]")


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


def _digests(value: Any, out: dict[int, tuple[bytes, bytes]]) -> tuple[bytes, bytes]:
    """The digests of the value as it is and as the browser gives it back (floats with a whole
    value as integers; a dict's keys that read as array indices first, in numeric order), key
    order and all; put into ``out`` by ``id`` for it and every value it holds. Each is made from
    its parts' digests, so that every part is read once."""
    if isinstance(value, dict):
        parts = {key: _digests(item, out) for key, item in value.items()}
        indices = sorted((key for key in value if _is_index(key)), key=int)
        order = indices + [key for key in value if not _is_index(key)]
        itself = _combine(b"{", [(key, parts[key][0]) for key in value])
        as_browser = _combine(b"{", [(key, parts[key][1]) for key in order])
    elif isinstance(value, list):
        parts_list = [_digests(item, out) for item in value]
        itself = _combine(b"[", [("", part[0]) for part in parts_list])
        as_browser = _combine(b"[", [("", part[1]) for part in parts_list])
    else:
        itself = _scalar(value)
        whole = isinstance(value, float) and value.is_integer()
        as_browser = _scalar(int(value)) if whole else itself
    out[id(value)] = (itself, as_browser)
    return itself, as_browser


def _scalar(value: Any) -> bytes:
    """A text, number, true, false or null, as bytes that tell it apart from any other."""
    if isinstance(value, str):
        return b"s" + value.encode("utf-8", "surrogatepass")
    return b"=" + repr(value).encode()  # (1, 1.0, -0.0, True and None each their own)


def _combine(kind: bytes, parts: list[tuple[str, bytes]]) -> bytes:
    digest = hashlib.blake2b(kind, digest_size=16)
    for key, part in parts:
        text = key.encode("utf-8", "surrogatepass")
        digest.update(b"%d:%s%d:%s" % (len(text), text, len(part), part))
    return b"#" + digest.digest()
