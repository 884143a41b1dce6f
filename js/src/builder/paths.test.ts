import { describe, expect, it } from "vitest";
import {
  HEADER,
  leadingArguments,
  nodeAtPath,
  nodePaths,
  PREVIOUS,
  type Problem,
  problemsByNode,
  worstSeverity,
} from "./paths";
import { type BuilderNode, findNode, fromCanvasDict, subtreeIds } from "./state";
import { chainOf, chordOf, groupOf, mapOf, sig, WEAVE, weaveOf } from "./testing";

// chain(add(1, 1), chord([mul(2), chain(add(1), mul(3))], chord([add(1, 1), xsum.map([[1]])],
// tsum.s().set(link=[mul.s(2)])))): the canvas whose paths Python's iter_tasks gives as
// chain.tasks[0], chain.tasks[1].header[0], chain.tasks[1].header[1].tasks[0], ...
const NESTED = chainOf(
  sig("add", [1, 1]),
  chordOf(
    [sig("mul", [2]), chainOf(sig("add", [1]), sig("mul", [3]))],
    chordOf(
      [sig("add", [1, 1]), mapOf("xmap", sig("xsum"), [[1]])],
      sig("tsum", [], { options: { link: [sig("mul", [2])] } }),
    ),
  ),
);

function byPath(root: BuilderNode | null): Map<string, BuilderNode> {
  const out = new Map<string, BuilderNode>();
  for (const [id, path] of nodePaths(root)) out.set(path, findNode(root, id) as BuilderNode);
  return out;
}

describe("node paths", () => {
  it("name every node as the Python side does", () => {
    const { root } = fromCanvasDict(NESTED);
    const paths = [...nodePaths(root).values()];
    expect(paths).toEqual([
      "chain",
      "chain.tasks[0]",
      "chain.tasks[1]",
      "chain.tasks[1].header[0]",
      "chain.tasks[1].header[1]",
      "chain.tasks[1].header[1].tasks[0]",
      "chain.tasks[1].header[1].tasks[1]",
      "chain.tasks[1].body",
      "chain.tasks[1].body.header[0]",
      "chain.tasks[1].body.header[1]",
      "chain.tasks[1].body.header[1].task",
      "chain.tasks[1].body.body",
    ]);
    expect(paths.length).toBe(subtreeIds(root as BuilderNode).length);
  });

  it("name the root by its kind", () => {
    const roots: [unknown, string][] = [
      [sig("add", [1, 1]), "task"],
      [groupOf(), "group"],
      [chordOf([], null), "chord"],
      [mapOf("xmap", sig("xsum"), []), "map"],
      [mapOf("xstarmap", sig("add"), []), "starmap"],
    ];
    for (const [d, name] of roots) {
      const { root } = fromCanvasDict(d as never);
      expect(nodePaths(root).get((root as BuilderNode).id)).toBe(name);
    }
  });

  it("find the node a path points into, at segment boundaries only", () => {
    const tasks = Array.from({ length: 12 }, (_, i) => sig("add", [i, i]));
    const { root } = fromCanvasDict(groupOf(...tasks));
    const paths = nodePaths(root);
    const nodes = byPath(root);
    expect(nodeAtPath(paths, "group.tasks[1]")).toEqual({
      id: nodes.get("group.tasks[1]")?.id,
      rest: "",
    });
    expect(nodeAtPath(paths, "group.tasks[10]")?.id).toBe(nodes.get("group.tasks[10]")?.id);
    expect(nodeAtPath(paths, "group.tasks[1].options.link[0]")).toEqual({
      id: nodes.get("group.tasks[1]")?.id,
      rest: ".options.link[0]",
    });
    expect(nodeAtPath(paths, "group.kwargs")?.id).toBe((root as BuilderNode).id);
    expect(nodeAtPath(paths, "groupie")).toBeNull();
    expect(nodeAtPath(paths, "canvas")).toBeNull();
  });
});

describe("problems on nodes", () => {
  it("go to the node they concern, callbacks and slots to their owner", () => {
    const { root } = fromCanvasDict(NESTED);
    const nodes = byPath(root);
    const problems: Problem[] = [
      { path: "chain.tasks[1].body.header[0]", severity: "error", message: "arity", code: "arity" },
      { path: "chain.tasks[1].body", severity: "warning", message: "nested", code: "nested-chord" },
      {
        path: "chain.tasks[1].body.body.options.link[0]",
        severity: "error",
        message: "unknown",
        code: "unknown-task",
      },
      { path: "chain.tasks[1].body.header[1].it", severity: "warning", message: "e", code: "x" },
      { path: "canvas", severity: "error", message: "malformed", code: "malformed" },
    ];
    const { byNode, unplaced } = problemsByNode(root, problems);
    const at = (path: string) => byNode.get(nodes.get(path)?.id as string)?.map((p) => p.code);
    expect(at("chain.tasks[1].body.header[0]")).toEqual(["arity"]);
    expect(at("chain.tasks[1].body")).toEqual(["nested-chord"]);
    expect(at("chain.tasks[1].body.body")).toEqual(["unknown-task"]);
    expect(at("chain.tasks[1].body.header[1]")).toEqual(["x"]);
    expect(unplaced.map((p) => p.code)).toEqual(["malformed"]);
    expect(worstSeverity(problems.slice(1, 2))).toBe("warning");
    expect(worstSeverity(problems)).toBe("error");
    expect(worstSeverity(undefined)).toBeNull();
  });
});

