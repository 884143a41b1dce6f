"""Waiting for what a real cluster does in its own time."""

from __future__ import annotations

import time
from collections.abc import Callable


def wait_until(
    predicate: Callable[[], object], timeout: float, what: str | Callable[[], str] = ""
) -> None:
    """Return once ``predicate()`` is true; fail saying ``what`` if it is not within ``timeout``
    seconds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            text = what() if callable(what) else what
            raise AssertionError(f"not true after {timeout} s: {text or predicate}")
        time.sleep(0.01)
