/**
 * A strict reader of JSON and Python literals, for what users type into the inspector, and the
 * matching writer. Nothing is ever evaluated: this is a small recursive-descent parser of a fixed
 * grammar, the subset of Python literals (`ast.literal_eval`'s) that JSON can carry.
 *
 * Accepted: numbers (`1`, `-2.5`, `1e3`, `1_000`, `0x1f`), strings in single or double quotes with
 * Python's escapes, `True`/`False`/`None` (and JSON's `true`/`false`/`null`), lists, tuples (read
 * as lists, as Celery's JSON serializer sends them) and dicts with string keys, with trailing
 * commas. Refused, with a message saying where: anything else (names, calls, operators, sets,
 * bytes, f-strings, `nan`/`inf`, integers JavaScript cannot hold exactly).
 */

/** Text that is not a literal this reader accepts; `position` is the character offset. */
export class LiteralError extends SyntaxError {
  constructor(
    message: string,
    readonly position: number,
  ) {
    super(message);
    this.name = "LiteralError";
  }
}

const KEYWORDS: Record<string, unknown> = {
  True: true,
  False: false,
  None: null,
  true: true,
  false: false,
  null: null,
};

const SIMPLE_ESCAPES: Record<string, string> = {
  "\\": "\\",
  "'": "'",
  '"': '"',
  n: "\n",
  t: "\t",
  r: "\r",
  b: "\b",
  f: "\f",
  v: "\v",
  a: "\x07",
  "0": "\0",
  "/": "/", // JSON's
};

class Reader {
  pos = 0;
  constructor(readonly text: string) {}

  fail(message: string, at = this.pos): never {
    throw new LiteralError(`${message} at character ${at + 1}`, at);
  }

  skipSpace(): void {
    while (this.pos < this.text.length) {
      const c = this.text[this.pos] as string;
      if (c === " " || c === "\t" || c === "\n" || c === "\r") this.pos++;
      else if (c === "#") {
        while (this.pos < this.text.length && this.text[this.pos] !== "\n") this.pos++;
      } else break;
    }
  }

  peek(): string {
    return this.text[this.pos] ?? "";
  }

  eat(c: string): boolean {
    this.skipSpace();
    if (this.text[this.pos] === c) {
      this.pos++;
      return true;
    }
    return false;
  }

  atEnd(): boolean {
    this.skipSpace();
    return this.pos >= this.text.length;
  }

