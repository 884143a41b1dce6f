/**
 * The canvas: the tree drawn as nested blocks that read like Celery. A chain is a row of steps
 * with arrows, a group a stack of parallel members, a chord its header stack, an arrow, then its
 * body; map / starmap / chunks hold their task; a custom node (a type registered with Celery, such
 * as `weave`) one labelled place per slot. Layout is the browser's (flexbox): automatic, never
 * placed by hand.
 *
 * DOM contract (tests outside this repo rely on it): every block has `data-cw-node-id` (stable
 * while the node exists) and `data-cw-node-kind` (task | chain | group | chord | map | starmap |
 * chunks | custom; a custom node also has `data-cw-node-type`, its type's name); every place a
 * dragged item can be dropped has `data-cw-drop`: "root" for the canvas, else the slot's name
 * (children | header | body | inner, or `kwargs.<name>` for a custom node's slot, e.g.
 * `kwargs.join`) with `data-cw-parent` naming the container; gaps between members carry
 * `data-cw-drop` too, with `data-cw-index`. An empty single slot has `data-cw-empty`, and an
 * optional one `data-cw-optional` too.
 */

import { clip, h } from "../shared/dom";
import { callArgsText, HIDDEN_OPTION, itemsText } from "./hidden";
import { formatArgs, formatKwargs, formatLiteral } from "./literal";
import type { CustomType } from "./model";
import { type Problem, worstSeverity } from "./paths";
import { type BuilderNode, type CustomNode, kwargSlot, type Slot, type TaskNode } from "./state";

const MAX_CALL_CHARS = 48;
const MAX_META_CHARS = 60;

/** The last dotted part of a task name: `add` for `proj.tasks.add`. */
export function shortName(task: string): string {
  return task.slice(task.lastIndexOf(".") + 1) || task;
}

/** `add.s(2, 2)` / `add.si(2, y=3)`: the signature as Celery code. */
export function callText(node: TaskNode, full = false): string {
  const name = full ? node.task : shortName(node.task);
  return `${name}.${node.immutable ? "si" : "s"}(${callArgsText(node)})`;
}

function optionsText(options: Record<string, unknown>): string {
  return Object.entries(options)
    .filter(([key]) => key !== "link" && key !== "link_error" && key !== HIDDEN_OPTION)
    .map(([key, value]) => `${key}=${formatLiteral(value)}`)
    .join(" · ");
}

function callbackText(value: unknown): string {
  const list = Array.isArray(value) ? value : [value];
  return list
    .map((cb) => {
      const d = cb as Partial<TaskNode> & { task?: string };
      return `${shortName(String(d.task ?? "?"))}.${d.immutable ? "si" : "s"}(${callArgsText(d)})`;
    })
    .join(", ");
}

const SLOT_HINT: Record<string, string> = {
  chain: "drop steps here",
  group: "drop parallel tasks here",
  header: "drop header tasks here",
  body: "drop the body here",
  inner: "drop a task here",
};

/** Draws the tree and keeps, per node id, the element that stands for it. */
export class TreeView {
  readonly elements = new Map<string, HTMLElement>();
  private heads = new Map<string, HTMLElement>();
  private customTypes = new Map<string, CustomType>();

  constructor(readonly root: HTMLElement) {}

  /** Draw the tree anew (a null tree shows how to begin). */
  render(
    tree: BuilderNode | null,
    unwritableId: string | null,
    customTypes: readonly CustomType[],
  ): void {
    this.customTypes = new Map(customTypes.map((t) => [t.type, t]));
    this.elements.clear();
    this.heads.clear();
    // A tree needs its items: an empty canvas is a group (still the tab stop, named Canvas).
    this.root.setAttribute("role", tree === null ? "group" : "tree");
    if (tree === null) this.root.removeAttribute("aria-multiselectable");
    else this.root.setAttribute("aria-multiselectable", "true");
    if (tree === null) {
      this.root.replaceChildren(
        h(
          "div",
          { className: "cw-start" },
          h("div", { className: "cw-start-title" }, "Drag a task here to start"),
          h(
            "div",
            { className: "cw-start-hint" },
            "Drop a second task after it to make a chain. Or pick one in the palette and press Enter.",
          ),
        ),
      );
      return;
    }
    const el = this.node(tree);
    if (unwritableId !== null) this.elements.get(unwritableId)?.setAttribute("data-cw-unsent", "");
    this.root.replaceChildren(el);
  }

