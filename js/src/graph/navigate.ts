/**
 * Moving through the graph with the keyboard: which key does what, and which node an arrow key
 * goes to; and along a row of buttons that is one tab stop (the legend). Pure: the view
 * (index.ts) selects the node, brings it into view and shows its details.
 */

import type { Box } from "./layout";

export type Direction = "left" | "right" | "up" | "down";

/** What a key pressed on the graph asks for (null: not ours). */
export type GraphKey =
  | { move: Direction }
  | "first"
  | "last"
  | "details"
  | "close"
  | "zoom-in"
  | "zoom-out"
  | "fit"
  | "find";

const KEYS: Readonly<Record<string, GraphKey>> = {
  ArrowLeft: { move: "left" },
  ArrowRight: { move: "right" },
  ArrowUp: { move: "up" },
  ArrowDown: { move: "down" },
  Home: "first",
  End: "last",
  Enter: "details",
  " ": "details",
  Escape: "close",
  "+": "zoom-in",
  "=": "zoom-in",
  "-": "zoom-out",
  "0": "fit",
  "/": "find",
};

/** The action of a key without Ctrl, Alt or Meta (those are left to the browser and notebook). */
export function graphKey(key: string): GraphKey | null {
  return KEYS[key] ?? null;
}

/**
 * How far to move the view (drawing units) for `box` to be inside `region` with `margin` around
 * it, moving as little as possible: 0 along an axis where it is already in. A box too big for
 * the region gets its start at the region's start.
 */
export function nudge(box: Box, region: Box, margin: number): { dx: number; dy: number } {
  const along = (start: number, size: number, from: number, room: number): number => {
    if (start - margin < from || size + 2 * margin > room) return start - margin - from;
    return Math.max(0, start + size + margin - (from + room));
  };
  return {
    dx: along(box.x, box.w, region.x, region.w),
    dy: along(box.y, box.h, region.y, region.h),
  };
}

/**
 * The candidate nearest to `from` in `direction`, of those whose centre lies that way from
 * `from`'s centre. Those level with `from` (overlapping it across the direction: the next step of
 * a row, the next member of a column) come first, the closest along the direction; failing
 * them, the closest counting distance across the direction twice. Null when none lies that way.
 */
export function nearestInDirection(
  from: Box,
  candidates: Iterable<[string, Box]>,
  direction: Direction,
): string | null {
  const horizontal = direction === "left" || direction === "right";
  const sign = direction === "right" || direction === "down" ? 1 : -1;
  // Positions along the direction and across it.
  const along = (b: Box) => sign * (horizontal ? b.x + b.w / 2 : b.y + b.h / 2);
  const start = (b: Box) => (horizontal ? b.y : b.x);
  const size = (b: Box) => (horizontal ? b.h : b.w);
  const origin = along(from);
  let best: string | null = null;
  let bestScore = Number.POSITIVE_INFINITY;
  for (const [key, box] of candidates) {
    const distance = along(box) - origin;
    if (distance < 1) continue; // not that way (or the node itself)
    const gap = Math.max(
      start(from) - start(box) - size(box),
      start(box) - start(from) - size(from),
    );
    // Level with `from` (no gap across): scored below every node that is not.
    const score = gap < 0 ? distance - 1e9 : distance + 2 * gap;
    if (score < bestScore) {
      bestScore = score;
      best = key;
    }
  }
  return best;
}

/** Where a key moves the focus along a row of `count` buttons that is one tab stop (a toolbar's
 * "roving tabindex"), from `index`: the arrows step (round at the ends), Home and End jump;
 * null for any other key. */
export function rowStep(key: string, index: number, count: number): number | null {
  if (count === 0) return null;
  if (key === "ArrowRight" || key === "ArrowDown") return (index + 1) % count;
  if (key === "ArrowLeft" || key === "ArrowUp") return (index - 1 + count) % count;
  if (key === "Home") return 0;
  if (key === "End") return count - 1;
  return null;
}
