/**
 * Drag and drop, with Atlassian's Pragmatic drag and drop (native HTML5 drag events; see
 * js/README.md for why this library). It never moves elements itself: a drop is turned into a
 * {@link DropHit} and handed to the view, which applies the edit to the tree and redraws.
 *
 * Sources: palette items and canvas blocks. Targets: the canvas root, every slot, the gaps
 * between chain steps, and every block (a drop near its leading or trailing edge goes before or
 * after it; rows use left/right, stacks top/bottom). The innermost target under the pointer wins;
 * targets that cannot take the dragged item (an occupied chord body, a chain into a map's task
 * slot, a block into itself) decline, and the next one out takes it.
 */

import {
  draggable,
  dropTargetForElements,
  monitorForElements,
} from "@atlaskit/pragmatic-drag-and-drop/adapter/element-adapter";
import { combine } from "@atlaskit/pragmatic-drag-and-drop/combine";
import { attachClosestEdge } from "@atlaskit/pragmatic-drag-and-drop-hitbox/closest-edge/attach-closest-edge";
import { extractClosestEdge } from "@atlaskit/pragmatic-drag-and-drop-hitbox/closest-edge/extract-closest-edge";
import { type DropHit, dropAxis } from "./gestures";
import {
  type BuilderNode,
  findNode,
  isListSlot,
  type ListSlot,
  type NewNode,
  readSingleSlot,
  type Slot,
} from "./state";

/** What is being dragged. */
export type DragSource =
  | { type: "palette"; spec: NewNode }
  | { type: "node"; id: string; kind: BuilderNode["kind"] };

type Data = Record<string | symbol, unknown>;

interface Options {
  /** A key unique to this view: drags from other widgets on the page are ignored. */
  viewKey: string;
  /** The widget's element (drag-state classes go on it). */
  widget: HTMLElement;
  tree: () => BuilderNode | null;
  drop: (source: DragSource, hit: DropHit) => void;
}

function sourceOf(data: Data, viewKey: string): DragSource | null {
  if (data.cwView !== viewKey) return null;
  return (data.cwSource as DragSource | undefined) ?? null;
}

/** Whether `source` may land in the single slot `slot` of `parent` (it must be empty). */
function fitsSingleSlot(
  tree: BuilderNode | null,
  parentId: string,
  slot: Exclude<Slot, ListSlot>,
  source: DragSource,
) {
  const parent = findNode(tree, parentId);
  if (parent === undefined || readSingleSlot(parent, slot) !== null) return false;
  if (slot === "inner") {
    return source.type === "palette" ? source.spec.kind === "task" : source.kind === "task";
  }
  return true;
}

export class DragAndDrop {
  private treeCleanup: () => void = () => {};
  private paletteCleanup: () => void = () => {};
  private readonly monitorCleanup: () => void;
  private highlighted: HTMLElement | null = null;

  constructor(private readonly options: Options) {
    const { viewKey, widget } = options;
    this.monitorCleanup = monitorForElements({
      canMonitor: ({ source }) => sourceOf(source.data, viewKey) !== null,
      onDragStart: () => widget.setAttribute("data-cw-dragging", ""),
      onDropTargetChange: ({ location }) => this.highlight(location.current.dropTargets[0]),
      onDrag: ({ location }) => this.highlight(location.current.dropTargets[0]),
      onDrop: ({ source, location }) => {
        widget.removeAttribute("data-cw-dragging");
        this.highlight(undefined);
        const dragged = sourceOf(source.data, viewKey);
        const target = location.current.dropTargets[0];
        if (dragged === null || target === undefined) return;
        const hit = hitOf(target.data);
        if (hit !== null) options.drop(dragged, hit);
      },
    });
  }

  /** Make palette items draggable (each carries its {@link NewNode} as JSON). */
  registerPalette(items: { element: HTMLElement; spec: NewNode }[]): void {
    this.paletteCleanup();
    const source = (spec: NewNode): Data => ({
      cwView: this.options.viewKey,
      cwSource: { type: "palette", spec } satisfies DragSource,
    });
    this.paletteCleanup = combine(
      ...items.map(({ element, spec }) =>
        draggable({ element, getInitialData: () => source(spec) }),
      ),
    );
  }

  /** Wire the drawn tree: blocks draggable and droppable, slots, gaps and the root droppable. */
  registerTree(canvas: HTMLElement, nodes: Map<string, HTMLElement>): void {
    this.treeCleanup();
    const { viewKey, tree } = this.options;
    const cleanups: (() => void)[] = [];
    const accepts = (data: Data) => sourceOf(data, viewKey) !== null;

    cleanups.push(
      dropTargetForElements({
        element: canvas,
        canDrop: ({ source }) => accepts(source.data),
        getData: () => ({ cwHit: { type: "root" } satisfies DropHit }),
      }),
    );

    for (const slotEl of canvas.querySelectorAll<HTMLElement>("[data-cw-drop][data-cw-parent]")) {
      const parent = slotEl.dataset.cwParent as string;
      const slot = slotEl.dataset.cwDrop as Slot;
      const index = slotEl.dataset.cwIndex;
      const hit: DropHit =
        index === undefined
          ? { type: "slot", parent, slot }
          : { type: "slot", parent, slot, index: Number(index) };
      cleanups.push(
        dropTargetForElements({
          element: slotEl,
          canDrop: ({ source }) => {
            const dragged = sourceOf(source.data, viewKey);
            if (dragged === null || source.element.contains(slotEl)) return false;
            return isListSlot(slot) || fitsSingleSlot(tree(), parent, slot, dragged);
          },
          getData: () => ({ cwHit: hit }),
        }),
      );
    }

    for (const [id, element] of nodes) {
      const kind = element.dataset.cwNodeKind as BuilderNode["kind"];
      cleanups.push(
        draggable({
          element,
          getInitialData: () => ({
            cwView: viewKey,
            cwSource: { type: "node", id, kind } satisfies DragSource,
          }),
        }),
        dropTargetForElements({
          element,
          canDrop: ({ source }) =>
            accepts(source.data) &&
            !source.element.contains(element) &&
            dropAxis(tree(), id) !== null,
          getData: ({ input }) => {
            const axis = dropAxis(tree(), id);
            return attachClosestEdge(
              { cwNode: id },
              {
                element,
                input,
                allowedEdges: axis === "row" ? ["left", "right"] : ["top", "bottom"],
              },
            );
          },
        }),
      );
    }
    this.treeCleanup = combine(...cleanups);
  }

  private highlight(target: { element: Element; data: Data } | undefined): void {
    const element = (target?.element as HTMLElement | undefined) ?? null;
    if (this.highlighted !== null && this.highlighted !== element) {
      this.highlighted.removeAttribute("data-cw-drop-over");
      this.highlighted.removeAttribute("data-cw-drop-edge");
    }
    this.highlighted = element;
    if (element === null || target === undefined) return;
    const edge = extractClosestEdge(target.data);
    if (edge !== null) {
      element.setAttribute("data-cw-drop-edge", edge);
      element.removeAttribute("data-cw-drop-over");
    } else {
      element.setAttribute("data-cw-drop-over", "");
    }
  }

  destroy(): void {
    this.treeCleanup();
    this.paletteCleanup();
    this.monitorCleanup();
  }
}

function hitOf(data: Data): DropHit | null {
  if (data.cwHit !== undefined) return data.cwHit as DropHit;
  if (typeof data.cwNode === "string") {
    const edge = extractClosestEdge(data);
    return {
      type: "node",
      id: data.cwNode,
      edge: edge === "left" || edge === "top" ? "before" : "after",
    };
  }
  return null;
}
