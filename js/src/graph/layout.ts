/**
 * Coordinates for a scene: each box laid out on its own, innermost first.
 *
 * A canvas is series-parallel, and the scene's nesting says most of the layout already: a box
 * whose edges run child to child in canvas order (a chain, a chord: header box -> body) is a
 * row; a box without edges among its children (a group, a chord's header) is a column, or a
 * grid when it holds many single tasks. Any other box — callbacks (`link`, `link_error`) fork a
 * chain, say — is laid out in layers by dagre, once per distinct shape, its children (boxes
 * already laid out) as plain nodes. Laying out the whole graph with ELK's compound layout
 * instead took 0.4–0.8 s for 1,000 tasks and 2.4–3.5 s for 10,000 here, and overflowed the
 * stack on a chain of 10,000 (see js/README.md).
 *
 * Pure; no DOM.
 */

import dagre, { type EdgeLabel, type GraphLabel, type NodeLabel } from "@dagrejs/dagre";
import { containersOutermostFirst, type Scene, type SceneEdge, type SceneItem } from "./scene";

export const NODE_W = 168;
export const NODE_H = 30;
export const SUMMARY_W = 236;
export const SUMMARY_H = 58;
/** Room above a box's children for its label. */
export const PAD_TOP = 22;
export const PAD_SIDE = 10;
export const PAD_BOTTOM = 10;
/** Between the steps of a row (the arrows live here). */
export const ROW_GAP = 36;
/** Between the members of a column. */
export const COLUMN_GAP = 8;
/** A box of more single tasks than this is drawn as a grid, filled column by column. */
export const GRID_AFTER = 12;

/** The stage's border (styles.css, `.cw-stage`), each side. */
export const STAGE_BORDER = 1;

/** The stage's inner width in a host element `hostWidth` wide (its clientWidth, 0 when not laid
 * out): less the stage's border; 0 when unknown. The stage fills its host's width. */
export function stageWidthIn(hostWidth: number): number {
  return hostWidth > 2 * STAGE_BORDER ? hostWidth - 2 * STAGE_BORDER : 0;
}

export interface Point {
  x: number;
  y: number;
}

/** A laid-out item, in absolute coordinates. */
export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface Route {
  points: Point[];
  kind: string;
}

/**
 * The arrows of a row (a chain's steps) that follow one another across task and summary boxes,
 * drawn as one line: from `from` to the last tip, at height `y`, with an arrowhead at every tip.
 * Between two arrows the line runs on under the box between them, which is opaque and drawn
 * above it: so a chain of 20 tasks is one line rather than 19. A run stops at a container box
 * (a group in a chain), which is see-through.
 */
export interface ArrowRun {
  y: number;
  from: number;
  tips: number[];
}

export interface Layout {
  boxes: Map<string, Box>;
  /** Edges that are not a row's data arrows: dagre's routes (forks), and a row's callback
   * arrows (link, link_error), each drawn in its kind's style. */
  routes: Route[];
  /** The rows' data arrows (kinds chain and chord), drawn alike. */
  arrows: ArrowRun[];
  width: number;
  height: number;
  /** How many boxes dagre laid out (the others are rows, columns and grids). */
  layeredRuns: number;
}

interface Size {
  readonly w: number;
  readonly h: number;
}

/** Every task is the same size, and every summary: one object each, shared. */
const TASK_SIZE: Size = { w: NODE_W, h: NODE_H };
const SUMMARY_SIZE: Size = { w: SUMMARY_W, h: SUMMARY_H };

/** A box laid out on its own, relative to its top left corner. Flat arrays of numbers rather
 * than a point object per child: 10,000 tasks made 10,000 objects to throw away. */
interface Local {
  w: number;
  h: number;
  /** Child positions: x0, y0, x1, y1, ... */
  at: number[];
  /** A row's arrows, one per pair of neighbours: x from, x to, y, ... */
  arrows: number[];
  /** Edge routes (dagre's). */
  routes: Route[];
}

/** How a box's children are arranged, from its edges alone. */
export function arrangement(it: SceneItem): "row" | "column" | "grid" | "layered" {
  const n = it.children.length;
  if (it.edges.length === 0) {
    return n > GRID_AFTER && it.children.every((c) => !c.startsWith("c:") && !c.startsWith("s:"))
      ? "grid"
      : "column";
  }
  if (it.edges.length === n - 1) {
    const index = new Map<string, number>();
    for (let i = 0; i < n; i++) index.set(it.children[i] as string, i);
    if (it.edges.every((e) => (index.get(e.target) ?? -1) === (index.get(e.source) ?? -2) + 1)) {
      return "row";
    }
  }
  return "layered";
}

