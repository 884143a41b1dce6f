"""When a run is over: every task finished, or never to be sent (WorkflowRun.done).

Driven by task events as the event monitor hands them over, without a cluster: which tasks a
failure stops is a property of the frozen canvas alone.
"""

from __future__ import annotations

import time
import uuid

from celery import chain, chord

from canvas_widgets import freeze
from canvas_widgets.demo import add, app, fail, on_error
from canvas_widgets.run import WorkflowRun


def _run(canvas) -> tuple[WorkflowRun, list[str]]:
    run = WorkflowRun(app, freeze(canvas, app), str(uuid.uuid4()))
    return run, run.task_ids


KINDS = {"SUCCESS": "task-succeeded", "FAILURE": "task-failed"}


def _event(run: WorkflowRun, task_id: str, state: str) -> None:
    """The event of a task reaching ``state``, as the monitor hands it to the run."""
    event = {"type": KINDS[state], "uuid": task_id, "timestamp": time.time()}
    run._apply_event(state, event)


def test_a_failure_settles_every_task_after_it_along_the_chain() -> None:
    run, ids = _run(chain(add.si(1, 1), fail.si(), add.si(2, 2), add.si(3, 3)))
    first, failing, third, fourth = ids
    assert not run.done
    _event(run, first, "SUCCESS")
    assert not run.done
    _event(run, failing, "FAILURE")
    assert run.done  # the third and fourth steps will never be sent
    assert run.states[third] == run.states[fourth] == "PENDING"


def test_the_tasks_a_failure_stops_say_which_task_stopped_them() -> None:
    run, ids = _run(chain(add.si(1, 1), fail.si(), add.si(2, 2), add.si(3, 3)))
    first, failing, third, fourth = ids
    _event(run, first, "SUCCESS")
    assert "not_run" not in run.info(third)  # it may still run
    _event(run, failing, "FAILURE")
    reason = f"never ran: canvas_widgets.demo.fail before it (task {failing}) is FAILURE"
    assert run.info(third)["not_run"] == run.info(fourth)["not_run"] == reason
    _event(run, third, "FAILURE")  # as Celery marks it, with the failing step's error
    assert run.info(third)["not_run"] == run.info(fourth)["not_run"] == reason
    assert "not_run" not in run.info(failing) and "not_run" not in run.info(first)

    run, ids = _run(chord([add.si(1, 1), fail.si(), fail.si()], add.si(0, 0)))
    *header, body = ids
    for task_id, state in zip(header, ["SUCCESS", "FAILURE", "FAILURE"], strict=True):
        _event(run, task_id, state)
    assert f"(task {header[1]}) is FAILURE" in run.info(body)["not_run"]  # the first of two


def test_an_errback_is_awaited_when_its_parent_failed_and_not_when_it_succeeded() -> None:
    # on_error takes the failed task's id: Celery sends it as a task, with a state to wait for.
    run, _ = _run(chain(add.si(1, 1).set(link_error=on_error.s()), add.si(2, 2)))
    step, errback_id, after = _order(run)
    _event(run, step, "FAILURE")
    assert not run.done  # the errback runs now
    _event(run, errback_id, "SUCCESS")
    assert run.done  # the step after the failure is never sent

    run, _ = _run(chain(add.si(1, 1).set(link_error=on_error.s()), add.si(2, 2)))
    step, errback_id, after = _order(run)
    _event(run, step, "SUCCESS")
    _event(run, after, "SUCCESS")
    assert run.done  # the errback will never run
    assert run.states[errback_id] == "PENDING"
    assert run.info(errback_id)["not_run"] == (
        "will not run: the task it is the errback of succeeded"
    )


def test_an_errback_of_a_chain_is_awaited_when_any_step_failed() -> None:
    # Celery gives a chain's errback to every step: the second step's failure calls it.
    run, _ = _run(chain(add.si(1, 1), fail.si(), add.si(3, 3)).set(link_error=on_error.s()))
    graph = run.to_networkx()
    by_path = {graph.nodes[n]["path"]: n for n in graph}
    first, failing, last = (by_path[f"chain.tasks[{i}]"] for i in range(3))
    errback_id = by_path["chain.options.link_error[0]"]
    _event(run, first, "SUCCESS")
    _event(run, failing, "FAILURE")
    assert not run.done  # the errback runs now
    assert "not_run" not in run.info(errback_id)
    _event(run, errback_id, "SUCCESS")
    assert run.done
    assert "not_run" not in run.info(errback_id)
    assert run.info(last)["not_run"].startswith("never ran: canvas_widgets.demo.fail")


def test_an_errback_that_ran_is_never_said_not_to_run() -> None:
    # Whatever its parents' states say (an event lost, say), a task seen running ran.
    run, _ = _run(add.si(1, 1).set(link_error=on_error.s()))
    step, errback_id = run.task_ids
    _event(run, step, "SUCCESS")
    assert run.info(errback_id)["not_run"].startswith("will not run")
    _event(run, errback_id, "SUCCESS")
    assert "not_run" not in run.info(errback_id)
    assert errback_id not in run.never_run()


def test_a_long_chain_is_settled_after_a_failure_at_its_head() -> None:
    run, ids = _run(chain(fail.si(), *[add.s(1) for _ in range(9_999)]))
    _event(run, ids[0], "FAILURE")
    assert run.done


def _order(run: WorkflowRun) -> tuple[str, str, str]:
    """(the step with the errback, its errback, the next step) by their graph attributes."""
    graph = run.to_networkx()
    errback = next(n for n in graph if graph.nodes[n]["callback"] == "link_error")
    step = next(iter(graph.predecessors(errback)))
    after = next(n for n in graph.successors(step) if n != errback)
    return step, errback, after
