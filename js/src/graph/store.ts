/**
 * The live states of a run's tasks and the counts per state of every container, kept current by
 * applying batches of changes: pure data, no DOM (the view reads what changed and redraws only
 * that).
 */

import {
  type GraphPayload,
  isRunning,
  ownProgress,
  type Progress,
  RANK,
  RUNNING,
  type Span,
  STATES,
  type TaskNode,
  TERMINAL,
} from "./model";

/** Counts per state, indexed as STATES. */
export type Counts = Int32Array;

const STATE_INDEX: ReadonlyMap<string, number> = new Map(STATES.map((s, i) => [s, i]));
/** Where a state of a task's own stands: with PROGRESS. */
const PROGRESS_RANK = RANK.PROGRESS as number;
const PROGRESS_INDEX = STATES.indexOf("PROGRESS");

export interface StateStore {
  /** Task id -> state. */
  states: Map<string, string>;
  /** Task id -> progress, for tasks that reported some. */
  progress: Map<string, Progress>;
  /** Container path -> counts of the tasks anywhere inside it; "" is the whole workflow. */
  counts: Map<string, Counts>;
  /** Task id -> the container paths it sits in, innermost first, ending with "". */
  ancestors: Map<string, string[]>;
}

/** Whether a task may move from `current` to `next`: forward only, RETRY excepted
 * (tracking.merge_state). Deltas and snapshots can cross on the way; this makes order moot. */
export function mergeState(current: string | undefined, next: string): boolean {
  if (current === next) return false;
  if (current === undefined) return true;
  if (TERMINAL.has(current)) return false;
  if (TERMINAL.has(next) || current === "RETRY") return true;
  if (ownProgress(current) && ownProgress(next)) return true;
  return (RANK[next] ?? PROGRESS_RANK) > (RANK[current] ?? PROGRESS_RANK);
}

/** The index of a state in a Counts array; a state of a task's own counts as PROGRESS. */
export function stateIndex(state: string): number {
  return STATE_INDEX.get(state) ?? PROGRESS_INDEX;
}

/** A store for a graph, starting from `states` (tasks missing there are PENDING). */
export function createStore(graph: GraphPayload, states: Record<string, string>): StateStore {
  const parentOf = new Map<string, string | null>();
  for (const [path, info] of Object.entries(graph.containers)) parentOf.set(path, info.parent);
  const chains = new Map<string | null, string[]>();
  const chainOf = (path: string | null): string[] => {
    const known = chains.get(path);
    if (known !== undefined) return known;
    // Iterative: containers nest as deep as canvases do, and a malformed parent loop must end.
    const out: string[] = [];
    let p: string | null | undefined = path;
    const seen = new Set<string>();
    while (p !== null && p !== undefined && !seen.has(p)) {
      seen.add(p);
      out.push(p);
      p = parentOf.get(p);
    }
    out.push("");
    chains.set(path, out);
    return out;
  };
  const store: StateStore = {
    states: new Map(),
    progress: new Map(),
    counts: new Map([["", new Int32Array(STATES.length)]]),
    ancestors: new Map(),
  };
  for (const path of parentOf.keys()) store.counts.set(path, new Int32Array(STATES.length));
  // The counts of each container's ancestors, looked up once per container, not once per task.
  const countsChains = new Map<string | null, Counts[]>();
  // Indexed loops: see scene.ts on code that runs once per view.
  const nodes = graph.nodes;
  for (let n = 0; n < nodes.length; n++) {
    const node = nodes[n] as TaskNode;
    const state = states[node.id] ?? "PENDING";
    const ancestors = chainOf(node.container);
    store.states.set(node.id, state);
    store.ancestors.set(node.id, ancestors);
    let chain = countsChains.get(node.container);
    if (chain === undefined) {
      chain = [];
      for (const path of ancestors) {
        const counts = store.counts.get(path);
        if (counts !== undefined) chain.push(counts);
      }
      countsChains.set(node.container, chain);
    }
    const i = stateIndex(state);
    for (let c = 0; c < chain.length; c++) {
      const counts = chain[c] as Counts;
      counts[i] = (counts[i] ?? 0) + 1;
    }
  }
  return store;
}

