// The event log, as Podman's file backend keeps it (events_logger = "file"): one JSON
// object per line, appended under a lock, in $XDG_RUNTIME_DIR/tpod/events/events.log
// unless containers.conf's events_logfile_path says otherwise. When an event would make
// the file larger than events_logfile_max_size (default 1 MB), the older half is dropped
// and a "system log-rotation" event says so, as Podman does.
import { closeSync, mkdirSync, openSync, readFileSync, readSync, renameSync, statSync, writeSync, fstatSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Context } from '../engine/context.js';
import { TpodError, isErrno } from '../errors.js';
import { engineConfig } from '../util/containers-conf.js';
import { withLock } from './lock.js';
import type { ContainerRecord } from './containers.js';

export type EventType = 'container' | 'image' | 'pod' | 'system' | 'volume' | 'network';

/** Podman's libpod/events Event, with its JSON field names and order. */
export interface EventRecord {
  ContainerExitCode?: number;
  ID?: string;
  Image?: string;
  Name?: string;
  Status: string;
  /** RFC 3339 with nanoseconds, in local time (Go's time.Time JSON). */
  Time: string;
  Type: EventType;
  health_status?: string;
  PodID?: string;
  Attributes: Record<string, string> | null;
}

export const DEFAULT_EVENTS_MAX_SIZE = 1_000_000;

export interface EventsConfig {
  backend: 'file' | 'none' | 'journald';
  path: string;
  maxSize: number;
}

/** --events-backend, else containers.conf's events_logger; the file and its limit. */
export function eventsConfig(ctx: Context): EventsConfig {
  const conf = engineConfig(ctx);
  const backend = (ctx.globals.eventsBackend ?? conf.eventsLogger ?? 'file') as EventsConfig['backend'];
  return {
    backend,
    path: conf.eventsLogfilePath ?? join(ctx.paths.runroot, 'events', 'events.log'),
    maxSize: conf.eventsLogfileMaxSize ?? DEFAULT_EVENTS_MAX_SIZE,
  };
}

let lastNs = 0n;

/** Now, in nanoseconds, strictly increasing within this process (events keep their order). */
export function nowNs(): bigint {
  const ms = BigInt(Date.now()) * 1_000_000n;
  const sub = process.hrtime.bigint() % 1_000_000n;
  let t = ms + sub;
  if (t <= lastNs) t = lastNs + 1n;
  lastNs = t;
  return t;
}

/** Go's RFC3339Nano in local time: 2022-04-06T11:26:42.7236679+02:00 (trailing zeros dropped). */
export function goTimeJson(ns: bigint, offsetMin = -new Date(Number(ns / 1_000_000n)).getTimezoneOffset()): string {
  const ms = Number(ns / 1_000_000n);
  const local = new Date(ms + offsetMin * 60_000).toISOString().slice(0, 19);
  const frac = String(ns % 1_000_000_000n).padStart(9, '0').replace(/0+$/, '');
  const two = (n: number): string => String(Math.floor(Math.abs(n))).padStart(2, '0');
  const zone = offsetMin === 0 ? 'Z' : `${offsetMin > 0 ? '+' : '-'}${two(offsetMin / 60)}:${two(offsetMin % 60)}`;
  return `${local}${frac ? `.${frac}` : ''}${zone}`;
}

/** Go's time.Time JSON back to nanoseconds since the epoch. */
export function parseGoTimeJson(s: string): bigint | undefined {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/.exec(s);
  if (!m) return undefined;
  const ms = Date.parse(`${m[1]}${m[3]}`);
  if (Number.isNaN(ms)) return undefined;
  return BigInt(ms) * 1_000_000n + BigInt((m[2] ?? '').padEnd(9, '0'));
}

function appendLine(path: string, line: string): void {
  const fd = openSync(path, 'a', 0o600);
  try {
    writeSync(fd, line + '\n');
  } finally {
    closeSync(fd);
  }
}

