// A Go text/template subset for `--format`, close to what Podman users type:
// fields and chains (`.A.B`), variables, pipelines, `if`/`else if`/`with`/`range`,
// `break`/`continue`, `{{- -}}` trimming, comments, Go's builtins (eq, index, len,
// printf, ...) and Podman's extra functions (join, json, lower, pad, split, title,
// truncate, upper). On the hot path of `ps`/`images`: no heavy imports.
import { TpodError } from '../errors.js';
import { goJson, goString, goSprintf, goType, isStructLike, lookup, truthy } from './gofmt.js';

export { goJson, goJsonIndent, goSprintf, goString, truthy } from './gofmt.js';

// ---------------------------------------------------------------------------
// Syntax tree

type Operand =
  | { kind: 'field'; pos: number; src: string; names: string[] } // .A.B
  | { kind: 'dot'; pos: number; src: string; names: string[] } // . (names always empty)
  | { kind: 'var'; pos: number; src: string; name: string; names: string[] } // $x.A
  | { kind: 'func'; pos: number; src: string; name: string }
  | { kind: 'literal'; pos: number; src: string; value: unknown }
  | { kind: 'nil'; pos: number; src: string }
  | { kind: 'paren'; pos: number; src: string; pipe: Pipe; names: string[] }; // (pipe).A

interface Command { pos: number; src: string; args: Operand[] }
interface Pipe { pos: number; decl: string[]; assign: boolean; cmds: Command[] }

interface ControlNode { kind: 'if' | 'with' | 'range'; pos: number; pipe: Pipe; list: Node[]; elseList: Node[] | undefined }
type Node =
  | { kind: 'text'; text: string }
  | { kind: 'action'; pos: number; pipe: Pipe }
  | ControlNode
  | { kind: 'break' | 'continue'; pos: number };

// ---------------------------------------------------------------------------
// Errors, with Go's `template: NAME:LINE:COL: ...` shape

class Failure {
  constructor(readonly pos: number, readonly message: string, readonly at?: string) {}
}

function lineCol(text: string, pos: number): [number, number] {
  let line = 1;
  let last = -1;
  for (let i = 0; i < pos && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      last = i;
    }
  }
  return [line, pos - last - 1];
}

// ---------------------------------------------------------------------------
// Lexer: splits the template into text and actions, and an action into tokens.

type TokKind = 'field' | 'dot' | 'var' | 'ident' | 'string' | 'number' | 'char' | 'pipe' | 'lparen' | 'rparen' | 'comma' | 'declare' | 'assign';
interface Token { kind: TokKind; pos: number; text: string; value?: unknown; spaceBefore: boolean }

interface RawAction { kind: 'action'; pos: number; tokens: Token[]; end: number }
type RawItem = { kind: 'text'; text: string } | RawAction;

const isSpace = (c: string | undefined): boolean => c === ' ' || c === '\t' || c === '\r' || c === '\n';
const isIdentStart = (c: string | undefined): boolean => c !== undefined && /[\p{L}_]/u.test(c);
const isIdentChar = (c: string | undefined): boolean => c !== undefined && /[\p{L}\p{N}_]/u.test(c);

/** Podman lets users type `\t` and `\n` on the command line; only in text, never inside actions. */
function unescapeText(s: string, spacesToTabs: boolean): string {
  let out = s.replace(/\\([tn])/g, (_m, c: string) => (c === 't' ? '\t' : '\n'));
  if (spacesToTabs) out = out.replace(/ /g, '\t');
  return out;
}

function lexTemplate(src: string, spacesToTabs: boolean): RawItem[] {
  const items: RawItem[] = [];
  let i = 0;
  let trimNext = false;
  while (i <= src.length) {
    const open = src.indexOf('{{', i);
    let text = src.slice(i, open < 0 ? src.length : open);
    text = unescapeText(text, spacesToTabs);
    if (trimNext) text = text.replace(/^[ \t\r\n]+/, '');
    trimNext = false;
    if (open < 0) {
      if (text) items.push({ kind: 'text', text });
      break;
    }
    let p = open + 2;
    if (src[p] === '-' && isSpace(src[p + 1])) {
      text = text.replace(/[ \t\r\n]+$/, '');
      p += 2;
    }
    if (text) items.push({ kind: 'text', text });
    while (isSpace(src[p])) p++;
    // Comments: {{/* ... */}}, optionally with trim markers.
    if (src.startsWith('/*', p)) {
      const close = src.indexOf('*/', p + 2);
      if (close < 0) throw new Failure(open, 'unclosed comment');
      let q = close + 2;
      while (isSpace(src[q])) q++;
      if (src[q] === '-' && src.startsWith('}}', q + 1) && isSpace(src[q - 1])) {
        trimNext = true;
        q += 1;
      }
      if (!src.startsWith('}}', q)) throw new Failure(open, 'comment ends before closing delimiter');
      i = q + 2;
      continue;
    }
    const { tokens, end, trimRight } = lexAction(src, p, open);
    items.push({ kind: 'action', pos: open, tokens, end });
    trimNext = trimRight;
    i = end;
  }
  return items;
}

