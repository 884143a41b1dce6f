"""The workflow graph (nodes = task invocations, edges = data flow, containers) and its exports."""

import json
import re

import networkx as nx
import pydot
from celery import chain, chord, group, signature
from celery.canvas import _chain

import canvas_widgets as cw
from canvas_widgets.demo import add, fail, mul, on_error, tsum
from canvas_widgets.graph import node_label


def short(graph, node):
    return graph.nodes[node]["name"].rsplit(".", 1)[-1]


def test_chain_edges_follow_the_steps():
    graph = cw.workflow_graph(add.s(1, 1) | mul.s(2) | mul.s(3))
    order = list(nx.topological_sort(graph))
    assert [graph.nodes[n]["path"] for n in order] == [f"chain.tasks[{i}]" for i in range(3)]
    assert all(kind == "chain" for *_, kind in graph.edges(data="kind"))


def test_group_fans_out_and_chord_header_feeds_the_body():
    graph = cw.workflow_graph(add.s(1, 1) | group(add.s(1), add.s(2)) | tsum.s())
    first = next(n for n in graph if graph.nodes[n]["path"] == "chain.tasks[0]")
    body = next(n for n in graph if short(graph, n) == "tsum")
    members = list(graph.successors(first))
    assert len(members) == 2
    assert all(list(graph.successors(m)) == [body] for m in members)
    assert {graph.edges[m, body]["kind"] for m in members} == {"chord"}
    containers = graph.graph["containers"]
    assert containers["chain.tasks[1]"]["kind"] == "chord"  # group | task became a chord
    assert containers["chain.tasks[1].header"] == {
        "kind": "header",
        "label": "header",
        "parent": "chain.tasks[1]",
        "id": None,
    }
    assert graph.nodes[body]["container"] == "chain.tasks[1]"
    assert containers["chain.tasks[1]"]["id"]  # the chord's id (its header group's id)


def test_callbacks_are_nodes_with_their_own_edges():
    graph = cw.workflow_graph(add.s(1, 1).set(link=mul.s(2), link_error=fail.si()))
    kinds = sorted(kind for *_, kind in graph.edges(data="kind"))
    assert kinds == ["link", "link_error"]
    assert sorted(graph.nodes[n]["callback"] or "-" for n in graph) == ["-", "link", "link_error"]


def test_an_errback_of_a_chain_is_linked_to_every_step_and_a_link_to_the_last():
    # Celery gives a chain's errback to each step (a chord step: its body), a link to the last.
    canvas = chain(add.si(1, 1), chord([add.si(2, 2), add.si(3, 3)], tsum.s()), mul.s(2))
    canvas.set(link=mul.s(3), link_error=on_error.s())
    graph = cw.workflow_graph(canvas)
    by = {graph.nodes[n]["path"]: n for n in graph}
    errback, link = by["chain.options.link_error[0]"], by["chain.options.link[0]"]
    # (The chord then mul.s(2) is a chord whose body is tsum then mul, as in Celery.)
    failing = {graph.nodes[u]["path"] for u, _ in graph.in_edges(errback)}
    body = "chain.tasks[1].body"
    assert failing == {"chain.tasks[0]", f"{body}.tasks[0]", f"{body}.tasks[1]"}
    assert {graph.nodes[u]["path"] for u, _ in graph.in_edges(link)} == {f"{body}.tasks[1]"}


def test_chunks_are_one_node_per_chunk_in_a_chunks_box():
    graph = cw.workflow_graph(add.chunks([(i, i) for i in range(5)], 2))
    assert [graph.nodes[n]["kind"] for n in graph] == ["starmap"] * 3
    assert graph.graph["containers"]["group"]["kind"] == "group"
    assert graph.graph["containers"]["group"]["label"] == "chunks"
    assert {graph.nodes[n]["mapped_task"] for n in graph} == {"canvas_widgets.demo.add"}
    # Each chunk's label says where it starts: they would all read "starmap(add) x2".
    labels = [node_label(graph.nodes[n]) for n in graph]
    assert labels == [
        "starmap(add) x2: [0, 0], …",
        "starmap(add) x2: [2, 2], …",
        "starmap(add) x1: [4, 4]",
    ]
    # Hidden arguments stay hidden: a map published with argsrepr shows no item.
    hidden = cw.workflow_graph(add.map([1, 2]).set(argsrepr="(…)"))
    assert [node_label(hidden.nodes[n]) for n in hidden] == ["map(add) x2"]
    shown = cw.workflow_graph(add.map([1, 2]))
    assert [node_label(shown.nodes[n]) for n in shown] == ["map(add) x2: 1, …"]


