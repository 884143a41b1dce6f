import { describe, expect, it } from "vitest";
import type { Box } from "./layout";
import { graphKey, nearestInDirection, nudge, rowStep } from "./navigate";

const box = (x: number, y: number): Box => ({ x, y, w: 100, h: 30 });

// A chord's header column of three (left) and its body (right, level with the middle one).
const header: [string, Box][] = [
  ["h0", box(0, 0)],
  ["h1", box(0, 40)],
  ["h2", box(0, 80)],
];
const body: [string, Box] = ["body", box(140, 40)];
const nodes = [...header, body];

describe("nearestInDirection", () => {
  it("steps down and up a column, and stops at its ends", () => {
    expect(nearestInDirection(box(0, 0), nodes, "down")).toBe("h1");
    expect(nearestInDirection(box(0, 40), nodes, "down")).toBe("h2");
    expect(nearestInDirection(box(0, 80), nodes, "down")).toBeNull();
    expect(nearestInDirection(box(0, 80), nodes, "up")).toBe("h1");
    expect(nearestInDirection(box(0, 0), nodes, "up")).toBeNull();
  });

  it("goes across to the nearest node the other way, however far up or down it is", () => {
    expect(nearestInDirection(box(0, 0), nodes, "right")).toBe("body");
    expect(nearestInDirection(box(140, 40), nodes, "left")).toBe("h1");
    expect(nearestInDirection(box(140, 40), nodes, "right")).toBeNull();
  });

  it("prefers the next step along a row to a nearer node in the next row", () => {
    // Two chains, one above the other: from the first step of the top one, right is its
    // second step even though the bottom chain's first step is closer as the crow flies.
    const rows: [string, Box][] = [
      ["a0", box(0, 0)],
      ["a1", box(160, 0)],
      ["b0", box(40, 40)],
    ];
    expect(nearestInDirection(box(0, 0), rows, "right")).toBe("a1");
    expect(nearestInDirection(box(0, 0), rows, "down")).toBe("b0");
  });

  it("finds nothing among no candidates", () => {
    expect(nearestInDirection(box(0, 0), [], "left")).toBeNull();
  });
});

describe("graphKey", () => {
  it("maps the graph's keys to what they do, and leaves every other key alone", () => {
    expect(graphKey("ArrowDown")).toEqual({ move: "down" });
    expect(graphKey("Enter")).toBe("details");
    expect(graphKey("Escape")).toBe("close");
    expect(graphKey("+")).toBe("zoom-in");
    expect(graphKey("-")).toBe("zoom-out");
    expect(graphKey("0")).toBe("fit");
    expect(graphKey("/")).toBe("find");
    expect(graphKey("a")).toBeNull();
    expect(graphKey("Tab")).toBeNull();
  });
});

describe("nudge", () => {
  const view = { x: 0, y: 0, w: 300, h: 100 };
  it("leaves a box in the region (margin included) where it is", () => {
    expect(nudge(box(10, 10), view, 10)).toEqual({ dx: 0, dy: 0 });
    expect(nudge(box(190, 60), view, 10)).toEqual({ dx: 0, dy: 0 });
  });
  it("moves the region as little as it takes, margin included", () => {
    expect(nudge(box(250, 60), view, 10)).toEqual({ dx: 60, dy: 0 }); // right edge to 290
    expect(nudge(box(-40, -5), view, 10)).toEqual({ dx: -50, dy: -15 });
    expect(nudge(box(20, 90), view, 0)).toEqual({ dx: 0, dy: 20 });
  });
  it("puts a box too big for the region at its start", () => {
    expect(nudge({ x: 50, y: 10, w: 400, h: 30 }, view, 10)).toEqual({ dx: 40, dy: 0 });
  });
});

describe("rowStep", () => {
  it("steps along a row with the arrows, round at the ends, and jumps with Home and End", () => {
    expect([rowStep("ArrowRight", 0, 9), rowStep("ArrowDown", 8, 9)]).toEqual([1, 0]);
    expect([rowStep("ArrowLeft", 0, 9), rowStep("ArrowUp", 4, 9)]).toEqual([8, 3]);
    expect([rowStep("Home", 5, 9), rowStep("End", 5, 9)]).toEqual([0, 8]);
    expect([rowStep("Enter", 5, 9), rowStep("ArrowRight", 0, 0)]).toEqual([null, null]);
  });
});
