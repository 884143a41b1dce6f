/**
 * The builder's state, without any DOM: a tree of canvas nodes, conversion to and from Celery's
 * canvas dict, edits as a small typed union applied by one pure function, and undo/redo.
 *
 * The shape follows xyflow's `applyNodeChanges`: the view turns gestures (drop, delete, wrap) into
 * {@link Edit} values and calls {@link applyEdit}; nothing else changes the tree. Every update is
 * immutable (path copying), so unchanged subtrees keep their identity and history is cheap.
 *
 * Node ids are strings `n1`, `n2`, ... handed out from a counter kept in {@link BuilderState}, so
 * `applyEdit` stays pure and deterministic (a redo gives the same ids). An id is stable for as long
 * as its node exists, across every edit, and is never reused within one history.
 */

import { type CanvasDict, type ChordDict, canvasShape, type GroupDict } from "../shared/canvas";
import { hiddenText } from "./hidden";
import type { CustomType } from "./model";

// ---------------------------------------------------------------------------------------------
// The tree
// ---------------------------------------------------------------------------------------------

/** Celery's own primitives. */
export type ContainerKind = "chain" | "group" | "chord" | "map" | "starmap" | "chunks";
export type NodeKind = "task" | ContainerKind | "custom";

/** Options and immutability: every canvas dict has them, containers included. */
interface NodeBase {
  id: string;
  /** Celery execution options (countdown, queue, link, link_error, ...), kept as they are. */
  options: Record<string, unknown>;
  immutable: boolean;
  /** The other keys of its dict, which Celery may write (`chord_size`), kept as they are. */
  extra?: Record<string, unknown>;
}

/** One task signature. */
export interface TaskNode extends NodeBase {
  kind: "task";
  task: string;
  args: unknown[];
  kwargs: Record<string, unknown>;
}

/** A chain (run in order, each result passed on) or a group (run in parallel). */
export interface ListNode extends NodeBase {
  kind: "chain" | "group";
  children: BuilderNode[];
  /** Partial args of the primitive itself; almost always empty. */
  args: unknown[];
}

/** A chord: a header run in parallel, then the body called with the list of their results. */
export interface ChordNode extends NodeBase {
  kind: "chord";
  header: BuilderNode[];
  /** null while the user has not dropped a body yet (validation flags it). */
  body: BuilderNode | null;
  args: unknown[];
  /** The chord's own `kwargs.kwargs`; almost always empty. */
  chordKwargs: Record<string, unknown>;
  /**
   * Set when the dict's header was a group dict rather than a list: its fields, so the round trip
   * writes the same group back. null for Celery's usual list header.
   */
  headerGroup: { args: unknown[]; options: Record<string, unknown>; immutable: boolean } | null;
}

/** `task.map(it)` / `task.starmap(it)`: one task applied to every item of `it`. */
export interface MapNode extends NodeBase {
  kind: "map" | "starmap";
  /** null once the user removed it (validation flags it). */
  inner: TaskNode | null;
  it: unknown[];
  args: unknown[];
}

/** `task.chunks(it, n)`. */
export interface ChunksNode extends NodeBase {
  kind: "chunks";
  inner: TaskNode | null;
  it: unknown[];
  n: number;
  args: unknown[];
}

/**
 * A signature of a type registered with Celery (`subtask_type` = `type`), such as the tutorial's
 * `weave`: a call of `task` whose kwargs named in its type's slots hold signatures.
 */
export interface CustomNode extends NodeBase {
  kind: "custom";
  type: string;
  task: string;
  args: unknown[];
  /** The kwargs that are not slots: plain values. */
  kwargs: Record<string, unknown>;
  /** The slot kwargs, in the order the type lists them; null while a slot is empty. */
  slots: Record<string, BuilderNode | null>;
}

export type ContainerNode = ListNode | ChordNode | MapNode | ChunksNode | CustomNode;
export type BuilderNode = TaskNode | ContainerNode;

/** The builder's document: the tree (null for an empty canvas) and the id counter. */
export interface BuilderState {
  root: BuilderNode | null;
  nextId: number;
}

/** The slot of a custom node that holds its kwarg `name`: `kwargs.join`. */
export type KwargSlot = `kwargs.${string}`;
/** The slots that hold many nodes. */
export type ListSlot = "children" | "header";
/** Where a node sits: the list slots hold many nodes, the others one. */
export type Slot = ListSlot | "body" | "inner" | KwargSlot;

export function kwargSlot(name: string): KwargSlot {
  return `kwargs.${name}`;
}

/** The kwarg a custom node's slot holds: `join` for `kwargs.join`. */
export function slotKwarg(slot: KwargSlot): string {
  return slot.slice("kwargs.".length);
}

export function isListSlot(slot: Slot): slot is ListSlot {
  return slot === "children" || slot === "header";
}

/** An empty canvas. */
export function emptyState(): BuilderState {
  return { root: null, nextId: 1 };
}

// ---------------------------------------------------------------------------------------------
// Canvas dict -> tree -> canvas dict
// ---------------------------------------------------------------------------------------------

const PRIMITIVE_OF_KIND = {
  chain: { task: "celery.chain", subtask_type: "chain" },
  group: { task: "celery.group", subtask_type: "group" },
  chord: { task: "celery.chord", subtask_type: "chord" },
  map: { task: "celery.map", subtask_type: "xmap" },
  starmap: { task: "celery.starmap", subtask_type: "xstarmap" },
  chunks: { task: "celery.chunks", subtask_type: "chunks" },
} as const;

