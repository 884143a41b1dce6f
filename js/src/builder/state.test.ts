import { describe, expect, it } from "vitest";
import type { CanvasDict } from "../shared/canvas";
import celeryCanvases from "../shared/fixtures/canvases.json";
import {
  applyEdit,
  type BuilderNode,
  type BuilderState,
  CanvasDictError,
  canRedo,
  canUndo,
  childEntries,
  commit,
  commitState,
  createHistory,
  dropLast,
  type Edit,
  EditError,
  editProblem,
  emptyState,
  findNode,
  fromCanvasDict,
  locate,
  redo,
  subtreeIds,
  toCanvasDict,
  undo,
} from "./state";
import { chainOf, chordOf, sig as demo, groupOf, WEAVE, weaveOf } from "./testing";

// Canvas dicts written by Celery itself (js/scripts/make_canvas_fixtures.py).
const CELERY = celeryCanvases as unknown as Record<string, CanvasDict>;

const CANONICAL_SUBTASK_TYPE: Record<string, string> = {
  "celery.map": "xmap",
  "celery.starmap": "xstarmap",
  "celery.chunks": "chunks",
};

/** Celery's dict with the project's subtask_type for xmap / xstarmap / chunks, recursively. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (typeof value !== "object" || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = canonical(v);
  const task = out.task;
  if (typeof task === "string" && "subtask_type" in out && out.subtask_type === null) {
    out.subtask_type = CANONICAL_SUBTASK_TYPE[task] ?? null;
  }
  return out;
}

function sig(task: string, ...args: unknown[]): CanvasDict {
  return { task, args, kwargs: {}, options: {}, subtask_type: null, immutable: false };
}

const add = (...a: unknown[]) => sig("canvas_widgets.demo.add", ...a);
const tsum = () => sig("canvas_widgets.demo.tsum");

/** The tree as a short string: tasks by name, containers as kind(...). For readable asserts. */
function shape(node: BuilderNode | null): string {
  if (node === null) return "-";
  switch (node.kind) {
    case "task":
      return node.task.split(".").pop() as string;
    case "chain":
    case "group":
      return `${node.kind}(${node.children.map(shape).join(" ")})`;
    case "chord":
      return `chord(${node.header.map(shape).join(" ")} / ${shape(node.body)})`;
    case "custom":
      return `${node.type}(${Object.values(node.slots).map(shape).join(" / ")})`;
    default:
      return `${node.kind}(${shape(node.inner)})`;
  }
}

/** The kwargs of a written canvas dict, for tests that look inside. */
function kw(d: CanvasDict | null): Record<string, unknown> {
  if (d === null) throw new Error("empty canvas");
  return d.kwargs as Record<string, unknown>;
}

function load(d: CanvasDict | null): BuilderState {
  return fromCanvasDict(d);
}

function idOf(state: BuilderState, predicate: (n: BuilderNode) => boolean): string {
  const walk = (n: BuilderNode | null): BuilderNode | undefined => {
    if (n === null) return undefined;
    if (predicate(n)) return n;
    for (const id of subtreeIds(n).slice(1)) {
      const c = findNode(n, id) as BuilderNode;
      if (predicate(c)) return c;
    }
    return undefined;
  };
  const found = walk(state.root);
  if (!found) throw new Error("no such node");
  return found.id;
}

const taskId = (state: BuilderState, name: string, nth = 0) => {
  const matches = subtreeIds(state.root as BuilderNode).filter((id) => {
    const n = findNode(state.root, id);
    return n?.kind === "task" && n.task.endsWith(`.${name}`);
  });
  const id = matches[nth];
  if (id === undefined) throw new Error(`no task ${name} #${nth}`);
  return id;
};

// ---------------------------------------------------------------------------------------------

