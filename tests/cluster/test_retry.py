"""WorkflowRun.retry against a real Redis server and real Celery worker processes: the new run
publishes exactly the rebuilt rest of the canvas, under new ids, fed with the stored results.

A transient failure (``fail_once``) shows retry-from-here completing a run whose first attempt
failed; ``fail`` shows exactly what a retry re-publishes.
"""

from __future__ import annotations

import gc
import time
import uuid

import networkx as nx
import pytest
from celery import chain, chord
from celery.exceptions import ChordError, TaskRevokedError

import canvas_widgets as cw
from canvas_widgets.cluster import LocalCluster
from canvas_widgets.demo import add, fail, fail_once, mul, sleep, tsum
from canvas_widgets.demo import app as demo_app
from canvas_widgets.retry import RetryError
from canvas_widgets.tracking import EventMonitor

# revoke() marks unsent tasks REVOKED through celery 5.7's use of redis-py's deprecated setex.
pytestmark = [
    pytest.mark.cluster,
    pytest.mark.filterwarnings("ignore:Call to deprecated setex:DeprecationWarning"),
]


@pytest.fixture(scope="module", autouse=True)
def _clean_up_before_the_cluster_stops(cluster: LocalCluster):
    """Let this module's results go while Redis still runs (see tests/cluster/test_run.py)."""
    yield
    EventMonitor.stop_for(demo_app)
    gc.collect()


def names(run: cw.WorkflowRun) -> list[str]:
    graph = run.to_networkx()
    return [graph.nodes[t]["name"].rsplit(".", 1)[-1] for t in nx.topological_sort(graph)]


def test_retry_a_chain_step_reruns_it_and_the_rest_fed_with_the_stored_result(cluster):
    run = cw.run(add.s(1, 1) | mul.s(3) | fail.s() | add.s(2), app=demo_app)
    with pytest.raises(ValueError, match="6"):
        run.wait(timeout=60)
    first, second, failed, _ = run.task_ids

    retried = run.retry(failed)

    assert retried.retry_of == (run.id, failed)
    assert names(retried) == ["fail", "add"]  # exactly what had not completed
    assert not set(retried.task_ids) & set(run.task_ids)  # under new ids
    with pytest.raises(ValueError, match=r"^6$"):  # fail got mul's stored 6, as in the first run
        retried.wait(timeout=60)
    new_fail, new_last = retried.task_ids
    assert retried.states[new_fail] == "FAILURE"
    assert retried.states[new_last] == "FAILURE"  # never sent: Celery marks it, the run read it
    assert "ValueError" in retried.info(new_fail)["exception"]
    # The first run is untouched.
    assert run.states[first] == run.states[second] == "SUCCESS"


def test_retry_a_chord_header_task_replays_the_other_results_into_the_body(cluster):
    run = cw.run(chord([add.s(1, 1), fail.si("boom"), add.s(2, 2)], tsum.s()), app=demo_app)
    with pytest.raises((ValueError, ChordError)):
        run.wait(timeout=60)
    failed = next(t for t in run.task_ids if run.info(t)["name"].endswith(".fail"))

    retried = run.retry(failed)

    assert sorted(names(retried)) == ["accumulate", "accumulate", "fail", "tsum"]
    assert not set(retried.task_ids) & set(run.task_ids)
    with pytest.raises((ValueError, ChordError)):
        retried.wait(timeout=60)
    by_name = {retried.info(t)["name"].rsplit(".", 1)[-1]: t for t in retried.task_ids}
    assert retried.states[by_name["fail"]] == "FAILURE"
    assert retried.states[by_name["tsum"]] in ("PENDING", "FAILURE")  # never ran
    replayed = [
        retried.info(t)["result"]
        for t in retried.task_ids
        if retried.info(t)["name"] == "celery.accumulate"
    ]
    assert sorted(replayed) == ["2", "4"]  # the stored results of the header tasks that passed


def test_retry_completes_a_run_stopped_by_revoke(cluster):
    run = cw.run(chain(sleep.si(2, "slept"), add.si(1, 1), add.s(2)), app=demo_app)
    first, second, third = run.task_ids
    deadline = time.monotonic() + 30
    while run.states[first] != "STARTED":  # polls the live state; the deadline only bounds it
        assert time.monotonic() < deadline, f"the sleep never STARTED: {run!r}"
        time.sleep(0.01)
    run.revoke()  # the sleep goes on; the two steps after it are REVOKED
    with pytest.raises(TaskRevokedError):
        run.wait(timeout=60)
    assert run.states == {first: "SUCCESS", second: "REVOKED", third: "REVOKED"}

    retried = run.retry(second)

    assert names(retried) == ["add", "add"]
    assert retried.wait(timeout=60) == 4
    assert set(retried.states.values()) == {"SUCCESS"}


def test_retry_refuses_a_run_still_going_and_a_task_that_did_not_fail(cluster):
    run = cw.run(sleep.si(1.5) | add.si(1, 1), app=demo_app)
    with pytest.raises(RuntimeError, match="still going"):
        run.retry(run.task_ids[0])
    run.wait(timeout=60)
    with pytest.raises(ValueError, match="SUCCESS"):
        run.retry(run.task_ids[1])


def test_retry_from_a_step_that_failed_on_account_of_the_one_before_points_at_that_one(cluster):
    run = cw.run(add.si(1, 1) | fail.si("boom") | add.s(2), app=demo_app)
    _, failed, after = run.task_ids
    with pytest.raises(ValueError, match="boom"):
        run.wait(timeout=60)
    deadline = time.monotonic() + 30
    while run.states[after] != "FAILURE":  # the run marks it so; the deadline only bounds it
        assert time.monotonic() < deadline, f"the step after the failure is not FAILURE: {run!r}"
        time.sleep(0.01)
    with pytest.raises(
        RetryError, match=f"needs the result of task {failed}, which is FAILURE: retry from that"
    ):
        run.retry(after)


def test_retry_from_a_transient_failure_completes_the_run(cluster):
    key = uuid.uuid4().hex
    first = cw.run(chain(add.si(1, 1), fail_once.si(key, 5), add.s(1)), app=demo_app)
    with pytest.raises(RuntimeError, match="first attempt"):
        first.wait(timeout=60)
    [failed] = [t for t in first.task_ids if first.info(t)["name"] == fail_once.name]
    assert first.states[failed] == "FAILURE"

    second = first.retry(failed)
    assert second.wait(timeout=60) == 6
    assert set(second.states.values()) == {"SUCCESS"}
    assert sorted(names(second)) == ["add", "fail_once"]  # the first add is not run again
