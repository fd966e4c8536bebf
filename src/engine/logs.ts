// `tpod logs`: reads the k8s-file log the monitor writes (never the attach socket), so
// it works the same for running and exited containers; -f keeps reading the file as it
// grows and ends once the container exited and the file has been read to its end.
import { openSync, readSync, closeSync, fstatSync } from 'node:fs';
import type { Context } from './context.js';
import { UsageError } from '../errors.js';
import { entryTimeNs, LogAssembler, tailStart, type LineOut, type LogEntry } from '../monitor/log-file.js';
import { readContainer, type ContainerRecord } from '../storage/containers.js';
import { liveState, logPath } from './state.js';

export interface LogsOptions {
  follow: boolean;
  /** Last N lines; undefined or negative: all. */
  tail?: number;
  /** Nanoseconds since the epoch. */
  since?: bigint;
  until?: bigint;
  timestamps: boolean;
  /** Prefix each line with the container's short id (several containers) or name (--names). */
  prefix?: 'id' | 'name';
  /** Stops a follow early (the API's client went away). */
  signal?: AbortSignal;
}

const DURATION_UNITS: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Go's time.ParseDuration, in milliseconds; undefined when TEXT is not a duration. */
export function parseGoDuration(text: string): number | undefined {
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g;
  if (!/^(\d+(?:\.\d+)?(ns|us|µs|ms|s|m|h))+$/.test(text)) return undefined;
  let ms = 0;
  for (const m of text.matchAll(re)) ms += Number(m[1]) * DURATION_UNITS[m[2]!]!;
  return ms;
}

/**
 * --since / --until as Podman takes them: a Go duration before now ("10m"), a Unix time
 * in seconds ("1700000000.5"), or a date/time (RFC 3339, "2006-01-02", "2006-01-02T15:04:05").
 */
export function parseLogTime(text: string, flag: string, now: number = Date.now()): bigint {
  const t = text.trim();
  const d = parseGoDuration(t);
  if (d !== undefined) return BigInt(Math.round((now - d) * 1e6));
  if (/^\d+(\.\d+)?$/.test(t)) {
    const [s, frac = ''] = t.split('.');
    return BigInt(s!) * 1_000_000_000n + BigInt(frac.padEnd(9, '0').slice(0, 9));
  }
  const ns = entryTimeNs(t);
  if (ns !== undefined) return ns;
  const ms = Date.parse(/^\d{4}-\d\d-\d\d$/.test(t) ? `${t}T00:00:00` : t);
  if (Number.isNaN(ms)) throw new UsageError(`invalid ${flag} "${text}": use a duration (10m), a Unix time or a date-time (2006-01-02T15:04:05Z)`);
  return BigInt(ms) * 1_000_000n;
}

export function selectEntries(entries: LogEntry[], o: Pick<LogsOptions, 'since' | 'until' | 'tail'>): LogEntry[] {
  let out = entries;
  if (o.since !== undefined || o.until !== undefined) {
    out = out.filter((e) => {
      const t = entryTimeNs(e.time);
      if (t === undefined) return true;
      if (o.since !== undefined && t < o.since) return false;
      if (o.until !== undefined && t > o.until) return false;
      return true;
    });
  }
  if (o.tail !== undefined && o.tail >= 0) out = o.tail === 0 ? [] : out.slice(-o.tail);
  return out;
}

/** The flags `logs` and `pod logs` share, as given on the command line. */
export interface LogsFlags {
  follow: boolean;
  timestamps: boolean;
  tail?: string | undefined;
  since?: string | undefined;
  until?: string | undefined;
}

/** Checks and converts the shared flags (--tail takes an integer, as Podman's does). */
export function logsOptionsFromFlags(f: LogsFlags): LogsOptions {
  let tail: number | undefined;
  if (f.tail !== undefined) {
    if (!/^-?\d+$/.test(f.tail)) throw new UsageError(`invalid argument "${f.tail}" for "--tail" flag: strconv.ParseInt: parsing "${f.tail}": invalid syntax`);
    tail = Number(f.tail);
  }
  return {
    follow: f.follow,
    timestamps: f.timestamps,
    ...(tail !== undefined ? { tail } : {}),
    ...(f.since !== undefined ? { since: parseLogTime(f.since, '--since') } : {}),
    ...(f.until !== undefined ? { until: parseLogTime(f.until, '--until') } : {}),
  };
}

export interface LogSink {
  /** Return false when the text had to be buffered (a slow reader): drained() is awaited then. */
  stdout(text: string): unknown;
  stderr(text: string): unknown;
  /** Resolves once what was buffered has gone out. */
  drained?(): Promise<void>;
}

/** One log line as printed: the prefix (id or name), the timestamp with -t, the text. */
export function renderLogLine(rec: ContainerRecord, e: LogEntry, o: LogsOptions): string {
  let line = '';
  if (o.prefix === 'id') line += `${rec.id.slice(0, 12)} `;
  else if (o.prefix === 'name') line += `${rec.name} `;
  if (o.timestamps) line += `${e.time} `;
  return line + e.text + (e.partial ? '' : '\n');
}

