/**
 * The result graph widget (anywidget ES module): the whole workflow drawn before it runs, as
 * nested boxes of chains, groups and chords, each task coloured by its Celery state as the run
 * goes; a legend with counts, overall and chord progress, a details panel, revoke and
 * terminate buttons.
 *
 * Python side: canvas_widgets/widgets/result_graph.py (traits in ./model.ts). The view starts
 * from the `states` trait, asks for a snapshot by message, and applies the `states` deltas
 * that follow; states only move forward (store.mergeState), so their order does not matter.
 *
 * DOM contract: see ./render.ts; the revoke button has `data-cw-action="revoke"` (and
 * `terminate` beside it), the details panel of a FAILURE or REVOKED task a
 * `data-cw-action="retry"` button (the widget then follows the new run: a new `graph` trait), of
 * a task not finished a `data-cw-action="revoke-from"` one (it and what depends on it), of one
 * running `terminate-from` too (see ./details.ts actionsFor), the find box is
 * `data-cw-action="find"` (see ./find.ts), `save-svg` and `save-png` download the drawing; the
 * tabs are `data-cw-tab="graph|timeline"`, the timeline `[data-cw-timeline]` with one bar per
 * started task (`data-cw-task-id`, `data-cw-state`, `data-cw-lane`). The widget's root gets
 * `data-cw-layout="done"` once the first complete drawing is on screen.
 */

import type { RenderProps } from "@anywidget/types";
import { button, h, injectStyles, isNotebookKey, svg } from "../shared/dom";
import { pageWithoutKernel, Requests } from "../shared/requests";
import {
  type RevokeReply,
  refreshSummaryDetails,
  revokedText,
  showDetailsMessage,
  showSummaryDetails,
  showTaskDetails,
} from "./details";
import { download, type LegendEntry, pngOf, svgSnapshot } from "./export";
import { findTasks, stepThrough } from "./find";
import { formatCount } from "./format";
import { type Box, type Layout, layoutScene, stageWidthIn } from "./layout";
import type {
  DetailsReply,
  GraphPayload,
  Incoming,
  Model,
  SnapshotReply,
  Span,
  Summary,
} from "./model";
import { isRunning, normalise, STATES } from "./model";
import { type Direction, graphKey, nearestInDirection, nudge, rowStep } from "./navigate";
import { PanZoom } from "./panzoom";
import {
  type Drawing,
  draw,
  outcomeWords,
  paintChordLabel,
  paintSummary,
  paintTask,
  type Region,
  showLabels,
  showTitle,
} from "./render";
import { buildScene, drawOrder, ownerOf, type Scene, summaryKey, summaryPath } from "./scene";
import {
  applyProgress,
  applyStates,
  createStore,
  firstFailure,
  progressOf,
  type StateStore,
  stateIndex,
} from "./store";
import css from "./styles.css";
import { TimelinePane } from "./timeline-pane";

const MIN_HEIGHT = 180;
const MAX_HEIGHT = 560;
/** Below this zoom, labels (11 px) are too small to read: not drawn, or hidden. */
const LABEL_SCALE = 0.5;
/** Below this zoom, a box's border (one unit) is too thin to see: not painted. Not at the
 * labels' scale: each change restyles every task node, and the two together made one long
 * frame of a zoom into 10,000 tasks. */
const BORDER_SCALE = 0.3;
/** Room kept around a node brought into view (screen pixels). */
const REVEAL_MARGIN = 16;
/** Narrower than this, the view is `cw-narrow`: the details panel goes below the graph, not
 * over it (styles.css). */
const NARROW_PX = 560;
/** After this long without a reply, the details say why there may be none. */
const SLOW_REPLY_MS = 3_000;
const NO_ANSWER_YET =
  "Asking the kernel… no answer yet. It may be busy running a cell; or this view was saved " +
  "with the notebook and no widget in the kernel is behind it: run its cell again.";
/** Said when the view's first request, for the run's states so far, has no answer: a page
 * reloaded in JupyterLab 4.6 sometimes sends a widget's messages to a kernel subshell the
 * kernel no longer has ("Cannot handle comm_msg …: Unknown subshell_id" in its log). */
const SNAPSHOT_UNANSWERED =
  "The kernel has not answered this view. Busy running a cell? Saved with the notebook, with " +
  "no widget in the kernel behind it (run its cell again)? Or the page was reloaded, and " +
  "JupyterLab's comms over subshells lose widget messages (Settings › Kernels › Kernel Comms " +
  "over subshells: Disabled, then reload).";
/** Said instead, on a page with no kernel at all (see pageWithoutKernel). */
const SAVED_PICTURE =
  "As saved with the notebook: no kernel is behind this page, so a task's details and the " +
  "run's buttons do nothing here. Open the notebook in Jupyter and run its cells for them.";

/** Said once a request could not be sent: the widget's comm is gone with its kernel. */
function kernelLostText(runId: string): string {
  return (
    `This view lost its kernel (restarted or shut down): it no longer follows run ${runId}, ` +
    `which may go on. To follow it again, in a cell: cw.ResultGraph.attach("${runId}", app)`
  );
}

