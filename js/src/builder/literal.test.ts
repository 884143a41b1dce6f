import { describe, expect, it } from "vitest";
import {
  formatArgs,
  formatKwargs,
  formatLiteral,
  inexactNumber,
  isIsoMoment,
  LiteralError,
  parseArgs,
  parseKwargs,
  parseLiteral,
  pythonString,
} from "./literal";

describe("parseLiteral", () => {
  it("reads JSON", () => {
    expect(parseLiteral('{"a": [1, 2.5, -3e2, "x", true, false, null], "b": {}}')).toEqual({
      a: [1, 2.5, -300, "x", true, false, null],
      b: {},
    });
  });

  it("reads Python literals: keywords, quotes, tuples, trailing commas, underscores, hex", () => {
    expect(parseLiteral("(True, False, None)")).toEqual([true, false, null]);
    expect(parseLiteral("'it' 's'")).toBe("its");
    expect(() => parseLiteral("'it''s'x")).toThrow(LiteralError);
    expect(parseLiteral("'a\\'b'")).toBe("a'b");
    expect(parseLiteral("(1,)")).toEqual([1]);
    expect(parseLiteral("()")).toEqual([]);
    expect(parseLiteral("(1)")).toBe(1);
    expect(parseLiteral("[1, 2,]")).toEqual([1, 2]);
    expect(parseLiteral("{'k': (1, 2),}")).toEqual({ k: [1, 2] });
    expect(parseLiteral("1_000")).toBe(1000);
    expect(parseLiteral("0x1f")).toBe(31);
    expect(parseLiteral("-.5")).toBe(-0.5);
    expect(parseLiteral("5.")).toBe(5);
    expect(parseLiteral("+7")).toBe(7);
    expect(parseLiteral('u"x"')).toBe("x");
    expect(parseLiteral('"""two\nlines"""')).toBe("two\nlines");
    expect(parseLiteral("'\\x41\\u00e9\\U0001F600\\n'")).toBe("Aé😀\n");
    expect(parseLiteral("[1, 2]  # a comment")).toEqual([1, 2]);
  });

  it("never evaluates: names, calls, operators and the like are refused, saying where", () => {
    for (const text of [
      "__import__('os')",
      "os.system('x')",
      "1 + 1",
      "x",
      "lambda: 1",
      "[1, 2",
      "{1: 2}",
      "{'a' 1}",
      "b'x'",
      "f'{x}'",
      "nan",
      "inf",
      "set()",
      "{1, 2}",
      "'unterminated",
      "007",
      "1__0",
      "9007199254740993",
      "'\\q'",
      "",
    ]) {
      expect(() => parseLiteral(text), text).toThrow(LiteralError);
    }
    expect(() => parseLiteral("[1, 2 x]")).toThrow(/at character 7/);
    // Python's set: JSON has none; said so, not that its "keys" must be strings.
    expect(() => parseLiteral("{1, 2}")).toThrow(
      "a set cannot be sent as JSON: use a list, [1, 2] at character 1",
    );
    expect(() => parseLiteral("[{'a'}]")).toThrow(/a set cannot be sent as JSON.* at character 2/);
    expect(() => parseLiteral("{1: 2}")).toThrow(/dict keys must be strings/);
  });

  it("refuses a float the browser would send as another number, and keeps the rest", () => {
    // JSON.stringify(1e20) is "100000000000000000000": Python would get that integer, not 1e20.
    for (const text of ["1e20", "-2.5e17", "9007199254740993.0", "[1, 1e16]"]) {
      expect(() => parseLiteral(text), text).toThrow(/cannot be sent exactly/);
    }
    // From 1e21, JSON writes an exponent (a float in Python); below 2**53, the number itself.
    expect(parseLiteral("1e21")).toBe(1e21);
    expect(parseLiteral("1.5e300")).toBe(1.5e300);
    expect(parseLiteral("9007199254740991.0")).toBe(9007199254740991);
    expect(parseLiteral("2.5e10")).toBe(25000000000);
    expect(inexactNumber(Number("12345678901234567890"))).toMatch(/set it from Python/);
    expect(inexactNumber(0.5)).toBeNull();
  });

  it("keeps __proto__ a plain key", () => {
    const value = parseLiteral('{"__proto__": {"polluted": 1}}') as Record<string, unknown>;
    expect(Object.keys(value)).toEqual(["__proto__"]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe("arguments", () => {
  it("reads args as written inside a call", () => {
    expect(parseArgs("")).toEqual([]);
    expect(parseArgs("  ")).toEqual([]);
    expect(parseArgs("2, 2")).toEqual([2, 2]);
    expect(parseArgs("[1, 2, 3]")).toEqual([[1, 2, 3]]);
    expect(parseArgs("0, '<img src=x>',")).toEqual([0, "<img src=x>"]);
    expect(() => parseArgs("1 2")).toThrow(/expected "," between arguments/);
  });

  it("reads kwargs as name=value or as a dict", () => {
    expect(parseKwargs("")).toEqual({});
    expect(parseKwargs("y=2, name='x'")).toEqual({ y: 2, name: "x" });
    expect(parseKwargs('{"y": 2}')).toEqual({ y: 2 });
    expect(() => parseKwargs("y=1, y=2")).toThrow(/given twice/);
    expect(() => parseKwargs("2")).toThrow(/name=value/);
  });

  it("writes strings as Python's repr does, joiners of emoji kept", () => {
    // Each pair: a string, and display.display_repr of it in the kernel (Python 3.11).
    const reprs: [string, string][] = [
      ["a", "'a'"],
      ["it's", `"it's"`],
      ['say "hi"', `'say "hi"'`],
      [`both ' and "`, `'both \\' and "'`],
      ["tab\there\nnew\\", "'tab\\there\\nnew\\\\'"],
      ["a\u202eb", "'a\\u202eb'"],
      ["\u0000\u007f\u0085", "'\\x00\\x7f\\x85'"],
      ["\u00a0nb", "'\\xa0nb'"],
      ["\u2028", "'\\u2028'"],
      ["\ud83d\udc69\u200d\ud83d\udcbb", "'\ud83d\udc69\u200d\ud83d\udcbb'"],
      ["\ue000", "'\\ue000'"],
      ["\udb40\udc01", "'\\U000e0001'"],
      ["\u00e9\ud83d\ude00", "'\u00e9\ud83d\ude00'"],
      ["\ud800", "'\\ud800'"],
    ];
    for (const [text, repr] of reprs) {
      expect(pythonString(text)).toBe(repr);
      expect(parseLiteral(repr)).toBe(text);
    }
  });

  it("writes what it reads back", () => {
    const values = [null, true, false, 0, -2.5, "a\"b'\n", [1, [2]], { k: [null, "v"] }];
    for (const v of values) expect(parseLiteral(formatLiteral(v))).toEqual(v);
    expect(formatLiteral({ a: [true, null] })).toBe("{'a': [True, None]}");
    expect(formatArgs([2, "x", [1]])).toBe("2, 'x', [1]");
    expect(parseArgs(formatArgs([2, "x", [1]]))).toEqual([2, "x", [1]]);
    expect(formatKwargs({ y: 2, z: null })).toBe("y=2, z=None");
    expect(formatKwargs({ "not a name": 1 })).toBe("{'not a name': 1}");
    expect(formatKwargs({ class: 1 })).toBe("{'class': 1}");
    expect(parseKwargs(formatKwargs({ "not a name": 1 }))).toEqual({ "not a name": 1 });
  });
});

describe("isIsoMoment", () => {
  it("takes what Celery's workers parse, not what Date.parse alone takes", () => {
    for (const text of [
      "2030-01-01",
      "2030-01-01T12:00",
      "2030-01-01 12:00:00.5+02:00",
      "2030-01-01T12:00:00Z",
    ]) {
      expect(isIsoMoment(text)).toBe(true);
    }
    for (const text of ["Jan 1 2030", "tomorrow", "2030-13-01", "12:00", ""]) {
      expect(isIsoMoment(text)).toBe(false);
    }
  });
});
