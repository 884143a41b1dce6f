import { describe, expect, it } from "vitest";
import { arrangement, layoutScene, NODE_H, NODE_W, STAGE_BORDER, stageWidthIn } from "./layout";
import type { GraphPayload } from "./model";
import {
  buildScene,
  containerKey,
  drawOrder,
  ownerOf,
  ROOT_KEY,
  type SceneItem,
  summaryKey,
} from "./scene";
import { chainOfChordPayload, chordPayload, groupPayload, task } from "./testing";

const at = (scene: ReturnType<typeof buildScene>, key: string) => scene.items.get(key) as SceneItem;

describe("buildScene", () => {
  it("names a box by its container's label, keeping Celery's kind for how it is drawn", () => {
    const payload = chordPayload(2);
    payload.containers.chord = { kind: "chord", label: "weave", parent: null, id: "body" };
    const scene = buildScene(payload);
    expect(at(scene, "c:chord").containerKind).toBe("chord");
    expect(at(scene, "c:chord").label).toBe("weave");
    expect(at(scene, "c:chord.header").label).toBe("header"); // no label: its kind
    const summarised = buildScene(groupPayload(60), { summaryThreshold: 50 });
    expect(at(summarised, summaryKey("group")).label).toBe("group");
  });

  it("nests a chord as chord box > header box + body, with one lifted edge", () => {
    const scene = buildScene(chordPayload(3));
    expect(at(scene, ROOT_KEY).children).toEqual(["c:chord"]);
    expect(at(scene, "c:chord").children).toEqual(["c:chord.header", "body"]);
    expect(at(scene, "c:chord.header").children).toEqual(["h0", "h1", "h2"]);
    expect(at(scene, "c:chord").edges).toEqual([
      { source: "c:chord.header", target: "body", kind: "chord" },
    ]);
    expect(at(scene, "c:chord.header").edges).toEqual([]);
    expect(at(scene, "c:chord").taskCount).toBe(4);
    expect(ownerOf(scene, "h1")).toBe("h1");
  });

  it("lifts edges to where their ends meet and keeps canvas order", () => {
    const scene = buildScene(chainOfChordPayload(2));
    const chain = at(scene, "c:chain");
    expect(chain.children).toEqual(["first", "c:chain.tasks[1]"]);
    expect(chain.edges).toEqual([{ source: "first", target: "c:chain.tasks[1]", kind: "chain" }]);
    const chord = at(scene, "c:chain.tasks[1]");
    expect(chord.children).toEqual(["c:chain.tasks[1].header", "last"]);
    expect(chord.edges).toHaveLength(1);
    const member = at(scene, "c:chain.tasks[1].header[0]");
    expect(member.children).toEqual(["a0", "m0"]);
    expect(member.edges).toEqual([{ source: "a0", target: "m0", kind: "chain" }]);
    expect(drawOrder(scene).map((i) => i.key)).toEqual([
      ROOT_KEY,
      "c:chain",
      "first",
      "c:chain.tasks[1]",
      "c:chain.tasks[1].header",
      "c:chain.tasks[1].header[0]",
      "a0",
      "m0",
      "c:chain.tasks[1].header[1]",
      "a1",
      "m1",
      "last",
    ]);
  });

  it("draws a group of more than 200 members as one summary node", () => {
    const scene = buildScene(groupPayload(10_000));
    expect(at(scene, ROOT_KEY).children).toEqual([summaryKey("group")]);
    expect(at(scene, summaryKey("group")).taskCount).toBe(10_000);
    expect(ownerOf(scene, "t9999")).toBe(summaryKey("group"));
    expect(scene.items.size).toBe(2);
    expect(buildScene(groupPayload(200)).items.size).toBe(202);
  });

  it("summarises a big chord header but keeps its body, and the edge between them", () => {
    const scene = buildScene(chordPayload(500));
    expect(at(scene, "c:chord").children).toEqual(["s:chord.header", "body"]);
    expect(at(scene, "c:chord").edges).toEqual([
      { source: "s:chord.header", target: "body", kind: "chord" },
    ]);
  });

  it("summarises the members' insides too, and draws an expanded group in full", () => {
    const scene = buildScene(chainOfChordPayload(300));
    expect(ownerOf(scene, "a7")).toBe("s:chain.tasks[1].header");
    expect(scene.items.has(containerKey("chain.tasks[1].header[7]"))).toBe(false);
    expect(at(scene, "s:chain.tasks[1].header").taskCount).toBe(600);
    const expanded = buildScene(chainOfChordPayload(300), {
      expanded: new Set(["chain.tasks[1].header"]),
    });
    expect(ownerOf(expanded, "a7")).toBe("a7");
  });

  it("never summarises a chain, however long", () => {
    const payload: GraphPayload = {
      run_id: null,
      nodes: Array.from({ length: 300 }, (_, i) => ({
        id: `t${i}`,
        name: "demo.add",
        kind: "task",
        label: "add()",
        path: `chain.tasks[${i}]`,
        container: "chain",
        callback: null,
      })),
      edges: Array.from({ length: 299 }, (_, i) => ({
        source: `t${i}`,
        target: `t${i + 1}`,
        kind: "chain",
      })),
      containers: { chain: { kind: "chain", parent: null, id: "t299" } },
    };
    const scene = buildScene(payload);
    expect(at(scene, "c:chain").children).toHaveLength(300);
    expect(arrangement(at(scene, "c:chain"))).toBe("row");
  });
});

