"""The workflow graph of a canvas, and its exports: Graphviz DOT and a standalone pyvis HTML page.

Nodes are the task invocations that will really run, keyed by the task id that freezing gives
them; edges carry data (chain step to next step, fan-out into a group, header to chord body,
task to its callbacks). The containers (chain, group, chord, chunks) are kept as node attributes
(``container``: the innermost container's path) and in ``graph.graph["containers"]`` (path ->
kind, parent path, Celery id), so that a view can draw nested boxes.
"""

from __future__ import annotations

import functools
import html
import math
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import networkx as nx
import pydot
from celery import Celery
from celery.canvas import Signature, maybe_signature

from .canvas import RUN_OPTIONS, chord_header, freeze, kind_of
from .display import clip, display_repr, isolate, isolated_call, positional

__all__ = [
    "STATE_COLOURS",
    "argument_reprs",
    "frozen_graph",
    "node_label",
    "to_dot",
    "to_html",
    "workflow_graph",
]

#: Fill colours of Celery's task states, shared by the DOT and HTML exports.
STATE_COLOURS = {
    "PENDING": "#e0e0e0",
    "SENT": "#c6dbef",
    "RECEIVED": "#9ecae1",
    "STARTED": "#fdd835",
    "PROGRESS": "#ffb74d",
    "RETRY": "#ce93d8",
    "SUCCESS": "#81c784",
    "FAILURE": "#e57373",
    "REVOKED": "#90a4ae",
}


def state_colour(state: str) -> str:
    """A state's fill colour; a state of a task's own (``update_state(state="CRUNCHING")``)
    has PROGRESS's, as it ranks (tracking.own_progress)."""
    return STATE_COLOURS.get(state, STATE_COLOURS["PROGRESS"])


def workflow_graph(canvas: Signature | Mapping, app: Celery | None = None) -> nx.DiGraph:
    """Return the workflow graph of a canvas: one node per task that will run, keyed by task id.

    A copy of the canvas is frozen in canonical form (see :func:`~canvas_widgets.freeze`), so
    every node has the id the workers will run it under; ids the canvas already has are kept.

    Parameters
    ----------
    canvas : celery.canvas.Signature or dict
        The canvas, or its canvas dict.
    app : celery.Celery, optional
        The app to bind a canvas dict to.

    Returns
    -------
    networkx.DiGraph
        Node attributes: ``name``, ``kind`` (task, map or starmap), ``args``, ``kwargs``,
        ``immutable``, ``options``, ``path``, ``container`` and ``callback`` (``None``,
        ``"link"`` or ``"link_error"``); map and starmap nodes also have ``mapped_task``, and
        ``items``, what they map, unless their signature hides its arguments.
        Edge attribute ``kind``: ``chain``, ``chord``, ``link`` or ``link_error``.
        ``graph.graph["containers"]``: path -> ``kind`` (chain, group, chord or header),
        ``label`` (the kind, or ``chunks`` or a custom type's name for what stands for one),
        ``parent`` path and Celery ``id``, parents first.

    Examples
    --------
    >>> from celery import chord
    >>> from canvas_widgets.demo import add, tsum
    >>> g = workflow_graph(chord([add.s(1, 1), add.s(2, 2)], tsum.s()))
    >>> sorted(g.nodes[n]["name"].rsplit(".")[-1] for n in g)
    ['add', 'add', 'tsum']
    >>> sorted(kind for _, _, kind in g.edges(data="kind"))
    ['chord', 'chord']
    >>> g.graph["containers"]["chord"]["kind"], g.graph["containers"]["chord.header"]["kind"]
    ('chord', 'header')
    """
    return frozen_graph(freeze(canvas, app if _supports_chords(app) else _preview_app()))


def _supports_chords(app: Celery | None) -> bool:
    if app is None:
        return False
    try:
        app.backend.ensure_chords_allowed()
    except NotImplementedError:
        return False
    return True


@functools.cache
def _preview_app() -> Celery:
    """An app to freeze previews with when the canvas's own app has no chord-capable backend.

    Celery refuses to freeze a chain holding a chord without one; a preview sends nothing, so
    an in-memory backend does. Unregistered task names freeze fine (ids come from uuid4).
    """
    return Celery("canvas_widgets.preview", backend="cache+memory://", set_as_current=False)