class GraphView {
  readonly root: HTMLElement;
  /** The kernel is gone (see loseKernel): the view shows what it last knew, and asks nothing. */
  private kernelLost = false;
  private frozenElapsed: number | null = null;
  /** Whether the kernel has said anything to this view yet (a delta, a summary, a snapshot);
   * and, while it has not and the first request went unanswered, the elapsed time it shows:
   * a view from a saved notebook has no kernel behind it, and its clock is not to run on. */
  private heard = false;
  private unheard: number | null = null;
  /** What the view says when nothing answers: the page may have no kernel at all. */
  private readonly unanswered: string;
  private readonly progressBar = h("div", { className: "cw-progress-bar" });
  private readonly progressText = h("span", { className: "cw-progress-text" });
  private readonly legend = h("div", { className: "cw-legend" });
  private readonly svgEl = svg("svg");
  private readonly viewport = svg("g");
  private readonly stage = h("div", { className: "cw-stage" });
  private readonly details = h("aside", { className: "cw-details" });
  private readonly status = h("div", { className: "cw-status", role: "status" });
  private readonly revokeButton = button("Revoke", "Revoke every task that has not finished", {
    "data-cw-action": "revoke",
  });
  private readonly terminateButton = button(
    "Terminate",
    "Revoke every task that has not finished, and stop the ones running now (their worker kills the process running each)",
    { "data-cw-action": "terminate" },
  );
  private readonly failureButton = button(
    "First failure",
    "Show the task that failed first: where it is, and its traceback",
    { "data-cw-action": "first-failure" },
  );
  private readonly findInput = h("input", {
    type: "search",
    className: "cw-find",
    placeholder: "Find a task…",
    title:
      "A task id (or its start), a name, or a state such as failure. Enter: next; Shift+Enter: back",
    "aria-label": "Find tasks by id, name or state",
    "data-cw-action": "find",
  }) as HTMLInputElement;
  /** Which match of how many the find box is at: `2 of 14`, `no match`. */
  private readonly findCount = h("span", { className: "cw-find-count", role: "status" });
  private readonly fitButton = button("Fit", "Fit the whole graph into view", {
    "data-cw-action": "fit",
  });
  private readonly svgButton = button("SVG", "Save the tab shown as an SVG image", {
    "data-cw-action": "save-svg",
  });
  private readonly pngButton = button("PNG", "Save the tab shown as a PNG image", {
    "data-cw-action": "save-png",
  });
  // Tabs, one tab stop: the arrow keys go from one to the other (see onTabKey).
  private readonly graphTab = button("Graph", "The workflow graph", {
    role: "tab",
    "data-cw-tab": "graph",
    "aria-selected": "true",
    tabindex: "0",
  });
  private readonly timelineTab = button("Timeline", "Each task on its worker, start to end", {
    role: "tab",
    "data-cw-tab": "timeline",
    "aria-selected": "false",
    tabindex: "-1",
  });
  /** Task id -> its bar on the timeline (from the `spans` of deltas and snapshots). */
  private spans = new Map<string, Span>();
  /** The timeline tab's pane; what it draws is read from this view each time. */
  private readonly timeline = new TimelinePane(
    () => ({
      spans: this.spans,
      states: this.store.states,
      labels: this.labels,
      missing: this.barsMissing(),
      over: (this.summary?.finished ?? false) || this.allStopped(),
      // Clear of the details panel, when it is open.
      width: (pane) =>
        this.clearOfDetails(!this.details.hidden, pane || this.root.clientWidth || 800),
    }),
    {
      selected: () => this.detailsOf,
      show: (taskId) => void this.showTask(taskId, false),
      close: () => this.closeDetails(),
    },
  );

  private store: StateStore;
  private graph: GraphPayload;
  private scene: Scene | null = null;
  private layout: Layout | null = null;
  private drawing: Drawing | null = null;
  /** Task id -> its node (label, name), made when first needed (see `labels`). */
  private labelsOf: Map<string, { label: string; name: string }> | null = null;
  private summary: Summary;
  private summaryAt = performance.now();
  /** The highlighted node, the one the arrow keys move from: a task id, or a summary's key. */
  private cursor: string | null = null;
  /** The task whose details are shown or asked for. */
  private detailsOf: string | null = null;
  /** Summarised containers drawn in full on request (UI state: never synced). */
  private readonly expanded = new Set<string>();
  private timer: ReturnType<typeof setInterval> | null = null;
  /** A copy of the states for the model's `states` is due (see keepStates). */
  private statesDue: ReturnType<typeof setTimeout> | null = null;
  /** The view is writing the model's `states` itself: the change it makes is its own. */
  writingStates = false;
  private resizeObserver: ResizeObserver | null = null;
  /** The stage's inner size as last seen by the resize observer (0: not known), first guessed
   * from the host element's width. Fitting reads these rather than the stage's clientWidth:
   * while the drawing is being made, that read would force a style and layout pass. */
  private stageWidth = 0;
  private stageHeight = 0;
  private readonly panZoom = new PanZoom(
    this.svgEl,
    this.viewport,
    () => this.stageSize(),
    () => this.layout,
    () => this.showScale(),
  );