describe("layoutScene", () => {
  it("lays out rows, columns and grids without dagre, and keeps children inside their box", () => {
    const scene = buildScene(chainOfChordPayload(20));
    const layout = layoutScene(scene);
    expect(layout.layeredRuns).toBe(0);
    expect(arrangement(at(scene, "c:chain"))).toBe("row");
    expect(arrangement(at(scene, "c:chain.tasks[1].header"))).toBe("column");
    for (const it of scene.items.values()) {
      const box = layout.boxes.get(it.key);
      expect(box).toBeDefined();
      if (it.parent === null || box === undefined) continue;
      const parent = layout.boxes.get(it.parent);
      if (parent === undefined) throw new Error(`no box for ${it.parent}`);
      expect(box.x).toBeGreaterThanOrEqual(parent.x);
      expect(box.y).toBeGreaterThanOrEqual(parent.y);
      expect(box.x + box.w).toBeLessThanOrEqual(parent.x + parent.w + 1e-6);
      expect(box.y + box.h).toBeLessThanOrEqual(parent.y + parent.h + 1e-6);
    }
    const first = layout.boxes.get("first");
    const chord = layout.boxes.get("c:chain.tasks[1]");
    expect(first?.w).toBe(NODE_W);
    expect(first?.h).toBe(NODE_H);
    expect((first?.x ?? 0) + NODE_W).toBeLessThan(chord?.x ?? 0);
    // The rows' arrows: first -> chord box, header box -> body, and one inside each member;
    // each its own run, as none follows another across a task.
    expect(layout.routes).toHaveLength(0);
    expect(layout.arrows).toHaveLength(2 + 20);
    expect(layout.arrows.every((run) => run.tips.length === 1)).toBe(true);
  });

  it("draws the arrows of a row as one run across its tasks, and breaks it at a box", () => {
    // chain(t0, t1, t2, group(g0, g1), t3, t4)
    const path = (i: number) => `chain.tasks[${i}]`;
    const payload: GraphPayload = {
      run_id: null,
      nodes: [
        ...[0, 1, 2].map((i) => task(`t${i}`, path(i), "chain")),
        task("g0", `${path(3)}.tasks[0]`, path(3)),
        task("g1", `${path(3)}.tasks[1]`, path(3)),
        task("t3", path(4), "chain"),
        task("t4", path(5), "chain"),
      ],
      edges: [
        ["t0", "t1"],
        ["t1", "t2"],
        ["t2", "g0"],
        ["t2", "g1"],
        ["g0", "t3"],
        ["g1", "t3"],
        ["t3", "t4"],
      ].map(([source, target]) => ({ source, target, kind: "chain" }) as GraphPayload["edges"][0]),
      containers: {
        chain: { kind: "chain", parent: null, id: "t4" },
        [path(3)]: { kind: "group", parent: "chain", id: "g" },
      },
    };
    const layout = layoutScene(buildScene(payload));
    const box = (key: string) => layout.boxes.get(key) as { x: number; y: number };
    // t0 -> t1 -> t2 -> group: one line under t1 and t2; group -> t3 -> t4: another.
    expect(layout.arrows).toHaveLength(2);
    const [before, after] = layout.arrows;
    expect(before?.from).toBe(box("t0").x + NODE_W);
    expect(before?.tips).toEqual([box("t1").x, box("t2").x, box("c:chain.tasks[3]").x]);
    expect(after?.tips).toEqual([box("t3").x, box("t4").x]);
    expect(before?.y).toBe(box("t0").y + NODE_H / 2);
  });

  it("draws an errback after its task in a row as a route of its own kind, not a data arrow", () => {
    // chord([add, add], tsum.s().on_error(errback)): header box -> tsum -> errback, one row.
    const payload = chordPayload(2);
    payload.nodes.push({
      ...task("errback", "chord.body.options.link_error[0]", "chord", "demo.on_error"),
      callback: "link_error",
    });
    payload.edges.push({ source: "body", target: "errback", kind: "link_error" });
    const scene = buildScene(payload);
    expect(arrangement(at(scene, "c:chord"))).toBe("row");
    const layout = layoutScene(scene);
    const body = layout.boxes.get("body") as { x: number; y: number };
    const errback = layout.boxes.get("errback") as { x: number; y: number };
    // The data arrow (header box -> tsum) ends at tsum; the errback's is dashed, on its own.
    expect(layout.arrows).toHaveLength(1);
    expect(layout.arrows[0]?.tips).toEqual([body.x]);
    const y = body.y + NODE_H / 2;
    expect(layout.routes).toEqual([
      {
        kind: "link_error",
        points: [
          { x: body.x + NODE_W, y },
          { x: errback.x, y },
        ],
      },
    ]);
  });

  it("puts many single tasks into a grid", () => {
    const scene = buildScene(groupPayload(150));
    expect(arrangement(at(scene, "c:group"))).toBe("grid");
    const layout = layoutScene(scene);
    expect(layout.width).toBeGreaterThan(2 * NODE_W);
    expect(layout.height).toBeLessThan(150 * NODE_H);
  });

  it("lays out a box whose edges fork in layers (dagre), once per shape", () => {
    // A chain whose first step has an error callback beside the next step: a fork.
    const payload = chordPayload(2);
    payload.nodes.push({
      id: "errback",
      name: "demo.fail",
      kind: "task",
      label: "fail()",
      path: "chord.options.link_error[0]",
      container: "chord",
      callback: "link_error",
    });
    payload.edges.push({ source: "body", target: "errback", kind: "link_error" });
    payload.edges.push({ source: "h0", target: "errback", kind: "link_error" });
    const scene = buildScene(payload);
    expect(arrangement(at(scene, "c:chord"))).toBe("layered");
    const layout = layoutScene(scene);
    expect(layout.layeredRuns).toBe(1);
    const body = layout.boxes.get("body");
    const header = layout.boxes.get("c:chord.header");
    expect((header?.x ?? 0) + (header?.w ?? 0)).toBeLessThanOrEqual(body?.x ?? 0);
    expect(layout.routes.some((r) => r.kind === "link_error")).toBe(true);
  });

  it("lays out a summarised 10,000-task chord as three boxes", () => {
    const layout = layoutScene(buildScene(chordPayload(10_000)));
    expect(layout.boxes.size).toBe(4); // top, chord, summary, body
  });
});

describe("stageWidthIn", () => {
  it("is the host's width less the stage's border each side", () => {
    expect(stageWidthIn(1200)).toBe(1200 - 2 * STAGE_BORDER);
  });

  it("is 0 (unknown) for a host not laid out", () => {
    expect(stageWidthIn(0)).toBe(0);
    expect(stageWidthIn(2 * STAGE_BORDER)).toBe(0);
  });
});
