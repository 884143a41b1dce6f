/**
 * The canvas builder widget (anywidget ES module): palette | canvas | inspector, a toolbar with
 * undo / redo / wrap / delete / Run, and tabs with the problems, the Python source and the canvas
 * dict. Python side: canvas_widgets/widgets/builder.py (`CanvasBuilder`); traits in ./model.ts.
 *
 * Data flow: the view owns an undo history of trees (./state.ts). Every edit commits to it and
 * writes `canvas_dict` (and `selected`); Python validates and sends back `problems` and
 * `python_source`. A `canvas_dict` from Python that differs from the view's own is loaded as a new
 * step, keeping the ids of blocks at the same place so the selection survives. Actions (Run) are
 * messages with a request id, answered by a reply.
 *
 * DOM contract: see ./canvas-view.ts and ./palette.ts; the Run button is `data-cw-action="run"`,
 * and other toolbar buttons carry `data-cw-action` too (undo, redo, wrap-chain, wrap-group,
 * wrap-chord, unwrap, delete).
 */

import type { RenderProps } from "@anywidget/types";
import { button, clip, h, injectStyles, isNotebookKey } from "../shared/dom";
import { pageWithoutKernel, Requests } from "../shared/requests";
import { TreeView } from "./canvas-view";
import { DragAndDrop, type DragSource } from "./dnd";
import {
  type DropHit,
  dropTargetFor,
  insertionTarget,
  moveByOne,
  type Step,
  stepSelection,
} from "./gestures";
import { Inspector } from "./inspector";
import type { BuilderModel, CustomType, IncomingMessage } from "./model";
import { Palette } from "./palette";
import { Panels } from "./panels";
import { leadingArguments, nodeAtPath, nodePaths, type Problem, problemsByNode } from "./paths";
import {
  applyEdit,
  type BuilderNode,
  type BuilderState,
  canRedo,
  canUndo,
  childEntries,
  commit,
  commitState,
  createHistory,
  dropLast,
  type Edit,
  EditError,
  emptyState,
  findNode,
  fromCanvasDict,
  type History,
  type NewNode,
  redo,
  toCanvasDict,
  undo,
} from "./state";
import css from "./styles.css";
import { cloneDict, deepEqual, reconcileIds, unwritable } from "./sync";

export type { BuilderModel } from "./model";

type Model = RenderProps<BuilderModel>["model"];
type Action =
  | "undo"
  | "redo"
  | "wrap-chain"
  | "wrap-group"
  | "wrap-chord"
  | "unwrap"
  | "delete"
  | "run";

/** After this long without an answer to Run, the builder says why there may be none. */
const SLOW_REPLY_MS = 3_000;
const KERNEL_BUSY =
  "No answer from the kernel yet: it may be busy running a cell; or this builder was saved " +
  "with the notebook and no widget in the kernel is behind it (run its cell again).";
/** Said instead on a page with no kernel at all (see pageWithoutKernel). */
const NO_KERNEL_HERE =
  "No kernel is behind this page (a notebook saved or exported with its widgets): open the " +
  "notebook in Jupyter and run its cells to run the canvas.";

/** An id of this view, unique in the page (drags from other views are not ours). */
function uniqueId(): string {
  const c = globalThis.crypto;
  if (c && typeof c.randomUUID === "function") return c.randomUUID();
  return `r${Date.now().toString(36)}${Math.random().toString(36).slice(2)}`;
}

class BuilderView {
  private history: History;
  /** Selected ids; the last one is the primary selection (inspector, keyboard). */
  private selection: string[] = [];
  private cut: string | null = null;
  /** Set when Python refused our canvas dict: its next canvas_dict is our previous good one. */
  private refused = false;
  private readonly requests: Requests;
  private inspectorFrame: number | null = null;
  private readonly viewKey = uniqueId();