  constructor(
    private readonly model: RenderProps<Model>["model"],
    private readonly requests: Requests,
    hostWidth = 0,
  ) {
    this.stageWidth = stageWidthIn(hostWidth);
    this.root = h("div", {
      className: "cw-widget cw-graph",
      "data-cw-result-graph": "",
      "data-cw-layout": "pending",
    });
    this.summary = model.get("summary");
    this.unanswered = pageWithoutKernel(model) ? SAVED_PICTURE : SNAPSHOT_UNANSWERED;
    const t0 = performance.now();
    const { graph, states } = normalise(model.get("graph"), model.get("states"));
    this.graph = graph;
    this.store = createStore(graph, states);
    this.keepSpans(model.get("spans") ?? {});
    performance.measure("cw-graph setup", { start: t0, end: performance.now() });
    this.details.hidden = true;
    this.svgEl.setAttribute("class", "cw-svg");
    this.svgEl.setAttribute("tabindex", "0");
    // It takes the arrow keys: a screen reader passes them on rather than reading the page.
    this.svgEl.setAttribute("role", "application");
    this.svgEl.setAttribute(
      "aria-label",
      "Workflow graph. Arrow keys: move between tasks; Enter: details; Escape: close them; " +
        "+ and -: zoom; 0: fit; /: find",
    );
    this.viewport.setAttribute("class", "cw-viewport");
    this.svgEl.append(this.viewport);
    this.stage.append(this.svgEl);
    const legend = this.legend;
    // One tab stop, not nine: the arrow keys move along it (see onLegendKey).
    legend.setAttribute("role", "toolbar");
    legend.setAttribute("aria-label", "States: go to the tasks in one");
    for (const state of STATES) {
      legend.append(
        h(
          "button",
          {
            type: "button",
            className: "cw-legend-item",
            title: `Go to the tasks in ${state}, one by one`,
            "data-cw-legend-state": state,
            "aria-label": legendName(state, "0"),
            tabindex: legend.childElementCount === 0 ? "0" : "-1",
          },
          h("span", { className: "cw-swatch", "data-cw-state": state }),
          state,
          h("span", { className: "cw-legend-count" }, "0"),
        ),
      );
    }
    this.root.append(
      h(
        "div",
        { className: "cw-toolbar" },
        h("div", { className: "cw-progress" }, this.progressBar, this.progressText),
        this.findInput,
        this.findCount,
        this.failureButton,
        this.fitButton,
        this.svgButton,
        this.pngButton,
      ),
      legend,
      // The tabs, and at their right what acts on the run itself.
      h(
        "div",
        { className: "cw-tabs-row" },
        h("div", { className: "cw-tabs", role: "tablist" }, this.graphTab, this.timelineTab),
        h("div", { className: "cw-run-actions" }, this.revokeButton, this.terminateButton),
      ),
      h("div", { className: "cw-panes" }, this.stage, this.timeline.el, this.details),
      this.status,
    );
    // No key pressed in the widget (a button of its toolbar, of the details) reaches the
    // notebook's command mode, whose `b` or `d d` would act on the cells while the widget has
    // the focus; but Shift/Ctrl/Alt+Enter (run the cell) and Ctrl+S do. The graph's, the
    // legend's and the timeline's own keys are handled before this.
    this.root.addEventListener("keydown", (event) => {
      if (!isNotebookKey(event)) event.stopPropagation();
    });
    // Escape in the details (on a button of theirs, in a traceback) closes them too.
    this.details.addEventListener("keydown", (event) => {
      if (event.key === "Escape") this.closeDetails();
    });
    this.graphTab.addEventListener("click", () => this.showTab(false));
    this.timelineTab.addEventListener("click", () => this.showTab(true));
    for (const tab of [this.graphTab, this.timelineTab]) {
      tab.addEventListener("keydown", (event) => this.onTabKey(event));
    }
    this.svgButton.addEventListener("click", () => void this.save("svg"));
    this.pngButton.addEventListener("click", () => void this.save("png"));
    this.svgEl.addEventListener("pointerover", (event) => {
      const node = (event.target as Element).closest("[data-cw-task-id]");
      const taskId = node?.getAttribute("data-cw-task-id");
      if (node && taskId) showTitle(this.svgEl, node, this.describe(taskId));
    });
    this.svgEl.addEventListener("keydown", (event) => this.onKey(event));
    this.revokeButton.addEventListener("click", () => void this.revoke(null, false));
    this.terminateButton.addEventListener("click", () => void this.revoke(null, true));
    this.failureButton.addEventListener("click", () => {
      const taskId = firstFailure(this.store, this.spans, this.graph.nodes);
      if (taskId !== null) this.goTo(taskId);
    });
    // JupyterLab leaves keys typed into an input alone: no command-mode key acts on the
    // notebook, Shift+Enter runs no cell (the browser test types into it).
    this.findInput.addEventListener("keydown", (event) => {
      if (event.key === "Escape") {
        // Back to the graph's keys (or the timeline's).
        (this.timeline.shown ? this.timeline.el : this.svgEl).focus();
      } else if (event.key === "Enter") {
        event.preventDefault();
        this.find(event.shiftKey);
      }
    });
    // A new query (or the box cleared): the count was the old one's.
    this.findInput.addEventListener("input", () => {
      this.findCount.textContent = "";
    });
    // A state in the legend finds the tasks in it, as its name in the find box does.
    this.legend.addEventListener("keydown", (event) => this.onLegendKey(event));
    this.legend.addEventListener("click", (event) => {
      const item = (event.target as Element).closest("[data-cw-legend-state]");
      if (item !== null) this.legendFocus(item as HTMLElement);
      if (item === null || item.getAttribute("aria-disabled") === "true") return;
      this.findInput.value = (item.getAttribute("data-cw-legend-state") as string).toLowerCase();
      this.find(false);
    });
    this.fitButton.addEventListener("click", () => this.panZoom.fit());
    this.svgEl.addEventListener("click", (event) => this.onClick(event));
    this.timer = setInterval(() => {
      this.paintProgress();
      if (!(this.summary?.finished ?? false)) this.timeline.queue();
    }, 1000);
    // The view may be rendered before it is attached (no size yet), and resized later: fit
    // again whenever the stage's size changes, until the user pans or zooms.
    if (typeof ResizeObserver !== "undefined") {
      this.resizeObserver = new ResizeObserver((entries) => {
        const box = entries[entries.length - 1]?.contentRect;
        if (box !== undefined) {
          this.stageWidth = box.width;
          this.stageHeight = box.height;
          // (A hidden stage, the timeline shown, is 0 wide: not narrow.)
          if (box.width > 0) this.root.classList.toggle("cw-narrow", box.width < NARROW_PX);
        }
        if (!this.panZoom.userMoved) this.panZoom.fit();
      });
      this.resizeObserver.observe(this.stage);
    }
  }

  /** Lay out and draw the graph trait (again), then paint the current states. */
  rebuild(): void {
    const graph = this.graph;
    this.root.setAttribute("data-cw-layout", "pending");
    const t0 = performance.now();
    const scene = buildScene(graph, { expanded: this.expanded });
    const t1 = performance.now();
    const layout = layoutScene(scene);
    const t2 = performance.now();
    this.scene = scene;
    this.layout = layout;
    // Size the stage and fit before drawing: reading sizes after would lay out every node twice.
    const height = Math.min(MAX_HEIGHT, Math.max(MIN_HEIGHT, layout.height + 24));
    this.stage.style.height = `${height}px`;
    this.stageHeight = height; // its content height: the stage has no padding
    this.drawing = null; // the old one, about to go: fit() must not label it
    this.panZoom.fit();
    const withLabels = this.panZoom.transform.k >= LABEL_SCALE;
    this.drawing = draw(
      this.viewport,
      scene,
      layout,
      this.store,
      withLabels ? this.labels : new Map(),
      withLabels,
      this.expanded,
    );
    // For benchmarks and the browser's performance panel.
    performance.measure("cw-graph scene", { start: t0, end: t1 });
    performance.measure("cw-graph layout", { start: t1, end: t2 });
    performance.measure("cw-graph draw", { start: t2, end: performance.now() });
    if (this.cursor !== null) this.select(this.cursor); // its node in the new drawing, if any
    this.paintOverall();
    this.root.setAttribute("data-cw-layout", "done");
    this.root.setAttribute("data-cw-tasks", String(graph.nodes.length));
  }

