/**
 * The inspector: the selected block's fields. For a task: its name, `.s` or `.si`, args and
 * kwargs (JSON or Python literals, read by ./literal.ts, never evaluated) shown against the task's
 * parameters, execution options and link / link_error callbacks. For map / starmap / chunks: the
 * items and the chunk size. For a custom node (a type registered with Celery): its args and plain
 * kwargs, and what its slots hold. For every block: its problems.
 *
 * Fields apply on `change` (Enter, or leaving the field); text that does not parse stays in the
 * field with the reason beside it, and nothing is applied.
 */

import { button, h } from "../shared/dom";
import { bindParameters, signatureText, type TaskInfo } from "./binding";
import { callText, shortName } from "./canvas-view";
import {
  callArgsText,
  HIDDEN_OPTION,
  type HiddenField,
  hiddenText,
  reprOption,
  unhide,
} from "./hidden";
import {
  formatArgs,
  formatKwargs,
  formatLiteral,
  inexactNumber,
  isIsoMoment,
  parseArgs,
  parseKwargs,
  parseLiteral,
} from "./literal";
import type { CustomType } from "./model";
import type { Leading, Problem } from "./paths";
import type { BuilderNode, CustomNode, Edit, TaskChanges, TaskNode } from "./state";

export interface InspectorContext {
  node: BuilderNode | null;
  path: string | null;
  /** How many blocks are selected (wrapping works on several). */
  selectionCount: number;
  catalogue: readonly TaskInfo[];
  customTypes: readonly CustomType[];
  leading: Leading | null;
  /** Apply an edit; returns why it could not apply, or null. */
  commit: (edit: Edit) => string | null;
  select: (id: string) => void;
  action: (name: "wrap-chain" | "wrap-group" | "wrap-chord" | "unwrap" | "delete") => void;
}

/** The options the inspector has a field for; any others are edited together as a dict. */
const KNOWN_OPTIONS = [
  "countdown",
  "eta",
  "expires",
  "queue",
  "priority",
  "retry",
  "retry_policy",
] as const;
const CALLBACK_KEYS = ["link", "link_error"] as const;

const KEYS_HELP: [string, string][] = [
  ["↑ ↓", "previous / next block"],
  ["← →", "parent / first member"],
  ["Enter", "edit the selected block here"],
  ["Alt+↑ ↓", "move the block in its list"],
  ["Delete", "remove the selection"],
  ["c g h", "wrap in chain / group / chord"],
  ["u", "unwrap a chain, group or chord"],
  ["s", "switch .s / .si"],
  ["x, v", "cut a block, paste it at the selection"],
  ["/", "search the palette; Enter inserts"],
  ["Ctrl+Z", "undo (Shift: redo)"],
];

function isBlank(text: string): boolean {
  return text.trim() === "";
}

export class Inspector {
  readonly element: HTMLElement;
  private readonly body: HTMLElement;
  private readonly problemsEl: HTMLElement;
  private ctx: InspectorContext | null = null;
  /** Foldable sections the user opened, kept open across selections. */
  private readonly opened = new Set<string>();

  constructor() {
    this.problemsEl = h("div", { className: "cw-inspector-problems" });
    this.body = h("div", { className: "cw-inspector-body" });
    this.element = h(
      "div",
      { className: "cw-inspector", role: "region", "aria-label": "Inspector", tabindex: "-1" },
      h("div", { className: "cw-pane-title" }, "Inspector"),
      this.problemsEl,
      this.body,
    );
  }

