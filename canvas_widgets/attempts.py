"""The attempts of a task: each time a worker started it, and how that ended.

A task that retries runs more than once under the same id, each attempt on whichever worker
received it. Celery's events do not say which attempt they are about (only ``task-received``
carries ``retries``), and they come out of order across workers: measured with two workers and
a task retrying after 0.1 s, the next attempt's ``task-received`` reached the notebook before
the previous attempt's ``task-retried``. What does hold is that one worker's events come in the
order it sent them, so an attempt is matched by its worker: an attempt begins with a
``task-started`` event, and the next ending event from the same worker (retried, succeeded,
failed, revoked) ends the first of its attempts still open.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(slots=True)
class Attempt:
    """One run of a task on a worker. ``ended_at`` and ``state`` are None while it runs."""

    worker: str
    started_at: float
    ended_at: float | None = None
    state: str | None = None
    #: Why it ended, if it did not succeed: the exception's repr (already truncated).
    exception: str | None = None


def start_attempt(attempts: list[Attempt], worker: str, at: float) -> None:
    """A worker started the task: a new attempt. An attempt still open on that worker ended
    without an event (its pool process died, and the task came back to the same worker): it
    ran until now at the most; its state stays None, its end not seen.

    >>> tries = []
    >>> start_attempt(tries, "w1", 1.0); start_attempt(tries, "w2", 2.0)
    >>> start_attempt(tries, "w1", 3.0)
    >>> [(a.worker, a.ended_at, a.state) for a in tries]
    [('w1', 3.0, None), ('w2', None, None), ('w1', None, None)]
    """
    for attempt in attempts:
        if attempt.worker == worker and attempt.ended_at is None:
            attempt.ended_at = max(at, attempt.started_at)
    attempts.append(Attempt(worker, at))


#: Why an attempt ended when the task replaced itself (see replaced_attempt).
REPLACED = "replaced itself (Task.replace): the last task of its new canvas runs under its id"


def replaced_attempt(attempts: list[Attempt], at: float) -> bool:
    """The task replaced itself (``Task.replace``), as a task its new canvas sent shows: its
    attempt still open ended by then (no event says when; its state stays None). Return
    whether one was open.

    >>> tries = [Attempt("w1", 1.0)]
    >>> replaced_attempt(tries, 1.5), tries[0].ended_at, replaced_attempt(tries, 2.0)
    (True, 1.5, False)
    """
    ended = False
    for attempt in attempts:
        if attempt.ended_at is None:
            attempt.ended_at = max(at, attempt.started_at)
            attempt.exception = REPLACED
            ended = True
    return ended


def end_attempt(
    attempts: list[Attempt],
    worker: str,
    at: float,
    state: str,
    exception: str | None = None,
    runtime: float | None = None,
) -> int | None:
    """A worker's event ended the task's run there: the first of its attempts on that worker
    still open ends. Return its index; None if there was none (the task never started there:
    a task revoked while waiting).

    With no start seen, an event that says how long the task ran (``runtime``: task-succeeded
    and task-failed do) is a whole attempt: one that began before the run was followed (a run
    attached to), or whose task-started event was lost.

    >>> tries = []
    >>> start_attempt(tries, "w1", 1.0); start_attempt(tries, "w2", 2.0)
    >>> end_attempt(tries, "w2", 2.5, "SUCCESS"), end_attempt(tries, "w1", 1.5, "RETRY", "boom")
    (1, 0)
    >>> [(a.worker, a.ended_at, a.state) for a in tries]
    [('w1', 1.5, 'RETRY'), ('w2', 2.5, 'SUCCESS')]
    >>> end_attempt(tries, "w3", 9.0, "SUCCESS", runtime=8.0), tries[2].started_at
    (2, 1.0)
    """
    for index, attempt in enumerate(attempts):
        if attempt.worker == worker and attempt.ended_at is None:
            attempt.ended_at = max(at, attempt.started_at)
            attempt.state = state
            attempt.exception = exception
            return index
    if runtime is None:
        return None
    attempts.append(Attempt(worker, at - runtime, at, state, exception))
    return len(attempts) - 1


def timeline_span(attempts: list[Attempt]) -> list | None:
    """The task's bars on the timeline, as the view gets them: ``[worker, start, end]`` of its
    last attempt (epoch seconds, ms precision; ``end`` None while it runs), followed by the
    earlier attempts' ``[worker, start, end, state]`` if it ran more than once; None if it never
    started (as far as events tell).

    An earlier attempt whose end was never seen (its worker process killed, the task given to
    another) ran until the next attempt began at the latest: its bar ends there, its state None.

    >>> timeline_span([Attempt("w1", 10.0001, 10.25, "SUCCESS")])
    ['w1', 10.0, 10.25]
    >>> timeline_span([Attempt("w1", 1.0, 1.5, "RETRY"), Attempt("w2", 2.0)])
    ['w2', 2.0, None, [['w1', 1.0, 1.5, 'RETRY']]]
    >>> timeline_span([Attempt("w1", 1.0), Attempt("w2", 4.0, 5.0, "SUCCESS")])
    ['w2', 4.0, 5.0, [['w1', 1.0, 4.0, None]]]
    >>> timeline_span([]) is None
    True
    """
    if not attempts:
        return None
    *earlier, last = attempts
    span: list[Any] = [last.worker, *_times(last)]
    if earlier:
        span.append(
            [
                [a.worker, *_times(a, attempts[i + 1].started_at), a.state]
                for i, a in enumerate(earlier)
            ]
        )
    return span


def _times(attempt: Attempt, end_at_latest: float | None = None) -> list[float | None]:
    end = attempt.ended_at if attempt.ended_at is not None else end_at_latest
    return [round(attempt.started_at, 3), None if end is None else round(end, 3)]


def earlier_attempts(attempts: list[Attempt]) -> list[dict[str, Any]]:
    """The attempts before the last, as a task's details list them."""
    return [
        {
            "worker": a.worker,
            "started_at": a.started_at,
            "ended_at": a.ended_at,
            "state": a.state,
            "exception": a.exception,
        }
        for a in attempts[:-1]
    ]