/** Keeps the newer half of the file: from the first line that starts past its middle. */
function truncateHalf(path: string): void {
  const text = readFileSync(path);
  const middle = Math.floor(text.length / 2);
  const nl = text.indexOf(0x0a, middle);
  const kept = nl < 0 ? Buffer.alloc(0) : text.subarray(nl + 1);
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeSync(fd, kept);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

/** Appends EVENT (rotating first when it would grow the file past the limit). */
export async function appendEvent(cfg: EventsConfig, event: EventRecord): Promise<void> {
  if (cfg.backend === 'none') return;
  const line = JSON.stringify(event);
  mkdirSync(dirname(cfg.path), { recursive: true, mode: 0o700 });
  await withLock(`${cfg.path}.lock`, () => {
    let size = 0;
    try {
      size = statSync(cfg.path).size;
    } catch (err) {
      if (!isErrno(err, 'ENOENT')) throw err;
    }
    if (cfg.maxSize > 0 && size > 0 && size + Buffer.byteLength(line) >= cfg.maxSize) {
      truncateHalf(cfg.path);
      const rotated: EventRecord = { Name: cfg.path, Status: 'log-rotation', Time: goTimeJson(nowNs()), Type: 'system', Attributes: null };
      appendLine(cfg.path, JSON.stringify(rotated));
    }
    appendLine(cfg.path, line);
  });
}

/** Parses one line of the log; a line that is not an event is an error naming the file. */
export function parseEventLine(line: string, path: string): EventRecord {
  try {
    const e = JSON.parse(line) as EventRecord;
    if (typeof e.Status === 'string' && typeof e.Type === 'string' && typeof e.Time === 'string') return e;
  } catch {
    /* reported below */
  }
  throw new TpodError('ESTORAGE', `${path}: not an event: ${line.slice(0, 80)}`);
}

/** Reads the log from OFFSET; returns the whole lines read and where the next read starts. */
export function readEventsFrom(path: string, offset: number): { events: EventRecord[]; next: number } {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return { events: [], next: 0 };
    throw err;
  }
  try {
    const size = fstatSync(fd).size;
    // The file was rotated (cut in half) since the last read: start over at its top.
    const from = size < offset ? 0 : offset;
    if (size === from) return { events: [], next: from };
    const buf = Buffer.alloc(size - from);
    const n = readSync(fd, buf, 0, buf.length, from);
    const text = buf.subarray(0, n);
    const end = text.lastIndexOf(0x0a);
    if (end < 0) return { events: [], next: from };
    const events = text.subarray(0, end).toString('utf8').split('\n').filter((l) => l.trim() !== '').map((l) => parseEventLine(l, path));
    return { events, next: from + end + 1 };
  } finally {
    closeSync(fd);
  }
}

// ---- recording -------------------------------------------------------------------

/**
 * Records an event. Never fails the command that did the work: a log that cannot be
 * written is a warning, as in Podman.
 */
export async function recordEvent(ctx: Context, e: Omit<EventRecord, 'Time' | 'Attributes'> & { Attributes?: Record<string, string> | null }): Promise<void> {
  try {
    const cfg = eventsConfig(ctx);
    if (cfg.backend !== 'file') return;
    const { ContainerExitCode, ID, Image, Name, Status, Type, health_status, PodID, Attributes } = e;
    const event: EventRecord = {
      ...(ContainerExitCode !== undefined ? { ContainerExitCode } : {}),
      ...(ID ? { ID } : {}),
      ...(Image ? { Image } : {}),
      ...(Name ? { Name } : {}),
      Status,
      Time: goTimeJson(nowNs()),
      Type,
      ...(health_status ? { health_status } : {}),
      ...(PodID ? { PodID } : {}),
      Attributes: Attributes ?? null,
    };
    await appendEvent(cfg, event);
  } catch (err) {
    ctx.log.warn(`unable to write ${e.Type} event: ${(err as Error).message}`);
  }
}

/** A container event: its labels are the attributes (Podman's newContainerEvent). */
export function containerEvent(ctx: Context, rec: ContainerRecord, status: string, extra: { exitCode?: number } = {}): Promise<void> {
  return recordEvent(ctx, {
    ...(extra.exitCode !== undefined ? { ContainerExitCode: extra.exitCode } : {}),
    ID: rec.id,
    Image: rec.imageName ?? rec.image,
    Name: rec.name,
    Status: status,
    Type: 'container',
    ...(rec.pod ? { PodID: rec.pod } : {}),
    Attributes: { ...(rec.labels ?? {}) },
  });
}

export function podEvent(ctx: Context, pod: { id: string; name: string }, status: string): Promise<void> {
  return recordEvent(ctx, { ID: pod.id, Name: pod.name, Status: status, Type: 'pod', Image: '' });
}

/** An image event: ID is the image's id, NAME what the command was given (a name, a file, a destination). */
export function imageEvent(ctx: Context, id: string, name: string, status: string): Promise<void> {
  return recordEvent(ctx, { ID: id, Name: name, Status: status, Type: 'image' });
}

export function systemEvent(ctx: Context, status: string, name = ''): Promise<void> {
  return recordEvent(ctx, { ...(name ? { Name: name } : {}), Status: status, Type: 'system' });
}