  /** Task id -> its label and name. Made on first use: a graph too big for labels at first sight
   * needs them only for details, the timeline, or once zoomed in. */
  private get labels(): Map<string, { label: string; name: string }> {
    if (this.labelsOf === null) {
      this.labelsOf = new Map();
      for (const node of this.graph.nodes) this.labelsOf.set(node.id, node);
    }
    return this.labelsOf;
  }

  /** A new `graph` trait: a different workflow (a retry's run); start over from its states. */
  resetStore(): void {
    const { graph, states } = normalise(this.model.get("graph"), this.model.get("states"));
    this.graph = graph;
    this.labelsOf = null;
    this.store = createStore(graph, states);
    this.summary = this.model.get("summary");
    this.summaryAt = performance.now();
    this.spans = new Map();
    this.keepSpans(this.model.get("spans") ?? {});
    this.expanded.clear();
    this.closeDetails();
    this.timeline.queue();
  }

  /** The kernel said something to this view: its clock runs (again). */
  private hear(): void {
    this.heard = true;
    this.unheard = null;
  }

  applyStates(changes: Record<string, string>, spans: Record<string, Span> = {}): void {
    this.hear();
    const changed = applyStates(this.store, changes);
    this.keepSpans(spans);
    if (changed.length > 0) {
      this.repaint(changed);
      this.keepStates();
      this.timeline.queue();
    }
    // The details shown follow their task: its result once it succeeds, its traceback once it fails.
    const shown = this.detailsOf;
    if (shown !== null && changed.includes(shown)) void this.showTask(shown, false);
  }

  /** Take timeline bars (of deltas, snapshots, the `spans` trait), and draw them if shown. */
  keepSpans(spans: Record<string, Span>): void {
    let kept = false;
    for (const taskId in spans) {
      if (!this.store.states.has(taskId)) continue; // another run's (before a retry's graph)
      this.spans.set(taskId, spans[taskId] as Span);
      kept = true;
    }
    if (kept) this.timeline.queue();
  }

  applyProgress(values: Record<string, [number | null, number | null]>): void {
    this.hear();
    const changed = applyProgress(this.store, values);
    // Open details follow how far their task is too (its progress, the tasks it sent).
    const shown = this.detailsOf;
    if (shown !== null && changed.includes(shown)) void this.showTask(shown, false);
    const drawing = this.drawing;
    if (drawing === null) return;
    for (const taskId of changed) paintTask(drawing, this.store, taskId);
  }

  setSummary(summary: Summary): void {
    this.hear();
    this.summary = summary;
    this.summaryAt = performance.now();
    this.paintOverall();
  }

  async requestSnapshot(): Promise<void> {
    if (this.graph.run_id === null) return; // a preview: nothing moves
    const slow = setTimeout(() => {
      this.status.textContent = this.unanswered;
      if (!this.heard) this.unheard = this.elapsed();
    }, SLOW_REPLY_MS);
    const reply = await this.requests.send("snapshot");
    clearTimeout(slow);
    if (!reply.ok) return; // no kernel (a saved notebook): the states trait is what we have
    if (this.status.textContent === this.unanswered) this.status.textContent = "";
    const snapshot = reply as unknown as SnapshotReply;
    if (snapshot.run_id !== undefined && snapshot.run_id !== this.graph.run_id) return;
    this.applyStates(snapshot.states, snapshot.spans);
    this.applyProgress(snapshot.progress ?? {});
    this.setSummary(snapshot.summary);
  }

  /** Repaint the drawn nodes of changed tasks, their summaries and chords, and the totals. */
  private repaint(changed: string[]): void {
    const drawing = this.drawing;
    const scene = this.scene;
    if (drawing === null || scene === null) return; // drawn from the store once laid out
    const summaries = new Set<string>();
    const chords = new Set<string>();
    for (const taskId of changed) {
      if (drawing.tasks.has(taskId)) paintTask(drawing, this.store, taskId);
      else {
        const summary = scene.summarisedIn.get(taskId);
        const path = summary === undefined ? null : summaryPath(summary);
        if (path !== null) summaries.add(path);
      }
      for (const path of this.store.ancestors.get(taskId) ?? []) {
        if (drawing.chordLabels.has(path)) chords.add(path);
      }
    }
    for (const path of summaries) {
      const g = drawing.summaries.get(path);
      if (g !== undefined) paintSummary(g, this.store.counts.get(path));
      refreshSummaryDetails(this.details, path, this.store.counts.get(path));
    }
    for (const path of chords) {
      const entry = drawing.chordLabels.get(path);
      if (entry !== undefined) paintChordLabel(entry, this.store);
    }
    this.paintOverall();
  }

  /** The arrow keys, Home and End move along the legend (one tab stop). */
  private onLegendKey(event: KeyboardEvent): void {
    const items = Array.from(this.legend.children) as HTMLElement[];
    const from = items.indexOf((event.target as Element).closest(".cw-legend-item") as HTMLElement);
    const to = from < 0 ? null : rowStep(event.key, from, items.length);
    if (to === null) return;
    event.preventDefault();
    event.stopPropagation(); // not the notebook's: its arrows would move between cells
    this.legendFocus(items[to] as HTMLElement);
  }

  /** Make `item` the legend's tab stop, and focus it. */
  private legendFocus(item: HTMLElement): void {
    for (const other of Array.from(this.legend.children) as HTMLElement[]) other.tabIndex = -1;
    item.tabIndex = 0;
    item.focus();
  }

  private paintOverall(): void {
    const counts = this.store.counts.get("");
    for (const item of Array.from(this.legend.children)) {
      const state = item.getAttribute("data-cw-legend-state") ?? "";
      const n = counts?.[stateIndex(state)] ?? 0;
      const count = item.lastElementChild as HTMLElement;
      const text = formatCount(n);
      if (count.textContent !== text) {
        count.textContent = text;
        item.setAttribute("aria-label", legendName(state, text));
      }
      // Nothing to go to. Not `disabled`: that greys the swatch, which the legend is for.
      item.setAttribute("aria-disabled", String(n === 0));
    }
    this.revokeButton.disabled = !this.revokable();
    this.terminateButton.disabled = !this.revokable() || progressOf(counts).running === 0;
    this.root.setAttribute("data-cw-finished", String(this.summary?.finished ?? false));
    this.paintProgress();
  }

