// Go's fmt and encoding/json views of JS values, for the template renderer: how `{{.X}}`
// prints (%v), Go truthiness, struct-vs-map lookups, printf verbs and JSON marshalling.
import { goPrecision } from '../util/units.js';

/** Objects whose own keys all look like exported Go fields act like structs (a missing field is an error);
 *  other plain objects act like maps (a missing key prints `<no value>`). */
export function isStructLike(v: object): boolean {
  if (v instanceof Map || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v) as object | null;
  if (proto !== Object.prototype && proto !== null) return true;
  const keys = Object.keys(v);
  return keys.length > 0 && keys.every((k) => /^[A-Z]/.test(k));
}

/** Own properties and class members, never Object.prototype's (`toString`, `constructor`). */
export function lookup(obj: object, name: string): { found: boolean; value?: unknown } {
  if (obj instanceof Map) return obj.has(name) ? { found: true, value: obj.get(name) } : { found: false };
  for (let o: object | null = obj; o && o !== Object.prototype; o = Object.getPrototypeOf(o) as object | null) {
    if (Object.prototype.hasOwnProperty.call(o, name)) {
      return { found: true, value: (obj as Record<string, unknown>)[name] };
    }
  }
  return { found: false };
}

export function goType(v: unknown): string {
  if (v === undefined || v === null) return '<nil>';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float64';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'function') return 'func';
  if (Array.isArray(v)) return v.length > 0 && v.every((x) => typeof x === 'string') ? '[]string' : '[]interface {}';
  if (v instanceof Date) return 'time.Time';
  if (typeof v === 'object') {
    if (isStructLike(v)) {
      const name = (Object.getPrototypeOf(v) as { constructor?: { name?: string } } | null)?.constructor?.name;
      return name && name !== 'Object' ? name : 'struct';
    }
    const values = v instanceof Map ? [...v.values()] : Object.values(v);
    return values.length > 0 && values.every((x) => typeof x === 'string') ? 'map[string]string' : 'map[string]interface {}';
  }
  return typeof v;
}

