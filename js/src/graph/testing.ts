/**
 * Graph payloads for the tests, shaped as canvas_widgets.result_view.graph_payload() writes them
 * (paths, containers parent first, edges of data flow).
 */

import type { GraphPayload, TaskNode } from "./model";

export const task = (
  id: string,
  path: string,
  container: string | null,
  name = "demo.add",
): TaskNode => ({
  id,
  name,
  kind: "task",
  label: `${name.split(".").pop()}()`,
  path,
  container,
  callback: null,
});

/** chord([add x n], tsum): the canvas guide's chord, task ids h0..h(n-1) and "body". */
export function chordPayload(n: number): GraphPayload {
  const header = Array.from({ length: n }, (_, i) =>
    task(`h${i}`, `chord.header[${i}]`, "chord.header"),
  );
  return {
    run_id: "run-1",
    nodes: [...header, task("body", "chord.body", "chord", "demo.tsum")],
    edges: header.map((t) => ({ source: t.id, target: "body", kind: "chord" })),
    containers: {
      chord: { kind: "chord", parent: null, id: "body" },
      "chord.header": { kind: "header", parent: "chord", id: null },
    },
  };
}

/** chain(add, group(chain(add, mul) x g), tsum) -- Celery makes it chain(add, chord(...)). */
export function chainOfChordPayload(g: number): GraphPayload {
  const nodes: TaskNode[] = [task("first", "chain.tasks[0]", "chain")];
  const edges: GraphPayload["edges"] = [];
  const containers: GraphPayload["containers"] = {
    chain: { kind: "chain", parent: null, id: "last" },
    "chain.tasks[1]": { kind: "chord", parent: "chain", id: "last" },
    "chain.tasks[1].header": { kind: "header", parent: "chain.tasks[1]", id: null },
  };
  for (let i = 0; i < g; i++) {
    const path = `chain.tasks[1].header[${i}]`;
    containers[path] = { kind: "chain", parent: "chain.tasks[1].header", id: `m${i}` };
    nodes.push(task(`a${i}`, `${path}.tasks[0]`, path), task(`m${i}`, `${path}.tasks[1]`, path));
    edges.push(
      { source: "first", target: `a${i}`, kind: "chain" },
      { source: `a${i}`, target: `m${i}`, kind: "chain" },
      { source: `m${i}`, target: "last", kind: "chord" },
    );
  }
  nodes.push(task("last", "chain.tasks[1].body", "chain.tasks[1]", "demo.tsum"));
  return { run_id: "run-2", nodes, edges, containers };
}

/** group(add x n): task ids t0..t(n-1). */
export function groupPayload(n: number): GraphPayload {
  return {
    run_id: null,
    nodes: Array.from({ length: n }, (_, i) => task(`t${i}`, `group.tasks[${i}]`, "group")),
    edges: [],
    containers: { group: { kind: "group", parent: null, id: "g" } },
  };
}
