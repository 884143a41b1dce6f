/**
 * The SVG drawing of a laid-out scene, and the repainting of what changed.
 *
 * DOM contract (stable; tests outside this repository rely on it): every drawn task node has
 * `data-cw-task-id="<celery task id>"` and `data-cw-state="<Celery state>"`; a summary node has
 * `data-cw-summary="<container path>"` and `data-cw-count-<state>` (lowercase) for every state.
 *
 * A task node is one element, its box (a `<polygon class="cw-node">`): the browser styles every
 * element of the drawing on first paint, so one per task instead of a group and its box halves
 * that work. Its label and state sign are in a layer of their own above the nodes (see
 * showLabels). A task showing a progress bar becomes a `<g class="cw-node">` holding its box
 * (`cw-node-box`) and the bar, so that the bar is inside the node (see paintTask).
 *
 * Text goes in through `textContent` only: labels, names and paths come from the run.
 */

import { clip, svg } from "../shared/dom";
import { formatCount, plural } from "./format";
import type { ArrowRun, Layout, Point, Route } from "./layout";
import { NODE_H, NODE_W, SUMMARY_H, SUMMARY_W } from "./layout";
import { isOwnState, isRunning, STATES, TERMINAL } from "./model";
import type { Scene, SceneItem } from "./scene";
import { drawOrder, ROOT_KEY } from "./scene";
import { type Counts, progressFraction, progressOf, type StateStore } from "./store";

/** A short sign of each state beside the colour, for readers who cannot tell the colours. */
export const STATE_GLYPH: Readonly<Record<string, string>> = {
  PENDING: "",
  SENT: "·",
  RECEIVED: "•",
  STARTED: "▶",
  PROGRESS: "▶",
  RETRY: "↻",
  SUCCESS: "✓",
  FAILURE: "✗",
  REVOKED: "⊘",
};

/** Mark a task's node or bar whose state is one of the task's own (`data-cw-own-state`, see
 * model.isOwnState): styles.css colours it as PROGRESS. */
export function markOwnState(el: Element, state: string): void {
  const own = isOwnState(state);
  if (own !== el.hasAttribute("data-cw-own-state")) el.toggleAttribute("data-cw-own-state", own);
}

/** A task's label and state sign. */
export interface TaskTexts {
  label: SVGTextElement;
  sign: SVGTextElement;
}

/** What was drawn, to repaint it when states change. */
export interface Drawing {
  /** The `<g>` that pans and zooms. */
  viewport: SVGGElement;
  /** Task id -> its node (drawn tasks only): its box, or a group of box and progress bar. */
  tasks: Map<string, SVGElement>;
  /** Container path -> its summary node. */
  summaries: Map<string, SVGGElement>;
  /** Chord container path -> the label that shows its header's progress. */
  chordLabels: Map<string, { label: SVGTextElement; header: string; kind: string }>;
  /** The layer of task labels and signs, above the nodes. */
  labels: SVGGElement;
  /** Task id -> its label and state sign, for the tasks labelled now (see showLabels). */
  labelled: Map<string, TaskTexts>;
  /** Container boxes whose label, their kind alone, waits for the labels (see showLabels). */
  unlabelledBoxes: { g: SVGGElement; x: number; y: number; label: string }[];
  /** Where everything is (the layout's boxes). */
  boxes: ReadonlyMap<string, { x: number; y: number }>;
}