/** A canvas dict (or a part of one) that is not what Celery writes; says where. */
export class CanvasDictError extends TypeError {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(`${path}: ${message}`);
    this.name = "CanvasDictError";
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

type IdSource = () => string;

function counterIds(start: number): { next: IdSource; peek: () => number } {
  let n = start;
  return {
    next: () => `n${n++}`,
    peek: () => n,
  };
}

/** The slot names of each custom type, by type name. */
type SlotsByType = ReadonlyMap<string, readonly string[]>;

function readBase(d: unknown, path: string, types: SlotsByType) {
  if (!isRecord(d)) throw new CanvasDictError(path, "expected a signature dict");
  // Missing keys take Celery's defaults, as `Signature.from_dict` (and the Python side) do.
  const { task, args = [], kwargs = {}, options = {}, immutable = false } = d;
  const subtaskType = d.subtask_type ?? null;
  if (typeof task !== "string") throw new CanvasDictError(path, "`task` must be a string");
  if (!Array.isArray(args)) throw new CanvasDictError(path, "`args` must be a list");
  if (!isRecord(kwargs)) throw new CanvasDictError(path, "`kwargs` must be a dict");
  if (!isRecord(options)) throw new CanvasDictError(path, "`options` must be a dict");
  if (typeof immutable !== "boolean") {
    throw new CanvasDictError(path, "`immutable` must be true or false");
  }
  if (subtaskType !== null && typeof subtaskType !== "string") {
    throw new CanvasDictError(path, "`subtask_type` must be null or a string");
  }
  let shape: ReturnType<typeof canvasShape>;
  try {
    shape = canvasShape({ task, subtask_type: subtaskType }, new Set(types.keys()));
  } catch (e) {
    throw new CanvasDictError(path, (e as Error).message);
  }
  return { task, args, kwargs, options, immutable, shape, subtaskType };
}

function readList(v: unknown, path: string, ids: IdSource, types: SlotsByType): BuilderNode[] {
  if (!Array.isArray(v)) throw new CanvasDictError(path, "expected a list of signature dicts");
  return v.map((item, i) => readNode(item, `${path}[${i}]`, ids, types));
}

function readInner(v: unknown, path: string, ids: IdSource, types: SlotsByType): TaskNode {
  const node = readNode(v, path, ids, types);
  if (node.kind !== "task") {
    throw new CanvasDictError(path, `map, starmap and chunks apply one task, not a ${node.kind}`);
  }
  return node;
}

/** The keys of a signature dict that the builder's nodes hold in their own fields. */
const SIGNATURE_KEYS = new Set(["task", "args", "kwargs", "options", "subtask_type", "immutable"]);

function readNode(d: unknown, path: string, ids: IdSource, types: SlotsByType): BuilderNode {
  const node = readShape(d, path, ids, types);
  const extra = Object.entries(d as Record<string, unknown>).filter(
    ([k]) => !SIGNATURE_KEYS.has(k),
  );
  return extra.length === 0 ? node : { ...node, extra: Object.fromEntries(extra) };
}

function readShape(d: unknown, path: string, ids: IdSource, types: SlotsByType): BuilderNode {
  const { task, args, kwargs, options, immutable, shape, subtaskType } = readBase(d, path, types);
  const id = ids();
  switch (shape) {
    case "task":
      return { id, kind: "task", task, args, kwargs, options, immutable };
    case "chain":
    case "group":
      return {
        id,
        kind: shape,
        children: readList(kwargs.tasks, `${path}.kwargs.tasks`, ids, types),
        args,
        options,
        immutable,
      };
    case "chord": {
      const rawHeader = kwargs.header;
      let header: BuilderNode[];
      let headerGroup: ChordNode["headerGroup"] = null;
      if (Array.isArray(rawHeader)) {
        header = readList(rawHeader, `${path}.kwargs.header`, ids, types);
      } else {
        const hpath = `${path}.kwargs.header`;
        const g = readBase(rawHeader, hpath, types);
        if (g.shape !== "group") {
          throw new CanvasDictError(hpath, "a chord header must be a list or a group dict");
        }
        header = readList(g.kwargs.tasks, `${hpath}.kwargs.tasks`, ids, types);
        headerGroup = { args: g.args, options: g.options, immutable: g.immutable };
      }
      const rawBody = kwargs.body ?? null;
      const body = rawBody === null ? null : readNode(rawBody, `${path}.kwargs.body`, ids, types);
      const chordKwargs = kwargs.kwargs ?? {};
      if (!isRecord(chordKwargs)) {
        throw new CanvasDictError(`${path}.kwargs.kwargs`, "expected a dict");
      }
      return {
        id,
        kind: "chord",
        header,
        body,
        args,
        chordKwargs,
        headerGroup,
        options,
        immutable,
      };
    }
    case "xmap":
    case "xstarmap":
    case "chunks": {
      const inner = readInner(kwargs.task, `${path}.kwargs.task`, ids, types);
      const it = kwargs.it;
      if (!Array.isArray(it)) throw new CanvasDictError(`${path}.kwargs.it`, "expected a list");
      if (shape === "chunks") {
        const n = kwargs.n;
        if (typeof n !== "number" || !Number.isInteger(n) || n < 1) {
          throw new CanvasDictError(`${path}.kwargs.n`, "expected a positive integer");
        }
        return { id, kind: "chunks", inner, it, n, args, options, immutable };
      }
      const kind = shape === "xmap" ? "map" : "starmap";
      return { id, kind, inner, it, args, options, immutable };
    }
    case "custom": {
      const type = subtaskType as string;
      const slots: Record<string, BuilderNode | null> = {};
      for (const name of types.get(type) ?? []) {
        const raw = kwargs[name] ?? null;
        slots[name] = raw === null ? null : readNode(raw, `${path}.kwargs.${name}`, ids, types);
      }
      const plain = Object.fromEntries(
        Object.entries(kwargs).filter(([k]) => !Object.hasOwn(slots, k)),
      );
      return { id, kind: "custom", type, task, args, kwargs: plain, slots, options, immutable };
    }
  }
}

/**
 * Build the builder's state from a canvas dict (or null for an empty canvas).
 *
 * Accepts both `subtask_type` conventions for xmap / xstarmap / chunks, and the signature types
 * of `customTypes` (any other `subtask_type` is an error). Ids are handed out in pre-order from
 * `startId`. Throws {@link CanvasDictError} naming the path of a malformed part.
 */
export function fromCanvasDict(
  d: CanvasDict | null | undefined,
  startId = 1,
  customTypes: readonly CustomType[] = [],
): BuilderState {
  const ids = counterIds(startId);
  const types: SlotsByType = new Map(customTypes.map((t) => [t.type, t.slots.map((s) => s.name)]));
  const root = d === null || d === undefined ? null : readNode(d, "canvas", ids.next, types);
  return { root, nextId: ids.peek() };
}

function writeBase(kind: ContainerKind, node: NodeBase & { args: unknown[] }) {
  const { task, subtask_type } = PRIMITIVE_OF_KIND[kind];
  return { task, args: node.args, options: node.options, subtask_type, immutable: node.immutable };
}

function writeNode(node: BuilderNode): CanvasDict {
  const d = writeShape(node);
  return node.extra === undefined ? d : ({ ...d, ...node.extra } as CanvasDict);
}

function writeShape(node: BuilderNode): CanvasDict {
  switch (node.kind) {
    case "task":
      return {
        task: node.task,
        args: node.args,
        kwargs: node.kwargs,
        options: node.options,
        subtask_type: null,
        immutable: node.immutable,
      };
    case "chain":
    case "group": {
      const { task, args, options, subtask_type, immutable } = writeBase(node.kind, node);
      return {
        task,
        args,
        kwargs: { tasks: node.children.map(writeNode) },
        options,
        subtask_type,
        immutable,
      } as CanvasDict;
    }
    case "chord": {
      const headerList = node.header.map(writeNode);
      const header: CanvasDict[] | GroupDict =
        node.headerGroup === null
          ? headerList
          : {
              task: "celery.group",
              args: node.headerGroup.args,
              kwargs: { tasks: headerList },
              options: node.headerGroup.options,
              subtask_type: "group",
              immutable: node.headerGroup.immutable,
            };
      const out: ChordDict = {
        task: "celery.chord",
        args: node.args,
        kwargs: {
          kwargs: node.chordKwargs,
          header,
          body: node.body === null ? null : writeNode(node.body),
        },
        options: node.options,
        subtask_type: "chord",
        immutable: node.immutable,
      };
      return out;
    }
    case "map":
    case "starmap":
    case "chunks": {
      const { task, args, options, subtask_type, immutable } = writeBase(node.kind, node);
      // An emptied inner slot is written as null: not a valid canvas, and validation says so.
      const inner = node.inner === null ? null : writeNode(node.inner);
      const kwargs =
        node.kind === "chunks"
          ? { task: inner, it: node.it, n: node.n }
          : { task: inner, it: node.it };
      return { task, args, kwargs, options, subtask_type, immutable } as CanvasDict;
    }
    case "custom": {
      const slots = Object.entries(node.slots).map(([name, child]) => [
        name,
        // An empty slot is written as null: validation says whether the type allows that.
        child === null ? null : writeNode(child),
      ]);
      return {
        task: node.task,
        args: node.args,
        kwargs: { ...Object.fromEntries(slots), ...node.kwargs },
        options: node.options,
        subtask_type: node.type,
        immutable: node.immutable,
      };
    }
  }
}

/**
 * The canvas dict of a tree (null for an empty canvas), in Celery's own key order.
 *
 * xmap / xstarmap / chunks are written with `subtask_type` "xmap" / "xstarmap" / "chunks" (the
 * project's convention, see shared/canvas.ts). Leaf values (args, kwargs, options) are shared, not
 * copied: treat the result as read-only.
 */
export function toCanvasDict(root: BuilderNode | null): CanvasDict | null {
  return root === null ? null : writeNode(root);
}

// ---------------------------------------------------------------------------------------------
// New nodes (palette items)
// ---------------------------------------------------------------------------------------------

/** A task to insert, before it has an id; omitted fields default to empty / false. */
export interface NewTask {
  kind: "task";
  task: string;
  args?: unknown[];
  kwargs?: Record<string, unknown>;
  options?: Record<string, unknown>;
  immutable?: boolean;
}

/**
 * A node to insert, before it has ids: a task, a primitive with optional contents, or a custom
 * node copied from its type's template (given fresh ids).
 */
export type NewNode =
  | NewTask
  | { kind: "chain" | "group"; children?: NewNode[]; options?: Record<string, unknown> }
  | {
      kind: "chord";
      header?: NewNode[];
      body?: NewNode | null;
      options?: Record<string, unknown>;
    }
  | { kind: "map" | "starmap"; inner?: NewTask | null; it?: unknown[] }
  | { kind: "chunks"; inner?: NewTask | null; it?: unknown[]; n?: number }
  | { kind: "custom"; template: CustomNode };

/** A copy of a subtree with fresh ids (the same shape and values). */
function renumbered(node: BuilderNode, ids: IdSource, id = ids()): BuilderNode {
  let out = { ...node, id } as BuilderNode;
  for (const slot of slotsOf(node)) {
    if (isListSlot(slot)) {
      out = withSlot(
        out,
        slot,
        readListSlot(node, slot).map((c) => renumbered(c, ids)),
      );
    } else {
      const child = readSingleSlot(node, slot);
      if (child !== null) out = withSlot(out, slot, renumbered(child, ids));
    }
  }
  return out;
}

function materialize(spec: NewNode, ids: IdSource): BuilderNode {
  const id = ids();
  switch (spec.kind) {
    case "task":
      return {
        id,
        kind: "task",
        task: spec.task,
        args: spec.args ?? [],
        kwargs: spec.kwargs ?? {},
        options: spec.options ?? {},
        immutable: spec.immutable ?? false,
      };
    case "chain":
    case "group":
      return {
        id,
        kind: spec.kind,
        children: (spec.children ?? []).map((c) => materialize(c, ids)),
        args: [],
        options: spec.options ?? {},
        immutable: false,
      };
    case "chord":
      return {
        id,
        kind: "chord",
        header: (spec.header ?? []).map((c) => materialize(c, ids)),
        body: spec.body ? materialize(spec.body, ids) : null,
        args: [],
        chordKwargs: {},
        headerGroup: null,
        options: spec.options ?? {},
        immutable: false,
      };
    case "map":
    case "starmap":
    case "chunks": {
      const inner = spec.inner ? (materialize(spec.inner, ids) as TaskNode) : null;
      // Celery marks these three immutable: the items are their arguments.
      const base = { id, inner, it: spec.it ?? [], args: [], options: {}, immutable: true };
      return spec.kind === "chunks"
        ? { ...base, kind: "chunks", n: spec.n ?? 1 }
        : { ...base, kind: spec.kind };
    }
    case "custom":
      return renumbered(spec.template, ids, id);
  }
}

// ---------------------------------------------------------------------------------------------
// Reading the tree
// ---------------------------------------------------------------------------------------------

/** The nodes directly inside a node, with the slot each sits in. */
export function childEntries(
  node: BuilderNode,
): { slot: Slot; index: number; node: BuilderNode }[] {
  switch (node.kind) {
    case "task":
      return [];
    case "chain":
    case "group":
      return node.children.map((c, index) => ({ slot: "children", index, node: c }));
    case "chord": {
      const out: { slot: Slot; index: number; node: BuilderNode }[] = node.header.map(
        (c, index) => ({ slot: "header", index, node: c }),
      );
      if (node.body !== null) out.push({ slot: "body", index: 0, node: node.body });
      return out;
    }
    case "custom":
      return Object.entries(node.slots).flatMap(([name, child]) =>
        child === null ? [] : [{ slot: kwargSlot(name), index: 0, node: child }],
      );
    default:
      return node.inner === null ? [] : [{ slot: "inner", index: 0, node: node.inner }];
  }
}

/** The node with this id in the tree, or undefined. */
export function findNode(root: BuilderNode | null, id: string): BuilderNode | undefined {
  if (root === null) return undefined;
  if (root.id === id) return root;
  for (const entry of childEntries(root)) {
    const found = findNode(entry.node, id);
    if (found) return found;
  }
  return undefined;
}

/** Where a node sits: its parent's id ("root" for the root), the slot and the index in it. */
export interface Location {
  parent: string;
  slot: Slot | "root";
  index: number;
}

/** The location of the node with this id, or undefined when it is not in the tree. */
export function locate(root: BuilderNode | null, id: string): Location | undefined {
  if (root === null) return undefined;
  if (root.id === id) return { parent: "root", slot: "root", index: 0 };
  const walk = (node: BuilderNode): Location | undefined => {
    for (const entry of childEntries(node)) {
      if (entry.node.id === id) return { parent: node.id, slot: entry.slot, index: entry.index };
      const found = walk(entry.node);
      if (found) return found;
    }
    return undefined;
  };
  return walk(root);
}

/** Every id in a subtree, the subtree's own first. */
export function subtreeIds(node: BuilderNode): string[] {
  return [node.id, ...childEntries(node).flatMap((e) => subtreeIds(e.node))];
}

// ---------------------------------------------------------------------------------------------
// Edits
// ---------------------------------------------------------------------------------------------

/**
 * Where a dragged node lands. On "root" the slot is ignored: the root drop rule applies (see
 * {@link applyEdit}). In a list slot, `index` is the position in the list as it is before the
 * edit (0 = first, omitted = at the end); single slots ignore it.
 */
export interface DropTarget {
  parent: string;
  slot?: Slot;
  index?: number;
}

/** The fields of a task an edit can change. */
export interface TaskChanges {
  task?: string;
  args?: unknown[];
  kwargs?: Record<string, unknown>;
  options?: Record<string, unknown>;
  immutable?: boolean;
}

/** Every change to the tree, as data. */
export type Edit =
  | { type: "insert"; node: NewNode; target: DropTarget }
  | { type: "move"; id: string; target: DropTarget }
  | { type: "remove"; id: string }
  | { type: "wrap"; ids: string[]; kind: "chain" | "group" | "chord" }
  | { type: "unwrap"; id: string }
  | { type: "updateTask"; id: string; changes: TaskChanges }
  | {
      type: "setIterable";
      id: string;
      it?: unknown[];
      n?: number;
      /** New options with it: replacing hidden items drops their token and repr (hidden.ts). */
      options?: Record<string, unknown>;
    }
  | { type: "setOptions"; id: string; options: Record<string, unknown> };

/** An edit that cannot apply to this tree; the message says why. */
export class EditError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "EditError";
  }
}

