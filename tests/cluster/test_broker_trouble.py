"""A broker that asks for a password, refuses one, or goes away while a run is published or
followed, on a real Redis server: passwords never shown, and the run says what happened."""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from celery import Celery, group, signals

import canvas_widgets as cw
from canvas_widgets.cluster import ClusterError, LocalCluster, redis_server_executable
from canvas_widgets.run import BrokerUnreachable, PublishFailed

from .awkward_tasks import add, app, nap
from .waiting import wait_until

pytestmark = pytest.mark.filterwarnings("ignore:Call to deprecated setex:DeprecationWarning")

PASSWORD = "s3cret-pw"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _answers(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def _redis(port: int, directory: Path, *extra: str) -> subprocess.Popen:
    """A redis-server on ``port``, answering once this returns."""
    proc = subprocess.Popen(
        [redis_server_executable(), "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--dir", str(directory), *extra],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    wait_until(lambda: _answers(port), 10, "redis up")
    return proc


@pytest.fixture(scope="module")
def locked_redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """A Redis that wants a password; its port."""
    port = _free_port()
    proc = _redis(port, tmp_path_factory.mktemp("locked"), "--requirepass", PASSWORD)
    yield port
    proc.kill()
    proc.wait()


def test_a_password_in_a_cluster_url_is_never_shown(locked_redis):
    url = f"redis://:{PASSWORD}@127.0.0.1:{locked_redis}/0"
    with pytest.raises(ClusterError, match="no Celery worker answers") as none:
        LocalCluster.connect(Celery("locked", set_as_current=False), url, timeout=0.5)
    wrong = url.replace(PASSWORD, "not-it")
    with pytest.raises(ClusterError, match="cannot reach") as refused:
        LocalCluster.connect(Celery("locked", set_as_current=False), wrong, timeout=0.5)

    for error in (none.value, refused.value):
        assert PASSWORD not in str(error) and "not-it" not in str(error)
        assert f"redis://:**@127.0.0.1:{locked_redis}/0" in str(error)


def test_a_refused_login_says_to_check_the_password_not_to_start_a_broker(locked_redis):
    url = f"redis://:not-it@127.0.0.1:{locked_redis}/0"
    locked = Celery("locked", broker=url, backend=url, set_as_current=False)
    locked.tasks.register(add)

    with pytest.raises(BrokerUnreachable) as raised:
        cw.run(add.si(1, 1), app=locked, connect_timeout=2)

    text = str(raised.value)
    assert "user and password" in text and "Is it running" not in text
    assert "not-it" not in text and "redis://:**@" in text


# --- a broker going away -------------------------------------------------------------------------


@pytest.fixture
def own() -> Iterator[LocalCluster]:
    """A cluster of the awkward app for one test, whose Redis the test may kill."""
    with LocalCluster(app, workers=1) as cluster:
        yield cluster


def test_a_run_cut_short_while_publishing_gives_what_was_sent(own):
    published = 0

    def kill_the_broker_at_the_tenth(**_):
        nonlocal published
        published += 1
        if published == 10:
            os.kill(own.redis_pid, signal.SIGKILL)

    signals.after_task_publish.connect(kill_the_broker_at_the_tenth, weak=False)
    try:
        with pytest.raises(PublishFailed, match="after 10 of 40 tasks were sent") as raised:
            cw.run(group(nap.si(0.01) for _ in range(40)), app=app)
    finally:
        signals.after_task_publish.disconnect(kill_the_broker_at_the_tenth)

    run, sent = raised.value.run, raised.value.sent
    assert sent == 10
    assert sorted(run.states.values()).count("PENDING") == 30  # the rest was never sent
    assert run.id in str(raised.value)


def test_a_backend_that_stops_answering_is_said_once_and_no_more_once_back(own, caplog):
    caplog.set_level(logging.WARNING, logger="canvas_widgets.tracking")
    run = cw.run(nap.si(30), app=app)
    wait_until(lambda: run.states[run.task_ids[0]] == "STARTED", 20, "the nap started")
    port = int(own.broker_url.rsplit(":", 1)[1].split("/")[0])

    os.kill(own.redis_pid, signal.SIGKILL)
    wait_until(lambda: run.stuck and "cannot read the run's states" in run.stuck, 20, "said")
    assert not run.done
    time.sleep(2.5)  # rounds of the monitor go by, failing
    said = [r for r in caplog.records if "reading run" in r.getMessage()]
    assert [r.getMessage() for r in said] == [f"reading run {run.id} failed; trying again"]
    with pytest.raises(BrokerUnreachable, match="Nothing was revoked"):
        run.revoke()  # at once: kombu alone would retry for ever

    back = _redis(port, own.log_dir)
    try:
        wait_until(
            lambda: not (run.stuck or "").startswith("cannot read"), 20, "the outage no more"
        )
        assert f"reading run {run.id} works again" in caplog.text
    finally:
        back.kill()
        back.wait()