describe("canvas dict round trip", () => {
  it.each(Object.keys(CELERY))("%s (as Celery writes it)", (name) => {
    const d = CELERY[name] as CanvasDict;
    expect(toCanvasDict(load(d).root)).toEqual(canonical(d));
  });

  it.each(Object.keys(CELERY))("%s (canonical form, exact)", (name) => {
    const d = canonical(CELERY[name]) as CanvasDict;
    const out = toCanvasDict(load(d).root);
    expect(out).toEqual(d);
    // Key order too: the JSON text is Celery's.
    expect(JSON.stringify(out)).toBe(JSON.stringify(d));
  });

  it("keeps the other keys Celery may write (chord_size), through an edit elsewhere", () => {
    type WithSize = { chord_size: number | null; kwargs: { tasks: unknown[] } };
    const task = { ...(canonical(CELERY.task) as CanvasDict), chord_size: null };
    const d = JSON.parse(JSON.stringify(canonical(CELERY.group))) as WithSize;
    d.chord_size = 2;
    d.kwargs.tasks[1] = task;
    const state = load(d as unknown as CanvasDict);
    expect(toCanvasDict(state.root)).toEqual(d);
    const first = childEntries(state.root as BuilderNode)[0]?.node as BuilderNode;
    const edited = applyEdit(state, { type: "updateTask", id: first.id, changes: { args: [9] } });
    const out = toCanvasDict(edited.root) as unknown as WithSize;
    expect(out.chord_size).toBe(2);
    expect(out.kwargs.tasks[1]).toEqual(task);
  });

  it("keeps Celery's null subtask_type readable for map, starmap and chunks", () => {
    const d = CELERY.chunks as CanvasDict;
    expect(d.subtask_type).toBeNull();
    const root = load(d).root;
    expect(root?.kind).toBe("chunks");
    expect(toCanvasDict(root)?.subtask_type).toBe("chunks");
    expect(load(CELERY.map as CanvasDict).root?.kind).toBe("map");
    expect(load(CELERY.starmap as CanvasDict).root?.kind).toBe("starmap");
  });

  it("an empty canvas is null both ways", () => {
    expect(load(null)).toEqual({ root: null, nextId: 1 });
    expect(toCanvasDict(null)).toBeNull();
  });

  it("keeps a chord header given as a group dict", () => {
    const header = groupOf(add(1, 1), add(2, 2));
    header.options = { group_id: "g1" };
    const d: CanvasDict = {
      task: "celery.chord",
      args: [],
      kwargs: { kwargs: {}, header: header as never, body: tsum() },
      options: {},
      subtask_type: "chord",
      immutable: false,
    };
    const root = load(d).root;
    expect(shape(root)).toBe("chord(add add / tsum)");
    expect(JSON.stringify(toCanvasDict(root))).toBe(JSON.stringify(d));
  });

  it("keeps link and link_error callbacks, which are signature dicts themselves", () => {
    const d = CELERY["task with options"] as CanvasDict;
    const out = toCanvasDict(load(d).root) as CanvasDict;
    expect(out.options.link).toEqual(d.options.link);
    expect(out.options.link_error).toEqual(d.options.link_error);
    expect(out.options.countdown).toBe(3);
  });

  it("gives every node a distinct id, in pre-order", () => {
    const s = load(CELERY["nested chords"] as CanvasDict);
    const ids = subtreeIds(s.root as BuilderNode);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids[0]).toBe("n1");
    expect(s.nextId).toBe(ids.length + 1);
  });

  it("names the path of a malformed part", () => {
    const bad = chainOf(add(1, 1), { ...add(2), args: "nope" } as unknown as CanvasDict);
    expect(() => load(bad)).toThrow(CanvasDictError);
    expect(() => load(bad)).toThrow("canvas.kwargs.tasks[1]: `args` must be a list");
    const unknown = { ...add(1), subtask_type: "weird" } as unknown as CanvasDict;
    expect(() => load(unknown)).toThrow(/unknown subtask_type "weird"/);
    const mapOfChain = {
      ...(CELERY.map as CanvasDict),
      kwargs: { task: chainOf(add(1)), it: [1] },
    } as CanvasDict;
    expect(() => load(mapOfChain)).toThrow(/canvas.kwargs.task: .*not a chain/);
  });
});

// ---------------------------------------------------------------------------------------------

