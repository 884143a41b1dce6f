/**
 * Small DOM helpers shared by the widgets. All text goes in through `textContent`: nothing from the
 * model (task names, args, results, tracebacks) is ever parsed as HTML.
 */

type Attrs = Record<string, string | undefined>;

/**
 * Create an element with attributes and children; strings become text nodes.
 *
 * `className` sets the class; other keys are set as attributes (undefined values are skipped).
 */
export function h(
  tag: string,
  attrs: Attrs = {},
  ...children: (Node | string | null | undefined)[]
): HTMLElement {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined) continue;
    if (key === "className") el.className = value;
    else el.setAttribute(key, value);
  }
  for (const child of children) {
    if (child === null || child === undefined) continue;
    el.append(typeof child === "string" ? document.createTextNode(child) : child);
  }
  return el;
}

/** The SVG namespace. */
export const SVG_NS = "http://www.w3.org/2000/svg";

/** Create an SVG element with attributes and, optionally, its text (through `textContent`). */
export function svg<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number> = {},
  content?: string,
): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG_NS, tag);
  for (const key in attrs) el.setAttribute(key, String(attrs[key]));
  if (content !== undefined) el.textContent = content;
  return el;
}

/**
 * Put a widget's stylesheet once into the document (or the shadow root the widget lives in, as in
 * hosts that isolate widgets that way), keyed by `key`. Later calls with new text replace it, which
 * keeps live reload (ANYWIDGET_HMR) working.
 */
export function injectStyles(el: HTMLElement, key: string, css: string): void {
  const rootNode = el.getRootNode();
  const container: ParentNode =
    typeof ShadowRoot !== "undefined" && rootNode instanceof ShadowRoot ? rootNode : document.head;
  let style = container.querySelector<HTMLStyleElement>(`style[data-cw-style="${key}"]`);
  if (style === null) {
    style = document.createElement("style");
    style.setAttribute("data-cw-style", key);
    container.append(style);
  }
  if (style.textContent !== css) style.textContent = css;
}

/** Text cut to `max` characters with an ellipsis; the full text is for a `title`. */
export function clip(text: string, max: number): string {
  // Labels isolate right-to-left names and arguments (FSI … PDI, canvas_widgets/display.py):
  // those controls are not counted, and the ones a cut leaves open are closed after the "…".
  if (!/[\u2066-\u2069]/.test(text)) {
    return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
  }
  if (text.replace(/[\u2066-\u2069]/g, "").length <= max) return text;
  let out = "";
  let seen = 0;
  let depth = 0;
  for (const c of text) {
    if (c >= "\u2066" && c <= "\u2068") {
      depth += 1;
      out += c;
    } else if (c === "\u2069") {
      if (depth > 0) {
        depth -= 1;
        out += c;
      }
    } else {
      if (seen + c.length > max - 1) break;
      out += c;
      seen += c.length; // as text.length counts: UTF-16 units
    }
  }
  return `${out}…${"\u2069".repeat(depth)}`;
}

/** A `<button type="button">` with text, a tooltip and attributes (`data-cw-action`, ...). */
export function button(text: string, title: string, attrs: Attrs = {}): HTMLButtonElement {
  const el = h("button", { type: "button", title, ...attrs }, text);
  return el as HTMLButtonElement;
}

/** Whether a key pressed in a widget is the notebook's own, to let it go on up to JupyterLab:
 * run the cell (Shift, Ctrl or Alt with Enter) and save (Ctrl or Cmd with S). Any other key is
 * the widget's: JupyterLab's command-mode keys (a, b, x, d d, the arrows...) would otherwise act
 * on the notebook while the user works in the widget. */
export function isNotebookKey(event: KeyboardEvent): boolean {
  const mod = event.ctrlKey || event.metaKey;
  if (event.key === "Enter") return event.shiftKey || mod || event.altKey;
  return mod && event.key.toLowerCase() === "s";
}
