/**
 * Saving the graph as an image: the SVG as drawn, with the current states, its styles inlined
 * (so it looks the same outside the page), and a PNG drawn from it onto a canvas.
 */

import { SVG_NS, svg } from "../shared/dom";

/** The style properties an SVG needs to look as it does in the page. */
const STYLE_PROPS = [
  "fill",
  "fill-opacity",
  "stroke",
  "stroke-width",
  "stroke-dasharray",
  "stroke-opacity",
  "opacity",
  "font-family",
  "font-size",
  "font-weight",
  "text-anchor",
  "display",
  "visibility",
];

/** A line of the picture's legend: a state's colour and what it says ("SUCCESS 9"). */
export interface LegendEntry {
  colour: string;
  label: string;
}

/** The legend's height below the drawing, and its entries' spacing. */
const LEGEND_H = 24;
const LEGEND_CHAR_W = 7.5;

/**
 * A standalone SVG document of `drawing` (the graph, whose pan/zoom viewport is left at scale 1,
 * or the timeline), the whole drawing `width` x `height`, with computed styles inlined, and a
 * legend of `legend` below it (the colours say nothing outside the page). What is selected in
 * the page (outlined) is not in the picture. Returns the document and its size.
 */
export function svgSnapshot(
  drawing: SVGSVGElement,
  width: number,
  height: number,
  legend: readonly LegendEntry[] = [],
): { text: string; width: number; height: number } {
  const selected = [...drawing.querySelectorAll(".cw-selected")];
  for (const el of selected) el.classList.remove("cw-selected");
  const clone = drawing.cloneNode(true) as SVGSVGElement;
  try {
    inlineStyles(drawing, clone);
  } finally {
    for (const el of selected) el.classList.add("cw-selected");
  }
  clone.querySelector(":scope > .cw-viewport")?.removeAttribute("transform");
  const margin = svg("g", { transform: "translate(8,8)" });
  margin.append(...clone.childNodes);
  clone.append(margin);
  let w = Math.ceil(width + 16);
  const h = Math.ceil(height + 16 + (legend.length > 0 ? LEGEND_H : 0));
  if (legend.length > 0) {
    const { g, width: legendWidth } = legendOf(legend, height + 16, getComputedStyle(drawing));
    clone.append(g);
    w = Math.max(w, Math.ceil(legendWidth + 16)); // a small drawing: the legend may be wider
  }
  clone.setAttribute("xmlns", SVG_NS);
  clone.setAttribute("width", String(w));
  clone.setAttribute("height", String(h));
  clone.setAttribute("viewBox", `0 0 ${w} ${h}`);
  clone.removeAttribute("class");
  clone.removeAttribute("style");
  // What the page's view is for: its keys, and the tooltip lent to the node last hovered.
  clone.removeAttribute("tabindex");
  clone.removeAttribute("aria-label");
  clone.removeAttribute("role");
  clone.querySelector("title")?.remove();
  const background = svg("rect", { width: "100%", height: "100%", fill: backgroundOf(drawing) });
  clone.insertBefore(background, clone.firstChild);
  return { text: new XMLSerializer().serializeToString(clone), width: w, height: h };
}

/** The legend: a swatch and a label per entry, in a row from the left, at `top`; and its
 * width (the labels' estimated). */
function legendOf(
  legend: readonly LegendEntry[],
  top: number,
  style: CSSStyleDeclaration,
): { g: SVGGElement; width: number } {
  const g = svg("g", {
    class: "cw-export-legend",
    transform: `translate(8,${top})`,
    style: `font-family:${style.fontFamily};font-size:12px;fill:${style.color}`,
  });
  let x = 0;
  for (const { colour, label } of legend) {
    g.append(
      svg("rect", { x, y: 2, width: 10, height: 10, rx: 2, style: `fill:${colour}` }),
      svg("text", { x: x + 14, y: 11 }, label),
    );
    x += 14 + label.length * LEGEND_CHAR_W + 12;
  }
  return { g, width: x - 12 };
}

function inlineStyles(source: Element, target: Element): void {
  const computed = getComputedStyle(source);
  const style = STYLE_PROPS.map((p) => `${p}:${computed.getPropertyValue(p)}`).join(";");
  target.setAttribute("style", style);
  const from = source.children;
  const to = target.children;
  for (let i = 0; i < from.length && i < to.length; i++) {
    inlineStyles(from[i] as Element, to[i] as Element);
  }
}

function backgroundOf(el: Element): string {
  for (let e: Element | null = el; e !== null; e = e.parentElement) {
    const colour = getComputedStyle(e).backgroundColor;
    if (colour && colour !== "transparent" && colour !== "rgba(0, 0, 0, 0)") return colour;
  }
  return "#ffffff";
}

/** A PNG of an SVG document, at `scale` (bounded so the canvas stays within browser limits). */
export async function pngOf(
  svgText: string,
  width: number,
  height: number,
  scale = 2,
): Promise<Blob> {
  const k = Math.max(0.05, Math.min(scale, 16_000 / width, 16_000 / height));
  const image = new Image();
  // A blob, not a data: URL: encodeURIComponent throws on text with half a character in it.
  const url = URL.createObjectURL(new Blob([svgText], { type: "image/svg+xml" }));
  try {
    image.src = url;
    await image.decode();
  } finally {
    URL.revokeObjectURL(url);
  }
  const canvas = document.createElement("canvas");
  canvas.width = Math.ceil(width * k);
  canvas.height = Math.ceil(height * k);
  const context = canvas.getContext("2d");
  if (context === null) throw new Error("no 2D canvas in this browser");
  context.scale(k, k);
  context.drawImage(image, 0, 0, width, height);
  return new Promise((resolve, reject) =>
    canvas.toBlob(
      (blob) => (blob ? resolve(blob) : reject(new Error("PNG encoding failed"))),
      "image/png",
    ),
  );
}

/** Offer a file to the user (a download). */
export function download(blob: Blob, filename: string, where: HTMLElement): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = filename;
  a.hidden = true;
  where.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