/** The kinds of a row's callback arrows (link, link_error), indexed by arrow (arrow k joins
 * children k and k + 1; data arrows are undefined), or null when the row has none: most rows. */
function calledBack(it: SceneItem): (string | undefined)[] | null {
  const edges = it.edges;
  let found: (string | undefined)[] | null = null;
  for (let i = 0; i < edges.length; i++) {
    const edge = edges[i] as SceneEdge;
    if (edge.kind === "chain" || edge.kind === "chord") continue;
    found ??= [];
    found[it.children.indexOf(edge.source)] = edge.kind;
  }
  return found;
}

/** Lay out a scene: every item gets a box; edges get routes. */
export function layoutScene(scene: Scene): Layout {
  const items = scene.items;
  const sizes = new Map<string, Size>();
  const sizeOf = (key: string): Size => {
    const kind = items.get(key)?.kind;
    if (kind === "task") return TASK_SIZE;
    if (kind === "summary") return SUMMARY_SIZE;
    return sizes.get(key) as Size;
  };
  const locals = new Map<string, Local>();
  /** Container key -> its children's sizes, in order (looked up once per child, not thrice). */
  const childSizesOf = new Map<string, Size[]>();
  const memo = new Map<string, Local>();
  /** Row container key -> the kinds of its callback arrows, by arrow (see calledBack). */
  const callbacksOf = new Map<string, (string | undefined)[]>();
  let layeredRuns = 0;

  // The boxes, outermost first; tasks and summaries have nothing inside to lay out.
  const order = containersOutermostFirst(items.get(scene.root) as SceneItem, items);
  // Innermost first: sizes.
  for (let i = order.length - 1; i >= 0; i--) {
    const it = order[i] as SceneItem;
    const childSizes = it.children.map(sizeOf);
    const top = it.key === scene.root ? PAD_BOTTOM : PAD_TOP;
    const how = arrangement(it);
    let local: Local;
    if (how === "row") {
      local = row(childSizes, top);
      const callbacks = calledBack(it);
      if (callbacks !== null) callbacksOf.set(it.key, callbacks);
    } else if (how === "column") local = column(childSizes, top);
    else if (how === "grid") local = grid(childSizes, top);
    else {
      const index = new Map(it.children.map((c, j) => [c, j]));
      const edges = it.edges.map(
        (e) => [index.get(e.source), index.get(e.target), e.kind] as [number, number, string],
      );
      const key = JSON.stringify([top, childSizes, edges]);
      let known = memo.get(key);
      if (known === undefined) {
        layeredRuns += 1;
        known = layered(childSizes, edges, top);
        memo.set(key, known);
      }
      local = known;
    }
    locals.set(it.key, local);
    childSizesOf.set(it.key, childSizes);
    sizes.set(it.key, { w: local.w, h: local.h });
  }

  // Outermost first: absolute positions.
  const boxes = new Map<string, Box>();
  const routes: Route[] = [];
  const arrowRuns: ArrowRun[] = [];
  const rootSize = sizeOf(scene.root);
  boxes.set(scene.root, { x: 0, y: 0, w: rootSize.w, h: rootSize.h });
  for (const it of order) {
    const local = locals.get(it.key) as Local;
    const origin = boxes.get(it.key) as Box;
    const { x, y } = origin;
    const at = local.at;
    const childSizes = childSizesOf.get(it.key) as Size[];
    const children = it.children;
    for (let j = 0; j < children.length; j++) {
      const size = childSizes[j] as Size;
      boxes.set(children[j] as string, {
        x: x + (at[2 * j] ?? 0),
        y: y + (at[2 * j + 1] ?? 0),
        w: size.w,
        h: size.h,
      });
    }
    // A row's arrow k joins children k and k + 1: it carries on the run of arrow k - 1 when
    // child k, between them, is a task or a summary (an opaque box of one size). A callback's
    // arrow (an errback after its task) is a route of its own kind, and ends the run.
    const arrows = local.arrows;
    const callbacks = callbacksOf.get(it.key);
    let run: ArrowRun | null = null;
    for (let j = 0; j < arrows.length; j += 3) {
      const callback = callbacks?.[j / 3];
      if (callback !== undefined) {
        const arrowY = y + (arrows[j + 2] ?? 0);
        routes.push({
          kind: callback,
          points: [
            { x: x + (arrows[j] ?? 0), y: arrowY },
            { x: x + (arrows[j + 1] ?? 0), y: arrowY },
          ],
        });
        run = null;
        continue;
      }
      const between = childSizes[j / 3];
      if (run === null || (between !== TASK_SIZE && between !== SUMMARY_SIZE)) {
        run = { y: y + (arrows[j + 2] ?? 0), from: x + (arrows[j] ?? 0), tips: [] };
        arrowRuns.push(run);
      }
      run.tips.push(x + (arrows[j + 1] ?? 0));
    }
    for (const route of local.routes) {
      routes.push({
        kind: route.kind,
        points: route.points.map((p) => ({ x: x + p.x, y: y + p.y })),
      });
    }
  }
  return { boxes, routes, arrows: arrowRuns, width: rootSize.w, height: rootSize.h, layeredRuns };
}

