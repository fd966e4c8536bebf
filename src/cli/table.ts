// Column output as Podman prints it: Go's text/tabwriter with minwidth 12, padding 2,
// padded with spaces, and the `--format` / `--noheading` conventions shared by every
// listing command (ps, images, volume ls, pod ps, ...).
import { compileTemplate, defaultHeader, goJsonIndent, isJsonFormat, isTableFormat } from './format.js';

export interface TabOptions {
  /** Minimum cell width, padding included (Podman: 12). */
  minWidth?: number;
  /** Spaces added to the widest cell of a column (Podman: 2). */
  padding?: number;
}

/**
 * Aligns tab-separated text the way Go's tabwriter does: a cell is text ending in a tab;
 * the text after a line's last tab is not part of any column. Consecutive lines that have
 * a cell in a column form a block that shares that column's width.
 */
export function tabwrite(text: string, opts: TabOptions = {}): string {
  const minWidth = opts.minWidth ?? 12;
  const padding = opts.padding ?? 2;
  const endsWithNewline = text.endsWith('\n');
  const rawLines = text.split('\n');
  if (endsWithNewline) rawLines.pop();
  const lines = rawLines.map((l) => l.split('\t'));
  const width = (s: string): number => [...s].length;
  const out: string[] = [];
  const widths: number[] = [];

  const writeLines = (from: number, to: number): void => {
    for (let i = from; i < to; i++) {
      const cells = lines[i]!;
      let s = '';
      cells.forEach((c, j) => {
        s += c;
        const w = widths[j];
        if (j < cells.length - 1 && w !== undefined) s += ' '.repeat(Math.max(0, w - width(c)));
      });
      out.push(s);
    }
  };

  const format = (line0: number, line1: number): void => {
    const column = widths.length;
    for (let i = line0; i < line1; i++) {
      if (column >= lines[i]!.length - 1) continue;
      // A block of lines with a cell in this column starts here.
      writeLines(line0, i);
      line0 = i;
      let w = minWidth;
      for (; i < line1; i++) {
        const cells = lines[i]!;
        if (column >= cells.length - 1) break;
        w = Math.max(w, width(cells[column]!) + padding);
      }
      widths.push(w);
      format(line0, i);
      widths.pop();
      line0 = i; // line i has no cell in this column: the loop may step past it
    }
    writeLines(line0, line1);
  };

  format(0, lines.length);
  return out.join('\n') + (endsWithNewline ? '\n' : '');
}

/** Header and rows of plain strings, aligned (for commands that build cells themselves). */
export function formatTable(headers: string[] | null, rows: string[][], opts?: TabOptions): string {
  const all = headers ? [headers, ...rows] : rows;
  return tabwrite(all.map((r) => r.join('\t') + '\n').join(''), opts);
}

export interface ListOptions {
  /** `--format` as the user typed it: `json`, `table {{.ID}}\t...`, or a per-item template. */
  format?: string | undefined;
  /** The row template used without `--format`, e.g. `{{.ID}}\t{{.Image}}\t{{.Names}}`. */
  defaultFormat: string;
  /** Column names by field, overriding the default (`ID` -> `CONTAINER ID`); upper-cased as Podman does. */
  headers?: Record<string, string>;
  /** `--noheading`. */
  noHeading?: boolean | undefined;
  /** What `--format json` prints (default: the items themselves). */
  json?: unknown;
  /** JSON indent: Podman uses 4 for images/inspect, 2 for ps. */
  jsonIndent?: number;
  /** Template name in errors; Podman uses the command (`template: ps:1:2: ...`). */
  name?: string;
}

// A user template that ranges over the whole list itself is run once, on the list.
const RANGE_OVER_DOT = /\{\{-?\s*range\s+\.\s*-?\}\}[\s\S]*\{\{-?\s*end\s*-?\}\}/;

/** Renders a list of items as Podman's listing commands do. */
export function formatList(items: readonly unknown[], opts: ListOptions): string {
  const { format, name } = opts;
  if (isJsonFormat(format)) return goJsonIndent(opts.json ?? items, opts.jsonIndent ?? 4) + '\n';

  const table = format === undefined || format === '' || isTableFormat(format);
  if (!table) {
    const tpl = compileTemplate(format!, { name });
    const eol = (s: string): string => (tpl.endsWithNewline ? s : s + '\n');
    if (RANGE_OVER_DOT.test(format!)) return eol(tpl.execute(items));
    return items.map((it) => eol(tpl.execute(it))).join('');
  }

  const source = format ? format.slice('table '.length) : opts.defaultFormat;
  const tpl = compileTemplate(source, { name, spacesToTabs: format !== undefined && format !== '' });
  const eol = (s: string): string => (tpl.endsWithNewline ? s : s + '\n');
  const headers = opts.headers ?? {};
  let text = '';
  if (!opts.noHeading) {
    text += eol(
      tpl.executeHeader((field, path) => (headers[path.join('.')] ?? headers[field] ?? defaultHeader(field)).toUpperCase()),
    );
  }
  for (const it of items) text += eol(tpl.execute(it));
  return tabwrite(text);
}

/** formatList, written to stdout. */
export function printList(items: readonly unknown[], opts: ListOptions): void {
  process.stdout.write(formatList(items, opts));
}
