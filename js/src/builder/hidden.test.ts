import { describe, expect, it } from "vitest";
import type { CanvasDict } from "../shared/canvas";
import { callText } from "./canvas-view";
import { callArgsText, hiddenText, itemsText, unhide } from "./hidden";
import {
  applyEdit,
  type ChunksNode,
  EditError,
  fromCanvasDict,
  type MapNode,
  type TaskNode,
  toCanvasDict,
} from "./state";

// As Python sends a task whose kwargs are hidden (kwargsrepr): empty, with a token.
const PAY = {
  task: "shop.pay",
  args: [7],
  kwargs: {},
  options: { kwargsrepr: "{'card': '****'}", cw_hidden: { kwargs: "tok-1" } },
  subtask_type: null,
  immutable: false,
};
const SECRET_ARGS = {
  ...PAY,
  args: [],
  kwargs: { note: "x" },
  options: { argsrepr: "('****', 2)", cw_hidden: { args: "tok-2" } },
};

describe("hidden arguments", () => {
  it("are shown as their repr text, the rest as values", () => {
    expect(callArgsText(PAY)).toBe("7, **{'card': '****'}");
    expect(callArgsText(SECRET_ARGS)).toBe("'****', 2, note='x'");
    expect(hiddenText(PAY.options, "kwargs")).toBe("{'card': '****'}");
    expect(hiddenText(PAY.options, "args")).toBeNull();
    // An argsrepr with no token hides nothing the browser holds: the values are shown.
    expect(callArgsText({ args: [1], kwargs: {}, options: { argsrepr: "()" } })).toBe("1");
  });

  it("keep their token through a move and a wrap, so Python puts the values back", () => {
    const chain = {
      task: "celery.chain",
      args: [],
      kwargs: { tasks: [PAY, { ...PAY, options: { cw_hidden: { kwargs: "tok-3" } } }] },
      options: {},
      subtask_type: "chain",
      immutable: false,
    } as unknown as CanvasDict;
    let s = fromCanvasDict(chain);
    const root = s.root as { children: TaskNode[] };
    const [first, second] = root.children as [TaskNode, TaskNode];
    s = applyEdit(s, { type: "move", id: first.id, target: { parent: "n1", index: 2 } });
    s = applyEdit(s, { type: "wrap", ids: [second.id], kind: "group" });
    const out = JSON.stringify(toCanvasDict(s.root));
    expect(out).toContain('"cw_hidden":{"kwargs":"tok-1"}');
    expect(out).toContain('"cw_hidden":{"kwargs":"tok-3"}');
    expect(callText(first)).toBe("pay.s(7, **{'card': '****'})");
  });

  it("cannot be edited, only replaced, which drops the token and the repr", () => {
    const s = fromCanvasDict(PAY as unknown as CanvasDict);
    const id = (s.root as TaskNode).id;
    expect(() =>
      applyEdit(s, { type: "updateTask", id, changes: { kwargs: { card: "1" } } }),
    ).toThrow(EditError);
    const options = unhide((s.root as TaskNode).options, "kwargs");
    expect(options).toEqual({});
    const replaced = applyEdit(s, {
      type: "updateTask",
      id,
      changes: { kwargs: { card: "1" }, options },
    });
    expect((replaced.root as TaskNode).kwargs).toEqual({ card: "1" });
    // One field replaced, the other still hidden.
    const both = { args: "a", kwargs: "b" };
    expect(unhide({ argsrepr: "()", kwargsrepr: "{}", cw_hidden: both }, "args")).toEqual({
      kwargsrepr: "{}",
      cw_hidden: { kwargs: "b" },
    });
  });
});

// As Python sends a map and a chunks whose items are hidden (argsrepr): no items, a token.
const INNER = { ...PAY, task: "demo.xsum", args: [], options: {} };
const MAP = {
  task: "celery.map",
  args: [],
  kwargs: { task: INNER, it: [] },
  options: { argsrepr: "['***']", cw_hidden: { it: "tok-4" } },
  subtask_type: "xmap",
  immutable: true,
};
const CHUNKS = {
  ...MAP,
  task: "celery.chunks",
  kwargs: { task: INNER, it: [], n: 2 },
  options: { kwargsrepr: "{'it': '***'}", cw_hidden: { it: "tok-5" } },
  subtask_type: "chunks",
};

describe("hidden items of a map, starmap or chunks", () => {
  it("are shown as their repr text, never as an empty list", () => {
    const map = fromCanvasDict(MAP as unknown as CanvasDict).root as MapNode;
    expect(itemsText(map)).toEqual({ meta: "hidden items", items: "['***']", hidden: true });
    const chunks = fromCanvasDict(CHUNKS as unknown as CanvasDict).root as ChunksNode;
    expect(itemsText(chunks)).toEqual({
      meta: "hidden items in chunks of 2",
      items: "{'it': '***'}",
      hidden: true,
    });
    // Items not hidden (an argsrepr without a token hides nothing the browser holds): as they are.
    const shown = { ...map, it: [[1], [2]], options: { argsrepr: "['***']" } };
    expect(itemsText(shown)).toEqual({ meta: "2 items", items: "[[1], [2]]", hidden: false });
  });

  it("keep their token through the round trip, and can be replaced, not edited", () => {
    const s = fromCanvasDict(CHUNKS as unknown as CanvasDict);
    expect(toCanvasDict(s.root)).toEqual(CHUNKS);
    const id = (s.root as ChunksNode).id;
    expect(() => applyEdit(s, { type: "setIterable", id, it: [[1, 2]] })).toThrow(EditError);
    // The chunk size is not hidden.
    expect((applyEdit(s, { type: "setIterable", id, n: 3 }).root as ChunksNode).n).toBe(3);
    const options = unhide((s.root as ChunksNode).options, "it");
    expect(options).toEqual({});
    const replaced = applyEdit(s, { type: "setIterable", id, it: [], options });
    const node = replaced.root as ChunksNode;
    expect(itemsText(node)).toEqual({ meta: "0 items in chunks of 2", items: "[]", hidden: false });
    const typed = applyEdit(replaced, { type: "setIterable", id, it: [[1, 2]] });
    expect((typed.root as ChunksNode).it).toEqual([[1, 2]]);
    // Both reprs stand for the items: replacing drops both.
    expect(
      unhide({ argsrepr: "a", kwargsrepr: "b", cw_hidden: { it: "t" }, queue: "q" }, "it"),
    ).toEqual({
      queue: "q",
    });
  });
});