  /** Whether anything can be revoked: a run (not a preview) that is not over. */
  private revokable(): boolean {
    return (
      this.graph.run_id !== null &&
      !this.kernelLost &&
      !(this.summary?.finished ?? false) &&
      !this.allStopped()
    );
  }

  /** The widget's comm is gone (a request could not be sent): stop the clock, offer no action,
   * and say how to follow the run again. */
  loseKernel(): void {
    if (this.kernelLost || this.graph.run_id === null) return;
    this.frozenElapsed = this.elapsed();
    this.kernelLost = true;
    this.root.setAttribute("data-cw-kernel-lost", "");
    this.status.textContent = kernelLostText(this.graph.run_id);
    this.paintOverall();
  }

  private allStopped(): boolean {
    const { total, done } = progressOf(this.store.counts.get(""));
    return total > 0 && done === total;
  }

  private paintProgress(): void {
    const counts = this.store.counts.get("");
    const { total, done, failed, revoked } = progressOf(counts);
    const pct = (n: number) => (total > 0 ? `${(100 * n) / total}%` : "0%");
    this.progressBar.replaceChildren(
      h("span", { className: "cw-progress-done", style: `width:${pct(done - failed - revoked)}` }),
      h("span", { className: "cw-progress-failed", style: `width:${pct(failed)}` }),
      h("span", { className: "cw-progress-revoked", style: `width:${pct(revoked)}` }),
    );
    const words = [`${formatCount(done)}/${formatCount(total)} done`];
    words.push(...outcomeWords(counts, this.summary?.not_run, this.summary?.ran_without_state));
    this.failureButton.disabled = failed === 0;
    const elapsed = this.elapsed();
    if (elapsed !== null) words.push(formatSeconds(elapsed));
    if (this.graph.run_id === null) words.push("preview: not run");
    const cutOff = this.summary?.cut_off;
    if (cutOff) words.push(`followed no further: ${cutOff}`);
    const stuck = this.summary?.stuck;
    if (stuck) words.push(stuck);
    const text = words.join(" · ");
    if (this.progressText.textContent !== text) {
      this.progressText.textContent = text;
      this.progressText.title = text; // the whole of it, when a narrow view cuts it short
    }
  }

  private elapsed(): number | null {
    if (this.kernelLost) return this.frozenElapsed;
    if (this.unheard !== null) return this.unheard;
    const s = this.summary;
    if (s === undefined || s === null || s.elapsed === null || s.elapsed === undefined) return null;
    if (s.finished) return s.elapsed;
    if (this.allStopped()) {
      // Until the final summary comes: to the last task's end, not to the last summary (sent
      // when the counts last changed, up to a second before).
      let end: number | null = null;
      for (const span of this.spans.values())
        if (span[2] !== null) end = Math.max(end ?? 0, span[2]);
      return end !== null && s.started_at !== null ? end - s.started_at : s.elapsed;
    }
    return s.elapsed + (performance.now() - this.summaryAt) / 1000;
  }

  // --- interaction -----------------------------------------------------------------------------

  private onClick(event: MouseEvent): void {
    if (this.panZoom.dragged) return;
    const target = event.target as Element;
    const node = target.closest("[data-cw-task-id]");
    if (node !== null) {
      this.showDetailsOf(node.getAttribute("data-cw-task-id") as string);
      return;
    }
    const summary = target.closest("[data-cw-summary]");
    if (summary !== null) {
      this.showDetailsOf(summaryKey(summary.getAttribute("data-cw-summary") as string));
      return;
    }
    const label = target.closest(".cw-box[data-cw-expanded] .cw-box-label");
    if (label !== null) {
      this.toggleExpanded(label.parentElement?.getAttribute("data-cw-container") ?? "");
    }
  }

  /** Draw a summarised container in full, or summarise an expanded one again. */
  private toggleExpanded(path: string): void {
    const expanding = !this.expanded.has(path);
    if (expanding) this.expanded.add(path);
    else this.expanded.delete(path);
    this.closeDetails();
    this.rebuild();
    // The keys go on from its first task, or from its summary again.
    const first = this.graph.nodes.find(
      (node) => node.path.startsWith(`${path}[`) || node.path.startsWith(`${path}.`),
    );
    const key = expanding ? (first?.id ?? null) : summaryKey(path);
    this.select(key);
    if (this.cursor !== null) this.sayWhere(this.cursor);
    this.svgEl.focus();
  }

  /** Say in the status line what the node of `key` is: a task's label and state, a summary's
   * title. */
  private sayWhere(key: string): void {
    const node = this.nodeOf(key);
    this.status.textContent = this.drawing?.tasks.has(key)
      ? this.describe(key)
      : (node?.querySelector(".cw-summary-title")?.textContent ?? "");
  }

  /** Highlight the node of `key` (a task id, or a summary's key), or none. A key with no node
   * in the drawing (a task in a summary, a node gone with a new drawing) highlights none. */
  private select(key: string | null): void {
    this.viewport.querySelector(".cw-selected")?.classList.remove("cw-selected");
    const node = key === null ? undefined : this.nodeOf(key);
    this.cursor = node === undefined ? null : key;
    node?.classList.add("cw-selected");
  }

  /** The drawn node of a task id or a summary's key. */
  private nodeOf(key: string): SVGElement | undefined {
    const drawing = this.drawing;
    if (drawing === null) return undefined;
    const path = summaryPath(key);
    return path === null ? drawing.tasks.get(key) : drawing.summaries.get(path);
  }

  /** A task in words: its label and state (a tooltip, and what the status line says of the
   * task the keys moved to). */
  private describe(taskId: string): string {
    return `${this.labels.get(taskId)?.label ?? taskId} · ${this.store.states.get(taskId) ?? "PENDING"}`;
  }

