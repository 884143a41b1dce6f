/**
 * The pure half of the two-way sync between the view's tree and the `canvas_dict` trait: deep
 * equality of JSON values (to tell an echo from a real change), keeping node ids across a reload
 * of the same shape (so selection survives), and what cannot be written yet.
 */

import type { CanvasDict } from "../shared/canvas";
import { nodePaths, rootPath } from "./paths";
import { type BuilderNode, type BuilderState, childEntries, type TaskNode } from "./state";

/** Equality of JSON values; object key order does not matter. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((v, i) => deepEqual(v, b[i]));
  }
  const ka = Object.keys(a as object);
  const kb = Object.keys(b as object);
  if (ka.length !== kb.length) return false;
  const ob = b as Record<string, unknown>;
  return ka.every((k) => Object.hasOwn(ob, k) && deepEqual((a as never)[k], ob[k]));
}

/**
 * `fresh` with the ids of `old` wherever a node of the same kind sits at the same path, so that
 * reloading a canvas of the same shape (an edit from Python, say) keeps ids and selection. The
 * other nodes keep their fresh ids, which must come from a counter past every id of `old` (as
 * `fromCanvasDict(d, history.present.nextId)` gives).
 */
export function reconcileIds(old: BuilderNode | null, fresh: BuilderState): BuilderState {
  if (old === null || fresh.root === null) return fresh;
  const oldByPath = new Map<string, BuilderNode>();
  const oldPaths = nodePaths(old);
  const index = new Map<string, BuilderNode>();
  const collect = (n: BuilderNode): void => {
    index.set(n.id, n);
    for (const child of children(n)) collect(child);
  };
  collect(old);
  for (const [id, path] of oldPaths) oldByPath.set(path, index.get(id) as BuilderNode);

  const rename = (node: BuilderNode, path: string): BuilderNode => {
    const match = oldByPath.get(path);
    const id = match !== undefined && sameKind(match, node) ? match.id : node.id;
    switch (node.kind) {
      case "task":
        return { ...node, id };
      case "chain":
      case "group":
        return {
          ...node,
          id,
          children: node.children.map((c, i) => rename(c, `${path}.tasks[${i}]`)),
        };
      case "chord":
        return {
          ...node,
          id,
          header: node.header.map((c, i) => rename(c, `${path}.header[${i}]`)),
          body: node.body === null ? null : rename(node.body, `${path}.body`),
        };
      case "custom": {
        const slots = Object.entries(node.slots).map(([name, child]) => [
          name,
          child === null ? null : rename(child, `${path}.${name}`),
        ]);
        return { ...node, id, slots: Object.fromEntries(slots) };
      }
      default:
        return {
          ...node,
          id,
          inner: node.inner === null ? null : (rename(node.inner, `${path}.task`) as TaskNode),
        };
    }
  };
  return { root: rename(fresh.root, rootPath(fresh.root)), nextId: fresh.nextId };
}

function sameKind(a: BuilderNode, b: BuilderNode): boolean {
  return a.kind === b.kind && (a.kind !== "custom" || a.type === (b as typeof a).type);
}

function children(node: BuilderNode): BuilderNode[] {
  return childEntries(node).map((entry) => entry.node);
}

/**
 * Why a tree cannot be written as a canvas dict Celery loads yet (the Python side would refuse
 * it), with the node at fault; null when it can. Only a map / starmap / chunks without its task
 * is such a tree: everything else the builder makes loads, problems or not.
 */
export function unwritable(root: BuilderNode | null): { id: string; message: string } | null {
  if (root === null) return null;
  if ((root.kind === "map" || root.kind === "starmap" || root.kind === "chunks") && !root.inner) {
    return {
      id: root.id,
      message: `this ${root.kind} needs a task: drop one into it (until then the canvas is not sent to Python)`,
    };
  }
  for (const child of children(root)) {
    const found = unwritable(child);
    if (found !== null) return found;
  }
  return null;
}

/** A deep copy of a canvas dict, for handing to the model (which must not share our objects). */
export function cloneDict(d: CanvasDict | null): CanvasDict | null {
  return d === null ? null : (JSON.parse(JSON.stringify(d)) as CanvasDict);
}
