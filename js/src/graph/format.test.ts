import { describe, expect, it } from "vitest";
import { formatCount, plural } from "./format";

describe("formatCount", () => {
  it("writes integers as toLocaleString('en') does", () => {
    for (const n of [
      0, 1, 12, 999, 1000, 1001, 12_345, 999_999, 1_000_000, 123_456_789, -1, -1234,
    ]) {
      expect(formatCount(n)).toBe(n.toLocaleString("en"));
    }
    expect(formatCount(10_000)).toBe("10,000");
  });

  it("leaves other numbers to Intl", () => {
    expect(formatCount(1234.5)).toBe((1234.5).toLocaleString("en"));
  });
});

describe("plural", () => {
  it("counts a word", () => {
    expect(plural(1, "task")).toBe("1 task");
    expect(plural(0, "task")).toBe("0 tasks");
    expect(plural(10_000, "task")).toBe("10,000 tasks");
  });
});