  /** Draw the fields for a selection, keeping focus on the same field when there was one. */
  render(ctx: InspectorContext): void {
    this.ctx = ctx;
    const active = document.activeElement as HTMLElement | null;
    const hadFocus = active !== null && this.body.contains(active);
    const focusedKey = hadFocus ? active?.dataset.cwField : undefined;
    const focusedAt = hadFocus ? this.focusables().indexOf(active) : -1;
    const parts: (HTMLElement | null)[] = [];
    const { node } = ctx;
    if (ctx.selectionCount > 1) {
      parts.push(this.multiple(ctx.selectionCount));
    } else if (node === null) {
      parts.push(this.help());
    } else {
      parts.push(this.header(node, ctx.path ?? ""));
      switch (node.kind) {
        case "task":
          parts.push(...this.task(node));
          break;
        case "map":
        case "starmap":
        case "chunks":
          parts.push(this.iterable(node));
          break;
        case "custom":
          parts.push(this.custom(node));
          break;
        default:
          parts.push(this.container(node));
      }
      parts.push(this.options(node));
      parts.push(this.callbacks(node));
    }
    this.body.replaceChildren(...parts.filter((p): p is HTMLElement => p !== null));
    // Which block the fields are for (tests wait on it before typing into them).
    this.element.setAttribute("data-cw-inspecting", ctx.selectionCount > 1 ? "" : (node?.id ?? ""));
    if (!hadFocus) return;
    // The same field; else (a callback removed, a radio or a section title without a field
    // name) the one at the same place: the focus must not fall to the page, where
    // JupyterLab's command mode would take the next keys.
    const same =
      focusedKey === undefined
        ? null
        : this.body.querySelector<HTMLElement>(`[data-cw-field="${focusedKey}"]`);
    const all = this.focusables();
    (same ?? all[Math.min(Math.max(focusedAt, 0), all.length - 1)] ?? this.element).focus();
  }

  /** The inspector's fields and buttons, in order. */
  private focusables(): HTMLElement[] {
    return Array.from(
      this.body.querySelectorAll<HTMLElement>("input, select, textarea, button, summary"),
    );
  }

  /** Show the problems of the selected block. */
  setProblems(problems: readonly Problem[]): void {
    this.problemsEl.replaceChildren(
      ...problems.map((p) =>
        h(
          "div",
          { className: `cw-problem cw-problem-${p.severity}`, role: "note" },
          h("span", { className: "cw-problem-severity" }, p.severity),
          h("span", { className: "cw-problem-message" }, p.message),
        ),
      ),
    );
  }

  /** Focus the first field (Enter on the canvas). */
  focusFirst(): void {
    const field = this.body.querySelector<HTMLElement>("input, select, textarea, button");
    field?.focus();
    // Its text selected, as a form's next field would be: what is typed replaces it.
    if (field instanceof HTMLInputElement || field instanceof HTMLTextAreaElement) field.select();
  }

  // --- sections ------------------------------------------------------------------------------

  /** A section that folds away; open when something in it is set, or when the user opened it. */
  private collapsible(key: string, title: string, setCount: number): HTMLElement {
    const summary = h(
      "summary",
      { className: "cw-section-title", "data-cw-field": `section-${key}` },
      title,
      setCount ? h("span", { className: "cw-count" }, ` · ${setCount} set`) : null,
    );
    const details = h("details", { className: "cw-section", "data-cw-section": key }, summary);
    (details as HTMLDetailsElement).open = setCount > 0 || this.opened.has(key);
    details.addEventListener("toggle", () => {
      if ((details as HTMLDetailsElement).open) this.opened.add(key);
      else this.opened.delete(key);
    });
    return details;
  }

  private help(): HTMLElement {
    const list = h("dl", { className: "cw-keys" });
    for (const [keys, what] of KEYS_HELP) list.append(h("dt", {}, keys), h("dd", {}, what));
    return h(
      "div",
      { className: "cw-help" },
      h(
        "p",
        {},
        "Select a block to edit it. Drag tasks and primitives from the palette onto the canvas; drop beside a block to put it before or after.",
      ),
      h("div", { className: "cw-section-title" }, "Keys (on the canvas)"),
      list,
    );
  }

  private multiple(count: number): HTMLElement {
    const ctx = this.ctx as InspectorContext;
    return h(
      "div",
      { className: "cw-section" },
      h("p", {}, `${count} blocks selected. Wrap them (they must be in the same list):`),
      h(
        "div",
        { className: "cw-button-row" },
        actionButton("chain", "wrap-chain", ctx),
        actionButton("group", "wrap-group", ctx),
        actionButton("chord", "wrap-chord", ctx),
        actionButton("delete", "delete", ctx),
      ),
    );
  }

  private header(node: BuilderNode, path: string): HTMLElement {
    const kind = describeKind(node);
    const title = node.kind === "task" ? callText(node) : kind;
    return h(
      "div",
      { className: "cw-inspector-head" },
      h("span", { className: `cw-chip cw-kind-${node.kind}` }, kind),
      h("span", { className: "cw-inspector-title", title }, title),
      h("div", { className: "cw-path", title: "path (as in problems)" }, path),
    );
  }

