import { describe, expect, it } from "vitest";
import type { Span } from "./model";
import {
  applyProgress,
  applyStates,
  countsRecord,
  createStore,
  firstFailure,
  mergeState,
  progressFraction,
  progressOf,
} from "./store";
import { chainOfChordPayload, chordPayload } from "./testing";

describe("mergeState", () => {
  it("moves forward only", () => {
    expect(mergeState("PENDING", "STARTED")).toBe(true);
    expect(mergeState("STARTED", "RECEIVED")).toBe(false);
    expect(mergeState("STARTED", "STARTED")).toBe(false);
    expect(mergeState("SUCCESS", "FAILURE")).toBe(false);
    expect(mergeState("SENT", "REVOKED")).toBe(true);
  });

  it("lets a retried task start again", () => {
    expect(mergeState("RETRY", "STARTED")).toBe(true);
    expect(mergeState("PROGRESS", "RETRY")).toBe(false);
    expect(mergeState("STARTED", "RETRY")).toBe(true);
  });
});

describe('a state of a task\'s own (update_state(state="FETCHING"))', () => {
  it("ranks as PROGRESS: on from STARTED, from one to the next, never back", () => {
    expect(mergeState("STARTED", "FETCHING")).toBe(true);
    expect(mergeState("FETCHING", "PARSING")).toBe(true);
    expect(mergeState("PARSING", "PROGRESS")).toBe(true);
    expect(mergeState("PROGRESS", "FETCHING")).toBe(true);
    expect(mergeState("FETCHING", "STARTED")).toBe(false);
    expect(mergeState("FETCHING", "RECEIVED")).toBe(false);
    expect(mergeState("FETCHING", "SUCCESS")).toBe(true);
    expect(mergeState("SUCCESS", "FETCHING")).toBe(false);
  });

  it("counts as PROGRESS, and as running", () => {
    const store = createStore(chainOfChordPayload(2), {});
    applyStates(store, { a0: "FETCHING", m1: "PROGRESS" });
    expect(countsRecord(store.counts.get("")).PROGRESS).toBe(2);
    expect(progressOf(store.counts.get("")).running).toBe(2);
    applyStates(store, { a0: "SUCCESS" });
    expect(countsRecord(store.counts.get("")).PROGRESS).toBe(1);
  });
});

describe("createStore", () => {
  it("starts from the given states, PENDING for the rest, and counts every container", () => {
    const store = createStore(chordPayload(3), { h0: "SUCCESS", h1: "STARTED" });
    expect(store.states.get("h2")).toBe("PENDING");
    expect(countsRecord(store.counts.get("")).SUCCESS).toBe(1);
    expect(progressOf(store.counts.get("chord.header"))).toEqual({
      total: 3,
      done: 1,
      failed: 0,
      revoked: 0,
      running: 1, // h1, STARTED
    });
    expect(progressOf(store.counts.get("chord")).total).toBe(4);
    expect(store.ancestors.get("h0")).toEqual(["chord.header", "chord", ""]);
    expect(store.ancestors.get("body")).toEqual(["chord", ""]);
  });
});

describe("applyStates", () => {
  it("applies a delta and keeps the counts of every enclosing container", () => {
    const store = createStore(chainOfChordPayload(2), {});
    const changed = applyStates(store, { a0: "STARTED", m1: "SUCCESS", first: "SUCCESS" });
    expect(changed).toEqual(["a0", "m1", "first"]);
    const header = "chain.tasks[1].header";
    expect(countsRecord(store.counts.get(header))).toMatchObject({
      PENDING: 2,
      STARTED: 1,
      SUCCESS: 1,
    });
    expect(countsRecord(store.counts.get("chain.tasks[1].header[1]")).SUCCESS).toBe(1);
    expect(progressOf(store.counts.get(""))).toEqual({
      total: 6,
      done: 2,
      failed: 0,
      revoked: 0,
      running: 1,
    });
  });

  it("ignores moves backwards, repeats and unknown tasks", () => {
    const store = createStore(chordPayload(2), { h0: "SUCCESS" });
    expect(applyStates(store, { h0: "STARTED", h1: "PENDING", nope: "SUCCESS" })).toEqual([]);
    expect(store.states.get("h0")).toBe("SUCCESS");
    expect(store.states.has("nope")).toBe(false);
    expect(progressOf(store.counts.get("")).total).toBe(3);
  });

  it("gives the same result whichever way a snapshot and a stale delta cross", () => {
    const snapshot = { h0: "SUCCESS", h1: "FAILURE", body: "PENDING" };
    const stale = { h0: "STARTED", h1: "RECEIVED" };
    const a = createStore(chordPayload(2), {});
    applyStates(a, snapshot);
    applyStates(a, stale);
    const b = createStore(chordPayload(2), {});
    applyStates(b, stale);
    applyStates(b, snapshot);
    expect([...a.states]).toEqual([...b.states]);
    expect(countsRecord(a.counts.get(""))).toEqual(countsRecord(b.counts.get("")));
  });

  it("applies a batch of 1,000 changes to a 10,000-task store", () => {
    const store = createStore(chordPayload(10_000), {});
    const changes: Record<string, string> = {};
    for (let i = 0; i < 1000; i++) changes[`h${i}`] = i % 10 === 0 ? "FAILURE" : "SUCCESS";
    expect(applyStates(store, changes)).toHaveLength(1000);
    expect(progressOf(store.counts.get("chord.header"))).toEqual({
      total: 10_000,
      done: 1000,
      failed: 100,
      revoked: 0,
      running: 0,
    });
  });
});

describe("progress", () => {
  it("records changed values only and turns them into fractions", () => {
    const store = createStore(chordPayload(2), { h0: "PROGRESS" });
    expect(applyProgress(store, { h0: [3, 4], nope: [1, 2] })).toEqual(["h0"]);
    expect(applyProgress(store, { h0: [3, 4] })).toEqual([]);
    expect(progressFraction(store.progress.get("h0"))).toBe(0.75);
    expect(progressFraction([5, null])).toBeNull();
    expect(progressFraction([9, 4])).toBe(1);
    expect(progressFraction(undefined)).toBeNull();
  });

  it("keeps a value only while its task runs", () => {
    // A task that replaced itself shows how many of the tasks it sent finished while STARTED.
    const store = createStore(chordPayload(2), { h0: "STARTED", h1: "PROGRESS" });
    applyProgress(store, { h0: [1, 4], h1: [3, 4] });
    applyStates(store, { h0: "PROGRESS", h1: "FAILURE" });
    expect(store.progress.get("h0")).toEqual([1, 4]);
    expect(store.progress.has("h1")).toBe(false);
    applyStates(store, { h0: "SUCCESS" });
    expect(store.progress.has("h0")).toBe(false);
  });
});

describe("firstFailure", () => {
  const graph = chordPayload(3);
  const states = { h0: "SUCCESS", h1: "FAILURE", h2: "FAILURE", body: "FAILURE" };

  it("is the failed task that ended first, of those that ran", () => {
    const store = createStore(graph, states);
    const spans = new Map<string, Span>([
      ["h1", ["w1@host", 10, 12.5]],
      ["h2", ["w1@host", 10, 11]],
    ]);
    expect(firstFailure(store, spans, graph.nodes)).toBe("h2");
  });

  it("is the first in canvas order when none has a span, and null when none failed", () => {
    expect(firstFailure(createStore(graph, states), new Map(), graph.nodes)).toBe("h1");
    expect(firstFailure(createStore(graph, { h0: "SUCCESS" }), new Map(), graph.nodes)).toBe(null);
  });
});
