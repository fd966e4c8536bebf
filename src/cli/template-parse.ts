// The parsing half of the --format template engine (src/cli/format.ts): the syntax
// tree, Go's error shape, the lexer and the parser. No heavy imports (ps, images).
// ---------------------------------------------------------------------------
// Syntax tree

export type Operand =
  | { kind: 'field'; pos: number; src: string; names: string[] } // .A.B
  | { kind: 'dot'; pos: number; src: string; names: string[] } // . (names always empty)
  | { kind: 'var'; pos: number; src: string; name: string; names: string[] } // $x.A
  | { kind: 'func'; pos: number; src: string; name: string }
  | { kind: 'literal'; pos: number; src: string; value: unknown }
  | { kind: 'nil'; pos: number; src: string }
  | { kind: 'paren'; pos: number; src: string; pipe: Pipe; names: string[] }; // (pipe).A

export interface Command { pos: number; src: string; args: Operand[] }
export interface Pipe { pos: number; decl: string[]; assign: boolean; cmds: Command[] }

export interface ControlNode { kind: 'if' | 'with' | 'range'; pos: number; pipe: Pipe; list: Node[]; elseList: Node[] | undefined }
export type Node =
  | { kind: 'text'; text: string }
  | { kind: 'action'; pos: number; pipe: Pipe }
  | ControlNode
  | { kind: 'break' | 'continue'; pos: number };

// ---------------------------------------------------------------------------
// Errors, with Go's `template: NAME:LINE:COL: ...` shape

export class Failure {
  constructor(readonly pos: number, readonly message: string, readonly at?: string) {}
}

export function lineCol(text: string, pos: number): [number, number] {
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

export function lexTemplate(src: string, spacesToTabs: boolean): RawItem[] {
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

export class Parser {
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
