"""retry_canvas: the rest of a run's canvas rebuilt from a failed task, for chains, groups, chords
and their nestings. Nothing is published: states and stored results are given by hand."""

from __future__ import annotations

import json

import pytest
from celery import Celery, chord, group

import canvas_widgets as cw
from canvas_widgets.canvas import iter_tasks, kind_of
from canvas_widgets.demo import add, fail, mul, tsum, xsum
from canvas_widgets.retry import RetryError, retry_canvas
from canvas_widgets.run import WorkflowRun


@pytest.fixture
def app() -> Celery:
    return Celery("cw-test", broker="memory://", backend="cache+memory://", set_as_current=False)


def frozen(canvas, app: Celery) -> tuple[dict, dict[str, str]]:
    """The frozen canvas dict, and path -> task id."""
    sig = cw.freeze(canvas, app)
    return cw.to_dict(sig), {path: s.options["task_id"] for path, s in iter_tasks(sig)}


def shape(sig) -> object:
    """A readable form: tasks as 'name(args)', containers as (kind, [members])."""
    kind = kind_of(sig)
    if kind == "chain":
        return ("chain", [shape(s) for s in sig.tasks])
    if kind == "group":
        return ("group", [shape(s) for s in sig.tasks])
    if kind == "chord":
        return ("chord", [shape(s) for s in sig.tasks], shape(sig.body))
    args = ", ".join(json.dumps(a) for a in sig.args)
    kwargs = "".join(f", {k}={json.dumps(v)}" for k, v in sig.kwargs.items())
    return f"{sig.task.rsplit('.', 1)[-1]}({args}{kwargs}){'!' if sig.immutable else ''}"


def no_ids(sig) -> bool:
    text = json.dumps(cw.to_dict(sig))
    return all(key not in text for key in ('"task_id"', '"chord":', '"group_id"', '"reply_to"'))


def test_chain_reruns_the_failed_step_and_the_rest_fed_with_the_stored_result(app):
    d, ids = frozen(add.s(1, 1) | mul.s(3) | add.s(4) | mul.s(5), app)
    states = {
        ids["chain.tasks[0]"]: "SUCCESS",
        ids["chain.tasks[1]"]: "SUCCESS",
        ids["chain.tasks[2]"]: "FAILURE",
        ids["chain.tasks[3]"]: "FAILURE",
    }
    results = {ids["chain.tasks[0]"]: 2, ids["chain.tasks[1]"]: 6}
    new = retry_canvas(d, ids["chain.tasks[2]"], states, results, app)
    # add gets the previous result first, as Celery passes it; it is immutable now so that no
    # other input can reach it.
    assert shape(new) == ("chain", ["add(6, 4)!", "mul(5)"])
    assert no_ids(new)
    assert cw.validate(new, app) == []


def test_first_step_of_a_chain(app):
    d, ids = frozen(fail.si("boom") | add.s(2), app)
    states = {ids["chain.tasks[0]"]: "FAILURE", ids["chain.tasks[1]"]: "FAILURE"}
    new = retry_canvas(d, ids["chain.tasks[0]"], states, {}, app)
    assert shape(new) == ("chain", ['fail("boom")!', "add(2)"])


def test_last_step_alone_is_a_task(app):
    d, ids = frozen(add.s(1, 1) | fail.s(), app)
    states = {ids["chain.tasks[0]"]: "SUCCESS", ids["chain.tasks[1]"]: "FAILURE"}
    new = retry_canvas(d, ids["chain.tasks[1]"], states, {ids["chain.tasks[0]"]: 2}, app)
    assert shape(new) == "fail(2)!"


def test_group_member_alone_when_nothing_needs_the_group(app):
    d, ids = frozen(group(add.s(1, 1), fail.si(), fail.si("other")), app)
    states = {
        ids["group.tasks[0]"]: "SUCCESS",
        ids["group.tasks[1]"]: "FAILURE",
        ids["group.tasks[2]"]: "FAILURE",
    }
    new = retry_canvas(d, ids["group.tasks[1]"], states, {ids["group.tasks[0]"]: 2}, app)
    assert shape(new) == "fail()!"  # the other failure does not depend on this one