  private task(node: TaskNode): HTMLElement[] {
    const ctx = this.ctx as InspectorContext;
    const info = ctx.catalogue.find((t) => t.name === node.task);
    const update = (changes: TaskChanges) =>
      ctx.commit({ type: "updateTask", id: node.id, changes });

    const listId = `cw-tasks-${Math.random().toString(36).slice(2)}`;
    const datalist = h("datalist", { id: listId });
    for (const t of ctx.catalogue) datalist.append(h("option", { value: t.name }));
    const nameField = textField({
      key: "task",
      label: "task",
      value: node.task,
      hint: info
        ? `${shortName(info.name)}${signatureText(info.parameters)}`
        : "not a task of this app",
      attrs: { list: listId, spellcheck: "false" },
      apply: (text) => {
        if (isBlank(text)) return "a task name cannot be empty";
        return update({ task: text.trim() });
      },
    });

    const toggle = h("div", {
      className: "cw-toggle",
      role: "radiogroup",
      "aria-label": "signature",
    });
    for (const [immutable, label, title] of [
      [false, ".s", "partial: also receives the previous step's result (or the header's results)"],
      [true, ".si", "immutable: ignores the result it would be given"],
    ] as const) {
      const b = button(label, title, {
        role: "radio",
        "aria-checked": String(node.immutable === immutable),
        "data-cw-field": immutable ? "immutable" : "partial",
      });
      b.addEventListener("click", () => {
        if (node.immutable !== immutable) update({ immutable });
      });
      toggle.append(b);
    }

    const section = h(
      "div",
      { className: "cw-section" },
      info?.doc ? h("p", { className: "cw-doc" }, info.doc) : null,
      ...callFields(node, update),
      h("div", { className: "cw-field" }, h("span", { className: "cw-label" }, "call as"), toggle),
    );
    const out = [section];
    if (info !== undefined) out.push(this.parameters(node, info));
    out.push(h("div", { className: "cw-section" }, datalist, nameField));
    return out;
  }

  private parameters(node: TaskNode, info: TaskInfo): HTMLElement {
    const ctx = this.ctx as InspectorContext;
    if (hiddenText(node.options, "args") !== null || hiddenText(node.options, "kwargs") !== null) {
      return h(
        "div",
        { className: "cw-section" },
        h("div", { className: "cw-section-title" }, "Parameters"),
        h("p", { className: "cw-doc" }, "Some arguments are hidden: the problems say if they fit."),
      );
    }
    const rows = bindParameters(info.parameters, ctx.leading, node.args, node.kwargs);
    const table = h("table", { className: "cw-params" });
    for (const row of rows) {
      table.append(
        h(
          "tr",
          { className: `cw-param-${row.source}` },
          h("th", { scope: "row" }, row.name),
          h("td", {}, row.text),
        ),
      );
    }
    return h(
      "div",
      { className: "cw-section" },
      h("div", { className: "cw-section-title" }, "Parameters"),
      rows.length ? table : h("p", { className: "cw-doc" }, "This task takes no parameters."),
    );
  }

  private iterable(
    node: Extract<BuilderNode, { kind: "map" | "starmap" | "chunks" }>,
  ): HTMLElement {
    const ctx = this.ctx as InspectorContext;
    const what =
      node.kind === "map"
        ? "each item is passed as the task's first argument"
        : "each item is a list of the task's arguments";
    const hiddenItems = hiddenText(node.options, "it");
    const items =
      hiddenItems !== null
        ? hiddenField("it", hiddenItems, reprOption(node.options, "it"), () =>
            ctx.commit({
              type: "setIterable",
              id: node.id,
              it: [],
              options: unhide(node.options, "it"),
            }),
          )
        : textField({
            key: "it",
            label: "items",
            value: formatLiteral(node.it),
            placeholder: node.kind === "map" ? "e.g. [[1, 2], [3, 4]]" : "e.g. [(1, 2), (3, 4)]",
            hint: `a list: ${what}`,
            attrs: { "data-cw-input": "it" },
            apply: (text) => {
              const value = parseLiteral(text);
              if (!Array.isArray(value)) return "items must be a list";
              return ctx.commit({ type: "setIterable", id: node.id, it: value });
            },
          });
    const section = h("div", { className: "cw-section" }, items);
    if (node.kind === "chunks") {
      section.append(
        textField({
          key: "n",
          label: "chunk size",
          value: String(node.n),
          type: "number",
          attrs: { min: "1", step: "1", "data-cw-input": "n" },
          apply: (text) => {
            const n = Number(text);
            if (!Number.isInteger(n) || n < 1) return "the chunk size is a whole number ≥ 1";
            return ctx.commit({ type: "setIterable", id: node.id, n });
          },
        }),
      );
    }
    const inner = node.inner;
    section.append(
      inner === null
        ? h("p", { className: "cw-doc" }, `Drop a task into this ${node.kind} to apply it.`)
        : h(
            "p",
            { className: "cw-doc" },
            "Applies ",
            linkButton(callText(inner), () => ctx.select(inner.id)),
            ` (select it to change its name or arguments).`,
          ),
    );
    return section;
  }

