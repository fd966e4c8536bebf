// Containerfile parsing: dockerfile-ast (the parser behind the Dockerfile language
// server) does the grammar: parser directives (escape), line continuations, comments,
// flags, ENV/LABEL/ARG pairs with their quoting, heredoc markers. Two things are taken
// from its text rather than its helpers: the JSON (exec) form, as its JSON string list
// drops the spaces inside strings ("b c" comes back as "bc"), and heredoc bodies, which
// it marks but does not hand out.
import { DockerfileParser, type Instruction as AstInstruction } from 'dockerfile-ast';
import { TpodError } from '../errors.js';

export const KNOWN = new Set([
  'ADD', 'ARG', 'CMD', 'COPY', 'ENTRYPOINT', 'ENV', 'EXPOSE', 'FROM', 'HEALTHCHECK', 'LABEL',
  'MAINTAINER', 'ONBUILD', 'RUN', 'SHELL', 'STOPSIGNAL', 'USER', 'VOLUME', 'WORKDIR',
]);

export interface Heredoc {
  name: string;
  body: string;
  /** `<<-NAME`: leading tabs are stripped from the body and the terminator. */
  chomp?: true;
  /** `<<"NAME"` or `<<'NAME'`: the body is taken as it is, variables not expanded. */
  quoted?: true;
}

/** The heredoc markers on an instruction's first line, in order. */
export function heredocMarkers(firstLine: string): Array<{ name: string; chomp: boolean; quoted: boolean }> {
  return [...firstLine.matchAll(/<<(-?)(["']?)([^\s"'<>|&;]+)\2/g)].map((m) => ({ name: m[3]!, chomp: m[1] === '-', quoted: m[2] !== '' }));
}

export interface Instruction {
  keyword: string;
  /** 1-based line of the keyword. */
  line: number;
  /** The instruction as written (continuations joined), for STEP lines and errors. */
  text: string;
  flags: Array<{ name: string; value: string | undefined }>;
  /** The arguments after the flags (continuations joined, heredoc bodies left out). */
  args: string;
  /** The exec form, when the arguments are a JSON array of strings. */
  json?: string[];
  /** ENV, LABEL, ARG: name/value pairs, quotes removed (ARG without a value: undefined). */
  pairs?: Array<[string, string | undefined]>;
  heredocs: Heredoc[];
}

export class ContainerfileError extends TpodError {
  constructor(file: string, line: number, message: string) {
    super('EUSAGE', `${file}:${line}: ${message}`);
    this.name = 'ContainerfileError';
  }
}

/** The exec form of `text`, or undefined for the shell form (Docker falls back the same way). */
export function jsonForm(text: string): string[] | undefined {
  const t = text.trim();
  if (!t.startsWith('[')) return undefined;
  try {
    const v: unknown = JSON.parse(t);
    return Array.isArray(v) && v.every((x) => typeof x === 'string') ? (v as string[]) : undefined;
  } catch {
    return undefined;
  }
}

/** Heredoc bodies of an instruction: the lines after the first line up to each `NAME` line. */
export function heredocBodies(raw: string, names: string[]): Heredoc[] {
  if (names.length === 0) return [];
  const lines = raw.split('\n');
  const markers = heredocMarkers(lines[0] ?? '');
  const out: Heredoc[] = [];
  let i = 1;
  for (const [n, name] of names.entries()) {
    const marker = markers[n]?.name === name ? markers[n] : undefined;
    const chomp = marker?.chomp === true;
    const strip = (l: string): string => (chomp ? l.replace(/^\t+/, '') : l);
    const body: string[] = [];
    while (i < lines.length && strip(lines[i]!) !== name) body.push(strip(lines[i++]!));
    i++;
    const doc: Heredoc = { name, body: body.length > 0 ? `${body.join('\n')}\n` : '' };
    if (chomp) doc.chomp = true;
    if (marker?.quoted) doc.quoted = true;
    out.push(doc);
  }
  return out;
}

function convert(file: string, i: AstInstruction, lines: string[]): Instruction {
  const keyword = i.getKeyword().toUpperCase();
  const range = i.getRange();
  const line = range.start.line + 1;
  if (!KNOWN.has(keyword)) throw new ContainerfileError(file, line, `unknown instruction: ${i.getKeyword()}`);
  const withFlags = i as AstInstruction & { getFlags?: () => Array<{ getName(): string; getValue(): string | null }> };
  const flags = (withFlags.getFlags?.() ?? []).map((f) => ({ name: f.getName(), value: f.getValue() ?? undefined }));
  const heredocNames = ((i as unknown as { getHeredocs?: () => Array<{ getName(): string }> }).getHeredocs?.() ?? []).map((h) => h.getName());
  let args = i.getArgumentsContent() ?? '';
  let heredocs: Heredoc[] = [];
  if (heredocNames.length > 0) {
    const raw = lines.slice(range.start.line, range.end.line + 1).join('\n');
    heredocs = heredocBodies(raw, heredocNames);
    args = (args.split('\n')[0] ?? '').trim();
  }
  const out: Instruction = { keyword, line, text: '', flags, args, heredocs };
  const json = jsonForm(args);
  if (json) out.json = json;
  if (keyword === 'ENV' || keyword === 'LABEL' || keyword === 'ARG') {
    const props = (i as unknown as { getProperties(): Array<{ getName(): string; getValue(): string | null }> }).getProperties();
    out.pairs = props.map((p) => [p.getName(), p.getValue() ?? undefined]);
    if (keyword !== 'ARG' && out.pairs.some(([, v]) => v === undefined)) throw new ContainerfileError(file, line, `${keyword} names "${out.pairs.find(([, v]) => v === undefined)![0]}" without a value`);
  }
  const flagText = flags.map((f) => `--${f.name}${f.value !== undefined ? `=${f.value}` : ''} `).join('');
  out.text = `${keyword} ${flagText}${args}`.trimEnd();
  return out;
}

export interface ParsedContainerfile {
  instructions: Instruction[];
  /** The escape character (the `# escape=` directive, else a backslash). */
  escape: string;
}

/** The instructions of a Containerfile; a bad one is named with its line (exit 125). */
export function parseContainerfile(text: string, file = 'Containerfile'): ParsedContainerfile {
  return { instructions: parseInstructions(text, file), escape: DockerfileParser.parse(text).getEscapeCharacter() };
}

/** Instructions alone (ONBUILD triggers are parsed this way too). */
export function parseInstructions(text: string, file: string, requireFrom = true): Instruction[] {
  const df = DockerfileParser.parse(text);
  const lines = text.split('\n');
  const out = df.getInstructions().map((i) => convert(file, i, lines));
  for (const i of out) {
    if (needsArgs.has(i.keyword) && i.args === '' && i.heredocs.length === 0) throw new ContainerfileError(file, i.line, `${i.keyword} requires at least one argument`);
  }
  if (!requireFrom) return out;
  if (out.length === 0) throw new TpodError('EUSAGE', `${file}: no instructions (an empty Containerfile)`);
  const first = out.find((i) => i.keyword !== 'ARG');
  if (first && first.keyword !== 'FROM') throw new ContainerfileError(file, first.line, `${first.keyword} before the first FROM: a Containerfile starts with FROM (ARG may come before it)`);
  return out;
}

const needsArgs = new Set(['ADD', 'ARG', 'COPY', 'ENV', 'EXPOSE', 'FROM', 'LABEL', 'MAINTAINER', 'ONBUILD', 'RUN', 'SHELL', 'STOPSIGNAL', 'USER', 'VOLUME', 'WORKDIR']);