/** Draw the scene into `viewport` (emptied first); paint states from the store. */
export function draw(
  viewport: SVGGElement,
  scene: Scene,
  layout: Layout,
  store: StateStore,
  labels: ReadonlyMap<string, { label: string; name: string }>,
  withLabels: boolean,
  expanded: ReadonlySet<string> = new Set(),
): Drawing {
  const drawing: Drawing = {
    viewport,
    tasks: new Map(),
    summaries: new Map(),
    chordLabels: new Map(),
    labels: svg("g", { class: "cw-labels" }),
    labelled: new Map(),
    unlabelledBoxes: [],
    boxes: layout.boxes,
  };
  // One node drawn by hand, cloned for the others: cheaper than building each from parts. It
  // starts PENDING, so most nodes need just their id and their box's corners.
  const template = svg("polygon", { class: "cw-node", "data-cw-state": "PENDING" });
  const boxes = svg("g", { class: "cw-boxes" });
  const edges = svg("g", { class: "cw-edge-layer" });
  const nodes = svg("g", { class: "cw-nodes" });
  const states = store.states;
  const progressing: string[] = [];
  const order = drawOrder(scene);
  for (let i = 0; i < order.length; i++) {
    const it = order[i] as SceneItem;
    const box = layout.boxes.get(it.key);
    if (box === undefined) continue;
    if (it.kind === "task") {
      const g = template.cloneNode() as SVGPolygonElement;
      g.setAttribute("points", nodeCorners(box.x, box.y));
      g.setAttribute("data-cw-task-id", it.key);
      const state = states.get(it.key) ?? "PENDING";
      if (state !== "PENDING") {
        g.setAttribute("data-cw-state", state);
        markOwnState(g, state);
      }
      if (store.progress.has(it.key)) progressing.push(it.key);
      drawing.tasks.set(it.key, g);
      nodes.append(g);
    } else if (it.kind === "container" && it.key !== ROOT_KEY) {
      const g = svg("g", {
        class: "cw-box",
        "data-cw-container": it.path,
        "data-cw-kind": it.containerKind,
      });
      g.append(svg("rect", { x: box.x, y: box.y, width: box.w, height: box.h, rx: 6 }));
      const isChord = it.containerKind === "chord";
      const isExpanded = expanded.has(it.path);
      if (withLabels || isChord || isExpanded) {
        const label = boxLabel(box.x, box.y, it.label);
        g.append(label);
        if (isExpanded) {
          // Drawn in full on request: its label folds it back into a summary.
          g.setAttribute("data-cw-expanded", "");
          label.textContent = `${it.label} · ${plural(it.taskCount, "task")} (click to fold)`;
        }
        if (isChord) {
          drawing.chordLabels.set(it.path, { label, header: `${it.path}.header`, kind: it.label });
        }
      } else {
        drawing.unlabelledBoxes.push({ g, x: box.x, y: box.y, label: it.label });
      }
      boxes.append(g);
    } else if (it.kind === "summary") {
      const g = svg("g", {
        class: "cw-summary",
        transform: `translate(${box.x},${box.y})`,
        "data-cw-summary": it.path,
        "data-cw-kind": it.containerKind,
      });
      g.append(
        svg("rect", { class: "cw-summary-box", width: SUMMARY_W, height: SUMMARY_H, rx: 6 }),
        svg(
          "text",
          { class: "cw-summary-title", x: 10, y: 18 },
          `${it.label} · ${plural(it.taskCount, "task")}`,
        ),
        svg("g", { class: "cw-summary-bar", transform: "translate(10,26)" }),
        svg("text", { class: "cw-summary-counts", x: 10, y: 50 }, ""),
      );
      drawing.summaries.set(it.path, g);
      nodes.append(g);
    }
  }
  const paths = edgePathData(layout.routes, layout.arrows);
  for (const [kind, d] of paths.byKind) {
    edges.append(svg("path", { class: "cw-edges", "data-cw-edge-kind": kind, d }));
  }
  edges.append(svg("path", { class: "cw-arrowheads", d: paths.heads }));
  viewport.replaceChildren(boxes, edges, nodes, drawing.labels);
  if (withLabels) showLabels(drawing, labels, store);
  for (const taskId of progressing) paintTask(drawing, store, taskId);
  for (const [path, g] of drawing.summaries) paintSummary(g, store.counts.get(path));
  for (const entry of drawing.chordLabels.values()) paintChordLabel(entry, store);
  return drawing;
}

/** A container box's label, at its top left. */
function boxLabel(x: number, y: number, content: string): SVGTextElement {
  return svg("text", { class: "cw-box-label", x: x + 8, y: y + 15 }, content);
}

/**
 * The `points` of a task node's box at (x, y), its four corners. A polygon, not a `<rect>` with
 * x and y: Chromium takes a rect's x and y as style (presentation attributes), so 10,000 rects
 * at 10,000 places are 10,000 different styles to compute, where polygons of one class share
 * one. (Nor a transform on the group: that is style too.) Four corners, not eight cut ones:
 * writing the numbers of 1,000 boxes was a tenth of the first paint's script.
 */
export function nodeCorners(x: number, y: number): string {
  return corners(x, y, NODE_W, NODE_H);
}