  private custom(node: CustomNode): HTMLElement {
    const ctx = this.ctx as InspectorContext;
    const type = ctx.customTypes.find((t) => t.type === node.type);
    const required = new Set(type?.slots.filter((s) => s.required).map((s) => s.name));
    const slots = Object.entries(node.slots).map(([name, child]) => {
      const empty = required.has(name)
        ? "empty: drop a signature into it on the canvas"
        : "empty (optional): drop a signature into it on the canvas";
      return h(
        "p",
        { className: "cw-doc" },
        `${name}: `,
        child === null
          ? empty
          : linkButton(child.kind === "task" ? callText(child) : describeKind(child), () =>
              ctx.select(child.id),
            ),
      );
    });
    return h(
      "div",
      { className: "cw-section" },
      type?.doc ? h("p", { className: "cw-doc" }, type.doc) : null,
      h("p", { className: "cw-doc" }, `Calls ${node.task}.`),
      ...callFields(node, (changes) => ctx.commit({ type: "updateTask", id: node.id, changes })),
      ...slots,
      h(
        "div",
        { className: "cw-button-row" },
        actionButton("unwrap", "unwrap", ctx),
        actionButton("delete", "delete", ctx),
      ),
    );
  }

  private container(
    node: Extract<BuilderNode, { kind: "chain" | "group" | "chord" }>,
  ): HTMLElement {
    const ctx = this.ctx as InspectorContext;
    const what = {
      chain:
        "Runs its steps in order; each step gets the previous step's result first (unless it is .si).",
      group: "Runs its tasks in parallel; its result is the list of their results.",
      chord:
        "Runs the header in parallel, then calls the body with the list of the header's results.",
    }[node.kind];
    return h(
      "div",
      { className: "cw-section" },
      h("p", { className: "cw-doc" }, what),
      h(
        "div",
        { className: "cw-button-row" },
        actionButton("unwrap", "unwrap", ctx),
        actionButton("delete", "delete", ctx),
      ),
    );
  }

