"""A custom canvas type (the tutorial's ``weave``) runs on real workers, expanded or not."""

from __future__ import annotations

import pytest

import canvas_widgets as cw
from canvas_widgets.demo import add, fetch, parse, summarise, xsum
from canvas_widgets.demo import app as demo_app
from canvas_widgets.weave import weave

pytestmark = pytest.mark.filterwarnings("ignore:Call to deprecated setex:DeprecationWarning")


def test_a_weave_with_its_items_runs_as_its_expansion_and_every_chunk_is_tracked(cluster):
    run = cw.run(add.s(1, 1) | weave(xsum.s(), range(100), 10, join=xsum.s()), app=demo_app)
    assert run.wait(timeout=60) == 4950
    states = run.states
    assert len(states) == 12  # add, ten chunks, the join: all known before the run
    assert set(states.values()) == {"SUCCESS"}
    assert run.to_networkx().graph["containers"]["chain.tasks[1]"]["label"] == "weave"


def test_a_weave_fed_by_the_previous_step_replaces_itself_on_the_worker(cluster):
    canvas = fetch.s("valley", "2023-07") | parse.s() | weave(summarise.s(), n=7)
    run = cw.run(canvas, app=demo_app)
    weeks = run.wait(timeout=60)
    assert [week["days"] for week in weeks] == [7, 7, 7, 7, 3]
    assert list(run.states.values()) == ["SUCCESS"] * 3
