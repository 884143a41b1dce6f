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

/** A character that goes on with the one before it on screen: a combining mark, a joiner
 * (ZWJ, which joins two emoji into one), a variation selector, a skin tone. A cut before one
 * would split what shows as one character. */
const CONTINUES = /^(?:\p{M}|\u200c|\u200d|[\ufe00-\ufe0f]|[\u{1f3fb}-\u{1f3ff}])$/u;
/** The controls that isolate right-to-left names and arguments in labels (LRI, RLI, FSI, PDI:
 * canvas_widgets/display.py). */
const ISOLATES = /[\u2066-\u2069]/;

/**
 * Text cut to `max` characters with an ellipsis; the full text is for a `title`. Characters
 * are counted as Python counts them (code points), never split (half an emoji made an SVG
 * export fail), and what shows as one (an emoji joined with ZWJ) goes whole or not at all.
 * The isolates of right-to-left text are not counted, and the ones a cut leaves open are
 * closed after the "…".
 */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text; // (never more characters than UTF-16 units)
  const chars = Array.from(text);
  if (chars.filter((c) => !ISOLATES.test(c)).length <= max) return text;
  const kept: string[] = [];
  let seen = 0;
  let i = 0;
  for (; i < chars.length; i += 1) {
    const c = chars[i] as string;
    if (!ISOLATES.test(c)) {
      if (seen === max - 1) break;
      seen += 1;
    }
    kept.push(c);
  }
  // Not half of what shows as one character: back to where it began.
  while (
    kept.length > 0 &&
    (CONTINUES.test(chars[kept.length] ?? "") || kept[kept.length - 1] === "\u200d")
  ) {
    kept.pop();
  }
  let depth = 0;
  for (const c of kept) {
    if (c === "\u2069") depth = Math.max(0, depth - 1);
    else if (ISOLATES.test(c)) depth += 1;
  }
  return `${kept.join("")}…${"\u2069".repeat(depth)}`;
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
