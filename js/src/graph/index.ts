/**
 * The result graph widget (anywidget ES module).
 *
 * A beginning: the run's task invocations as a list, each with its state. The graph drawing and the
 * batched state deltas come next; the DOM contract below stays.
 *
 * DOM contract: one element per task with `data-cw-task-id` (the Celery task id) and
 * `data-cw-state` (PENDING, STARTED, SUCCESS, ...).
 */

import type { RenderProps } from "@anywidget/types";
import { h, injectStyles } from "../shared/dom";
import css from "./styles.css";

/** One task invocation, as networkx's node_link_data writes a node. */
export interface GraphNode {
  id: string;
  name: string;
  state: string;
  [attribute: string]: unknown;
}

/** networkx's node_link_data: `edges` (networkx >= 3.4) or `links` (older). */
export interface GraphData {
  nodes: GraphNode[];
  edges?: { source: string; target: string }[];
  links?: { source: string; target: string }[];
}

/** The synced traits of the Python widget (canvas_widgets' result graph widget class). */
export interface GraphModel {
  /** The run's workflow graph, or null before a run. */
  graph: GraphData | null;
}

function renderGraph(graph: GraphData | null, into: HTMLElement): void {
  const nodes = graph?.nodes ?? [];
  if (nodes.length === 0) {
    into.replaceChildren(h("div", { className: "cw-empty" }, "No tasks yet"));
    return;
  }
  const edgeCount = (graph?.edges ?? graph?.links ?? []).length;
  const list = h("ul", { className: "cw-task-list" });
  for (const node of nodes) {
    const state = String(node.state ?? "PENDING");
    list.append(
      h(
        "li",
        {
          className: "cw-graph-task",
          "data-cw-task-id": String(node.id),
          "data-cw-state": state,
          title: String(node.id),
        },
        h("span", { className: "cw-task-name" }, String(node.name ?? node.id)),
        h("span", { className: "cw-state" }, state),
      ),
    );
  }
  const summary = `${nodes.length} task${nodes.length === 1 ? "" : "s"}, ${edgeCount} edge${
    edgeCount === 1 ? "" : "s"
  }`;
  into.replaceChildren(h("div", { className: "cw-summary" }, summary), list);
}

export default {
  render({ model, el }: RenderProps<GraphModel>) {
    injectStyles(el, "graph", css);
    const body = h("div", { className: "cw-widget cw-graph" });
    el.replaceChildren(body);
    const update = () => renderGraph(model.get("graph") ?? null, body);
    update();
    model.on("change:graph", update);
    return () => model.off("change:graph", update);
  },
};
