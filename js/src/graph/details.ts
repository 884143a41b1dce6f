/**
 * The details panel of a clicked node: a task's name, args and kwargs, result, exception and
 * traceback, runtime, worker, retries and timestamps, as Python sent them (every value text,
 * cut to a length with a "more" button for the rest). Text goes in through `textContent` only:
 * a result that looks like HTML stays text.
 */

import { button, h } from "../shared/dom";
import { formatCount, plural } from "./format";
import type { DetailsReply } from "./model";
import { isRunning, STATES, TERMINAL } from "./model";
import type { Counts } from "./store";

/** The order fields are shown in; any others follow in the order they came. */
export const FIELD_ORDER = [
  "name",
  "maps",
  "items",
  "task_id",
  "state",
  "not_run",
  "no_state",
  "args",
  "kwargs",
  "result",
  "exception",
  "traceback",
  "progress",
  "runtime",
  "worker",
  "retries",
  "attempts",
  "spawned",
  "sent_at",
  "received_at",
  "started_at",
  "progress_at",
  "retried_at",
  "succeeded_at",
  "failed_at",
  "revoked_at",
  "done_at",
  "eta",
  "expires",
  "queue",
];

const LABELS: Record<string, string> = {
  task_id: "task id",
  not_run: "not run",
  no_state: "no state",
  attempts: "earlier attempts",
  spawned: "tasks it sent",
  runtime: "runtime (s)",
  sent_at: "sent",
  received_at: "received",
  started_at: "started",
  progress_at: "progress reported",
  retried_at: "retried",
  succeeded_at: "succeeded",
  failed_at: "failed",
  revoked_at: "revoked",
  done_at: "done (backend)",
};

/** Fields in display order, empty values left out. */
export function orderedFields(details: Record<string, string>): [string, string][] {
  const rank = new Map(FIELD_ORDER.map((k, i) => [k, i]));
  return Object.entries(details)
    .filter(([, value]) => value !== "")
    .sort(([a], [b]) => (rank.get(a) ?? FIELD_ORDER.length) - (rank.get(b) ?? FIELD_ORDER.length));
}

const BLOCK = new Set([
  "args",
  "kwargs",
  "result",
  "exception",
  "traceback",
  "progress",
  "attempts",
]);

/** What can be done from a task, by its state: retry from one that failed or was revoked;
 * revoke from one that has not finished (it and what depends on it); terminate one running
 * (and revoke what depends on it). Nothing from one that will never run (`notRun`: a task
 * before it failed, and Celery marked it FAILURE too): retry from that one. */
export function actionsFor(state: string, notRun = false): (keyof TaskActions)[] {
  if (notRun) return [];
  if (state === "FAILURE" || state === "REVOKED") return ["retry"];
  if (isRunning(state)) return ["revoke", "terminate"];
  return state === "" || TERMINAL.has(state) ? [] : ["revoke"];
}

/** The panel's handlers of the actions on a task; null where the view offers none (a preview,
 * a run that is over). */
export interface TaskActions {
  retry: (() => void) | null;
  revoke: (() => void) | null;
  terminate: (() => void) | null;
}

/** Each action's button: its text, tooltip and `data-cw-action`. */
const ACTION_BUTTONS = {
  retry: {
    text: "Retry from here",
    tooltip: "Run this task again, and what depends on it that did not complete, as a new run",
    action: "retry",
  },
  revoke: {
    text: "Revoke from here",
    tooltip: "Revoke this task and what depends on it; the rest of the run goes on",
    action: "revoke-from",
  },
  terminate: {
    text: "Terminate",
    tooltip:
      "Stop this task now (its worker kills the process running it) and revoke what depends on it",
    action: "terminate-from",
  },
} as const;

/** What Python says it revoked: how many, how many of those run on (not terminated), and the
 * answers of the workers that could not terminate, `"<worker>: <error>"`. */
export interface RevokeReply {
  revoked: number;
  running: number;
  not_terminated: string[];
}

/** What the status line says once tasks are revoked (with `terminate`, and terminated).
 * Without `terminate`, the ones running go on: they are not counted as revoked. */
export function revokedText(reply: RevokeReply, terminate: boolean): string {
  if (terminate) {
    const text = `Revoked ${plural(reply.revoked, "task")} that had not finished`;
    if (reply.not_terminated.length > 0)
      return `${text}, but not terminated by ${reply.not_terminated.join("; ")}`;
    return `${text}; the ones running were terminated.`;
  }
  const waiting = reply.revoked - reply.running;
  const text =
    waiting > 0 ? `Revoked ${plural(waiting, "task")} waiting to run` : "None was waiting to run";
  if (reply.running === 1) return `${text}; the one running goes on (Terminate stops it).`;
  if (reply.running > 1)
    return `${text}; the ${formatCount(reply.running)} running go on (Terminate stops them).`;
  return `${text}.`;
}

