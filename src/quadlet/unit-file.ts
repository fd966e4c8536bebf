// A systemd unit file (Quadlet files are unit files) read with line numbers, so every
// warning and error can name FILE:LINE. Keeps sections, keys and comments in order and
// writes them back out. Lookups follow systemd and Podman's Quadlet: the last value of a
// key wins, an empty value resets a list key, `\` at the end of a line continues it.
import { basename } from 'node:path';
import { TpodError } from '../errors.js';
import { splitWords, WordError } from './words.js';

/** Where a value came from. */
export interface Where {
  path: string;
  line: number;
}

export interface UnitEntry {
  kind: 'entry';
  key: string;
  value: string;
  where?: Where | undefined;
}

export interface UnitComment {
  kind: 'comment';
  text: string;
}

export type UnitItem = UnitEntry | UnitComment;

export interface UnitSection {
  name: string;
  items: UnitItem[];
  /** Where its header first appeared. */
  where?: Where | undefined;
}

/** Something worth a warning, with its place. */
export interface Diagnostic {
  where?: Where | undefined;
  message: string;
}

export function formatWhere(where: Where | undefined): string {
  return where ? `${where.path}:${where.line}` : '';
}

export function formatDiagnostic(d: Diagnostic): string {
  return d.where ? `${formatWhere(d.where)}: ${d.message}` : d.message;
}

const TRUE_WORDS = new Set(['1', 'yes', 'true', 'on']);
const FALSE_WORDS = new Set(['0', 'no', 'false', 'off']);

export class UnitFile {
  /** The file's own name (web.container, web.service). */
  filename: string;
  sections: UnitSection[] = [];
  /** Comment lines before the first section. */
  leading: string[] = [];

  constructor(readonly path: string, filename?: string) {
    this.filename = filename ?? basename(path);
  }

  // ------------------------------------------------------------------ reading

  static parse(text: string, path: string, filename?: string): UnitFile {
    const f = new UnitFile(path, filename);
    const lines = text.replace(/\r\n/g, '\n').split('\n');
    if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
    let current: UnitSection | undefined;
    let pending: { text: string; line: number } | undefined;
    for (let i = 0; i < lines.length; i++) {
      const raw = lines[i]!.trim();
      const lineNo = i + 1;
      const isComment = raw === '' || raw.startsWith('#') || raw.startsWith(';');
      if (pending) {
        // systemd skips comment lines inside a continued value.
        if (isComment && raw !== '') continue;
        if (raw.endsWith('\\') && i < lines.length - 1) {
          pending.text += ' ' + raw.slice(0, -1);
          continue;
        }
        const full = pending.text + ' ' + (raw.endsWith('\\') ? raw.slice(0, -1) : raw);
        const line = pending.line;
        pending = undefined;
        current = f.parseLine(full.trim(), line, current);
        continue;
      }
      if (isComment) {
        if (current) current.items.push({ kind: 'comment', text: raw });
        else f.leading.push(raw);
        continue;
      }
      if (raw.endsWith('\\') && i < lines.length - 1) {
        pending = { text: raw.slice(0, -1), line: lineNo };
        continue;
      }
      current = f.parseLine(raw.endsWith('\\') ? raw.slice(0, -1) : raw, lineNo, current);
    }
    if (pending) current = f.parseLine(pending.text.trim(), pending.line, current);
    // Blank lines at the end of a section are layout, re-added on writing.
    for (const s of f.sections) while (s.items.length > 0 && (s.items[s.items.length - 1] as UnitComment).text === '') s.items.pop();
    return f;
  }

  private parseLine(line: string, lineNo: number, current: UnitSection | undefined): UnitSection | undefined {
    const where = { path: this.path, line: lineNo };
    if (line.startsWith('[')) {
      const m = /^\[([^[\]]+)\]\s*$/.exec(line);
      if (!m || /[\x00-\x1f]/.test(m[1]!)) throw new TpodError('EQUADLET', `${formatWhere(where)}: invalid section header "${line}"`);
      const s = this.ensureSection(m[1]!);
      s.where ??= where;
      return s;
    }
    const eq = line.indexOf('=');
    if (eq <= 0) throw new TpodError('EQUADLET', `${formatWhere(where)}: "${line}" is not a [Section] header, a KEY=VALUE line or a comment`);
    const key = line.slice(0, eq).trimEnd();
    if (!current) throw new TpodError('EQUADLET', `${formatWhere(where)}: ${key}= comes before the first [Section] header`);
    current.items.push({ kind: 'entry', key, value: line.slice(eq + 1).trimStart(), where });
    return current;
  }