  value(): unknown {
    this.skipSpace();
    const c = this.peek();
    if (c === "") this.fail("expected a value, found the end");
    if (c === "[") return this.sequence("]").items;
    if (c === "(") {
      const start = this.pos;
      const { items, trailingComma } = this.sequence(")");
      // (x) is x in parentheses; (x,) and (x, y) and () are tuples, sent as lists.
      if (items.length === 1 && !trailingComma && this.text[start + 1] !== ")") return items[0];
      return items;
    }
    if (c === "{") return this.dict();
    if (c === '"' || c === "'") return this.strings();
    if (c === "-" || c === "+" || c === "." || (c >= "0" && c <= "9")) return this.number();
    const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.text.slice(this.pos))?.[0];
    if (word !== undefined) {
      if (has(KEYWORDS, word)) {
        this.pos += word.length;
        return KEYWORDS[word];
      }
      const next = this.text[this.pos + word.length];
      if ((next === "'" || next === '"') && /^[rRbBfFuU]{1,2}$/.test(word)) {
        if (/^[uU]$/.test(word)) {
          this.pos += 1;
          return this.strings();
        }
        this.fail(`${word}-prefixed strings are not supported: use a plain "..." string`);
      }
      if (word === "nan" || word === "inf" || word === "NaN" || word === "Infinity") {
        this.fail(`${word} cannot be sent as JSON`);
      }
      if (word === "set" || word === "frozenset") this.fail("sets cannot be sent as JSON");
      this.fail(`${JSON.stringify(word)} is not a literal (only values, never names or code)`);
    }
    this.fail(`unexpected ${JSON.stringify(c)}`);
  }

  sequence(close: string): { items: unknown[]; trailingComma: boolean } {
    this.pos++; // the opening bracket
    const items: unknown[] = [];
    let trailingComma = false;
    while (true) {
      if (this.eat(close)) return { items, trailingComma };
      items.push(this.value());
      trailingComma = this.eat(",");
      if (!trailingComma) {
        if (this.eat(close)) return { items, trailingComma };
        this.skipSpace();
        if (this.peek() === "") this.fail(`missing ${JSON.stringify(close)}`);
        this.fail(`expected "," or ${JSON.stringify(close)}`);
      }
    }
  }

  dict(): Record<string, unknown> {
    const openAt = this.pos;
    this.pos++; // {
    const out: Record<string, unknown> = {};
    while (true) {
      if (this.eat("}")) return out;
      this.skipSpace();
      const keyAt = this.pos;
      const key = this.value();
      this.skipSpace();
      if (Object.keys(out).length === 0 && (this.peek() === "," || this.peek() === "}")) {
        // `{1, 2}`: Python's set, which JSON cannot hold.
        this.fail("a set cannot be sent as JSON: use a list, [1, 2]", openAt);
      }
      if (typeof key !== "string") {
        this.fail(`dict keys must be strings (JSON has no other keys), got ${show(key)}`, keyAt);
      }
      if (!this.eat(":")) this.fail('expected ":" after a dict key');
      defineKey(out, key, this.value());
      if (!this.eat(",")) {
        if (this.eat("}")) return out;
        this.skipSpace();
        if (this.peek() === "") this.fail('missing "}"');
        this.fail('expected "," or "}"');
      }
    }
  }

  /** Adjacent string literals make one string, as in Python: `'a' "b"` is "ab". */
  strings(): string {
    let out = this.string();
    while (true) {
      this.skipSpace();
      const c = this.peek();
      if (c !== '"' && c !== "'") return out;
      out += this.string();
    }
  }

  string(): string {
    const quote = this.text[this.pos] as string;
    const start = this.pos;
    const triple = this.text.startsWith(quote.repeat(3), this.pos);
    const end = triple ? quote.repeat(3) : quote;
    this.pos += end.length;
    let out = "";
    while (true) {
      if (this.pos >= this.text.length) this.fail("unterminated string", start);
      if (this.text.startsWith(end, this.pos)) {
        this.pos += end.length;
        return out;
      }
      const c = this.text[this.pos] as string;
      if (c === "\n" && !triple) this.fail("unterminated string (a line break inside)", start);
      if (c !== "\\") {
        out += c;
        this.pos++;
        continue;
      }
      const e = this.text[this.pos + 1] ?? "";
      if (has(SIMPLE_ESCAPES, e)) {
        out += SIMPLE_ESCAPES[e];
        this.pos += 2;
      } else if (e === "\n") {
        this.pos += 2; // a backslash-newline continues the line
      } else if (e === "x" || e === "u" || e === "U") {
        const width = e === "x" ? 2 : e === "u" ? 4 : 8;
        const hex = this.text.slice(this.pos + 2, this.pos + 2 + width);
        if (!new RegExp(`^[0-9a-fA-F]{${width}}$`).test(hex)) {
          this.fail(`\\${e} needs ${width} hex digits`);
        }
        const code = Number.parseInt(hex, 16);
        if (code > 0x10ffff) this.fail(`\\${e}${hex} is not a character`);
        out += String.fromCodePoint(code);
        this.pos += 2 + width;
      } else {
        this.fail(`unknown escape \\${e}`);
      }
    }
  }

  number(): number {
    const rest = this.text.slice(this.pos);
    const hex = /^[-+]?0[xX][0-9a-fA-F_]+/.exec(rest)?.[0];
    const dec = /^[-+]?(?:\d[\d_]*(?:\.[\d_]*)?|\.\d[\d_]*)(?:[eE][-+]?\d+)?/.exec(rest)?.[0];
    const raw = hex ?? dec;
    if (raw === undefined) this.fail("expected a number");
    const after = rest[raw.length] ?? "";
    if (/[A-Za-z0-9_]/.test(after)) this.fail(`unexpected ${JSON.stringify(after)} in a number`);
    if (/__|_$|_\.|\._|^[-+]?_/.test(raw)) this.fail("misplaced _ in a number");
    const clean = raw.replace(/_/g, "");
    const sign = clean.startsWith("-") ? -1 : 1;
    const unsigned = clean.replace(/^[-+]/, "");
    if (/^0\d/.test(unsigned) && !/[.eE]/.test(unsigned)) {
      this.fail("leading zeros are not allowed in integers");
    }
    const isInteger = hex !== undefined || !/[.eE]/.test(unsigned);
    const value = hex !== undefined ? sign * Number.parseInt(unsigned.slice(2), 16) : Number(clean);
    if (!Number.isFinite(value)) this.fail("number too large to send as JSON");
    if (isInteger && !Number.isSafeInteger(value)) {
      this.fail(`${raw} is too large an integer for the browser to keep exactly`);
    }
    const inexact = inexactNumber(value);
    if (inexact !== null) this.fail(`${raw}: ${inexact}`);
    this.pos += raw.length;
    return value;
  }
}

