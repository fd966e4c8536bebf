// The executing half of the --format template engine (src/cli/format.ts): Go's
// builtins plus Podman's functions, and the executor that walks the parsed tree.
import { goJson, goString, goSprintf, goType, isStructLike, lookup, truthy } from './gofmt.js';
import { Failure, type Command, type ControlNode, type Node, type Operand, type Pipe } from './template-parse.js';

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

export const FUNC_NAMES: ReadonlySet<string> = new Set(Object.keys(FUNCS));

// ---------------------------------------------------------------------------
// Executor

/** How the header row of a `table` template names a field. */
export type HeaderResolver = (field: string, path: string[]) => string;

export class Exec {
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
