import { describe, expect, it } from "vitest";
import { NODE_H, NODE_W } from "./layout";
import { STATES } from "./model";
import {
  arrowHead,
  edgePathData,
  nodeCorners,
  nodesIn,
  outcomeWords,
  summaryCounts,
} from "./render";

/** The arrowhead as it was first written, with trigonometry: the reference. */
function arrowHeadByAngle(from: { x: number; y: number }, to: { x: number; y: number }): string {
  const r = (v: number) => Math.round(v * 10) / 10;
  const angle = Math.atan2(to.y - from.y, to.x - from.x);
  const a = { x: to.x - 6 * Math.cos(angle - 0.45), y: to.y - 6 * Math.sin(angle - 0.45) };
  const b = { x: to.x - 6 * Math.cos(angle + 0.45), y: to.y - 6 * Math.sin(angle + 0.45) };
  return `M${r(to.x)},${r(to.y)}L${r(a.x)},${r(a.y)}L${r(b.x)},${r(b.y)}Z`;
}

describe("arrowHead", () => {
  it("points along the edge's last segment, as the angle-based formula does", () => {
    const cases = [
      [
        { x: 0, y: 0 },
        { x: 36, y: 0 },
      ],
      [
        { x: 10, y: 50 },
        { x: 10, y: 10 },
      ],
      [
        { x: 0, y: 0 },
        { x: -20, y: 7 },
      ],
      [
        { x: 3.3, y: 4.4 },
        { x: 120.5, y: 88.25 },
      ],
      [
        { x: 5, y: 5 },
        { x: 5, y: 5 },
      ],
    ];
    for (const [from, to] of cases) {
      expect(arrowHead(from as { x: number; y: number }, to as { x: number; y: number })).toBe(
        arrowHeadByAngle(from as { x: number; y: number }, to as { x: number; y: number }),
      );
    }
  });
});

describe("edgePathData", () => {
  it("joins the routes of each kind into one path, and every head into another", () => {
    const { byKind, heads } = edgePathData(
      [
        {
          kind: "chain",
          points: [
            { x: 10, y: 15 },
            { x: 46, y: 15 },
          ],
        },
        {
          kind: "link",
          points: [
            { x: 0, y: 0 },
            { x: 0, y: 20 },
            { x: 30.04, y: 20 },
          ],
        },
        {
          kind: "chain",
          points: [
            { x: 82, y: 15 },
            { x: 118, y: 15 },
          ],
        },
        { kind: "chain", points: [{ x: 1, y: 1 }] },
      ],
      [],
    );
    expect([...byKind.keys()]).toEqual(["chain", "link"]);
    expect(byKind.get("chain")).toBe("M10,15L46,15M82,15L118,15");
    expect(byKind.get("link")).toBe("M0,0L0,20L30,20");
    expect(heads.match(/M/g)).toHaveLength(3);
    expect(heads.startsWith("M46,15L40.6,17.6L40.6,12.4Z")).toBe(true);
  });

  it("draws a run of a row's arrows as one line, with a head at each tip", () => {
    const { byKind, heads } = edgePathData([], [{ y: 15, from: 10, tips: [46, 250, 454] }]);
    expect(byKind.get("chain")).toBe("M10,15H454");
    expect(heads.match(/M/g)).toHaveLength(3);
    // The same three corners as arrowHead gives, written relative to the tip.
    expect(heads.startsWith("M46,15l-5.4,-2.6v5.2z")).toBe(true);
    expect(arrowHead({ x: 10, y: 15 }, { x: 46, y: 15 })).toBe("M46,15L40.6,17.6L40.6,12.4Z");
  });

  it("draws nothing for no routes", () => {
    expect(edgePathData([], [])).toEqual({ byKind: new Map(), heads: "" });
  });
});

describe("nodeCorners", () => {
  it("outlines a task box, clockwise from the top left", () => {
    expect(nodeCorners(10, 22)).toBe("10 22 178 22 178 52 10 52");
    expect(nodeCorners(0.5, 0)).toBe("0.5 0 168.5 0 168.5 30 0.5 30");
  });
});