describe("insert", () => {
  it("follows the root drop rule: empty, then a chain of two, then appended", () => {
    let s = emptyState();
    s = applyEdit(s, {
      type: "insert",
      node: { kind: "task", task: "t.a" },
      target: { parent: "root" },
    });
    expect(shape(s.root)).toBe("a");
    expect(toCanvasDict(s.root)).toEqual(sig("t.a"));
    s = applyEdit(s, {
      type: "insert",
      node: { kind: "task", task: "t.b" },
      target: { parent: "root" },
    });
    expect(shape(s.root)).toBe("chain(a b)");
    s = applyEdit(s, {
      type: "insert",
      node: { kind: "task", task: "t.c" },
      target: { parent: "root" },
    });
    expect(shape(s.root)).toBe("chain(a b c)");
    expect(toCanvasDict(s.root)).toEqual(chainOf(sig("t.a"), sig("t.b"), sig("t.c")));
  });

  it("puts the new node first on the root at index 0", () => {
    let s = load(add(1, 1));
    s = applyEdit(s, {
      type: "insert",
      node: { kind: "task", task: "t.first" },
      target: { parent: "root", index: 0 },
    });
    expect(shape(s.root)).toBe("chain(first add)");
    s = applyEdit(s, {
      type: "insert",
      node: { kind: "task", task: "t.zero" },
      target: { parent: "root", index: 0 },
    });
    expect(shape(s.root)).toBe("chain(zero first add)");
  });

  it("chains a task dropped on a root that is a group", () => {
    const s = applyEdit(load(groupOf(add(1), add(2))), {
      type: "insert",
      node: { kind: "task", task: "t.after" },
      target: { parent: "root" },
    });
    expect(shape(s.root)).toBe("chain(group(add add) after)");
  });

  it("inserts primitives with their contents, and tasks into each slot", () => {
    let s = emptyState();
    s = applyEdit(s, { type: "insert", node: { kind: "chord" }, target: { parent: "root" } });
    const chordId = (s.root as BuilderNode).id;
    s = applyEdit(s, {
      type: "insert",
      node: { kind: "task", task: "t.h1" },
      target: { parent: chordId, slot: "header" },
    });
    s = applyEdit(s, {
      type: "insert",
      node: { kind: "task", task: "t.h0", args: [1] },
      target: { parent: chordId, slot: "header", index: 0 },
    });
    s = applyEdit(s, {
      type: "insert",
      node: { kind: "task", task: "t.body" },
      target: { parent: chordId, slot: "body" },
    });
    expect(shape(s.root)).toBe("chord(h0 h1 / body)");
    s = applyEdit(s, {
      type: "insert",
      node: { kind: "group", children: [{ kind: "task", task: "t.g1" }] },
      target: { parent: chordId, slot: "header", index: 2 },
    });
    expect(shape(s.root)).toBe("chord(h0 h1 group(g1) / body)");
    const d = toCanvasDict(s.root) as CanvasDict;
    expect(d.subtask_type).toBe("chord");
    expect((kw(d).header as CanvasDict[])[0]).toEqual(sig("t.h0", 1));
  });

  it("fills a map's inner slot with a task, and only with a task", () => {
    let s = applyEdit(emptyState(), {
      type: "insert",
      node: { kind: "chunks", it: [[1, 2]], n: 1 },
      target: { parent: "root" },
    });
    const id = (s.root as BuilderNode).id;
    expect(() =>
      applyEdit(s, {
        type: "insert",
        node: { kind: "chain" },
        target: { parent: id, slot: "inner" },
      }),
    ).toThrow(/cannot go there/);
    s = applyEdit(s, {
      type: "insert",
      node: { kind: "task", task: "canvas_widgets.demo.add" },
      target: { parent: id, slot: "inner" },
    });
    expect(toCanvasDict(s.root)).toEqual({
      ...(canonical(CELERY.chunks) as CanvasDict),
      kwargs: { task: add(), it: [[1, 2]], n: 1 },
    });
    expect(() =>
      applyEdit(s, {
        type: "insert",
        node: { kind: "task", task: "t.other" },
        target: { parent: id, slot: "inner" },
      }),
    ).toThrow(/already holds/);
  });

  it("refuses bad targets", () => {
    const s = load(chainOf(add(1), add(2)));
    const t = taskId(s, "add");
    const node = { kind: "task", task: "t.x" } as const;
    expect(() => applyEdit(s, { type: "insert", node, target: { parent: "nope" } })).toThrow(
      /no node with id "nope"/,
    );
    expect(() => applyEdit(s, { type: "insert", node, target: { parent: t } })).toThrow(
      /a task holds nothing/,
    );
    expect(() =>
      applyEdit(s, { type: "insert", node, target: { parent: "n1", slot: "body" } }),
    ).toThrow(/no such slot/);
    expect(() =>
      applyEdit(s, { type: "insert", node, target: { parent: "n1", index: 5 } }),
    ).toThrow(/out of range/);
  });

  it("hands out fresh ids and leaves existing ones alone", () => {
    const s0 = load(chainOf(add(1), add(2)));
    const s1 = applyEdit(s0, {
      type: "insert",
      node: { kind: "group", children: [{ kind: "task", task: "t.x" }] },
      target: { parent: "n1", index: 1 },
    });
    expect(subtreeIds(s1.root as BuilderNode)).toEqual(["n1", "n2", "n4", "n5", "n3"]);
    expect(s1.nextId).toBe(6);
    // Untouched subtrees are shared, not copied.
    expect(findNode(s1.root, "n2")).toBe(findNode(s0.root, "n2"));
    // The old state is untouched.
    expect(shape(s0.root)).toBe("chain(add add)");
  });
});

// ---------------------------------------------------------------------------------------------