  /** Merges a drop-in (X.container.d/*.conf): its entries come after ours. */
  merge(other: UnitFile): void {
    for (const s of other.sections) {
      const mine = this.ensureSection(s.name);
      mine.where ??= s.where;
      mine.items.push(...s.items.map((it) => ({ ...it })));
    }
  }

  /** A copy with another file name (the generated service starts as a copy of the Quadlet file). */
  dup(filename: string): UnitFile {
    const f = new UnitFile(this.path, filename);
    f.merge(this);
    return f;
  }

  // ------------------------------------------------------------------ lookups

  section(name: string): UnitSection | undefined {
    return this.sections.find((s) => s.name === name);
  }

  hasSection(name: string): boolean {
    return this.section(name) !== undefined;
  }

  entries(section: string, key?: string): UnitEntry[] {
    const s = this.section(section);
    if (!s) return [];
    return s.items.filter((it): it is UnitEntry => it.kind === 'entry' && (key === undefined || it.key === key));
  }

  has(section: string, key: string): boolean {
    return this.entries(section, key).length > 0;
  }

  /** The last entry of a key. */
  lastEntry(section: string, key: string): UnitEntry | undefined {
    const all = this.entries(section, key);
    return all[all.length - 1];
  }

  /**
   * The last value, without trailing blanks and without one pair of surrounding double
   * quotes (as Podman's Quadlet reads single values).
   */
  lookup(section: string, key: string): string | undefined {
    const e = this.lastEntry(section, key);
    if (!e) return undefined;
    let v = e.value.trimEnd();
    if (v.length >= 2 && v.startsWith('"') && v.endsWith('"')) v = v.slice(1, -1);
    return v;
  }

  /** Every value of a list key; an empty value clears what came before. */
  lookupAllEntries(section: string, key: string): UnitEntry[] {
    let out: UnitEntry[] = [];
    for (const e of this.entries(section, key)) {
      if (e.value === '') out = [];
      else out.push(e);
    }
    return out;
  }

  lookupAll(section: string, key: string): string[] {
    return this.lookupAllEntries(section, key).map((e) => e.value);
  }

  /**
   * A yes/no key: undefined when unset. A value that is not a boolean is reported to
   * `diag` and read as false (what systemd would refuse, Quadlet reads as false).
   */
  lookupBoolean(section: string, key: string, diag?: Diagnostic[]): boolean | undefined {
    const e = this.lastEntry(section, key);
    const v = this.lookup(section, key);
    if (v === undefined) return undefined;
    const lower = v.toLowerCase();
    if (TRUE_WORDS.has(lower)) return true;
    if (!FALSE_WORDS.has(lower)) diag?.push({ where: e?.where, message: `${key}=${v} is not a boolean (yes/no, true/false, on/off, 1/0); read as false` });
    return false;
  }

  /** Words of every value, split like a command line (quotes, C escapes). */
  lookupAllArgs(section: string, key: string, diag?: Diagnostic[]): string[] {
    const out: string[] = [];
    for (const e of this.lookupAllEntries(section, key)) out.push(...splitEntry(e, diag));
    return out;
  }

  /** Words of the last value (Exec=). */
  lookupLastArgs(section: string, key: string, diag?: Diagnostic[]): string[] | undefined {
    const e = this.lastEntry(section, key);
    return e ? splitEntry(e, diag) : undefined;
  }

  /** Words of every value, split as systemd splits lists (WantedBy=, Alias=): quotes, no escapes. */
  lookupAllStrv(section: string, key: string): string[] {
    const out: string[] = [];
    for (const v of this.lookupAll(section, key)) out.push(...splitWords(v, { unquote: true, retainEscape: true }));
    return out;
  }

