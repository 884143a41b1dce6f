/**
 * Numbers as the view shows them: `10,000 tasks`, `3/1,000 done`.
 *
 * Written out by hand rather than with `toLocaleString("en")`: the first call of that sets up the
 * browser's Intl machinery, which cost 15–20 ms of the result graph's first paint. Pure, no DOM.
 */

/** An integer with thousands separated by commas, as `toLocaleString("en")` writes it. */
export function formatCount(n: number): string {
  if (!Number.isInteger(n)) return n.toLocaleString("en"); // not a count: leave it to Intl
  const digits = String(Math.abs(n));
  let out = digits.length > 3 ? "" : digits;
  if (out === "") {
    const head = digits.length % 3 || 3;
    out = digits.slice(0, head);
    for (let i = head; i < digits.length; i += 3) out += `,${digits.slice(i, i + 3)}`;
  }
  return n < 0 ? `-${out}` : out;
}

/** `1 task`, `10,000 tasks`. */
export const plural = (n: number, word: string): string =>
  `${formatCount(n)} ${word}${n === 1 ? "" : "s"}`;
