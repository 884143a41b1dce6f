"""LocalCluster of an app configured for pickle: its workers accept what it sends."""

from __future__ import annotations

import datetime
import gc
import os

import pytest
from celery import Celery, chain

import canvas_widgets as cw
from canvas_widgets.cluster import ClusterError, LocalCluster
from canvas_widgets.tracking import EventMonitor

from .pickle_tasks import app, day, weekday

pytestmark = pytest.mark.filterwarnings("ignore:Call to deprecated setex:DeprecationWarning")


def test_a_pickle_app_runs_on_its_local_cluster(monkeypatch):
    if os.geteuid() == 0:  # a worker run by root refuses pickle unless told (a CI container)
        monkeypatch.setenv("C_FORCE_ROOT", "1")
    # Its tasks were finalised with pickle before the cluster configured the app: workers that
    # accepted JSON only discarded every message, and the run waited for ever.
    with LocalCluster(app, workers=1, concurrency=1):
        try:
            run = cw.run(chain(day.s(2026, 11, 22), weekday.s()), app=app)
            assert run.wait(timeout=30) == "Sunday"
            assert app.AsyncResult(run.task_ids[0]).get(timeout=5) == datetime.date(2026, 11, 22)
            assert run.info(run.task_ids[0])["result"] == "datetime.date(2026, 11, 22)"
        finally:
            EventMonitor.stop_for(app)
            gc.collect()
    assert app.conf.task_serializer == "pickle"


def test_an_app_that_sends_what_it_does_not_accept_is_refused_saying_what_to_set():
    # Celery accepts JSON only unless told: a task_serializer of pickle alone is refused by
    # every worker, whose log alone says so.
    alone = Celery("pickle_alone", set_as_current=False)
    alone.conf.task_serializer = "pickle"

    with pytest.raises(ClusterError, match=r"accept_content = \['json', 'pickle'\]"):
        LocalCluster(alone)
