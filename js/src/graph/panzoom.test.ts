import { describe, expect, it } from "vitest";
import { layerShows, layerTransform, MAX_SCALE, MIN_SCALE, viewOf, zoomedAt } from "./panzoom";

/** Where `t` puts the drawing point p on the stage. */
const onStage = (t: { x: number; y: number; k: number }, p: { x: number; y: number }) => ({
  x: t.k * p.x + t.x,
  y: t.k * p.y + t.y,
});

describe("viewOf", () => {
  it("gives the stage's rectangle in the drawing's units", () => {
    expect(viewOf({ x: 8, y: 4, k: 1 }, 800, 400)).toEqual({ x: -8, y: -4, w: 800, h: 400 });
    // Zoomed in twice, drawing point (100, 50) at the stage's top left.
    expect(viewOf({ x: -200, y: -100, k: 2 }, 800, 400)).toEqual({
      x: 100,
      y: 50,
      w: 400,
      h: 200,
    });
  });
});

describe("zoomedAt", () => {
  it("keeps the point under the pointer where it is", () => {
    const t = { x: 30, y: -12, k: 0.5 };
    const at = { x: 250, y: 140 };
    const z = zoomedAt(t, at.x, at.y, 1.7);
    expect(z.k).toBeCloseTo(0.85);
    // The drawing point under the pointer before the zoom is under it after.
    const p = { x: (at.x - t.x) / t.k, y: (at.y - t.y) / t.k };
    expect(onStage(z, p).x).toBeCloseTo(at.x);
    expect(onStage(z, p).y).toBeCloseTo(at.y);
  });

  it("stops at the closest and the farthest zoom", () => {
    expect(zoomedAt({ x: 0, y: 0, k: 3 }, 0, 0, 10).k).toBe(MAX_SCALE);
    expect(zoomedAt({ x: 0, y: 0, k: 0.03 }, 0, 0, 0.1).k).toBe(MIN_SCALE);
  });
});

describe("layerShows", () => {
  const painted = { x: 100, y: 100, w: 400, h: 200 };

  it("holds a view inside the painted one (a zoom in)", () => {
    expect(layerShows(painted, { x: 150, y: 120, w: 200, h: 100 }, 5000, 5000)).toBe(true);
    expect(layerShows(painted, painted, 5000, 5000)).toBe(true);
  });

  it("does not hold a view reaching past the painted one, when there is drawing there", () => {
    expect(layerShows(painted, { x: 90, y: 100, w: 400, h: 200 }, 5000, 5000)).toBe(false);
    expect(layerShows(painted, { x: 50, y: 50, w: 800, h: 400 }, 5000, 5000)).toBe(false);
  });

  it("holds any view when the whole drawing was painted (there is nothing beyond)", () => {
    const fitted = { x: -10, y: -20, w: 1000, h: 500 };
    expect(layerShows(fitted, { x: -500, y: 300, w: 1000, h: 500 }, 900, 400)).toBe(true);
    expect(layerShows(fitted, { x: -1000, y: -500, w: 4000, h: 2000 }, 900, 400)).toBe(true);
    expect(layerShows(fitted, { x: 0, y: 0, w: 1000, h: 500 }, 1200, 400)).toBe(false);
  });
});

describe("layerTransform", () => {
  /** Apply a CSS `translate(..px,..px) scale(..)` (origin at the top left) to a stage point. */
  function css(transform: string, q: { x: number; y: number }) {
    const m = /translate\((.+)px,(.+)px\) scale\((.+)\)/.exec(transform);
    if (m === null) throw new Error(transform);
    const [tx, ty, s] = [Number(m[1]), Number(m[2]), Number(m[3])];
    return { x: s * q.x + tx, y: s * q.y + ty };
  }

  it("moves the painted drawing to where the new transform draws it", () => {
    const from = { x: 40, y: 25, k: 0.2 };
    const to = zoomedAt({ ...from, x: from.x + 13, y: from.y - 7 }, 300, 120, 2.5);
    for (const p of [
      { x: 0, y: 0 },
      { x: 1234, y: 567 },
      { x: -50, y: 800 },
    ]) {
      const moved = css(layerTransform(from, to), onStage(from, p));
      expect(moved.x).toBeCloseTo(onStage(to, p).x);
      expect(moved.y).toBeCloseTo(onStage(to, p).y);
    }
  });

  it("is a plain translation for a drag", () => {
    const from = { x: 8, y: 8, k: 0.1 };
    expect(layerTransform(from, { x: 68, y: 38, k: 0.1 })).toBe("translate(60px,30px) scale(1)");
  });
});