  /** Show a task's details (`full`: its texts not truncated). The panel says it is asking the
   * kernel only when it showed something else: the same task's details stay until the new ones
   * replace them (its state changed, or "more" was pressed). */
  private async showTask(taskId: string, full: boolean): Promise<void> {
    const another = this.detailsOf !== taskId || this.details.hidden;
    this.detailsOf = taskId;
    this.select(this.scene === null ? null : (ownerOf(this.scene, taskId) ?? null));
    const title = this.labels.get(taskId)?.name ?? taskId;
    const say = (message: string) =>
      showDetailsMessage(this.details, title, message, () => this.closeDetails());
    // A page with no kernel at all, that nothing has answered: the same words at once.
    const unanswered = this.unanswered === SAVED_PICTURE && !this.heard ? SAVED_PICTURE : null;
    if (another) {
      say(unanswered ?? "Asking the kernel…");
      this.timeline.queue(); // to draw the bars clear of the panel
    }
    const slow = another
      ? setTimeout(
          () => this.detailsOf === taskId && say(unanswered ?? NO_ANSWER_YET),
          SLOW_REPLY_MS,
        )
      : undefined;
    const reply = await this.requests.send("details", { task_id: taskId, full });
    clearTimeout(slow);
    if (this.detailsOf !== taskId) return; // another node was chosen meanwhile, or none
    if (!reply.ok) {
      say(unanswered ?? reply.error ?? "no details");
      return;
    }
    const details = reply as unknown as DetailsReply;
    showTaskDetails(
      this.details,
      details,
      details.truncated.length > 0 ? () => void this.showTask(taskId, true) : null,
      () => this.closeDetails(),
      {
        retry: this.graph.run_id === null || this.kernelLost ? null : () => void this.retry(taskId),
        revoke: this.revokable() ? () => void this.revoke(taskId, false) : null,
        terminate: this.revokable() ? () => void this.revoke(taskId, true) : null,
      },
    );
  }

  /** Go to the next task the find box's query finds (the one before, `backwards`); say which of
   * how many it is, or that none matches. */
  private find(backwards: boolean): void {
    const matches = findTasks(this.findInput.value, this.graph.nodes, this.store.states);
    const taskId = stepThrough(matches, this.detailsOf, backwards);
    if (taskId === null) {
      this.findCount.textContent = this.findInput.value.trim() === "" ? "" : "no match";
      return;
    }
    this.findCount.textContent = `${formatCount(matches.indexOf(taskId) + 1)} of ${formatCount(matches.length)}`;
    this.goTo(taskId);
  }

  /** Bring a task into view in the graph, zoomed in to read, and show its details. */
  private goTo(taskId: string): void {
    if (this.timeline.shown) this.showTab(false);
    // Its node, or the summary node that stands for it.
    const owner = this.scene === null ? undefined : ownerOf(this.scene, taskId);
    const box = owner === undefined ? undefined : this.layout?.boxes.get(owner);
    if (box !== undefined) this.panZoom.centreOn(box, this.clearOfDetails(true) / 2);
    void this.showTask(taskId, false);
  }

  /** How much of the stage's width (or `width`) the details panel leaves clear on the left,
   * when it is shown (`withDetails`): it covers min(420px, 60 %) on the right, or nothing in a
   * narrow view, where it goes below (styles.css). */
  private clearOfDetails(withDetails: boolean, width = this.stageSize().width): number {
    return withDetails && width >= NARROW_PX ? width - Math.min(420, 0.6 * width) : width;
  }

  private showSummary(path: string): void {
    const node = this.drawing?.summaries.get(path);
    if (node === undefined) return;
    this.detailsOf = null;
    this.select(summaryKey(path));
    showSummaryDetails(
      this.details,
      // What its box says (chunks, a custom type), as Celery's kind may not (a group).
      this.scene?.items.get(summaryKey(path))?.label ??
        node.getAttribute("data-cw-kind") ??
        "group",
      path,
      this.store.counts.get(path),
      () => this.toggleExpanded(path),
      () => this.closeDetails(),
    );
  }

  /** The details of a drawn node: a task's, or a summary's; the node is moved out from under
   * the panel if it is there. */
  private showDetailsOf(key: string): void {
    const path = summaryPath(key);
    if (path !== null) this.showSummary(path);
    else if (this.drawing?.tasks.has(key)) void this.showTask(key, false);
    else return;
    const box = this.layout?.boxes.get(key);
    if (box !== undefined) this.reveal(box, true, false);
  }

  /** Pan, as little as it takes, for `box` to be in the part of the view clear of the details
   * panel (when `withDetails`); `zoomIn`: centre it at the drawn size instead when the view is
   * too far out to read its label. */
  private reveal(box: Box, withDetails: boolean, zoomIn: boolean): void {
    const clear = this.clearOfDetails(withDetails);
    const k = this.panZoom.transform.k;
    if (zoomIn && k < LABEL_SCALE) {
      this.panZoom.centreOn(box, clear / 2, 1);
      return;
    }
    const { dx, dy } = nudge(box, { ...this.panZoom.inView(), w: clear / k }, REVEAL_MARGIN / k);
    if (dx !== 0 || dy !== 0) this.panZoom.panBy(dx, dy);
  }

  /**
   * Keys pressed on the graph (it takes the focus when clicked or tabbed to): see
   * navigate.ts. None reaches the notebook, whose command-mode keys (arrows, `a`, `0 0`...)
   * would act on its cells meanwhile; but Shift/Ctrl/Alt+Enter (run the cell) and Ctrl+S do.
   */
  private onKey(event: KeyboardEvent): void {
    if (isNotebookKey(event)) return;
    event.stopPropagation();
    const mod = event.ctrlKey || event.metaKey;
    const action = mod || event.altKey ? null : graphKey(event.key);
    if (action === null) return;
    event.preventDefault(); // arrows and the space bar would scroll the notebook
    if (typeof action === "object") this.move(action.move);
    else if (action === "first" || action === "last") this.moveTo(this.endNode(action));
    else if (action === "details") {
      if (this.cursor === null) this.moveTo(this.endNode("first"));
      if (this.cursor !== null) this.showDetailsOf(this.cursor);
    } else if (action === "close") this.closeDetails();
    else if (action === "zoom-in") this.panZoom.zoomBy(1.25);
    else if (action === "zoom-out") this.panZoom.zoomBy(0.8);
    else if (action === "fit") this.panZoom.fit();
    else if (action === "find") this.findInput.select();
  }