  private readonly widget: HTMLElement;
  private readonly canvas: HTMLElement;
  private readonly tree: TreeView;
  private readonly palette: Palette;
  private readonly inspector = new Inspector();
  private readonly panels: Panels;
  private readonly dnd: DragAndDrop;
  private readonly notice: HTMLElement;
  private readonly noticeText: HTMLElement;
  private readonly status: HTMLElement;
  private readonly buttons = new Map<Action, HTMLButtonElement>();
  private readonly listeners: [string, () => void][] = [];

  constructor(
    private readonly model: Model,
    el: HTMLElement,
  ) {
    this.requests = new Requests(model);
    this.canvas = h("div", {
      className: "cw-canvas",
      "data-cw-drop": "root",
      role: "tree",
      "aria-label": "Canvas",
      "aria-multiselectable": "true",
      tabindex: "0",
    });
    this.tree = new TreeView(this.canvas);
    this.palette = new Palette((spec) => this.insert(spec));
    this.panels = new Panels((path) => this.selectPath(path, true));
    this.noticeText = h("span", { className: "cw-notice-text" });
    const dismiss = button("×", "dismiss", {
      className: "cw-icon-button",
      "aria-label": "Dismiss",
    });
    dismiss.addEventListener("click", () => {
      this.say(null);
      // Hidden, the button lets go of the focus, to the page (JupyterLab's command mode).
      this.focusPrimary();
    });
    this.notice = h(
      "div",
      { className: "cw-notice", hidden: "", "data-cw-notice": "" },
      this.noticeText,
      dismiss,
    );
    this.status = h("span", {
      className: "cw-run-status",
      "data-cw-run-state": "idle",
      role: "status",
    });
    this.widget = h(
      "div",
      { className: "cw-widget cw-builder", "data-cw-builder": "" },
      this.toolbar(),
      this.notice,
      h(
        "div",
        { className: "cw-main" },
        this.palette.element,
        h("div", { className: "cw-canvas-scroll" }, this.canvas),
        this.inspector.element,
      ),
      this.panels.element,
    );
    el.replaceChildren(this.widget);

    this.history = createHistory(emptyState());
    try {
      this.history = createHistory(
        fromCanvasDict(model.get("canvas_dict") ?? null, 1, this.customTypes()),
      );
    } catch (e) {
      this.say(`Cannot show this canvas: ${(e as Error).message}`, "error");
    }
    const selected = model.get("selected");
    if (selected) {
      const hit = nodePaths(this.root).size ? this.idAtPath(selected) : null;
      if (hit !== null) this.selection = [hit];
    }

    this.dnd = new DragAndDrop({
      viewKey: this.viewKey,
      widget: this.widget,
      tree: () => this.root,
      drop: (source, hit) => this.drop(source, hit),
    });
    this.renderCatalogue();
    this.redraw();
    this.onProblems();
    this.onPython();
    this.onRunStatus();

    this.listen("change:canvas_dict", () => this.onCanvasDict());
    this.listen("change:catalogue", () => this.renderCatalogue());
    this.listen("change:custom_types", () => {
      this.renderCatalogue();
      this.onCanvasDict();
    });
    this.listen("change:problems", () => this.onProblems());
    this.listen("change:python_source", () => this.onPython());
    this.listen("change:selected", () => this.onSelected());
    this.listen("change:run_status", () => this.onRunStatus());
    const onMessage = (content: unknown) => this.onMessage(content as IncomingMessage);
    model.on("msg:custom", onMessage);
    this.listeners.push(["msg:custom", onMessage as () => void]);

    this.widget.addEventListener("keydown", (event) => this.onKey(event));
    this.canvas.addEventListener("click", (event) => this.onClick(event));
    this.canvas.addEventListener("dblclick", (event) => {
      if ((event.target as HTMLElement).closest("[data-cw-node-id]")) this.focusInspector();
    });
  }

  destroy(): void {
    for (const [name, callback] of this.listeners) this.model.off(name, callback);
    this.requests.close();
    if (this.inspectorFrame !== null) cancelAnimationFrame(this.inspectorFrame);
    this.dnd.destroy();
  }