def test_group_of_chains_reruns_the_rest_of_one_chain(app):
    d, ids = frozen(group(add.s(1, 1) | mul.s(2), add.s(2, 2) | fail.s()), app)
    first, failed = ids["group.tasks[1].tasks[0]"], ids["group.tasks[1].tasks[1]"]
    states = dict.fromkeys(ids.values(), "SUCCESS") | {failed: "FAILURE"}
    new = retry_canvas(d, failed, states, {first: 4}, app)
    assert shape(new) == "fail(4)!"


def test_chord_header_failure_replays_the_successes_and_reruns_every_failure(app):
    d, ids = frozen(chord([add.s(1, 1), fail.si(), add.s(2, 2), fail.si("2")], tsum.s()), app)
    h = [ids[f"chord.header[{i}]"] for i in range(4)]
    states = {h[0]: "SUCCESS", h[1]: "FAILURE", h[2]: "SUCCESS", h[3]: "FAILURE"}
    states[ids["chord.body"]] = "FAILURE"
    new = retry_canvas(d, h[1], states, {h[0]: 2, h[2]: 4}, app)
    # The body gets the full list, in header order: stored values through celery.accumulate.
    assert shape(new) == (
        "chord",
        ["accumulate(2, index=0)!", "fail()!", "accumulate(4, index=0)!", 'fail("2")!'],
        "tsum()",
    )
    assert no_ids(new)
    assert cw.validate(new, app) == []


def test_chord_body_failure_feeds_the_header_results(app):
    # chord | task: Celery makes the task part of the body, chain(fail, add).
    d, ids = frozen(chord([add.s(1, 1), add.s(2, 2)], fail.s()) | add.s(1), app)
    h0, h1 = ids["chord.header[0]"], ids["chord.header[1]"]
    body, last = ids["chord.body.tasks[0]"], ids["chord.body.tasks[1]"]
    states = {h0: "SUCCESS", h1: "SUCCESS", body: "FAILURE", last: "FAILURE"}
    new = retry_canvas(d, body, states, {h0: 2, h1: 4}, app)
    assert shape(new) == ("chain", ["fail([2, 4])!", "add(1)"])


def test_chord_in_a_chain_after_a_step_keeps_its_input(app):
    # add(1, 1) -> chord([add(10), chain(mul(2), fail)], xsum) -> mul(3)
    canvas = add.s(1, 1) | chord([add.s(10), mul.s(2) | fail.s()], xsum.s()) | mul.s(3)
    d, ids = frozen(canvas, app)
    first = ids["chain.tasks[0]"]
    h0 = ids["chain.tasks[1].header[0]"]
    m = ids["chain.tasks[1].header[1].tasks[0]"]
    failed = ids["chain.tasks[1].header[1].tasks[1]"]
    states = dict.fromkeys(ids.values(), "FAILURE") | {first: "SUCCESS", h0: "SUCCESS"}
    states[m] = "SUCCESS"
    new = retry_canvas(d, failed, states, {first: 2, h0: 12, m: 4}, app)
    # The chord (whose body Celery made chain(xsum, mul)) is no longer fed by a step before it:
    # its members are closed over their inputs.
    assert shape(new) == (
        "chord",
        ["accumulate(12, index=0)!", "fail(4)!"],
        ("chain", ["xsum()", "mul(3)"]),
    )
    assert cw.validate(new, app) == []


def test_chord_header_member_that_never_started_reruns_with_its_input(app):
    # The header chain's first step failed: its input (the step before the chord) is fed in.
    canvas = add.s(1, 1) | chord([fail.s(), add.s(5)], xsum.s())
    d, ids = frozen(canvas, app)
    first, failed = ids["chain.tasks[0]"], ids["chain.tasks[1].header[0]"]
    h1 = ids["chain.tasks[1].header[1]"]
    states = {first: "SUCCESS", failed: "FAILURE", h1: "SUCCESS", ids["chain.tasks[1].body"]: ""}
    new = retry_canvas(d, failed, states, {first: 2, h1: 7}, app)
    assert shape(new) == ("chord", ["fail(2)!", "accumulate(7, index=0)!"], "xsum()")