  /** The arrow keys: to the nearest node that way (the first node, when none is highlighted). */
  private move(direction: Direction): void {
    const layout = this.layout;
    const from = this.cursor === null ? undefined : layout?.boxes.get(this.cursor);
    if (layout === null || from === undefined) {
      this.moveTo(this.endNode("first"));
      return;
    }
    const nodes: [string, Box][] = [];
    for (const key of this.drawnNodes()) nodes.push([key, layout.boxes.get(key) as Box]);
    const next = nearestInDirection(from, nodes, direction);
    if (next !== null) this.moveTo(next);
  }

  /** The keys of the drawn task and summary nodes, in canvas order. */
  private drawnNodes(): string[] {
    if (this.scene === null || this.layout === null) return [];
    const keys: string[] = [];
    for (const item of drawOrder(this.scene)) {
      if ((item.kind === "task" || item.kind === "summary") && this.layout.boxes.has(item.key)) {
        keys.push(item.key);
      }
    }
    return keys;
  }

  private endNode(end: "first" | "last"): string | null {
    const keys = this.drawnNodes();
    return (end === "first" ? keys[0] : keys[keys.length - 1]) ?? null;
  }

  /** Highlight a node the keys moved to, bring it into view (readable), say what it is, and
   * show its details if details are shown. */
  private moveTo(key: string | null): void {
    const box = key === null ? undefined : this.layout?.boxes.get(key);
    if (key === null || box === undefined) return;
    this.select(key);
    const withDetails = !this.details.hidden;
    this.reveal(box, withDetails, true);
    this.sayWhere(key);
    if (withDetails) this.showDetailsOf(key);
  }

  private async retry(taskId: string): Promise<void> {
    this.status.textContent = "Retrying…";
    const reply = await this.requests.send("retry", { task_id: taskId });
    // On success the `graph` trait has already brought the new run (see render's onGraph).
    this.status.textContent = reply.ok
      ? `Retried from ${taskId}: the graph shows the new run, ${String(reply.run_id)}.`
      : `Not retried: ${reply.error ?? "no answer"}`;
  }

  // --- timeline and export -----------------------------------------------------------------------

  private showTab(timeline: boolean): void {
    this.graphTab.setAttribute("aria-selected", String(!timeline));
    this.timelineTab.setAttribute("aria-selected", String(timeline));
    this.graphTab.tabIndex = timeline ? -1 : 0;
    this.timelineTab.tabIndex = timeline ? 0 : -1;
    this.stage.hidden = timeline;
    this.timeline.setShown(timeline);
  }

  /** The arrow keys (Home, End) on a tab show the other one and move there, as tabs do. */
  private onTabKey(event: KeyboardEvent): void {
    if (isNotebookKey(event)) return;
    const tabs = [this.graphTab, this.timelineTab];
    const to = rowStep(event.key, this.timeline.shown ? 1 : 0, tabs.length);
    if (to === null) return;
    event.preventDefault();
    this.showTab(to === 1);
    tabs[to]?.focus();
  }

  /** How many tasks ran (or run) without a bar: their start was not seen. A task Celery marked
   * FAILURE without running it (the summary's not_run) has none to show. */
  private barsMissing(): number {
    let ran = 0;
    for (const [taskId, state] of this.store.states) {
      if (this.spans.has(taskId)) continue;
      if (isRunning(state) || state === "SUCCESS" || state === "FAILURE") ran += 1;
    }
    return Math.max(0, ran - (this.summary?.not_run?.FAILURE ?? 0));
  }

  /** The states the run's tasks are in, with their colours as the legend shows them and their
   * counts: the saved picture's legend. */
  private legendEntries(): LegendEntry[] {
    const counts = this.store.counts.get("");
    const entries: LegendEntry[] = [];
    STATES.forEach((state, i) => {
      const n = counts?.[i] ?? 0;
      const swatch = this.legend.querySelector(`.cw-swatch[data-cw-state="${state}"]`);
      if (n === 0 || swatch === null) return;
      const colour = getComputedStyle(swatch).backgroundColor;
      entries.push({ colour, label: `${state} ${formatCount(n)}` });
    });
    return entries;
  }

  /** Save the tab shown: the graph, or the timeline (`-timeline` ends its file's name). */
  private async save(format: "svg" | "png"): Promise<void> {
    const layout = this.layout;
    if (layout === null) return;
    const timeline = this.timeline.shown;
    const name = `workflow-${this.graph.run_id ?? "preview"}${timeline ? "-timeline" : ""}`;
    try {
      const legend = this.legendEntries();
      let picture: { text: string; width: number; height: number };
      if (timeline) {
        const bars = this.timeline.svg;
        const width = Number(bars.getAttribute("width"));
        const height = Number(bars.getAttribute("height"));
        picture = svgSnapshot(bars, width, height, legend);
      } else {
        // The image is the whole drawing at scale 1: every label, and borders, as seen close
        // up; then the view goes back to what its own scale shows.
        if (this.drawing !== null) showLabels(this.drawing, this.labels, this.store);
        this.svgEl.removeAttribute("data-cw-far");
        this.svgEl.removeAttribute("data-cw-tiny");
        try {
          picture = svgSnapshot(this.svgEl, layout.width, layout.height, legend);
        } finally {
          this.panZoom.set();
        }
      }
      const { text, width, height } = picture;
      if (format === "svg") {
        download(new Blob([text], { type: "image/svg+xml" }), `${name}.svg`, this.root);
      } else {
        download(await pngOf(text, width, height), `${name}.png`, this.root);
      }
      this.status.textContent = `Saved ${name}.${format}.`;
    } catch (error) {
      this.status.textContent = `Not saved: ${String(error)}`;
    }
  }

