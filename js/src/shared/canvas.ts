/**
 * Celery's canvas dict: the JSON that `json.dumps(signature)` writes and `celery.signature(d)` reads.
 *
 * These types mirror Celery's own format (celery/canvas.py) exactly; there is no second workflow
 * format. One deviation is deliberate and shared with the Python side (canvas_widgets' canvas
 * model): Celery writes `subtask_type: null` for xmap, xstarmap and chunks, which makes
 * `signature(d)` load them as plain Signatures; we write "xmap" / "xstarmap" / "chunks" so they
 * load as the right class. Readers accept both.
 *
 * Celery also loads signature types registered by users (`@Signature.register_type()`), such as
 * the tutorial's `weave`: their dicts ({@link CustomDict}) name the type in `subtask_type`.
 */

/** The `subtask_type` values Celery knows. `null` is a plain task signature. */
export type SubtaskType = null | "chain" | "group" | "chord" | "xmap" | "xstarmap" | "chunks";

/** The fields every canvas dict has, whatever its shape. */
interface CanvasDictBase {
  task: string;
  args: unknown[];
  kwargs: Record<string, unknown>;
  /** Celery's execution options: countdown, eta, queue, link, link_error (signature dicts), ... */
  options: Record<string, unknown>;
  /** One of Celery's {@link SubtaskType}s, or the name of a type registered by the user. */
  subtask_type: string | null;
  immutable: boolean;
}

/** A single task signature, e.g. `add.s(1, 1)`. */
export interface TaskDict extends CanvasDictBase {
  subtask_type: null;
}

/** `chain(a, b, c)`: `task: "celery.chain"`, `kwargs.tasks`. */
export interface ChainDict extends CanvasDictBase {
  task: "celery.chain";
  subtask_type: "chain";
  kwargs: { tasks: CanvasDict[] };
}

/** `group(a, b)`: `task: "celery.group"`, `kwargs.tasks`. */
export interface GroupDict extends CanvasDictBase {
  task: "celery.group";
  subtask_type: "group";
  kwargs: { tasks: CanvasDict[] };
}

/**
 * `chord(header, body)`. Celery writes `header` as a list of signature dicts; a group dict is also
 * accepted there. `body` is null for `chord(header)` without a body. `kwargs.kwargs` is the
 * chord's own keyword arguments (normally `{}`).
 */
export interface ChordDict extends CanvasDictBase {
  task: "celery.chord";
  subtask_type: "chord";
  kwargs: {
    header: CanvasDict[] | GroupDict;
    body: CanvasDict | null;
    kwargs: Record<string, unknown>;
  };
}

/** `task.map(it)`: calls the task once per item. Celery itself writes `subtask_type: null`. */
export interface XmapDict extends CanvasDictBase {
  task: "celery.map";
  subtask_type: "xmap" | null;
  kwargs: { task: CanvasDict; it: unknown[] };
}

/** `task.starmap(it)`: calls the task once per item, unpacking it as args. */
export interface XstarmapDict extends CanvasDictBase {
  task: "celery.starmap";
  subtask_type: "xstarmap" | null;
  kwargs: { task: CanvasDict; it: unknown[] };
}

/** `task.chunks(it, n)`: splits `it` into chunks of `n`, each a starmap. */
export interface ChunksDict extends CanvasDictBase {
  task: "celery.chunks";
  subtask_type: "chunks" | null;
  kwargs: { task: CanvasDict; it: unknown[]; n: number };
}

/**
 * A signature of a type registered with `@Signature.register_type()` (`subtask_type` is its
 * name). Its kwargs are the type's own: some hold signature dicts, the rest plain values.
 */
export interface CustomDict extends CanvasDictBase {
  subtask_type: string;
}

/** Any canvas dict. Narrow with {@link canvasShape}. */
export type CanvasDict =
  | TaskDict
  | ChainDict
  | GroupDict
  | ChordDict
  | XmapDict
  | XstarmapDict
  | ChunksDict
  | CustomDict;

/**
 * What a canvas dict is, whichever of the two `subtask_type` conventions it follows; "custom"
 * for a type registered by the user.
 */
export type CanvasShape =
  | "task"
  | "chain"
  | "group"
  | "chord"
  | "xmap"
  | "xstarmap"
  | "chunks"
  | "custom";

const SHAPE_BY_SUBTASK_TYPE: Record<string, CanvasShape> = {
  chain: "chain",
  group: "group",
  chord: "chord",
  xmap: "xmap",
  xstarmap: "xstarmap",
  chunks: "chunks",
};

// Celery writes these three with subtask_type null: recognise them by their task name.
const SHAPE_BY_TASK_NAME: Record<string, CanvasShape> = {
  "celery.map": "xmap",
  "celery.starmap": "xstarmap",
  "celery.chunks": "chunks",
};

/**
 * The shape of a canvas dict: `subtask_type` when set, else the task name for xmap / xstarmap /
 * chunks, else "task". A `subtask_type` in `customTypes` (types registered by the user) is
 * "custom". Throws on any other `subtask_type` (Celery itself raises a bare KeyError there).
 */
export function canvasShape(
  d: { task: string; subtask_type: string | null },
  customTypes: ReadonlySet<string> = new Set(),
): CanvasShape {
  if (d.subtask_type === null || d.subtask_type === undefined) {
    return SHAPE_BY_TASK_NAME[d.task] ?? "task";
  }
  const shape = Object.hasOwn(SHAPE_BY_SUBTASK_TYPE, d.subtask_type)
    ? SHAPE_BY_SUBTASK_TYPE[d.subtask_type]
    : customTypes.has(d.subtask_type)
      ? "custom"
      : undefined;
  if (shape === undefined) {
    const registered = [...customTypes].map((t) => JSON.stringify(t)).join(", ");
    throw new TypeError(
      `unknown subtask_type ${JSON.stringify(d.subtask_type)} for task ${JSON.stringify(d.task)}; ` +
        'expected null, "chain", "group", "chord", "xmap", "xstarmap", "chunks" or a type ' +
        `registered with @Signature.register_type() (known here: ${registered || "none"})`,
    );
  }
  return shape;
}