def frozen_graph(sig: Signature) -> nx.DiGraph:
    """The workflow graph of an already frozen canonical canvas (see :func:`workflow_graph`).

    For a canvas that :func:`~canvas_widgets.freeze` returned: its ids are used as they are.

    Examples
    --------
    >>> from canvas_widgets import freeze
    >>> from canvas_widgets.demo import add, mul
    >>> frozen = freeze(add.s(1, 1) | mul.s(2))
    >>> list(frozen_graph(frozen)) == [step.id for step in frozen.tasks]
    True
    """
    graph = nx.DiGraph(containers={})
    _add(graph, sig, kind_of(sig), None, None)
    return graph


def _add(
    graph: nx.DiGraph, sig: Signature, path: str, container: str | None, callback: str | None
) -> tuple[list[str], list[str], list[str]]:
    """Add a node and what it contains; return the ids data enters by and leaves by, and the
    tasks an errback linked to it is called for.

    Celery links a chain's errback to every step (``_chain.prepare_steps``), a group's to every
    member, and a chord's to its body (its header too only with
    ``task_allow_error_cb_on_chord_header``, off by default); a link goes to the exits.
    """
    kind = kind_of(sig)
    if kind in ("chain", "group", "chord"):
        containers = graph.graph["containers"]
        containers[path] = {
            "kind": kind,
            # What its box says: chunks and custom types run as a group or chord of their own.
            "label": getattr(sig, "_cw_kind", kind),
            "parent": container,
            "id": sig.options.get("task_id"),
        }
    if kind == "chain":
        entries, exits, failing = [], [], []
        for i, step in enumerate(sig.tasks):
            step_entries, step_exits, step_failing = _add(
                graph, maybe_signature(step), f"{path}.tasks[{i}]", path, callback
            )
            graph.add_edges_from(((u, v) for u in exits for v in step_entries), kind="chain")
            entries = entries or step_entries
            exits = step_exits
            failing += step_failing
    elif kind == "group":
        entries, exits, failing = [], [], []
        for i, member in enumerate(sig.tasks):
            member_entries, member_exits, member_failing = _add(
                graph, maybe_signature(member), f"{path}.tasks[{i}]", path, callback
            )
            entries += member_entries
            exits += member_exits
            failing += member_failing
    elif kind == "chord":
        header_path = f"{path}.header"
        graph.graph["containers"][header_path] = {
            "kind": "header",
            "label": "header",
            "parent": path,
            "id": None,
        }
        entries, header_exits, failing = [], [], []
        for i, member in enumerate(chord_header(sig)):
            member_entries, member_exits, _ = _add(
                graph, member, f"{header_path}[{i}]", header_path, callback
            )
            entries += member_entries
            header_exits += member_exits
        exits = header_exits
        if sig.body is not None:
            body_entries, exits, failing = _add(graph, sig.body, f"{path}.body", path, callback)
            graph.add_edges_from(((u, v) for u in header_exits for v in body_entries), kind="chord")
    else:
        task_id = sig.options["task_id"]
        graph.add_node(task_id, **_task_attributes(sig, kind, path, container, callback))
        entries = exits = failing = [task_id]
    for key in ("link", "link_error"):
        sources = failing if key == "link_error" else exits
        for i, cb in enumerate(sig.options.get(key) or ()):
            cb_entries, _, _ = _add(
                graph, maybe_signature(cb), f"{path}.options.{key}[{i}]", container, key
            )
            graph.add_edges_from(((u, v) for u in sources for v in cb_entries), kind=key)
    return entries, exits, failing


def _task_attributes(
    sig: Signature, kind: str, path: str, container: str | None, callback: str | None
) -> dict[str, Any]:
    attributes = {
        "name": sig.task,
        "kind": kind,
        "args": list(sig.args),
        "kwargs": dict(sig.kwargs),
        "immutable": bool(sig.immutable),
        "options": {
            k: v for k, v in sig.options.items() if k not in RUN_OPTIONS | {"link", "link_error"}
        },
        "path": path,
        "container": container,
        "callback": callback,
    }
    if kind in ("map", "starmap"):
        inner = maybe_signature(sig.kwargs["task"])
        items = list(sig.kwargs["it"])
        attributes.update(mapped_task=inner.task, args=[], kwargs={"items": len(items)})
        if argument_reprs(attributes) == (None, None):  # nothing to hide
            attributes["items"] = items
            if items:
                first = display_repr(items[0])  # to tell one chunk from another
                attributes["first_item"] = first if len(first) <= 40 else first[:39] + "…"
    return attributes


