/**
 * The result graph's model: the synced traits (mirroring canvas_widgets/widgets/result_graph.py
 * and canvas_widgets/result_view.py), the custom messages both ways, and Celery's task states.
 */

/** Celery's task states, in the order the legend shows them (result_view.STATES). */
export const STATES = [
  "PENDING",
  "SENT",
  "RECEIVED",
  "STARTED",
  "PROGRESS",
  "RETRY",
  "SUCCESS",
  "FAILURE",
  "REVOKED",
] as const;
export type State = (typeof STATES)[number];

/** States that never change again (tracking.TERMINAL). */
export const TERMINAL: ReadonlySet<string> = new Set(["SUCCESS", "FAILURE", "REVOKED"]);

/** States of a task running on a worker now: what a terminate stops (see isRunning). */
export const RUNNING: ReadonlySet<string> = new Set(["STARTED", "PROGRESS"]);

/** How far along each state is (tracking.RANK); states only move forward, RETRY excepted. */
export const RANK: Readonly<Record<string, number>> = {
  PENDING: 0,
  SENT: 1,
  RECEIVED: 2,
  STARTED: 3,
  PROGRESS: 4,
  RETRY: 4,
  SUCCESS: 5,
  FAILURE: 5,
  REVOKED: 5,
};

/** Whether `state` is one of the task's own: Celery takes any string a running task gives
 * `update_state(state="CRUNCHING")`. It ranks, counts and is coloured as PROGRESS. ("": no
 * state known.) */
export function isOwnState(state: string): boolean {
  return state !== "" && !(state in RANK);
}

/** Whether a running task stored `state` itself (tracking.own_progress): PROGRESS, or a state
 * of its own. */
export function ownProgress(state: string): boolean {
  return state === "PROGRESS" || isOwnState(state);
}

/** Whether a task in `state` runs on a worker now (tracking.is_running). */
export function isRunning(state: string): boolean {
  return RUNNING.has(state) || isOwnState(state);
}

/** One task invocation of the workflow (a node of graph_payload()). */
export interface TaskNode {
  id: string;
  name: string;
  /** task, map or starmap */
  kind: string;
  label: string;
  /** Where it sits in the canvas: `chord.header[3]`. */
  path: string;
  /** The path of its innermost container, or null at the top. */
  container: string | null;
  /** null, "link" or "link_error" */
  callback: string | null;
}

export interface GraphEdge {
  source: string;
  target: string;
  /** chain, chord, link or link_error */
  kind: string;
}

export interface ContainerInfo {
  /** Celery's kind: chain, group, chord or header (a chord's header). */
  kind: string;
  /** What its box says: the kind, or `chunks`, or a custom type's name (`weave`) for the group
   * or chord that stands for one. Absent from payloads of older versions. */
  label?: string;
  parent: string | null;
  /** Celery's id of the container (a group id, say), or null. */
  id: string | null;
}

/** The `graph` trait: the workflow's structure, synced once. */
export interface GraphPayload {
  run_id: string | null;
  nodes: TaskNode[];
  edges: GraphEdge[];
  containers: Record<string, ContainerInfo>;
}

/** The `summary` trait (result_view.run_summary). */
export interface Summary {
  total: number;
  done: number;
  failed: number;
  counts: Record<string, number>;
  /** Epoch seconds, or null for a preview. */
  started_at: number | null;
  elapsed: number | null;
  /** The run is over: nothing will change any more. */
  finished: boolean;
  /** The tasks that will never run (after a failed or revoked one; errbacks not needed),
   * counted by their state. */
  not_run?: Record<string, number>;
  /** Errbacks that ran inside a failed task's worker: no state of their own (PENDING). */
  ran_without_state?: number;
  /** Why the run is followed no further before it finished (its broker went away). */
  cut_off?: string | null;
  /** Why tasks sent wait on, when no worker will take them (WorkflowRun.stuck). */
  stuck?: string | null;
}