/** A block as the user sees it named: a task's short name (`add`), or its kind (`chord`). */
function blockName(node: BuilderNode): string {
  if (node.kind === "task") return node.task.slice(node.task.lastIndexOf(".") + 1) || node.task;
  return node.kind === "custom" ? node.type : node.kind;
}

function describe(node: BuilderNode): string {
  if (node.kind === "task") return `task ${node.id} (${node.task})`;
  return `${node.kind === "custom" ? node.type : node.kind} ${node.id}`;
}

function mustFind(root: BuilderNode | null, id: string): BuilderNode {
  const node = findNode(root, id);
  if (!node) throw new EditError(`no node with id ${JSON.stringify(id)}`);
  return node;
}

/** The slots a node kind has, the first being the default. */
function slotsOf(node: BuilderNode): Slot[] {
  switch (node.kind) {
    case "task":
      return [];
    case "chain":
    case "group":
      return ["children"];
    case "chord":
      return ["header", "body"];
    case "custom":
      return Object.keys(node.slots).map(kwargSlot);
    default:
      return ["inner"];
  }
}

function readListSlot(node: BuilderNode, slot: "children" | "header"): BuilderNode[] {
  if (slot === "children" && (node.kind === "chain" || node.kind === "group")) return node.children;
  if (slot === "header" && node.kind === "chord") return node.header;
  throw new EditError(`a ${node.kind} has no ${slot} slot`);
}

