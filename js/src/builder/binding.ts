/**
 * Which value each parameter of a task gets, for the inspector's parameter table: the task's
 * parameters (from the catalogue) against what Celery will pass (see paths.leadingArguments),
 * the signature's args and its kwargs. Python's own `inspect.signature(...).bind` decides in the
 * end (the problems say so); this is the same rule, shown while editing.
 */

import { formatLiteral } from "./literal";
import type { Leading } from "./paths";

/** A task parameter, as `TaskInfo.to_json()` writes it (canvas_widgets/catalogue.py). */
export interface Parameter {
  name: string;
  kind: "positional" | "positional_or_keyword" | "var_positional" | "keyword_only" | "var_keyword";
  /** The default's repr, or null when there is none. */
  default: string | null;
  annotation: string | null;
}

/** A registered task, as `TaskInfo.to_json()` writes it. */
export interface TaskInfo {
  name: string;
  parameters: Parameter[];
  doc: string;
  module: string;
}

/** Where one parameter's value comes from. */
export interface Binding {
  /** The parameter (`*args`, `**kwargs` written with their stars), or "" for surplus values. */
  name: string;
  source: "leading" | "args" | "kwargs" | "default" | "missing" | "surplus" | "empty";
  /** What it gets, as text: `8`, `the previous step's result`, `default 3`, ... */
  text: string;
}

function starred(p: Parameter): string {
  if (p.kind === "var_positional") return `*${p.name}`;
  if (p.kind === "var_keyword") return `**${p.name}`;
  return p.name;
}

/** A parameter no positional value reached: its keyword argument (when it can take one, which
 *  is then used up), else its default, else missing. */
function unfilled(
  name: string,
  p: Parameter,
  unusedKwargs: Map<string, unknown>,
  byKeyword: boolean,
): Binding {
  if (byKeyword && unusedKwargs.has(p.name)) {
    const value = unusedKwargs.get(p.name);
    unusedKwargs.delete(p.name);
    return { name, source: "kwargs", text: formatLiteral(value) };
  }
  if (p.default !== null) return { name, source: "default", text: `default ${p.default}` };
  return { name, source: "missing", text: "missing" };
}

/** Bind leading values, args and kwargs to parameters, as Python's call rules do. */
export function bindParameters(
  parameters: readonly Parameter[],
  leading: Leading | null,
  args: readonly unknown[],
  kwargs: Record<string, unknown>,
): Binding[] {
  const positional: { source: "leading" | "args"; text: string }[] = [];
  for (let i = 0; i < (leading?.count ?? 0); i++) {
    const what = leading?.what ?? "";
    positional.push({ source: "leading", text: leading?.count === 1 ? what : `${what} [${i}]` });
  }
  for (const a of args) positional.push({ source: "args", text: formatLiteral(a) });
  const unusedKwargs = new Map(Object.entries(kwargs));
  const out: Binding[] = [];
  let next = 0;
  for (const p of parameters) {
    const name = starred(p);
    if (p.kind === "positional" || p.kind === "positional_or_keyword") {
      const given = positional[next];
      if (given !== undefined) {
        next++;
        if (p.kind === "positional_or_keyword" && unusedKwargs.has(p.name)) {
          out.push({ name, source: "surplus", text: `given twice: ${given.text} and by keyword` });
          unusedKwargs.delete(p.name);
        } else {
          out.push({ name, source: given.source, text: given.text });
        }
        continue;
      }
      out.push(unfilled(name, p, unusedKwargs, p.kind === "positional_or_keyword"));
    } else if (p.kind === "var_positional") {
      const rest = positional.slice(next);
      next = positional.length;
      out.push(
        rest.length === 0
          ? { name, source: "empty", text: "nothing" }
          : {
              name,
              source: rest.some((r) => r.source === "args") ? "args" : "leading",
              text: `(${rest.map((r) => r.text).join(", ")})`,
            },
      );
    } else if (p.kind === "keyword_only") {
      out.push(unfilled(name, p, unusedKwargs, true));
    } else {
      const extra = [...unusedKwargs.entries()];
      unusedKwargs.clear();
      out.push(
        extra.length === 0
          ? { name, source: "empty", text: "nothing" }
          : {
              name,
              source: "kwargs",
              text: formatLiteral(Object.fromEntries(extra)),
            },
      );
    }
  }
  const surplus = positional.slice(next);
  if (surplus.length > 0) {
    out.push({
      name: "",
      source: "surplus",
      text: `${surplus.length} positional value${surplus.length === 1 ? "" : "s"} too many: ${surplus
        .map((s) => s.text)
        .join(", ")}`,
    });
  }
  for (const [key, value] of unusedKwargs) {
    out.push({ name: key, source: "surplus", text: `no such parameter (${formatLiteral(value)})` });
  }
  return out;
}

/** `(x, y=2, *rest, **extra)`: a task's parameters as Python writes its signature. */
export function signatureText(parameters: readonly Parameter[]): string {
  const parts: string[] = [];
  let starDone = false;
  for (const p of parameters) {
    if (p.kind === "keyword_only" && !starDone) {
      parts.push("*");
      starDone = true;
    }
    if (p.kind === "var_positional") starDone = true;
    parts.push(p.default === null ? starred(p) : `${starred(p)}=${p.default}`);
  }
  return `(${parts.join(", ")})`;
}