  private options(node: BuilderNode): HTMLElement {
    const ctx = this.ctx as InspectorContext;
    const set = (key: string, value: unknown | undefined) => {
      const options = { ...node.options };
      if (value === undefined) delete options[key];
      else options[key] = value;
      return ctx.commit({ type: "setOptions", id: node.id, options });
    };
    const current = (key: string) => node.options[key];
    const set_ = Object.keys(node.options).filter((k) => k !== "link" && k !== "link_error");
    const section = this.collapsible("options", "Options", set_.length);
    // Text, not type="number": a value of the wrong kind set from Python ("soon") shows as it
    // is, to be mended or cleared (a number input would show it empty, and not let it go).
    const number = (key: string, label: string, hint: string, integer = false) =>
      textField({
        key: `option-${key}`,
        label,
        value: current(key) === undefined ? "" : String(current(key)),
        hint,
        attrs: { inputmode: integer ? "numeric" : "decimal" },
        apply: (text) => {
          if (isBlank(text)) return set(key, undefined);
          const n = Number(text);
          if (!Number.isFinite(n) || n < 0 || (integer && !Number.isInteger(n))) {
            return `${label} must be ${integer ? "a whole number" : "a number"} ≥ 0`;
          }
          return inexactNumber(n) ?? set(key, n);
        },
      });
    section.append(
      number("countdown", "countdown", "seconds to wait before running"),
      textField({
        key: "option-eta",
        label: "eta",
        value: typeof current("eta") === "string" ? (current("eta") as string) : "",
        placeholder: "2030-01-01T12:00:00+00:00",
        hint: "run at this time (ISO 8601)",
        apply: (text) => {
          if (isBlank(text)) return set("eta", undefined);
          if (!isIsoMoment(text.trim())) return "not an ISO 8601 date and time";
          return set("eta", text.trim());
        },
      }),
      textField({
        key: "option-expires",
        label: "expires",
        value: current("expires") === undefined ? "" : String(current("expires")),
        placeholder: "seconds, or an ISO 8601 time",
        hint: "revoke the task if it has not started by then",
        apply: (text) => {
          const t = text.trim();
          if (t === "") return set("expires", undefined);
          const n = Number(t);
          if (Number.isFinite(n) && n >= 0) return inexactNumber(n) ?? set("expires", n);
          if (!isIsoMoment(t)) return "seconds, or an ISO 8601 date and time";
          return set("expires", t);
        },
      }),
      textField({
        key: "option-queue",
        label: "queue",
        value: typeof current("queue") === "string" ? (current("queue") as string) : "",
        placeholder: "the default queue",
        apply: (text) => set("queue", isBlank(text) ? undefined : text.trim()),
      }),
      number("priority", "priority", "0–255 (0–9 on Redis); higher runs first", true),
      selectField({
        key: "option-retry",
        label: "retry",
        value: current("retry") === undefined ? "" : String(current("retry")),
        choices: [
          ["", "default"],
          ["true", "retry sending"],
          ["false", "do not retry sending"],
        ],
        hint: "retry publishing when the broker connection fails",
        apply: (value) => set("retry", value === "" ? undefined : value === "true"),
      }),
      textField({
        key: "option-retry_policy",
        label: "retry policy",
        value: current("retry_policy") === undefined ? "" : formatLiteral(current("retry_policy")),
        placeholder: "{'max_retries': 3, 'interval_start': 0}",
        hint: "max_retries, interval_start, interval_step, interval_max",
        apply: (text) => {
          if (isBlank(text)) return set("retry_policy", undefined);
          const value = parseLiteral(text);
          if (typeof value !== "object" || value === null || Array.isArray(value)) {
            return "a retry policy is a dict";
          }
          return set("retry_policy", value);
        },
      }),
    );
    // The tokens of hidden arguments, and the reprs that stand for them, are not options to
    // edit here: kept as they are (the hidden field shows the repr; its "replace" drops both).
    const hiding = HIDDEN_OPTION in node.options ? ["argsrepr", "kwargsrepr"] : [];
    const known = new Set<string>([...KNOWN_OPTIONS, ...CALLBACK_KEYS, HIDDEN_OPTION, ...hiding]);
    const others = Object.fromEntries(Object.entries(node.options).filter(([k]) => !known.has(k)));
    section.append(
      textField({
        key: "option-others",
        label: "other options",
        value: Object.keys(others).length ? formatLiteral(others) : "",
        placeholder: "{'soft_time_limit': 10}",
        hint: "any other apply_async option, as a dict (the serializer stays JSON)",
        apply: (text) => {
          const value = isBlank(text) ? {} : parseLiteral(text);
          if (typeof value !== "object" || value === null || Array.isArray(value)) {
            return "other options are a dict";
          }
          const options: Record<string, unknown> = {};
          for (const [k, v] of Object.entries(node.options)) if (known.has(k)) options[k] = v;
          for (const [k, v] of Object.entries(value)) {
            if (known.has(k)) return `${k} has its own field`;
            if (k === "serializer" && v !== "json") return "the serializer stays JSON";
            options[k] = v;
          }
          return ctx.commit({ type: "setOptions", id: node.id, options });
        },
      }),
    );
    return section;
  }