/** What a single slot holds (null when it is empty); throws when the node has no such slot. */
export function readSingleSlot(
  node: BuilderNode,
  slot: Exclude<Slot, ListSlot>,
): BuilderNode | null {
  if (slot === "body" && node.kind === "chord") return node.body;
  if (
    slot === "inner" &&
    (node.kind === "map" || node.kind === "starmap" || node.kind === "chunks")
  )
    return node.inner;
  if (node.kind === "custom" && slot.startsWith("kwargs.")) {
    const child = node.slots[slotKwarg(slot as KwargSlot)];
    if (child !== undefined) return child;
  }
  throw new EditError(`${describe(node)} has no ${slot} slot`);
}

/** A copy of `node` with one slot replaced. */
function withSlot(node: BuilderNode, slot: Slot, value: BuilderNode[] | BuilderNode | null) {
  switch (slot) {
    case "children":
      return { ...(node as ListNode), children: value as BuilderNode[] };
    case "header":
      return { ...(node as ChordNode), header: value as BuilderNode[] };
    case "body":
      return { ...(node as ChordNode), body: value as BuilderNode | null };
    case "inner":
      return { ...(node as MapNode | ChunksNode), inner: value as TaskNode | null };
    default: {
      const custom = node as CustomNode;
      const slots = { ...custom.slots, [slotKwarg(slot)]: value as BuilderNode | null };
      return { ...custom, slots };
    }
  }
}

