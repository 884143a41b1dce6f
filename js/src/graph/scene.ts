/**
 * The layout input: what is drawn, nested as the canvas nests, built from the graph payload.
 *
 * Every container (chain, group, chord, a chord's header, ...) becomes a box holding its
 * children in canvas order; a parallel container (a group, a chord's header, chunks) with more
 * than `summaryThreshold` members becomes one summary node standing for every task inside it.
 * Edges between tasks are lifted to the level where their ends meet: the edge from a chord's
 * header task to its body becomes one edge from the header box to the body, the edges from a
 * chain step to a group become one edge from the step to the group's box. So each box's edges
 * join only its own children, and each box can be laid out on its own (layout.ts).
 *
 * Pure data, no DOM. The loops over tasks and edges are indexed `for` loops, without
 * destructuring: this code runs once per view, before V8 optimises it, and unoptimised `for...of`
 * allocates an iterator result per step, a destructured tuple about 500 bytes (js/README.md).
 */

import type { GraphEdge, GraphPayload, TaskNode } from "./model";

/** Parallel containers with more members than this are drawn as one summary node. */
export const SUMMARY_THRESHOLD = 200;

/** Containers whose members run one after the other; they are never summarised. */
const SEQUENTIAL = new Set(["chain", "chord"]);

export type ItemKind = "task" | "container" | "summary";

export interface SceneEdge {
  source: string;
  target: string;
  /** chain, chord, link or link_error: the kind of the first task edge lifted onto it. */
  kind: string;
}

export interface SceneItem {
  /** A task id; `c:<path>` for a container (`c:` is the top); `s:<path>` for a summary. */
  key: string;
  kind: ItemKind;
  /** The key of the container item it sits in; null for the top. */
  parent: string | null;
  /** The container's path ("" for the top); for a task, its path in the canvas. */
  path: string;
  /** The container's kind (chain, group, chord, header, ...); a task's kind. */
  containerKind: string;
  /** What a container's box or summary says (its label: chunks, weave, ...); a task's kind. */
  label: string;
  /** Children in canvas order (containers only). */
  children: string[];
  /** Edges among the children (containers only). */
  edges: SceneEdge[];
  /** The tasks it stands for: 1 for a task, all inside for a summary or container. */
  taskCount: number;
}

export interface Scene {
  /** The top container's key (`c:`). */
  root: string;
  items: Map<string, SceneItem>;
  /** Task id -> the key of the summary that stands for it; a task drawn as itself is not in
   * it (its item's key is its id): see ownerOf. */
  summarisedIn: Map<string, string>;
}

/** The key of the item that draws a task: itself, or the summary around it; undefined for an
 * id not in the scene. */
export function ownerOf(scene: Scene, taskId: string): string | undefined {
  return scene.summarisedIn.get(taskId) ?? (scene.items.has(taskId) ? taskId : undefined);
}

export interface SceneOptions {
  summaryThreshold?: number;
  /** Container paths to draw in full whatever their size (expanded summaries). */
  expanded?: ReadonlySet<string>;
}

export const ROOT_KEY = "c:";
export const containerKey = (path: string): string => `c:${path}`;
export const summaryKey = (path: string): string => `s:${path}`;
/** The container path of a summary's key; null for any other key. */
export const summaryPath = (key: string): string | null =>
  key.startsWith("s:") ? key.slice(2) : null;

