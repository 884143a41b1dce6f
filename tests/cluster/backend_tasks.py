"""Tasks served by workers whose result backend is not Redis (``test_backends.py`` starts them
with ``--result-backend``, on a Redis broker of their own). The app in this module is what the
workers import; the tests use an app of their own for each backend, with these tasks."""

from __future__ import annotations

from celery import Celery, states
from celery.exceptions import Ignore

app = Celery("backend_tasks", set_as_current=False)


@app.task
def add(x, y):
    return x + y


@app.task
def tsum(numbers):
    return sum(numbers)


@app.task
def boom(x=None):
    raise ValueError("boom")


@app.task(bind=True)
def fail_by_hand(self, reason):
    """Fail as many tasks do: a FAILURE stored with a meta of one's own, then Ignore (no event
    says it ended). Celery cannot read that record back as an exception."""
    self.update_state(state=states.FAILURE, meta={"reason": reason})
    raise Ignore()
