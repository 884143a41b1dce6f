import { describe, expect, it } from "vitest";
import { clip } from "./dom";

const FSI = "\u2068";
const PDI = "\u2069";

describe("clip", () => {
  it("cuts to max characters with an ellipsis", () => {
    expect(clip("abcdef", 4)).toBe("abc…");
    expect(clip("abc", 4)).toBe("abc");
  });

  it("does not count isolates, and closes the ones a cut leaves open", () => {
    const label = `${FSI}تحية${PDI}(${FSI}'عالم'${PDI})`; // 12 characters seen
    expect(clip(label, 12)).toBe(label);
    expect(clip(label, 8)).toBe(`${FSI}تحية${PDI}(${FSI}'ع…${PDI}`);
    expect(clip(label, 3)).toBe(`${FSI}تح…${PDI}`);
  });
});