describe("move", () => {
  const abc = () => load(chainOf(sig("t.a"), sig("t.b"), sig("t.c")));

  it("reorders within a list, counting the index before the move", () => {
    const s = abc();
    const a = taskId(s, "a");
    expect(
      shape(applyEdit(s, { type: "move", id: a, target: { parent: "n1", index: 3 } }).root),
    ).toBe("chain(b c a)");
    expect(
      shape(applyEdit(s, { type: "move", id: a, target: { parent: "n1", index: 2 } }).root),
    ).toBe("chain(b a c)");
    const c = taskId(s, "c");
    expect(
      shape(applyEdit(s, { type: "move", id: c, target: { parent: "n1", index: 0 } }).root),
    ).toBe("chain(c a b)");
  });

  it("moves between containers and keeps the id", () => {
    const s0 = load(chordOf([add(1), add(2)], tsum()));
    const tsumId = taskId(s0, "tsum");
    const s1 = applyEdit(s0, {
      type: "move",
      id: tsumId,
      target: { parent: "n1", slot: "header" },
    });
    expect(shape(s1.root)).toBe("chord(add add tsum / -)");
    expect(locate(s1.root, tsumId)).toEqual({ parent: "n1", slot: "header", index: 2 });
    const first = taskId(s1, "add");
    const s2 = applyEdit(s1, { type: "move", id: first, target: { parent: "n1", slot: "body" } });
    expect(shape(s2.root)).toBe("chord(add tsum / add)");
    expect(s2.nextId).toBe(s0.nextId);
  });

  it("applies the root drop rule after taking the node out", () => {
    const s = abc();
    const a = taskId(s, "a");
    expect(shape(applyEdit(s, { type: "move", id: a, target: { parent: "root" } }).root)).toBe(
      "chain(b c a)",
    );
    const g = load(groupOf(sig("t.x"), sig("t.y")));
    const x = taskId(g, "x");
    expect(shape(applyEdit(g, { type: "move", id: x, target: { parent: "root" } }).root)).toBe(
      "chain(group(y) x)",
    );
    expect(() => applyEdit(g, { type: "move", id: "n1", target: { parent: "root" } })).toThrow(
      /the root already/,
    );
  });

  it("counts the root chain's index before the move too", () => {
    const s = abc();
    const a = taskId(s, "a");
    expect(
      shape(applyEdit(s, { type: "move", id: a, target: { parent: "root", index: 2 } }).root),
    ).toBe("chain(b a c)");
  });

  it("never moves a node into itself or its descendants", () => {
    const s = load(groupOf(chainOf(add(1), groupOf(add(2))), add(3)));
    const chainId = idOf(s, (n) => n.kind === "chain");
    const innerGroup = idOf(s, (n) => n.kind === "group" && n.id !== "n1");
    expect(() => applyEdit(s, { type: "move", id: chainId, target: { parent: chainId } })).toThrow(
      EditError,
    );
    expect(() =>
      applyEdit(s, { type: "move", id: chainId, target: { parent: innerGroup } }),
    ).toThrow(/into itself or one of its descendants/);
    expect(() => applyEdit(s, { type: "move", id: "n1", target: { parent: innerGroup } })).toThrow(
      /descendants/,
    );
    // Into a sibling is fine.
    const moved = applyEdit(s, { type: "move", id: innerGroup, target: { parent: "n1" } });
    expect(shape(moved.root)).toBe("group(chain(add) add group(add))");
  });

  it("refuses an occupied single slot and leaves the state as it was", () => {
    const s = load(chordOf([add(1)], tsum()));
    const a = taskId(s, "add");
    const edit: Edit = { type: "move", id: a, target: { parent: "n1", slot: "body" } };
    expect(editProblem(s, edit)).toMatch(/already holds task/);
    expect(shape(s.root)).toBe("chord(add / tsum)");
  });
});

// ---------------------------------------------------------------------------------------------

describe("remove", () => {
  it("removes a subtree; the last one empties the canvas", () => {
    let s = load(chainOf(add(1), groupOf(add(2), add(3))));
    s = applyEdit(s, { type: "remove", id: idOf(s, (n) => n.kind === "group") });
    expect(shape(s.root)).toBe("chain(add)");
    expect(s.root?.kind).toBe("chain"); // a chain of one stays a chain
    s = applyEdit(s, { type: "remove", id: taskId(s, "add") });
    expect(shape(s.root)).toBe("chain()"); // emptied containers stay (validation flags them)
    s = applyEdit(s, { type: "remove", id: "n1" });
    expect(s.root).toBeNull();
    expect(toCanvasDict(s.root)).toBeNull();
  });

  it("empties single slots", () => {
    let s = load(chordOf([add(1)], tsum()));
    s = applyEdit(s, { type: "remove", id: taskId(s, "tsum") });
    expect(shape(s.root)).toBe("chord(add / -)");
    expect(kw(toCanvasDict(s.root)).body).toBeNull();
    let m = load(CELERY.map as CanvasDict);
    m = applyEdit(m, { type: "remove", id: taskId(m, "add") });
    expect(shape(m.root)).toBe("map(-)");
  });

  it("refuses an unknown id", () => {
    expect(() => applyEdit(emptyState(), { type: "remove", id: "n9" })).toThrow(/no node/);
  });
});

// ---------------------------------------------------------------------------------------------