  private callbacks(node: BuilderNode): HTMLElement {
    const ctx = this.ctx as InspectorContext;
    const count = CALLBACK_KEYS.map((k) => node.options[k])
      .map((v) => (Array.isArray(v) ? v.length : v ? 1 : 0))
      .reduce((a, b) => a + b, 0);
    const section = this.collapsible("callbacks", "Callbacks", count);
    for (const key of CALLBACK_KEYS) {
      const raw = node.options[key];
      const list = (raw === undefined || raw === null ? [] : Array.isArray(raw) ? raw : [raw]) as {
        task: string;
        args?: unknown[];
        immutable?: boolean;
      }[];
      const setList = (next: unknown[]) => {
        const options = { ...node.options };
        if (next.length === 0) delete options[key];
        else options[key] = next;
        return ctx.commit({ type: "setOptions", id: node.id, options });
      };
      const label = key === "link" ? "on success (link)" : "on failure (link_error)";
      const rows = h("div", { className: "cw-callback-list", "data-cw-callbacks": key });
      list.forEach((cb, i) => {
        const remove = button("×", `remove this ${key} callback`, {
          className: "cw-icon-button",
          "aria-label": `Remove this ${key} callback`,
          "data-cw-field": `${key}-remove-${i}`,
        });
        remove.addEventListener("click", () => setList(list.filter((_, j) => j !== i)));
        const args = callArgsText(cb);
        rows.append(
          h(
            "div",
            { className: "cw-callback-row", "data-cw-callback-index": String(i) },
            h(
              "code",
              { title: cb.task },
              `${shortName(cb.task)}.${cb.immutable ? "si" : "s"}(${args})`,
            ),
            remove,
          ),
        );
      });
      const select = h("select", {
        "aria-label": `task for a new ${key} callback`,
        "data-cw-field": `${key}-task`,
      }) as HTMLSelectElement;
      select.append(h("option", { value: "" }, "add a task…"));
      for (const t of ctx.catalogue)
        select.append(h("option", { value: t.name }, shortName(t.name)));
      const argsInput = h("input", {
        type: "text",
        placeholder: "args",
        "aria-label": `args of the new ${key} callback`,
        "data-cw-field": `${key}-args`,
        spellcheck: "false",
      }) as HTMLInputElement;
      const error = h("div", { className: "cw-field-error", role: "alert" });
      const add = button("add", `add a ${key} callback`, { "data-cw-field": `${key}-add` });
      add.addEventListener("click", () => {
        if (select.value === "") {
          error.textContent = "pick a task first";
          return;
        }
        let args: unknown[];
        try {
          args = parseArgs(argsInput.value);
        } catch (e) {
          error.textContent = (e as Error).message;
          return;
        }
        const callback = {
          task: select.value,
          args,
          kwargs: {},
          options: {},
          subtask_type: null,
          immutable: false,
        };
        const problem = setList([...list, callback]);
        error.textContent = problem ?? "";
      });
      section.append(
        h(
          "div",
          { className: "cw-field" },
          h("span", { className: "cw-label" }, label),
          rows,
          h("div", { className: "cw-callback-add" }, select, argsInput, add),
          error,
        ),
      );
    }
    return section;
  }
}

// --- fields --------------------------------------------------------------------------------------

/** The args and kwargs of a call (a task, or a custom node's plain kwargs) as literal text. */
function callFields(
  node: TaskNode | CustomNode,
  update: (changes: TaskChanges) => string | null,
): HTMLElement[] {
  const argsText = hiddenText(node.options, "args");
  const kwargsText = hiddenText(node.options, "kwargs");
  return [
    argsText !== null
      ? hiddenField("args", argsText, "argsrepr", () =>
          update({ args: [], options: unhide(node.options, "args") }),
        )
      : textField({
          key: "args",
          label: "args",
          value: formatArgs(node.args),
          placeholder: "e.g. 2, 2",
          hint: "as inside the call: 2, 'x', [1, 2] (JSON or Python literals)",
          attrs: { "data-cw-input": "args" },
          apply: (text) => update({ args: parseArgs(text) }),
        }),
    kwargsText !== null
      ? hiddenField("kwargs", kwargsText, "kwargsrepr", () =>
          update({ kwargs: {}, options: unhide(node.options, "kwargs") }),
        )
      : textField({
          key: "kwargs",
          label: "kwargs",
          value: formatKwargs(node.kwargs),
          placeholder: "e.g. y=2",
          hint:
            node.kind === "custom"
              ? `name=value, … or a dict (not ${Object.keys(node.slots).join(", ")}: drop those on the canvas)`
              : "name=value, … or a dict",
          attrs: { "data-cw-input": "kwargs" },
          apply: (text) => update({ kwargs: parseKwargs(text) }),
        }),
  ];
}

