/**
 * Gestures as edits, without the DOM: where a drop lands, where a keyboard insertion goes, how the
 * arrow keys move the selection and how Alt+arrows move a node. The view turns pointer and key
 * events into these calls and applies the resulting {@link Edit}s.
 */

import {
  type BuilderNode,
  childEntries,
  type DropTarget,
  type Edit,
  findNode,
  isListSlot,
  kwargSlot,
  locate,
  type Slot,
} from "./state";

/**
 * What the pointer is over when a drag ends: the root, a slot (at its end, or at `index` for the
 * gap between two members), or a node (with the near edge).
 */
export type DropHit =
  | { type: "root" }
  | { type: "slot"; parent: string; slot: Slot; index?: number }
  | { type: "node"; id: string; edge: "before" | "after" };

/** Where a drop lands, or null where nothing can be dropped (on a node in a single slot). */
export function dropTargetFor(root: BuilderNode | null, hit: DropHit): DropTarget | null {
  switch (hit.type) {
    case "root":
      return { parent: "root" };
    case "slot":
      return hit.index === undefined
        ? { parent: hit.parent, slot: hit.slot }
        : { parent: hit.parent, slot: hit.slot, index: hit.index };
    case "node": {
      const where = locate(root, hit.id);
      if (where === undefined) return null;
      if (where.slot === "root") {
        return hit.edge === "before" ? { parent: "root", index: 0 } : { parent: "root" };
      }
      if (!isListSlot(where.slot)) return null;
      return {
        parent: where.parent,
        slot: where.slot,
        index: where.index + (hit.edge === "after" ? 1 : 0),
      };
    }
  }
}

/**
 * How the members around a node are laid out, so a drop near its left / top edge means "before":
 * a chain is a row (and so is the root when a drop there makes a chain), a group and a chord
 * header are stacks. Null for a node in a single slot (nothing goes beside it).
 */
export function dropAxis(root: BuilderNode | null, id: string): "row" | "column" | null {
  const where = locate(root, id);
  if (where === undefined) return null;
  if (where.slot === "root") return "row";
  if (!isListSlot(where.slot)) return null;
  const parent = findNode(root, where.parent);
  return parent?.kind === "chain" ? "row" : "column";
}

/**
 * Where a palette item inserted from the keyboard goes, given the selection:
 * - nothing selected: on the root (the root drop rule);
 * - a chain or group: at its end; a chord: into its empty body when the header has members,
 *   else at the end of its header; a map / starmap / chunks without its task: into it; a custom
 *   node: into its first empty slot;
 * - anything else: right after the selected node, or after the nearest ancestor that sits in a
 *   list (chain, group, chord header); on the root when there is none.
 */
export function insertionTarget(root: BuilderNode | null, selected: string | null): DropTarget {
  const node = selected === null ? undefined : findNode(root, selected);
  if (node === undefined) return { parent: "root" };
  switch (node.kind) {
    case "chain":
    case "group":
      return { parent: node.id, slot: "children" };
    case "chord":
      return node.body === null && node.header.length > 0
        ? { parent: node.id, slot: "body" }
        : { parent: node.id, slot: "header" };
    case "map":
    case "starmap":
    case "chunks":
      if (node.inner === null) return { parent: node.id, slot: "inner" };
      break;
    case "custom": {
      const empty = Object.keys(node.slots).find((name) => node.slots[name] === null);
      if (empty !== undefined) return { parent: node.id, slot: kwargSlot(empty) };
      break;
    }
    default:
      break;
  }
  let id = node.id;
  while (true) {
    const where = locate(root, id);
    if (where === undefined || where.slot === "root") return { parent: "root" };
    if (isListSlot(where.slot)) {
      return { parent: where.parent, slot: where.slot, index: where.index + 1 };
    }
    id = where.parent;
  }
}

/** Every node id in document order (pre-order: a container before its members). */
export function documentOrder(root: BuilderNode | null): string[] {
  const out: string[] = [];
  const walk = (n: BuilderNode): void => {
    out.push(n.id);
    for (const e of childEntries(n)) walk(e.node);
  };
  if (root !== null) walk(root);
  return out;
}

export type Step = "previous" | "next" | "parent" | "first-child" | "first" | "last";

/**
 * The node the selection moves to: previous / next in document order, the parent, the first
 * member, the first or last node. With nothing selected, every step goes to the root. The same id
 * when there is nowhere to go; null for an empty canvas.
 */
export function stepSelection(
  root: BuilderNode | null,
  selected: string | null,
  step: Step,
): string | null {
  const order = documentOrder(root);
  if (order.length === 0) return null;
  const i = selected === null ? -1 : order.indexOf(selected);
  if (i === -1) return order[0] as string;
  switch (step) {
    case "previous":
      return order[Math.max(0, i - 1)] as string;
    case "next":
      return order[Math.min(order.length - 1, i + 1)] as string;
    case "first":
      return order[0] as string;
    case "last":
      return order[order.length - 1] as string;
    case "parent": {
      const where = locate(root, selected as string);
      return where === undefined || where.slot === "root" ? (selected as string) : where.parent;
    }
    case "first-child": {
      const node = findNode(root, selected as string) as BuilderNode;
      return childEntries(node)[0]?.node.id ?? node.id;
    }
  }
}

/**
 * The edit that moves a node one place earlier (-1) or later (+1) in its list, or null at either
 * end of it or when it is not in a list.
 */
export function moveByOne(root: BuilderNode | null, id: string, delta: -1 | 1): Edit | null {
  const where = locate(root, id);
  if (where === undefined || where.slot === "root" || !isListSlot(where.slot)) return null;
  const parent = findNode(root, where.parent) as BuilderNode;
  const length = childEntries(parent).filter((e) => e.slot === where.slot).length;
  const to = where.index + delta;
  if (to < 0 || to >= length) return null;
  // Indices count positions before the move: one later is two places on.
  const index = delta < 0 ? to : to + 1;
  return { type: "move", id, target: { parent: where.parent, slot: where.slot, index } };
}
