/**
 * The timeline tab: each task that started as a bar on its worker's lane, from start to end
 * (like Dask's task stream), coloured by its state; a task that retried has a bar per attempt,
 * the earlier ones coloured by how they ended. The bars of the task whose details are open are
 * outlined, as its node is in the graph; a bar wide enough is labelled with its task. A worker
 * runs tasks side by side (its concurrency): its lane has as many rows as it ran at once, and
 * no bar hides another.
 * `timelineBars` is pure; `drawTimeline` writes the SVG. Bars carry the DOM contract of task
 * nodes (`data-cw-task-id`, `data-cw-state`); they exist only while the tab is shown.
 *
 * A bar is one `<polygon class="cw-node cw-bar">`, like a task node in the graph (see
 * render.ts): no group, no `<title>` of its own (its text is in `aria-label`; the view lends it
 * the one title while hovered, render.ts's `showTitle`). 10,000 bars were 30,000 elements, and
 * drawing them took twice as long.
 */

import { clip, svg } from "../shared/dom";
import type { Span } from "./model";
import { corners, markOwnState } from "./render";

export const LANE_H = 26;
const LANE_LABEL_W = 150;
const BAR_H = 18;
/** A bar's label: its padding, the width of a character (11px text, about), and the fewest
 * characters worth showing. */
const BAR_PAD = 4;
const CHAR_W = 6.5;
const MIN_CHARS = 6;
const AXIS_H = 22;

export interface Bar {
  taskId: string;
  /** An earlier attempt of a task that retried: its number (from 1) and how it ended. The
   * task's last attempt has neither: it is coloured by the task's state. */
  attempt?: number;
  endedAs?: string;
  lane: number;
  /** Its row in the lane: the first one free when it started. */
  row: number;
  /** Seconds from the first start. */
  start: number;
  end: number;
  /** Still running: its end is "now". */
  open: boolean;
}

export interface Timeline {
  lanes: string[];
  /** Rows of each lane: the most tasks its worker ran at once (1 at least). */
  rows: number[];
  bars: Bar[];
  /** Seconds from the first start to the last end (or now). */
  duration: number;
  /** Epoch seconds of the first start. */
  origin: number;
}

/** Lanes (workers, sorted) and bars from spans; `now` (epoch seconds) ends the running ones. A
 * bar takes the first row of its lane that is free when it starts (in order of start: as few
 * rows as the lane can have). */
export function timelineBars(spans: ReadonlyMap<string, Span>, now: number): Timeline {
  const workers = new Set<string>();
  let origin = Number.POSITIVE_INFINITY;
  for (const [worker, start, , earlier] of spans.values()) {
    workers.add(worker);
    origin = Math.min(origin, start);
    for (const [earlierWorker, earlierStart] of earlier ?? []) {
      workers.add(earlierWorker);
      origin = Math.min(origin, earlierStart);
    }
  }
  const lanes = [...workers].sort();
  const laneOf = new Map(lanes.map((w, i) => [w, i]));
  const bars: Bar[] = [];
  let duration = 0;
  const addBar = (taskId: string, worker: string, start: number, end: number | null): Bar => {
    const stop = end ?? Math.max(now, start);
    const bar = {
      taskId,
      lane: laneOf.get(worker) ?? 0,
      row: 0,
      start: start - origin,
      end: stop - origin,
      open: end === null,
    };
    bars.push(bar);
    duration = Math.max(duration, stop - origin);
    return bar;
  };
  for (const [taskId, [worker, start, end, earlier]] of spans) {
    addBar(taskId, worker, start, end);
    (earlier ?? []).forEach(([earlierWorker, earlierStart, earlierEnd, endedAs], i) => {
      const bar = addBar(taskId, earlierWorker, earlierStart, earlierEnd);
      bar.attempt = i + 1;
      if (endedAs !== null) bar.endedAs = endedAs;
    });
  }
  bars.sort((a, b) => a.start - b.start);
  const rowEnds: number[][] = lanes.map(() => []); // per lane, where each row's last bar ends
  for (const bar of bars) {
    const ends = rowEnds[bar.lane] as number[];
    const free = ends.findIndex((end) => end <= bar.start);
    bar.row = free < 0 ? ends.length : free;
    ends[bar.row] = bar.end;
  }
  const rows = rowEnds.map((ends) => Math.max(1, ends.length));
  return { lanes, rows, bars, duration, origin: Number.isFinite(origin) ? origin : 0 };
}

/** The state a bar is coloured by, and what its label says of it: an earlier attempt by how it
 * ended, the last by the task's state. An earlier attempt whose end no event told (its worker
 * process died; the task went to another) is grey: it ran until the next began, at most. */
export function barState(
  bar: Pick<Bar, "taskId" | "attempt" | "endedAs">,
  states: ReadonlyMap<string, string>,
): { state: string; said: string } {
  if (bar.attempt !== undefined && bar.endedAs === undefined) {
    return { state: "PENDING", said: "no end seen, ran until the next attempt at most" };
  }
  const state = bar.endedAs ?? states.get(bar.taskId) ?? "STARTED";
  return { state, said: state };
}

/** Draw the timeline into `root` (emptied first), `width` pixels wide; `none` says why there
 * is no bar, if there is none. */
