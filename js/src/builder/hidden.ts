/**
 * Hidden arguments. A task that hides its args or kwargs as Celery does (the `argsrepr` /
 * `kwargsrepr` options) reaches the browser without them: Python keeps the values in the kernel
 * and sends an empty placeholder, with a token in the option `cw_hidden` (`{kwargs: "<token>"}`)
 * by which it puts them back (canvas_widgets/widgets/_hidden.py). The token travels with the
 * block's options through moves, copies, wraps and undo; the view shows the repr text in the
 * values' place, read-only. Replacing them drops the token and the repr together.
 */

import { formatArgs, formatKwargs } from "./literal";

/** The option holding the tokens of a task's hidden fields. */
export const HIDDEN_OPTION = "cw_hidden";

export type HiddenField = "args" | "kwargs";

const REPR_OPTION: Record<HiddenField, string> = { args: "argsrepr", kwargs: "kwargsrepr" };

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
  const text = options?.[REPR_OPTION[field]];
  return typeof text === "string" ? text : "hidden";
}

/** The options without the hiding of `field`: its token and its repr (a replacement's own). */
export function unhide(
  options: Record<string, unknown>,
  field: HiddenField,
): Record<string, unknown> {
  const out = { ...options };
  delete out[REPR_OPTION[field]];
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
