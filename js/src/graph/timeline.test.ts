import { describe, expect, it } from "vitest";
import type { Span } from "./model";
import { barState, laneLabel, niceStep, timelineBars } from "./timeline";

describe("timelineBars", () => {
  it("puts each task on its worker's lane, from the first start, running ones up to now", () => {
    const spans = new Map<string, Span>([
      ["b", ["w2@h", 12, 13]],
      ["a", ["w1@h", 10, 11.5]],
      ["c", ["w1@h", 11.5, null]],
    ]);
    const t = timelineBars(spans, 14);
    expect(t.lanes).toEqual(["w1@h", "w2@h"]);
    expect(t.rows).toEqual([1, 1]); // c starts as a ends: the same row
    expect(t.origin).toBe(10);
    expect(t.duration).toBe(4);
    expect(t.bars.map((b) => [b.taskId, b.lane, b.start, b.end, b.open])).toEqual([
      ["a", 0, 0, 1.5, false],
      ["c", 0, 1.5, 4, true],
      ["b", 1, 2, 3, false],
    ]);
  });

  it("gives tasks a worker ran at once rows of their own, as few as it can", () => {
    // w1 runs a and b together, then c beside b once a is done, then d alone.
    const spans = new Map<string, Span>([
      ["a", ["w1@h", 0, 2]],
      ["b", ["w1@h", 1, 4]],
      ["c", ["w1@h", 2.5, 3]],
      ["d", ["w1@h", 5, 6]],
      ["e", ["w1@h", 3.5, null]],
    ]);
    const t = timelineBars(spans, 7);
    expect(t.rows).toEqual([2]);
    expect(t.bars.map((b) => [b.taskId, b.row])).toEqual([
      ["a", 0],
      ["b", 1],
      ["c", 0],
      ["e", 0],
      ["d", 1],
    ]);
  });

  it("draws each attempt of a task that retried, on the lane of the worker that ran it", () => {
    const spans = new Map<string, Span>([
      [
        "a",
        [
          "w2@h",
          3,
          null,
          [
            ["w1@h", 1, 2, "RETRY"],
            ["w2@h", 2, 2.5, "RETRY"],
          ],
        ],
      ],
    ]);
    const t = timelineBars(spans, 4);
    expect(t.lanes).toEqual(["w1@h", "w2@h"]);
    expect(t.origin).toBe(1);
    expect(t.bars.map((b) => [b.taskId, b.lane, b.start, b.end, b.attempt, b.endedAs])).toEqual([
      ["a", 0, 0, 1, 1, "RETRY"],
      ["a", 1, 1, 1.5, 2, "RETRY"],
      ["a", 1, 2, 3, undefined, undefined], // the last attempt, still running: to now
    ]);
    expect(t.rows).toEqual([1, 1]);
  });

  it("colours an attempt by how it ended, and one whose end was never seen grey", () => {
    const spans = new Map<string, Span>([
      [
        "a",
        [
          "w2@h",
          3,
          4,
          [
            ["w1@h", 1, 2, "RETRY"],
            ["w1@h", 2, 3, null], // its worker process killed: it ended by 3, the next start
          ],
        ],
      ],
    ]);
    const states = new Map([["a", "SUCCESS"]]);
    const bars = timelineBars(spans, 5).bars;
    expect(bars.map((bar) => barState(bar, states))).toEqual([
      { state: "RETRY", said: "RETRY" },
      { state: "PENDING", said: "no end seen, ran until the next attempt at most" },
      { state: "SUCCESS", said: "SUCCESS" },
    ]);
  });

  it("is empty without spans", () => {
    expect(timelineBars(new Map(), 5)).toEqual({
      lanes: [],
      rows: [],
      bars: [],
      duration: 0,
      origin: 0,
    });
  });

  it("cuts a long worker name from the middle, where a cluster's names differ least", () => {
    expect(laneLabel("localcluster-bf6b76-1@vm")).toBe("localcluste…f6b76-1@vm");
    expect(laneLabel("localcluster-bf6b76-1@vm").length).toBe(22);
    expect(laneLabel("w1@host")).toBe("w1@host");
  });

  it("steps the axis by 1, 2 or 5 times a power of ten", () => {
    expect([niceStep(0.3), niceStep(1.5), niceStep(4), niceStep(7), niceStep(0)]).toEqual([
      0.5, 2, 5, 10, 1,
    ]);
  });
});