  private listen(name: string, callback: () => void): void {
    this.model.on(name, callback);
    this.listeners.push([name, callback]);
  }

  // --- reading the state ---------------------------------------------------------------------

  private get root(): BuilderNode | null {
    return this.history.present.root;
  }

  private get primary(): string | null {
    return this.selection[this.selection.length - 1] ?? null;
  }

  private idAtPath(path: string): string | null {
    for (const [id, p] of nodePaths(this.root)) if (p === path) return id;
    return null;
  }

  private problems(): Problem[] {
    return this.model.get("problems") ?? [];
  }

  private customTypes(): CustomType[] {
    return this.model.get("custom_types") ?? [];
  }

  // --- drawing -------------------------------------------------------------------------------

  private toolbar(): HTMLElement {
    const make = (
      action: Action,
      text: string,
      title: string,
      extra: Record<string, string> = {},
    ) => {
      const b = button(text, title, { "data-cw-action": action, ...extra });
      b.addEventListener("click", () => this.act(action));
      this.buttons.set(action, b);
      return b;
    };
    return h(
      "div",
      { className: "cw-toolbar", role: "toolbar", "aria-label": "Builder" },
      h(
        "div",
        { className: "cw-tool-group" },
        make("undo", "↶", "Undo (Ctrl+Z)", { "aria-label": "Undo" }),
        make("redo", "↷", "Redo (Ctrl+Shift+Z)", { "aria-label": "Redo" }),
      ),
      h(
        "div",
        { className: "cw-tool-group" },
        h("span", { className: "cw-tool-label" }, "wrap in"),
        make("wrap-chain", "chain", "Wrap the selection in a chain (c)"),
        make("wrap-group", "group", "Wrap the selection in a group (g)"),
        make("wrap-chord", "chord", "Wrap the selection in a chord, as its header (h)"),
        make("unwrap", "unwrap", "Replace the selected chain, group or chord by its contents (u)"),
        make("delete", "delete", "Remove the selection (Delete)"),
      ),
      h("div", { className: "cw-tool-spacer" }),
      this.status,
      make("run", "▶ Run", "Run the canvas on the app's cluster", {
        className: "cw-run",
        "aria-label": "Run",
      }),
    );
  }

  /** Draw the canvas after a change of the tree, and everything that depends on it. */
  private redraw(): void {
    const unsent = unwritable(this.root);
    const focusInCanvas = this.canvas.contains(document.activeElement);
    this.tree.render(this.root, unsent?.id ?? null, this.customTypes());
    this.dnd.registerTree(this.canvas, this.tree.elements);
    this.decorate();
    this.tree.select(this.selection, this.primary);
    if (focusInCanvas) this.focusPrimary();
    this.panels.setDict(unsent ? toCanvasDict(this.root) : (this.model.get("canvas_dict") ?? null));
    this.scheduleInspector();
    this.updateToolbar();
  }

  private decorate(): void {
    const { byNode } = problemsByNode(this.root, this.problems());
    this.tree.decorate(byNode);
    const unsent = unwritable(this.root);
    this.panels.setProblems(this.problems(), unsent?.message ?? null, this.root === null);
  }

  private scheduleInspector(): void {
    if (this.inspectorFrame !== null) return;
    // After the event that caused it: a field's change event moves focus on before we redraw.
    this.inspectorFrame = requestAnimationFrame(() => {
      this.inspectorFrame = null;
      this.renderInspector();
    });
  }

  /** Move focus into the inspector, drawing it first if a redraw is still pending, so that
   *  focus lands on the fields of the current selection rather than on ones about to go. */
  private focusInspector(): void {
    if (this.inspectorFrame !== null) {
      cancelAnimationFrame(this.inspectorFrame);
      this.inspectorFrame = null;
      this.renderInspector();
    }
    this.inspector.focusFirst();
  }

