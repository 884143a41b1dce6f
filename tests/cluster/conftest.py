"""Fixtures of the cluster tier: a real Redis server and real Celery worker processes.

``cluster`` (session) -> :class:`canvas_widgets.cluster.LocalCluster`
    The demo app (``canvas_widgets.demo``) on its own Redis with 2 worker processes of
    concurrency 2. The demo app is configured in place, so its tasks' ``.delay()`` goes there.
    Tests that re-point the demo app must give it back (``LocalCluster.close`` does).

Every test collected under this folder gets the ``cluster`` marker.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import pytest

from canvas_widgets.cluster import LocalCluster
from canvas_widgets.demo import app as demo_app
from canvas_widgets.tracking import EventMonitor

HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # A conftest's hooks see the whole session's items: mark only the ones under this folder.
    for item in items:
        if HERE in Path(item.path).resolve().parents:
            item.add_marker(pytest.mark.cluster)


@pytest.fixture(scope="session")
def cluster() -> Iterator[LocalCluster]:
    """The demo app served by 2 real worker processes (concurrency 2) on a real Redis."""
    with LocalCluster(demo_app, workers=2, concurrency=2) as local_cluster:
        yield local_cluster
        # Results still alive when Redis stops retry their connection for ~20 s on collection:
        # let them go while the server is up.
        EventMonitor.stop_for(demo_app)
        gc.collect()
