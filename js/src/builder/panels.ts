/**
 * The tabs under the canvas: the problems of the whole canvas, the Python source
 * (`python_source`, from the kernel) and the canvas dict (`JSON.stringify(canvas_dict, null, 2)`),
 * the last two with copy buttons.
 */

import { button, h } from "../shared/dom";
import type { Problem } from "./paths";

type Tab = "problems" | "python" | "dict";

const TABS: [Tab, string][] = [
  ["problems", "Problems"],
  ["python", "Python"],
  ["dict", "Canvas dict"],
];

/** Put text on the clipboard; falls back to a hidden textarea where the async API is missing. */
async function copyText(text: string): Promise<void> {
  if (navigator.clipboard?.writeText) {
    await navigator.clipboard.writeText(text);
    return;
  }
  const area = document.createElement("textarea");
  area.value = text;
  area.setAttribute("readonly", "");
  area.style.position = "fixed";
  area.style.opacity = "0";
  document.body.append(area);
  area.select();
  document.execCommand("copy");
  area.remove();
}

export class Panels {
  readonly element: HTMLElement;
  private readonly tabButtons = new Map<Tab, HTMLButtonElement>();
  private readonly pages = new Map<Tab, HTMLElement>();
  private readonly problemList: HTMLElement;
  private readonly pythonText: HTMLElement;
  private readonly dictText: HTMLElement;
  private current: Tab = "problems";

  constructor(private readonly pick: (path: string) => void) {
    const tabs = h("div", { className: "cw-tabs", role: "tablist" });
    this.problemList = h("ul", { className: "cw-problem-list", "data-cw-problems": "" });
    this.pythonText = h("pre", { className: "cw-code", "data-cw-python": "" });
    this.dictText = h("pre", { className: "cw-code", "data-cw-dict": "" });
    const content: Record<Tab, HTMLElement[]> = {
      problems: [this.problemList],
      python: [
        this.copyButton("copy-python", () => this.pythonText.textContent ?? ""),
        this.pythonText,
      ],
      dict: [this.copyButton("copy-dict", () => this.dictText.textContent ?? ""), this.dictText],
    };
    const pages = h("div", { className: "cw-tab-pages" });
    for (const [tab, label] of TABS) {
      const b = button(label, label, {
        role: "tab",
        className: "cw-tab",
        "data-cw-tab": tab,
        "aria-selected": String(tab === this.current),
      });
      b.addEventListener("click", () => this.show(tab));
      b.addEventListener("keydown", (event) => {
        const i = TABS.findIndex(([t]) => t === tab);
        const step = event.key === "ArrowRight" ? 1 : event.key === "ArrowLeft" ? -1 : 0;
        if (step === 0) return;
        event.preventDefault();
        const next = TABS[(i + step + TABS.length) % TABS.length]?.[0] as Tab;
        this.show(next);
        this.tabButtons.get(next)?.focus();
      });
      this.tabButtons.set(tab, b);
      tabs.append(b);
      const page = h("div", { className: "cw-tab-page", role: "tabpanel", "data-cw-page": tab });
      page.append(...content[tab]);
      page.hidden = tab !== this.current;
      this.pages.set(tab, page);
      pages.append(page);
    }
    this.element = h("div", { className: "cw-panels" }, tabs, pages);
    this.show(this.current); // one tab stop: the tab shown (the arrow keys go to the others)
  }

  show(tab: Tab): void {
    this.current = tab;
    for (const [t, b] of this.tabButtons) {
      b.setAttribute("aria-selected", String(t === tab));
      b.tabIndex = t === tab ? 0 : -1;
    }
    for (const [t, page] of this.pages) page.hidden = t !== tab;
  }

  setProblems(problems: readonly Problem[], unsent: string | null, empty: boolean): void {
    const errors = problems.filter((p) => p.severity === "error").length + (unsent ? 1 : 0);
    const total = problems.length + (unsent ? 1 : 0);
    const tab = this.tabButtons.get("problems") as HTMLButtonElement;
    tab.textContent = total ? `Problems (${total})` : "Problems";
    tab.dataset.cwCount = String(total);
    tab.classList.toggle("cw-has-errors", errors > 0);
    const items: HTMLElement[] = [];
    if (unsent) {
      items.push(
        h(
          "li",
          { className: "cw-problem cw-problem-error" },
          h("span", { className: "cw-problem-severity" }, "error"),
          h("span", { className: "cw-problem-message" }, unsent),
        ),
      );
    }
    for (const p of problems) {
      const path = button(p.path, "select this block", { className: "cw-link cw-problem-path" });
      path.addEventListener("click", () => this.pick(p.path));
      items.push(
        h(
          "li",
          { className: `cw-problem cw-problem-${p.severity}`, "data-cw-problem-code": p.code },
          h("span", { className: "cw-problem-severity" }, p.severity),
          path,
          h("span", { className: "cw-problem-message" }, p.message),
        ),
      );
    }
    if (items.length === 0) {
      const text = empty ? "Nothing to check: the canvas is empty." : "No problems: ready to run.";
      items.push(h("li", { className: empty ? "cw-problem-empty" : "cw-problem-none" }, text));
    }
    this.problemList.replaceChildren(...items);
  }

  setPython(source: string): void {
    this.pythonText.textContent = source || "# (no canvas yet)";
  }

  setDict(dict: unknown): void {
    this.dictText.textContent = JSON.stringify(dict, null, 2);
  }

  private copyButton(action: string, text: () => string): HTMLButtonElement {
    const b = button("Copy", "copy to the clipboard", {
      className: "cw-copy",
      "data-cw-action": action,
    });
    b.addEventListener("click", () => {
      copyText(text()).then(
        () => flash(b, "Copied"),
        () => flash(b, "Copy failed"),
      );
    });
    return b;
  }
}

function flash(b: HTMLButtonElement, text: string): void {
  b.textContent = text;
  setTimeout(() => {
    b.textContent = "Copy";
  }, 1500);
}
