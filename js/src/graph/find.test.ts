import { describe, expect, it } from "vitest";
import { findTasks, stepThrough } from "./find";
import { chordPayload, task } from "./testing";

const nodes = [
  ...chordPayload(3).nodes,
  {
    ...task("7f3c-9a", "chord.body.options.link_error[0]", "chord", "demo.fail"),
    label: "fail('x')",
  },
];
const states = new Map([
  ["h0", "SUCCESS"],
  ["h1", "FAILURE"],
  ["7f3c-9a", "FAILURE"],
]);

describe("findTasks", () => {
  it("finds a task by its id or the start of it", () => {
    expect(findTasks("7f3c-9a", nodes, states)).toEqual(["7f3c-9a"]);
    expect(findTasks("  7f3c ", nodes, states)).toEqual(["7f3c-9a"]);
    expect(findTasks("9a", nodes, states)).toEqual([]); // an id is matched from its start
  });

  it("finds the task a worker's log line names", () => {
    const line = "Task demo.fail[7f3c-9a] raised unexpected: ValueError('x')";
    expect(findTasks(line, nodes, states)).toEqual(["7f3c-9a"]);
    expect(findTasks("fail[h1]", nodes, states)).toEqual(["h1"]);
    expect(findTasks("[x]", nodes, states)).toEqual([]); // not an id: a label holds no "[x]"
  });

  it("finds tasks by name or label, in any case, in canvas order", () => {
    expect(findTasks("ADD", nodes, states)).toEqual(["h0", "h1", "h2"]);
    expect(findTasks("demo.tsum", nodes, states)).toEqual(["body"]);
    expect(findTasks("('x')", nodes, states)).toEqual(["7f3c-9a"]);
  });

  it("finds a right-to-left label as typed, without the isolates it is drawn with", () => {
    const greet = {
      ...task("g1", "group.tasks[0]", "group", "demo.تحية"),
      label: "\u2068تحية\u2069(\u2066'عالم'\u2069)",
    };
    expect(findTasks("تحية('عالم", [greet], new Map())).toEqual(["g1"]);
  });

  it("finds the tasks in a state named by the query, PENDING for those not moved yet", () => {
    expect(findTasks("failure", nodes, states)).toEqual(["h1", "7f3c-9a"]);
    expect(findTasks("Pending", nodes, states)).toEqual(["h2", "body"]);
    expect(findTasks("REVOKED", nodes, states)).toEqual([]);
  });

  it("finds the tasks in a state of their own by its name, and with PROGRESS", () => {
    const own = new Map([...states, ["h2", "FETCHING"]]);
    expect(findTasks("fetching", nodes, own)).toEqual(["h2"]);
    expect(findTasks("progress", nodes, own)).toEqual(["h2"]);
    expect(findTasks("fetch", nodes, own)).toEqual([]); // not a state: names and labels
  });

  it("finds nothing for a blank query", () => {
    expect(findTasks("   ", nodes, states)).toEqual([]);
  });
});

describe("stepThrough", () => {
  const matches = ["a", "b", "c"];

  it("goes to the next match and wraps around", () => {
    expect(stepThrough(matches, null)).toBe("a");
    expect(stepThrough(matches, "a")).toBe("b");
    expect(stepThrough(matches, "c")).toBe("a");
  });

  it("goes backwards on request", () => {
    expect(stepThrough(matches, null, true)).toBe("c");
    expect(stepThrough(matches, "a", true)).toBe("c");
    expect(stepThrough(matches, "b", true)).toBe("a");
  });

  it("starts over from a task that is not a match, and has nothing to give when none match", () => {
    expect(stepThrough(matches, "z")).toBe("a");
    expect(stepThrough([], "a")).toBeNull();
  });
});
