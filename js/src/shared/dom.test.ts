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

  it("never cuts a character in half, nor what shows as one", () => {
    const coder = "👩\u200d💻"; // woman, joiner, laptop: one on screen
    expect(clip(`ab${coder}cd`, 4)).toBe("ab…"); // the joined pair goes whole or not at all
    expect(clip(`ab${coder}cd`, 6)).toBe(`ab${coder}…`); // three code points, as Python counts
    expect(clip("😀😀😀😀", 3)).toBe("😀😀…"); // code points, not UTF-16 halves
    expect(clip("e\u0301e\u0301e\u0301", 4)).toBe("e\u0301…"); // an accent stays on its letter
    for (let max = 2; max < 12; max += 1) {
      // Every cut encodes: a lone half of a pair made encodeURIComponent throw (PNG export).
      expect(() => encodeURIComponent(clip(`x${coder}👨\u200d👩\u200d👧🙂`, max))).not.toThrow();
    }
  });
});
