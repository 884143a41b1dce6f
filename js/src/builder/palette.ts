/**
 * The palette: the primitives (chain, group, chord, map, starmap, chunks, then the signature types
 * registered with Celery that have a template, such as `weave`) and the app's tasks from the
 * catalogue, with their parameters and the first line of their docs, filtered by a search box.
 *
 * DOM contract: `data-cw-palette-task="<registered task name>"` on each task item and
 * `data-cw-palette-primitive="chain|group|chord|map|starmap|chunks|<custom type>"` on each
 * primitive.
 *
 * Keyboard: the items are one tab stop (arrow keys move between them); Enter or Space inserts the
 * focused item at the canvas selection. In the search box, Enter inserts the item named as typed
 * (`chord`, `add`), else the first one shown, and ArrowDown moves to the list.
 */

import { h } from "../shared/dom";
import { signatureText, type TaskInfo } from "./binding";
import { shortName } from "./canvas-view";
import type { CustomType } from "./model";
import { fromCanvasDict, type NewNode } from "./state";

export type PrimitiveKind = "chain" | "group" | "chord" | "map" | "starmap" | "chunks";

const PRIMITIVES: { kind: PrimitiveKind; doc: string }[] = [
  { kind: "chain", doc: "steps in order, each result passed on" },
  { kind: "group", doc: "tasks in parallel; a list of results" },
  { kind: "chord", doc: "a group, then a body called with all results" },
  { kind: "map", doc: "one task called with each item" },
  { kind: "starmap", doc: "one task called with each item's values" },
  { kind: "chunks", doc: "items split into chunks of n, run as a group" },
];

export interface PaletteItem {
  element: HTMLElement;
  spec: NewNode;
  /** Its name as shown, lowercase: a primitive's, a task's last dotted part. */
  name: string;
  /** Lowercase text the search matches against. */
  haystack: string;
}

export class Palette {
  readonly element: HTMLElement;
  readonly search: HTMLInputElement;
  private readonly list: HTMLElement;
  private readonly empty: HTMLElement;
  items: PaletteItem[] = [];
  private headings: HTMLElement[] = [];
  private groups: HTMLElement[] = [];

  constructor(private readonly insert: (spec: NewNode) => void) {
    this.search = h("input", {
      type: "search",
      className: "cw-search",
      placeholder: "Search tasks…",
      "aria-label": "Search the palette",
      "data-cw-palette-search": "",
    }) as HTMLInputElement;
    this.list = h("div", {
      className: "cw-palette-list",
      role: "listbox",
      "aria-label": "Palette",
    });
    this.empty = h("div", { className: "cw-palette-empty", hidden: "" }, "No task matches.");
    this.element = h(
      "div",
      { className: "cw-palette" },
      h("div", { className: "cw-pane-title" }, "Palette"),
      this.search,
      this.list,
      this.empty,
    );
    this.search.addEventListener("input", () => this.filter());
    this.search.addEventListener("keydown", (event) => this.searchKey(event));
    this.list.addEventListener("keydown", (event) => this.listKey(event));
    this.list.addEventListener("focusin", (event) => {
      const item = (event.target as HTMLElement).closest<HTMLElement>(".cw-palette-item");
      if (item !== null) this.rove(item);
    });
  }

