"""validate(): task names, arity, empty containers, and the shapes Celery is known to mishandle."""

import pytest
from celery import chain, chord, group, signature
from celery.canvas import _chain

import canvas_widgets as cw
from canvas_widgets.demo import add, app, fail, mul, tsum, xsum


def problems(canvas):
    return [(p.path, p.severity, p.code) for p in cw.validate(canvas, app)]


@pytest.mark.parametrize("name", sorted(__import__("canvas_widgets.demo").demo.guide_examples()))
def test_guide_examples_are_clean(name):
    from canvas_widgets.demo import guide_examples

    canvas, _ = guide_examples()[name]
    assert [p for p in cw.validate(canvas, app) if p.severity != "info"] == []


def test_unknown_task_is_an_error_with_a_suggestion():
    [problem] = cw.validate(add.s(1, 1) | signature("canvas_widgets.demo.mull", args=[2]), app)
    assert (problem.path, problem.code) == ("chain.tasks[1]", "unknown-task")
    assert "did you mean 'canvas_widgets.demo.mul'?" in problem.message


def test_chain_step_receives_the_previous_result():
    assert problems(add.s(1, 1) | add.s(2)) == []
    assert problems(add.s(1, 1) | add.s(2, 3)) == [("chain.tasks[1]", "error", "arity")]
    assert problems(add.s(1, 1) | add.si(2, 3)) == []  # immutable: no result passed
    assert problems(add.s(1) | mul.s(2)) == [("chain.tasks[0]", "error", "arity")]
    assert problems(add.s(1, y=2) | mul.s(y=2)) == []
    assert problems(add.s(1, y=2) | mul.s(x=2)) == [("chain.tasks[1]", "error", "arity")]


def test_chord_body_receives_the_header_results():
    assert problems(chord([add.s(1, 1)], tsum.s())) == []
    assert problems(chord([add.s(1, 1)], add.s(1, 2))) == [("chord.body", "error", "arity")]
    message = cw.validate(chord([add.s(1, 1)], add.s(1, 2)), app)[0].message
    assert "the list of the header's results first" in message


def test_group_members_in_a_chain_each_receive_the_result():
    assert problems(add.s(1, 1) | group(add.s(1), mul.s(2))) == []
    assert problems(add.s(1, 1) | group(add.s(1), mul.s(2, 2))) == [
        ("chain.tasks[1].tasks[1]", "error", "arity")
    ]


def test_map_starmap_chunks_check_the_items():
    assert problems(xsum.map([[1, 2]])) == []
    assert problems(add.map([1, 2])) == [("map.task", "error", "arity")]
    assert problems(add.starmap([(1, 2)])) == []
    assert problems(add.starmap([(1, 2), (1, 2, 3)])) == [("starmap.task", "error", "arity")]
    assert problems(add.chunks([(1,)], 1)) == [("chunks.task", "error", "arity")]


def test_empty_containers():
    assert ("chain", "error", "empty-chain") in problems(_chain([]))
    assert problems(add.s(1, 1) | group([]) | tsum.s()) == [
        ("chain.tasks[1].header", "error", "empty-chord-header")
    ]
    assert problems(_chain([add.s(1, 1), group([])])) == [
        ("chain.tasks[1]", "error", "empty-group")
    ]
    assert "celery#9772" in cw.validate(_chain([add.s(1, 1), group([])]), app)[0].message
    assert problems(chord([], tsum.s())) == [("chord.header", "error", "empty-chord-header")]
    assert problems(chord([add.s(1, 1)])) == [("chord.body", "error", "missing-body")]


def test_shapes_celery_mishandles_are_warned_about():
    single = _chain([add.s(1, 1), group([mul.s(2)])])
    assert ("chain.tasks[1]", "warning", "single-task-group") in problems(single)
    body = group(add.s(1) | mul.s(2), add.s(3))
    assert ("chord.body", "warning", "chain-in-chord-body-group") in problems(
        chord([add.s(1, 1)], body)
    )
    nested = chord([chord([add.s(1, 1)], tsum.s()), add.s(2, 2)], tsum.s())
    assert ("chord.header[0]", "warning", "nested-chord") in problems(nested)
    errback = chord([add.s(1, 1)], tsum.s()).set(link_error=fail.si())
    assert ("chord", "warning", "chord-errback") in problems(errback)
    assert ("group.tasks[0]", "info", "nested-revoke") in problems(
        group(group(add.s(1, 1), add.s(2, 2)), add.s(3, 3))
    )
    # Plain Celery runs the last group once per task of the group before it.
    three = group(add.s(1, 1), add.s(2, 2)) | group(xsum.s(), tsum.s()) | group(xsum.s(), tsum.s())
    assert ("chain.tasks[1]", "warning", "group-after-group") in problems(three)
    unfolded = _chain([group(add.s(1, 1)), group(xsum.s()), group(xsum.s(), tsum.s())])
    assert ("chain.tasks[2]", "warning", "group-after-group") in problems(unfolded)
    for fine in (
        group(add.s(1, 1), add.s(2, 2)) | group(xsum.s(), tsum.s()) | tsum.s(),
        add.s(1, 1) | group(add.s(1), add.s(2)) | tsum.s(),
        chord([add.s(1, 1)], tsum.s()) | group(add.s(1), add.s(2)),
    ):
        assert "group-after-group" not in {code for _, _, code in problems(fine)}


def test_callbacks_are_checked():
    assert problems(add.s(1, 1).set(link=mul.s(2))) == []
    assert problems(add.s(1, 1).set(link=mul.s(2, 3))) == [
        ("task.options.link[0]", "error", "arity")
    ]
    assert problems(add.s(1, 1).set(link_error=signature("nope"))) == [
        ("task.options.link_error[0]", "error", "unknown-task")
    ]


def test_errors_come_first_and_check_raises_on_them():
    canvas = chain(add.s(1, 1), group([mul.s(2)]), signature("nope"))
    found = cw.validate(canvas, app)
    assert [p.severity for p in found] == sorted(
        (p.severity for p in found), key=lambda s: "ewi".index(s[0])
    )
    with pytest.raises(cw.CanvasError, match="unknown task 'nope'"):
        cw.check(canvas, app)
    cw.check(add.s(1, 1), app)  # clean: no exception


def test_without_an_app_only_structure_is_checked():
    assert cw.validate(signature("anything", args=[1, 2, 3])) == []
    assert [p.code for p in cw.validate(_chain([]))] == ["empty-chain"]


def test_options_celery_would_fail_on_while_sending_are_errors():
    # countdown="soon" is published as far as that task, then Celery raises: half a canvas sent.
    canvas = group(
        add.si(1, 1).set(countdown=5, eta="2030-05-01T12:30:00+00:00", expires=60, priority=9),
        add.si(2, 2).set(countdown="soon", expires="never", priority=300),
        add.si(3, 3).set(time_limit=0, queue=""),
    )
    assert problems(canvas) == [
        ("group.tasks[1].options.countdown", "error", "bad-option"),
        ("group.tasks[1].options.expires", "error", "bad-option"),
        ("group.tasks[1].options.priority", "error", "bad-option"),
        ("group.tasks[2].options.time_limit", "error", "bad-option"),
        ("group.tasks[2].options.queue", "error", "bad-option"),
    ]
    [problem] = cw.validate(add.si(1, 1).set(countdown="soon"), app)
    assert problem.message == "countdown must be a number of seconds, not 'soon'"
