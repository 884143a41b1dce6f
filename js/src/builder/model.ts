/**
 * The builder's synced traits and messages: a mirror of the Python widget class
 * (canvas_widgets/widgets/builder.py, `CanvasBuilder`). Keep the two in step.
 */

import type { CanvasDict } from "../shared/canvas";
import type { TaskInfo } from "./binding";
import type { Problem } from "./paths";

/** The latest run, as text only. */
export interface RunStatus {
  state: "idle" | "running" | "done" | "failed";
  run_id: string;
  value_repr: string;
  error: string;
  /** The canvas was changed since this run was made from it. */
  edited?: boolean;
}

/**
 * A signature type registered with Celery (`@Signature.register_type()`), such as the tutorial's
 * `weave`. Its dicts have `subtask_type: type`; the kwargs named in `slots` hold a signature
 * (a nested canvas), the others plain values.
 */
export interface CustomType {
  /** The `subtask_type` (the class name): `weave`. */
  type: string;
  /** The task its signatures call (`canvas_widgets.weave`); null when it has no template. */
  task: string | null;
  /** The first line of the class docstring. */
  doc: string;
  slots: { name: string; required: boolean }[];
  /** The canvas dict of a fresh example, offered by the palette; null when there is none. */
  template: CanvasDict | null;
}

/** The synced traits of `CanvasBuilder`. */
export interface BuilderModel {
  /** Celery's canvas dict, or null for an empty canvas. Written by the view after every edit. */
  canvas_dict: CanvasDict | null;
  /** The app's tasks (`TaskInfo.to_json()`), for the palette and the inspector. */
  catalogue: TaskInfo[];
  /** The signature types registered with Celery besides its own, in the order of their slots. */
  custom_types: CustomType[];
  /** `cw.validate(canvas_dict, app)`, recomputed by Python whenever canvas_dict changes. */
  problems: Problem[];
  /** `cw.to_python(canvas_dict)`, or "" when there is no canvas or it cannot be built yet. */
  python_source: string;
  /** The selected node's path (problem path scheme), or "". Written by the view. */
  selected: string;
  run_status: RunStatus;
}

/** Python -> view: the answer to a request (see shared/requests.ts); the builder's one request
 * is `{type: "run", request_id}`. */
export interface Reply {
  type: "reply";
  request_id: string;
  ok: boolean;
  run_id?: string;
  error?: string;
}

/** Python -> view, unasked: an update the kernel refused (a canvas dict it could not load). */
export interface ErrorMessage {
  type: "error";
  request_id: null;
  trait: string;
  error: string;
}

export type IncomingMessage = Reply | ErrorMessage;