  /** Draw the items for a catalogue; returns them for drag registration. */
  render(catalogue: readonly TaskInfo[], customTypes: readonly CustomType[]): PaletteItem[] {
    this.items = [];
    const primitives = h("div", { className: "cw-palette-primitives", role: "group" });
    const primitive = (name: string, kindClass: string, doc: string, spec: NewNode) => {
      const element = h(
        "div",
        {
          className: `cw-palette-item cw-palette-primitive cw-kind-${kindClass}`,
          "data-cw-palette-primitive": name,
          role: "option",
          tabindex: "-1",
          title: `${name}: ${doc}. Drag it onto the canvas, or press Enter to insert it at the selection.`,
        },
        h("span", { className: "cw-palette-name" }, name),
      );
      primitives.append(element);
      this.items.push({
        element,
        spec,
        name: name.toLowerCase(),
        haystack: `${name} ${doc}`.toLowerCase(),
      });
    };
    for (const { kind, doc } of PRIMITIVES) primitive(kind, kind, doc, { kind } as NewNode);
    for (const type of customTypes) {
      const template = customTemplate(type, customTypes);
      if (template !== null) primitive(type.type, "custom", type.doc, template);
    }
    const tasks = h("div", { className: "cw-palette-tasks", role: "group" });
    for (const info of catalogue) {
      const params = signatureText(info.parameters);
      const element = h(
        "div",
        {
          className: "cw-palette-item cw-palette-task",
          "data-cw-palette-task": info.name,
          role: "option",
          tabindex: "-1",
          title: `${info.name}${params}${info.doc ? `\n${info.doc}` : ""}`,
        },
        h(
          "div",
          { className: "cw-palette-sig" },
          h("span", { className: "cw-palette-name" }, shortName(info.name)),
          h("span", { className: "cw-palette-params" }, params),
        ),
        info.doc ? h("div", { className: "cw-palette-doc" }, info.doc) : null,
      );
      tasks.append(element);
      this.items.push({
        element,
        spec: { kind: "task", task: info.name },
        name: shortName(info.name).toLowerCase(),
        haystack: `${info.name} ${info.doc}`.toLowerCase(),
      });
    }
    this.headings = [
      h("div", { className: "cw-palette-heading" }, "Primitives"),
      h(
        "div",
        { className: "cw-palette-heading" },
        catalogue.length ? "Tasks" : "No tasks registered",
      ),
    ];
    this.groups = [primitives, tasks];
    this.list.replaceChildren(
      this.headings[0] as HTMLElement,
      primitives,
      this.headings[1] as HTMLElement,
      tasks,
    );
    this.filter();
    return this.items;
  }

  private visible(): PaletteItem[] {
    return this.items.filter((item) => !item.element.hidden);
  }

  private filter(): void {
    const words = this.search.value.toLowerCase().split(/\s+/).filter(Boolean);
    for (const item of this.items) {
      item.element.hidden = !words.every((w) => item.haystack.includes(w));
    }
    const shown = this.visible();
    this.empty.hidden = shown.length > 0;
    // A heading whose items are all filtered out goes too (but "No tasks registered" stays).
    this.groups.forEach((group, i) => {
      const heading = this.headings[i];
      const any = [...group.children].some((c) => !(c as HTMLElement).hidden);
      if (heading !== undefined) heading.hidden = !any && group.children.length > 0;
    });
    const current = this.items.find((i) => i.element.tabIndex === 0);
    if (current === undefined || current.element.hidden) {
      const first = shown[0];
      if (first !== undefined) this.rove(first.element);
    }
  }

  /** Make `element` the palette's one tab stop. */
  private rove(element: HTMLElement): void {
    for (const item of this.items) item.element.tabIndex = item.element === element ? 0 : -1;
  }

  private focusItem(item: PaletteItem | undefined): void {
    if (item === undefined) return;
    this.rove(item.element);
    item.element.focus();
  }

  private searchKey(event: KeyboardEvent): void {
    if (event.key === "ArrowDown") {
      event.preventDefault();
      this.focusItem(this.visible()[0]);
    } else if (event.key === "Enter") {
      event.preventDefault();
      // The item named as typed, else the first shown: `chord` is the primitive, not a task
      // whose doc says chord.
      const typed = this.search.value.trim().toLowerCase();
      const shown = this.visible();
      const first = shown.find((i) => i.name === typed) ?? shown[0];
      if (first !== undefined) this.insert(first.spec);
    }
  }

  private listKey(event: KeyboardEvent): void {
    const shown = this.visible();
    const at = shown.findIndex((i) => i.element === document.activeElement);
    if (at === -1) return;
    const moves: Record<string, number> = {
      ArrowDown: at + 1,
      ArrowRight: at + 1,
      ArrowUp: at - 1,
      ArrowLeft: at - 1,
      Home: 0,
      End: shown.length - 1,
    };
    if (event.key in moves) {
      event.preventDefault();
      const to = moves[event.key] as number;
      if (to < 0 && (event.key === "ArrowUp" || event.key === "ArrowLeft")) this.search.focus();
      else this.focusItem(shown[Math.min(Math.max(to, 0), shown.length - 1)]);
    } else if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      this.insert((shown[at] as PaletteItem).spec);
    }
  }
}

/** What the palette inserts for a custom type: its template, or null when it has none (or it
 *  is not a dict of that type, which the palette then leaves out). */
function customTemplate(type: CustomType, customTypes: readonly CustomType[]): NewNode | null {
  if (type.template === null) return null;
  try {
    const { root } = fromCanvasDict(type.template, 1, customTypes);
    return root?.kind === "custom" && root.type === type.type
      ? { kind: "custom", template: root }
      : null;
  } catch {
    return null;
  }
}
