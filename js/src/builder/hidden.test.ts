import { describe, expect, it } from "vitest";
import type { CanvasDict } from "../shared/canvas";
import { callText } from "./canvas-view";
import { callArgsText, hiddenText, unhide } from "./hidden";
import { applyEdit, EditError, fromCanvasDict, type TaskNode, toCanvasDict } from "./state";

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
    expect(callArgsText(SECRET_ARGS)).toBe("'****', 2, note=\"x\"");
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