/** A copy of the tree with the node `id` replaced by `fn(node)`; untouched subtrees are shared. */
function replaceNode(
  root: BuilderNode,
  id: string,
  fn: (node: BuilderNode) => BuilderNode,
): BuilderNode {
  if (root.id === id) return fn(root);
  let changed = false;
  let out: BuilderNode = root;
  for (const slot of slotsOf(root)) {
    if (isListSlot(slot)) {
      const list = readListSlot(out, slot);
      const next = list.map((c) => replaceNode(c, id, fn));
      if (next.some((c, i) => c !== list[i])) {
        out = withSlot(out, slot, next);
        changed = true;
      }
    } else {
      const child = readSingleSlot(out, slot);
      if (child !== null) {
        const next = replaceNode(child, id, fn);
        if (next !== child) {
          out = withSlot(out, slot, next);
          changed = true;
        }
      }
    }
  }
  return changed ? out : root;
}

function checkIndex(index: number | undefined, length: number, what: string): number {
  if (index === undefined) return length;
  if (!Number.isInteger(index) || index < 0 || index > length) {
    throw new EditError(`index ${index} is out of range for ${what} of ${length}`);
  }
  return index;
}

/** Put `node` at `target` (the root drop rule included). `ids` names any chain it creates. */
function insertAt(
  root: BuilderNode | null,
  node: BuilderNode,
  target: DropTarget,
  ids: IdSource,
): BuilderNode {
  if (target.parent === "root") {
    // The root drop rule: an empty canvas takes the node; a chain root takes it as its next step
    // (or at `index`); any other root becomes the first step of a chain, in drop order.
    if (root === null) return node;
    if (root.kind === "chain") {
      const index = checkIndex(target.index, root.children.length, "the root chain");
      return { ...root, children: spliced(root.children, index, 0, node) };
    }
    const steps = target.index === 0 ? [node, root] : [root, node];
    return { id: ids(), kind: "chain", children: steps, args: [], options: {}, immutable: false };
  }
  const parent = mustFind(root, target.parent);
  const slot = target.slot ?? slotsOf(parent)[0];
  if (slot === undefined)
    throw new EditError(`cannot drop into ${describe(parent)}: a task holds nothing`);
  if (!slotsOf(parent).includes(slot)) {
    throw new EditError(`cannot drop into the ${slot} of ${describe(parent)}: it has no such slot`);
  }
  let updated: BuilderNode;
  if (isListSlot(slot)) {
    const list = readListSlot(parent, slot);
    const index = checkIndex(target.index, list.length, `the ${slot} of ${describe(parent)}`);
    updated = withSlot(parent, slot, spliced(list, index, 0, node));
  } else {
    const current = readSingleSlot(parent, slot);
    if (current !== null) {
      throw new EditError(
        `the ${slot} of ${describe(parent)} already holds ${describe(current)}: remove or move it first`,
      );
    }
    if (slot === "inner" && node.kind !== "task") {
      throw new EditError(`${describe(parent)} applies one task; a ${node.kind} cannot go there`);
    }
    updated = withSlot(parent, slot, node);
  }
  return replaceNode(root as BuilderNode, parent.id, () => updated);
}

