/** Small canvas dict builders shared by the unit tests (not bundled: only tests import it). */

import type { CanvasDict } from "../shared/canvas";
import type { CustomType } from "./model";

export function sig(
  task: string,
  args: unknown[] = [],
  extra: Partial<CanvasDict> = {},
): CanvasDict {
  return {
    task: `canvas_widgets.demo.${task}`,
    args,
    kwargs: {},
    options: {},
    subtask_type: null,
    immutable: false,
    ...extra,
  } as CanvasDict;
}

function container(kind: "chain" | "group", tasks: CanvasDict[]): CanvasDict {
  return {
    task: `celery.${kind}`,
    args: [],
    kwargs: { tasks },
    options: {},
    subtask_type: kind,
    immutable: false,
  } as CanvasDict;
}

export const chainOf = (...tasks: CanvasDict[]) => container("chain", tasks);
export const groupOf = (...tasks: CanvasDict[]) => container("group", tasks);

export function chordOf(header: CanvasDict[], body: CanvasDict | null): CanvasDict {
  return {
    task: "celery.chord",
    args: [],
    kwargs: { kwargs: {}, header, body },
    options: {},
    subtask_type: "chord",
    immutable: false,
  };
}

export function mapOf(kind: "xmap" | "xstarmap", task: CanvasDict, it: unknown[]): CanvasDict {
  return {
    task: kind === "xmap" ? "celery.map" : "celery.starmap",
    args: [],
    kwargs: { task, it },
    options: {},
    subtask_type: kind,
    immutable: true,
  } as CanvasDict;
}

/** The tutorial's weave type (canvas_widgets/weave.py) as the Python side describes it. */
export const WEAVE: CustomType = {
  type: "weave",
  task: "canvas_widgets.weave",
  doc: "Split ``it`` into chunks of ``n``, apply ``task`` to each chunk, join with ``join``.",
  slots: [
    { name: "task", required: true },
    { name: "join", required: false },
  ],
  template: null,
};

/** `weave(task, it, n, join=join)` as Celery writes it (`it` null: from the previous step). */
export function weaveOf(
  task: CanvasDict | null,
  it: unknown[] | null,
  n: number,
  join: CanvasDict | null = null,
): CanvasDict {
  return {
    task: "canvas_widgets.weave",
    args: it === null ? [] : [it],
    kwargs: { task, n, join },
    options: {},
    subtask_type: "weave",
    immutable: it !== null,
  };
}
