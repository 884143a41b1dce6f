import { describe, expect, it } from "vitest";
import {
  documentOrder,
  dropAxis,
  dropTargetFor,
  insertionTarget,
  moveByOne,
  stepSelection,
} from "./gestures";
import { nodePaths } from "./paths";
import {
  applyEdit,
  type BuilderNode,
  type BuilderState,
  fromCanvasDict,
  toCanvasDict,
} from "./state";
import { chainOf, chordOf, groupOf, mapOf, sig, WEAVE, weaveOf } from "./testing";

function idAt(state: BuilderState, path: string): string {
  const hit = [...nodePaths(state.root)].find(([, p]) => p === path);
  if (!hit) throw new Error(`no node at ${path}`);
  return hit[0];
}

/** Task names of a written canvas, in document order, for short asserts. */
function names(state: BuilderState): string {
  return JSON.stringify(toCanvasDict(state.root))
    .match(/"task":"[^"]+"/g)
    ?.map((t) => t.slice(8, -1).split(".").pop())
    .join(" ") as string;
}

const CANVAS = chainOf(
  sig("add", [1, 1]),
  groupOf(sig("mul", [2]), sig("mul", [3])),
  chordOf([sig("add", [1, 1])], sig("xsum")),
);

describe("drops", () => {
  const s = fromCanvasDict(CANVAS);

  it("land before or after a node in its list, on the root, or at the end of a slot", () => {
    const g1 = idAt(s, "chain.tasks[1].tasks[1]");
    expect(dropTargetFor(s.root, { type: "node", id: g1, edge: "before" })).toEqual({
      parent: idAt(s, "chain.tasks[1]"),
      slot: "children",
      index: 1,
    });
    expect(dropTargetFor(s.root, { type: "node", id: g1, edge: "after" })?.index).toBe(2);
    expect(dropTargetFor(s.root, { type: "root" })).toEqual({ parent: "root" });
    expect(dropTargetFor(s.root, { type: "slot", parent: "n1", slot: "children" })).toEqual({
      parent: "n1",
      slot: "children",
    });
    expect(
      dropTargetFor(s.root, { type: "slot", parent: "n1", slot: "children", index: 1 }),
    ).toEqual({ parent: "n1", slot: "children", index: 1 });
    // Nothing goes beside a chord's body or a map's task.
    expect(
      dropTargetFor(s.root, { type: "node", id: idAt(s, "chain.tasks[2].body"), edge: "after" }),
    ).toBeNull();
    expect(dropTargetFor(s.root, { type: "node", id: "nope", edge: "after" })).toBeNull();
  });

  it("on the root node follow the root drop rule, before or after it", () => {
    const one = fromCanvasDict(sig("add", [1, 1]));
    const root = (one.root as BuilderNode).id;
    expect(dropTargetFor(one.root, { type: "node", id: root, edge: "before" })).toEqual({
      parent: "root",
      index: 0,
    });
    const target = dropTargetFor(one.root, { type: "node", id: root, edge: "after" });
    expect(target).toEqual({ parent: "root" });
    const two = applyEdit(one, {
      type: "insert",
      node: { kind: "task", task: "t.mul" },
      target: target ?? { parent: "root" },
    });
    expect(names(two)).toBe("chain add mul");
  });

  it("know the axis: chains are rows, groups and headers are stacks", () => {
    expect(dropAxis(s.root, idAt(s, "chain.tasks[0]"))).toBe("row");
    expect(dropAxis(s.root, idAt(s, "chain.tasks[1].tasks[0]"))).toBe("column");
    expect(dropAxis(s.root, idAt(s, "chain.tasks[2].header[0]"))).toBe("column");
    expect(dropAxis(s.root, idAt(s, "chain.tasks[2].body"))).toBeNull();
    expect(dropAxis(s.root, idAt(s, "chain"))).toBe("row");
    expect(dropAxis(s.root, "nope")).toBeNull();
  });
});

describe("keyboard insertion", () => {
  const s = fromCanvasDict(CANVAS);

  it("goes into the selected container, or after the selected node", () => {
    expect(insertionTarget(s.root, null)).toEqual({ parent: "root" });
    expect(insertionTarget(s.root, idAt(s, "chain.tasks[1]"))).toEqual({
      parent: idAt(s, "chain.tasks[1]"),
      slot: "children",
    });
    expect(insertionTarget(s.root, idAt(s, "chain.tasks[0]"))).toEqual({
      parent: idAt(s, "chain"),
      slot: "children",
      index: 1,
    });
    // After a chord body: after the chord, in the chain around it.
    expect(insertionTarget(s.root, idAt(s, "chain.tasks[2].body"))).toEqual({
      parent: idAt(s, "chain"),
      slot: "children",
      index: 3,
    });
    expect(insertionTarget(s.root, idAt(s, "chain.tasks[2]"))).toEqual({
      parent: idAt(s, "chain.tasks[2]"),
      slot: "header",
    });
  });

  it("fills a chord's empty body and a map's empty task, and uses the root rule at the top", () => {
    const chord = fromCanvasDict(chordOf([sig("add", [1, 1])], null));
    expect(insertionTarget(chord.root, "n1")).toEqual({ parent: "n1", slot: "body" });
    const empty = fromCanvasDict(chordOf([], null));
    expect(insertionTarget(empty.root, "n1")).toEqual({ parent: "n1", slot: "header" });
    const map = fromCanvasDict(mapOf("xmap", sig("xsum"), []));
    expect(insertionTarget(map.root, "n1")).toEqual({ parent: "root" });
    expect(insertionTarget(map.root, "n2")).toEqual({ parent: "root" });
    let m = applyEdit(map, { type: "remove", id: "n2" });
    expect(insertionTarget(m.root, "n1")).toEqual({ parent: "n1", slot: "inner" });
    m = applyEdit(m, {
      type: "insert",
      node: { kind: "task", task: "t.x" },
      target: insertionTarget(m.root, "n1"),
    });
    expect(
      (toCanvasDict(m.root) as unknown as { kwargs: { task: unknown } }).kwargs.task,
    ).toMatchObject({
      task: "t.x",
    });
  });
});