function spliced<T>(list: readonly T[], start: number, remove: number, ...items: T[]): T[] {
  const copy = list.slice();
  copy.splice(start, remove, ...items);
  return copy;
}

/** The tree without the node `id` (which must be in it). */
function detach(root: BuilderNode, id: string): BuilderNode | null {
  const where = locate(root, id) as Location;
  if (where.slot === "root") return null;
  return replaceNode(root, where.parent, (parent) => {
    const slot = where.slot as Slot;
    return isListSlot(slot)
      ? withSlot(parent, slot, spliced(readListSlot(parent, slot), where.index, 1))
      : withSlot(parent, slot, null);
  });
}

/** Put `nodes` where the node at `where` is, in its place. */
function replaceAt(
  root: BuilderNode,
  where: Location,
  count: number,
  nodes: BuilderNode[],
): BuilderNode | null {
  if (where.slot === "root" || !isListSlot(where.slot)) {
    if (nodes.length > 1) {
      const place = where.slot === "root" ? "the root" : `the ${where.slot} of ${where.parent}`;
      throw new EditError(`${place} holds one node, not ${nodes.length}`);
    }
    const single = nodes[0] ?? null;
    if (where.slot === "root") return single;
    if (where.slot === "inner" && single !== null && single.kind !== "task") {
      throw new EditError(`the inner slot of ${where.parent} holds one task, not a ${single.kind}`);
    }
    return replaceNode(root, where.parent, (p) => withSlot(p, where.slot as Slot, single));
  }
  const slot = where.slot;
  return replaceNode(root, where.parent, (p) =>
    withSlot(p, slot, spliced(readListSlot(p, slot), where.index, count, ...nodes)),
  );
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return isRecord(v);
}

function applyCallChanges<N extends TaskNode | CustomNode>(node: N, changes: TaskChanges): N {
  const out: N = { ...node };
  if (changes.task !== undefined && node.kind === "custom") {
    throw new EditError(`the task of ${describe(node)} is its type's: it cannot change`);
  }
  if (changes.task !== undefined) {
    if (typeof changes.task !== "string" || changes.task.trim() === "") {
      throw new EditError(`the task name of ${node.id} must be a non-empty string`);
    }
    out.task = changes.task;
  }
  for (const field of ["args", "kwargs"] as const) {
    // Hidden values stay in the kernel: they can be replaced (their token dropped), not edited.
    const options = changes.options ?? node.options;
    if (changes[field] !== undefined && hiddenText(options, field) !== null) {
      throw new EditError(`the ${field} of ${node.id} are hidden: replace them to type new ones`);
    }
  }
  if (changes.args !== undefined) {
    if (!Array.isArray(changes.args)) throw new EditError(`args of ${node.id} must be a list`);
    out.args = changes.args;
  }
  if (changes.kwargs !== undefined) {
    if (!isPlainObject(changes.kwargs)) throw new EditError(`kwargs of ${node.id} must be a dict`);
    if (node.kind === "custom") {
      const slot = Object.keys(changes.kwargs).find((k) => Object.hasOwn(node.slots, k));
      if (slot !== undefined) {
        throw new EditError(
          `${slot} of ${describe(node)} holds a signature: drop one into its ${slot} slot instead`,
        );
      }
    }
    out.kwargs = changes.kwargs;
  }
  if (changes.options !== undefined) {
    checkOptions(changes.options, node.id);
    out.options = changes.options;
  }
  if (changes.immutable !== undefined) {
    if (typeof changes.immutable !== "boolean") {
      throw new EditError(`immutable of ${node.id} must be true or false`);
    }
    out.immutable = changes.immutable;
  }
  return out;
}

function makeWrapper(kind: "chain" | "group" | "chord", nodes: BuilderNode[], id: string) {
  const base = { id, args: [], options: {}, immutable: false };
  if (kind === "chord") {
    // The wrapped nodes become the header; the body is left for the user to drop.
    return { ...base, kind, header: nodes, body: null, chordKwargs: {}, headerGroup: null };
  }
  return { ...base, kind, children: nodes };
}