describe("wrap and unwrap", () => {
  const abcd = () => load(chainOf(sig("t.a"), sig("t.b"), sig("t.c"), sig("t.d")));

  it("wraps siblings into a group where the first of them was, in their order", () => {
    const s = abcd();
    const [b, c] = [taskId(s, "b"), taskId(s, "c")];
    const w = applyEdit(s, { type: "wrap", ids: [c, b], kind: "group" });
    expect(shape(w.root)).toBe("chain(a group(b c) d)");
    expect(findNode(w.root, b)).toBe(findNode(s.root, b));
    expect(w.nextId).toBe(s.nextId + 1);
  });

  it("wraps into a chain, and into a chord as its header", () => {
    const s = abcd();
    const ids = [taskId(s, "a"), taskId(s, "d")];
    expect(shape(applyEdit(s, { type: "wrap", ids, kind: "chain" }).root)).toBe(
      "chain(chain(a d) b c)",
    );
    expect(shape(applyEdit(s, { type: "wrap", ids, kind: "chord" }).root)).toBe(
      "chain(chord(a d / -) b c)",
    );
  });

  it("wraps the root and a single-slot node", () => {
    const s = load(chordOf([add(1)], tsum()));
    expect(shape(applyEdit(s, { type: "wrap", ids: ["n1"], kind: "chain" }).root)).toBe(
      "chain(chord(add / tsum))",
    );
    const body = taskId(s, "tsum");
    expect(shape(applyEdit(s, { type: "wrap", ids: [body], kind: "group" }).root)).toBe(
      "chord(add / group(tsum))",
    );
  });

  it("refuses nodes that are not siblings", () => {
    const s = load(chainOf(add(1), groupOf(add(2))));
    const ids = [taskId(s, "add", 0), taskId(s, "add", 1)];
    // Said in the user's terms: the blocks' names, not the builder's node ids.
    expect(editProblem(s, { type: "wrap", ids, kind: "group" })).toBe(
      "only blocks of one list (the steps of a chain, the members of a group) can be wrapped " +
        "together: add and add are in different ones",
    );
    expect(editProblem(s, { type: "wrap", ids: [], kind: "group" })).toMatch(/at least one/);
    const m = load(CELERY.map as CanvasDict);
    expect(editProblem(m, { type: "wrap", ids: [taskId(m, "add")], kind: "chain" })).toMatch(
      /cannot be wrapped/,
    );
  });

  it("unwraps a container into its place", () => {
    const s = load(chainOf(add(1), groupOf(add(2), add(3)), tsum()));
    const g = idOf(s, (n) => n.kind === "group");
    const u = applyEdit(s, { type: "unwrap", id: g });
    expect(shape(u.root)).toBe("chain(add add add tsum)");
    expect(findNode(u.root, g)).toBeUndefined();
  });

  it("unwraps a chord into header then body, and the root only when one node is left", () => {
    const s = load(groupOf(chordOf([add(1), add(2)], tsum())));
    const c = idOf(s, (n) => n.kind === "chord");
    expect(shape(applyEdit(s, { type: "unwrap", id: c }).root)).toBe("group(add add tsum)");
    expect(editProblem(s, { type: "unwrap", id: c })).toBeNull();
    expect(editProblem(load(chainOf(add(1), add(2))), { type: "unwrap", id: "n1" })).toMatch(
      /the root holds one node, not 2/,
    );
    expect(shape(applyEdit(load(chainOf(add(1))), { type: "unwrap", id: "n1" }).root)).toBe("add");
    expect(
      shape(applyEdit(load(CELERY.map as CanvasDict), { type: "unwrap", id: "n1" }).root),
    ).toBe("add");
    expect(editProblem(load(add(1)), { type: "unwrap", id: "n1" })).toMatch(/not a container/);
  });

  it("wrap then unwrap gives the same canvas back", () => {
    const s = abcd();
    const ids = [taskId(s, "b"), taskId(s, "c")];
    const w = applyEdit(s, { type: "wrap", ids, kind: "chord" });
    const chordId = idOf(w, (n) => n.kind === "chord");
    const back = applyEdit(w, { type: "unwrap", id: chordId });
    expect(toCanvasDict(back.root)).toEqual(toCanvasDict(s.root));
  });
});

// ---------------------------------------------------------------------------------------------