def test_links_travel_with_their_task_without_ids(app):
    step = fail.si().set(link_error=add.si(0, 0))
    d, ids = frozen(add.si(1, 1) | step, app)
    states = {ids["chain.tasks[0]"]: "SUCCESS", ids["chain.tasks[1]"]: "FAILURE"}
    new = retry_canvas(d, ids["chain.tasks[1]"], states, {ids["chain.tasks[0]"]: 2}, app)
    assert shape(new) == "fail()!"
    [errback] = new.options["link_error"]
    assert errback["task"].endswith(".add") and "task_id" not in errback["options"]


def test_refuses_what_cannot_be_retried(app):
    d, ids = frozen(add.s(1, 1) | mul.s(2), app)
    states = {ids["chain.tasks[0]"]: "SUCCESS", ids["chain.tasks[1]"]: "STARTED"}
    with pytest.raises(RetryError, match=r"chain.tasks\[1\].*STARTED"):
        retry_canvas(d, ids["chain.tasks[1]"], states, {}, app)
    with pytest.raises(RetryError, match="not a task of this canvas"):
        retry_canvas(d, "no-such-id", states, {}, app)


def test_a_run_says_plainly_that_an_unknown_task_is_not_one_of_its(app):
    run = WorkflowRun(app, cw.freeze(add.s(1, 1) | mul.s(2), app), run_id="r1")
    message = "no task 'nonsense' in run r1"
    with pytest.raises(KeyError, match=message):
        run.info("nonsense")
    with pytest.raises(KeyError, match=message):
        run.revoke(task_id="nonsense")
    with pytest.raises(RetryError, match=message) as refused:
        run.retry("nonsense")
    assert "link callbacks" not in str(refused.value)


def test_new_run_freezes_with_new_ids(app):
    d, ids = frozen(chord([add.s(1, 1), fail.si()], tsum.s()), app)
    states = {ids["chord.header[0]"]: "SUCCESS", ids["chord.header[1]"]: "FAILURE"}
    new = retry_canvas(d, ids["chord.header[1]"], states, {ids["chord.header[0]"]: 2}, app)
    again = {s.options["task_id"] for _, s in iter_tasks(cw.freeze(new, app))}
    assert len(again) == 3 and not again & set(ids.values())


def test_an_expiry_or_eta_that_has_passed_is_not_retried_with_the_task(app):
    # The task expired (Celery revoked it): sent again with that expiry, it would expire again.
    past, future = "2020-01-01T00:00:00+00:00", "2999-01-01T00:00:00+00:00"
    canvas = add.s(1, 1).set(expires=past, eta=past) | mul.s(2).set(expires=future, countdown=5)
    d, ids = frozen(canvas, app)
    states = {ids["chain.tasks[0]"]: "REVOKED", ids["chain.tasks[1]"]: "FAILURE"}

    new = retry_canvas(d, ids["chain.tasks[0]"], states, {}, app)

    first, second = new.tasks
    assert "expires" not in first.options and "eta" not in first.options
    assert second.options["expires"] == future and second.options["countdown"] == 5


def test_a_stored_result_json_cannot_hold_is_a_clear_retry_error():
    # An app with the pickle serializer passes a DataFrame or a date from task to task; a new
    # run is made of a canvas dict (JSON), which cannot hold one.
    import datetime

    frozen = cw.freeze(add.s(1, 1) | add.s(2))
    first, second = (step.id for step in frozen.tasks)
    done = {first: "SUCCESS", second: "FAILURE"}
    stored = {first: datetime.date(2026, 1, 2)}
    refused = r"^canvas_widgets.demo.add would be given a stored result again, date datetime"
    with pytest.raises(RetryError, match=refused):
        retry_canvas(frozen, second, done, stored)