/**
 * Arguments hidden as Celery hides them (argsrepr / kwargsrepr): their text, read-only (the
 * values stay in the kernel), and a button that replaces them with values typed here, which
 * are then not hidden (the repr goes with them).
 */
function hiddenField(
  field: HiddenField,
  text: string,
  by: string,
  replace: () => string | null,
): HTMLElement {
  const name = field === "it" ? "items" : field;
  const id = `cw-f-${Math.random().toString(36).slice(2)}`;
  const input = h("input", {
    id,
    type: "text",
    readonly: "",
    "aria-readonly": "true",
    value: text,
    "data-cw-field": field,
    "data-cw-input": field,
    "data-cw-hidden": field,
  }) as HTMLInputElement;
  input.value = text;
  const error = h("div", { className: "cw-field-error", role: "alert" });
  const b = button("replace", `replace the hidden ${name} with values typed here (not hidden)`, {
    "data-cw-field": `${field}-replace`,
  });
  b.addEventListener("click", () => {
    error.textContent = replace() ?? "";
  });
  return h(
    "div",
    { className: "cw-field cw-field-hidden" },
    h("label", { className: "cw-label", for: id }, `${name} (hidden)`),
    input,
    h(
      "div",
      { className: "cw-hint" },
      `hidden by ${by}: the values stay in the kernel, never shown or saved. `,
      b,
    ),
    error,
  );
}

function describeKind(node: BuilderNode): string {
  return node.kind === "custom" ? node.type : node.kind;
}

interface TextFieldSpec {
  key: string;
  label: string;
  value: string;
  placeholder?: string;
  hint?: string;
  type?: string;
  attrs?: Record<string, string>;
  /** Apply the text; returns why it could not, or null. Parse errors may be thrown. */
  apply: (text: string) => string | null;
}

function textField(spec: TextFieldSpec): HTMLElement {
  const id = `cw-f-${Math.random().toString(36).slice(2)}`;
  const input = h("input", {
    id,
    type: spec.type ?? "text",
    value: spec.value,
    placeholder: spec.placeholder,
    spellcheck: "false",
    autocomplete: "off",
    "data-cw-field": spec.key,
    ...spec.attrs,
  }) as HTMLInputElement;
  input.value = spec.value;
  const error = h("div", { className: "cw-field-error", role: "alert" });
  input.addEventListener("change", () => {
    let problem: string | null;
    try {
      problem = spec.apply(input.value);
    } catch (e) {
      problem = (e as Error).message;
    }
    error.textContent = problem ?? "";
    input.setAttribute("aria-invalid", problem === null ? "false" : "true");
  });
  return h(
    "div",
    { className: "cw-field" },
    h("label", { className: "cw-label", for: id }, spec.label),
    input,
    spec.hint ? h("div", { className: "cw-hint" }, spec.hint) : null,
    error,
  );
}

function selectField(spec: {
  key: string;
  label: string;
  value: string;
  choices: [string, string][];
  hint?: string;
  apply: (value: string) => string | null;
}): HTMLElement {
  const id = `cw-f-${Math.random().toString(36).slice(2)}`;
  const select = h("select", { id, "data-cw-field": spec.key }) as HTMLSelectElement;
  for (const [value, label] of spec.choices) select.append(h("option", { value }, label));
  select.value = spec.value;
  const error = h("div", { className: "cw-field-error", role: "alert" });
  select.addEventListener("change", () => {
    error.textContent = spec.apply(select.value) ?? "";
  });
  return h(
    "div",
    { className: "cw-field" },
    h("label", { className: "cw-label", for: id }, spec.label),
    select,
    spec.hint ? h("div", { className: "cw-hint" }, spec.hint) : null,
    error,
  );
}

function actionButton(
  label: string,
  action: "wrap-chain" | "wrap-group" | "wrap-chord" | "unwrap" | "delete",
  ctx: InspectorContext,
): HTMLElement {
  const b = button(label, label, { "data-cw-field": `action-${action}` });
  b.addEventListener("click", () => ctx.action(action));
  return b;
}

function linkButton(text: string, onClick: () => void): HTMLElement {
  const b = button(text, "select it", { className: "cw-link" });
  b.addEventListener("click", onClick);
  return b;
}