function lexAction(src: string, start: number, open: number): { tokens: Token[]; end: number; trimRight: boolean } {
  const tokens: Token[] = [];
  let p = start;
  let space = true;
  let depth = 0;
  for (;;) {
    const c = src[p];
    if (c === undefined) throw new Failure(open, 'unclosed action');
    if (isSpace(c)) {
      // ` -}}` closes the action and trims the text after it.
      let q = p;
      while (isSpace(src[q])) q++;
      if (src[q] === '-' && src.startsWith('}}', q + 1)) return { tokens, end: q + 3, trimRight: true };
      p = q;
      space = true;
      continue;
    }
    if (src.startsWith('}}', p)) {
      if (depth > 0) throw new Failure(p, 'unclosed left paren');
      return { tokens, end: p + 2, trimRight: false };
    }
    const at = p;
    const push = (kind: TokKind, text: string, value?: unknown): void => {
      tokens.push({ kind, pos: at, text, value, spaceBefore: space });
      space = false;
    };
    if (c === '.' && !/[0-9]/.test(src[p + 1] ?? '')) {
      if (isIdentStart(src[p + 1])) {
        let q = p + 1;
        while (isIdentChar(src[q])) q++;
        push('field', src.slice(p, q));
        p = q;
      } else {
        push('dot', '.');
        p++;
      }
      continue;
    }
    if (c === '$') {
      let q = p + 1;
      while (isIdentChar(src[q])) q++;
      push('var', src.slice(p, q));
      p = q;
      continue;
    }
    if (isIdentStart(c)) {
      let q = p;
      while (isIdentChar(src[q])) q++;
      push('ident', src.slice(p, q));
      p = q;
      continue;
    }
    if (c === '"') {
      let q = p + 1;
      while (q < src.length && src[q] !== '"') {
        if (src[q] === '\n') throw new Failure(p, 'unterminated quoted string');
        q += src[q] === '\\' ? 2 : 1;
      }
      if (q >= src.length) throw new Failure(p, 'unterminated quoted string');
      const raw = src.slice(p, q + 1);
      push('string', raw, unquote(raw, p));
      p = q + 1;
      continue;
    }
    if (c === '`') {
      const q = src.indexOf('`', p + 1);
      if (q < 0) throw new Failure(p, 'unterminated raw quoted string');
      push('string', src.slice(p, q + 1), src.slice(p + 1, q));
      p = q + 1;
      continue;
    }
    if (c === "'") {
      const m = /^'(\\.|[^\\'])'/u.exec(src.slice(p));
      if (!m) throw new Failure(p, 'unterminated character constant');
      const ch = m[1]!.startsWith('\\') ? String(unquote(`"${m[1]}"`, p)) : m[1]!;
      push('char', m[0], ch.codePointAt(0));
      p += m[0].length;
      continue;
    }
    const num = /^[+-]?(0[xX][0-9a-fA-F_]+|0[bB][01_]+|0[oO][0-7_]+|(\d[\d_]*)?\.?\d[\d_]*([eE][+-]?\d+)?)/.exec(src.slice(p));
    if (num && num[0] !== '' && /[0-9]/.test(num[0])) {
      const t = num[0];
      const clean = t.replace(/_/g, '');
      const neg = clean.startsWith('-');
      const body = clean.replace(/^[+-]/, '');
      let v: number;
      if (/^0[xX]/.test(body)) v = parseInt(body.slice(2), 16);
      else if (/^0[bB]/.test(body)) v = parseInt(body.slice(2), 2);
      else if (/^0[oO]/.test(body)) v = parseInt(body.slice(2), 8);
      else v = Number(body);
      if (Number.isNaN(v)) throw new Failure(p, `bad number syntax: "${t}"`);
      push('number', t, neg ? -v : v);
      p += t.length;
      continue;
    }
    switch (c) {
      case '|': push('pipe', c); p++; continue;
      case '(': push('lparen', c); depth++; p++; continue;
      case ')':
        if (depth === 0) throw new Failure(p, 'unexpected right paren');
        push('rparen', c); depth--; p++; continue;
      case ',': push('comma', c); p++; continue;
      case ':':
        if (src[p + 1] === '=') { push('declare', ':='); p += 2; continue; }
        break;
      case '=': push('assign', '='); p++; continue;
    }
    throw new Failure(p, `bad character U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')} '${c}'`);
  }
}

