// A small TOML reader for the configuration files tpod shares with Podman
// (registries.conf and its drop-ins). It covers what those files use: tables, arrays
// of tables, dotted and quoted keys, strings of all four kinds, integers, floats,
// booleans, arrays and inline tables. Dates are not needed there and are refused.
// Errors name the file and line.

export type TomlValue = string | number | boolean | TomlValue[] | TomlTable;
export interface TomlTable {
  [key: string]: TomlValue;
}

export class TomlError extends Error {
  constructor(readonly file: string, readonly line: number, why: string) {
    super(`${file}:${line}: ${why}`);
    this.name = 'TomlError';
  }
}

const BARE = /[A-Za-z0-9_-]/;

class Parser {
  private pos = 0;
  private line = 1;
  constructor(private readonly src: string, private readonly file: string) {}

  fail(why: string): never {
    throw new TomlError(this.file, this.line, why);
  }

  private peek(off = 0): string {
    return this.src[this.pos + off] ?? '';
  }

  private next(): string {
    const c = this.src[this.pos++] ?? '';
    if (c === '\n') this.line++;
    return c;
  }

  private eof(): boolean {
    return this.pos >= this.src.length;
  }

  /** Spaces and tabs only. */
  private ws(): void {
    while (this.peek() === ' ' || this.peek() === '\t') this.pos++;
  }

  /** Whitespace, newlines and comments (inside arrays and between statements). */
  private wsnl(): void {
    for (;;) {
      const c = this.peek();
      if (c === ' ' || c === '\t' || c === '\r' || c === '\n') this.next();
      else if (c === '#') this.comment();
      else return;
    }
  }

  private comment(): void {
    while (!this.eof() && this.peek() !== '\n') this.pos++;
  }

  /** After a statement: optional comment, then end of line or file. */
  private endOfLine(): void {
    this.ws();
    if (this.peek() === '#') this.comment();
    if (this.peek() === '\r') this.pos++;
    if (this.eof()) return;
    if (this.peek() !== '\n') this.fail(`unexpected "${this.peek()}" after a value`);
    this.next();
  }

  parse(): TomlTable {
    const root: TomlTable = {};
    let current = root;
    // Tables defined by a [header]: defining one twice is an error.
    const defined = new Set<TomlTable>();
    for (;;) {
      this.wsnl();
      if (this.eof()) return root;
      if (this.peek() === '[') {
        const array = this.peek(1) === '[';
        this.pos += array ? 2 : 1;
        this.ws();
        const keys = this.key();
        this.ws();
        for (let n = array ? 2 : 1; n > 0; n--) {
          if (this.peek() !== ']') this.fail(`expected "${array ? ']]' : ']'}" after the table name`);
          this.pos++;
        }
        current = array ? this.arrayTable(root, keys) : this.table(root, keys, defined);
        this.endOfLine();
        continue;
      }
      this.keyValue(current);
      this.endOfLine();
    }
  }

  private table(root: TomlTable, keys: string[], defined: Set<TomlTable>): TomlTable {
    const t = this.descend(root, keys);
    if (defined.has(t)) this.fail(`table [${keys.join('.')}] is defined twice`);
    defined.add(t);
    return t;
  }

  private arrayTable(root: TomlTable, keys: string[]): TomlTable {
    const parent = this.descend(root, keys.slice(0, -1));
    const last = keys[keys.length - 1]!;
    const existing = parent[last];
    const t: TomlTable = {};
    if (existing === undefined) parent[last] = [t];
    else if (Array.isArray(existing)) existing.push(t);
    else this.fail(`"${keys.join('.')}" is not an array of tables`);
    return t;
  }

  /** Walks (and creates) tables; an array of tables continues at its last element. */
  private descend(from: TomlTable, keys: string[]): TomlTable {
    let t = from;
    for (const k of keys) {
      const v = t[k];
      if (v === undefined) {
        const n: TomlTable = {};
        t[k] = n;
        t = n;
      } else if (Array.isArray(v)) {
        const last = v[v.length - 1];
        if (last === undefined || typeof last !== 'object' || Array.isArray(last)) this.fail(`"${k}" is not a table`);
        t = last as TomlTable;
      } else if (typeof v === 'object') {
        t = v;
      } else {
        this.fail(`"${k}" is not a table`);
      }
    }
    return t;
  }

  private key(): string[] {
    const parts: string[] = [];
    for (;;) {
      this.ws();
      const c = this.peek();
      if (c === '"') parts.push(this.basicString());
      else if (c === "'") parts.push(this.literalString());
      else {
        let k = '';
        while (BARE.test(this.peek())) k += this.src[this.pos++];
        if (k === '') this.fail(c === '' ? 'unexpected end of file in a key' : `unexpected "${c}" in a key`);
        parts.push(k);
      }
      this.ws();
      if (this.peek() !== '.') return parts;
      this.pos++;
    }
  }

  private keyValue(into: TomlTable): void {
    const keys = this.key();
    this.ws();
    if (this.next() !== '=') this.fail(`expected "=" after the key "${keys.join('.')}"`);
    this.ws();
    const value = this.value();
    const parent = this.descend(into, keys.slice(0, -1));
    const last = keys[keys.length - 1]!;
    if (last in parent) this.fail(`key "${keys.join('.')}" is defined twice`);
    parent[last] = value;
  }

