"""Tasks served by workers whose result backend is not Redis (``test_backends.py`` starts them
with ``--result-backend``, on a Redis broker of their own). The app in this module is what the
workers import; the tests use an app of their own for each backend, with these tasks."""

from __future__ import annotations

from celery import Celery

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