  private renderInspector(): void {
    const id = this.primary;
    const node = id === null ? null : (findNode(this.root, id) ?? null);
    const paths = nodePaths(this.root);
    this.inspector.render({
      node,
      path: id === null ? null : (paths.get(id) ?? null),
      selectionCount: this.selection.length,
      catalogue: this.model.get("catalogue") ?? [],
      customTypes: this.customTypes(),
      leading: node?.kind === "task" ? leadingArguments(this.root, node.id) : null,
      commit: (edit) => this.edit(edit),
      select: (target) => this.select([target], true),
      action: (action) => this.act(action),
    });
    this.inspectorProblems();
  }

  private inspectorProblems(): void {
    const id = this.primary;
    const { byNode } = problemsByNode(this.root, this.problems());
    const own = id === null || this.selection.length > 1 ? [] : (byNode.get(id) ?? []);
    const unsent = unwritable(this.root);
    const local: Problem[] =
      unsent !== null && unsent.id === id
        ? [{ path: "", severity: "error", message: unsent.message, code: "unsent" }]
        : [];
    this.inspector.setProblems([...local, ...own]);
  }

  private updateToolbar(): void {
    const hasError = this.problems().some((p) => p.severity === "error");
    const unsent = unwritable(this.root) !== null;
    const running = this.requests.waiting > 0;
    const set = (action: Action, enabled: boolean) => {
      const b = this.buttons.get(action);
      if (b) b.disabled = !enabled;
    };
    set("undo", canUndo(this.history));
    set("redo", canRedo(this.history));
    const selected = this.selection.length > 0;
    set("wrap-chain", selected);
    set("wrap-group", selected);
    set("wrap-chord", selected);
    const node = this.primary === null ? undefined : findNode(this.root, this.primary);
    set("unwrap", node !== undefined && node.kind !== "task");
    set("delete", selected);
    const runnable = this.root !== null && !hasError && !unsent && !running;
    set("run", runnable);
    const run = this.buttons.get("run");
    if (run) {
      run.title = runnable
        ? "Run the canvas on the app's cluster"
        : this.root === null
          ? "Nothing to run: the canvas is empty"
          : running
            ? "Waiting for the kernel"
            : "Fix the problems first (see the Problems tab)";
    }
  }

  private renderCatalogue(): void {
    const items = this.palette.render(this.model.get("catalogue") ?? [], this.customTypes());
    for (const item of items) {
      item.element.addEventListener("dblclick", () => this.insert(item.spec));
    }
    this.dnd.registerPalette(items);
    this.scheduleInspector();
  }

  /** Show a message above the canvas (null hides it). */
  private say(text: string | null, kind: "error" | "info" = "info"): void {
    this.notice.hidden = text === null;
    this.notice.dataset.cwKind = kind;
    this.notice.setAttribute("role", kind === "error" ? "alert" : "status");
    this.noticeText.textContent = text ?? "";
  }

  // --- selection -----------------------------------------------------------------------------

  private select(ids: string[], focus = false, write = true): void {
    this.selection = ids.filter((id) => findNode(this.root, id) !== undefined);
    this.tree.select(this.selection, this.primary);
    if (focus) this.focusPrimary();
    this.scheduleInspector();
    this.updateToolbar();
    if (write) this.writeSelected();
  }

  private selectPath(path: string, focus: boolean): void {
    const hit = nodeAtPath(nodePaths(this.root), path);
    if (hit !== null) this.select([hit.id], focus);
  }

  private focusPrimary(): void {
    const el = this.primary === null ? null : this.tree.elements.get(this.primary);
    (el ?? this.canvas).focus();
  }

  private writeSelected(): void {
    const path = this.primary === null ? "" : (nodePaths(this.root).get(this.primary) ?? "");
    if (this.model.get("selected") === path) return;
    this.model.set("selected", path);
    this.model.save_changes();
  }

  // --- editing -------------------------------------------------------------------------------

  /** Apply an edit as one undoable step; returns why it could not apply, or null. */
  private edit(edit: Edit, select?: string[]): string | null {
    try {
      this.history = commit(this.history, edit);
    } catch (e) {
      if (!(e instanceof EditError)) throw e;
      this.say(e.message, "error");
      return e.message;
    }
    this.changed(select);
    return null;
  }