describe("updateTask and setIterable", () => {
  it("changes a task's fields and keeps its id", () => {
    const s = load(chainOf(add(1, 1), tsum()));
    const a = taskId(s, "add");
    const u = applyEdit(s, {
      type: "updateTask",
      id: a,
      changes: {
        task: "canvas_widgets.demo.mul",
        args: [2],
        kwargs: { y: 3 },
        options: { countdown: 5 },
        immutable: true,
      },
    });
    expect(findNode(u.root, a)).toMatchObject({ kind: "task", task: "canvas_widgets.demo.mul" });
    expect(kw(toCanvasDict(u.root)).tasks).toEqual([
      {
        task: "canvas_widgets.demo.mul",
        args: [2],
        kwargs: { y: 3 },
        options: { countdown: 5 },
        subtask_type: null,
        immutable: true,
      },
      tsum(),
    ]);
    // The other step is shared, not copied.
    const t = taskId(s, "tsum");
    expect(findNode(u.root, t)).toBe(findNode(s.root, t));
  });

  it("refuses bad fields and non-tasks", () => {
    const s = load(chainOf(add(1)));
    const a = taskId(s, "add");
    expect(editProblem(s, { type: "updateTask", id: a, changes: { task: " " } })).toMatch(
      /non-empty/,
    );
    expect(
      editProblem(s, { type: "updateTask", id: a, changes: { args: {} as unknown as unknown[] } }),
    ).toMatch(/args .* must be a list/);
    expect(editProblem(s, { type: "updateTask", id: a, changes: { kwargs: [] as never } })).toMatch(
      /kwargs .* must be a dict/,
    );
    expect(editProblem(s, { type: "updateTask", id: "n1", changes: {} })).toMatch(/not a task/);
  });

  it("sets it and n", () => {
    const s = load(canonical(CELERY.chunks) as CanvasDict);
    const u = applyEdit(s, { type: "setIterable", id: "n1", it: [[9, 9]], n: 5 });
    expect(kw(toCanvasDict(u.root))).toMatchObject({ it: [[9, 9]], n: 5 });
    expect(editProblem(s, { type: "setIterable", id: "n1", n: 0 })).toMatch(/positive integer/);
    const m = load(CELERY.map as CanvasDict);
    expect(
      kw(toCanvasDict(applyEdit(m, { type: "setIterable", id: "n1", it: [7] }).root)).it,
    ).toEqual([7]);
    expect(editProblem(m, { type: "setIterable", id: "n1", n: 2 })).toMatch(/only chunks have n/);
    expect(editProblem(load(add(1)), { type: "setIterable", id: "n1", it: [] })).toMatch(
      /has no iterable/,
    );
  });
});

// ---------------------------------------------------------------------------------------------

describe("history", () => {
  const addTask = (task: string): Edit => ({
    type: "insert",
    node: { kind: "task", task },
    target: { parent: "root" },
  });

  it("undoes and redoes edits in order", () => {
    let h = createHistory(emptyState());
    expect(canUndo(h)).toBe(false);
    h = commit(h, addTask("t.a"));
    h = commit(h, addTask("t.b"));
    h = commit(h, addTask("t.c"));
    expect(shape(h.present.root)).toBe("chain(a b c)");
    h = undo(h);
    expect(shape(h.present.root)).toBe("chain(a b)");
    h = undo(h);
    h = undo(h);
    expect(h.present.root).toBeNull();
    expect(canUndo(h)).toBe(false);
    expect(undo(h)).toBe(h);
    h = redo(h);
    expect(shape(h.present.root)).toBe("a");
    h = redo(h);
    h = redo(h);
    expect(shape(h.present.root)).toBe("chain(a b c)");
    expect(canRedo(h)).toBe(false);
    expect(redo(h)).toBe(h);
  });

  it("drops the redo list on a new edit", () => {
    let h = createHistory(emptyState());
    h = commit(h, addTask("t.a"));
    h = commit(h, addTask("t.b"));
    h = undo(h);
    expect(canRedo(h)).toBe(true);
    h = commit(h, addTask("t.x"));
    expect(canRedo(h)).toBe(false);
    expect(shape(h.present.root)).toBe("chain(a x)");
  });

  it("never gives an undone node's id to a new node", () => {
    let h = createHistory(emptyState());
    h = commit(h, addTask("t.a"));
    h = commit(h, addTask("t.b"));
    const bId = taskId(h.present, "b");
    h = undo(h);
    h = commit(h, addTask("t.x"));
    expect(subtreeIds(h.present.root as BuilderNode)).not.toContain(bId);
  });

  it("keeps at most `limit` past states", () => {
    let h = createHistory(emptyState(), 3);
    for (const name of ["a", "b", "c", "d", "e"]) h = commit(h, addTask(`t.${name}`));
    expect(h.past).toHaveLength(3);
    while (canUndo(h)) h = undo(h);
    expect(shape(h.present.root)).toBe("chain(a b)");
  });

  it("leaves the history as it was when an edit fails", () => {
    const h = createHistory(load(add(1)));
    expect(() => commit(h, { type: "remove", id: "nope" })).toThrow(EditError);
    expect(h.past).toHaveLength(0);
  });
});

// ---------------------------------------------------------------------------------------------