def _as_graph(canvas_or_graph: Signature | Mapping | nx.DiGraph) -> nx.DiGraph:
    if isinstance(canvas_or_graph, nx.DiGraph):
        return canvas_or_graph
    return workflow_graph(canvas_or_graph)


def argument_reprs(attributes: Mapping[str, Any]) -> tuple[str | None, str | None]:
    """A task's ``argsrepr`` and ``kwargsrepr`` options (None where not set).

    They are Celery's way to keep sensitive arguments out of sight: a signature
    ``.set(kwargsrepr="{'card': '****'}")`` is published with that text in place of its kwargs'
    repr, which is what events, Flower and this project's details panel show. Wherever this
    project shows a task's arguments, these stand in for the values.
    """
    options = attributes.get("options") or {}
    args, kwargs = options.get("argsrepr"), options.get("kwargsrepr")
    return (None if args is None else str(args), None if kwargs is None else str(kwargs))


def node_label(attributes: Mapping[str, Any], width: int = 40) -> str:
    """A short label for a node: the task's last name part and its arguments, truncated.

    ``argsrepr`` and ``kwargsrepr`` (see :func:`argument_reprs`) replace the values they stand
    for: the positional part without its enclosing brackets, the keywords as ``**<kwargsrepr>``.

    Examples
    --------
    >>> node_label({"name": "app.charge", "kind": "task", "args": [7], "kwargs": {"card": "1234"},
    ...             "options": {"kwargsrepr": "{'card': '****'}"}})
    "charge(7, **{'card': '****'})"
    """
    label = _mapped_label(attributes) if "mapped_task" in attributes else _call_label(attributes)
    return clip(label, width)


def _mapped_label(attributes: Mapping[str, Any]) -> str:
    """A map's or starmap's label: "starmap(add) x10", and its first item when it may be shown
    ("starmap(add) x10: (0, 0), …"), which tells a chunk from the next."""
    inner = attributes["mapped_task"].rsplit(".", 1)[-1]
    count = attributes["kwargs"]["items"]
    label = f"{isolated_call(attributes['kind'], inner)} x{count}"
    if "first_item" in attributes:
        label += f": {isolate(attributes['first_item'])}{', …' if count > 1 else ''}"
    return label


def _call_label(attributes: Mapping[str, Any]) -> str:
    """A task's label: its name's last part and its arguments, as argsrepr/kwargsrepr say."""
    short = attributes["name"].rsplit(".", 1)[-1]
    args_repr, kwargs_repr = argument_reprs(attributes)
    if args_repr is None:
        parts = [display_repr(a) for a in attributes["args"]]
    else:
        parts = [text] if (text := positional(args_repr)) else []
    if kwargs_repr is None:
        parts += [f"{k}={display_repr(v)}" for k, v in attributes["kwargs"].items()]
    else:
        parts.append(f"**{kwargs_repr.strip()}")
    return isolated_call(short, ", ".join(parts))


# ----------------------------------------------------------------------------------------- DOT


def to_dot(canvas_or_graph: Signature | Mapping | nx.DiGraph) -> str:
    """Return Graphviz DOT source for a canvas or workflow graph, with a box for each container.

    Nodes with a ``state`` attribute (a run's graph) are filled with that state's colour.

    Examples
    --------
    >>> from canvas_widgets.demo import add, mul
    >>> dot = to_dot(add.s(2, 2) | mul.s(8))
    >>> dot.startswith("digraph workflow {"), "add(2, 2)" in dot, "cluster_0" in dot
    (True, True, True)
    """
    graph = _as_graph(canvas_or_graph)
    dot = pydot.Dot("workflow", graph_type="digraph", rankdir="LR", fontname="Helvetica")
    dot.set_node_defaults(shape="box", style="rounded,filled", fontname="Helvetica")
    clusters: dict[str | None, pydot.Dot | pydot.Cluster] = {None: dot}
    for i, (path, info) in enumerate(graph.graph.get("containers", {}).items()):
        # Containers are recorded parent first, so each parent's cluster already exists.
        cluster = pydot.Cluster(f"{i}", label=info["label"], style="dashed", color="#888888")
        clusters[info["parent"]].add_subgraph(cluster)
        clusters[path] = cluster
    for node, data in graph.nodes(data=True):
        state = data.get("state", "PENDING")
        label = node_label(data) + (f"\n{state}" if "state" in data else "")
        fill = state_colour(state) if "state" in data else "#ffffff"
        clusters[data["container"]].add_node(
            pydot.Node(node, label=label, fillcolor=fill, tooltip=data["name"])
        )
    for u, v, kind in graph.edges(data="kind"):
        style = {"link_error": "dashed", "link": "dotted"}.get(kind, "solid")
        dot.add_edge(pydot.Edge(u, v, style=style))
    return dot.to_string()