function row(sizes: Size[], top: number): Local {
  let height = 0;
  for (let i = 0; i < sizes.length; i++) height = Math.max(height, (sizes[i] as Size).h);
  const at: number[] = [];
  const arrows: number[] = [];
  let x = PAD_SIDE;
  const mid = top + height / 2;
  for (let i = 0; i < sizes.length; i++) {
    const s = sizes[i] as Size;
    if (i > 0) arrows.push(x - ROW_GAP, x, mid);
    at.push(x, top + (height - s.h) / 2);
    x += s.w + ROW_GAP;
  }
  const width = sizes.length > 0 ? x - ROW_GAP : x;
  return { w: width + PAD_SIDE, h: top + height + PAD_BOTTOM, at, arrows, routes: [] };
}

function column(sizes: Size[], top: number): Local {
  let width = 0;
  for (let i = 0; i < sizes.length; i++) width = Math.max(width, (sizes[i] as Size).w);
  const at: number[] = [];
  let y = top;
  for (let i = 0; i < sizes.length; i++) {
    const s = sizes[i] as Size;
    if (i > 0) y += COLUMN_GAP;
    at.push(PAD_SIDE + (width - s.w) / 2, y);
    y += s.h;
  }
  return {
    w: Math.max(width + 2 * PAD_SIDE, 60),
    h: Math.max(y, top) + PAD_BOTTOM,
    at,
    arrows: [],
    routes: [],
  };
}

/** Single tasks of one size, column by column, about as wide as tall on screen. */
function grid(sizes: Size[], top: number): Local {
  const cellW = NODE_W + ROW_GAP / 2;
  const cellH = NODE_H + COLUMN_GAP;
  const rows = Math.max(GRID_AFTER, Math.ceil(Math.sqrt((sizes.length * cellW) / cellH)));
  const cols = Math.ceil(sizes.length / rows);
  const at: number[] = [];
  for (let i = 0; i < sizes.length; i++) {
    at.push(PAD_SIDE + Math.floor(i / rows) * cellW, top + (i % rows) * cellH);
  }
  return {
    w: PAD_SIDE * 2 + cols * cellW - ROW_GAP / 2,
    h: top + rows * cellH - COLUMN_GAP + PAD_BOTTOM,
    at,
    arrows: [],
    routes: [],
  };
}

/** A box whose edges fork, laid out in layers from left to right by dagre. */
function layered(sizes: Size[], edges: [number, number, string][], top: number): Local {
  const g = new dagre.graphlib.Graph<GraphLabel, NodeLabel, EdgeLabel>({ multigraph: true });
  g.setGraph({ rankdir: "LR", nodesep: COLUMN_GAP * 2, ranksep: ROW_GAP, marginx: 0, marginy: 0 });
  g.setDefaultEdgeLabel(() => ({}));
  for (let i = 0; i < sizes.length; i++) {
    const size = sizes[i] as Size;
    g.setNode(`n${i}`, { width: size.w, height: size.h });
  }
  for (let i = 0; i < edges.length; i++) {
    const [source, target] = edges[i] as [number, number, string];
    g.setEdge(`n${source}`, `n${target}`, {}, `e${i}`);
  }
  dagre.layout(g);
  // dagre places centres, from (0, 0): move everything inside the box's padding.
  const at: number[] = [];
  for (let i = 0; i < sizes.length; i++) {
    const node = g.node(`n${i}`);
    const size = sizes[i] as Size;
    at.push(PAD_SIDE + (node.x ?? 0) - size.w / 2, top + (node.y ?? 0) - size.h / 2);
  }
  const routes: Route[] = [];
  for (let i = 0; i < edges.length; i++) {
    const [source, target, kind] = edges[i] as [number, number, string];
    const points = g.edge(`n${source}`, `n${target}`, `e${i}`)?.points ?? [];
    routes.push({ kind, points: points.map((p) => ({ x: PAD_SIDE + p.x, y: top + p.y })) });
  }
  const { width = 0, height = 0 } = g.graph();
  return { w: width + 2 * PAD_SIDE, h: top + height + PAD_BOTTOM, at, arrows: [], routes };
}