function has(obj: object, key: string): boolean {
  return Object.hasOwn(obj, key);
}

// `out[key] = value` would make a "__proto__" key set the prototype instead of a property.
function defineKey(out: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
}

function show(value: unknown): string {
  return formatLiteral(value);
}

/**
 * Why a number cannot reach Python as it is, or null when it can. JavaScript sends a number with
 * a whole value as an integer: beyond ±(2**53 − 1) that is not the number typed (`1e20`, a float
 * in Python, would arrive as the integer 100000000000000000000, and `12345678901234567890` as
 * 12345678901234567000), so such numbers are set from Python, not typed here.
 */
export function inexactNumber(value: number): string | null {
  // From 1e21 on, JSON.stringify writes an exponent, which Python reads as the float it is.
  if (!Number.isInteger(value) || Number.isSafeInteger(value) || Math.abs(value) >= 1e21) {
    return null;
  }
  return "a whole number this large cannot be sent exactly from the browser (beyond ±9007199254740991): set it from Python";
}

/** Read one literal value; the whole text must be that value (surrounding space is fine). */
export function parseLiteral(text: string): unknown {
  const reader: Reader = new Reader(text);
  const value = reader.value();
  if (!reader.atEnd()) reader.fail("unexpected text after the value");
  return value;
}

/**
 * Read positional arguments as written between the parentheses of a call: `2, "a", [1, 2]`.
 * Empty text is no arguments.
 */
export function parseArgs(text: string): unknown[] {
  const reader: Reader = new Reader(text);
  const items: unknown[] = [];
  while (!reader.atEnd()) {
    items.push(reader.value());
    if (!reader.eat(",") && !reader.atEnd()) reader.fail('expected "," between arguments');
  }
  return items;
}

/**
 * Read keyword arguments as written in a call, `y=2, name="x"`, or as a dict literal,
 * `{"y": 2}`. Empty text is no keyword arguments.
 */
export function parseKwargs(text: string): Record<string, unknown> {
  const reader: Reader = new Reader(text);
  reader.skipSpace();
  if (reader.peek() === "{") {
    const value = parseLiteral(text);
    return value as Record<string, unknown>;
  }
  const out: Record<string, unknown> = {};
  while (!reader.atEnd()) {
    const at = reader.pos;
    const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(reader.pos))?.[0];
    if (name === undefined) reader.fail("expected name=value");
    reader.pos += name.length;
    if (!reader.eat("=")) reader.fail(`expected "=" after ${name}`);
    if (has(out, name)) reader.fail(`${name} is given twice`, at);
    defineKey(out, name, reader.value());
    if (!reader.eat(",") && !reader.atEnd()) reader.fail('expected "," between keyword arguments');
  }
  return out;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const PYTHON_KEYWORDS = new Set(
  "False None True and as assert async await break class continue def del elif else except finally for from global if import in is lambda nonlocal not or pass raise return try while with yield".split(
    " ",
  ),
);