  /** Several edits as one step (deleting a multiple selection). */
  private editAll(edits: Edit[], select?: string[]): void {
    let state: BuilderState = this.history.present;
    try {
      for (const e of edits) state = applyEdit(state, e);
    } catch (e) {
      if (!(e instanceof EditError)) throw e;
      this.say(e.message, "error");
      return;
    }
    this.history = commitState(this.history, state);
    this.changed(select);
  }

  private changed(select?: string[]): void {
    if (select !== undefined) this.selection = select;
    this.selection = this.selection.filter((id) => findNode(this.root, id) !== undefined);
    if (this.cut !== null && findNode(this.root, this.cut) === undefined) this.cut = null;
    this.say(null);
    this.redraw();
    this.write();
  }

  /** Send the tree to Python as `canvas_dict` (with the selection), unless it cannot load yet. */
  private write(): void {
    const d = toCanvasDict(this.root);
    if (unwritable(this.root) !== null) return;
    if (!deepEqual(d, this.model.get("canvas_dict") ?? null)) {
      this.model.set("canvas_dict", cloneDict(d));
    }
    const path = this.primary === null ? "" : (nodePaths(this.root).get(this.primary) ?? "");
    this.model.set("selected", path);
    this.model.save_changes();
    this.panels.setDict(d);
  }

  /** The id the next inserted node gets (ids are handed out from the history's counter). */
  private nextId(): string {
    return `n${this.history.present.nextId}`;
  }

  private insert(spec: NewNode): void {
    const target = insertionTarget(this.root, this.primary);
    const id = this.nextId();
    if (this.edit({ type: "insert", node: spec, target }, [id]) === null) this.focusPrimary();
  }

  private drop(source: DragSource, hit: DropHit): void {
    const target = dropTargetFor(this.root, hit);
    if (target === null) {
      this.say("Nothing can go there: that place holds one block, and it is taken.", "error");
      return;
    }
    if (source.type === "palette") {
      const id = this.nextId();
      this.edit({ type: "insert", node: source.spec, target }, [id]);
    } else {
      this.edit({ type: "move", id: source.id, target }, [source.id]);
    }
  }

  private act(action: Action): void {
    const primary = this.primary;
    const node = primary === null ? undefined : findNode(this.root, primary);
    switch (action) {
      case "undo":
        this.history = undo(this.history);
        this.changed();
        return;
      case "redo":
        this.history = redo(this.history);
        this.changed();
        return;
      case "wrap-chain":
      case "wrap-group":
      case "wrap-chord": {
        if (this.selection.length === 0) return;
        const kind = action.slice(5) as "chain" | "group" | "chord";
        const id = this.nextId();
        this.edit({ type: "wrap", ids: [...this.selection], kind }, [id]);
        return;
      }
      case "unwrap":
        if (node !== undefined && node.kind !== "task") {
          // Its members stay selected, so the keyboard keeps its place (wrap again, move on).
          const members = childEntries(node).map((entry) => entry.node.id);
          this.edit({ type: "unwrap", id: node.id }, members);
        }
        return;
      case "delete": {
        if (this.selection.length === 0) return;
        // Members of a selected container go with it: remove only the outermost ones.
        const ids = this.selection.filter(
          (id) => !this.selection.some((other) => other !== id && isInside(this.root, id, other)),
        );
        this.editAll(
          ids.map((id) => ({ type: "remove", id })),
          [],
        );
        this.canvas.focus();
        return;
      }
      case "run":
        void this.run();
        return;
    }
  }

  private toggleImmutable(): void {
    const node = this.primary === null ? undefined : findNode(this.root, this.primary);
    if (node?.kind !== "task") return;
    this.edit({ type: "updateTask", id: node.id, changes: { immutable: !node.immutable } });
  }