/** The `points` of a w by h box at (x, y), clockwise from the top left. Joined from an array: a
 * template string of eight numbers leaves a chain of partial strings behind, three times the
 * garbage (these run before V8 optimises them, once per task). */
export function corners(x: number, y: number, w: number, h: number): string {
  const right = x + w;
  const bottom = y + h;
  return [x, y, right, y, right, bottom, x, bottom].join(" ");
}

/**
 * The `d` of every edge as one path per kind, and of every arrowhead as one more: a handful of
 * elements however many edges there are. A row's arrows are drawn a run at a time (see
 * ArrowRun): one line, and a head at each tip. Pure: strings from numbers.
 */
export function edgePathData(
  routes: readonly Route[],
  arrows: readonly ArrowRun[],
): {
  byKind: Map<string, string>;
  heads: string;
} {
  const byKind = new Map<string, string>();
  let heads = "";
  let chain = "";
  for (let i = 0; i < arrows.length; i++) {
    const run = arrows[i] as ArrowRun;
    const y = r(run.y);
    const tips = run.tips;
    for (let j = 0; j < tips.length; j++) {
      heads += `M${r(tips[j] as number)},${y}${RIGHTWARD_HEAD_FROM_TIP}`;
    }
    chain += `M${r(run.from)},${y}H${r(tips[tips.length - 1] ?? run.from)}`;
  }
  if (chain !== "") byKind.set("chain", chain);
  for (const route of routes) {
    const pts = route.points;
    if (pts.length < 2) continue;
    let d = "";
    for (let i = 0; i < pts.length; i++) {
      const p = pts[i] as Point;
      d += `${i === 0 ? "M" : "L"}${r(p.x)},${r(p.y)}`;
    }
    byKind.set(route.kind, (byKind.get(route.kind) ?? "") + d);
    heads += arrowHead(pts[pts.length - 2] as Point, pts[pts.length - 1] as Point);
  }
  return { byKind, heads };
}

const r = (v: number) => Math.round(v * 10) / 10;

/** The arrowhead's half-angle (radians) and length. */
const HEAD_COS = Math.cos(0.45);
const HEAD_SIN = Math.sin(0.45);
const HEAD_SIZE = 6;

/** The rest of a head pointing right, drawn from its tip: the same triangle as arrowHead's. */
const RIGHTWARD_HEAD_FROM_TIP = `l${r(-HEAD_SIZE * HEAD_COS)},${r(-HEAD_SIZE * HEAD_SIN)}v${r(2 * HEAD_SIZE * HEAD_SIN)}z`;

/** A filled triangle at `to`, pointing from `from`. */
export function arrowHead(from: Point, to: Point): string {
  const dx = to.x - from.x;
  const dy = to.y - from.y;
  const length = Math.hypot(dx, dy);
  // The unit vector along the edge, turned 0.45 rad each way (no trigonometry per edge).
  const ux = length > 0 ? dx / length : 1;
  const uy = length > 0 ? dy / length : 0;
  const ax = to.x - HEAD_SIZE * (ux * HEAD_COS + uy * HEAD_SIN);
  const ay = to.y - HEAD_SIZE * (uy * HEAD_COS - ux * HEAD_SIN);
  const bx = to.x - HEAD_SIZE * (ux * HEAD_COS - uy * HEAD_SIN);
  const by = to.y - HEAD_SIZE * (uy * HEAD_COS + ux * HEAD_SIN);
  return `M${r(to.x)},${r(to.y)}L${r(ax)},${r(ay)}L${r(bx)},${r(by)}Z`;
}

