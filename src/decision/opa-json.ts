import { TaskguardError } from '../errors.js';

const MAX_DEPTH = 1000;
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const STRING = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;
const WHITESPACE = /[ \t\n\r]*/y;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/**
 * The text OPA hashes for a structured bundle file (data.json, .manifest): objects with keys sorted by their
 * UTF-8 bytes, no whitespace, strings as Go's encoding/json writes them with HTML escaping off, and numbers
 * as their original literal (OPA decodes with UseNumber, so `1.0`, `1e3`, `-0` and big integers survive;
 * JSON.parse would not keep them). The result is also valid JSON for the same document.
 *
 * Stricter than Go where Go would guess: invalid UTF-8, lone surrogates and duplicate keys are refused, since
 * Go replaces or keeps-last where a reader in another language may see a different document than the signer.
 */
export function opaCanonicalJson(bytes: Uint8Array, file: string): string {
  let text: string;
  try {
    text = utf8.decode(bytes); // strips one leading BOM, as OPA does
  } catch {
    throw invalid(file, 'is not valid utf-8');
  }
  const parser = new Parser(text, file);
  const out = parser.value(0);
  parser.end();
  return out;
}

class Parser {
  private at = 0;

  constructor(private readonly text: string, private readonly file: string) {}

  value(depth: number): string {
    if (depth > MAX_DEPTH) throw this.fail(`nests deeper than ${MAX_DEPTH} levels`);
    this.skipSpace();
    const c = this.text[this.at];
    if (c === '{') return this.object(depth);
    if (c === '[') return this.array(depth);
    if (c === '"') return goString(this.string());
    for (const word of ['true', 'false', 'null']) {
      if (this.text.startsWith(word, this.at)) {
        this.at += word.length;
        return word;
      }
    }
    return this.match(NUMBER, 'a json value');
  }

  end(): void {
    this.skipSpace();
    if (this.at !== this.text.length) throw this.fail('has text after the json value');
  }

  private object(depth: number): string {
    this.at++;
    const members = new Map<string, string>();
    this.skipSpace();
    if (this.text[this.at] === '}') {
      this.at++;
      return '{}';
    }
    for (;;) {
      this.skipSpace();
      const key = this.string();
      if (members.has(key)) throw this.fail(`has the key ${JSON.stringify(key)} twice in one object`);
      this.skipSpace();
      this.expect(':');
      members.set(key, this.value(depth + 1));
      this.skipSpace();
      if (this.text[this.at] === ',') {
        this.at++;
        continue;
      }
      this.expect('}');
      break;
    }
    const keys = [...members.keys()].sort(byUtf8);
    return `{${keys.map((k) => `${goString(k)}:${members.get(k) as string}`).join(',')}}`;
  }

  private array(depth: number): string {
    this.at++;
    const items: string[] = [];
    this.skipSpace();
    if (this.text[this.at] === ']') {
      this.at++;
      return '[]';
    }
    for (;;) {
      items.push(this.value(depth + 1));
      this.skipSpace();
      if (this.text[this.at] === ',') {
        this.at++;
        continue;
      }
      this.expect(']');
      return `[${items.join(',')}]`;
    }
  }

  private string(): string {
    const value = JSON.parse(this.match(STRING, 'a string')) as string;
    if (LONE_SURROGATE.test(value)) throw this.fail('has a string with a lone surrogate escape');
    return value;
  }

  private match(pattern: RegExp, what: string): string {
    pattern.lastIndex = this.at;
    const m = pattern.exec(this.text);
    if (!m || m[0] === '') throw this.fail(`expected ${what} at offset ${this.at}`);
    this.at += m[0].length;
    return m[0];
  }

  private expect(char: string): void {
    if (this.text[this.at] !== char) throw this.fail(`expected ${char} at offset ${this.at}`);
    this.at++;
  }

  private skipSpace(): void {
    WHITESPACE.lastIndex = this.at;
    WHITESPACE.exec(this.text);
    this.at = WHITESPACE.lastIndex;
  }

  private fail(problem: string): TaskguardError {
    return invalid(this.file, problem);
  }
}

/** Go's encoding/json string form with SetEscapeHTML(false): JSON.stringify's, plus U+2028 and U+2029 escaped. */
function goString(value: string): string {
  return JSON.stringify(value).replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/** Go sorts map keys by bytes; UTF-16 order differs once astral characters meet U+E000..U+FFFF. */
function byUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

function invalid(file: string, problem: string): TaskguardError {
  return new TaskguardError('bundle_invalid', `${file} ${problem}`);
}