describe("selection steps and keyboard moves", () => {
  const s = fromCanvasDict(CANVAS);

  it("walk the document order, up to the parent and down to the first member", () => {
    const order = documentOrder(s.root);
    expect(order.length).toBe(8);
    expect(stepSelection(s.root, null, "next")).toBe(order[0]);
    expect(stepSelection(s.root, order[0] as string, "previous")).toBe(order[0]);
    expect(stepSelection(s.root, order[1] as string, "next")).toBe(order[2]);
    expect(stepSelection(s.root, order[7] as string, "next")).toBe(order[7]);
    expect(stepSelection(s.root, idAt(s, "chain.tasks[1].tasks[0]"), "parent")).toBe(
      idAt(s, "chain.tasks[1]"),
    );
    expect(stepSelection(s.root, idAt(s, "chain"), "parent")).toBe(idAt(s, "chain"));
    expect(stepSelection(s.root, idAt(s, "chain.tasks[2]"), "first-child")).toBe(
      idAt(s, "chain.tasks[2].header[0]"),
    );
    expect(stepSelection(s.root, idAt(s, "chain.tasks[0]"), "first-child")).toBe(
      idAt(s, "chain.tasks[0]"),
    );
    expect(stepSelection(s.root, order[3] as string, "last")).toBe(order[7]);
    expect(stepSelection(s.root, order[3] as string, "first")).toBe(order[0]);
    expect(stepSelection(null, null, "next")).toBeNull();
  });

  it("move a node one place within its list", () => {
    const first = idAt(s, "chain.tasks[0]");
    const down = moveByOne(s.root, first, 1);
    expect(down).not.toBeNull();
    const moved = applyEdit(s, down as never);
    expect(idAt(moved, "chain.tasks[1]")).toBe(first);
    const up = moveByOne(moved.root, first, -1);
    expect(idAt(applyEdit(moved, up as never), "chain.tasks[0]")).toBe(first);
    expect(moveByOne(s.root, first, -1)).toBeNull();
    expect(moveByOne(s.root, idAt(s, "chain.tasks[2]"), 1)).toBeNull();
    expect(moveByOne(s.root, idAt(s, "chain.tasks[2].body"), -1)).toBeNull();
    expect(moveByOne(s.root, idAt(s, "chain"), 1)).toBeNull();
  });
});

describe("custom node slots", () => {
  // chain(add(1, 1), weave(xsum, n=2, join=None))
  const s = fromCanvasDict(chainOf(sig("add", [1, 1]), weaveOf(sig("xsum"), null, 2)), 1, [WEAVE]);
  const weave = idAt(s, "chain.tasks[1]");

  it("take drops like the other single slots: into them, never beside their node", () => {
    expect(dropTargetFor(s.root, { type: "slot", parent: weave, slot: "kwargs.join" })).toEqual({
      parent: weave,
      slot: "kwargs.join",
    });
    const task = idAt(s, "chain.tasks[1].task");
    expect(dropTargetFor(s.root, { type: "node", id: task, edge: "after" })).toBeNull();
    expect(dropAxis(s.root, task)).toBeNull();
    expect(dropAxis(s.root, weave)).toBe("row");
    expect(moveByOne(s.root, task, 1)).toBeNull();
  });

  it("get a keyboard insertion into the first empty one, else after the node", () => {
    expect(insertionTarget(s.root, weave)).toEqual({ parent: weave, slot: "kwargs.join" });
    const full = applyEdit(s, {
      type: "insert",
      node: { kind: "task", task: "t.tsum" },
      target: insertionTarget(s.root, weave),
    });
    expect(names(full)).toBe("chain add weave xsum tsum");
    expect(insertionTarget(full.root, weave)).toEqual({
      parent: idAt(s, "chain"),
      slot: "children",
      index: 2,
    });
    // From inside a slot: after the custom node, in the chain around it.
    expect(insertionTarget(full.root, idAt(full, "chain.tasks[1].join"))).toEqual({
      parent: idAt(s, "chain"),
      slot: "children",
      index: 2,
    });
  });

  it("are walked in order by the selection keys", () => {
    expect(stepSelection(s.root, weave, "first-child")).toBe(idAt(s, "chain.tasks[1].task"));
    expect(stepSelection(s.root, idAt(s, "chain.tasks[1].task"), "parent")).toBe(weave);
    expect(documentOrder(s.root)).toEqual(["n1", "n2", "n3", "n4"]);
  });
});