/** Go's truth: false, 0, nil, empty string/slice/map are false; structs are true. */
export function truthy(v: unknown): boolean {
  if (v === undefined || v === null || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (v instanceof Map) return v.size > 0;
  if (v instanceof Date) return true;
  if (typeof v === 'object') return isStructLike(v) || Object.keys(v).length > 0;
  return true;
}

function goFloat(n: number): string {
  if (Number.isInteger(n) && Math.abs(n) < 1e21) return String(n);
  if (!Number.isFinite(n)) return Number.isNaN(n) ? 'NaN' : n > 0 ? '+Inf' : '-Inf';
  const exp = Math.floor(Math.log10(Math.abs(n)));
  if (exp < -4 || exp >= 21) return goExponent(n.toExponential());
  return String(n);
}

/** JS `1.5e+6` -> Go `1.5e+06`. */
function goExponent(s: string): string {
  return s.replace(/e([+-])(\d)$/, 'e$10$2');
}

function pad2(n: number, w = 2): string {
  return String(n).padStart(w, '0');
}

function goTime(d: Date): string {
  const frac = d.getUTCMilliseconds() ? '.' + pad2(d.getUTCMilliseconds(), 3).replace(/0+$/, '') : '';
  return `${d.getUTCFullYear()}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())} ${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())}${frac} +0000 UTC`;
}

/** fmt.Sprint's view of a value (`%v`). */
export function goString(v: unknown): string {
  if (v === undefined) return '<no value>';
  if (v === null) return '<nil>';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return goFloat(v);
  if (typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (v instanceof Date) return goTime(v);
  if (Array.isArray(v)) return '[' + v.map(inner).join(' ') + ']';
  if (v instanceof Map) {
    return 'map[' + [...v.keys()].map(String).sort().map((k) => `${k}:${inner(v.get(k))}`).join(' ') + ']';
  }
  if (typeof v === 'object') {
    if (isStructLike(v)) return '{' + Object.keys(v).map((k) => inner((v as Record<string, unknown>)[k])).join(' ') + '}';
    const o = v as Record<string, unknown>;
    return 'map[' + Object.keys(o).sort().map((k) => `${k}:${inner(o[k])}`).join(' ') + ']';
  }
  return String(v);
}

// Inside containers Go prints nil as <nil>, never <no value>.
function inner(v: unknown): string {
  return v === undefined ? '<nil>' : goString(v);
}

/** Go's encoding/json view: maps get sorted keys, structs keep their field order, no HTML escaping. */
export function goJson(v: unknown): string {
  return JSON.stringify(sortMaps(v)) ?? 'null';
}

/** json.MarshalIndent, as Podman prints `--format json`: Go escapes <, > and & in strings. */
export function goJsonIndent(v: unknown, indent: number): string {
  const s = JSON.stringify(sortMaps(v), null, indent) ?? 'null';
  return s.replace(/[<>&\u2028\u2029]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
}

function sortMaps(v: unknown): unknown {
  if (v === null || typeof v !== 'object') return v;
  const withJson = v as { toJSON?: () => unknown };
  if (typeof withJson.toJSON === 'function') return withJson.toJSON();
  if (Array.isArray(v)) return v.map((x) => (x === undefined ? null : sortMaps(x)));
  if (v instanceof Map) v = Object.fromEntries(v);
  const o = v as Record<string, unknown>;
  const keys = isStructLike(o) ? Object.keys(o) : Object.keys(o).sort();
  const out: Record<string, unknown> = {};
  for (const k of keys) out[k] = sortMaps(o[k]);
  return out;
}

// ---------------------------------------------------------------------------
// printf: the verbs people use (%s %v %q %d %x %X %o %b %c %t %f %e %g %%), flags, width, precision.

export function goSprintf(format: string, args: unknown[]): string {
  let out = '';
  let argi = 0;
  const re = /%([-+# 0]*)(\*|\d+)?(?:\.(\*|\d+)?)?([a-zA-Z%])/g;
  let last = 0;
  for (let m = re.exec(format); m; m = re.exec(format)) {
    out += format.slice(last, m.index);
    last = re.lastIndex;
    const flags = m[1] ?? '';
    const verb = m[4]!;
    if (verb === '%') {
      out += '%';
      continue;
    }
    let width: number | undefined;
    let prec: number | undefined;
    if (m[2] === '*') width = Number(args[argi++]);
    else if (m[2] !== undefined) width = Number(m[2]);
    if (m[3] === '*') prec = Number(args[argi++]);
    else if (m[3] !== undefined) prec = Number(m[3]);
    else if (m[0].includes('.')) prec = 0;
    if (argi >= args.length) {
      out += `%!${verb}(MISSING)`;
      continue;
    }
    const arg = args[argi++];
    let s = formatVerb(verb, arg, flags, prec);
    const numeric = typeof arg === 'number' && 'dxXobfeEgG'.includes(verb);
    if (width !== undefined && [...s].length < width) {
      const fill = width - [...s].length;
      if (flags.includes('-')) s += ' '.repeat(fill);
      else if (flags.includes('0') && numeric) {
        const sign = /^[+-]/.test(s) ? s.charAt(0) : '';
        s = sign + '0'.repeat(fill) + s.slice(sign.length);
      } else s = ' '.repeat(fill) + s;
    }
    out += s;
  }
  out += format.slice(last);
  if (argi < args.length) {
    out += '%!(EXTRA ' + args.slice(argi).map((a) => `${goType(a)}=${goString(a)}`).join(', ') + ')';
  }
  return out;
}

function formatVerb(verb: string, arg: unknown, flags: string, prec: number | undefined): string {
  const sign = (n: number, s: string): string => (n >= 0 && flags.includes('+') ? '+' + s : n >= 0 && flags.includes(' ') ? ' ' + s : s);
  switch (verb) {
    case 'v':
    case 's': {
      const s = goString(arg);
      return prec !== undefined && verb === 's' ? [...s].slice(0, prec).join('') : s;
    }
    case 'q':
      if (typeof arg === 'number' && Number.isInteger(arg)) return `'${String.fromCodePoint(arg)}'`;
      return JSON.stringify(goString(arg));
    case 't':
      return typeof arg === 'boolean' ? String(arg) : `%!t(${goType(arg)}=${goString(arg)})`;
    case 'c':
      return typeof arg === 'number' ? String.fromCodePoint(arg) : `%!c(${goType(arg)}=${goString(arg)})`;
    case 'd':
      if (typeof arg !== 'number' || !Number.isInteger(arg)) return `%!d(${goType(arg)}=${goString(arg)})`;
      return sign(arg, String(arg));
    case 'x':
    case 'X':
    case 'o':
    case 'b': {
      const base = verb === 'o' ? 8 : verb === 'b' ? 2 : 16;
      let s: string;
      if (typeof arg === 'number' && Number.isInteger(arg)) s = (arg < 0 ? '-' : '') + Math.abs(arg).toString(base);
      else if (typeof arg === 'string' && base === 16) s = Buffer.from(arg, 'utf8').toString('hex');
      else return `%!${verb}(${goType(arg)}=${goString(arg)})`;
      if (flags.includes('#')) s = (verb === 'o' ? '0' : verb === 'b' ? '0b' : '0x') + s;
      return verb === 'X' ? s.toUpperCase() : s;
    }
    case 'f':
    case 'F':
    case 'e':
    case 'E':
    case 'g':
    case 'G': {
      if (typeof arg !== 'number') return `%!${verb}(${goType(arg)}=${goString(arg)})`;
      let s: string;
      if (verb === 'f' || verb === 'F') s = arg.toFixed(prec ?? 6);
      else if (verb === 'e' || verb === 'E') s = goExponent(arg.toExponential(prec ?? 6));
      else s = prec === undefined ? goFloat(arg) : goPrecision(arg, prec === 0 ? 1 : prec);
      s = sign(arg, s);
      return verb === verb.toUpperCase() ? s.toUpperCase() : s;
    }
    default:
      return `%!${verb}(${goType(arg)}=${goString(arg)})`;
  }
}

