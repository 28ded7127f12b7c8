/**
 * Finders of a credential field in a body while it streams in, chunk by chunk, before the
 * body is whole (credential-gate.ts): the first non-empty text value of one of `fields`.
 * Each keeps only the field it is reading; `end()` reports what the body's last bytes held.
 */
export interface FieldScanner {
  /** The bytes that arrived; the field, its value and where in `chunk` it ended, once one has come. */
  push(chunk: Buffer): Found | undefined;
  /** The body has ended (`at` is 0: the field ended with the body). */
  end(): Found | undefined;
}

export interface Found {
  field: string;
  value: string;
  at: number;
}

const AMP = 0x26;

/** `application/x-www-form-urlencoded`: `name=value&…`, decoded as URLSearchParams does. */
export function formScanner(fields: readonly string[]): FieldScanner {
  let pair: Buffer[] = [];
  let done = false;
  const judge = (at: number): Found | undefined => {
    const text = Buffer.concat(pair).toString('utf8');
    pair = [];
    for (const [name, value] of new URLSearchParams(text)) {
      if (fields.includes(name) && value !== '') {
        done = true;
        return { field: name, value, at };
      }
    }
    return undefined;
  };
  return {
    push(chunk) {
      if (done) return undefined;
      let from = 0;
      for (let at = chunk.indexOf(AMP); at >= 0; at = chunk.indexOf(AMP, from)) {
        pair.push(chunk.subarray(from, at));
        from = at + 1;
        const found = judge(at);
        if (found) return found;
      }
      pair.push(chunk.subarray(from));
      return undefined;
    },
    end: () => (done ? undefined : judge(0)),
  };
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const WHITESPACE = new Set([0x20, 0x09, 0x0a, 0x0d]);

/**
 * `application/json`: a string member of the top-level object, whatever comes before it
 * (nested objects, arrays, strings with escapes). Multi-byte characters never contain the
 * bytes it looks at (quotes, backslashes, brackets), so it works on bytes.
 */
export function jsonScanner(fields: readonly string[]): FieldScanner {
  let depth = 0;
  let inString = false;
  let escaped = false;
  /** Where the top-level object is: a key, the colon, a value, or what follows one. */
  let phase: 'key' | 'colon' | 'value' | 'after' = 'key';
  /** The bytes of the top-level key or string value being read. */
  let text: number[] | undefined;
  let reading: 'key' | 'value' | undefined;
  let key: string | undefined;
  let done = false;
  const decode = (bytes: number[]): string | undefined => {
    try {
      return JSON.parse(`"${Buffer.from(bytes).toString('utf8')}"`) as string;
    } catch {
      return undefined;
    }
  };
  return {
    push(chunk) {
      if (done) return undefined;
      for (let at = 0; at < chunk.length; at++) {
        const b = chunk[at];
        if (inString) {
          if (escaped || b === BACKSLASH) {
            // An escape and the character it escapes stay in the text: JSON decodes them.
            escaped = !escaped;
            text?.push(b);
            continue;
          }
          if (b === QUOTE) {
            inString = false;
            if (text === undefined) continue;
            const value = decode(text);
            text = undefined;
            if (reading === 'key') {
              key = value;
              phase = 'colon';
              continue;
            }
            phase = 'after';
            if (key !== undefined && fields.includes(key) && value) {
              done = true;
              return { field: key, value, at };
            }
            continue;
          }
          text?.push(b);
          continue;
        }
        if (WHITESPACE.has(b)) continue;
        if (depth === 0) {
          // Not an object: nothing to find.
          if (b !== 0x7b) done = true;
          else depth = 1;
          if (done) return undefined;
          continue;
        }
        const top = depth === 1;
        if (b === QUOTE) {
          inString = true;
          if (top && (phase === 'key' || phase === 'value')) {
            reading = phase;
            text = [];
          }
        } else if (b === 0x7b || b === 0x5b) {
          if (top && phase === 'value') phase = 'after';
          depth++;
        } else if (b === 0x7d || b === 0x5d) {
          depth--;
          if (depth === 0) done = true;
        } else if (top && b === 0x3a && phase === 'colon') phase = 'value';
        else if (top && b === 0x2c) phase = 'key';
        else if (top && phase === 'value') phase = 'after';
      }
      return undefined;
    },
    end: () => undefined,
  };
}