# ---------------------------------------------------------------------------------------- HTML

# pyvis's template always links Bootstrap from a CDN, even with cdn_resources="in_line"; the
# graph does not need it, and a standalone page must not reach out to the network.
_REMOTE_ASSETS = re.compile(r"<(?:link|script)\b[^>]*\bhttps?://[^>]*>(?:\s*</script>)?")
# ...and writes its heading twice (once inside <head>), empty when none is given.
_EMPTY_HEADINGS = re.compile(r"<center>\s*<h1></h1>\s*</center>")


def to_html(canvas_or_graph: Signature | Mapping | nx.DiGraph, path: str | Path) -> Path:
    """Write a standalone HTML page (pyvis, vis-network inlined; works offline) of the graph.

    Examples
    --------
    >>> import tempfile
    >>> from canvas_widgets.demo import add, mul
    >>> out = to_html(add.s(2, 2) | mul.s(8), Path(tempfile.mkdtemp()) / "workflow.html")
    >>> "vis-network" in out.read_text() and "add(2, 2)" in out.read_text()
    True
    """
    from pyvis.network import Network

    graph = _as_graph(canvas_or_graph)
    columns = _columns(graph)
    labels = {node: node_label(data) for node, data in graph.nodes(data=True)}
    places = _pack(graph, columns, labels)
    hierarchical = '"hierarchical": {"direction": "LR", "sortMethod": "directed"}'
    net = Network(height="100vh", width="100%", directed=True, cdn_resources="in_line")
    net.set_options(
        f'{{"layout": {{{"" if places else hierarchical}}}, "physics": {{"enabled": false}}}}'
    )
    for node, data in graph.nodes(data=True):
        state = data.get("state")
        title = "\n".join(
            [data["name"], f"id {node}", f"in {data['container'] or 'canvas'}"]
            + ([f"state {state}"] if state else [])
        )
        net.add_node(
            node,
            label=labels[node],
            title=title,  # vis-network shows a string title as text, not HTML
            level=columns[node],
            **places.get(node, {}),  # x and y
            shape="box",
            color=state_colour(state) if state else "#ffffff",
        )
    for u, v, kind in graph.edges(data="kind"):
        net.add_edge(u, v, dashes=kind in ("link", "link_error"))
    page = _EMPTY_HEADINGS.sub("", _REMOTE_ASSETS.sub("", net.generate_html()))
    # The title: "Workflow: 3 tasks", and how many in each state when they have one.
    heading = f"Workflow: {len(graph):,} task{'s' if len(graph) != 1 else ''}"
    counts = _state_counts(graph)
    page_title = heading
    if counts:
        page_title += " · " + ", ".join(f"{n:,} {state}" for state, n in counts.items())
    page = page.replace("<head>", f"<head>\n<title>{html.escape(page_title)}</title>", 1)
    page = page.replace("<body>", f"<body>\n{_legend(heading, counts)}", 1)
    path = Path(path)
    path.write_text(page, encoding="utf-8")
    return path


#: More tasks side by side than this (a group's, a chord header's) go in several columns.
_LONGEST_COLUMN = 20