  /** Mark nodes with their problems (worst severity, messages as the badge's tooltip). */
  decorate(byNode: Map<string, Problem[]>): void {
    for (const [id, el] of this.elements) {
      const problems = byNode.get(id);
      const severity = worstSeverity(problems);
      const head = this.heads.get(id);
      head?.querySelector(":scope > .cw-badge")?.remove();
      if (severity === null || problems === undefined) {
        el.removeAttribute("data-cw-problem");
        continue;
      }
      el.setAttribute("data-cw-problem", severity);
      const text = problems.map((p) => `${p.severity}: ${p.message}`).join("\n");
      head?.append(
        h(
          "span",
          // An image named by the problems: `aria-label` on a span without a role is ignored.
          {
            className: `cw-badge cw-badge-${severity}`,
            title: text,
            role: "img",
            "aria-label": text,
          },
          severity === "error" ? "!" : severity === "warning" ? "!" : "i",
        ),
      );
    }
  }

  /** Show the selection: `aria-selected`, and the primary node as the one tab stop. */
  select(ids: readonly string[], primary: string | null): void {
    const chosen = new Set(ids);
    for (const [id, el] of this.elements) {
      el.setAttribute("aria-selected", chosen.has(id) ? "true" : "false");
      el.tabIndex = id === primary ? 0 : -1;
    }
    this.root.tabIndex = primary === null ? 0 : -1;
  }

  private node(node: BuilderNode): HTMLElement {
    const el = h("div", {
      className: `cw-node cw-${node.kind}`,
      "data-cw-node-id": node.id,
      "data-cw-node-kind": node.kind,
      "data-cw-node-type": node.kind === "custom" ? node.type : undefined,
      role: "treeitem",
      "aria-selected": "false",
      tabindex: "-1",
    });
    this.elements.set(node.id, el);
    if (node.kind === "task") {
      this.task(node, el);
      return el;
    }
    const doc = node.kind === "custom" ? this.customTypes.get(node.type)?.doc : undefined;
    const head = h(
      "div",
      { className: "cw-node-head" },
      node.kind === "custom"
        ? h("span", { className: "cw-kind", title: doc || undefined }, node.type)
        : h("span", { className: "cw-kind" }, node.kind),
    );
    this.heads.set(node.id, head);
    el.append(head);
    switch (node.kind) {
      case "chain":
        head.append(count(node.children.length, "step"));
        el.append(this.list(node, "children", node.children, "chain"));
        break;
      case "group":
        head.append(count(node.children.length, "task"));
        el.append(this.list(node, "children", node.children, "group"));
        break;
      case "chord":
        head.append(count(node.header.length, "header task"));
        el.append(
          h(
            "div",
            { className: "cw-chord-parts" },
            h(
              "div",
              { className: "cw-part cw-part-header" },
              h("div", { className: "cw-part-label" }, "header"),
              this.list(node, "header", node.header, "header"),
            ),
            h("div", { className: "cw-arrow cw-chord-arrow", "aria-hidden": "true" }, "→"),
            h(
              "div",
              { className: "cw-part cw-part-body" },
              h("div", { className: "cw-part-label" }, "body"),
              this.single(node, "body", node.body),
            ),
          ),
        );
        break;
      case "custom":
        this.custom(node, head, el);
        break;
      default: {
        // Hidden items (argsrepr / kwargsrepr) are their repr text: the browser has none.
        const { meta, items, hidden } = itemsText(node);
        head.append(h("span", { className: "cw-meta" }, meta));
        el.append(this.single(node, "inner", node.inner));
        el.append(
          h(
            "div",
            {
              className: hidden ? "cw-items cw-items-hidden" : "cw-items",
              title: clip(items, 2000),
              ...(hidden ? { "data-cw-hidden": "it" } : {}),
            },
            clip(items, MAX_META_CHARS),
          ),
        );
      }
    }
    this.extras(node, el);
    return el;
  }

