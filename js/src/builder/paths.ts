/**
 * Node paths in the Python side's scheme, and what they are used for: placing validation problems
 * on the node they concern, syncing the selection, and knowing what Celery passes to a task.
 *
 * The scheme (canvas_widgets/validation.py and canvas.py): the root is named by its kind (`task`,
 * `chain`, `group`, `chord`, `map`, `starmap`, `chunks`); then `.tasks[i]` for chain and group
 * members, `.header[i]` and `.body` for a chord, `.task` for the task inside map / starmap /
 * chunks, `.options.link[i]` / `.options.link_error[i]` for callbacks. A signature type registered
 * by the user is named by its type (`weave`), and the signature in its slot kwarg `join` is
 * `.join` (`chain.tasks[1].join`).
 */

import type { BuilderNode } from "./state";

/** One problem of `cw.validate`, as the Python widget syncs it. */
export interface Problem {
  path: string;
  severity: "error" | "warning" | "info";
  message: string;
  code: string;
}

/** The first segment of every path: the root's kind, or its type for a custom node. */
export function rootPath(root: BuilderNode): string {
  return root.kind === "custom" ? root.type : root.kind;
}

/** The path of every node of a tree, by id. */
export function nodePaths(root: BuilderNode | null): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (node: BuilderNode, path: string): void => {
    out.set(node.id, path);
    switch (node.kind) {
      case "task":
        return;
      case "chain":
      case "group":
        for (const [i, child] of node.children.entries()) walk(child, `${path}.tasks[${i}]`);
        return;
      case "chord":
        for (const [i, child] of node.header.entries()) walk(child, `${path}.header[${i}]`);
        if (node.body !== null) walk(node.body, `${path}.body`);
        return;
      case "custom":
        for (const [name, child] of Object.entries(node.slots)) {
          if (child !== null) walk(child, `${path}.${name}`);
        }
        return;
      default:
        if (node.inner !== null) walk(node.inner, `${path}.task`);
    }
  };
  if (root !== null) walk(root, rootPath(root));
  return out;
}

/**
 * The node a path points at or into: the one whose path is the longest prefix of `path`, ending at
 * a segment boundary (`chain.tasks[1]` is in `chain.tasks[1].options.link[0]`, not in
 * `chain.tasks[10]`). `rest` is what follows that prefix (`.options.link[0]`, `.it`, or "").
 * Null when no node's path is a prefix (a malformed root, say).
 */
export function nodeAtPath(
  paths: Map<string, string>,
  path: string,
): { id: string; rest: string } | null {
  let best: { id: string; rest: string } | null = null;
  let bestLength = -1;
  for (const [id, nodePath] of paths) {
    if (nodePath.length <= bestLength || !path.startsWith(nodePath)) continue;
    const next = path[nodePath.length];
    if (next === undefined || next === "." || next === "[") {
      best = { id, rest: path.slice(nodePath.length) };
      bestLength = nodePath.length;
    }
  }
  return best;
}

/** Problems grouped by the node they concern; `unplaced` holds those no node matches. */
export function problemsByNode(
  root: BuilderNode | null,
  problems: readonly Problem[],
): { byNode: Map<string, Problem[]>; unplaced: Problem[] } {
  const paths = nodePaths(root);
  const byNode = new Map<string, Problem[]>();
  const unplaced: Problem[] = [];
  for (const problem of problems) {
    const hit = nodeAtPath(paths, problem.path);
    if (hit === null) {
      unplaced.push(problem);
      continue;
    }
    const list = byNode.get(hit.id);
    if (list === undefined) byNode.set(hit.id, [problem]);
    else list.push(problem);
  }
  return { byNode, unplaced };
}

const SEVERITY_RANK = { error: 0, warning: 1, info: 2 } as const;

/** The most severe of some problems, or null for none. */
export function worstSeverity(
  problems: readonly Problem[] | undefined,
): Problem["severity"] | null {
  let worst: Problem["severity"] | null = null;
  for (const p of problems ?? []) {
    if (worst === null || SEVERITY_RANK[p.severity] < SEVERITY_RANK[worst]) worst = p.severity;
  }
  return worst;
}

/** What Celery passes to a task before its own args, and how many values that is. */
export interface Leading {
  count: number;
  what: string;
}

export const PREVIOUS = "the previous step's result";
export const HEADER = "the list of the header's results";

/**
 * What Celery puts before the args of the task `id` when it runs, mirroring the Python validator:
 * a chain step after the first gets the previous step's result; a chord body the list of the
 * header's results; groups and chord headers pass on what they get; `.si` (immutable) tasks get
 * nothing. The task inside a map gets each item; inside starmap / chunks, each item's values.
 * What a custom node passes into its slots is its type's business: taken as nothing here.
 * Null when the task gets nothing before its args (or `id` is not a task in the tree).
 */
export function leadingArguments(root: BuilderNode | null, id: string): Leading | null {
  const walk = (node: BuilderNode, fed: string | null): Leading | null | undefined => {
    switch (node.kind) {
      case "task":
        if (node.id !== id) return undefined;
        return fed === null || node.immutable ? null : { count: 1, what: fed };
      case "chain":
        for (const [i, child] of node.children.entries()) {
          const found = walk(child, i > 0 ? PREVIOUS : fed);
          if (found !== undefined) return found;
        }
        return undefined;
      case "group":
        for (const child of node.children) {
          const found = walk(child, fed);
          if (found !== undefined) return found;
        }
        return undefined;
      case "chord": {
        for (const child of node.header) {
          const found = walk(child, fed);
          if (found !== undefined) return found;
        }
        return node.body === null ? undefined : walk(node.body, HEADER);
      }
      case "custom":
        for (const child of Object.values(node.slots)) {
          const found = child === null ? undefined : walk(child, null);
          if (found !== undefined) return found;
        }
        return undefined;
      default: {
        if (node.inner === null || node.inner.id !== id) return undefined;
        if (node.kind === "map") return { count: 1, what: "each item" };
        const first = node.it[0];
        const count = Array.isArray(first) ? first.length : 1;
        return { count, what: `the ${count} value${count === 1 ? "" : "s"} of each item` };
      }
    }
  };
  if (root === null) return null;
  return walk(root, null) ?? null;
}