/**
 * Apply a batch of state changes (a delta message's `changes`, or a snapshot's states).
 * Moves backwards and unknown task ids are ignored. Returns the ids of the tasks whose state
 * changed, in the order given.
 */
export function applyStates(store: StateStore, changes: Record<string, string>): string[] {
  const changed: string[] = [];
  for (const taskId in changes) {
    const next = changes[taskId] as string;
    const current = store.states.get(taskId);
    if (current === undefined || !mergeState(current, next)) continue;
    store.states.set(taskId, next);
    // A bar shows how far a running task is: not a finished one's, nor an earlier attempt's.
    if (!isRunning(next)) store.progress.delete(taskId);
    const from = stateIndex(current);
    const to = stateIndex(next);
    if (from !== to) {
      const ancestors = store.ancestors.get(taskId) ?? [];
      for (let a = 0; a < ancestors.length; a++) {
        const counts = store.counts.get(ancestors[a] as string);
        if (counts === undefined) continue;
        counts[from] = (counts[from] ?? 0) - 1;
        counts[to] = (counts[to] ?? 0) + 1;
      }
    }
    changed.push(taskId);
  }
  return changed;
}

/** Record progress values; returns the ids whose value changed. */
export function applyProgress(store: StateStore, values: Record<string, Progress>): string[] {
  const changed: string[] = [];
  for (const taskId in values) {
    const value = values[taskId] as Progress;
    if (!store.states.has(taskId)) continue;
    const old = store.progress.get(taskId);
    if (old !== undefined && old[0] === value[0] && old[1] === value[1]) continue;
    store.progress.set(taskId, value);
    changed.push(taskId);
  }
  return changed;
}

/** Progress as a fraction in [0, 1], or null when unknown. */
export function progressFraction(value: Progress | undefined): number | null {
  if (value === undefined) return null;
  const [current, total] = value;
  if (typeof current !== "number" || typeof total !== "number" || !(total > 0)) return null;
  return Math.min(1, Math.max(0, current / total));
}

/** Counts as a plain record, state -> number. */
export function countsRecord(counts: Counts | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  STATES.forEach((state, i) => {
    out[state] = counts?.[i] ?? 0;
  });
  return out;
}

/** Total, finished (SUCCESS + FAILURE + REVOKED), failed, revoked and running (STARTED +
 * PROGRESS: not the ones sent or received that wait for a worker's process), from counts. */
export function progressOf(counts: Counts | undefined): {
  total: number;
  done: number;
  failed: number;
  revoked: number;
  running: number;
} {
  let total = 0;
  let done = 0;
  let running = 0;
  STATES.forEach((state, i) => {
    const n = counts?.[i] ?? 0;
    total += n;
    if (TERMINAL.has(state)) done += n;
    if (RUNNING.has(state)) running += n;
  });
  const failed = counts?.[stateIndex("FAILURE")] ?? 0;
  return { total, done, failed, revoked: counts?.[stateIndex("REVOKED")] ?? 0, running };
}

/**
 * The task where a run went wrong: of the tasks in FAILURE, the one that ended first among
 * those that ran (their timeline span has an end), else the first in canvas order (a chord's
 * body fails without running when a header task failed). Null when none failed.
 */
export function firstFailure(
  store: StateStore,
  spans: ReadonlyMap<string, Span>,
  order: readonly { id: string }[],
): string | null {
  let first: string | null = null;
  let firstEnd = Number.POSITIVE_INFINITY;
  for (const { id } of order) {
    if (store.states.get(id) !== "FAILURE") continue;
    const end = spans.get(id)?.[2] ?? Number.POSITIVE_INFINITY;
    if (first === null || end < firstEnd) {
      first = id;
      firstEnd = end;
    }
  }
  return first;
}