/**
 * Apply one edit, returning a new state (the old one is not touched). Throws {@link EditError}
 * when the edit cannot apply; the state is then unchanged.
 *
 * - `insert`: put a new node (a {@link NewNode}, given ids here) at a drop target.
 * - `move`: take a node out and drop it at a target; never into itself or its descendants.
 * - `remove`: take a node (and its subtree) out. Containers left empty stay, as they are; a chain
 *   left with one step stays a chain (validation flags what Celery cannot run).
 * - `wrap`: put sibling nodes (same parent and slot; any order) into a new chain, group or chord
 *   (as its header), in their current order, where the first of them was.
 * - `unwrap`: replace a container by its contents (a chord: header then body).
 * - `updateTask`: change a task's name, args, kwargs, options or immutability; or those of a
 *   custom node but its task (its kwargs being the plain ones, not its slots).
 * - `setIterable`: change `it` of a map / starmap / chunks, and `n` of chunks (hidden items
 *   only with options that no longer hide them: see hidden.ts).
 * - `setOptions`: replace the execution options of any node (link / link_error: lists of
 *   signature dicts).
 *
 * The root drop rule: dropping on "root" when the canvas is empty makes that node the canvas;
 * when the root is a chain the node is appended to it (or put at `index`); when the root is
 * anything else, root and node become a chain, in drop order (the node first if `index` is 0).
 */
export function applyEdit(state: BuilderState, edit: Edit): BuilderState {
  const ids = counterIds(state.nextId);
  const done = (root: BuilderNode | null): BuilderState => ({ root, nextId: ids.peek() });
  const { root } = state;
  switch (edit.type) {
    case "insert": {
      const node = materialize(edit.node, ids.next);
      return done(insertAt(root, node, edit.target, ids.next));
    }
    case "move": {
      const node = mustFind(root, edit.id);
      const from = locate(root, edit.id) as Location;
      if (edit.target.parent !== "root" && subtreeIds(node).includes(edit.target.parent)) {
        throw new EditError(`cannot move ${describe(node)} into itself or one of its descendants`);
      }
      if (edit.target.parent === "root" && from.slot === "root") {
        throw new EditError(`${describe(node)} is the root already`);
      }
      let target = edit.target;
      // The index counts positions before the move: moving down the same list shifts it by one.
      const sameList =
        target.parent === from.parent &&
        (target.slot ?? slotsOf(mustFind(root, target.parent))[0]) === from.slot;
      if (sameList && target.index !== undefined && target.index > from.index) {
        target = { ...target, index: target.index - 1 };
      }
      const rest = detach(root as BuilderNode, edit.id);
      if (target.parent === "root" && rest !== null && rest.kind === "chain") {
        const rootChainIndex = target.index;
        if (
          rootChainIndex !== undefined &&
          from.parent === rest.id &&
          rootChainIndex > from.index
        ) {
          target = { ...target, index: rootChainIndex - 1 };
        }
      }
      return done(insertAt(rest, node, target, ids.next));
    }
    case "remove": {
      mustFind(root, edit.id);
      return done(detach(root as BuilderNode, edit.id));
    }
    case "wrap": {
      if (edit.ids.length === 0) throw new EditError("wrap needs at least one node");
      if (new Set(edit.ids).size !== edit.ids.length) throw new EditError("wrap got an id twice");
      const places = edit.ids.map((id) => {
        mustFind(root, id);
        return { id, where: locate(root, id) as Location };
      });
      const first = places[0] as (typeof places)[number];
      for (const p of places) {
        if (p.where.parent !== first.where.parent || p.where.slot !== first.where.slot) {
          const [a, b] = [first.id, p.id].map((id) => blockName(findNode(root, id) as BuilderNode));
          throw new EditError(
            `only blocks of one list (the steps of a chain, the members of a group) can be ` +
              `wrapped together: ${a} and ${b} are in different ones`,
          );
        }
      }
      places.sort((a, b) => a.where.index - b.where.index);
      const nodes = places.map((p) => findNode(root, p.id) as BuilderNode);
      const wrapper = makeWrapper(edit.kind, nodes, ids.next()) as BuilderNode;
      const at = (places[0] as (typeof places)[number]).where;
      if (at.slot === "inner") {
        throw new EditError(`the inner slot of ${at.parent} holds one task; it cannot be wrapped`);
      }
      // Take the others out from the last backwards, so the indices of the rest hold.
      let next = root as BuilderNode;
      for (const p of places.slice(1).reverse()) next = detach(next, p.id) as BuilderNode;
      return done(replaceAt(next, at, 1, [wrapper]));
    }
    case "unwrap": {
      const node = mustFind(root, edit.id);
      if (node.kind === "task") throw new EditError(`${describe(node)} is not a container`);
      const contents = childEntries(node).map((e) => e.node);
      const where = locate(root, edit.id) as Location;
      return done(replaceAt(root as BuilderNode, where, 1, contents));
    }
    case "updateTask": {
      const node = mustFind(root, edit.id);
      if (node.kind !== "task" && node.kind !== "custom") {
        throw new EditError(`${describe(node)} is not a task`);
      }
      const updated = applyCallChanges(node, edit.changes);
      return done(replaceNode(root as BuilderNode, edit.id, () => updated));
    }
    case "setIterable": {
      const node = mustFind(root, edit.id);
      if (node.kind !== "map" && node.kind !== "starmap" && node.kind !== "chunks") {
        throw new EditError(`${describe(node)} has no iterable: only map, starmap and chunks do`);
      }
      let updated: MapNode | ChunksNode = { ...node };
      if (edit.options !== undefined) {
        checkOptions(edit.options, node.id);
        updated = { ...updated, options: edit.options };
      }
      if (edit.it !== undefined && hiddenText(updated.options, "it") !== null) {
        throw new EditError(`the items of ${node.id} are hidden: replace them to type new ones`);
      }
      if (edit.it !== undefined) {
        if (!Array.isArray(edit.it)) throw new EditError(`it of ${node.id} must be a list`);
        updated = { ...updated, it: edit.it };
      }
      if (edit.n !== undefined) {
        if (updated.kind !== "chunks") throw new EditError(`only chunks have n, not ${node.kind}`);
        if (!Number.isInteger(edit.n) || edit.n < 1) {
          throw new EditError(`n of ${node.id} must be a positive integer, not ${edit.n}`);
        }
        updated = { ...updated, n: edit.n };
      }
      return done(replaceNode(root as BuilderNode, edit.id, () => updated));
    }
    case "setOptions": {
      const node = mustFind(root, edit.id);
      checkOptions(edit.options, node.id);
      const updated = { ...node, options: edit.options } as BuilderNode;
      return done(replaceNode(root as BuilderNode, edit.id, () => updated));
    }
  }
}