function unquote(raw: string, pos: number): string {
  try {
    // Go's escapes are a superset of JSON's for the cases people type; map the rest.
    const body = raw.slice(1, -1).replace(/\\(x[0-9a-fA-F]{2}|[abfv'0-7]{1})/g, (m, e: string) => {
      if (e[0] === 'x') return `\\u00${e.slice(1)}`;
      const map: Record<string, string> = { a: '\\u0007', b: '\\b', f: '\\f', v: '\\u000b', "'": "'" };
      return map[e] ?? m;
    });
    return JSON.parse(`"${body}"`) as string;
  } catch {
    throw new Failure(pos, `invalid syntax: ${raw}`);
  }
}

// ---------------------------------------------------------------------------
// Parser

const KEYWORDS = new Set(['if', 'else', 'end', 'range', 'with', 'break', 'continue', 'define', 'template', 'block']);

class Parser {
  private idx = 0;
  private rangeDepth = 0;

  constructor(private readonly items: RawItem[], private readonly funcs: ReadonlySet<string>) {}

  parse(): Node[] {
    const { nodes, stop } = this.list();
    if (stop) throw new Failure(stop.pos, `unexpected {{${stop.tokens[0]!.text}}}`);
    return nodes;
  }

  /** Nodes up to an `{{end}}` or `{{else ...}}` action (returned, not consumed as a node). */
  private list(): { nodes: Node[]; stop: RawAction | undefined } {
    const nodes: Node[] = [];
    while (this.idx < this.items.length) {
      const item = this.items[this.idx++]!;
      if (item.kind === 'text') {
        nodes.push(item);
        continue;
      }
      const first = item.tokens[0];
      if (!first) throw new Failure(item.pos, 'missing value for command');
      if (first.kind === 'ident' && KEYWORDS.has(first.text)) {
        switch (first.text) {
          case 'end':
          case 'else':
            return { nodes, stop: item };
          case 'if':
          case 'with':
          case 'range':
            nodes.push(this.control(first.text, item, 1));
            continue;
          case 'break':
          case 'continue':
            if (this.rangeDepth === 0) throw new Failure(item.pos, `{{${first.text}}} outside {{range}}`);
            if (item.tokens.length > 1) throw new Failure(item.pos, `unexpected ${item.tokens[1]!.text} in ${first.text}`);
            nodes.push({ kind: first.text, pos: item.pos });
            continue;
          default:
            throw new Failure(item.pos, `{{${first.text}}} is not supported in --format templates`);
        }
      }
      nodes.push({ kind: 'action', pos: item.pos, pipe: this.pipeline(item.tokens, 0, item.tokens.length, 'command', false) });
    }
    return { nodes, stop: undefined };
  }

  private control(kind: 'if' | 'with' | 'range', item: RawAction, from: number): Node {
    const pipe = this.pipeline(item.tokens, from, item.tokens.length, kind, kind === 'range');
    if (kind === 'range') this.rangeDepth++;
    const { nodes: list, stop } = this.list();
    if (kind === 'range') this.rangeDepth--;
    if (!stop) throw new Failure(item.pos, `unexpected EOF: {{${kind}}} without {{end}}`);
    let elseList: Node[] | undefined;
    const word = stop.tokens[0]!.text;
    if (word === 'else') {
      const next = stop.tokens[1];
      if (next && next.kind === 'ident' && (next.text === 'if' || next.text === 'with') && kind !== 'range') {
        // `{{else if x}}` is an `{{if x}}` nested in the else branch, sharing the one `{{end}}`.
        elseList = [this.control(next.text, stop, 2)];
        return { kind, pos: item.pos, pipe, list, elseList };
      }
      if (next) throw new Failure(stop.pos, `unexpected "${next.text}" in else`);
      const rest = this.list();
      if (!rest.stop || rest.stop.tokens[0]!.text !== 'end') throw new Failure(stop.pos, `expected end; found ${rest.stop ? rest.stop.tokens[0]!.text : 'EOF'}`);
      if (rest.stop.tokens.length > 1) throw new Failure(rest.stop.pos, 'unexpected tokens in end');
      elseList = rest.nodes;
    } else if (stop.tokens.length > 1) {
      throw new Failure(stop.pos, 'unexpected tokens in end');
    }
    return { kind, pos: item.pos, pipe, list, elseList };
  }

  private pipeline(tokens: Token[], from: number, to: number, context: string, allowTwoVars: boolean): Pipe {
    const decl: string[] = [];
    let assign = false;
    let i = from;
    const t0 = tokens[i];
    if (t0?.kind === 'var') {
      const t1 = tokens[i + 1];
      if (t1?.kind === 'declare' || t1?.kind === 'assign') {
        decl.push(t0.text);
        assign = t1.kind === 'assign';
        i += 2;
      } else if (t1?.kind === 'comma' && allowTwoVars && tokens[i + 2]?.kind === 'var' && tokens[i + 3]?.kind === 'declare') {
        decl.push(t0.text, tokens[i + 2]!.text);
        i += 4;
      }
    }
    const pos = tokens[from]?.pos ?? 0;
    const cmds: Command[] = [];
    let start = i;
    let depth = 0;
    for (let j = i; j <= to; j++) {
      const t = tokens[j];
      if (j < to && t!.kind === 'lparen') depth++;
      if (j < to && t!.kind === 'rparen') depth--;
      if (j === to || (t!.kind === 'pipe' && depth === 0)) {
        if (j === start) throw new Failure(tokens[start]?.pos ?? pos, `missing value for ${context}`);
        cmds.push(this.command(tokens, start, j));
        start = j + 1;
      }
    }
    if (cmds.length === 0) throw new Failure(pos, `missing value for ${context}`);
    cmds.slice(1).forEach((c, i) => {
      const head = c.args[0]!;
      if (head.kind === 'literal' || head.kind === 'nil' || head.kind === 'dot') {
        throw new Failure(head.pos, `non executable command in pipeline stage ${i + 2}`);
      }
    });
    return { pos, decl, assign, cmds };
  }

  private command(tokens: Token[], from: number, to: number): Command {
    const args: Operand[] = [];
    let i = from;
    while (i < to) {
      const t = tokens[i]!;
      if (args.length > 0 && !t.spaceBefore && t.kind !== 'rparen') throw new Failure(t.pos, `missing space before ${t.text}`);
      const [op, next] = this.operand(tokens, i, to);
      args.push(op);
      i = next;
    }
    const first = tokens[from]!;
    const last = tokens[to - 1]!;
    return { pos: first.pos, src: tokens.slice(from, to).map((t) => t.text).join(' ').replace(/\( /g, '(').replace(/ \)/g, ')') || last.text, args };
  }

  private operand(tokens: Token[], i: number, to: number): [Operand, number] {
    const t = tokens[i]!;
    let op: Operand;
    let next = i + 1;
    switch (t.kind) {
      case 'field':
        op = { kind: 'field', pos: t.pos, src: t.text, names: [t.text.slice(1)] };
        break;
      case 'dot':
        op = { kind: 'dot', pos: t.pos, src: '.', names: [] };
        break;
      case 'var':
        op = { kind: 'var', pos: t.pos, src: t.text, name: t.text, names: [] };
        break;
      case 'string':
      case 'number':
      case 'char':
        op = { kind: 'literal', pos: t.pos, src: t.text, value: t.value };
        break;
      case 'ident':
        if (t.text === 'true' || t.text === 'false') op = { kind: 'literal', pos: t.pos, src: t.text, value: t.text === 'true' };
        else if (t.text === 'nil') op = { kind: 'nil', pos: t.pos, src: 'nil' };
        else if (KEYWORDS.has(t.text)) throw new Failure(t.pos, `unexpected <${t.text}> in command`);
        else if (!this.funcs.has(t.text)) throw new Failure(t.pos, `function "${t.text}" not defined`);
        else op = { kind: 'func', pos: t.pos, src: t.text, name: t.text };
        break;
      case 'lparen': {
        let depth = 1;
        let j = i + 1;
        for (; j < to; j++) {
          const k = tokens[j]!.kind;
          if (k === 'lparen') depth++;
          if (k === 'rparen' && --depth === 0) break;
        }
        if (j >= to) throw new Failure(t.pos, 'unclosed left paren');
        const pipe = this.pipeline(tokens, i + 1, j, 'parenthesized pipeline', false);
        if (pipe.decl.length > 0) throw new Failure(t.pos, 'declaration inside parentheses');
        op = { kind: 'paren', pos: t.pos, src: '(' + tokens.slice(i + 1, j).map((x) => x.text).join(' ') + ')', pipe, names: [] };
        next = j + 1;
        break;
      }
      default:
        throw new Failure(t.pos, `unexpected "${t.text}" in command`);
    }
    // Field chains bind to the operand before them when no space separates them.
    while (next < to && tokens[next]!.kind === 'field' && !tokens[next]!.spaceBefore) {
      const f = tokens[next]!;
      if (op.kind === 'field' || op.kind === 'var' || op.kind === 'paren') {
        op.names.push(f.text.slice(1));
        op.src += f.text;
      } else {
        throw new Failure(f.pos, `unexpected ${f.text} after ${op.src}`);
      }
      next++;
    }
    return [op, next];
  }
}

// ---------------------------------------------------------------------------
// Functions: Go's builtins plus the ones Podman adds.

type Fn = (...args: unknown[]) => unknown;

function wantString(v: unknown): string {
  if (typeof v !== 'string') throw new Error(`wrong type for value; expected string; got ${goType(v)}`);
  return v;
}

function wantInt(v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new Error(`expected integer; found ${goString(v)}`);
  return v;
}

function wantStrings(v: unknown): string[] {
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) {
    throw new Error(`wrong type for value; expected []string; got ${goType(v)}`);
  }
  return v as string[];
}

