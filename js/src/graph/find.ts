/**
 * Finding tasks in the graph: by Celery task id (a log line names one), by name or label, or by
 * state. Pure: the view (index.ts) brings the match into view and shows its details.
 */

import type { TaskNode } from "./model";
import { ownProgress, STATES } from "./model";

/**
 * The tasks a query finds, in canvas order. A query that is a state's name (any case: `failure`)
 * finds the tasks in that state (`progress`: also those in a state of their own, counted with
 * PROGRESS; such a state's name finds its tasks); a line of a worker's log finds the task it names
 * (`Task demo.fail[<id>] raised ...`); any other query finds the tasks whose id starts with it,
 * or whose name or label holds it (any case). Blank finds nothing.
 */
export function findTasks(
  query: string,
  nodes: readonly TaskNode[],
  states: ReadonlyMap<string, string>,
): string[] {
  const text = query.trim();
  if (text === "") return [];
  for (const [, inside] of text.matchAll(/\[([^\]\s]+)\]/g)) {
    if (nodes.some((node) => node.id === inside)) return [inside as string];
  }
  const state = text.toUpperCase();
  const stateOf = (node: TaskNode) => states.get(node.id) ?? "PENDING";
  const inState =
    state === "PROGRESS"
      ? (node: TaskNode) => ownProgress(stateOf(node))
      : (node: TaskNode) => stateOf(node).toUpperCase() === state;
  if ((STATES as readonly string[]).includes(state) || nodes.some(inState)) {
    return nodes.filter(inState).map((n) => n.id);
  }
  const lower = text.toLowerCase();
  return nodes
    .filter(
      (node) =>
        node.id.startsWith(text) ||
        node.name.toLowerCase().includes(lower) ||
        // A label isolates right-to-left text (FSI … PDI): found as typed, without them.
        node.label
          .replace(/[\u2066-\u2069]/g, "")
          .toLowerCase()
          .includes(lower),
    )
    .map((node) => node.id);
}

/**
 * The match after `current` (before it, `backwards`), wrapping around; the first (last) when
 * `current` is not a match. Null when there are none.
 */
export function stepThrough(
  matches: readonly string[],
  current: string | null,
  backwards = false,
): string | null {
  if (matches.length === 0) return null;
  const at = current === null ? -1 : matches.indexOf(current);
  if (at === -1) return (backwards ? matches[matches.length - 1] : matches[0]) as string;
  const step = backwards ? matches.length - 1 : 1;
  return matches[(at + step) % matches.length] as string;
}