  /**
   * KEY=VALUE words of every value (Environment=, Label=), in file order; a later
   * assignment replaces an earlier one of the same key. A word without `=` is a key with
   * no value.
   */
  lookupAllKeyVal(section: string, key: string, diag?: Diagnostic[]): Array<[string, string | undefined]> {
    const map = new Map<string, string | undefined>();
    for (const e of this.lookupAllEntries(section, key)) {
      let sawAssignment = false;
      for (const word of splitEntry(e, diag)) {
        const eq = word.indexOf('=');
        if (eq >= 0) {
          map.set(word.slice(0, eq), word.slice(eq + 1));
          sawAssignment = true;
        } else {
          if (sawAssignment) {
            diag?.push({
              where: e.where,
              message: `${key}=: "${word}" has no "=" and follows a KEY=VALUE on the same line; quote values that contain spaces, e.g. ${key}="KEY=two words"`,
            });
          }
          map.set(word, undefined);
        }
      }
    }
    return [...map.entries()];
  }

  // ------------------------------------------------------------------ changes

  ensureSection(name: string): UnitSection {
    let s = this.section(name);
    if (!s) {
      s = { name, items: [] };
      this.sections.push(s);
    }
    return s;
  }

  add(section: string, key: string, value: string): void {
    this.ensureSection(section).items.push({ kind: 'entry', key, value });
  }

  /** Sets the last entry of a key, or adds one. */
  set(section: string, key: string, value: string): void {
    const e = this.lastEntry(section, key);
    if (e) e.value = value;
    else this.add(section, key, value);
  }

  /** Puts an entry first in its section (dependencies that must come before the user's). */
  prepend(section: string, key: string, value: string): void {
    this.ensureSection(section).items.unshift({ kind: 'entry', key, value });
  }

  unset(section: string, key: string): void {
    const s = this.section(section);
    if (s) s.items = s.items.filter((it) => !(it.kind === 'entry' && it.key === key));
  }

  /** Renames a section; merges into the target when it exists already. */
  renameSection(from: string, to: string): void {
    const s = this.section(from);
    if (!s) return;
    const target = this.section(to);
    if (target && target !== s) {
      target.items.push(...s.items);
      this.sections = this.sections.filter((x) => x !== s);
    } else {
      s.name = to;
    }
  }

  /** Puts these sections first, in this order (the rest keep theirs). */
  orderSections(first: string[]): void {
    const rank = (n: string): number => {
      const i = first.indexOf(n);
      return i < 0 ? first.length : i;
    };
    this.sections = this.sections.map((s, i) => ({ s, i })).sort((a, b) => rank(a.s.name) - rank(b.s.name) || a.i - b.i).map((x) => x.s);
  }

  // ------------------------------------------------------------------ writing

  toString(headerComments: string[] = []): string {
    const out: string[] = [];
    for (const c of headerComments) out.push(c === '' ? '#' : `# ${c}`);
    out.push(...this.leading.filter((l, i, a) => !(l === '' && (i === 0 || i === a.length - 1))));
    for (const s of this.sections) {
      if (out.length > 0) out.push('');
      out.push(`[${s.name}]`);
      for (const it of s.items) out.push(it.kind === 'comment' ? it.text : `${it.key}=${it.value}`);
    }
    return out.join('\n') + '\n';
  }
}

/** Words of one entry, split as systemd splits Exec= lines. */
export function entryArgs(e: UnitEntry, diag?: Diagnostic[]): string[] {
  return splitEntry(e, diag);
}

/** Words of one entry, split as systemd splits lists (quotes, no escapes). */
export function entryStrv(e: UnitEntry): string[] {
  return splitWords(e.value, { unquote: true, retainEscape: true });
}

function splitEntry(e: UnitEntry, diag?: Diagnostic[]): string[] {
  try {
    return splitWords(e.value, { unquote: true, cunescape: true });
  } catch (err) {
    if (!(err instanceof WordError)) throw err;
    diag?.push({ where: e.where, message: `${e.key}=: ${err.message}; the value is read without unescaping` });
    return splitWords(e.value, { unquote: true });
  }
}