/** Build the scene of a graph payload (see the module's notes). */
export function buildScene(graph: GraphPayload, options: SceneOptions = {}): Scene {
  const threshold = options.summaryThreshold ?? SUMMARY_THRESHOLD;
  const expanded = options.expanded ?? new Set<string>();
  const containers = graph.containers;
  const parentOf = (path: string): string | null => containers[path]?.parent ?? null;

  // How many members each container has (tasks and containers directly inside it).
  const members = new Map<string, number>();
  const bump = (path: string | null) => {
    if (path !== null) members.set(path, (members.get(path) ?? 0) + 1);
  };
  const nodes = graph.nodes;
  for (let i = 0; i < nodes.length; i++) bump((nodes[i] as TaskNode).container);
  const paths = Object.keys(containers);
  for (let i = 0; i < paths.length; i++) bump(parentOf(paths[i] as string));
  const summarised = (path: string): boolean => {
    const info = containers[path];
    return (
      info !== undefined &&
      !SEQUENTIAL.has(info.kind) &&
      (members.get(path) ?? 0) > threshold &&
      !expanded.has(path)
    );
  };

  // The outermost summarised container around each container path (memoised), or null.
  const summaryOf = new Map<string | null, string | null>([[null, null]]);
  const outerSummary = (path: string | null): string | null => {
    const known = summaryOf.get(path);
    if (known !== undefined) return known;
    const chain: string[] = [];
    let p: string | null = path;
    while (p !== null && !summaryOf.has(p)) {
      chain.push(p);
      p = parentOf(p);
      if (chain.length > 10_000) break; // a parent loop in a malformed payload
    }
    let outer: string | null = p === null ? null : (summaryOf.get(p) ?? null);
    for (let i = chain.length - 1; i >= 0; i--) {
      const here = chain[i] as string;
      if (outer === null && summarised(here)) outer = here;
      summaryOf.set(here, outer);
    }
    return outer;
  };

  const items = new Map<string, SceneItem>();
  const root: SceneItem = item(ROOT_KEY, "container", null, "", "root");
  items.set(ROOT_KEY, root);
  // Container path -> its item: looked up once per task, so by path (no key to build).
  const byPath = new Map<string, SceneItem>();
  const containerItem = (path: string | null): SceneItem => {
    if (path === null) return root;
    let found = byPath.get(path);
    if (found === undefined) {
      const parent = containerItem(parentOf(path));
      const info = containers[path];
      const key = containerKey(path);
      found = item(key, "container", parent.key, path, info?.kind ?? "container", info?.label);
      items.set(key, found);
      byPath.set(path, found);
      parent.children.push(key);
    }
    return found;
  };

  const summarisedIn = new Map<string, string>();
  for (let i = 0; i < nodes.length; i++) {
    const node = nodes[i] as TaskNode;
    const outer = outerSummary(node.container);
    if (outer !== null) {
      const key = summaryKey(outer);
      let summary = items.get(key);
      if (summary === undefined) {
        const parent = containerItem(parentOf(outer));
        const info = containers[outer];
        summary = item(key, "summary", parent.key, outer, info?.kind ?? "group", info?.label);
        summary.taskCount = 0;
        items.set(key, summary);
        parent.children.push(key);
      }
      summary.taskCount += 1;
      summarisedIn.set(node.id, key);
    } else {
      const key = node.id;
      const parent = containerItem(node.container);
      items.set(key, {
        key,
        kind: "task",
        parent: parent.key,
        path: node.path,
        containerKind: node.kind,
        label: node.kind,
        children: NOTHING_INSIDE,
        edges: NO_EDGES,
        taskCount: 1,
      });
      parent.children.push(key);
    }
  }
  // Containers without any task (an empty group) still get their box.
  for (let i = 0; i < paths.length; i++) {
    const path = paths[i] as string;
    if (outerSummary(path) === null) containerItem(path);
  }
  countTasks(root, items);

  // Lift each task edge to the container where its two ends meet, once per pair of ends.
  // Source -> its target (most have one), or the set of its targets.
  const scene: Scene = { root: ROOT_KEY, items, summarisedIn };
  const seen = new Map<string, string | Set<string>>();
  const edges = graph.edges;
  for (let i = 0; i < edges.length; i++) {
    const edge = edges[i] as GraphEdge;
    const a = ownerOf(scene, edge.source);
    const b = ownerOf(scene, edge.target);
    if (a === undefined || b === undefined || a === b) continue;
    let container: string;
    let source = a;
    let target = b;
    // Siblings (a chain's steps: most edges) meet in their parent.
    const parentA = (items.get(a) as SceneItem).parent;
    if (parentA !== null && parentA === (items.get(b) as SceneItem).parent) container = parentA;
    else {
      const lifted = lift(items, a, b);
      if (lifted === null) continue;
      container = lifted[0];
      source = lifted[1];
      target = lifted[2];
    }
    const targets = seen.get(source);
    if (targets === undefined) seen.set(source, target);
    else if (targets === target || (typeof targets !== "string" && targets.has(target))) continue;
    else if (typeof targets === "string") seen.set(source, new Set([targets, target]));
    else targets.add(target);
    (items.get(container) as SceneItem).edges.push({ source, target, kind: edge.kind });
  }
  return scene;
}