  private task(node: TaskNode, el: HTMLElement): void {
    el.title = `${callText(node, true)}${node.immutable ? "\nimmutable: ignores the result it is given" : ""}`;
    const call = callText(node);
    const open = call.indexOf(".");
    const head = h(
      "div",
      { className: "cw-task-head" },
      h("span", { className: "cw-task-name" }, call.slice(0, open)),
      h("span", { className: "cw-task-call" }, clip(call.slice(open), MAX_CALL_CHARS)),
    );
    this.heads.set(node.id, head);
    el.append(head);
    this.extras(node, el);
  }

  /** Its plain args and kwargs in the head, then one labelled place per slot. */
  private custom(node: CustomNode, head: HTMLElement, el: HTMLElement): void {
    const call = [formatArgs(node.args), formatKwargs(node.kwargs)].filter((s) => s !== "");
    if (call.length > 0) {
      const text = call.join(", ");
      head.append(h("span", { className: "cw-meta", title: text }, clip(text, MAX_META_CHARS)));
    }
    const required = new Map(
      (this.customTypes.get(node.type)?.slots ?? []).map((s) => [s.name, s.required]),
    );
    const parts = h("div", { className: "cw-custom-parts" });
    for (const [name, child] of Object.entries(node.slots)) {
      const optional = required.get(name) !== true;
      const slot = this.single(
        node,
        kwargSlot(name),
        child,
        optional ? "optional: drop a signature here" : "drop a signature here",
      );
      if (optional) slot.setAttribute("data-cw-optional", "");
      parts.append(
        h(
          "div",
          { className: "cw-part cw-part-slot" },
          h("div", { className: "cw-part-label" }, name),
          slot,
        ),
      );
    }
    el.append(parts);
  }

  /** Options and callbacks, under the block's contents. */
  private extras(node: BuilderNode, el: HTMLElement): void {
    const options = optionsText(node.options);
    if (options !== "") {
      el.append(
        h("div", { className: "cw-options", title: options }, clip(options, MAX_META_CHARS)),
      );
    }
    for (const [key, label] of [
      ["link", "then"],
      ["link_error", "on error"],
    ] as const) {
      const value = node.options[key];
      if (value === undefined || value === null || (Array.isArray(value) && value.length === 0)) {
        continue;
      }
      const text = callbackText(value);
      el.append(
        h(
          "div",
          { className: `cw-callback cw-callback-${key}`, title: `${key}: ${text}` },
          h("span", { className: "cw-callback-label" }, `${label} →`),
          ` ${clip(text, MAX_META_CHARS)}`,
        ),
      );
    }
  }

  private slotEl(parent: BuilderNode, slot: Slot, extraClass: string): HTMLElement {
    return h("div", {
      className: `cw-slot cw-slot-${slot} ${extraClass}`,
      "data-cw-drop": slot,
      "data-cw-slot": slot,
      "data-cw-parent": parent.id,
      role: "group",
    });
  }

  private list(
    parent: BuilderNode,
    slot: Slot,
    nodes: BuilderNode[],
    hintKey: string,
  ): HTMLElement {
    const el = this.slotEl(parent, slot, parent.kind === "chain" ? "cw-row" : "cw-stack");
    if (nodes.length === 0) {
      el.append(h("div", { className: "cw-placeholder" }, SLOT_HINT[hintKey] ?? "drop here"));
      return el;
    }
    nodes.forEach((node, i) => {
      if (i > 0 && parent.kind === "chain") {
        // The arrow between two steps is a drop place too: a drop there goes between them.
        el.append(
          h(
            "div",
            {
              className: "cw-arrow cw-gap",
              "aria-hidden": "true",
              "data-cw-drop": slot,
              "data-cw-parent": parent.id,
              "data-cw-index": String(i),
            },
            "→",
          ),
        );
      }
      el.append(this.node(node));
    });
    return el;
  }

  private single(
    parent: BuilderNode,
    slot: Slot,
    node: BuilderNode | null,
    hint = SLOT_HINT[slot] ?? "drop here",
  ): HTMLElement {
    const el = this.slotEl(parent, slot, "cw-single");
    if (node === null) {
      el.setAttribute("data-cw-empty", "");
      el.append(h("div", { className: "cw-placeholder" }, hint));
    } else {
      el.append(this.node(node));
    }
    return el;
  }
}

function count(n: number, what: string): HTMLElement {
  return h("span", { className: "cw-meta" }, `${n} ${what}${n === 1 ? "" : "s"}`);
}
