"""Runs of tasks that leave the result backend short of a full record, on real workers: results
ignored (Celery stores nothing), a failure stored by hand (Celery cannot read it back), an
exception whose repr raises, a task that ends by ``Ignore``. The run must still end (or say why
it cannot), say what happened, and stay attachable."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest
import redis
from celery import chain, group
from celery.exceptions import ChordError, TaskRevokedError
from celery.result import AsyncResult

import canvas_widgets as cw
from canvas_widgets.attempts import REPLACED
from canvas_widgets.cluster import LocalCluster
from canvas_widgets.run import TaskFailed, WorkflowRun
from canvas_widgets.tracking import EventMonitor, readable

from .awkward_tasks import (
    add,
    app,
    big,
    boom,
    check_each,
    fail_by_hand,
    ignored,
    ignored_fail,
    nap,
    nap_each,
    raise_two_part,
    raise_unshowable,
    replace_with_chain,
    replace_with_nap,
    send_adds,
    skip,
)
from .waiting import wait_until

pytestmark = pytest.mark.filterwarnings("ignore:Call to deprecated setex:DeprecationWarning")


@pytest.fixture(scope="module")
def awkward() -> Iterator[LocalCluster]:
    with LocalCluster(app, workers=1, concurrency=2) as cluster:
        yield cluster
        EventMonitor.stop_for(app)
        gc.collect()


def _attached_anew(run: WorkflowRun) -> WorkflowRun:
    """The run as another process attaching it would see it (this one's monitor forgets it)."""
    EventMonitor.for_app(app).forget(run)
    return WorkflowRun.attach(run.id, app)


def test_a_run_ending_in_a_task_that_ignores_its_result_gives_none(awkward):
    run = cw.run(chain(add.s(1, 1), ignored.s()), app=app)

    assert run.wait(timeout=30) is None  # as .get() gives for an ignored result
    assert run.states == dict.fromkeys(run.task_ids, "SUCCESS")
    assert run.info(run.task_ids[-1])["result"] == "3"  # from its event


def test_a_group_gives_none_in_place_of_each_ignored_result(awkward):
    run = cw.run(group(add.si(1, 1), ignored.si(1), add.si(2, 2)), app=app)

    assert run.wait(timeout=30) == [2, None, 4]


def test_a_failure_celery_did_not_store_is_raised_from_the_runs_own_record(awkward):
    run = cw.run(chain(ignored_fail.si(), add.s(1)), app=app)

    with pytest.raises(TaskFailed, match=r"ignored_fail failed: ValueError"):
        run.wait(timeout=30)
    assert run.states[run.task_ids[0]] == "FAILURE"


def test_a_stored_failure_before_an_ignored_end_is_raised_as_celery_stored_it(awkward):
    run = cw.run(chain(boom.si(), ignored.s()), app=app)

    with pytest.raises(KeyError, match="stored failure"):
        run.wait(timeout=30)


def test_a_revoked_task_that_ignores_its_result_is_raised_as_revoked(awkward):
    run = cw.run(chain(add.si(1, 1).set(countdown=30), ignored.s()), app=app)
    run.revoke()

    with pytest.raises(TaskRevokedError):
        run.wait(timeout=30)


def test_an_attached_run_keeps_the_ends_celery_did_not_store(awkward):
    run = cw.run(group(ignored.si(1), chain(ignored_fail.si(), add.s(1))), app=app)
    with pytest.raises(TaskFailed):
        run.wait(timeout=30)

    attached = _attached_anew(run)

    assert attached is not run
    assert attached.states == run.states
    assert attached.done
    assert attached.info(run.task_ids[0])["result"] == "2"
    with pytest.raises(TaskFailed, match="ValueError"):
        attached.wait(timeout=10)


def test_a_failure_stored_by_hand_ends_the_run_and_spares_the_other_tasks(awkward):
    # Celery cannot read that record back (AsyncResult.state raises): one such record must not
    # stop the run reading the others.
    run = cw.run(group(fail_by_hand.si("out of stock"), add.si(2, 3)), app=app)

    with pytest.raises(TaskFailed, match=r"fail_by_hand failed: .*'out of stock'"):
        run.wait(timeout=30)  # .get() raises ValueError: "Exception information must include..."

    failed, added = run.task_ids
    assert run.states == {failed: "FAILURE", added: "SUCCESS"}
    assert "out of stock" in run.info(failed)["exception"]
    assert "out of stock" in run.full_values(failed)["exception"]
    assert run.revoke() == []  # reads the backend again: nothing left to revoke
    assert _attached_anew(run).states == run.states


def test_an_exception_whose_repr_raises_ends_the_run(awkward):
    run = cw.run(chain(raise_unshowable.si(), add.s(1), add.s(2)), app=app)

    with pytest.raises(Exception, match="cannot be shown") as raised:
        run.wait(timeout=30)

    assert type(raised.value).__name__ == "Unshowable"
    first, *later = run.task_ids
    assert run.states[first] == "FAILURE"
    assert all(run.states[t] == "FAILURE" for t in later)  # as Celery marks a chain's rest
    assert "its repr() raised RuntimeError" in run.full_values(first)["exception"]


def test_the_steps_an_unpicklable_failure_stopped_say_its_text_as_it_does(awkward):
    run = cw.run(chain(raise_two_part.si(), add.s(1)), app=app)
    with pytest.raises(Exception, match="none left"):
        run.wait(timeout=30)

    first, second = run.task_ids
    assert run.states == {first: "FAILURE", second: "FAILURE"}
    # The first's text comes from its event, the second's from the backend (Celery stores the
    # chain's rest as failed with the same error), wrapped: both say the worker's repr.
    assert "TwoPart" in run.info(first)["exception"]
    assert run.info(second)["exception"] == run.full_values(second)["exception"]
    assert "Unpickleable" not in run.info(second)["exception"]


# --- tasks sent outside the canvas ---------------------------------------------------------------


def test_a_task_that_replaced_itself_says_what_it_was_replaced_by(awkward):
    run = cw.run(chain(add.s(1, 1), replace_with_chain.s()), app=app)

    assert run.wait(timeout=30) == 13  # 1 + 1, + 1, + 10
    replaced = run.task_ids[1]
    [step] = run.spawned(replaced)  # the new chain's first step; its last has the task's id
    assert run.spawned() == {step: "SUCCESS"}
    assert run.info(replaced)["spawned"] == "1 task: SUCCESS 1"
    assert run.states[replaced] == "SUCCESS"
    # Its first attempt ended when the rest of its new canvas came back to its id (no event
    # says so): not a worker lost.
    before, last = run.attempts(replaced)
    assert before.exception == REPLACED and before.ended_at <= last.started_at
    assert last.state == "SUCCESS"


def test_tasks_a_task_sends_itself_are_followed_with_it(awkward):
    run = cw.run(chain(send_adds.si(3), nap.si(2, "done")), app=app)  # nap: the run goes on

    assert run.wait(timeout=30) == "done"
    sender = run.task_ids[0]
    assert sorted(run.spawned(sender).values()) == ["SUCCESS"] * 3
    assert run.info(sender)["spawned"] == "3 tasks: SUCCESS 3"
    assert len(run.attempts(sender)) == 1  # it ran once, and ended by itself


def test_terminating_a_run_stops_the_canvas_a_task_replaced_itself_with(awkward):
    run = cw.run(replace_with_nap.si(60), app=app)
    [replaced] = run.task_ids
    wait_until(lambda: "STARTED" in run.spawned(replaced).values(), 20, "the nap started")
    [napping] = run.spawned(replaced)

    revoked = run.revoke(terminate=True)

    assert revoked == [replaced, napping]
    with pytest.raises(TaskRevokedError):
        run.wait(timeout=20)  # not the nap's 60 s
    assert run.states[replaced] == "REVOKED"
    wait_until(lambda: run.spawned(replaced)[napping] == "REVOKED", 10, "the nap revoked")
    assert AsyncResult(napping, app=app).state == "REVOKED"


def test_a_fan_out_one_of_whose_tasks_fails_ends_failed_with_its_error(awkward):
    # Celery fails the step after it (a ChordError) and leaves the replaced task STARTED.
    run = cw.run(chain(check_each.si([1, 2, 3], 2), add.s(1)), app=app)
    fanned, after = run.task_ids

    with pytest.raises(Exception, match=r"ChordError|is bad"):
        run.wait(timeout=30)

    assert run.states == {fanned: "FAILURE", after: "FAILURE"}
    error = run.info(fanned)["exception"]
    assert error.startswith("the canvas it replaced itself with stopped: ")
    assert "fail_on" in error and "ValueError('2 is bad')" in error
    assert _attached_anew(run).states == run.states  # kept, though Celery has it STARTED


def test_revoking_a_fan_out_ends_it_revoked_and_counts_what_it_sent(awkward):
    # Two naps run (2 processes), four wait: revoked without terminate, the running go on.
    # Celery leaves the fan-out STARTED (it stores a ChordError for the step after it, which
    # the revoke had marked REVOKED already).
    run = cw.run(chain(nap_each.si(list(range(6)), 2.0), add.si(1, 1)), app=app)
    fanned, after = run.task_ids
    wait_until(lambda: list(run.spawned().values()).count("STARTED") == 2, 20, "two naps")
    widget = cw.ResultGraph(run)
    sent: list[dict] = []
    widget.send = lambda content, buffers=None: sent.append(content)  # type: ignore[method-assign]
    try:
        widget._on_custom_msg(widget, {"request_id": "r1", "type": "revoke"}, [])
    finally:
        widget.close()

    [reply] = [m for m in sent if m.get("request_id") == "r1"]
    assert reply["ok"] is True, reply
    # The two tasks, the six naps; the fan-out and two naps were running.
    assert reply["revoked"] == 8 and reply["running"] == 3
    with pytest.raises(ChordError):
        run.wait(timeout=30)
    assert run.states == {fanned: "REVOKED", after: "REVOKED"}
    assert sorted(run.spawned(fanned).values()) == ["REVOKED"] * 4 + ["SUCCESS"] * 2
    assert "a task [" not in run.info(fanned)["exception"]  # each nap named by its event


def test_a_big_result_is_not_read_to_learn_that_it_is_stored(awkward):
    run = cw.run(big.s(5_000_000), app=app)
    assert len(run.wait(timeout=30)) == 5_000_000
    [task_id] = run.task_ids
    server = redis.Redis.from_url(awkward.redis_url)
    sent = server.info("stats")["total_net_output_bytes"]

    assert readable(app, [task_id, "no-such-task"], decoded=False) == {task_id}
    # What the server sent meanwhile, to this read and every other client: not the 5 MB.
    assert server.info("stats")["total_net_output_bytes"] - sent < 500_000
    details = run.full_values(task_id, limit=1_000)  # the details: its repr, cut, not all of it
    assert details["result"] == "'" + "x" * 998 + "…"
    server.close()


def test_a_task_that_ended_by_ignore_is_named_as_why_the_run_cannot_finish(awkward):
    # Celery sends no end of it and stores none, nor sends the step after it: the run cannot
    # finish (as .get() cannot). A task still running beside it is not named.
    run = cw.run(group(chain(skip.si(), add.si(1, 1)), nap.si(8, "slept")), app=app)
    run.liveness_interval = 0  # its workers asked on every read of its states (each second)
    skipped, after, napping = run.task_ids
    wait_until(lambda: run.stuck, 30, lambda: f"the run says why it is stuck; {run!r}")

    assert run.states[napping] == "STARTED"  # held by its worker all along
    assert run.states[skipped] == "STARTED" and run.states[after] == "PENDING"
    assert run.stuck == (
        f"{skip.name} [{skipped}] is STARTED, but its worker {awkward.workers[0]} no longer runs "
        "it and sent no end (a task that raises Ignore ends so): the run cannot finish"
    )
    with pytest.raises(TimeoutError, match="raises Ignore"):
        run.wait(timeout=1)
    run.revoke()
    wait_until(lambda: run.states[napping] == "SUCCESS", 30, "the nap ended")