def test_graph_is_json_ready_for_a_view():
    graph = cw.workflow_graph(chord([add.s(1, 1), add.s(2, 2)], tsum.s()).set(countdown=1))
    data = json.loads(json.dumps(nx.node_link_data(graph, edges="edges")))
    assert len(data["nodes"]) == 3 and len(data["edges"]) == 2
    assert "chord" in data["graph"]["containers"]


def test_unregistered_tasks_and_loaded_chains_still_graph():
    d = cw.to_dict(_chain([signature("elsewhere.step"), group(add.s(1), add.s(2)), tsum.s()]))
    graph = cw.workflow_graph(d)
    assert graph.number_of_nodes() == 4 and graph.number_of_edges() == 4


def test_dot_has_a_cluster_per_container_and_parses_back():
    canvas = add.s(1, 1) | group(add.s(1), add.s(2)) | tsum.s()
    dot = cw.to_dot(canvas)
    [parsed] = pydot.graph_from_dot_data(dot)
    assert len(re.findall(r"subgraph cluster_", dot)) == 3  # chain, chord, header
    assert parsed.get_name() == "workflow"


def test_dot_escapes_strings_and_colours_states():
    graph = cw.workflow_graph(add.s('say "hi" <b>', 1))
    nx.set_node_attributes(graph, "FAILURE", "state")
    dot = cw.to_dot(graph)
    [parsed] = pydot.graph_from_dot_data(dot)
    assert "#e57373" in dot
    assert len(parsed.get_subgraph_list()) == 0


def _page_nodes(page) -> list[dict]:
    """The nodes a to_html page hands vis-network, in canvas order."""
    return json.loads(re.search(r"nodes = new vis\.DataSet\((\[.*?\])\);", page.read_text())[1])


def _page_options(page) -> dict:
    """The options a to_html page hands vis-network."""
    return json.loads(re.search(r"var options = (\{.*\});", page.read_text())[1])


def test_html_spreads_300_parallel_tasks_over_columns(tmp_path):
    # In one column they opened at a hundredth of their size: a blank page.
    header = [add.s(i) for i in range(300)]
    page = cw.to_html(chord(header, tsum.s()), tmp_path / "chord.html")
    nodes = _page_nodes(page)
    *tasks, body = nodes
    columns = [n["level"] for n in tasks]
    assert columns == sorted(columns)  # in canvas order, column by column
    assert max(columns.count(c) for c in set(columns)) == 18  # about as many rows as columns
    assert len(set(columns)) == 17
    assert body["level"] == max(columns) + 1
    assert (
        "hierarchical" in _page_options(page)["layout"]
    )  # one connected graph: vis-network lays it out

    # Unconnected (a group alone): vis-network would stack them whatever their columns, so they
    # are placed, in lines of parts about 1.6 times as long as all are tall.
    page = cw.to_html(group(add.si(i, i) for i in range(300)), tmp_path / "group.html")
    places = [(n["x"], n["y"]) for n in _page_nodes(page)]
    assert len(set(places)) == 300
    assert places == sorted(places, key=lambda p: (p[1], p[0]))  # line by line, in canvas order
    xs, ys = {x for x, _ in places}, {y for _, y in places}
    assert 1 < (max(xs) - min(xs)) / (max(ys) - min(ys)) < 2.5
    assert _page_options(page) == {"layout": {}, "physics": {"enabled": False}}


def test_html_places_unconnected_chains_as_wholes(tmp_path):
    canvas = group(add.si(i, i) | mul.s(2) | mul.s(3) for i in range(40))
    nodes = _page_nodes(cw.to_html(canvas, tmp_path / "chains.html"))
    for first, second, third in zip(nodes[::3], nodes[1::3], nodes[2::3], strict=True):
        assert first["y"] == second["y"] == third["y"]  # each chain on a line of its own
        assert first["x"] < second["x"] < third["x"]