/** A rectangle of the drawing, in the layout's units. */
export interface Region {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** Whether a task node at `at` lies in `region`, wholly or in part. */
function overlaps(at: { x: number; y: number }, region: Region): boolean {
  return (
    at.x > region.x - NODE_W &&
    at.x < region.x + region.w &&
    at.y > region.y - NODE_H &&
    at.y < region.y + region.h
  );
}

/** The tasks of `taskIds` whose node lies in `region`, wholly or in part. */
export function nodesIn(
  taskIds: Iterable<string>,
  boxes: ReadonlyMap<string, { x: number; y: number }>,
  region: Region,
): string[] {
  const found: string[] = [];
  for (const taskId of taskIds) {
    const at = boxes.get(taskId);
    if (at !== undefined && overlaps(at, region)) found.push(taskId);
  }
  return found;
}

/**
 * Draw task nodes' labels and state signs: of the tasks in `region`, or of all without one;
 * and the labels of boxes that only say their kind (chain, group). A graph fitted so small that
 * no label could be read (a thousand tasks) is drawn without them, which halves its elements.
 * Zoomed in close enough, the tasks in view get theirs as the view moves, and lose them once
 * outside `keep` (a region around `region`): the browser lays out every SVG text again at each
 * change of zoom, so the texts kept are about what is in view, not all the view has passed
 * over. The first zoom into 10,000 tasks then labels the few hundred in view, not all 10,000 at
 * once (a 0.4-0.7 s frame). A chord's label (its header's progress) and an expanded box's (it
 * folds the box) are always drawn.
 */
export function showLabels(
  drawing: Drawing,
  labels: ReadonlyMap<string, { label: string; name: string }>,
  store: StateStore,
  region?: Region,
  keep: Region | undefined = region,
): void {
  for (const box of drawing.unlabelledBoxes) box.g.append(boxLabel(box.x, box.y, box.label));
  drawing.unlabelledBoxes = [];
  const labelled = drawing.labelled;
  if (keep !== undefined) {
    for (const [taskId, texts] of labelled) {
      const at = drawing.boxes.get(taskId);
      if (at === undefined || overlaps(at, keep)) continue;
      texts.label.remove();
      texts.sign.remove();
      labelled.delete(taskId);
    }
  }
  if (labelled.size === drawing.tasks.size) return;
  const taskIds =
    region === undefined
      ? [...drawing.tasks.keys()]
      : nodesIn(drawing.tasks.keys(), drawing.boxes, region);
  const label = svg("text", { class: "cw-node-label" }, "");
  const glyph = svg("text", { class: "cw-node-glyph" }, "");
  const layer = document.createDocumentFragment();
  for (let i = 0; i < taskIds.length; i++) {
    const taskId = taskIds[i] as string;
    if (labelled.has(taskId)) continue;
    const at = drawing.boxes.get(taskId) ?? { x: 0, y: 0 };
    const l = label.cloneNode() as SVGTextElement;
    l.setAttribute("x", String(at.x + 8));
    l.setAttribute("y", String(at.y + NODE_H / 2 + 4));
    l.textContent = clip(labels.get(taskId)?.label ?? taskId, 21);
    const sign = glyph.cloneNode() as SVGTextElement;
    sign.setAttribute("x", String(at.x + NODE_W - 8));
    sign.setAttribute("y", String(at.y + NODE_H / 2 + 4));
    sign.textContent = STATE_GLYPH[store.states.get(taskId) ?? "PENDING"] ?? "";
    layer.append(l, sign);
    labelled.set(taskId, { label: l, sign });
  }
  drawing.labels.append(layer);
}

/** Show `text` as the tooltip of `node`, hovered: the drawing's one `<title>` moves into it (a
 * title in every node would double the elements of the first paint). */
export function showTitle(root: SVGSVGElement, node: Element, text: string): void {
  const title = root.querySelector<SVGTitleElement>("title") ?? svg("title");
  title.textContent = text;
  node.append(title);
}

/** Repaint one task node from the store: state, sign, progress bar. */
export function paintTask(drawing: Drawing, store: StateStore, taskId: string): void {
  let g = drawing.tasks.get(taskId);
  if (g === undefined) return;
  const state = store.states.get(taskId) ?? "PENDING";
  if (g.getAttribute("data-cw-state") !== state) {
    g.setAttribute("data-cw-state", state);
    markOwnState(g, state);
  }
  const texts = drawing.labelled.get(taskId);
  const sign = STATE_GLYPH[state] ?? STATE_GLYPH.PROGRESS ?? "";
  if (texts !== undefined && texts.sign.textContent !== sign) texts.sign.textContent = sign;
  const fraction = isRunning(state) ? progressFraction(store.progress.get(taskId)) : null;
  let bar = g.querySelector<SVGRectElement>(".cw-node-progress");
  if (fraction === null) {
    bar?.remove();
    return;
  }
  if (bar === null) {
    if (g instanceof SVGPolygonElement) g = withRoomForBar(drawing, taskId, g);
    const at = drawing.boxes.get(taskId) ?? { x: 0, y: 0 };
    bar = svg("rect", { class: "cw-node-progress", x: at.x + 1, y: at.y + NODE_H - 4, height: 3 });
    g.append(bar);
  }
  bar.setAttribute("width", String(r((NODE_W - 2) * fraction)));
}

/**
 * A task node as a group, which can hold a progress bar: the group takes the node's class,
 * attributes and place in the drawing, the box goes in it as a `cw-node-box`.
 */
function withRoomForBar(drawing: Drawing, taskId: string, box: SVGPolygonElement): SVGGElement {
  const g = svg("g");
  for (const name of box.getAttributeNames()) {
    if (name === "points") continue;
    g.setAttribute(name, box.getAttribute(name) as string);
    box.removeAttribute(name);
  }
  box.setAttribute("class", "cw-node-box");
  box.replaceWith(g);
  g.append(box);
  drawing.tasks.set(taskId, g);
  return g;
}

/** Repaint a summary node: its count attributes, stacked bar and counts text. */
export function paintSummary(g: SVGGElement, counts: Counts | undefined): void {
  const { total } = progressOf(counts);
  const bar = g.querySelector(".cw-summary-bar") as SVGGElement;
  const width = SUMMARY_W - 20;
  const parts: SVGRectElement[] = [];
  let x = 0;
  STATES.forEach((state, i) => {
    const n = counts?.[i] ?? 0;
    g.setAttribute(`data-cw-count-${state.toLowerCase()}`, String(n));
    if (n === 0 || total === 0) return;
    const w = (width * n) / total;
    parts.push(
      svg("rect", {
        class: "cw-summary-part",
        "data-cw-state": state,
        x: r(x),
        width: r(w),
        height: 10,
      }),
    );
    x += w;
  });
  bar.replaceChildren(...parts);
  (g.querySelector(".cw-summary-counts") as SVGTextElement).textContent = summaryCounts(counts);
}

/** A summary node's counts line: "629/2,000 done · 7 running · 2 failed" (see progressOf). */
export function summaryCounts(counts: Counts | undefined): string {
  const { total, done, running } = progressOf(counts);
  const words = [`${formatCount(done)}/${formatCount(total)} done`];
  if (running > 0) words.push(`${formatCount(running)} running`);
  return [...words, ...outcomeWords(counts)].join(" · ");
}

/**
 * What did not succeed, in words: "3 failed (2 never ran)", "1 revoked", "1 will not run",
 * "1 errback ran without a state".
 * `notRun`: of the tasks that will never run, how many are in each state (the summary's
 * `not_run`): Celery marks FAILURE the steps after a failure, and errbacks not needed stay
 * PENDING. A revoked task's count says nothing more: it was stopped, whether or not it ran.
 * `ranWithoutState`: errbacks Celery ran inside a failed task's worker (they stay PENDING).
 */
export function outcomeWords(
  counts: Counts | undefined,
  notRun: Readonly<Record<string, number>> = {},
  ranWithoutState = 0,
): string[] {
  const { failed, revoked } = progressOf(counts);
  const words: string[] = [];
  if (failed > 0) {
    const never = notRun.FAILURE ?? 0;
    const of = never > 0 ? ` (${formatCount(never)} never ran)` : "";
    words.push(`${formatCount(failed)} failed${of}`);
  }
  if (revoked > 0) words.push(`${formatCount(revoked)} revoked`);
  let waiting = 0;
  for (const [state, n] of Object.entries(notRun)) if (!TERMINAL.has(state)) waiting += n;
  if (waiting > 0) words.push(`${formatCount(waiting)} will not run`);
  if (ranWithoutState > 0) {
    words.push(`${plural(ranWithoutState, "errback")} ran without a state`);
  }
  return words;
}

/** A chord's label: "chord · header 3/10 done", and how many of them failed or were revoked. */
export function paintChordLabel(
  entry: { label: SVGTextElement; header: string; kind: string },
  store: StateStore,
): void {
  const counts = store.counts.get(entry.header);
  const { total, done } = progressOf(counts);
  const content =
    total > 0
      ? [
          `${entry.kind} · header ${formatCount(done)}/${formatCount(total)} done`,
          ...outcomeWords(counts),
        ].join(", ")
      : entry.kind;
  if (entry.label.textContent !== content) entry.label.textContent = content;
}