  private value(): TomlValue {
    const c = this.peek();
    if (c === '"') return this.peek(1) === '"' && this.peek(2) === '"' ? this.multiBasic() : this.basicString();
    if (c === "'") return this.peek(1) === "'" && this.peek(2) === "'" ? this.multiLiteral() : this.literalString();
    if (c === '[') return this.array();
    if (c === '{') return this.inlineTable();
    if (this.src.startsWith('true', this.pos) && !BARE.test(this.peek(4))) {
      this.pos += 4;
      return true;
    }
    if (this.src.startsWith('false', this.pos) && !BARE.test(this.peek(5))) {
      this.pos += 5;
      return false;
    }
    return this.number();
  }

  private number(): number {
    const m = /^[+-]?(?:inf|nan|0x[0-9A-Fa-f_]+|0o[0-7_]+|0b[01_]+|[0-9_]+(?:\.[0-9_]+)?(?:[eE][+-]?[0-9_]+)?)/.exec(this.src.slice(this.pos, this.pos + 64));
    if (!m) this.fail(this.eof() ? 'unexpected end of file: expected a value' : `invalid value starting with "${this.peek()}"`);
    const text = m[0];
    if (/^\d{4}-/.test(this.src.slice(this.pos, this.pos + 5))) this.fail('dates are not supported here');
    this.pos += text.length;
    const t = text.replace(/_/g, '');
    let n: number;
    if (/inf$/.test(t)) n = t.startsWith('-') ? -Infinity : Infinity;
    else if (/nan$/.test(t)) n = NaN;
    else if (/^[+-]?0x/.test(t)) n = parseInt(t.replace('0x', ''), 16);
    else if (/^[+-]?0o/.test(t)) n = parseInt(t.replace('0o', ''), 8);
    else if (/^[+-]?0b/.test(t)) n = parseInt(t.replace('0b', ''), 2);
    else n = Number(t);
    if (Number.isNaN(n) && !/nan$/.test(t)) this.fail(`invalid number "${text}"`);
    return n;
  }

  private escape(): string {
    const c = this.next();
    switch (c) {
      case 'b': return '\b';
      case 't': return '\t';
      case 'n': return '\n';
      case 'f': return '\f';
      case 'r': return '\r';
      case 'e': return '\x1b';
      case '"': return '"';
      case '\\': return '\\';
      case 'u':
      case 'U': {
        const len = c === 'u' ? 4 : 8;
        const hex = this.src.slice(this.pos, this.pos + len);
        if (!new RegExp(`^[0-9A-Fa-f]{${len}}$`).test(hex)) this.fail(`invalid \\${c} escape`);
        this.pos += len;
        return String.fromCodePoint(parseInt(hex, 16));
      }
      default:
        return this.fail(`invalid escape "\\${c}"`);
    }
  }

  private basicString(): string {
    this.pos++; // "
    let s = '';
    for (;;) {
      const c = this.peek();
      if (c === '' || c === '\n') this.fail('unterminated string');
      this.pos++;
      if (c === '"') return s;
      s += c === '\\' ? this.escape() : c;
    }
  }

  private literalString(): string {
    this.pos++; // '
    let s = '';
    for (;;) {
      const c = this.peek();
      if (c === '' || c === '\n') this.fail('unterminated string');
      this.pos++;
      if (c === "'") return s;
      s += c;
    }
  }

  private multiBasic(): string {
    this.pos += 3;
    if (this.peek() === '\r') this.pos++;
    if (this.peek() === '\n') this.next();
    let s = '';
    for (;;) {
      if (this.src.startsWith('"""', this.pos)) {
        this.pos += 3;
        // Up to two quotes may directly precede the closing delimiter.
        while (this.peek() === '"') {
          s += '"';
          this.pos++;
        }
        return s;
      }
      const c = this.next();
      if (c === '') this.fail('unterminated multi-line string');
      if (c === '\\') {
        // A backslash at the end of a line trims the newline and leading whitespace.
        if (/^[ \t]*\r?\n/.test(this.src.slice(this.pos, this.pos + 64))) {
          while (/[ \t\r\n]/.test(this.peek())) this.next();
          continue;
        }
        s += this.escape();
      } else {
        s += c;
      }
    }
  }

  private multiLiteral(): string {
    this.pos += 3;
    if (this.peek() === '\r') this.pos++;
    if (this.peek() === '\n') this.next();
    const end = this.src.indexOf("'''", this.pos);
    if (end < 0) this.fail('unterminated multi-line string');
    let s = this.src.slice(this.pos, end);
    for (const ch of s) if (ch === '\n') this.line++;
    this.pos = end + 3;
    while (this.peek() === "'") {
      s += "'";
      this.pos++;
    }
    return s;
  }

  private array(): TomlValue[] {
    this.pos++; // [
    const out: TomlValue[] = [];
    for (;;) {
      this.wsnl();
      if (this.eof()) this.fail('unterminated array');
      if (this.peek() === ']') {
        this.pos++;
        return out;
      }
      out.push(this.value());
      this.wsnl();
      const c = this.next();
      if (c === ']') return out;
      if (c !== ',') this.fail(c === '' ? 'unterminated array' : `expected "," or "]" in an array, got "${c}"`);
    }
  }

  private inlineTable(): TomlTable {
    this.pos++; // {
    const t: TomlTable = {};
    this.ws();
    if (this.peek() === '}') {
      this.pos++;
      return t;
    }
    for (;;) {
      this.ws();
      this.keyValue(t);
      this.ws();
      const c = this.next();
      if (c === '}') return t;
      if (c !== ',') this.fail(`expected "," or "}" in an inline table, got "${c || 'end of file'}"`);
    }
  }
}

/** Parses TOML text; throws TomlError naming `file` and the line. */
export function parseToml(text: string, file = '<input>'): TomlTable {
  return new Parser(text.replace(/^\uFEFF/, ''), file).parse();
}