/** The characters Python's `repr` escapes (`str.isprintable()` is false for them): controls,
 * format characters (bidi controls among them: they could disguise text), surrogates, private
 * use, unassigned, and separators other than the space. */
const UNPRINTABLE = /^[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]$/u;
const REPR_ESCAPES: Record<string, string> = {
  "\\": "\\\\",
  "\n": "\\n",
  "\r": "\\r",
  "\t": "\\t",
};

/** A string as Python's `repr` writes it (its quotes, its escapes), which this reader reads
 * back: `'a'`, `"it's"`, `'a\\u202eb'`; so blocks quote strings as the Python code does. */
export function pythonString(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  let out = quote;
  for (const c of text) {
    const code = c.codePointAt(0) as number;
    if (c === quote) out += `\\${c}`;
    else if (has(REPR_ESCAPES, c)) out += REPR_ESCAPES[c];
    else if (c === " " || isJoiner(code) || !UNPRINTABLE.test(c)) out += c;
    else out += escapeCode(code);
  }
  return out + quote;
}

/** Shown as themselves all the same: what joins emoji (ZWNJ, ZWJ) and selects their look
 * (variation selectors), as the kernel's `display.unescape_joiners` does. */
function isJoiner(code: number): boolean {
  return code === 0x200c || code === 0x200d || (code >= 0xfe00 && code <= 0xfe0f);
}

function escapeCode(code: number): string {
  const [mark, width] = code < 0x100 ? ["x", 2] : code < 0x10000 ? ["u", 4] : ["U", 8];
  return `\\${mark}${code.toString(16).padStart(width, "0")}`;
}

/** A value as a Python literal (which this reader reads back): `None`, `True`, `'a'`, `[1, 2]`. */
export function formatLiteral(value: unknown): string {
  if (value === null || value === undefined) return "None";
  if (value === true) return "True";
  if (value === false) return "False";
  if (typeof value === "number") return Number.isFinite(value) ? String(value) : "None";
  if (typeof value === "string") return pythonString(value);
  if (Array.isArray(value)) return `[${value.map(formatLiteral).join(", ")}]`;
  if (typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>);
    return `{${entries.map(([k, v]) => `${pythonString(k)}: ${formatLiteral(v)}`).join(", ")}}`;
  }
  return pythonString(String(value));
}

/** Positional arguments as written in a call: `2, "a"`. */
export function formatArgs(args: readonly unknown[]): string {
  return args.map(formatLiteral).join(", ");
}

/** Keyword arguments as written in a call, `y=2`; as a dict literal when a key is no name. */
export function formatKwargs(kwargs: Record<string, unknown>): string {
  const keys = Object.keys(kwargs);
  if (keys.some((k) => !IDENTIFIER.test(k) || PYTHON_KEYWORDS.has(k))) return formatLiteral(kwargs);
  return keys.map((k) => `${k}=${formatLiteral(kwargs[k])}`).join(", ");
}

/** An ISO 8601 date, or date and time, as Celery's workers read one (dateutil's isoparse):
 * `2030-01-01`, `2030-01-01T12:00`, `2030-01-01 12:00:00.5+02:00`, `...Z`. Not "Jan 1 2030",
 * which `Date.parse` takes and the worker does not. */
export function isIsoMoment(text: string): boolean {
  const iso =
    /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?)?$/;
  return iso.test(text) && !Number.isNaN(Date.parse(text.replace(" ", "T")));
}