  private paste(): void {
    if (this.cut === null) {
      this.say("Nothing cut: select a block and press x first.");
      return;
    }
    const moving = this.cut;
    const target = insertionTarget(this.root, this.primary);
    if (this.edit({ type: "move", id: moving, target }, [moving]) === null) {
      this.cut = null;
      this.focusPrimary();
    }
  }

  // --- Python -> view ------------------------------------------------------------------------

  private onCanvasDict(): void {
    const incoming = this.model.get("canvas_dict") ?? null;
    const ours = toCanvasDict(this.root);
    if (deepEqual(incoming, ours)) {
      this.refused = false;
      return;
    }
    if (this.refused) {
      // Python kept its last good canvas: forget the edit it refused, if that is the one.
      this.refused = false;
      const previous = this.history.past[this.history.past.length - 1];
      if (previous !== undefined && deepEqual(toCanvasDict(previous.root), incoming)) {
        this.history = dropLast(this.history);
        this.selection = this.selection.filter((id) => findNode(this.root, id) !== undefined);
        this.redraw();
        return;
      }
    }
    let fresh: BuilderState;
    try {
      fresh = fromCanvasDict(incoming, this.history.present.nextId, this.customTypes());
    } catch (e) {
      this.say(`Cannot show the canvas from Python: ${(e as Error).message}`, "error");
      return;
    }
    if (deepEqual(toCanvasDict(fresh.root), ours)) return;
    this.history = commitState(this.history, reconcileIds(this.root, fresh));
    this.selection = this.selection.filter((id) => findNode(this.root, id) !== undefined);
    const selected = this.model.get("selected");
    if (selected) {
      const id = this.idAtPath(selected);
      if (id !== null) this.selection = [id];
    }
    this.redraw();
  }

  private onProblems(): void {
    this.decorate();
    this.inspectorProblems();
    this.updateToolbar();
  }

  private onPython(): void {
    this.panels.setPython(this.model.get("python_source") ?? "");
  }

  private onSelected(): void {
    const path = this.model.get("selected") ?? "";
    const current = this.primary === null ? "" : (nodePaths(this.root).get(this.primary) ?? "");
    if (path === current) return;
    const id = path === "" ? null : this.idAtPath(path);
    this.select(id === null ? [] : [id], false, false);
  }

  private onRunStatus(): void {
    const status = this.model.get("run_status") ?? {
      state: "idle",
      run_id: "",
      value_repr: "",
      error: "",
    };
    this.status.dataset.cwRunState = status.state;
    let text = "";
    let full = "";
    if (status.state === "running") {
      text = "running…";
      full = `run ${status.run_id} is running`;
    } else if (status.state === "done") {
      full = `run ${status.run_id} returned ${status.value_repr}`;
      text = `result: ${clip(status.value_repr, 80)}`;
    } else if (status.state === "failed") {
      full = `run ${status.run_id} failed: ${status.error}`;
      text = `failed: ${clip(status.error, 80)}`;
    }
    if (status.edited && text !== "") {
      // The result (and the graph below) are of the canvas as it was run.
      text += " · canvas edited since";
      full += " (the canvas has been edited since it was run)";
    }
    this.status.replaceChildren(
      h("span", { className: "cw-run-dot", "aria-hidden": "true" }),
      h("span", { className: "cw-run-text", "data-cw-run-value": "" }, text),
    );
    this.status.title = full;
  }

  private onMessage(message: IncomingMessage): void {
    if (message === null || typeof message !== "object") return;
    if (message.type === "reply") {
      this.requests.settle(message);
    } else if (message.type === "error") {
      this.refused = true;
      this.say(message.error, "error");
    }
  }

  // --- actions -------------------------------------------------------------------------------

