"""The reply to a view's request (canvas_widgets/widgets/_requests.py), whatever happens."""

from __future__ import annotations

import pytest

from canvas_widgets.widgets._requests import Refused, answer


class Sent:
    """Stands for a widget: keeps what it sends."""

    def __init__(self) -> None:
        self.messages: list[dict] = []

    def send(self, content: dict) -> None:
        self.messages.append(content)


def _refuse(content: dict) -> dict:
    raise Refused("not run: chain.tasks[0]: unknown task")


def _fail(content: dict) -> dict:
    raise KeyError("no task 'x' in this workflow")


@pytest.mark.parametrize(
    ("content", "reply"),
    [
        ({"type": "echo", "request_id": "r1", "x": 2}, {"ok": True, "x": 2}),
        (
            {"type": "refuse", "request_id": "r2"},
            {"ok": False, "error": "not run: chain.tasks[0]: unknown task"},
        ),
        (
            {"type": "fail", "request_id": "r3"},
            {"ok": False, "error": "KeyError: \"no task 'x' in this workflow\""},
        ),
        (
            {"type": "nope", "request_id": "r4"},
            {"ok": False, "error": "unknown request type 'nope'"},
        ),
        ({"request_id": "r5"}, {"ok": False, "error": "unknown request type None"}),
    ],
)
def test_every_request_gets_a_reply_with_its_id(content: dict, reply: dict) -> None:
    widget = Sent()
    handlers = {"echo": lambda c: {"x": c["x"]}, "refuse": _refuse, "fail": _fail}
    answer(widget, content, handlers)
    assert widget.messages == [{"type": "reply", "request_id": content["request_id"], **reply}]


def test_a_message_that_is_not_a_request_is_left_alone() -> None:
    widget = Sent()
    answer(widget, ["not", "a", "dict"], {})
    assert widget.messages == []
