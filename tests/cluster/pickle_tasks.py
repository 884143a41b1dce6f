"""An app configured for pickle in its module, as a data pipeline's often is: its tasks pass
values JSON cannot carry. Served by ``test_pickle_app.py``'s cluster."""

from __future__ import annotations

import datetime

from celery import Celery

app = Celery("pickle_tasks", set_as_current=False)
app.conf.update(
    task_serializer="pickle", result_serializer="pickle", accept_content=["pickle", "json"]
)


@app.task
def day(year, month, day):
    """A value JSON cannot carry: a date, passed to the next step as one."""
    return datetime.date(year, month, day)


@app.task
def weekday(date):
    return date.strftime("%A")