def test_html_is_standalone(tmp_path):
    out = cw.to_html(chord([add.s(1, 1), add.s(2, 2)], tsum.s()), tmp_path / "w.html")
    html = out.read_text()
    assert "new vis.Network" in html
    assert not re.search(r"<script[^>]+src=\"http", html), "must work offline"
    assert "tsum(" in html
    assert "<title>Workflow: 3 tasks</title>" in html
    assert "<h1>" not in html  # pyvis's empty headings are gone


def test_right_to_left_names_and_arguments_are_isolated_in_labels():
    fsi, lri, pdi = "\u2068", "\u2066", "\u2069"
    greet = {"name": "app.تحية", "kind": "task", "args": ["عالم"], "kwargs": {}, "options": {}}
    # Drawn in that order whatever the text's direction: the name, then its arguments, which
    # are Python's syntax, left to right (a keyword after the right-to-left value it follows).
    assert node_label(greet) == f"{fsi}تحية{pdi}({lri}'عالم'{pdi})"
    assert node_label({**greet, "name": "app.greet"}) == f"{fsi}greet{pdi}({lri}'عالم'{pdi})"
    hebrew = {**greet, "name": "app.שלום", "args": ["עולם"], "kwargs": {"times": 2}}
    assert node_label(hebrew) == f"{fsi}שלום{pdi}({lri}'עולם', times=2{pdi})"
    # Cut by what is seen, with the isolate left open closed after the ellipsis.
    long = node_label({**greet, "args": ["عالم" * 20]}, width=12)
    assert long == f"{fsi}تحية{pdi}({lri}'عالمع…{pdi}"
    assert len(long.replace(fsi, "").replace(lri, "").replace(pdi, "")) == 12
    mapped = {
        "name": "app.تحية",
        "kind": "map",
        "mapped_task": "app.تحية",
        "options": {},
        "args": [],
        "kwargs": {"items": 2},
        "first_item": "'عالم'",
    }
    assert node_label(mapped) == f"{fsi}map{pdi}({lri}تحية{pdi}) x2: {fsi}'عالم'{pdi}, …"
    # Left-to-right labels are as they were.
    assert node_label({**greet, "name": "app.add", "args": [2, 2]}) == "add(2, 2)"


def test_emoji_joined_with_zwj_are_shown_as_emoji_but_bidi_controls_stay_escaped():
    from canvas_widgets.run import _event_fields, task_arguments

    coder = "👩\u200d💻"
    node = {
        "name": "app.greet",
        "kind": "task",
        "args": [coder],
        "kwargs": {"who": "a\u202eb"},
        "options": {},
    }
    assert node_label(node, width=80) == "greet('👩\u200d💻', who='a\\u202eb')"
    assert task_arguments(node)["args"] == "('👩\u200d💻',)"
    # Celery's argsrepr in an event holds the escape: undone, but not a backslash typed as such.
    event = {
        "type": "task-received",
        "args": r"('👩\u200d💻', '\\u200d', '\u202e')",
        "kwargs": "{}",
    }
    assert _event_fields(event)["args"] == "('👩\u200d💻', '\\\\u200d', '\\u202e')"


def test_chunks_hiding_its_items_shows_its_repr_never_the_items():
    from canvas_widgets.run import task_arguments

    secret = "4111-SECRET-9999"
    hidden = add.chunks([(secret, 1), (2, 2)], 1).set(argsrepr="[('***', 1)]")
    graph = cw.workflow_graph(hidden)
    assert secret not in json.dumps(nx.node_link_data(graph, edges="edges"), default=str)
    assert [node_label(graph.nodes[n]) for n in graph] == ["starmap(add) x1"] * 2
    for n in graph:
        assert graph.nodes[n]["options"]["argsrepr"] == "[('***', 1)]"
        assert "items" not in graph.nodes[n]
        assert task_arguments(graph.nodes[n])["args"] == "[('***', 1)]"
    # The result graph's state (its labels), and the DOT export.
    state = cw.ResultGraph.preview(hidden).get_state()
    assert secret not in json.dumps(state, default=str)
    assert [n["label"] for n in state["graph"]["nodes"]] == ["starmap(add) x1"] * 2
    assert secret not in cw.to_dot(hidden)
