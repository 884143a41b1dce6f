import { describe, expect, it } from "vitest";
import { nodePaths } from "./paths";
import {
  applyEdit,
  type BuilderNode,
  emptyState,
  fromCanvasDict,
  subtreeIds,
  toCanvasDict,
} from "./state";
import { cloneDict, deepEqual, reconcileIds, unwritable } from "./sync";
import { chainOf, chordOf, groupOf, mapOf, sig, WEAVE, weaveOf } from "./testing";

describe("deepEqual", () => {
  it("compares JSON values, ignoring key order", () => {
    expect(deepEqual({ a: 1, b: [1, { c: null }] }, { b: [1, { c: null }], a: 1 })).toBe(true);
    expect(deepEqual({ a: 1 }, { a: 1, b: undefined })).toBe(false);
    expect(deepEqual([1, 2], [2, 1])).toBe(false);
    expect(deepEqual([], {})).toBe(false);
    expect(deepEqual(null, {})).toBe(false);
    expect(deepEqual("1", 1)).toBe(false);
    const d = chainOf(sig("add", [1, 1]), sig("mul", [2]));
    expect(deepEqual(toCanvasDict(fromCanvasDict(d).root), d)).toBe(true);
  });
});

describe("reconcileIds", () => {
  it("keeps the ids of nodes at the same path with the same kind", () => {
    const before = fromCanvasDict(chainOf(sig("add", [1, 1]), groupOf(sig("mul", [2]))));
    const after = fromCanvasDict(
      chainOf(sig("add", [5, 5]), chordOf([sig("mul", [3])], sig("xsum"))),
      before.nextId,
    );
    const merged = reconcileIds(before.root, after);
    const oldPaths = nodePaths(before.root);
    const newPaths = nodePaths(merged.root);
    const idAt = (paths: Map<string, string>, path: string) =>
      [...paths].find(([, p]) => p === path)?.[0];
    expect(idAt(newPaths, "chain")).toBe(idAt(oldPaths, "chain"));
    expect(idAt(newPaths, "chain.tasks[0]")).toBe(idAt(oldPaths, "chain.tasks[0]"));
    // A group became a chord: a new node, a new id, and so are its members.
    expect(idAt(newPaths, "chain.tasks[1]")).not.toBe(idAt(oldPaths, "chain.tasks[1]"));
    const ids = subtreeIds(merged.root as BuilderNode);
    expect(new Set(ids).size).toBe(ids.length);
    expect(toCanvasDict(merged.root)).toEqual(toCanvasDict(after.root));
    expect(reconcileIds(null, after)).toBe(after);
  });
});

describe("unwritable", () => {
  it("finds a map, starmap or chunks without its task, anywhere", () => {
    expect(unwritable(null)).toBeNull();
    expect(unwritable(fromCanvasDict(chainOf(sig("add", [1, 1]))).root)).toBeNull();
    let s = applyEdit(emptyState(), {
      type: "insert",
      node: { kind: "group" },
      target: { parent: "root" },
    });
    s = applyEdit(s, { type: "insert", node: { kind: "map" }, target: { parent: "n1" } });
    expect(unwritable(s.root)).toEqual({
      id: "n2",
      message: expect.stringMatching(/needs a task/),
    });
    s = applyEdit(s, {
      type: "insert",
      node: { kind: "task", task: "t.x" },
      target: { parent: "n2", slot: "inner" },
    });
    expect(unwritable(s.root)).toBeNull();
    expect(unwritable(fromCanvasDict(mapOf("xmap", sig("xsum"), [])).root)).toBeNull();
  });

  it("cloneDict copies deeply", () => {
    const d = chainOf(sig("add", [[1]]));
    const c = cloneDict(d);
    expect(c).toEqual(d);
    expect(c).not.toBe(d);
    expect(cloneDict(null)).toBeNull();
  });
});

describe("custom signature types", () => {
  it("keep the ids of a custom node and its slots' nodes across a reload", () => {
    const d = chainOf(sig("add", [1]), weaveOf(sig("xsum"), null, 2, sig("tsum")));
    const before = fromCanvasDict(d, 1, [WEAVE]);
    const changed = weaveOf(sig("xsum", [9]), [1, 2], 2, sig("tsum"));
    const after = fromCanvasDict(chainOf(sig("add", [1]), changed), before.nextId, [WEAVE]);
    const merged = reconcileIds(before.root, after);
    expect(nodePaths(merged.root)).toEqual(nodePaths(before.root));
    expect(toCanvasDict(merged.root)).toEqual(toCanvasDict(after.root));
    // A weave replaced by a node of another custom type at the same path is a new node.
    const KNOT = { ...WEAVE, type: "knot" };
    const knot = { ...changed, subtask_type: "knot" };
    const other = fromCanvasDict(chainOf(sig("add", [1]), knot), after.nextId, [WEAVE, KNOT]);
    const kept = [...nodePaths(reconcileIds(before.root, other).root).keys()];
    const old = [...nodePaths(before.root).keys()];
    expect(kept[2]).toBe([...nodePaths(other.root).keys()][2]);
    // The tasks in its slots sit at the same paths: they keep their ids.
    expect([kept[0], kept[1], kept[3], kept[4]]).toEqual([old[0], old[1], old[3], old[4]]);
  });

  it("are written with an empty slot (Python's validation judges it)", () => {
    const s = fromCanvasDict(weaveOf(sig("xsum"), null, 2), 1, [WEAVE]);
    const emptied = applyEdit(s, { type: "remove", id: "n2" });
    expect(unwritable(emptied.root)).toBeNull();
    expect(toCanvasDict(emptied.root)?.kwargs).toEqual({ task: null, join: null, n: 2 });
  });
});
