// `tpod logs`: reads the k8s-file log the monitor writes (never the attach socket), so
// it works the same for running and exited containers; -f keeps reading the file as it
// grows and ends once the container exited and the file has been read to its end.
import { openSync, readSync, closeSync, fstatSync } from 'node:fs';
import type { Context } from './context.js';
import { UsageError } from '../errors.js';
import { entryTimeNs, logLines, type LogEntry } from '../monitor/log-file.js';
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
  stdout(text: string): void;
  stderr(text: string): void;
}

/** One log line as printed: the prefix (id or name), the timestamp with -t, the text. */
export function renderLogLine(rec: ContainerRecord, e: LogEntry, o: LogsOptions): string {
  let line = '';
  if (o.prefix === 'id') line += `${rec.id.slice(0, 12)} `;
  else if (o.prefix === 'name') line += `${rec.name} `;
  if (o.timestamps) line += `${e.time} `;
  return line + e.text + (e.partial ? '' : '\n');
}

/** Reads the file from OFFSET to its end: [text, new offset]; restarts from 0 when it was truncated. */
function readFrom(path: string, offset: number): { text: string; offset: number; truncated: boolean } {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return { text: '', offset, truncated: false };
  }
  try {
    const size = fstatSync(fd).size;
    const truncated = size < offset;
    const from = truncated ? 0 : offset;
    const buf = Buffer.alloc(size - from);
    let got = 0;
    while (got < buf.length) {
      const n = readSync(fd, buf, got, buf.length - got, from + got);
      if (n === 0) break;
      got += n;
    }
    return { text: buf.subarray(0, got).toString('utf8'), offset: from + got, truncated };
  } finally {
    closeSync(fd);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Prints one container's log; with follow, until it exited and everything was read. */
export async function containerLogs(ctx: Context, rec: ContainerRecord, o: LogsOptions, sink: LogSink): Promise<void> {
  if (rec.logDriver === 'none' || rec.logDriver === 'passthrough') {
    throw new UsageError(`this container is using the '${rec.logDriver}' log driver, cannot read logs: this container is not logging output`);
  }
  const path = rec.logPath ?? logPath(ctx, rec.id);
  const first = readFrom(path, 0);
  // Only whole lines now; a trailing partial line waits for its end when following.
  const cut = o.follow ? first.text.lastIndexOf('\n') + 1 : first.text.length;
  let pending = first.text.slice(cut);
  let offset = first.offset;
  for (const e of selectEntries(logLines(first.text.slice(0, cut)), o)) emit(sink, e, renderLogLine(rec, e, o));
  if (!o.follow) return;
  for (;;) {
    const cur = readContainer(ctx, rec.id) ?? rec;
    const status = liveState(ctx, cur).status;
    const ended = status !== 'running' && status !== 'stopping' && status !== 'paused';
    const r = readFrom(path, offset);
    if (r.truncated) pending = '';
    offset = r.offset;
    const text = pending + r.text;
    const end = ended ? text.length : text.lastIndexOf('\n') + 1;
    pending = text.slice(end);
    for (const e of selectEntries(logLines(text.slice(0, end)), { ...o, tail: undefined })) emit(sink, e, renderLogLine(rec, e, o));
    if (ended && r.text === '') return;
    if (o.until !== undefined && BigInt(Date.now()) * 1_000_000n > o.until) return;
    await sleep(ended ? 0 : 100);
  }
}

function emit(sink: LogSink, e: LogEntry, text: string): void {
  if (e.stream === 'stderr') sink.stderr(text);
  else sink.stdout(text);
}