describe("leading arguments", () => {
  it("mirror what Celery passes: previous result, header results, nothing for .si", () => {
    const { root } = fromCanvasDict(NESTED);
    const nodes = byPath(root);
    const lead = (path: string) => leadingArguments(root, nodes.get(path)?.id as string);
    expect(lead("chain.tasks[0]")).toBeNull();
    // The chord is the chain's second step: its header members get the previous result.
    expect(lead("chain.tasks[1].header[0]")).toEqual({ count: 1, what: PREVIOUS });
    // Inside the header's chain, the first step gets what the chain gets, the next its result.
    expect(lead("chain.tasks[1].header[1].tasks[0]")?.what).toBe(PREVIOUS);
    expect(lead("chain.tasks[1].header[1].tasks[1]")?.what).toBe(PREVIOUS);
    // The inner chord is the outer chord's body: its header gets the header results.
    expect(lead("chain.tasks[1].body.header[0]")?.what).toBe(HEADER);
    expect(lead("chain.tasks[1].body.body")?.what).toBe(HEADER);
    expect(lead("chain.tasks[1].body.header[1].task")).toEqual({ count: 1, what: "each item" });

    const si = fromCanvasDict(chainOf(sig("add", [1, 1]), sig("mul", [2, 2], { immutable: true })));
    const second = byPath(si.root).get("chain.tasks[1]") as BuilderNode;
    expect(leadingArguments(si.root, second.id)).toBeNull();

    const star = fromCanvasDict(mapOf("xstarmap", sig("add"), [[1, 2]]));
    const inner = byPath(star.root).get("starmap.task") as BuilderNode;
    expect(leadingArguments(star.root, inner.id)).toEqual({
      count: 2,
      what: "the 2 values of each item",
    });
    expect(leadingArguments(null, "n1")).toBeNull();
  });
});

describe("custom signature types", () => {
  // chain(add(1), weave(chain(xsum, mul(2)), n=2, join=weave(xsum, n=3))): slots are `.task`,
  // `.join` after the weave's path, like map's inner task.
  const WOVEN = chainOf(
    sig("add", [1]),
    weaveOf(chainOf(sig("xsum"), sig("mul", [2])), null, 2, weaveOf(sig("xsum"), null, 3, null)),
  );

  it("name a custom root by its type, and slot children by their kwarg", () => {
    const { root } = fromCanvasDict(WOVEN, 1, [WEAVE]);
    expect([...nodePaths(root).values()]).toEqual([
      "chain",
      "chain.tasks[0]",
      "chain.tasks[1]",
      "chain.tasks[1].task",
      "chain.tasks[1].task.tasks[0]",
      "chain.tasks[1].task.tasks[1]",
      "chain.tasks[1].join",
      "chain.tasks[1].join.task",
    ]);
    const lone = fromCanvasDict(weaveOf(sig("xsum"), [1, 2], 1, sig("tsum")), 1, [WEAVE]);
    expect([...nodePaths(lone.root).values()]).toEqual(["weave", "weave.task", "weave.join"]);
  });

  it("place problems on the block their path names", () => {
    const { root } = fromCanvasDict(WOVEN, 1, [WEAVE]);
    const nodes = byPath(root);
    const problems: Problem[] = [
      { path: "chain.tasks[1].join", severity: "error", message: "m", code: "a" },
      { path: "chain.tasks[1].join.task", severity: "warning", message: "m", code: "b" },
      { path: "chain.tasks[1].task.tasks[1]", severity: "error", message: "m", code: "c" },
      { path: "chain.tasks[1].kwargs.n", severity: "error", message: "m", code: "d" },
    ];
    const { byNode, unplaced } = problemsByNode(root, problems);
    const at = (path: string) => byNode.get(nodes.get(path)?.id as string)?.map((p) => p.code);
    expect(at("chain.tasks[1].join")).toEqual(["a"]);
    expect(at("chain.tasks[1].join.task")).toEqual(["b"]);
    expect(at("chain.tasks[1].task.tasks[1]")).toEqual(["c"]);
    expect(at("chain.tasks[1]")).toEqual(["d"]);
    expect(unplaced).toEqual([]);
    expect(nodeAtPath(nodePaths(root), "chain.tasks[1].joiner")?.id).toBe(
      nodes.get("chain.tasks[1]")?.id,
    );
  });

  it("leave what a custom node passes into its slots to its type", () => {
    const { root } = fromCanvasDict(WOVEN, 1, [WEAVE]);
    const nodes = byPath(root);
    const lead = (path: string) => leadingArguments(root, nodes.get(path)?.id as string);
    expect(lead("chain.tasks[1].task.tasks[0]")).toBeNull();
    // Inside a slot, a chain still passes each step's result on.
    expect(lead("chain.tasks[1].task.tasks[1]")?.what).toBe(PREVIOUS);
    expect(lead("chain.tasks[1].join.task")).toBeNull();
  });
});
