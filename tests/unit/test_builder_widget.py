"""CanvasBuilder without a browser: its traits, what it recomputes, what it refuses, what it never
puts into widget state, and its run requests (refused ones here; a real run under the cluster
marker)."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest
import traitlets
from celery import Celery, chord, group

import canvas_widgets as cw
from canvas_widgets.demo import add, app, mul, xsum
from canvas_widgets.widgets import CanvasBuilder

BAD_GROUP = {"task": "celery.group", "subtask_type": "group", "kwargs": {"tasks": [7]}}


class Sent:
    """Captures what a widget sends to the browser: custom messages and state pushes."""

    def __init__(self, widget: CanvasBuilder, monkeypatch: pytest.MonkeyPatch) -> None:
        self.messages: list[dict] = []
        self.states: list[Any] = []
        self.event = threading.Event()

        def send(content: dict, buffers: Any = None) -> None:
            self.messages.append(content)
            self.event.set()

        monkeypatch.setattr(widget, "send", send)
        monkeypatch.setattr(widget, "send_state", lambda key=None: self.states.append(key))


def test_traits_and_their_defaults() -> None:
    b = CanvasBuilder(app)
    assert b.canvas_dict is None and b.canvas is None and b.to_dict() is None
    assert b.problems == [] and b.python_source == "" and b.selected == ""
    assert b.run_status == {
        "state": "idle",
        "run_id": "",
        "value_repr": "",
        "error": "",
        "edited": False,
    }
    add_info = next(t for t in b.catalogue if t["name"] == "canvas_widgets.demo.add")
    assert add_info["doc"] == "Return x + y."
    assert [p["name"] for p in add_info["parameters"]] == ["x", "y"]
    assert not any(t["name"].startswith("celery.") for t in b.catalogue)
    assert b.app is app and b.last_run is None
    for name in ("canvas_dict", "catalogue", "problems", "python_source", "selected", "run_status"):
        assert b.trait_metadata(name, "sync"), name
        assert b.trait_metadata(name, "help"), name
    assert repr(b) == "<CanvasBuilder 'canvas_widgets.demo': empty canvas, 0 error(s)>"


def test_loads_a_signature_or_a_dict_and_gives_both_back() -> None:
    canvas = chord((add.s(i, i) for i in range(3)), xsum.s())
    expected = cw.to_dict(canvas)
    for given in (canvas, expected):
        b = CanvasBuilder(app, canvas=given)
        assert b.to_dict() == expected
        assert cw.to_dict(b.canvas) == expected
    b.to_dict()["task"] = "changed"  # a copy: the widget's document is not touched
    assert b.canvas_dict == expected
    given = cw.to_dict(add.s(1, 1))
    b.canvas = given
    given["args"][0] = 99
    assert b.canvas_dict["args"] == [1, 1]
    with pytest.raises(TypeError, match="not int"):
        b.canvas = 3


def test_problems_and_python_source_follow_the_canvas() -> None:
    b = CanvasBuilder(app, canvas=add.s(2, 2) | mul.s(8))
    assert b.problems == []
    assert b.python_source.endswith("canvas = chain(add.s(2, 2), mul.s(8))\n")
    b.canvas = add.s(2, 2) | mul.s(8, 3)
    assert [(p["path"], p["severity"], p["code"]) for p in b.problems] == [
        ("chain.tasks[1]", "error", "arity")
    ]
    assert "mul.s(8, 3)" in b.python_source
    # Set through the trait, as the browser does: recomputed the same way.
    b.canvas_dict = cw.to_dict(group(add.s(1, 1), add.s("a")))
    assert [p["path"] for p in b.problems] == ["group.tasks[1]"]
    assert set(b.problems[0]) == {"path", "severity", "message", "code"}
    b.canvas_dict = {"task": "canvas_widgets.demo.nope", "args": []}
    assert b.problems[0]["code"] == "unknown-task"
    b.canvas = None
    assert b.problems == [] and b.python_source == ""


def test_a_dict_from_dict_rejects_raises_a_trait_error_naming_the_path() -> None:
    b = CanvasBuilder(app, canvas=add.s(1, 1))
    before = b.to_dict()
    with pytest.raises(traitlets.TraitError, match=r"at group\.tasks\[0\]: expected a signature"):
        b.canvas_dict = BAD_GROUP
    with pytest.raises(traitlets.TraitError, match=r"group\.tasks\[0\]"):
        b.canvas = BAD_GROUP
    assert b.to_dict() == before
    with pytest.raises(traitlets.TraitError, match="unknown subtask_type"):
        CanvasBuilder(app, canvas={"task": "x", "subtask_type": "weird"})


def test_an_integer_the_browser_would_round_is_refused_naming_where_it_is() -> None:
    # The view's numbers are JavaScript's: 2**70 would be drawn as 1.18e+21, and the next edit
    # anywhere would send that float back in its place.
    b = CanvasBuilder(app, canvas=add.s(1, 1))
    before = b.to_dict()
    with pytest.raises(
        traitlets.TraitError,
        match=r"at canvas\.kwargs\.tasks\[1\]\.args\[0\]: 1180591620717411303424 is too large",
    ):
        b.canvas = add.s(1, 1) | mul.s(2**70)
    with pytest.raises(traitlets.TraitError, match=r"canvas\.kwargs\.y: -9007199254740992 "):
        b.canvas = add.s(1, y=-(2**53))
    assert b.to_dict() == before  # nothing half set
    b.canvas = add.s(2**53 - 1, -(2**53 - 1))  # the largest kept exactly
    assert list(b.canvas.args) == [2**53 - 1, -(2**53 - 1)]


def test_a_bad_dict_from_the_browser_is_answered_and_the_last_good_one_kept(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    b = CanvasBuilder(app, canvas=add.s(1, 1))
    sent = Sent(b, monkeypatch)
    b.set_state({"canvas_dict": BAD_GROUP, "selected": "group"})
    assert b.to_dict() == cw.to_dict(add.s(1, 1)) and b.selected == ""
    [message] = sent.messages
    assert message["type"] == "error" and message["trait"] == "canvas_dict"
    assert "group.tasks[0]" in message["error"]
    assert sent.states == [["canvas_dict", "selected"]]

    # A good one is taken, with the selection; computed traits from the browser are ignored.
    good = cw.to_dict(add.s(1, 1) | mul.s(2))
    b.set_state({"canvas_dict": good, "selected": "chain.tasks[1]", "problems": [{"x": 1}]})
    assert b.to_dict() == good and b.selected == "chain.tasks[1]" and b.problems == []


def test_unknown_keyword_arguments_and_a_non_app_are_type_errors() -> None:
    with pytest.raises(TypeError, match=r"unexpected keyword argument\(s\) 'canvs'"):
        CanvasBuilder(app, canvs=add.s(1, 1))
    with pytest.raises(TypeError, match="'problems'"):
        CanvasBuilder(app, problems=[])
    with pytest.raises(TypeError, match="needs a Celery app"):
        CanvasBuilder("canvas_widgets.demo:app")
    b = CanvasBuilder(app, selected="task", canvas=add.s(1, 1))
    assert b.selected == "task"


def test_no_broker_url_or_password_in_widget_state() -> None:
    secret_app = Celery("secret_app", set_as_current=False)
    secret_app.conf.update(
        broker_url="redis://:s3cr3t-pw@broker.internal.example:6379/0",
        result_backend="redis://:s3cr3t-pw@backend.internal.example:6379/1",
    )

    @secret_app.task(name="secret_app.ping")
    def ping() -> str:
        return "pong"

    b = CanvasBuilder(secret_app, canvas=ping.s())
    state = json.dumps(b.get_state())
    assert "ping" in state
    for secret in ("s3cr3t", "internal.example", "redis://", "6379"):
        assert secret not in state, secret
    text = b._scrub(
        "cannot reach redis://:s3cr3t-pw@broker.internal.example:6379/0 (amqp://u:p@h//)"
    )
    assert "s3cr3t" not in text and "u:p@" not in text and "<broker>" in text


def test_run_is_refused_for_an_invalid_or_empty_canvas(monkeypatch: pytest.MonkeyPatch) -> None:
    b = CanvasBuilder(app, canvas=add.s(1) | mul.s(2))
    sent = Sent(b, monkeypatch)
    b._on_custom_msg(b, {"type": "run", "request_id": "r-1"}, [])
    [reply] = sent.messages
    assert reply["type"] == "reply" and reply["request_id"] == "r-1" and reply["ok"] is False
    assert reply["error"].startswith("not run: chain.tasks[0]: ")
    assert b.last_run is None and b.run_status["state"] == "idle"
    with pytest.raises(cw.CanvasError, match=r"chain\.tasks\[0\]"):
        b.run()

    b.canvas = None
    b._on_custom_msg(b, {"type": "run", "request_id": "r-2"}, [])
    assert sent.messages[-1] == {
        "type": "reply",
        "request_id": "r-2",
        "ok": False,
        "error": "not run: CanvasError: canvas: the canvas is empty: drop a task on it first",
    }
    b._on_custom_msg(b, {"type": "revoke", "request_id": "r-3"}, [])
    assert sent.messages[-1]["ok"] is False and "unknown request type" in sent.messages[-1]["error"]


def test_an_unreachable_broker_is_reported_without_its_url(monkeypatch: pytest.MonkeyPatch) -> None:
    closed = Celery("closed_app", set_as_current=False)
    url = "redis://:hunter2@127.0.0.1:9/0"  # port 9 (discard): nothing listens there
    closed.conf.update(broker_url=url, result_backend=url, redis_socket_connect_timeout=1)

    @closed.task(name="closed_app.noop")
    def noop() -> None:
        return None

    b = CanvasBuilder(closed, canvas=noop.s())
    sent = Sent(b, monkeypatch)
    b._on_custom_msg(b, {"type": "run", "request_id": "r-1"}, [])
    [reply] = sent.messages
    assert reply["ok"] is False and "BrokerUnreachable" in reply["error"], reply
    assert "hunter2" not in reply["error"] and "127.0.0.1:9" not in reply["error"], reply
    assert b.run_status["state"] == "idle" and "hunter2" not in json.dumps(b.get_state())


def reaching(b: CanvasBuilder, state: str) -> threading.Event:
    """An event set when ``b.run_status`` reaches ``state`` (register before acting)."""
    reached = threading.Event()

    def check(change: dict) -> None:
        if change["new"]["state"] == state:
            reached.set()

    b.observe(check, names="run_status")
    return reached


@pytest.mark.cluster
def test_run_on_a_local_cluster_sets_run_status(monkeypatch: pytest.MonkeyPatch) -> None:
    with cw.LocalCluster(app, workers=1) as cluster:
        b = CanvasBuilder(app, canvas=chord((add.s(i, i) for i in range(10)), xsum.s()))
        sent = Sent(b, monkeypatch)
        done = reaching(b, "done")
        b._on_custom_msg(b, {"type": "run", "request_id": "r-1"}, [])
        [reply] = sent.messages
        assert reply["ok"] is True, reply
        assert reply["run_id"] == b.last_run.id
        assert done.wait(timeout=120), b.run_status
        assert b.run_status == {
            "state": "done",
            "run_id": b.last_run.id,
            "value_repr": "90",
            "error": "",
            "edited": False,
        }
        state = json.dumps(b.get_state())
        assert cluster.broker_url not in state and "redis://" not in state
        # Edited after the run, the result is said to be of the canvas as it was; edited
        # back, it is the canvas's again.
        ran = b.canvas_dict
        b.canvas = cw.to_dict(add.s(1, 1))
        assert b.run_status["state"] == "done" and b.run_status["edited"] is True
        b.canvas_dict = ran
        assert b.run_status["edited"] is False

        # b.run() does the same from Python, and a failing run says why.
        failed = reaching(b, "failed")
        b.canvas = cw.to_dict(add.s(1, "a"))
        run = b.run()
        with pytest.raises(TypeError):
            run.wait(timeout=60)
        assert failed.wait(timeout=60), b.run_status
        assert b.run_status["run_id"] == run.id and "TypeError" in b.run_status["error"]

        # A group: its result is read in the builder's own thread (Celery's backend is one
        # object per thread; a group's .get() there timed out, its tasks all done).
        done = reaching(b, "done")
        b.canvas = cw.to_dict(group(add.s(1, 1), add.s(2, 2)))
        b.run()
        assert done.wait(timeout=60), b.run_status
        assert b.run_status["value_repr"] == "[2, 4]", b.run_status


class FakeRun:
    """Stands in for a WorkflowRun: an id, a wait to settle, and a graph widget (a preview).
    Its outcome is not shown (``on_settled`` never calls back): these tests are of where the
    graph goes."""

    def __init__(self, canvas: Any, app: Celery) -> None:
        self.id = f"run-{id(self)}"
        self.graph = cw.ResultGraph.preview(canvas, app)
        self.finish = threading.Event()

    def on_settled(self, callback: Any) -> None:
        pass

    def _wait_settled(self) -> None:
        self.finish.wait(timeout=30)


def test_displayed_as_a_box_with_the_latest_runs_graph_below(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    runs: list[FakeRun] = []

    def fake_run(canvas: Any, app: Celery) -> FakeRun:
        runs.append(FakeRun(canvas, app))
        return runs[-1]

    monkeypatch.setattr("canvas_widgets.widgets.builder.run_canvas", fake_run)
    b = CanvasBuilder(app, canvas=add.s(2, 2))
    bundle = b._repr_mimebundle_()
    view = b.view
    assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == view.model_id
    assert bundle["text/plain"] == repr(b)
    builder_part, results = view.children
    assert builder_part is b and results.children == ()
    assert (
        b._repr_mimebundle_()["application/vnd.jupyter.widget-view+json"]
        == (
            bundle["application/vnd.jupyter.widget-view+json"]  # one box, however often shown
        )
    )

    first = b.run()
    assert results.children == (first.graph,)
    second = b.run()  # the latest run's graph replaces the previous one's
    assert results.children == (second.graph,)
    for run in runs:
        run.finish.set()
    assert first.graph.comm is not None  # it belongs to the run: still open

    # Run from Python before the builder is shown: the first display shows the run's graph.
    b2 = CanvasBuilder(app, canvas=add.s(1, 1))
    third = b2.run()
    third.finish.set()
    assert b2.view.children[1].children == (third.graph,)

    b.close()
    assert view.comm is None and results.comm is None and b._repr_mimebundle_ is None
    assert second.graph.comm is not None


CARD = "4111111111111111"
PIN = "s3cr3t-pin-7"


def hidden_canvas() -> Any:
    """A chain whose steps hide their kwargs, their args, and a callback's args."""
    return add.s(7, y=CARD).set(kwargsrepr="{'y': '****'}") | mul.s(PIN).set(
        argsrepr="('<pin>',)", link=add.si(PIN, 1).set(argsrepr="('<pin>', 1)")
    )


