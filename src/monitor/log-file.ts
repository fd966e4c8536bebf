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

/**
 * Whole lines of a log file's text: partial entries are joined with the entry that ends
 * them, and each line keeps the time of its first piece.
 */
export function logLines(content: string): LogEntry[] {
  const out: LogEntry[] = [];
  const open: Partial<Record<'stdout' | 'stderr', LogEntry>> = {};
  for (const raw of content.split('\n')) {
    const e = parseLogLine(raw);
    if (!e) continue;
    const pending = open[e.stream];
    const joined: LogEntry = pending ? { ...pending, text: pending.text + e.text, partial: e.partial } : e;
    if (joined.partial) open[e.stream] = joined;
    else {
      delete open[e.stream];
      out.push(joined);
    }
  }
  // A container that exited in the middle of a line still said it.
  for (const s of ['stdout', 'stderr'] as const) {
    const p = open[s];
    if (p) out.push(p);
  }
  return out;
}