describe("setOptions, commitState, dropLast and missing keys", () => {
  it("sets the options of any node, checking callbacks", () => {
    const s = load(chainOf(add(1, 1), add(2)));
    const link = [add(5)];
    const u = applyEdit(s, { type: "setOptions", id: "n1", options: { countdown: 3, link } });
    expect(toCanvasDict(u.root)?.options).toEqual({ countdown: 3, link });
    expect(() =>
      applyEdit(s, { type: "setOptions", id: "n2", options: { link: [{ args: [] }] } }),
    ).toThrow(/signature dicts/);
    expect(() =>
      applyEdit(s, {
        type: "setOptions",
        id: "n2",
        options: [] as unknown as Record<string, unknown>,
      }),
    ).toThrow(EditError);
    expect(() =>
      applyEdit(s, { type: "updateTask", id: "n2", changes: { options: { link_error: 3 } } }),
    ).toThrow(/link_error/);
  });

  it("commits a whole state as a step, and drops the last step for good", () => {
    let h = createHistory(emptyState());
    h = commit(h, {
      type: "insert",
      node: { kind: "task", task: "t.a" },
      target: { parent: "root" },
    });
    const loaded = fromCanvasDict(groupOf(add(1, 1)), h.present.nextId);
    const h2 = commitState(h, loaded);
    expect(h2.present.root?.kind).toBe("group");
    expect(canUndo(h2)).toBe(true);
    expect(commitState(h2, h2.present)).toBe(h2);
    const h3 = dropLast(h2);
    expect(h3.present.root?.kind).toBe("task");
    expect(canRedo(h3)).toBe(false);
    expect(h3.present.nextId).toBe(h2.present.nextId);
    expect(dropLast(createHistory(emptyState())).present.root).toBeNull();
  });

  it("reads dicts with keys left out, as Celery does", () => {
    const s = fromCanvasDict({ task: "t.a", args: [1] } as unknown as CanvasDict);
    expect(toCanvasDict(s.root)).toEqual({
      task: "t.a",
      args: [1],
      kwargs: {},
      options: {},
      subtask_type: null,
      immutable: false,
    });
  });
});

// ---------------------------------------------------------------------------------------------

