/**
 * Pan and zoom of the drawing in its stage: the drawing's transform; the wheel zooms about the
 * mouse, a drag pans, "fit" shows the whole drawing, `centreOn` brings one box to a point. The
 * view (index.ts) is told after each change, to show what the new scale and region want.
 */

import type { Region } from "./render";

export interface Transform {
  x: number;
  y: number;
  /** The scale. */
  k: number;
}

interface Size {
  width: number;
  height: number;
}

export class PanZoom {
  transform: Transform = { x: 0, y: 0, k: 1 };
  /** The user panned or zoomed since the last fit: resizes no longer re-fit. */
  userMoved = false;
  /** A drag is under way, or ended in this event loop turn: its click must not open details. */
  dragged = false;
  /** The wheel zooms once the graph was clicked (or with Ctrl/Alt): the notebook keeps
   * scrolling past it otherwise. */
  private stageFocused = false;

  /**
   * @param svgEl the `<svg>` that takes the wheel and the pointer
   * @param viewport the `<g>` whose transform moves the drawing
   * @param stageSize the stage's inner size
   * @param drawingSize the drawing's size (the layout's), null before there is one
   * @param changed called after every change of the transform
   */
  constructor(
    private readonly svgEl: SVGSVGElement,
    private readonly viewport: SVGGElement,
    private readonly stageSize: () => Size,
    private readonly drawingSize: () => Size | null,
    private readonly changed: () => void,
  ) {
    this.listen();
  }

  /** What the stage shows, in the drawing's units. */
  inView(): Region {
    const t = this.transform;
    const { width, height } = this.stageSize();
    return { x: -t.x / t.k, y: -t.y / t.k, w: width / t.k, h: height / t.k };
  }

  /** The whole drawing, as large as fits (never above scale 1), centred; resizes re-fit it
   * until the user moves it. */
  fit(): void {
    const drawing = this.drawingSize();
    if (drawing === null) return;
    this.userMoved = false;
    const { width, height } = this.stageSize();
    const k = Math.min(1, (width - 16) / drawing.width, (height - 16) / drawing.height);
    this.set({
      k,
      x: Math.max(8, (width - drawing.width * k) / 2),
      y: Math.max(8, (height - drawing.height * k) / 2),
    });
  }

  /** Put the middle of `box` at (`x`, the stage's middle height), at `minScale` (1: the size
   * it is drawn at) or more. */
  centreOn(box: { x: number; y: number; w: number; h: number }, x: number, minScale = 1): void {
    const k = Math.max(this.transform.k, minScale);
    const { height } = this.stageSize();
    this.userMoved = true;
    this.set({ k, x: x - (box.x + box.w / 2) * k, y: height / 2 - (box.y + box.h / 2) * k });
  }

  /** Move the view by (`dx`, `dy`) in drawing units: the drawing goes the other way. */
  panBy(dx: number, dy: number): void {
    const t = this.transform;
    this.userMoved = true;
    this.set({ k: t.k, x: t.x - dx * t.k, y: t.y - dy * t.k });
  }

  /** Move the drawing to `transform` (the current one, again, by default). */
  set(transform: Transform = this.transform): void {
    this.transform = transform;
    const t = transform;
    const attribute = `translate(${t.x},${t.y}) scale(${t.k})`;
    // Unchanged (a resize observer's first report, say): leave it, not to restyle the drawing.
    if (this.viewport.getAttribute("transform") !== attribute) {
      this.viewport.setAttribute("transform", attribute);
    }
    this.changed();
  }

  /** Zoom by `factor` about the stage's middle (the keyboard's + and -). */
  zoomBy(factor: number): void {
    const { width, height } = this.stageSize();
    this.userMoved = true;
    this.zoomAt(width / 2, height / 2, factor);
  }

  private zoomAt(x: number, y: number, factor: number): void {
    const t = this.transform;
    const k = Math.min(4, Math.max(0.02, t.k * factor));
    this.set({ k, x: x - ((x - t.x) * k) / t.k, y: y - ((y - t.y) * k) / t.k });
  }

  /** Whether the whole drawing is inside the stage, as fitted (see listen). */
  private wholeInView(): boolean {
    const drawing = this.drawingSize();
    if (drawing === null) return false;
    const view = this.inView();
    return (
      view.x <= 0 &&
      view.y <= 0 &&
      view.x + view.w >= drawing.width &&
      view.y + view.h >= drawing.height
    );
  }

  private listen(): void {
    const svg = this.svgEl;
    svg.addEventListener(
      "wheel",
      (event) => {
        if (!(event.ctrlKey || event.metaKey || event.altKey) && !this.stageFocused) return;
        event.preventDefault();
        const rect = svg.getBoundingClientRect();
        const factor = Math.exp(-event.deltaY * 0.0015);
        this.userMoved = true;
        this.zoomAt(event.clientX - rect.left, event.clientY - rect.top, factor);
      },
      { passive: false },
    );
    // A drag that starts with the whole drawing in view moves the <svg> itself: a layer of its
    // own for the drag (will-change), moved by a CSS transform without painting it again. When
    // the drag ends the move goes to the drawing's transform. Repainting every frame costs what
    // the drawing costs: 100,000 fitted boxes, each a pixel wide, made 4 frames a second.
    // Zoomed in, the browser paints only what is in view, and the drawing's transform moves.
    let start: { x: number; y: number; tx: number; ty: number; whole: boolean } | null = null;
    svg.addEventListener("pointerdown", (event) => {
      this.stageFocused = true;
      const t = this.transform;
      start = { x: event.clientX, y: event.clientY, tx: t.x, ty: t.y, whole: this.wholeInView() };
      this.dragged = false;
    });
    svg.addEventListener("pointermove", (event) => {
      if (start === null) return;
      const dx = event.clientX - start.x;
      const dy = event.clientY - start.y;
      if (!this.dragged && Math.hypot(dx, dy) < 4) return;
      if (!this.dragged) {
        svg.setPointerCapture(event.pointerId);
        if (start.whole) svg.style.willChange = "transform"; // a drag, not a click
      }
      this.dragged = true;
      this.userMoved = true;
      this.transform.x = start.tx + dx;
      this.transform.y = start.ty + dy;
      if (start.whole) svg.style.transform = `translate(${dx}px,${dy}px)`;
      else this.set();
    });
    const end = () => {
      if (start?.whole && this.dragged) {
        svg.style.willChange = "";
        svg.style.transform = "";
        this.set();
      }
      start = null;
      // The click that ends a drag must not open details: clear the flag after it.
      setTimeout(() => {
        this.dragged = false;
      }, 0);
    };
    svg.addEventListener("pointerup", end);
    svg.addEventListener("pointercancel", end);
    svg.addEventListener("pointerleave", () => {
      this.stageFocused = false;
    });
  }
}