def _columns(graph: nx.DiGraph) -> dict[str, int]:
    """The column of each task in :func:`to_html`'s left-to-right layout: the one after its
    predecessors' -- except that more than ``_LONGEST_COLUMN`` tasks with the same predecessors
    and successors (a group's, a chord header's) fill about as many columns as rows, in canvas
    order, and their successors come after the last. In one column, 300 of them made the page
    open at a hundredth of their size."""
    siblings: dict[tuple[frozenset, frozenset], list[str]] = {}
    for node in graph:
        key = (frozenset(graph.predecessors(node)), frozenset(graph.successors(node)))
        siblings.setdefault(key, []).append(node)
    place: dict[str, tuple[int, int]] = {}  # task -> (its column in its block, the block's)
    for members in siblings.values():
        if len(members) > _LONGEST_COLUMN:
            rows = math.ceil(math.sqrt(len(members)))
            for i, node in enumerate(members):
                place[node] = (i // rows, math.ceil(len(members) / rows))
    column: dict[str, int] = {}
    end: dict[str, int] = {}  # task -> the first column after its block (after itself, alone)
    for node in nx.topological_sort(graph):
        start = max((end[p] for p in graph.predecessors(node)), default=0)
        offset, width = place.get(node, (0, 1))
        column[node] = start + offset
        end[node] = start + width
    return column


def _pack(graph: nx.DiGraph, columns: dict[str, int], labels: dict[str, str]) -> dict[str, dict]:
    """Where each task goes (``{"x": .., "y": ..}``, pixels) in a graph of unconnected parts (a
    group's tasks, or its chains): each part by its ``columns``, its tasks down a column in
    canvas order; the parts side by side in lines, like words, about 1.6 times as long as all
    the lines are tall. Nothing for a graph in one part: vis-network's hierarchical layout places
    that, but stacks unconnected parts one under the other, whatever their columns (300
    parallel tasks made a column 30,000 px tall)."""
    parts = list(nx.weakly_connected_components(graph))
    if len(parts) < 2:
        return {}
    column_w, row_h = 7 * max(map(len, labels.values())) + 60, 50
    part_of = {node: i for i, nodes in enumerate(parts) for node in nodes}
    stacks: dict[int, dict[int, list[str]]] = {}  # part -> column -> its tasks
    for node in graph:  # canvas order: the parts by their first task, too
        stacks.setdefault(part_of[node], {}).setdefault(columns[node], []).append(node)
    sizes = []  # each part's first column, width and height
    for part in stacks.values():
        first = min(part)
        sizes.append((first, (max(part) - first + 1) * column_w, max(map(len, part.values()))))
    # Lines 1.6 times as long as they are tall, a row's height between them.
    line_w = math.sqrt(1.6 * row_h * sum(w * (h + 1) for _, w, h in sizes))
    places, x, y, line_h = {}, 0, 0, 0
    for part, (first, w, h) in zip(stacks.values(), sizes, strict=True):
        if x and x + w > line_w:
            x, y, line_h = 0, y + (line_h + 1) * row_h, 0
        for column, stack in part.items():
            top = y + (h - len(stack)) * row_h / 2  # a short column centred on the part
            for i, node in enumerate(stack):
                places[node] = {"x": x + (column - first) * column_w, "y": top + i * row_h}
        x, line_h = x + w, max(line_h, h)
    return places


def _state_counts(graph: nx.DiGraph) -> dict[str, int]:
    """How many tasks are in each state, in the order of :data:`STATE_COLOURS` (none without
    states: a canvas not run)."""
    counts = dict.fromkeys(STATE_COLOURS, 0)
    for _, state in graph.nodes(data="state"):
        if state:
            counts[state] = counts.get(state, 0) + 1
    return {state: n for state, n in counts.items() if n}


def _legend(heading: str, counts: dict[str, int]) -> str:
    """A box over the graph's top left corner: the heading, each state's colour and count, and
    how to move about (vis-network's wheel and drag)."""
    swatch = (
        '<span style="display:inline-block;width:10px;height:10px;margin:0 4px 0 10px;'
        'background:{colour};border:1px solid #999"></span>{state} {n:,}'
    )
    states = "".join(
        swatch.format(colour=state_colour(state), state=html.escape(state), n=n)
        for state, n in counts.items()
    )
    return (
        '<div data-cw-legend style="position:fixed;top:8px;left:8px;z-index:1;padding:6px 10px;'
        'background:#fffe;border:1px solid #ccc;font:13px sans-serif">'
        f"<strong>{html.escape(heading)}</strong>{states}"
        '<div style="color:#666;font-size:12px">wheel: zoom · drag: move · hover: a task</div>'
        "</div>"
    )
