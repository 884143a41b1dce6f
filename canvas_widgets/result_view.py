"""What the live result graph view is sent: the graph's structure once, state deltas, the run's
summary, and one task's details as text.

The widget (:class:`canvas_widgets.widgets.ResultGraph`) is only traits and message handlers;
the data it syncs is made here, from the workflow graph (:mod:`canvas_widgets.graph`) and a
:class:`~canvas_widgets.WorkflowRun`. Nothing here holds a broker URL: all of it may be saved
into a notebook.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterable, Mapping
from typing import Any

import networkx as nx
from celery import states as celery_states

from .attempts import REPLACED, timeline_span
from .display import mask_credentials
from .graph import node_label
from .tracking import TERMINAL

__all__ = [
    "DETAIL_LIMIT",
    "FULL_DETAIL_LIMIT",
    "STATES",
    "delta_message",
    "details_text",
    "graph_payload",
    "message_bytes",
    "run_summary",
    "timeline_spans",
]

#: The states the view knows, in the order its legend shows them.
STATES = (
    celery_states.PENDING,
    "SENT",
    celery_states.RECEIVED,
    celery_states.STARTED,
    "PROGRESS",
    celery_states.RETRY,
    celery_states.SUCCESS,
    celery_states.FAILURE,
    celery_states.REVOKED,
)

#: Characters of each detail value sent at first; the view asks for the rest ("more").
DETAIL_LIMIT = 1_000
#: Characters of a detail value sent when the view asks for all of it (a bound all the same).
FULL_DETAIL_LIMIT = 200_000

# Detail fields whose end matters more than their beginning.
_KEEP_TAIL = frozenset({"traceback"})
_NODE_FIELDS = ("name", "kind", "path", "container", "callback")


def graph_payload(graph: nx.DiGraph, run_id: str | None = None) -> dict[str, Any]:
    """The static structure of a workflow graph, as the view's ``graph`` trait holds it.

    Nodes keep what the view draws (``id``, ``name``, ``kind``, ``label``, ``path``,
    ``container``, ``callback``), in canvas order; args and results stay in the kernel (the view
    asks for a task's details when it shows them). Containers map a path to its ``kind``,
    ``label``, ``parent`` path and Celery ``id``, parents before children.

    Examples
    --------
    >>> from celery import chord
    >>> from canvas_widgets import workflow_graph
    >>> from canvas_widgets.demo import add, tsum
    >>> p = graph_payload(workflow_graph(chord([add.s(1, 1), add.s(2, 2)], tsum.s())))
    >>> [n["label"] for n in p["nodes"]], sorted(p["containers"])
    (['add(1, 1)', 'add(2, 2)', 'tsum()'], ['chord', 'chord.header'])
    >>> sorted(p["nodes"][0]), [e["kind"] for e in p["edges"]]
    (['callback', 'container', 'id', 'kind', 'label', 'name', 'path'], ['chord', 'chord'])
    """
    nodes = [
        {"id": task_id, **{key: data.get(key) for key in _NODE_FIELDS}, "label": node_label(data)}
        for task_id, data in graph.nodes(data=True)
    ]
    edges = [{"source": u, "target": v, "kind": kind} for u, v, kind in graph.edges(data="kind")]
    containers = {
        path: {key: info[key] for key in ("kind", "label", "parent", "id")}
        for path, info in graph.graph.get("containers", {}).items()
    }
    return {"run_id": run_id, "nodes": nodes, "edges": edges, "containers": containers}


def delta_message(
    changes: Mapping[str, str], spans: Mapping[str, list] | None = None
) -> dict[str, Any]:
    """The custom message that tells the view of state changes: ``{type, changes}``, with the
    timeline ``spans`` of the tasks that started or finished among them, if any.

    Examples
    --------
    >>> delta_message({"5f0c": "SUCCESS"})
    {'type': 'states', 'changes': {'5f0c': 'SUCCESS'}}
    >>> delta_message({"5f0c": "STARTED"}, {"5f0c": ["w1@host", 12.5, None]})["spans"]
    {'5f0c': ['w1@host', 12.5, None]}
    """
    message: dict[str, Any] = {"type": "states", "changes": dict(changes)}
    if spans:
        message["spans"] = dict(spans)
    return message


def timeline_spans(run: Any, task_ids: Iterable[str]) -> dict[str, list]:
    """The timeline spans of those of ``task_ids`` that started (see
    :func:`canvas_widgets.attempts.timeline_span`)."""
    spans = {}
    for task_id in task_ids:
        span = timeline_span(run.attempts(task_id))
        if span is not None:
            spans[task_id] = span
    return spans


def message_bytes(message: Mapping[str, Any]) -> int:
    """The size of a message's content as JSON, as the comm carries it (compact separators)."""
    return len(json.dumps(message, separators=(",", ":")).encode())


def run_summary(
    task_states: Mapping[str, str],
    started_at: float | None,
    now: float,
    finished: bool,
    finished_at: float | None = None,
    not_run: Iterable[str] = (),
    ran_without_state: Iterable[str] = (),
    cut_off: str | None = None,
    stuck: str | None = None,
) -> dict[str, Any]:
    """Counts per state and overall progress: the view's ``summary`` trait. ``not_run``: the
    tasks that will never run (:meth:`WorkflowRun.never_run`), counted by their state (Celery
    marks some FAILURE or REVOKED; errbacks not needed stay PENDING). ``ran_without_state``:
    errbacks that ran inside a worker, PENDING for good (:meth:`WorkflowRun.ran_without_state`),
    counted. ``cut_off``: why a run is followed no further before it finished
    (:attr:`WorkflowRun.cut_off`); ``stuck``: why tasks sent wait on (:attr:`WorkflowRun.stuck`).

    Examples
    --------
    >>> states = {"a": "SUCCESS", "b": "FAILURE", "c": "FAILURE", "d": "PENDING"}
    >>> s = run_summary(states, 10.0, 12.5, False, not_run=["c", "d"])
    >>> s["total"], s["done"], s["failed"], s["elapsed"], s["finished"], s["not_run"]
    (4, 3, 2, 2.5, False, {'FAILURE': 1, 'PENDING': 1})
    >>> run_summary(states, 10.0, 12.5, True, ran_without_state=["d"])["ran_without_state"]
    1
    """
    counts = {state: 0 for state in STATES}
    for state in task_states.values():
        counts[state] = counts.get(state, 0) + 1
    not_run_counts: dict[str, int] = {}
    for task_id in not_run:
        state = task_states[task_id]
        not_run_counts[state] = not_run_counts.get(state, 0) + 1
    end = finished_at if finished and finished_at is not None else now
    return {
        "total": len(task_states),
        "done": sum(n for state, n in counts.items() if state in TERMINAL),
        "failed": counts[celery_states.FAILURE],
        "counts": counts,
        "started_at": started_at,
        "elapsed": None if started_at is None else round(max(0.0, end - started_at), 3),
        "finished": finished,
        "not_run": not_run_counts,
        "ran_without_state": sum(1 for _ in ran_without_state),
        "cut_off": None if cut_off is None else mask_credentials(cut_off),
        "stuck": None if stuck is None else mask_credentials(stuck),
    }


def details_text(
    info: Mapping[str, Any], *, full: bool = False
) -> tuple[dict[str, str], list[str]]:
    """A task's details (as :meth:`WorkflowRun.info` gives them) with every value as text.

    Each value is cut to :data:`DETAIL_LIMIT` characters (:data:`FULL_DETAIL_LIMIT` with
    ``full``); a traceback keeps its end, where the error is. Timestamps (``*_at``) become ISO
    dates in UTC. The credentials of URLs in them are masked (:func:`mask_credentials`: an
    exception may name a database URL with its password). Returns the texts and the names of
    the fields that were cut. Escaping is the browser's job: the view puts these texts in with
    ``textContent`` only.

    Examples
    --------
    >>> texts, cut = details_text({"name": "add", "args": "x" * 5000, "retries": 0})
    >>> texts["retries"], len(texts["args"]), cut
    ('0', 1000, ['args'])
    >>> details_text({"started_at": 0.5})[0]["started_at"]
    '1970-01-01T00:00:00.500000+00:00'
    >>> [details_text({"runtime": s})[0]["runtime"] for s in (0.00463414, 8.0134, 61)]
    ['0.00463', '8.01', '61.00']
    """
    limit = FULL_DETAIL_LIMIT if full else DETAIL_LIMIT
    texts: dict[str, str] = {}
    cut: list[str] = []
    for key, value in info.items():
        # Task data (an exception naming a database URL, say) may hold credentials: masked.
        text = mask_credentials(_as_text(key, value))
        if len(text) > limit:
            cut.append(key)
            text = "…" + text[-(limit - 1) :] if key in _KEEP_TAIL else text[: limit - 1] + "…"
        texts[key] = text
    return texts, cut


def _as_text(key: str, value: Any) -> str:
    if value is None:
        return ""
    if key == "attempts":
        return "\n".join(_attempt_line(number, a) for number, a in enumerate(value, 1))
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if key.endswith("_at"):
            return datetime.datetime.fromtimestamp(value, tz=datetime.timezone.utc).isoformat()
        if key == "runtime":  # seconds: three digits that mean something
            return f"{value:.3g}" if value < 1 else f"{value:.2f}"
    if isinstance(value, dict | list):
        try:
            return json.dumps(value, ensure_ascii=False, default=repr)
        except (TypeError, ValueError):
            return repr(value)
    return str(value)


def _attempt_line(number: int, attempt: Mapping[str, Any]) -> str:
    """One earlier attempt of a task, as its details show it.

    >>> _attempt_line(1, {"worker": "w1@h", "started_at": 0.0, "ended_at": 0.0363,
    ...                   "state": "RETRY", "exception": "RuntimeError('no')"})
    "1. RETRY on w1@h, started 1970-01-01T00:00:00+00:00, ran 0.0363 s: RuntimeError('no')"
    >>> _attempt_line(2, {"worker": "w1@h", "started_at": 0.0, "ended_at": 2.5, "state": None})
    '2. no end seen on w1@h, started 1970-01-01T00:00:00+00:00, ran 2.5 s at most'
    >>> _attempt_line(1, {"worker": "w1@h", "started_at": 0.0, "ended_at": 0.5, "state": None,
    ...                   "exception": REPLACED})
    '1. replaced itself on w1@h, started 1970-01-01T00:00:00+00:00, ran 0.5 s at most'
    """
    started, ended = attempt["started_at"], attempt["ended_at"]
    replaced = attempt.get("exception") == REPLACED
    how = "replaced itself" if replaced else attempt["state"] or "no end seen"
    line = f"{number}. {how} on {attempt['worker']}, started {_as_text('started_at', started)}"
    if ended is not None:  # with no end seen: until the next attempt began
        line += f", ran {ended - started:.3g} s" + ("" if attempt["state"] else " at most")
    if attempt.get("exception") and not replaced:
        line += f": {attempt['exception']}"
    return line