export function drawTimeline(
  root: SVGSVGElement,
  timeline: Timeline,
  states: ReadonlyMap<string, string>,
  labels: ReadonlyMap<string, { label: string }>,
  width: number,
  none: string,
  selected: string | null = null,
): void {
  // Narrow (a phone, a side panel): the lane names take a quarter of the width at most, and
  // the axis has fewer ticks, about one per 70 px, so that their labels do not run together.
  const laneW = Math.min(LANE_LABEL_W, Math.max(80, Math.round(width / 4)));
  const plot = Math.max(100, width - laneW - 16);
  const scale = plot / Math.max(timeline.duration, 0.001);
  const laneTop: number[] = []; // each lane's y
  let rowsAbove = 0;
  for (const rows of timeline.rows) {
    laneTop.push(AXIS_H + rowsAbove * LANE_H);
    rowsAbove += rows;
  }
  const height = AXIS_H + Math.max(1, rowsAbove) * LANE_H + 8;
  root.setAttribute("width", String(width));
  root.setAttribute("height", String(height));
  root.setAttribute("viewBox", `0 0 ${width} ${height}`);
  const parts: SVGElement[] = [];
  if (timeline.lanes.length === 0) {
    parts.push(svg("text", { class: "cw-lane-label", x: 8, y: AXIS_H + 16 }, none));
  }
  timeline.lanes.forEach((worker, i) => {
    const y = laneTop[i] as number;
    const lane = svg("g", { class: "cw-lane", "data-cw-lane": worker });
    lane.append(
      svg("rect", {
        class: "cw-lane-bg",
        x: 0,
        y,
        width,
        height: (timeline.rows[i] as number) * LANE_H,
      }),
      svg(
        "text",
        { class: "cw-lane-label", x: 8, y: y + LANE_H / 2 + 4 },
        laneLabel(worker, Math.floor((laneW - 12) / CHAR_W)),
      ),
      svg("title", {}, worker),
    );
    parts.push(lane);
  });
  // Axis: a tick every "nice" step of seconds.
  const step = niceStep(timeline.duration / Math.max(2, Math.min(6, Math.floor(plot / 70))));
  const axis = svg("g", { class: "cw-axis" });
  for (let t = 0; t <= timeline.duration + 1e-9; t += step) {
    const x = laneW + t * scale;
    axis.append(
      svg("line", { x1: x, x2: x, y1: AXIS_H - 4, y2: height }),
      svg("text", { x: x + 2, y: AXIS_H - 8 }, `${+t.toFixed(3)} s`),
    );
  }
  parts.push(axis);
  const bars = document.createDocumentFragment();
  const names = document.createDocumentFragment(); // above every bar: none hides one
  const template = svg("polygon", { class: "cw-node cw-bar" });
  for (const bar of timeline.bars) {
    const { state, said } = barState(bar, states);
    const x = laneW + bar.start * scale;
    const y = (laneTop[bar.lane] as number) + bar.row * LANE_H + (LANE_H - BAR_H) / 2;
    const width = Math.max(2, (bar.end - bar.start) * scale);
    const polygon = template.cloneNode() as SVGPolygonElement;
    polygon.setAttribute("points", corners(x, y, width, BAR_H));
    polygon.setAttribute("data-cw-task-id", bar.taskId);
    polygon.setAttribute("data-cw-state", state);
    markOwnState(polygon, state);
    polygon.setAttribute("data-cw-lane", timeline.lanes[bar.lane] ?? "");
    if (bar.taskId === selected) polygon.classList.add("cw-selected");
    const label = labels.get(bar.taskId)?.label ?? bar.taskId;
    const attempt = bar.attempt === undefined ? "" : ` · attempt ${bar.attempt}`;
    // An image named by its text: `aria-label` on a shape without a role is ignored.
    polygon.setAttribute("role", "img");
    polygon.setAttribute(
      "aria-label",
      `${label}${attempt} · ${said} · ${(bar.end - bar.start).toFixed(3)} s`,
    );
    bars.append(polygon);
    // A bar wide enough shows which task it is, cut to fit.
    const fits = Math.floor((width - 2 * BAR_PAD) / CHAR_W);
    if (fits >= MIN_CHARS) {
      const name = label + (bar.attempt === undefined ? "" : ` (attempt ${bar.attempt})`);
      names.append(
        svg("text", { class: "cw-bar-label", x: x + BAR_PAD, y: y + BAR_H - 5 }, clip(name, fits)),
      );
    }
  }
  root.replaceChildren(...parts, bars, names);
}

/** A worker's name cut to fit its lane, from the middle: workers of one cluster often share
 * a long start ("localcluster-bf6b76-1@host", "-2@host"), and differ at the end. */
export function laneLabel(worker: string, max = 22): string {
  if (worker.length <= max) return worker;
  const head = Math.ceil((max - 1) / 2);
  return `${worker.slice(0, head)}…${worker.slice(worker.length - (max - 1 - head))}`;
}

/** 1, 2 or 5 times a power of ten, at least `raw`. */
export function niceStep(raw: number): number {
  if (!(raw > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) if (m * p >= raw) return m * p;
  return 10 * p;
}