function argc(name: string, args: unknown[], n: number): void {
  if (args.length !== n) throw new Error(`wrong number of args for ${name}: want ${n} got ${args.length}`);
}

function basicKind(v: unknown): string {
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float';
  if (typeof v === 'string' || typeof v === 'boolean') return typeof v;
  if (v === undefined || v === null) return 'nil';
  throw new Error(`invalid type for comparison`);
}

function compare(a: unknown, b: unknown): number {
  const ka = basicKind(a);
  const kb = basicKind(b);
  const numeric = (k: string): boolean => k === 'int' || k === 'float';
  if (ka !== kb && !(numeric(ka) && numeric(kb))) throw new Error('incompatible types for comparison');
  if (ka === 'bool' || ka === 'nil') throw new Error('invalid type for comparison');
  return (a as number | string) < (b as number | string) ? -1 : (a as number | string) > (b as number | string) ? 1 : 0;
}

function goTitle(s: string): string {
  return s.replace(/(^|[^\p{L}\p{N}_'])(\p{Ll})/gu, (_m, pre: string, c: string) => pre + c.toUpperCase());
}

function indexOne(item: unknown, key: unknown): unknown {
  if (Array.isArray(item) || typeof item === 'string') {
    const i = wantInt(key);
    const len = typeof item === 'string' ? Buffer.byteLength(item) : item.length;
    if (i < 0 || i >= len) throw new Error(`error calling index: index out of range: ${i}`);
    return typeof item === 'string' ? Buffer.from(item)[i] : item[i];
  }
  if (item instanceof Map) return item.has(key) ? item.get(key) : '';
  if (item !== null && typeof item === 'object') {
    const r = lookup(item, String(key));
    // Podman's maps are map[string]string: a missing key is the zero value, "".
    return r.found ? r.value : '';
  }
  throw new Error(`error calling index: can't index item of type ${goType(item)}`);
}

const FUNCS: Record<string, Fn> = {
  // Podman's additions (containers/common pkg/report).
  join: (...a) => {
    argc('join', a, 2);
    return wantStrings(a[0]).join(wantString(a[1]));
  },
  json: (...a) => {
    argc('json', a, 1);
    return goJson(a[0]);
  },
  lower: (...a) => (argc('lower', a, 1), wantString(a[0]).toLowerCase()),
  upper: (...a) => (argc('upper', a, 1), wantString(a[0]).toUpperCase()),
  title: (...a) => (argc('title', a, 1), goTitle(wantString(a[0]))),
  split: (...a) => (argc('split', a, 2), wantString(a[0]).split(wantString(a[1]))),
  truncate: (...a) => {
    argc('truncate', a, 2);
    const s = wantString(a[0]);
    const n = wantInt(a[1]);
    return [...s].length < n ? s : [...s].slice(0, Math.max(0, n)).join('');
  },
  pad: (...a) => {
    argc('pad', a, 3);
    return ' '.repeat(Math.max(0, wantInt(a[1]))) + wantString(a[0]) + ' '.repeat(Math.max(0, wantInt(a[2])));
  },
  // Go's builtins. `and`/`or` are evaluated lazily by the executor.
  not: (...a) => (argc('not', a, 1), !truthy(a[0])),
  len: (...a) => {
    argc('len', a, 1);
    const v = a[0];
    if (typeof v === 'string') return Buffer.byteLength(v);
    if (Array.isArray(v)) return v.length;
    if (v instanceof Map) return v.size;
    if (v !== null && typeof v === 'object' && !isStructLike(v)) return Object.keys(v).length;
    throw new Error(`error calling len: len of type ${goType(v)}`);
  },
  index: (...a) => {
    if (a.length < 1) throw new Error('wrong number of args for index: want at least 1 got 0');
    let item = a[0];
    for (const k of a.slice(1)) item = indexOne(item, k);
    return item;
  },
  slice: (...a) => {
    const item = a[0];
    const idx = a.slice(1).map(wantInt);
    if (typeof item !== 'string' && !Array.isArray(item)) throw new Error(`error calling slice: can't slice item of type ${goType(item)}`);
    const len = item.length;
    const lo = idx[0] ?? 0;
    const hi = idx[1] ?? len;
    if (lo < 0 || hi > len || lo > hi) throw new Error(`error calling slice: index out of range: ${hi}`);
    return item.slice(lo, hi);
  },
  eq: (...a) => {
    if (a.length < 2) throw new Error('missing argument for comparison');
    const [x, ...ys] = a;
    basicKind(x);
    return ys.some((y) => (basicKind(y), x === y));
  },
  ne: (...a) => (argc('ne', a, 2), compareEq(a[0], a[1]) === false),
  lt: (...a) => (argc('lt', a, 2), compare(a[0], a[1]) < 0),
  le: (...a) => (argc('le', a, 2), compare(a[0], a[1]) <= 0),
  gt: (...a) => (argc('gt', a, 2), compare(a[0], a[1]) > 0),
  ge: (...a) => (argc('ge', a, 2), compare(a[0], a[1]) >= 0),
  print: (...a) => {
    // fmt.Sprint: a space between operands when neither side is a string.
    let s = '';
    a.forEach((v, i) => {
      if (i > 0 && typeof v !== 'string' && typeof a[i - 1] !== 'string') s += ' ';
      s += goString(v);
    });
    return s;
  },
  println: (...a) => a.map(goString).join(' ') + '\n',
  printf: (...a) => {
    if (a.length < 1) throw new Error('wrong number of args for printf: want at least 1 got 0');
    return goSprintf(wantString(a[0]), a.slice(1));
  },
  html: (...a) => a.map(goString).join('').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&#34;', "'": '&#39;' })[c]!),
  urlquery: (...a) => encodeURIComponent(a.map(goString).join('')),
  and: () => undefined,
  or: () => undefined,
};

function compareEq(a: unknown, b: unknown): boolean {
  basicKind(a);
  basicKind(b);
  return a === b;
}

const FUNC_NAMES: ReadonlySet<string> = new Set(Object.keys(FUNCS));

// ---------------------------------------------------------------------------
// Executor

/** How the header row of a `table` template names a field. */
export type HeaderResolver = (field: string, path: string[]) => string;

class Exec {
  private vars: Array<{ name: string; value: unknown }> = [];
  out = '';

  constructor(
    private readonly name: string,
    private readonly text: string,
    private readonly header: HeaderResolver | undefined,
  ) {}

  run(nodes: Node[], dot: unknown, root: unknown): void {
    this.vars = [{ name: '$', value: root }];
    this.list(nodes, dot);
  }

  private fail(pos: number, at: string, message: string): never {
    throw new Failure(pos, message, at);
  }

  private list(nodes: Node[], dot: unknown): void {
    for (const n of nodes) this.node(n, dot);
  }

  private node(n: Node, dot: unknown): void {
    switch (n.kind) {
      case 'text':
        this.out += n.text;
        return;
      case 'action': {
        if (this.header) {
          if (n.pipe.decl.length === 0) this.out += this.headerOf(n.pipe) ?? goString(this.pipe(n.pipe, dot));
          return;
        }
        const v = this.pipe(n.pipe, dot);
        if (n.pipe.decl.length === 0) this.out += goString(v);
        return;
      }
      case 'if':
      case 'with': {
        const mark = this.vars.length;
        const v = this.header ? dot : this.pipe(n.pipe, dot);
        if (this.header || truthy(v)) this.list(n.list, n.kind === 'with' && !this.header ? v : dot);
        else if (n.elseList) this.list(n.elseList, dot);
        this.vars.length = mark;
        return;
      }
      case 'range':
        this.range(n, dot);
        return;
      case 'break':
        throw BREAK;
      case 'continue':
        throw CONTINUE;
    }
  }

  private range(n: ControlNode, dot: unknown): void {
    const mark = this.vars.length;
    if (this.header) {
      // A header row has no items: show the body once, naming its fields.
      try {
        this.list(n.list, dot);
      } catch (e) {
        if (e !== BREAK && e !== CONTINUE) throw e;
      }
      this.vars.length = mark;
      return;
    }
    const v = this.pipe({ ...n.pipe, decl: [] }, dot);
    let entries: Array<[unknown, unknown]>;
    if (Array.isArray(v)) entries = v.map((x, i) => [i, x]);
    else if (v instanceof Map) entries = [...v.keys()].map(String).sort().map((k) => [k, v.get(k)]);
    else if (v !== null && typeof v === 'object' && !isStructLike(v)) {
      const o = v as Record<string, unknown>;
      entries = Object.keys(o).sort().map((k) => [k, o[k]]);
    } else if (typeof v === 'number' && Number.isInteger(v) && v >= 0) entries = Array.from({ length: v }, (_x, i) => [i, i]);
    else if (v === undefined || v === null) entries = [];
    else this.fail(n.pipe.cmds[0]?.pos ?? n.pos, n.pipe.cmds[0]?.src ?? 'range', `range can't iterate over ${goString(v)}`);
    if (entries.length === 0) {
      if (n.elseList) this.list(n.elseList, dot);
      this.vars.length = mark;
      return;
    }
    for (const [k, x] of entries) {
      this.vars.length = mark;
      if (n.pipe.decl.length === 1) this.vars.push({ name: n.pipe.decl[0]!, value: x });
      if (n.pipe.decl.length === 2) this.vars.push({ name: n.pipe.decl[0]!, value: k }, { name: n.pipe.decl[1]!, value: x });
      try {
        this.list(n.list, x);
      } catch (e) {
        if (e === BREAK) break;
        if (e !== CONTINUE) throw e;
      }
    }
    this.vars.length = mark;
  }

  /** The header cell of an action: the first field it refers to, by its header name. */
  private headerOf(pipe: Pipe): string | undefined {
    for (const c of pipe.cmds) {
      for (const a of c.args) {
        if ((a.kind === 'field' || a.kind === 'var' || a.kind === 'paren') && a.names.length > 0) {
          return this.header!(a.names[a.names.length - 1]!, a.names);
        }
        if (a.kind === 'paren') {
          const inner = this.headerOf(a.pipe);
          if (inner !== undefined) return inner;
        }
      }
    }
    return undefined;
  }

  private pipe(pipe: Pipe, dot: unknown): unknown {
    let value: unknown;
    let have = false;
    for (const c of pipe.cmds) {
      value = this.command(c, dot, have ? [value] : []);
      have = true;
    }
    if (pipe.decl.length > 0) {
      const name = pipe.decl[0]!;
      if (pipe.assign) {
        const v = [...this.vars].reverse().find((x) => x.name === name);
        if (!v) this.fail(pipe.pos, name, `undefined variable: ${name}`);
        v.value = value;
      } else {
        this.vars.push({ name, value });
      }
    }
    return value;
  }

  private command(c: Command, dot: unknown, final: unknown[]): unknown {
    const [head, ...rest] = c.args;
    if (!head) return undefined;
    switch (head.kind) {
      case 'field':
        return this.chain(dot, head.names, rest, final, dot, head);
      case 'var':
        return this.chain(this.variable(head), head.names, rest, final, dot, head);
      case 'paren':
        return this.chain(this.pipe(head.pipe, dot), head.names, rest, final, dot, head);
      case 'func':
        return this.call(head, rest, final, dot);
      default:
        if (rest.length > 0 || final.length > 0) this.fail(head.pos, head.src, `can't give argument to non-function ${head.src}`);
        return this.arg(head, dot);
    }
  }

  private variable(op: Extract<Operand, { kind: 'var' }>): unknown {
    for (let i = this.vars.length - 1; i >= 0; i--) if (this.vars[i]!.name === op.name) return this.vars[i]!.value;
    return this.fail(op.pos, op.src, `undefined variable: ${op.name}`);
  }

  private arg(op: Operand, dot: unknown): unknown {
    switch (op.kind) {
      case 'dot':
        return dot;
      case 'literal':
        return op.value;
      case 'nil':
        return this.fail(op.pos, 'nil', 'nil is not a command');
      case 'func':
        return this.call(op, [], [], dot);
      default:
        return this.command({ pos: op.pos, src: op.src, args: [op] }, dot, []);
    }
  }

  private chain(receiver: unknown, names: string[], rest: Operand[], final: unknown[], dot: unknown, op: Operand): unknown {
    if (names.length === 0) {
      if (rest.length > 0 || final.length > 0) this.fail(op.pos, op.src, `can't give argument to non-function ${op.src}`);
      return receiver;
    }
    let v = receiver;
    names.forEach((name, i) => {
      const lastName = i === names.length - 1;
      const args = lastName ? [...rest.map((a) => (a.kind === 'nil' ? null : this.arg(a, dot))), ...final] : [];
      v = this.field(v, name, args, op);
    });
    return v;
  }

  private field(receiver: unknown, name: string, args: unknown[], op: Operand): unknown {
    if (receiver === undefined || receiver === null) {
      return this.fail(op.pos, op.src, `nil pointer evaluating ${goType(receiver) === '<nil>' ? 'interface {}' : goType(receiver)}.${name}`);
    }
    if (typeof receiver === 'object' && !Array.isArray(receiver)) {
      const r = lookup(receiver, name);
      if (r.found) {
        if (typeof r.value === 'function') {
          try {
            return (r.value as Fn).apply(receiver, args);
          } catch (e) {
            if (e instanceof Failure) throw e;
            return this.fail(op.pos, op.src, `error calling ${name}: ${(e as Error).message}`);
          }
        }
        if (args.length > 0) this.fail(op.pos, op.src, `${name} has arguments but cannot be invoked as function`);
        return r.value;
      }
      if (!isStructLike(receiver) && !(receiver instanceof Date)) {
        if (args.length > 0) this.fail(op.pos, op.src, `${name} is not a method but has arguments`);
        return undefined;
      }
    }
    return this.fail(op.pos, op.src, `can't evaluate field ${name} in type ${goType(receiver)}`);
  }

  private call(fn: Extract<Operand, { kind: 'func' }>, rest: Operand[], final: unknown[], dot: unknown): unknown {
    const evalArg = (a: Operand): unknown => (a.kind === 'nil' ? null : this.arg(a, dot));
    if (fn.name === 'and' || fn.name === 'or') {
      const all: Array<() => unknown> = [...rest.map((a) => () => evalArg(a)), ...final.map((f) => () => f)];
      if (all.length === 0) this.fail(fn.pos, fn.src, `wrong number of args for ${fn.name}: want at least 1 got 0`);
      let v: unknown;
      for (const get of all) {
        v = get();
        if (fn.name === 'and' ? !truthy(v) : truthy(v)) return v;
      }
      return v;
    }
    const args = [...rest.map(evalArg), ...final];
    try {
      return FUNCS[fn.name]!(...args);
    } catch (e) {
      if (e instanceof Failure) throw e;
      const at = rest.find((a) => a.kind === 'field' || a.kind === 'var') ?? fn;
      return this.fail(at.pos, at.src, (e as Error).message);
    }
  }
}

const BREAK = Symbol('break');
const CONTINUE = Symbol('continue');

// ---------------------------------------------------------------------------
// Public API

export interface CompileOptions {
  /** Template name in error messages, as Podman uses the command name (`template: ps:1:...`). */
  name?: string;
  /** `table` formats: Podman turns spaces between actions into column breaks. */
  spacesToTabs?: boolean;
}

export interface Template {
  readonly source: string;
  /** Renders with `data` as dot (and `$`). */
  execute(data: unknown): string;
  /** Renders the header row: every field action prints its column name instead of a value. */
  executeHeader(resolve: HeaderResolver): string;
  /** True when the template's own text ends with a newline (Podman then adds none). */
  readonly endsWithNewline: boolean;
}

function toTpodError(e: unknown, name: string, text: string, phase: 'parse' | 'exec'): never {
  if (e instanceof Failure) {
    const [line, col] = lineCol(text, e.pos);
    const msg = phase === 'parse'
      ? `template: ${name}:${line}: ${e.message}`
      : `template: ${name}:${line}:${col}: executing "${name}" at <${e.at ?? ''}>: ${e.message}`;
    throw new TpodError('EUSAGE', msg);
  }
  if (e instanceof TpodError) throw e;
  throw new TpodError('EUSAGE', `template: ${name}: ${(e as Error)?.message ?? String(e)}`);
}

/** Parses once; execute per item. Bad templates throw TpodError('EUSAGE'). */
export function compileTemplate(source: string, opts: CompileOptions = {}): Template {
  const name = opts.name ?? 'output';
  let nodes: Node[];
  try {
    nodes = new Parser(lexTemplate(source, opts.spacesToTabs ?? false), FUNC_NAMES).parse();
  } catch (e) {
    toTpodError(e, name, source, 'parse');
  }
  const lastText = [...nodes].reverse()[0];
  const run = (data: unknown, header: HeaderResolver | undefined): string => {
    const ex = new Exec(name, source, header);
    try {
      ex.run(nodes, data, data);
    } catch (e) {
      toTpodError(e, name, source, 'exec');
    }
    return ex.out;
  };
  return {
    source,
    execute: (data) => run(data, undefined),
    executeHeader: (resolve) => run(undefined, resolve),
    endsWithNewline: lastText?.kind === 'text' && lastText.text.endsWith('\n'),
  };
}

/** Renders a Go template against `data`. `\t` and `\n` typed in the text become tab and newline. */
export function renderTemplate(tmpl: string, data: unknown): string {
  return compileTemplate(tmpl).execute(data);
}

/** `json`, `{{json}}`, `{{ json . }}`: print the whole result as JSON (Podman's report.IsJSON). */
export function isJsonFormat(format: string | undefined): boolean {
  return format !== undefined && /^\s*(json|\{\{\s*json *\.?\s*\}\})\s*$/.test(format);
}

/** `table {{.ID}}...`: a table with a header row (Podman's report.HasTable). */
export function isTableFormat(format: string | undefined): boolean {
  return format !== undefined && format.startsWith('table ');
}

/** Splits a Go field name into words the way Podman's camelcase does: `CreatedAt` -> `Created At`, `ImageID` -> `Image ID`. */
export function splitCamelCase(s: string): string[] {
  const cls = (c: string): number => (/\p{Ll}/u.test(c) ? 1 : /\p{Lu}/u.test(c) ? 2 : /\p{N}/u.test(c) ? 3 : 4);
  const runs: string[] = [];
  let last = 0;
  for (const c of s) {
    const k = cls(c);
    if (k === last && runs.length > 0) runs[runs.length - 1] += c;
    else runs.push(c);
    last = k;
  }
  // An upper-case run followed by a lower-case run gives its last letter to the lower one (`HTTPServer`).
  for (let i = 0; i < runs.length - 1; i++) {
    const a = [...runs[i]!];
    const b = runs[i + 1]!;
    if (a.length > 0 && cls(a[0]!) === 2 && cls(b[0]!) === 1) {
      runs[i + 1] = a.pop()! + b;
      runs[i] = a.join('');
    }
  }
  return runs.filter((r) => r !== '');
}

/** Podman's default column name for a field: its words, upper-cased. */
export function defaultHeader(field: string): string {
  return splitCamelCase(field).join(' ').toUpperCase();
}

/** Adds template-only fields (Podman's reporter methods, e.g. `.ID` truncated, `.Size` human)
 *  as non-enumerable getters, so `--format json` output keeps the plain JSON shape. */
export function withTemplateFields<T extends object>(obj: T, fields: Record<string, (this: T) => unknown>): T {
  for (const [k, get] of Object.entries(fields)) {
    Object.defineProperty(obj, k, { get, enumerable: false, configurable: true });
  }
  return obj;
}
