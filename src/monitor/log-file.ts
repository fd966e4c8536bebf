// Reading the container log tpod-monitor writes, in Podman's k8s-file format:
//   2024-05-01T12:34:56.123456789+02:00 stdout F hello
// "F" ends a line; "P" entries are pieces of a line whose end follows in later entries.

export interface LogEntry {
  /** As written: RFC 3339 with nanoseconds and the writer's UTC offset. */
  time: string;
  stream: 'stdout' | 'stderr';
  partial: boolean;
  text: string;
}

const ENTRY = /^(\S+) (stdout|stderr) ([FP]) (.*)$/s;

/** One line of the file (without its newline); undefined for a line that is not an entry. */
export function parseLogLine(line: string): LogEntry | undefined {
  const m = ENTRY.exec(line);
  if (!m) return undefined;
  return { time: m[1]!, stream: m[2] as 'stdout' | 'stderr', partial: m[3] === 'P', text: m[4]! };
}

/** The entry's time in nanoseconds since the epoch (for --since/--until and ordering). */
export function entryTimeNs(time: string): bigint | undefined {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/.exec(time);
  if (!m) return undefined;
  const ms = Date.parse(`${m[1]}${m[3]}`);
  if (Number.isNaN(ms)) return undefined;
  return BigInt(ms) * 1_000_000n + BigInt((m[2] ?? '').padEnd(9, '0'));
}

/** A logical line longer than this goes out in pieces rather than grow without bound. */
export const MAX_JOINED_LINE = 1 << 20;

/**
 * Whole lines of a log read in pieces (the streaming form of logLines): raw bytes in,
 * with their file offset; lines out as their last entry arrives. Partial entries are
 * joined with the entry that ends them (a line keeps the time of its first piece).
 * Holds at most one raw line and one open line per stream.
 */
export class LogAssembler {
  private carry: Buffer = Buffer.alloc(0);
  private carryOffset = 0;
  private readonly open: Partial<Record<'stdout' | 'stderr', LogEntry>> = {};

  constructor(private readonly maxLine = MAX_JOINED_LINE) {}

  /** OUT gets each line completed, its last entry, and the file offset of that entry. */
  push(chunk: Buffer, offset: number, out: LineOut): void {
    const buf = this.carry.length > 0 ? Buffer.concat([this.carry, chunk]) : chunk;
    const base = this.carry.length > 0 ? this.carryOffset : offset;
    let start = 0;
    for (let nl = buf.indexOf(0x0a); nl >= 0; nl = buf.indexOf(0x0a, start)) {
      this.line(buf.toString('utf8', start, nl), base + start, out);
      start = nl + 1;
    }
    this.carry = Buffer.from(buf.subarray(start));
    this.carryOffset = base + start;
  }

  /** The end of the log: a last raw line without its newline, and lines never ended. */
  end(out: LineOut): void {
    if (this.carry.length > 0) this.line(this.carry.toString('utf8'), this.carryOffset, out);
    this.carry = Buffer.alloc(0);
    for (const s of ['stdout', 'stderr'] as const) {
      const p = this.open[s];
      if (p) out(p, p, this.carryOffset);
      delete this.open[s];
    }
  }

  /** Forgets everything (the file was replaced). */
  reset(): void {
    this.carry = Buffer.alloc(0);
    this.carryOffset = 0;
    delete this.open.stdout;
    delete this.open.stderr;
  }

  private line(raw: string, offset: number, out: LineOut): void {
    const e = parseLogLine(raw);
    if (!e) return;
    const pending = this.open[e.stream];
    const joined: LogEntry = pending ? { ...pending, text: pending.text + e.text, partial: e.partial } : e;
    if (joined.partial && joined.text.length < this.maxLine) {
      this.open[e.stream] = joined;
      return;
    }
    delete this.open[e.stream];
    out(joined, e, offset);
  }
}

export type LineOut = (line: LogEntry, last: LogEntry, offset: number) => void;

/** Whole lines of a log file's text (see LogAssembler). */
export function logLines(content: string): LogEntry[] {
  const out: LogEntry[] = [];
  const a = new LogAssembler(Infinity);
  a.push(Buffer.from(content), 0, (l) => out.push(l));
  a.end((l) => out.push(l));
  return out;
}

/** The raw lines of a file from its end backwards, with their offsets; one chunk in memory. */
export function* linesBackward(read: (pos: number, len: number) => Buffer, size: number, chunk = 64 * 1024): Generator<{ offset: number; text: string }> {
  let bufStart = size;
  let buf = Buffer.alloc(0);
  let lineEnd = size;
  for (;;) {
    const idx = lineEnd - bufStart - 1 >= 0 ? buf.lastIndexOf(0x0a, lineEnd - bufStart - 1) : -1;
    if (idx >= 0) {
      yield { offset: bufStart + idx + 1, text: buf.toString('utf8', idx + 1, lineEnd - bufStart) };
      lineEnd = bufStart + idx;
      continue;
    }
    if (bufStart === 0) {
      if (lineEnd > 0) yield { offset: 0, text: buf.toString('utf8', 0, lineEnd) };
      return;
    }
    const len = Math.min(chunk, bufStart);
    buf = Buffer.concat([read(bufStart - len, len), buf.subarray(0, lineEnd - bufStart)]);
    bufStart -= len;
  }
}

/**
 * Where the last N lines (those ACCEPT keeps) start, found by reading backwards: `from`
 * is the offset of the first of them, `start` may be earlier, where the first pieces
 * (P entries) of those lines are. Lines ending before `from` are not among the N.
 */
export function tailStart(read: (pos: number, len: number) => Buffer, size: number, n: number, accept: (last: LogEntry) => boolean): { start: number; from: number } {
  if (n <= 0) return { start: size, from: size };
  const seen = new Set<string>();
  const closed = new Set<string>();
  let count = 0;
  let start = size;
  let from = size;
  let piecesScanned = 0;
  for (const l of linesBackward(read, size)) {
    const e = parseLogLine(l.text);
    if (!e) continue;
    if (count < n) {
      // An F entry ends a line; so does the last P entry of a stream (a line never ended).
      const ends = !e.partial || !seen.has(e.stream);
      seen.add(e.stream);
      start = l.offset;
      if (ends && accept(e)) {
        count++;
        from = l.offset;
      }
      continue;
    }
    // The N are found: earlier P entries of their streams are pieces of them, up to the
    // entry that ends each stream's previous line. Bounded, as pieces of one line are.
    piecesScanned += l.text.length + 1;
    if (closed.has(e.stream)) continue;
    if (e.partial) start = l.offset;
    else closed.add(e.stream);
    if ([...seen].every((x) => closed.has(x)) || piecesScanned > 4 * MAX_JOINED_LINE) break;
  }
  return count < n ? { start: 0, from: 0 } : { start, from };
}