/** Show a task's details; `onMore` asks for the full texts, `onClose` hides the panel;
 * `actions` are offered as the task's state allows (see actionsFor). */
export function showTaskDetails(
  panel: HTMLElement,
  reply: DetailsReply,
  onMore: (() => void) | null,
  onClose: () => void,
  actions: TaskActions = { retry: null, revoke: null, terminate: null },
): void {
  const list = h("dl", { className: "cw-details-fields" });
  for (const [key, value] of orderedFields(reply.details)) {
    const cut = reply.truncated.includes(key);
    const dd = h(
      "dd",
      { "data-cw-field": key },
      BLOCK.has(key) || value.includes("\n") ? h("pre", {}, value) : value,
    );
    if (cut && onMore !== null) {
      const more = button("more", "Show all of it", { "data-cw-action": "more" });
      more.addEventListener("click", onMore);
      dd.append(more);
    }
    list.append(h("dt", {}, LABELS[key] ?? key), dd);
  }
  const title = reply.details.name ?? reply.task_id;
  panel.setAttribute("data-cw-details", reply.task_id);
  panel.setAttribute("data-cw-state", reply.details.state ?? "");
  const buttons: HTMLButtonElement[] = [];
  for (const action of actionsFor(reply.details.state ?? "", "not_run" in reply.details)) {
    const handler = actions[action];
    if (handler === null) continue;
    const { text, tooltip, action: name } = ACTION_BUTTONS[action];
    const b = button(text, tooltip, { "data-cw-action": name });
    b.addEventListener("click", () => {
      b.disabled = true;
      handler();
    });
    buttons.push(b);
  }
  const row = buttons.length > 0 ? [h("div", { className: "cw-details-actions" }, ...buttons)] : [];
  panel.replaceChildren(header(title, onClose), ...row, list);
  panel.hidden = false;
  reachableByKeys(list);
}

/** A value that scrolls (a long traceback) becomes a tab stop, named by its field, so the
 * keyboard can scroll it too. Only those: a tab stop per short value would be noise. */
function reachableByKeys(list: HTMLElement): void {
  for (const pre of Array.from(list.querySelectorAll("pre"))) {
    if (pre.scrollHeight <= pre.clientHeight && pre.scrollWidth <= pre.clientWidth) continue;
    const key = pre.parentElement?.getAttribute("data-cw-field") ?? "";
    pre.setAttribute("tabindex", "0");
    pre.setAttribute("role", "region");
    pre.setAttribute("aria-label", LABELS[key] ?? key);
  }
}

/** Show a summary node's counts per state. */
export function showSummaryDetails(
  panel: HTMLElement,
  kind: string,
  path: string,
  counts: Counts | undefined,
  onExpand: () => void,
  onClose: () => void,
): void {
  const expand = button("Draw every task", "Draw this container's tasks one by one", {
    "data-cw-action": "expand",
  });
  expand.addEventListener("click", onExpand);
  panel.setAttribute("data-cw-details", `summary:${path}`);
  panel.removeAttribute("data-cw-state");
  panel.replaceChildren(header(`${kind} (summary)`, onClose), summaryFields(path, counts), expand);
  panel.hidden = false;
}

/** Bring the counts up to date if `panel` shows the summary of `path`. Only the counts: the
 * button stays the same element, so that a click on it while the run goes on is not lost. */
export function refreshSummaryDetails(
  panel: HTMLElement,
  path: string,
  counts: Counts | undefined,
): void {
  if (panel.hidden || panel.getAttribute("data-cw-details") !== `summary:${path}`) return;
  panel.querySelector(".cw-details-fields")?.replaceWith(summaryFields(path, counts));
}

function summaryFields(path: string, counts: Counts | undefined): HTMLElement {
  const list = h("dl", { className: "cw-details-fields" });
  list.append(h("dt", {}, "path"), h("dd", {}, path));
  STATES.forEach((state, i) => {
    const n = counts?.[i] ?? 0;
    if (n > 0) list.append(h("dt", {}, state), h("dd", {}, formatCount(n)));
  });
  return list;
}

/** Show that the details are on their way, or why they are not coming. */
export function showDetailsMessage(
  panel: HTMLElement,
  title: string,
  message: string,
  onClose: () => void,
): void {
  panel.replaceChildren(header(title, onClose), h("p", { className: "cw-details-note" }, message));
  panel.hidden = false;
}

function header(title: string, onClose: () => void): HTMLElement {
  const close = button("×", "Close the details", {
    "data-cw-action": "close-details",
    "aria-label": "Close the details",
  });
  close.addEventListener("click", onClose);
  return h("div", { className: "cw-details-header" }, h("strong", {}, title), close);
}
