/**
 * The geometry of panning and zooming: which part of the drawing a transform shows, a zoom about
 * a point, and when a gesture may move the drawn `<svg>` as one layer instead of painting the
 * drawing again (see GraphView.moveDuring in ./index.ts). Pure: numbers in, numbers out.
 */

import type { Region } from "./render";

/** The drawing's transform: drawing point p is at k * p + (x, y) on the stage (pixels). */
export interface Transform {
  x: number;
  y: number;
  k: number;
}

/** The closest and farthest zoom. */
export const MIN_SCALE = 0.02;
export const MAX_SCALE = 4;

/** What a stage of width by height pixels shows under `t`, in the drawing's units. */
export function viewOf(t: Transform, width: number, height: number): Region {
  return { x: -t.x / t.k, y: -t.y / t.k, w: width / t.k, h: height / t.k };
}

/** `t` zoomed by `factor` about the stage point (px, py), which stays where it is. */
export function zoomedAt(t: Transform, px: number, py: number, factor: number): Transform {
  const k = Math.min(MAX_SCALE, Math.max(MIN_SCALE, t.k * factor));
  return { k, x: px - ((px - t.x) * k) / t.k, y: py - ((py - t.y) * k) / t.k };
}

/** Whether `inner` lies wholly inside `outer`. */
function inside(inner: Region, outer: Region): boolean {
  return (
    inner.x >= outer.x &&
    inner.y >= outer.y &&
    inner.x + inner.w <= outer.x + outer.w &&
    inner.y + inner.h <= outer.y + outer.h
  );
}

/**
 * Whether the `<svg>` as painted when it showed `painted` still holds everything of `view`: the
 * new view lies inside the painted one (a zoom in), or the whole drawing was in the painted
 * view (so beyond it there is nothing to show). The drawing is `width` by `height` units.
 */
export function layerShows(painted: Region, view: Region, width: number, height: number): boolean {
  return inside(view, painted) || inside({ x: 0, y: 0, w: width, h: height }, painted);
}

/**
 * The CSS transform of the `<svg>` (its origin at its top left) that takes the drawing as
 * painted under `from` to where `to` would draw it.
 */
export function layerTransform(from: Transform, to: Transform): string {
  const s = to.k / from.k;
  return `translate(${to.x - s * from.x}px,${to.y - s * from.y}px) scale(${s})`;
}