  private async run(): Promise<void> {
    this.say(null);
    const focused = this.buttons.get("run")?.matches(":focus") ?? false;
    const reply = this.requests.send("run");
    this.updateToolbar(); // Run is disabled until the reply
    // A disabled button lets go of the focus, to the page, where JupyterLab's command mode
    // would take the next keys (`d d` deletes a cell): the canvas keeps it instead.
    if (focused) this.focusPrimary();
    const waiting = pageWithoutKernel(this.model) ? NO_KERNEL_HERE : KERNEL_BUSY;
    const slow = setTimeout(() => this.say(waiting), SLOW_REPLY_MS);
    const { ok, error } = await reply;
    clearTimeout(slow);
    if (!ok) this.say(error ?? "the kernel refused the request", "error");
    else if (this.noticeText.textContent === waiting) this.say(null);
    this.updateToolbar();
  }

  // --- input ---------------------------------------------------------------------------------

  private onClick(event: MouseEvent): void {
    const el = (event.target as HTMLElement).closest<HTMLElement>("[data-cw-node-id]");
    if (el === null) {
      this.select([]);
      return;
    }
    const id = el.dataset.cwNodeId as string;
    if (event.shiftKey || event.ctrlKey || event.metaKey) {
      const has = this.selection.includes(id);
      this.select(has ? this.selection.filter((s) => s !== id) : [...this.selection, id], true);
    } else {
      this.select([id], true);
    }
  }

  private onKey(event: KeyboardEvent): void {
    if (isNotebookKey(event)) return;
    event.stopPropagation();
    const target = event.target as HTMLElement;
    const mod = event.ctrlKey || event.metaKey;
    if (target.matches("input, textarea, select")) {
      if (event.key === "Escape") this.focusPrimary();
      return;
    }
    const key = event.key.toLowerCase();
    if (mod && (key === "z" || key === "y")) {
      event.preventDefault();
      this.act(key === "y" || event.shiftKey ? "redo" : "undo");
      return;
    }
    if (!this.canvas.contains(target) || mod) return;
    const steps: Record<string, Step> = {
      ArrowUp: "previous",
      ArrowDown: "next",
      ArrowLeft: "parent",
      ArrowRight: "first-child",
      Home: "first",
      End: "last",
    };
    const primary = this.primary;
    if (event.key in steps) {
      event.preventDefault();
      if (event.altKey && primary !== null && event.key.startsWith("Arrow")) {
        const delta = event.key === "ArrowUp" || event.key === "ArrowLeft" ? -1 : 1;
        const move = moveByOne(this.root, primary, delta);
        if (move !== null) this.edit(move);
        this.focusPrimary();
        return;
      }
      const next = stepSelection(this.root, primary, steps[event.key] as Step);
      if (next !== null) this.select([next], true);
      return;
    }
    const handled = (() => {
      switch (event.key) {
        case "Enter":
          if (primary === null) return false;
          this.focusInspector();
          return true;
        case "Delete":
        case "Backspace":
          this.act("delete");
          return true;
        case "Escape":
          this.select([]);
          this.canvas.focus();
          return true;
        case "/":
          this.palette.search.focus();
          this.palette.search.select();
          return true;
        default:
          break;
      }
      if (event.altKey) return false;
      switch (key) {
        case "c":
          this.act("wrap-chain");
          return true;
        case "g":
          this.act("wrap-group");
          return true;
        case "h":
          this.act("wrap-chord");
          return true;
        case "u":
          this.act("unwrap");
          return true;
        case "s":
          this.toggleImmutable();
          return true;
        case "x":
          if (primary === null) return true;
          this.cut = primary;
          this.say(
            "Cut: select where it goes and press v (it goes into a selected container, or after the selected block).",
          );
          return true;
        case "v":
          this.paste();
          return true;
        default:
          return false;
      }
    })();
    if (handled) event.preventDefault();
  }
}

/** Whether node `id` is inside node `ancestor` (and not it). */
function isInside(root: BuilderNode | null, id: string, ancestor: string): boolean {
  const a = findNode(root, ancestor);
  return a !== undefined && a.id !== id && findNode(a, id) !== undefined;
}

export default {
  render({ model, el }: RenderProps<BuilderModel>) {
    injectStyles(el, "builder", css);
    const view = new BuilderView(model, el);
    return () => view.destroy();
  },
};