/** The synced traits of canvas_widgets/widgets/result_graph.py's ResultGraph. */
export interface Model {
  graph: GraphPayload;
  /** Task id -> state when the widget was made (and when the run is over). */
  states: Record<string, string>;
  summary: Summary;
  /** Task id -> its timeline bar, when the run is over (and kept current by the view, for a
   * notebook saved with its widgets' state). */
  spans: Record<string, Span>;
}

/** [current, total] of a task in state PROGRESS (report_progress). */
export type Progress = [number | null, number | null];

/** An earlier attempt of a task that retried: [worker, start, end, how it ended] (end null: no
 * end seen, its worker lost). */
export type EarlierAttempt = [string, number, number | null, string | null];

/** A task's bars on the timeline (attempts.timeline_span): [worker, start, end] of its last
 * attempt in epoch seconds (end null: running), then its earlier attempts if it retried. */
export type Span =
  | [string, number, number | null]
  | [string, number, number | null, EarlierAttempt[]];

/** Messages from Python. */
export type Incoming =
  | { type: "states"; changes: Record<string, string>; spans?: Record<string, Span> }
  | { type: "progress"; values: Record<string, Progress> }
  | ({ type: "reply"; request_id: string; ok: boolean; error?: string } & Record<string, unknown>);

/** A task's details, every value as text (result_view.details_text). */
export interface DetailsReply {
  task_id: string;
  details: Record<string, string>;
  /** The fields that were cut; ask again with `full: true` for all of them. */
  truncated: string[];
}

export interface SnapshotReply {
  run_id: string | null;
  states: Record<string, string>;
  summary: Summary;
  progress: Record<string, Progress>;
  spans?: Record<string, Span>;
}

/**
 * A graph trait made safe to read: missing lists and maps become empty, a node without a label
 * is labelled by its name, networkx's older `links` stand for `edges`. Initial states come from
 * the `states` trait, else from each node's own `state` (networkx `node_link_data` of
 * `WorkflowRun.to_networkx()` carries one).
 */
export function normalise(
  raw: (Partial<GraphPayload> & { links?: GraphEdge[] }) | null | undefined,
  states: Record<string, string> | null | undefined,
): { graph: GraphPayload; states: Record<string, string> } {
  // Plain loops, one pass: this runs on every task before the first paint.
  const rawNodes = raw?.nodes ?? [];
  const nodes: TaskNode[] = new Array(rawNodes.length);
  const initial: Record<string, string> = {};
  for (let i = 0; i < rawNodes.length; i++) {
    const node = rawNodes[i] as Partial<TaskNode> & { id: string; state?: unknown };
    if (typeof node.state === "string") initial[String(node.id)] = node.state;
    if (isComplete(node)) {
      nodes[i] = node; // as graph_payload() writes it: nothing to fill in (no copy of 10,000)
      continue;
    }
    const id = String(node.id);
    const name = String(node.name ?? node.id);
    nodes[i] = {
      id,
      name,
      kind: String(node.kind ?? "task"),
      label: String(node.label ?? name.split(".").pop()),
      path: String(node.path ?? ""),
      container: node.container ?? null,
      callback: node.callback ?? null,
    };
  }
  return {
    graph: {
      run_id: raw?.run_id ?? null,
      nodes,
      edges: raw?.edges ?? raw?.links ?? [],
      containers: raw?.containers ?? {},
    },
    states: Object.keys(initial).length === 0 ? (states ?? {}) : { ...initial, ...(states ?? {}) },
  };
}

/** Whether a node has every field of a TaskNode, of the right type. */
function isComplete(node: Partial<TaskNode>): node is TaskNode {
  return (
    typeof node.id === "string" &&
    typeof node.name === "string" &&
    typeof node.kind === "string" &&
    typeof node.label === "string" &&
    typeof node.path === "string" &&
    (node.container === null || typeof node.container === "string") &&
    (node.callback === null || typeof node.callback === "string")
  );
}
