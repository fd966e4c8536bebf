// A Go text/template subset for `--format`, close to what Podman users type:
// fields and chains (`.A.B`), variables, pipelines, `if`/`else if`/`with`/`range`,
// `break`/`continue`, `{{- -}}` trimming, comments, Go's builtins (eq, index, len,
// printf, ...) and Podman's extra functions (join, json, lower, pad, split, title,
// truncate, upper). On the hot path of `ps`/`images`: no heavy imports.
import { TpodError } from '../errors.js';
import { Failure, lexTemplate, lineCol, Parser, type Node } from './template-parse.js';
import { Exec, FUNC_NAMES, type HeaderResolver } from './template-exec.js';

export { goJson, goJsonIndent, goSprintf, goString, truthy } from './gofmt.js';
export type { HeaderResolver } from './template-exec.js';

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