/** A task's children and edges: none, shared by every task (frozen: nothing may add any). */
const NOTHING_INSIDE = Object.freeze([]) as unknown as string[];
const NO_EDGES = Object.freeze([]) as unknown as SceneEdge[];

function item(
  key: string,
  kind: ItemKind,
  parent: string | null,
  path: string,
  containerKind: string,
  label: string = containerKind,
): SceneItem {
  return { key, kind, parent, path, containerKind, label, children: [], edges: [], taskCount: 1 };
}

/**
 * The containers from `root` down (itself included), outermost first: each before those inside
 * it. An explicit stack, so deep nesting cannot overflow the call stack.
 */
export function containersOutermostFirst(
  root: SceneItem,
  items: ReadonlyMap<string, SceneItem>,
): SceneItem[] {
  const order: SceneItem[] = [];
  const stack = [root];
  while (stack.length > 0) {
    const it = stack.pop() as SceneItem;
    order.push(it);
    const children = it.children;
    for (let i = 0; i < children.length; i++) {
      const inner = items.get(children[i] as string) as SceneItem;
      if (inner.kind === "container") stack.push(inner);
    }
  }
  return order;
}

/** Set taskCount of every container to the tasks inside it (innermost first; tasks and
 * summaries have theirs already). */
function countTasks(root: SceneItem, items: Map<string, SceneItem>): void {
  const order = containersOutermostFirst(root, items);
  for (let i = order.length - 1; i >= 0; i--) {
    const it = order[i] as SceneItem;
    let count = 0;
    const children = it.children;
    for (let j = 0; j < children.length; j++) {
      count += items.get(children[j] as string)?.taskCount ?? 0;
    }
    it.taskCount = count;
  }
}

/** The container where items a and b, not siblings, meet, and the children of it that hold a
 * and b. */
function lift(
  items: Map<string, SceneItem>,
  a: string,
  b: string,
): [string, string, string] | null {
  // a and its containers, up to the top: as many as the canvas nests deep, so a list will do.
  const upA: string[] = [];
  for (let k: string | null = a; k !== null; k = items.get(k)?.parent ?? null) upA.push(k);
  let below = b;
  for (let k: string | null = items.get(b)?.parent ?? null; k !== null; ) {
    const i = upA.indexOf(k);
    if (i !== -1) {
      const fromA = i === 0 ? null : (upA[i - 1] as string);
      // One end inside the other (an edge into a container from within): nothing to draw.
      if (fromA === null || fromA === below) return null;
      return [k, fromA, below];
    }
    below = k;
    k = items.get(k)?.parent ?? null;
  }
  return null;
}

/** The items in drawing order (parents before children), from the top. */
export function drawOrder(scene: Scene): SceneItem[] {
  const out: SceneItem[] = [];
  const stack = [scene.root];
  while (stack.length > 0) {
    const it = scene.items.get(stack.pop() as string) as SceneItem;
    out.push(it);
    for (let i = it.children.length - 1; i >= 0; i--) stack.push(it.children[i] as string);
  }
  return out;
}
