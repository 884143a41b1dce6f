/**
 * The timeline tab's pane: its element, the note on tasks that have no bar, the keys that go from
 * bar to bar, and the pacing of its redraws (see `queue`). What it shows comes from its view at
 * each drawing (`TimelineInput`); the bars themselves are ./timeline.ts's.
 */

import { h, isNotebookKey, svg } from "../shared/dom";
import { plural } from "./format";
import type { Span } from "./model";
import { showTitle } from "./render";
import { drawTimeline, timelineBars } from "./timeline";

/** What the pane draws, read from its view each time it draws. */
export interface TimelineInput {
  spans: ReadonlyMap<string, Span>;
  states: ReadonlyMap<string, string>;
  labels: ReadonlyMap<string, { label: string; name: string }>;
  /** How many tasks ran without a bar (their start was not seen), and whether the run is over:
   * what the note above the bars says. */
  missing: number;
  over: boolean;
  /** The width the bars may take, given the pane's (0: not laid out yet). */
  width(pane: number): number;
}

/** The pane's view: the task whose details are open (its bars are outlined), or null; showing
 * a task's details (a bar clicked, or gone to with the keys), or closing them (Escape). */
export interface TimelineActions {
  selected(): string | null;
  show(taskId: string): void;
  close(): void;
}

export class TimelinePane {
  readonly el = h("div", {
    className: "cw-timeline",
    "data-cw-timeline": "",
    tabindex: "0",
    // It takes the arrow keys: a screen reader passes them on rather than reading the page.
    role: "application",
    "aria-label":
      "Timeline: each task on its worker, start to end. Left and right arrows, Home, End: " +
      "from task to task, with its details; Escape: close them; up and down arrows: scroll",
  });
  readonly svg = svg("svg");
  /** Says when some tasks have no bar. */
  private readonly note = h("p", { className: "cw-timeline-note" });
  private shownNow = false;
  /** The tasks in the order they started (the keys go along it), and whether the next drawing
   * is to bring the selected one into view. */
  private order: string[] = [];
  private revealBar = false;
  private queued = false;
  /** When the pane may be redrawn next (see queue). */
  private nextAt = 0;

  constructor(
    private readonly input: () => TimelineInput,
    private readonly actions: TimelineActions,
  ) {
    this.svg.setAttribute("class", "cw-timeline-svg");
    this.note.hidden = true;
    this.el.append(this.note, this.svg);
    this.el.hidden = true;
    this.svg.addEventListener("click", (event) => {
      const bar = (event.target as Element).closest("[data-cw-task-id]");
      if (bar !== null) this.actions.show(bar.getAttribute("data-cw-task-id") as string);
    });
    this.svg.addEventListener("pointerover", (event) => {
      const bar = (event.target as Element).closest(".cw-bar");
      if (bar !== null) showTitle(this.svg, bar, bar.getAttribute("aria-label") ?? "");
    });
    // The pane scrolls with the keys once focused (clicked, or tabbed to); they stay in it.
    this.el.addEventListener("keydown", (event) => {
      if (isNotebookKey(event)) return;
      event.stopPropagation();
      this.onKey(event);
    });
  }

  get shown(): boolean {
    return this.shownNow;
  }

  /** Show the pane, drawn now; or hide it (its bars go: they exist only while shown). */
  setShown(shown: boolean): void {
    this.shownNow = shown;
    this.el.hidden = !shown;
    if (shown) this.draw();
    else this.svg.replaceChildren();
  }

  /**
   * Redraw while shown: once per frame at most, and, when a redraw is slow (thousands of bars),
   * no sooner than ten times its cost after the last one, so that a big run's timeline takes a
   * tenth of the main thread at most.
   */
  queue(): void {
    if (!this.shownNow || this.queued) return;
    this.queued = true;
    const wait = Math.max(0, this.nextAt - performance.now());
    setTimeout(() => {
      requestAnimationFrame(() => {
        this.queued = false;
        if (this.shownNow) this.draw();
      });
    }, wait);
  }

  private draw(): void {
    const started = performance.now();
    const input = this.input();
    const timeline = timelineBars(input.spans, Date.now() / 1000);
    // Bars come from the workers' events: a run attached once over has only those the process
    // that followed it kept (WorkflowRun._store_seen), and one attached to while it ran has
    // none for the tasks already running until they end.
    const { missing, over } = input;
    this.note.textContent =
      missing === 0
        ? ""
        : `${plural(missing, "task")} without a bar: no event said when ${missing === 1 ? "it" : "they"} ` +
          "started (before this view followed the run, or the events are late)." +
          (over ? "" : " A bar comes when one ends.");
    this.note.hidden = missing === 0;
    let none = "";
    if (missing === 0 && over)
      none = "No task was seen starting: workers say so only while the run is followed.";
    else if (missing === 0) none = "No task started yet.";
    const width = input.width(this.el.clientWidth);
    const selected = this.actions.selected();
    drawTimeline(this.svg, timeline, input.states, input.labels, width, none, selected);
    const order = new Set<string>();
    for (const bar of timeline.bars) order.add(bar.taskId); // by start: the bars are sorted
    this.order = [...order];
    if (this.revealBar) {
      // Gone to with the keys: brought into view.
      this.revealBar = false;
      this.svg.querySelector(".cw-selected")?.scrollIntoView({ block: "nearest" });
    }
    this.el.setAttribute("data-cw-bars", String(timeline.bars.length));
    const finished = performance.now();
    this.nextAt = finished + 10 * (finished - started);
  }

  /** Left and right arrows, Home and End go from task to task, in the order they started,
   * showing each one's details; Escape closes them. Up and down scroll. */
  private onKey(event: KeyboardEvent): void {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === "Escape") {
      this.actions.close();
      return;
    }
    const order = this.order;
    const selected = this.actions.selected();
    const at = selected === null ? -1 : order.indexOf(selected);
    let to: number | null = null;
    if (event.key === "ArrowRight") to = Math.min(at + 1, order.length - 1);
    else if (event.key === "ArrowLeft") to = Math.max(at - 1, 0);
    else if (event.key === "Home") to = 0;
    else if (event.key === "End") to = order.length - 1;
    if (to === null || order.length === 0) return;
    event.preventDefault(); // not the scroll those keys would make
    this.revealBar = true;
    this.actions.show(order[to] as string);
  }
}