/** How much of the log is read at a time: memory does not grow with the log. */
const CHUNK = 256 * 1024;

/** Text for the sink, gathered per stream in order and handed over once per chunk. */
class Batch {
  private parts: string[] = [];
  private stream: 'stdout' | 'stderr' = 'stdout';
  private full = false;
  constructor(private readonly sink: LogSink) {}
  add(stream: 'stdout' | 'stderr', text: string): void {
    if (stream !== this.stream) this.flush();
    this.stream = stream;
    this.parts.push(text);
  }
  flush(): void {
    if (this.parts.length === 0) return;
    const text = this.parts.join('');
    this.parts = [];
    if ((this.stream === 'stderr' ? this.sink.stderr(text) : this.sink.stdout(text)) === false) this.full = true;
  }
  /** Flushes, and waits while the reader is behind (bounded memory for slow readers). */
  async settle(): Promise<void> {
    this.flush();
    if (this.full && this.sink.drained) await this.sink.drained();
    this.full = false;
  }
}

function readAt(fd: number, pos: number, len: number): Buffer {
  const buf = Buffer.alloc(len);
  let got = 0;
  while (got < len) {
    const n = readSync(fd, buf, got, len - got, pos + got);
    if (n === 0) break;
    got += n;
  }
  return got === len ? buf : buf.subarray(0, got);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function inRange(e: LogEntry, o: Pick<LogsOptions, 'since' | 'until'>): boolean {
  if (o.since === undefined && o.until === undefined) return true;
  const t = entryTimeNs(e.time);
  if (t === undefined) return true;
  return !(o.since !== undefined && t < o.since) && !(o.until !== undefined && t > o.until);
}

/**
 * Prints one container's log; with follow, until it exited and everything was read. The
 * file is read in chunks (--tail from its end backwards), so memory stays the same for a
 * log of any size, and a slow reader of our output holds the reading back.
 */
export async function containerLogs(ctx: Context, rec: ContainerRecord, o: LogsOptions, sink: LogSink): Promise<void> {
  if (rec.logDriver === 'none' || rec.logDriver === 'passthrough') {
    throw new UsageError(`this container is using the '${rec.logDriver}' log driver, cannot read logs: this container is not logging output`);
  }
  const path = rec.logPath ?? logPath(ctx, rec.id);
  const batch = new Batch(sink);
  const assembler = new LogAssembler();
  const tail = o.tail !== undefined && o.tail >= 0 ? o.tail : undefined;
  let offset = 0;
  // With --tail, only lines ending at or after `from` are the last N (time filter on their last entry).
  let from = 0;
  let ino: number | undefined;
  const out: LineOut = (line, last, at) => {
    if (tail !== undefined ? at < from || !inRange(last, o) : !inRange(line, o)) return;
    batch.add(line.stream, renderLogLine(rec, line, o));
  };
  const first = openLog(path);
  if (first !== undefined) {
    try {
      const size = fstatSync(first).size;
      ino = fstatSync(first).ino;
      if (tail !== undefined) {
        const t = tailStart((pos, len) => readAt(first, pos, len), size, tail, (last) => inRange(last, o));
        offset = t.start;
        from = t.from;
      }
      while (offset < size) {
        const chunk = readAt(first, offset, Math.min(CHUNK, size - offset));
        if (chunk.length === 0) break;
        assembler.push(chunk, offset, out);
        offset += chunk.length;
        await batch.settle();
      }
    } finally {
      closeSync(first);
    }
  }
  if (!o.follow) {
    assembler.end(out);
    await batch.settle();
    return;
  }
  // Later lines are all new: the tail cut applies to what was there.
  from = 0;
  const follow: LineOut = (line) => {
    if (inRange(line, o)) batch.add(line.stream, renderLogLine(rec, line, o));
  };
  for (;;) {
    const cur = readContainer(ctx, rec.id) ?? rec;
    const status = liveState(ctx, cur).status;
    const ended = status !== 'running' && status !== 'stopping' && status !== 'paused';
    let grew = false;
    const fd = openLog(path);
    if (fd !== undefined) {
      try {
        const st = fstatSync(fd);
        // Replaced (--log-size-max starts a new file) or truncated: start over.
        if ((ino !== undefined && st.ino !== ino) || st.size < offset) {
          assembler.reset();
          offset = 0;
        }
        ino = st.ino;
        while (offset < st.size) {
          const chunk = readAt(fd, offset, Math.min(CHUNK, st.size - offset));
          if (chunk.length === 0) break;
          assembler.push(chunk, offset, follow);
          offset += chunk.length;
          grew = true;
          await batch.settle();
        }
      } finally {
        closeSync(fd);
      }
    }
    if (ended && !grew) {
      assembler.end(follow);
      await batch.settle();
      return;
    }
    await batch.settle();
    if (o.signal?.aborted) return;
    if (o.until !== undefined && BigInt(Date.now()) * 1_000_000n > o.until) return;
    await sleep(ended ? 0 : 100);
  }
}

function openLog(path: string): number | undefined {
  try {
    return openSync(path, 'r');
  } catch {
    return undefined;
  }
}
