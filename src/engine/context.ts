// What every command gets: global options, resolved paths and a logger. Built once per
// process and cheap: it reads no storage until asked.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolvePaths, hostEnv, ensurePrivateDir, type Paths, type HostEnv } from '../storage/paths.js';
import { TpodError } from '../errors.js';
import type { RunOptions } from '../runtime/options.js';
import type { PodRecord } from '../storage/pods.js';

/** Podman's --log-level names (logrus'); warning = warn, fatal and panic log as error. */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'warning', 'error', 'fatal', 'panic'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
const RANK: Record<LogLevel, number> = { trace: 0, debug: 1, info: 2, warn: 3, warning: 3, error: 4, fatal: 4, panic: 4 };
const LOGRUS: Record<number, [string, string]> = { 0: ['TRAC', 'trace'], 1: ['DEBU', 'debug'], 2: ['INFO', 'info'], 3: ['WARN', 'warning'], 4: ['ERRO', 'error'] };

export interface GlobalOptions {
  root?: string | undefined;
  runroot?: string | undefined;
  logLevel?: LogLevel | undefined;
  runtime?: string | undefined;
  storageDriver?: string | undefined;
  /** --runtime-flag: extra global flags for the OCI runtime ("debug" -> --debug). */
  runtimeFlags?: string[] | undefined;
  /** --events-backend: file (default), none. */
  eventsBackend?: string | undefined;
  /** --volumepath */
  volumePath?: string | undefined;
  /** --default-mounts-file: a containers-mounts.conf whose directories every container gets. */
  defaultMountsFile?: string | undefined;
}

/** logrus quotes a value unless it is made only of these characters. */
function logrusValue(s: string): string {
  return /^[\w\-.\/@^+]+$/.test(s) ? s : JSON.stringify(s);
}

function rfc3339(d: Date): string {
  const off = -d.getTimezoneOffset();
  const two = (n: number): string => String(Math.floor(Math.abs(n))).padStart(2, '0');
  const local = new Date(d.getTime() + off * 60000).toISOString().slice(0, 19);
  return local + (off === 0 ? 'Z' : `${off > 0 ? '+' : '-'}${two(off / 60)}:${two(off % 60)}`);
}

/**
 * Messages on stderr, formatted as Podman's (logrus) are: `WARN[0000] msg` on a terminal,
 * `time="..." level=warning msg="..."` otherwise. `report` prints a bare line, as Podman
 * prints the warnings its engine returns ("Port mappings have been discarded ...").
 */
export class Logger {
  private readonly min: number;
  private readonly said = new Set<string>();
  private readonly started = Date.now();
  constructor(
    level: LogLevel = 'warn',
    private readonly out: (line: string) => void = (l) => process.stderr.write(l + '\n'),
    private readonly tty: boolean = process.stderr.isTTY === true,
  ) {
    this.min = RANK[level];
  }
  private emit(rank: number, msg: string): void {
    if (rank < this.min) return;
    const [short, long] = LOGRUS[rank]!;
    if (this.tty) this.out(`${short}[${String(Math.floor((Date.now() - this.started) / 1000)).padStart(4, '0')}] ${msg}`);
    else this.out(`time="${rfc3339(new Date())}" level=${long} msg=${logrusValue(msg)}`);
  }
  enabled(level: LogLevel): boolean {
    return RANK[level] >= this.min;
  }
  trace(msg: string): void { this.emit(0, msg); }
  debug(msg: string): void { this.emit(1, msg); }
  info(msg: string): void { this.emit(2, msg); }
  warn(msg: string): void { this.emit(3, msg); }
  error(msg: string): void { this.emit(4, msg); }
  /** A warning the user must see whatever the log level, as a bare line. */
  report(msg: string): void {
    this.out(msg);
  }
  /** Warns once per process for a given key. */
  warnOnce(key: string, msg: string): void {
    if (this.said.has(key)) return;
    this.said.add(key);
    this.warn(msg);
  }
}

/**
 * What the engine's container lifecycle asks of src/pod/, which sits above it (pod/
 * uses the engine, never the reverse): filled in where the CLI and the Engine make
 * their context (src/pod/ops.ts).
 */
export interface PodOps {
  /** `--pod new:NAME`: makes the pod, with the container's network flags; returns it and the member's own options. */
  createPodFor(ctx: Context, name: string, opts: RunOptions): Promise<{ pod: PodRecord; opts: RunOptions }>;
  /** Removes POD with its containers (rm --depend of an infra, rm -a, undoing --pod new:). */
  removePod(ctx: Context, pod: PodRecord, o: { force: boolean; timeout?: number }): Promise<void>;
}

export interface Context {
  globals: GlobalOptions;
  paths: Paths;
  host: HostEnv;
  uid: number;
  gid: number;
  log: Logger;
  /** Absent in contexts made without src/pod/ (unit tests, doctor): pod operations then fail. */
  pods?: PodOps;
}

/** The context's pod operations; a bug when the context was made without them. */
export function podOps(ctx: Context): PodOps {
  if (!ctx.pods) throw new TpodError('EINTERNAL', 'pod operations are not available in this context');
  return ctx.pods;
}

export function isLogLevel(s: string): s is LogLevel {
  return (LOG_LEVELS as readonly string[]).includes(s);
}

export function createContext(globals: GlobalOptions, host: HostEnv = hostEnv(), log: Logger = new Logger(globals.logLevel ?? 'warn')): Context {
  const paths = resolvePaths({ root: globals.root, runroot: globals.runroot, volumePath: globals.volumePath }, host);
  if (paths.runrootFallbackReason) warnFallbackOnce(paths.runroot, paths.runrootFallbackReason, log);
  log.trace(`Using graph root ${paths.root}, run root ${paths.runroot}`);
  return { globals, paths, host, uid: host.uid, gid: process.getgid?.() ?? 0, log };
}

/** Said once per boot: the fallback directory (under /tmp) keeps a marker that it was said. */
function warnFallbackOnce(runroot: string, reason: string, log: Logger): void {
  const marker = join(runroot, '.fallback-warned');
  if (existsSync(marker)) return;
  log.warn(`${reason}; using ${runroot} instead`);
  try {
    ensurePrivateDir(runroot);
    writeFileSync(marker, '');
  } catch {
    /* said again next time, which is fine */
  }
}