describe("custom signature types (weave)", () => {
  const xsum = () => demo("xsum");
  const loadWith = (d: CanvasDict | null) => fromCanvasDict(d, 1, [WEAVE]);
  const EXAMPLES: Record<string, CanvasDict> = {
    "with items and join": weaveOf(xsum(), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 4, xsum()),
    "with items, no join": weaveOf(xsum(), [1, 2], 1),
    "from the previous step, with join": weaveOf(xsum(), null, 4, xsum()),
    "from the previous step, no join": weaveOf(xsum(), null, 4),
    "as a chain step, holding a chain and a weave": chainOf(
      add(1, 2),
      weaveOf(chainOf(xsum(), add(1)), null, 2, weaveOf(xsum(), null, 3)),
    ),
  };

  it.each(Object.keys(EXAMPLES))("round-trips a weave %s", (name) => {
    const d = EXAMPLES[name] as CanvasDict;
    expect(toCanvasDict(loadWith(d).root)).toEqual(d);
  });

  it("loads the slots in the type's order, the other kwargs as plain values", () => {
    const root = loadWith(EXAMPLES["with items and join"] as CanvasDict).root;
    expect(root).toMatchObject({
      kind: "custom",
      type: "weave",
      task: "canvas_widgets.weave",
      args: [[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]],
      kwargs: { n: 4 },
      immutable: true,
    });
    if (root?.kind !== "custom") throw new Error("not custom");
    expect(Object.keys(root.slots)).toEqual(["task", "join"]);
    expect(shape(root)).toBe("weave(xsum / xsum)");
    expect(shape(loadWith(EXAMPLES["from the previous step, no join"] as CanvasDict).root)).toBe(
      "weave(xsum / -)",
    );
  });

  it("is an error when the type is not known, naming the types that are", () => {
    const d = EXAMPLES["with items and join"] as CanvasDict;
    expect(() => load(d)).toThrow(CanvasDictError);
    expect(() => load(d)).toThrow(/canvas: unknown subtask_type "weave".*known here: none/);
    const weird = chainOf(add(1), { ...add(2), subtask_type: "weird" } as CanvasDict);
    expect(() => loadWith(weird)).toThrow(
      /canvas.kwargs.tasks\[1\]: unknown subtask_type "weird".*known here: "weave"/,
    );
    const badSlot = weaveOf({ ...xsum(), args: 3 } as unknown as CanvasDict, null, 2);
    expect(() => loadWith(badSlot)).toThrow("canvas.kwargs.task: `args` must be a list");
  });

  it("drops any node into an empty slot, and nothing into a full one", () => {
    let s = loadWith(EXAMPLES["from the previous step, no join"] as CanvasDict);
    const weave = (s.root as BuilderNode).id;
    s = applyEdit(s, {
      type: "insert",
      node: { kind: "chain", children: [{ kind: "task", task: "t.a" }] },
      target: { parent: weave, slot: "kwargs.join" },
    });
    expect(shape(s.root)).toBe("weave(xsum / chain(a))");
    expect(kw(toCanvasDict(s.root)).join).toMatchObject({ subtask_type: "chain" });
    expect(() =>
      applyEdit(s, {
        type: "insert",
        node: { kind: "task", task: "t.b" },
        target: { parent: weave, slot: "kwargs.join" },
      }),
    ).toThrow(/the kwargs.join of weave n1 already holds chain/);
    expect(() =>
      applyEdit(s, {
        type: "insert",
        node: { kind: "task", task: "t.b" },
        target: { parent: weave, slot: "kwargs.it" },
      }),
    ).toThrow(/no such slot/);
  });

  it("moves nodes out of a slot and into one, removes them, and undoes each", () => {
    const d = chainOf(add(1), weaveOf(xsum(), null, 4, tsum()));
    let h = createHistory(loadWith(d));
    const weave = idOf(h.present, (n) => n.kind === "custom");
    const join = taskId(h.present, "tsum");
    const first = taskId(h.present, "add");
    h = commit(h, { type: "move", id: join, target: { parent: "root" } });
    expect(shape(h.present.root)).toBe("chain(add weave(xsum / -) tsum)");
    const step = (i: number) => (kw(toCanvasDict(h.present.root)).tasks as CanvasDict[])[i];
    expect(kw(step(1) as CanvasDict).join).toBeNull();
    h = commit(h, { type: "move", id: first, target: { parent: weave, slot: "kwargs.join" } });
    expect(shape(h.present.root)).toBe("chain(weave(xsum / add) tsum)");
    expect(findNode(h.present.root, first)).toBeDefined();
    h = commit(h, { type: "remove", id: taskId(h.present, "xsum") });
    expect(shape(h.present.root)).toBe("chain(weave(- / add) tsum)");
    expect(kw(step(0) as CanvasDict).task).toBeNull();
    h = undo(undo(undo(h)));
    expect(toCanvasDict(h.present.root)).toEqual(d);
    h = redo(h);
    expect(shape(h.present.root)).toBe("chain(add weave(xsum / -) tsum)");
  });

  it("never moves a custom node into its own slot", () => {
    const s = loadWith(weaveOf(xsum(), null, 4, weaveOf(xsum(), null, 2)));
    const outer = (s.root as BuilderNode).id;
    const inner = idOf(s, (n) => n.kind === "custom" && n.id !== outer);
    expect(() =>
      applyEdit(s, { type: "move", id: outer, target: { parent: inner, slot: "kwargs.join" } }),
    ).toThrow(/into itself/);
  });

  it("inserts a copy of a template with fresh ids", () => {
    const template = loadWith(weaveOf(xsum(), [1, 2, 3], 2, xsum())).root;
    if (template?.kind !== "custom") throw new Error("not custom");
    let s = loadWith(chainOf(add(1)));
    s = applyEdit(s, {
      type: "insert",
      node: { kind: "custom", template },
      target: { parent: "root" },
    });
    s = applyEdit(s, {
      type: "insert",
      node: { kind: "custom", template },
      target: { parent: "root" },
    });
    expect(shape(s.root)).toBe("chain(add weave(xsum / xsum) weave(xsum / xsum))");
    const ids = subtreeIds(s.root as BuilderNode);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(["n1", "n2", "n3", "n4", "n5", "n6", "n7", "n8"]);
    expect(kw(toCanvasDict(s.root)).tasks).toEqual([
      add(1),
      weaveOf(xsum(), [1, 2, 3], 2, xsum()),
      weaveOf(xsum(), [1, 2, 3], 2, xsum()),
    ]);
  });

  it("edits args and plain kwargs, not the task or a slot's kwarg", () => {
    let s = loadWith(weaveOf(xsum(), null, 4));
    const id = (s.root as BuilderNode).id;
    s = applyEdit(s, { type: "updateTask", id, changes: { args: [[1, 2]], kwargs: { n: 1 } } });
    expect(toCanvasDict(s.root)).toEqual({ ...weaveOf(xsum(), [1, 2], 1), immutable: false });
    expect(() =>
      applyEdit(s, { type: "updateTask", id, changes: { kwargs: { n: 1, join: null } } }),
    ).toThrow(/join of weave n1 holds a signature: drop one into its join slot instead/);
    expect(() => applyEdit(s, { type: "updateTask", id, changes: { task: "t.x" } })).toThrow(
      /cannot change/,
    );
    s = applyEdit(s, { type: "setOptions", id, options: { queue: "q" } });
    expect(toCanvasDict(s.root)?.options).toEqual({ queue: "q" });
  });

  it("wraps a slot's node and unwraps a custom node into its slots' nodes", () => {
    let s = loadWith(chainOf(add(1), weaveOf(xsum(), null, 4, tsum())));
    s = applyEdit(s, { type: "wrap", ids: [taskId(s, "xsum")], kind: "group" });
    expect(shape(s.root)).toBe("chain(add weave(group(xsum) / tsum))");
    s = applyEdit(s, { type: "unwrap", id: idOf(s, (n) => n.kind === "custom") });
    expect(shape(s.root)).toBe("chain(add group(xsum) tsum)");
  });
});
