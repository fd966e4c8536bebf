// What every command gets: global options, resolved paths and a logger. Built once per
// process and cheap: it reads no storage until asked.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolvePaths, hostEnv, ensurePrivateDir, type Paths, type HostEnv } from '../storage/paths.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const LEVELS: LogLevel[] = ['debug', 'info', 'warn', 'error'];

export interface GlobalOptions {
  root?: string | undefined;
  runroot?: string | undefined;
  logLevel?: LogLevel | undefined;
  runtime?: string | undefined;
  storageDriver?: string | undefined;
}

export class Logger {
  private readonly min: number;
  private readonly said = new Set<string>();
  constructor(level: LogLevel = 'warn', private readonly out: (line: string) => void = (l) => process.stderr.write(l + '\n')) {
    this.min = LEVELS.indexOf(level);
  }
  private emit(level: LogLevel, msg: string): void {
    if (LEVELS.indexOf(level) < this.min) return;
    const prefix = level === 'warn' ? 'WARN' : level === 'error' ? 'ERRO' : level === 'info' ? 'INFO' : 'DEBU';
    this.out(`${prefix}[0000] ${msg}`);
  }
  debug(msg: string): void { this.emit('debug', msg); }
  info(msg: string): void { this.emit('info', msg); }
  warn(msg: string): void { this.emit('warn', msg); }
  /** Warns once per process for a given key. */
  warnOnce(key: string, msg: string): void {
    if (this.said.has(key)) return;
    this.said.add(key);
    this.warn(msg);
  }
}

export interface Context {
  globals: GlobalOptions;
  paths: Paths;
  host: HostEnv;
  uid: number;
  gid: number;
  log: Logger;
}

export function isLogLevel(s: string): s is LogLevel {
  return (LEVELS as string[]).includes(s);
}

export function createContext(globals: GlobalOptions, host: HostEnv = hostEnv()): Context {
  const paths = resolvePaths({ root: globals.root, runroot: globals.runroot }, host);
  const log = new Logger(globals.logLevel ?? 'warn');
  if (paths.runrootFallbackReason) warnFallbackOnce(paths.runroot, paths.runrootFallbackReason, log);
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
