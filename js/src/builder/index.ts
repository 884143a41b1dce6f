/**
 * The canvas builder widget (anywidget ES module).
 *
 * For now it shows the canvas tree read-only: chain = a row, group = a stack, chord = header stack
 * then body; map / starmap / chunks = their task and iterable. The drag-and-drop editing, palette and
 * inspector come on top of ./state.ts (edits, undo/redo), which already holds the tree logic.
 *
 * DOM contract (what tests and later features rely on): every block carries `data-cw-node-id` and
 * `data-cw-node-kind` (task | chain | group | chord | map | starmap | chunks); every slot of a
 * container carries `data-cw-slot` (children | header | body | inner) and `data-cw-parent`; the
 * canvas element carries `data-cw-drop="root"`.
 */

import type { RenderProps } from "@anywidget/types";
import type { CanvasDict } from "../shared/canvas";
import { clip, h, injectStyles } from "../shared/dom";
import { type BuilderNode, fromCanvasDict, type Slot, type TaskNode } from "./state";
import css from "./styles.css";

/** The synced traits of the Python widget (canvas_widgets' builder widget class). */
export interface BuilderModel {
  /** Celery's canvas dict of the workflow, or null for an empty canvas. */
  canvas: CanvasDict | null;
}

const MAX_ARGS_CHARS = 60;

function formatValue(value: unknown): string {
  const text = JSON.stringify(value);
  return text === undefined ? String(value) : text;
}

/** `add(1, 2, y=3)`: the call a task signature stands for. */
function callText(node: TaskNode): string {
  const parts = node.args.map(formatValue);
  for (const [key, value] of Object.entries(node.kwargs))
    parts.push(`${key}=${formatValue(value)}`);
  return `(${parts.join(", ")})`;
}

function shortName(task: string): string {
  return task.slice(task.lastIndexOf(".") + 1) || task;
}

function arrow(): HTMLElement {
  return h("div", { className: "cw-arrow", "aria-hidden": "true" }, "→");
}

function slotEl(
  parent: BuilderNode,
  slot: Slot,
  nodes: BuilderNode[],
  emptyText: string,
  arrows = false,
) {
  const el = h("div", {
    className: `cw-slot cw-slot-${slot}`,
    "data-cw-slot": slot,
    "data-cw-parent": parent.id,
  });
  if (nodes.length === 0) el.append(h("div", { className: "cw-empty" }, emptyText));
  nodes.forEach((node, i) => {
    if (arrows && i > 0) el.append(arrow());
    el.append(renderNode(node));
  });
  return el;
}

function blockEl(node: BuilderNode, label: string, ...children: (HTMLElement | null)[]) {
  return h(
    "div",
    {
      className: `cw-node cw-${node.kind}`,
      "data-cw-node-id": node.id,
      "data-cw-node-kind": node.kind,
      "data-cw-immutable": node.immutable ? "true" : undefined,
    },
    h("div", { className: "cw-label" }, label),
    ...children,
  );
}

function renderNode(node: BuilderNode): HTMLElement {
  switch (node.kind) {
    case "task": {
      const call = callText(node);
      return h(
        "div",
        {
          className: "cw-node cw-task",
          "data-cw-node-id": node.id,
          "data-cw-node-kind": "task",
          "data-cw-immutable": node.immutable ? "true" : undefined,
          title: `${node.task}${call}${node.immutable ? " (immutable)" : ""}`,
        },
        h("span", { className: "cw-task-name" }, shortName(node.task)),
        h("span", { className: "cw-task-call" }, clip(call, MAX_ARGS_CHARS)),
      );
    }
    case "chain":
      return blockEl(node, "chain", slotEl(node, "children", node.children, "empty chain", true));
    case "group":
      return blockEl(node, "group", slotEl(node, "children", node.children, "empty group"));
    case "chord":
      return blockEl(
        node,
        "chord",
        h(
          "div",
          { className: "cw-chord-parts" },
          slotEl(node, "header", node.header, "empty header"),
          arrow(),
          slotEl(node, "body", node.body === null ? [] : [node.body], "no body"),
        ),
      );
    default: {
      const items = `${node.it.length} item${node.it.length === 1 ? "" : "s"}`;
      const label =
        node.kind === "chunks" ? `chunks of ${node.n} over ${items}` : `${node.kind} over ${items}`;
      const inner = slotEl(node, "inner", node.inner === null ? [] : [node.inner], "no task");
      const block = blockEl(node, label, inner);
      block.title = clip(formatValue(node.it), 500);
      return block;
    }
  }
}

function renderCanvas(canvas: CanvasDict | null, into: HTMLElement): void {
  let content: HTMLElement;
  try {
    const { root } = fromCanvasDict(canvas);
    content =
      root === null ? h("div", { className: "cw-empty" }, "Empty canvas") : renderNode(root);
  } catch (e) {
    content = h("div", { className: "cw-error", role: "alert" }, `Cannot show this canvas: ${e}`);
  }
  into.replaceChildren(content);
}

export default {
  render({ model, el }: RenderProps<BuilderModel>) {
    injectStyles(el, "builder", css);
    const canvasEl = h("div", { className: "cw-canvas", "data-cw-drop": "root" });
    el.replaceChildren(h("div", { className: "cw-widget cw-builder" }, canvasEl));
    const update = () => renderCanvas(model.get("canvas") ?? null, canvasEl);
    update();
    model.on("change:canvas", update);
    return () => model.off("change:canvas", update);
  },
};