describe("nodesIn", () => {
  // A row of nodes 200 apart, and one below it.
  const boxes = new Map([
    ["a", { x: 0, y: 0 }],
    ["b", { x: 200, y: 0 }],
    ["c", { x: 400, y: 0 }],
    ["d", { x: 200, y: 300 }],
  ]);
  const ids = ["a", "b", "c", "d", "not-drawn"];

  it("finds the nodes a region holds, and those it cuts", () => {
    expect(nodesIn(ids, boxes, { x: 190, y: -10, w: 20, h: 50 })).toEqual(["b"]);
    // Only the last pixels of a's box, and of c's, are inside.
    expect(nodesIn(ids, boxes, { x: NODE_W - 1, y: 0, w: 402 - NODE_W, h: 1 })).toEqual([
      "a",
      "b",
      "c",
    ]);
    expect(nodesIn(ids, boxes, { x: 0, y: NODE_H - 1, w: 1000, h: 300 })).toEqual([
      "a",
      "b",
      "c",
      "d",
    ]);
  });

  it("leaves out nodes that only touch its edge, and ids without a box", () => {
    expect(nodesIn(ids, boxes, { x: NODE_W, y: 0, w: 200 - NODE_W, h: 10 })).toEqual([]);
    expect(nodesIn(ids, boxes, { x: -1000, y: -1000, w: 5000, h: 5000 })).toEqual([
      "a",
      "b",
      "c",
      "d",
    ]);
  });
});

describe("summaryCounts", () => {
  const counts = (byState: Record<string, number>) =>
    Int32Array.from(STATES, (state) => byState[state] ?? 0);

  it("counts as running the tasks started, not the ones waiting for a worker's process", () => {
    expect(summaryCounts(counts({ SUCCESS: 629, SENT: 1364, RECEIVED: 7 }))).toBe("629/2,000 done");
    expect(summaryCounts(counts({ SUCCESS: 629, SENT: 1362, STARTED: 7, PROGRESS: 2 }))).toBe(
      "629/2,000 done · 9 running",
    );
  });

  it("says how many failed and how many were revoked, both among the done", () => {
    expect(summaryCounts(counts({ SUCCESS: 7, FAILURE: 2, REVOKED: 1, PENDING: 290 }))).toBe(
      "10/300 done · 2 failed · 1 revoked",
    );
  });
});

describe("outcomeWords", () => {
  const counts = (byState: Record<string, number>) =>
    Int32Array.from(STATES, (state) => byState[state] ?? 0);

  it("tells the failed that never ran from the others, and the tasks that will not run", () => {
    // A chord whose header failed: the body and the step after it marked FAILURE by Celery.
    expect(outcomeWords(counts({ SUCCESS: 2, FAILURE: 3 }), { FAILURE: 2 })).toEqual([
      "3 failed (2 never ran)",
    ]);
    // An errback not needed stays PENDING; revoked tasks are counted as such, not as "not run".
    expect(outcomeWords(counts({ SUCCESS: 1, PENDING: 1 }), { PENDING: 1 })).toEqual([
      "1 will not run",
    ]);
    expect(outcomeWords(counts({ SUCCESS: 2, REVOKED: 3 }), { REVOKED: 2 })).toEqual(["3 revoked"]);
    expect(outcomeWords(counts({ SUCCESS: 5 }))).toEqual([]);
  });

  it("counts the errbacks that ran inside a worker, PENDING for good", () => {
    expect(outcomeWords(counts({ FAILURE: 1, PENDING: 1 }), {}, 1)).toEqual([
      "1 failed",
      "1 errback ran without a state",
    ]);
    expect(outcomeWords(counts({ FAILURE: 2, PENDING: 2 }), {}, 2)[1]).toBe(
      "2 errbacks ran without a state",
    );
  });
});
