"""The demo Celery app: the canvas guide's tasks, and a few that fail, sleep or report progress.

It lives in an importable module so that real ``celery worker`` processes can load it::

    python -m celery -A canvas_widgets.demo worker

Examples
--------
>>> from canvas_widgets.demo import add, tsum
>>> add(2, 2), tsum([1, 2, 3])
(4, 6)
"""

from __future__ import annotations

import time

from celery import Celery, chain, chord, group
from celery.canvas import Signature

from .run import report_progress

__all__ = [
    "add",
    "app",
    "count",
    "fail",
    "flaky",
    "guide_examples",
    "mul",
    "sleep",
    "sleep_acked",
    "tsum",
    "xsum",
]

app = Celery("canvas_widgets.demo")
app.conf.update(
    task_serializer="json",
    result_serializer="json",
    accept_content=["json"],
)


@app.task
def add(x, y):
    """Return x + y."""
    return x + y


@app.task
def mul(x, y):
    """Return x * y."""
    return x * y


@app.task
def xsum(numbers):
    """Return the sum of a list of numbers."""
    return sum(numbers)


@app.task
def tsum(numbers):
    """Return the sum of a list of numbers (the chord body of the canvas guide)."""
    return sum(numbers)


@app.task
def fail(message="this task always fails"):
    """Raise ValueError with the given message."""
    raise ValueError(message)


@app.task
def sleep(seconds, value=None):
    """Sleep for some seconds, then return value."""
    time.sleep(seconds)
    return value


@app.task(acks_late=True, reject_on_worker_lost=True)
def sleep_acked(seconds, value=None):
    """Like sleep, but acknowledged only when done: re-run if its worker process dies."""
    time.sleep(seconds)
    return value


@app.task(bind=True, max_retries=3)
def flaky(self, value, failures=1):
    """Fail and retry ``failures`` times, then return value."""
    if self.request.retries < failures:
        raise self.retry(
            exc=RuntimeError(f"attempt {self.request.retries + 1} failed"), countdown=0.1
        )
    return value


@app.task(bind=True)
def count(self, n, delay=0.05):
    """Count to n, reporting progress after each step; return n."""
    for i in range(n):
        time.sleep(delay)
        report_progress(self, i + 1, n)
    return n


def guide_examples() -> dict[str, tuple[Signature, object]]:
    """The runnable examples of Celery's canvas guide, each with the value its run returns.

    Built afresh on every call: a signature that has been frozen or run must not be reused.

    Examples
    --------
    >>> examples = guide_examples()
    >>> canvas, value = examples["chord"]
    >>> value
    90
    """
    pairs = [(i, i) for i in range(10)]
    return {
        "simple chain": (chain(add.s(4, 4), mul.s(8), mul.s(10)), 640),
        "pipes": (add.s(2, 2) | mul.s(8) | mul.s(10), 320),
        "partial chain": (add.s(2, 2) | add.s(4) | add.s(8), 16),
        "immutable chain": (add.si(2, 2) | add.si(4, 4) | add.si(8, 8), 16),
        "group": (group(add.s(2, 2), add.s(4, 4)), [4, 8]),
        "group of five": (group(add.s(i, i) for i in range(5)), [0, 2, 4, 6, 8]),
        "chord": (chord((add.s(i, i) for i in range(10)), xsum.s()), 90),
        "chord of 100": (chord([add.s(i, i) for i in range(100)], tsum.s()), 9900),
        "chain of chains": (chain(add.s(4, 4) | mul.s(2), add.s(3) | mul.s(10)), 190),
        "group piped into a task": (group(add.s(i, i) for i in range(10)) | xsum.s(), 90),
        "map": (xsum.map([list(range(10)), list(range(100))]), [45, 4950]),
        "starmap": (add.starmap(pairs), [x + y for x, y in pairs]),
        "chunks": (add.chunks(pairs, 4), [[0, 2, 4, 6], [8, 10, 12, 14], [16, 18]]),
    }