def test_hidden_arguments_never_reach_widget_state_but_stay_in_the_kernel() -> None:
    b = CanvasBuilder(app, canvas=hidden_canvas())
    state = json.dumps(b.get_state())
    for secret in (CARD, PIN):
        assert secret not in state, secret
    assert "{'y': '****'}" in b.python_source and "'<pin>'" in b.python_source
    step0, step1 = b.canvas_dict["kwargs"]["tasks"]
    assert step0["kwargs"] == {} and step0["args"] == [7]  # only what is hidden is held back
    assert set(step0["options"]["cw_hidden"]) == {"kwargs"}
    assert step1["args"] == [] and set(step1["options"]["cw_hidden"]) == {"args"}
    # Python has the values: to_dict, canvas (and so run) are the canvas as given.
    assert b.to_dict() == cw.to_dict(hidden_canvas())
    assert b.canvas.tasks[0].kwargs == {"y": CARD}
    assert b.canvas.tasks[1].options["link"]["args"] == [PIN, 1]


def test_hidden_arguments_come_back_however_the_browser_moves_the_block(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    b = CanvasBuilder(app, canvas=hidden_canvas())
    sent = Sent(b, monkeypatch)
    step0, step1 = b.canvas_dict["kwargs"]["tasks"]
    # Reordered, the hidden step copied, wrapped in a group: each gets its values back by token.
    moved = {
        "task": "celery.group",
        "subtask_type": "group",
        "args": [],
        "kwargs": {"tasks": [step1, step0, json.loads(json.dumps(step0))]},
        "options": {},
        "immutable": False,
    }
    b.set_state({"canvas_dict": moved})
    assert sent.messages == []
    assert b.canvas_dict == moved  # nothing to send back: the browser's dict stands
    tasks = b.canvas.tasks
    assert [t.kwargs for t in tasks] == [{}, {"y": CARD}, {"y": CARD}]
    assert tasks[0].args == [PIN] and tasks[0].options["argsrepr"] == "('<pin>',)"
    assert CARD not in json.dumps(b.get_state())
    # Undo (the first dict again) still finds them.
    b.set_state({"canvas_dict": step0})
    assert b.canvas.kwargs == {"y": CARD}


def test_hidden_arguments_the_browser_replaces_or_cannot_name_are_handled(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    b = CanvasBuilder(app, canvas=add.s(7, y=CARD).set(kwargsrepr="{'y': '****'}"))
    sent = Sent(b, monkeypatch)
    masked = b.canvas_dict
    # Values the browser sends beside a token are not taken: the token's values are.
    b.set_state({"canvas_dict": {**masked, "kwargs": {"y": 1}}})
    assert b.canvas.kwargs == {"y": CARD}
    # Replaced in the inspector: token and repr dropped, the typed value taken as it is.
    options = {k: v for k, v in masked["options"].items() if k not in ("cw_hidden", "kwargsrepr")}
    b.set_state({"canvas_dict": {**masked, "kwargs": {"y": 2}, "options": options}})
    assert b.canvas.kwargs == {"y": 2} and "kwargsrepr" not in b.canvas.options
    # A token this kernel does not hold is refused, and the last good canvas kept.
    forged = {**masked, "options": {**masked["options"], "cw_hidden": {"kwargs": "nope"}}}
    b.set_state({"canvas_dict": forged})
    assert sent.messages[-1]["type"] == "error"
    assert "hidden kwargs (kwargsrepr) are not in this kernel" in sent.messages[-1]["error"]
    assert b.canvas.kwargs == {"y": 2}
    # The repr text a value was hidden with stays its own.
    b.canvas = add.s(7, y=CARD).set(kwargsrepr="{'y': '****'}")
    relabelled = {**b.canvas_dict, "options": {**b.canvas_dict["options"], "kwargsrepr": "{}"}}
    b.set_state({"canvas_dict": relabelled})
    assert b.canvas.options["kwargsrepr"] == "{'y': '****'}"


def test_a_dict_copied_from_a_builder_is_refused_elsewhere_for_lacking_its_hidden_values() -> None:
    # The Canvas dict tab's copy, or the widget state saved in a notebook, lacks the values:
    # run, it would have run without them (the card not charged, and nothing said).
    masked = CanvasBuilder(app, canvas=add.s(7, y=CARD).set(kwargsrepr="{'y': '****'}")).canvas_dict
    refused = r"^task\.options\.cw_hidden: this dict was copied from a builder"
    with pytest.raises(cw.CanvasError, match=refused):
        cw.from_dict(masked, app)
    with pytest.raises(cw.CanvasError, match=refused):
        cw.run(masked, app=app)  # before anything is sent
    [problem] = cw.validate(masked, app)
    assert problem.code == "malformed" and problem.path == "task.options.cw_hidden"


def test_a_canvas_dict_set_from_python_is_hidden_likewise() -> None:
    b = CanvasBuilder(app)
    b.canvas_dict = cw.to_dict(add.s(CARD, 1).set(argsrepr="('****', 1)"))
    assert CARD not in json.dumps(b.get_state())
    assert b.canvas.args == [CARD, 1]
    # Arity problems name the hidden arguments by their text too.
    b.canvas = add.s(CARD, 1, 2).set(argsrepr="('****', 1, 2)")
    assert b.problems and CARD not in json.dumps(b.get_state())
    assert "('****', 1, 2)" in b.problems[0]["message"]


def test_hidden_items_of_map_starmap_and_chunks_never_reach_widget_state() -> None:
    hidden = group(
        xsum.map([[CARD], [2]]).set(argsrepr="['***']"),
        add.starmap([(PIN, 1)]).set(argsrepr="[('***', 1)]"),
        add.chunks([(CARD, 1), (PIN, 2)], 1).set(kwargsrepr="{'it': '***'}"),
    )
    b = CanvasBuilder(app, canvas=hidden)
    state = json.dumps(b.get_state())
    for secret in (CARD, PIN):
        assert secret not in state and secret not in b.python_source, secret
    mapped, starmapped, chunked = b.canvas_dict["kwargs"]["tasks"]
    for d in (mapped, starmapped, chunked):
        assert d["kwargs"]["it"] == [] and set(d["options"]["cw_hidden"]) == {"it"}
        assert d["kwargs"]["task"]["task"].startswith("canvas_widgets.demo.")
    assert chunked["kwargs"]["n"] == 1 and chunked["options"]["kwargsrepr"] == "{'it': '***'}"
    assert b.to_dict() == cw.to_dict(hidden)
    # As the browser sends it back (a JSON copy, the blocks reordered): the items come back.
    browser = json.loads(json.dumps(b.canvas_dict))
    browser["kwargs"]["tasks"].reverse()
    b.set_state({"canvas_dict": browser})
    assert b.canvas_dict == browser
    assert [t.kwargs["it"] for t in b.canvas.tasks] == [
        [[CARD, 1], [PIN, 2]],
        [[PIN, 1]],
        [[CARD], [2]],
    ]
    # Replaced in the inspector (token and repr dropped): the typed items are taken as sent.
    replaced = {**mapped, "kwargs": {**mapped["kwargs"], "it": [[3]]}, "options": {}}
    b.set_state({"canvas_dict": replaced})
    assert b.canvas.kwargs["it"] == [[3]] and "argsrepr" not in b.canvas.options
    # Celery's own dict of a map (no subtask_type) is hidden as well.
    celery_dict = {**cw.to_dict(xsum.map([[CARD]]).set(argsrepr="['***']")), "subtask_type": None}
    b.canvas_dict = celery_dict
    assert CARD not in json.dumps(b.get_state()) and b.to_dict()["kwargs"]["it"] == [[CARD]]


def test_a_dict_loaded_is_celerys_own_dict_of_it() -> None:
    """A dict as Celery's docs write one (task and args only), or as Celery writes a chunks (no
    subtask_type), is held as Celery's full dict of it: the form the browser writes back after
    an edit anywhere, so that edit changes nothing else."""
    chunks = json.loads(json.dumps(add.chunks([(1, 2), (3, 4)], 1)))
    assert chunks["subtask_type"] is None
    loaded = {
        "task": "celery.chain",
        "subtask_type": "chain",
        "kwargs": {"tasks": [{"task": "canvas_widgets.demo.add", "args": [2, 2]}, chunks]},
    }
    b = CanvasBuilder(app, canvas=loaded)
    expected = cw.to_dict(add.s(2, 2) | add.chunks([(1, 2), (3, 4)], 1))
    assert b.to_dict() == expected and b.canvas_dict == expected
    assert b.to_dict() == cw.to_dict(b.canvas)
    b.canvas_dict = {"task": "canvas_widgets.demo.mul", "args": [2]}
    assert b.canvas_dict == cw.to_dict(mul.s(2))


def as_javascript(d: object) -> object:
    """``d`` after a trip through the browser: JavaScript's numbers have no ``1.0``, and its
    objects put the keys that read as array indices first, in numeric order."""

    def js_object(pairs: list[tuple[str, object]]) -> dict:
        index = [(k, v) for k, v in pairs if k == "0" or (k.isdigit() and not k.startswith("0"))]
        return dict(sorted(index, key=lambda kv: int(kv[0])) + [p for p in pairs if p not in index])

    return json.loads(
        json.dumps(d),
        parse_float=lambda t: int(float(t)) if float(t).is_integer() else float(t),
        object_pairs_hook=js_object,
    )


def text(d: object) -> str:
    """JSON text, which tells ``1.0`` from ``1`` (``==`` does not)."""
    return json.dumps(d, sort_keys=True)


def test_floats_the_browser_turns_into_integers_are_kept_where_it_did_not_edit() -> None:
    sig = add.s(1.0, -0.0).set(countdown=1.0, link=mul.s(2.0)) | mul.s(1e20) | add.s(2, 2)
    b = CanvasBuilder(app, canvas=sig)
    held = b.to_dict()
    assert text(as_javascript(held)) != text(held)  # the browser would change them

    # An edit of the last task's args: the other tasks keep their floats.
    edited = as_javascript(held)
    edited["kwargs"]["tasks"][2]["args"] = [3, 3]
    b.set_state({"canvas_dict": edited})
    want = cw.to_dict(sig.tasks[0] | sig.tasks[1] | add.s(3, 3))
    assert text(b.to_dict()) == text(want)

    # Moved (the first task last), deleted and brought back by undo: still floats.
    tasks = as_javascript(want)["kwargs"]["tasks"]
    moved = {**want, "kwargs": {"tasks": [tasks[1], tasks[2], tasks[0]]}}
    b.set_state({"canvas_dict": moved})
    assert text(b.to_dict()["kwargs"]["tasks"][2]) == text(want["kwargs"]["tasks"][0])
    b.set_state({"canvas_dict": {**want, "kwargs": {"tasks": [tasks[1], tasks[2]]}}})
    b.set_state({"canvas_dict": as_javascript(want)})
    assert text(b.to_dict()) == text(want)

    # Typed where a float was held, 1 is that float again (the browser showed it as 1); an
    # integer loaded from Python stays an integer.
    edited = as_javascript(want)
    edited["kwargs"]["tasks"][0]["args"] = [1, 5]
    b.set_state({"canvas_dict": edited})
    assert text(b.to_dict()["kwargs"]["tasks"][0]["args"]) == "[1.0, 5]"
    b.canvas = add.s(1, 1) | mul.s(1)
    b.set_state({"canvas_dict": as_javascript(b.to_dict())})
    assert text(b.to_dict()) == text(cw.to_dict(add.s(1, 1) | mul.s(1)))


def test_a_float_and_an_integer_held_at_one_place_keep_to_their_paths() -> None:
    sig = group(add.s(1.0, 2), add.s(1, 2), mul.s(3))
    b = CanvasBuilder(app, canvas=sig)
    edited = as_javascript(b.to_dict())
    edited["kwargs"]["tasks"][2]["args"] = [4]
    b.set_state({"canvas_dict": edited})
    assert text(b.to_dict()) == text(cw.to_dict(group(add.s(1.0, 2), add.s(1, 2), mul.s(4))))


def test_a_key_that_is_not_text_is_refused_not_turned_into_text() -> None:
    # JSON would write {1: 2} as {"1": 2}: the task would get other arguments than given.
    b = CanvasBuilder(app, canvas=add.s(1, 1))
    before = b.to_dict()
    with pytest.raises(
        traitlets.TraitError, match=r"at canvas\.kwargs: the key 1 \(int\) is not text"
    ):
        b.canvas = {"task": "canvas_widgets.demo.add", "kwargs": {1: 2}}
    with pytest.raises(traitlets.TraitError, match=r"at canvas\.args\[0\]: the key None "):
        b.canvas_dict = {"task": "canvas_widgets.demo.add", "args": [{None: 2}]}
    assert b.to_dict() == before


def test_a_canvas_equal_to_python_but_not_in_json_is_a_change(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # 1 == 1.0 == True: the new canvas is recomputed and sent all the same.
    b = CanvasBuilder(app, canvas=add.s(1, 2))
    sent = Sent(b, monkeypatch)
    b.canvas = add.s(True, 2)
    assert "add.s(True, 2)" in b.python_source and b.canvas_dict["args"] == [True, 2]
    assert "canvas_dict" in sent.states
    b.canvas = add.s(1.0, 2)
    assert "add.s(1.0, 2)" in b.python_source
    sent.states.clear()
    b.canvas = add.s(1.0, 2)  # the same again: nothing to send
    assert sent.states == []


def test_the_order_of_a_dicts_keys_is_kept_where_the_browser_did_not_edit() -> None:
    # {"10": ..., "9": ...} is {"9": ..., "10": ...} in JavaScript: a task iterating it would
    # see another order after an edit anywhere in the canvas.
    arg = {"10": "ten", "9": "nine", "b": 1.0, "a": None}
    b = CanvasBuilder(app, canvas=add.s(arg, 2) | mul.s(2))
    held = b.to_dict()
    browser = as_javascript(held)
    assert list(browser["kwargs"]["tasks"][0]["args"][0]) == ["9", "10", "b", "a"]
    browser["kwargs"]["tasks"][1]["args"] = [3]
    b.set_state({"canvas_dict": browser})
    assert text_in_order(b.to_dict()) == text_in_order(cw.to_dict(add.s(arg, 2) | mul.s(3)))
    # Set from Python in another order, it is another canvas: sent, and kept.
    other = {"9": "nine", "10": "ten", "b": 1.0, "a": None}
    b.canvas = add.s(other, 2) | mul.s(3)
    assert list(b.canvas_dict["kwargs"]["tasks"][0]["args"][0]) == ["9", "10", "b", "a"]
    browser = as_javascript(b.to_dict())
    browser["kwargs"]["tasks"][1]["args"] = [4]
    b.set_state({"canvas_dict": browser})
    assert list(b.to_dict()["kwargs"]["tasks"][0]["args"][0]) == ["9", "10", "b", "a"]


def text_in_order(d: object) -> str:
    return json.dumps(d)


def test_the_first_canvas_from_the_browser_is_taken_into_an_empty_builder() -> None:
    b = CanvasBuilder(app)
    b.set_state({"canvas_dict": cw.to_dict(add.s(1, 2))})
    assert b.to_dict() == cw.to_dict(add.s(1, 2))
