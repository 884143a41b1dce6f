"""to_python(): source that rebuilds the canvas; executing it gives the same canvas dict."""

import pytest
from celery import group, signature
from celery.canvas import _chain

import canvas_widgets as cw
from canvas_widgets.demo import add, fail, guide_examples, mul, tsum


def run_source(source):
    namespace = {}
    exec(compile(source, "<to_python>", "exec"), namespace)
    return namespace["canvas"]


@pytest.mark.parametrize("name", sorted(guide_examples()))
def test_guide_examples_rebuild_exactly(name):
    canvas, _ = guide_examples()[name]
    source = to_source = cw.to_python(canvas)
    assert cw.to_dict(run_source(source)) == cw.to_dict(canvas)
    assert "signature(" not in to_source  # every task imported from its module


def test_idiomatic_calls_are_used():
    source = cw.to_python(group(add.s(2, 2), add.si(4, 4)) | tsum.s())
    assert "from canvas_widgets.demo import add, tsum" in source
    assert "chord([add.s(2, 2), add.si(4, 4)], tsum.s())" in source
    assert "add.map([[1], [2]])" in cw.to_python(add.map([[1], [2]]))
    assert "add.starmap(" in cw.to_python(add.starmap([(1, 2)]))


def test_options_callbacks_and_unimportable_tasks():
    canvas = (
        add.s(1, 1).set(link=mul.s(2), link_error=[fail.si("x")], countdown=3, **{"x-y": 1})
        | signature("other.task", args=[1])
        | mul.si(2, 2).set(queue="q", priority=5)
    )
    source = cw.to_python(canvas)
    assert "signature('other.task', args=[1], kwargs={})" in source
    assert ".set(link=mul.s(2), link_error=[fail.si('x')], countdown=3, **{'x-y': 1})" in source
    assert cw.to_dict(run_source(source)) == cw.to_dict(canvas)


def test_source_builds_what_celery_runs_for_loaded_shapes():
    loaded = _chain([add.s(1, 1), group(add.s(1), add.s(2)), tsum.s()])
    rebuilt = run_source(cw.to_python(loaded))
    assert cw.to_dict(rebuilt) == cw.to_dict(cw.canonical(loaded))


def test_long_canvases_are_wrapped_and_valid():
    canvas = group(add.s(i, i) for i in range(30))
    source = cw.to_python(canvas)
    assert max(len(line) for line in source.splitlines()) <= 88
    assert cw.to_dict(run_source(source)) == cw.to_dict(canvas)


def test_source_from_a_dict():
    d = cw.to_dict(add.s(1, 2) | mul.s(3))
    assert cw.to_dict(run_source(cw.to_python(d))) == d


def test_hidden_arguments_are_written_as_their_repr_never_their_values():
    from canvas_widgets.weave import weave

    card = "4111111111111111"
    hidden = add.s(7, y=card).set(kwargsrepr="{'y': '****'}")
    canvas = group(
        hidden,
        mul.s(card, 2).set(argsrepr="('****', 2)"),
        signature("elsewhere.pay", args=[card]).set(argsrepr="('****',)"),
        add.map([[card, 1]]).set(argsrepr="(…)"),
        weave(add.s(card, 1).set(argsrepr="('****', 1)"), mul.s(2)),
    )
    source = cw.to_python(canvas)
    assert card not in source
    assert "add.s(7, **{'y': '****'})" in source and "mul.s('****', 2)" in source
    assert "args=['****']" in source and "# Hidden arguments" in source
    # Nothing hidden, no note.
    assert "Hidden" not in cw.to_python(add.s().set(argsrepr="()") | mul.s(2))
