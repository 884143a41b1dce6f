/**
 * Hidden arguments. A task that hides its args or kwargs as Celery does (the `argsrepr` /
 * `kwargsrepr` options) reaches the browser without them: Python keeps the values in the kernel
 * and sends an empty placeholder, with a token in the option `cw_hidden` (`{kwargs: "<token>"}`)
 * by which it puts them back (canvas_widgets/widgets/_hidden.py). The token travels with the
 * block's options through moves, copies, wraps and undo; the view shows the repr text in the
 * values' place, read-only. Replacing them drops the token and the repr together.
 *
 * A map, starmap or chunks hides its items (`kwargs.it`) likewise, by its own argsrepr (or
 * kwargsrepr): Celery publishes the items as the arguments of the task it runs. Its token is
 * `{it: "<token>"}`, and the block and the inspector show the repr where the items would be.
 */

import { formatArgs, formatKwargs, formatLiteral } from "./literal";

/** The option holding the tokens of a task's hidden fields. */
export const HIDDEN_OPTION = "cw_hidden";

export type HiddenField = "args" | "kwargs" | "it";

/** The options whose text stands for each field: the first set is shown; all go on replacing. */
const REPR_OPTIONS: Record<HiddenField, string[]> = {
  args: ["argsrepr"],
  kwargs: ["kwargsrepr"],
  it: ["argsrepr", "kwargsrepr"],
};

/** The option a hidden field's text is read from (for the inspector's hint). */
export function reprOption(options: Record<string, unknown> | undefined, field: HiddenField) {
  const keys = REPR_OPTIONS[field];
  return keys.find((k) => typeof options?.[k] === "string") ?? (keys[0] as string);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** The repr text shown for a hidden field of a signature's options, or null when not hidden. */
export function hiddenText(
  options: Record<string, unknown> | undefined,
  field: HiddenField,
): string | null {
  const tokens = options?.[HIDDEN_OPTION];
  if (!isRecord(tokens) || typeof tokens[field] !== "string") return null;
  const text = options?.[reprOption(options, field)];
  return typeof text === "string" ? text : "hidden";
}

/** The options without the hiding of `field`: its token and its repr (a replacement's own). */
export function unhide(
  options: Record<string, unknown>,
  field: HiddenField,
): Record<string, unknown> {
  const out = { ...options };
  for (const key of REPR_OPTIONS[field]) delete out[key];
  const tokens = out[HIDDEN_OPTION];
  if (isRecord(tokens)) {
    const rest = { ...tokens };
    delete rest[field];
    if (Object.keys(rest).length) out[HIDDEN_OPTION] = rest;
    else delete out[HIDDEN_OPTION];
  }
  return out;
}

/** An argsrepr without its enclosing brackets (`'****', 2` for `('****', 2)`), as in a call. */
function positional(text: string): string {
  let t = text.trim();
  const ends = t.slice(0, 1) + t.slice(-1);
  if (ends === "()" || ends === "[]") t = t.slice(1, -1).trim().replace(/,$/, "").trimEnd();
  return t;
}

/**
 * What goes inside a call's brackets: `7, **{'card': '****'}`. Hidden fields are their repr
 * text, as the result graph's labels write them; the others their values.
 */
export function callArgsText(d: {
  args?: unknown;
  kwargs?: unknown;
  options?: Record<string, unknown>;
}): string {
  const argsHidden = hiddenText(d.options, "args");
  const kwargsHidden = hiddenText(d.options, "kwargs");
  const parts = [
    argsHidden !== null ? positional(argsHidden) : Array.isArray(d.args) ? formatArgs(d.args) : "",
    kwargsHidden !== null
      ? `**${kwargsHidden.trim()}`
      : isRecord(d.kwargs)
        ? formatKwargs(d.kwargs)
        : "",
  ];
  return parts.filter((s) => s !== "").join(", ");
}

/**
 * What a map / starmap / chunks block says of its items: a count (and the chunk size) and the
 * items as text; when they are hidden, the repr text in their place (the browser holds only an
 * empty placeholder, never to be shown as the items).
 */
export function itemsText(node: {
  kind: "map" | "starmap" | "chunks";
  it: unknown[];
  n?: number;
  options?: Record<string, unknown>;
}): { meta: string; items: string; hidden: boolean } {
  const hidden = hiddenText(node.options, "it");
  const chunks = node.kind === "chunks" ? ` in chunks of ${node.n}` : "";
  if (hidden !== null) return { meta: `hidden items${chunks}`, items: hidden, hidden: true };
  const count = `${node.it.length} item${node.it.length === 1 ? "" : "s"}`;
  return { meta: `${count}${chunks}`, items: formatLiteral(node.it), hidden: false };
}
