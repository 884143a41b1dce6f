import { describe, expect, it } from "vitest";
import { actionsFor, FIELD_ORDER, orderedFields, revokedText } from "./details";
import { normalise, type TaskNode } from "./model";
import { chordPayload } from "./testing";

describe("orderedFields", () => {
  it("puts the fields people look for first, drops empty ones, keeps unknown ones last", () => {
    const fields = orderedFields({
      worker: "w1@host",
      zeta: "z",
      traceback: "Traceback ...",
      name: "demo.fail",
      result: "",
      state: "FAILURE",
    });
    expect(fields.map(([k]) => k)).toEqual(["name", "state", "traceback", "worker", "zeta"]);
    expect(FIELD_ORDER.indexOf("exception")).toBeLessThan(FIELD_ORDER.indexOf("traceback"));
  });
});

describe("normalise", () => {
  it("reads networkx node_link_data with states on the nodes and no containers", () => {
    const { graph, states } = normalise(
      {
        nodes: [{ id: "t-1", name: "demo.add", state: "SUCCESS" } as never],
        links: [{ source: "t-1", target: "t-1", kind: "chain" }],
      },
      undefined,
    );
    expect(graph.containers).toEqual({});
    expect(graph.edges).toHaveLength(1);
    expect(graph.nodes[0]).toMatchObject({ label: "add", container: null });
    expect(graph.run_id).toBeNull();
    expect(states).toEqual({ "t-1": "SUCCESS" });
    expect(normalise(null, { a: "PENDING" }).graph.nodes).toEqual([]);
  });

  it("keeps a complete node as it is, and completes one with a field missing or mistyped", () => {
    const complete = chordPayload(1).nodes[0] as TaskNode;
    const partial = { ...complete, id: "t-2", label: undefined, callback: undefined };
    const { graph, states } = normalise(
      { nodes: [complete, { ...partial, state: "STARTED" } as never] },
      { [complete.id]: "SUCCESS" },
    );
    expect(graph.nodes[0]).toBe(complete);
    expect(graph.nodes[1]).toEqual({ ...complete, id: "t-2", label: "add", callback: null });
    expect(states).toEqual({ [complete.id]: "SUCCESS", "t-2": "STARTED" });
  });
});

describe("actionsFor", () => {
  it("offers retry from a task failed or revoked, revoke from one not finished, terminate from one running", () => {
    expect(actionsFor("FAILURE")).toEqual(["retry"]);
    expect(actionsFor("REVOKED")).toEqual(["retry"]);
    for (const state of ["PENDING", "SENT", "RECEIVED", "RETRY"]) {
      expect(actionsFor(state)).toEqual(["revoke"]);
    }
    for (const state of ["STARTED", "PROGRESS", "FETCHING"]) {
      expect(actionsFor(state)).toEqual(["revoke", "terminate"]);
    }
    expect(actionsFor("SUCCESS")).toEqual([]);
    expect(actionsFor("")).toEqual([]); // no state known
    // Never ran (a step after a failed one, which Celery marks FAILURE too): retry from that one.
    expect(actionsFor("FAILURE", true)).toEqual([]);
    expect(actionsFor("PENDING", true)).toEqual([]);
  });
});

describe("revokedText", () => {
  const reply = (revoked: number, running = 0, notTerminated: string[] = []) => ({
    revoked,
    running,
    not_terminated: notTerminated,
  });
  it("says how many were revoked, and what became of the ones running", () => {
    expect(revokedText(reply(1), false)).toBe("Revoked 1 task waiting to run.");
    expect(revokedText(reply(2, 1), false)).toBe(
      "Revoked 1 task waiting to run; the one running goes on (Terminate stops it).",
    );
    expect(revokedText(reply(5, 3), false)).toBe(
      "Revoked 2 tasks waiting to run; the 3 running go on (Terminate stops them).",
    );
    expect(revokedText(reply(2, 2), false)).toBe(
      "None was waiting to run; the 2 running go on (Terminate stops them).",
    );
    expect(revokedText(reply(3), true)).toBe(
      "Revoked 3 tasks that had not finished; the ones running were terminated.",
    );
    expect(revokedText(reply(2, 0, ["w1@h: NotImplementedError('no kill_job')"]), true)).toBe(
      "Revoked 2 tasks that had not finished, but not terminated by w1@h: NotImplementedError('no kill_job')",
    );
  });
});