function checkOptions(options: unknown, id: string): void {
  if (!isPlainObject(options)) throw new EditError(`options of ${id} must be a dict`);
  for (const key of ["link", "link_error"]) {
    const callbacks = options[key];
    if (callbacks === undefined || callbacks === null) continue;
    const list = Array.isArray(callbacks) ? callbacks : [callbacks];
    for (const cb of list) {
      if (!isRecord(cb) || typeof cb.task !== "string" || cb.task === "") {
        throw new EditError(`${key} of ${id} must hold signature dicts with a task name`);
      }
    }
  }
}

/** Why an edit cannot apply, or null when it can (for drop-target feedback while dragging). */
export function editProblem(state: BuilderState, edit: Edit): string | null {
  try {
    applyEdit(state, edit);
    return null;
  } catch (e) {
    if (e instanceof EditError) return e.message;
    throw e;
  }
}

// ---------------------------------------------------------------------------------------------
// Undo / redo
// ---------------------------------------------------------------------------------------------

/** The present state with bounded lists of states before and after it. */
export interface History {
  past: BuilderState[];
  present: BuilderState;
  future: BuilderState[];
  /** How many past states are kept; the oldest go first. */
  limit: number;
}

export const DEFAULT_HISTORY_LIMIT = 100;

export function createHistory(present: BuilderState, limit = DEFAULT_HISTORY_LIMIT): History {
  if (!Number.isInteger(limit) || limit < 0) throw new RangeError("limit must be a whole number");
  return { past: [], present, future: [], limit };
}

/** Apply an edit as a new step: the present goes to the past, the redo list is dropped. */
export function commit(history: History, edit: Edit): History {
  const next = applyEdit(history.present, edit);
  const past = [...history.past, history.present];
  return {
    past: past.slice(Math.max(0, past.length - history.limit)),
    present: next,
    future: [],
    limit: history.limit,
  };
}

// The id counter only goes up, across undo and redo too, so an id once given never names
// another node later (a view holding on to a selected id never finds a stranger).
function withCounter(state: BuilderState, nextId: number): BuilderState {
  return state.nextId >= nextId ? state : { ...state, nextId };
}

export function canUndo(history: History): boolean {
  return history.past.length > 0;
}

export function canRedo(history: History): boolean {
  return history.future.length > 0;
}

/** Step back one edit; the same history when there is nothing to undo. */
export function undo(history: History): History {
  const previous = history.past[history.past.length - 1];
  if (previous === undefined) return history;
  return {
    past: history.past.slice(0, -1),
    present: withCounter(previous, history.present.nextId),
    future: [history.present, ...history.future],
    limit: history.limit,
  };
}

/** Step forward one undone edit; the same history when there is nothing to redo. */
export function redo(history: History): History {
  const next = history.future[0];
  if (next === undefined) return history;
  return {
    past: [...history.past, history.present],
    present: withCounter(next, history.present.nextId),
    future: history.future.slice(1),
    limit: history.limit,
  };
}

/**
 * Make `state` the present as a new step (a canvas loaded from outside, for example), keeping the
 * id counter monotonic; the redo list is dropped. The same history when `state` is the present.
 */
export function commitState(history: History, state: BuilderState): History {
  if (state === history.present) return history;
  const past = [...history.past, history.present];
  return {
    past: past.slice(Math.max(0, past.length - history.limit)),
    present: withCounter(state, history.present.nextId),
    future: [],
    limit: history.limit,
  };
}

/**
 * Undo the last step and forget it (no redo): for an edit the other side refused. The same
 * history when there is nothing to undo.
 */
export function dropLast(history: History): History {
  const previous = history.past[history.past.length - 1];
  if (previous === undefined) return history;
  return {
    past: history.past.slice(0, -1),
    present: withCounter(previous, history.present.nextId),
    future: [],
    limit: history.limit,
  };
}