  /** Close the details panel; the node stays highlighted (the arrow keys go on from it). */
  private closeDetails(): void {
    // Focus in the panel (its close button) would fall to the page as it hides, where
    // JupyterLab's command mode takes the next keys: it goes back to the drawing shown.
    const hadFocus = this.details.contains(document.activeElement);
    this.detailsOf = null;
    this.details.hidden = true;
    if (hadFocus) (this.timeline.shown ? this.timeline.el : this.svgEl).focus();
    this.details.removeAttribute("data-cw-details");
    this.timeline.queue(); // the bars take the whole width again
  }

  /** Revoke the whole run (`taskId` null); or from `taskId`, that task and what depends on it.
   * With `terminate`, the ones running are stopped too. Open details are shown again, as they
   * are now. */
  private async revoke(taskId: string | null, terminate: boolean): Promise<void> {
    if (taskId === null) {
      this.revokeButton.disabled = true;
      this.terminateButton.disabled = true;
    }
    this.status.textContent = terminate ? "Terminating…" : "Revoking…";
    const reply = await this.requests.send("revoke", {
      ...(taskId === null ? {} : { task_id: taskId }),
      terminate,
    });
    this.status.textContent = reply.ok
      ? revokedText(reply as unknown as RevokeReply, terminate)
      : `Not revoked: ${reply.error ?? "no answer"}`;
    this.paintOverall();
    if (this.detailsOf !== null) void this.showTask(this.detailsOf, false); // as it is now
  }

  // --- the stage (pan and zoom: ./panzoom.ts) -------------------------------------------------

  /** The stage's inner size; guessed when it is not attached yet (the resize observer fits
   * again once there is a size). */
  private stageSize(): { width: number; height: number } {
    return {
      width: this.stageWidth || this.stage.clientWidth || 800,
      height:
        this.stageHeight ||
        this.stage.clientHeight ||
        Number.parseFloat(this.stage.style.height) ||
        MIN_HEIGHT,
    };
  }

  /** What the scale and the region in view want shown: labels, borders (after each move). */
  private showScale(): void {
    const k = this.panZoom.transform.k;
    const far = k < LABEL_SCALE;
    this.svgEl.toggleAttribute("data-cw-far", far);
    this.svgEl.toggleAttribute("data-cw-tiny", k < BORDER_SCALE);
    if (!far && this.drawing !== null) {
      // Labels for the tasks in view and a tenth of a view around it; none beyond a quarter
      // of a view (see showLabels).
      const view = this.panZoom.inView();
      showLabels(this.drawing, this.labels, this.store, around(view, 0.1), around(view, 0.25));
    }
  }

  /**
   * Keep the model's `states` current, every 2 s at most: it is what a notebook saved with its
   * widgets' state keeps (JupyterLab's "Save Widget State Automatically"), and the kernel sets
   * it only when the graph is shown and when the run ends; the deltas between reach the view
   * alone. Written here, not sent to the kernel (no save_changes).
   */
  private keepStates(): void {
    if (this.statesDue !== null) return;
    this.statesDue = setTimeout(() => {
      this.statesDue = null;
      this.writingStates = true;
      try {
        this.model.set("states", Object.fromEntries(this.store.states));
        this.model.set("spans", Object.fromEntries(this.spans));
      } finally {
        this.writingStates = false;
      }
    }, 2000);
  }

  destroy(): void {
    if (this.timer !== null) clearInterval(this.timer);
    if (this.statesDue !== null) clearTimeout(this.statesDue);
    this.resizeObserver?.disconnect();
    this.requests.close();
  }
}

/** `region` grown by `margin` of its width and height on every side. */
function around(region: Region, margin: number): Region {
  const dx = region.w * margin;
  const dy = region.h * margin;
  return { x: region.x - dx, y: region.y - dy, w: region.w + 2 * dx, h: region.h + 2 * dy };
}

function formatSeconds(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const m = Math.floor(seconds / 60);
  return `${m} min ${Math.round(seconds - m * 60)} s`;
}

export default {
  render({ model, el }: RenderProps<Model>) {
    // The host's width, read before anything of ours is in the document: the page is laid out
    // already (or el is not attached: 0), so this costs nothing, where reading the stage's width
    // later would lay out our new elements an extra time (about 8 ms for 1,000 tasks).
    const hostWidth = el.clientWidth;
    injectStyles(el, "graph", css);
    const requests = new Requests(model);
    const view = new GraphView(model, requests, hostWidth);
    requests.onNotSent = () => view.loseKernel();
    el.replaceChildren(view.root);

    const onMessage = (message: Incoming) => {
      if (message === null || typeof message !== "object") return;
      if (message.type === "states") view.applyStates(message.changes, message.spans);
      else if (message.type === "progress") view.applyProgress(message.values);
      else if (message.type === "reply") requests.settle(message);
    };
    const onStates = () => {
      if (!view.writingStates) view.applyStates(model.get("states") ?? {});
    };
    const onSpans = () => {
      if (!view.writingStates) view.keepSpans(model.get("spans") ?? {});
    };
    const onSummary = () => view.setSummary(model.get("summary"));
    const onGraph = () => {
      view.resetStore();
      view.rebuild();
      void view.requestSnapshot(); // a new run (a retry): its states so far
    };
    model.on("msg:custom", onMessage);
    model.on("change:states", onStates);
    model.on("change:spans", onSpans);
    model.on("change:summary", onSummary);
    model.on("change:graph", onGraph);
    // The widget manager marks the comm dead when the kernel restarts: a request then cannot
    // be sent, and the view says it lost its kernel (while alive, this refreshes the states).
    const onCommLive = () => void view.requestSnapshot();
    model.on("comm_live_update", onCommLive);
    // Drawn at once from the states trait; the snapshot asked for here, and the deltas after
    // it, repaint what changed.
    void view.requestSnapshot();
    view.rebuild();
    return () => {
      model.off("msg:custom", onMessage);
      model.off("change:states", onStates);
      model.off("change:spans", onSpans);
      model.off("change:summary", onSummary);
      model.off("change:graph", onGraph);
      model.off("comm_live_update", onCommLive);
      view.destroy();
    };
  },
};

/** A legend item's name as read out: "FAILURE: 2", not "FAILURE2" (its count is a span). */
function legendName(state: string, count: string): string {
  return `${state}: ${count}`;
}
