"""Requests from a view (js/src/shared/requests.ts): a custom message ``{type, request_id, ...}``,
answered by ``{type: "reply", request_id, ok, ...}``: the handler's fields when it succeeds, the
``error`` as text when not. Every request gets its reply; nothing a handler raises escapes into
the kernel's comm handling.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import anywidget

#: A request's handler: its message in, the reply's fields out.
Handler = Callable[[dict], dict[str, Any]]


class Refused(Exception):
    """A request refused, with the reason the view shows as it is."""


def answer(widget: anywidget.AnyWidget, content: object, handlers: Mapping[str, Handler]) -> None:
    """Answer the request in ``content`` with the handler for its type.

    The error of a failed request is the :class:`Refused` reason, or the exception's type and
    message.
    """
    if not isinstance(content, dict):
        return
    kind = content.get("type")
    handler = handlers.get(kind) if isinstance(kind, str) else None
    try:
        if handler is None:
            raise Refused(f"unknown request type {kind!r}")
        reply = {"ok": True, **handler(content)}
    except Refused as exc:
        reply = {"ok": False, "error": str(exc)}
    except Exception as exc:  # the reason goes back to the view, as text
        reply = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
    widget.send({"type": "reply", "request_id": content.get("request_id"), **reply})
