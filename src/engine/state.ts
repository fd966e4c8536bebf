// A container's live state, worked out from its record plus cheap host facts: whether its
// monitor still lives (/proc/<pid>/stat, with the start time guarding against a reused
// pid and the boot id against a reboot) and whether the monitor wrote an exit file.
// Nothing here spawns a process or writes (reconcile.ts persists what this learns), so
// `ps` with many containers stays a few reads per container.
//
// The record says what tpod last knew; the monitor's exit file says how the container
// ended, even when no tpod was there to hear it. A monitor that died without an exit
// file (SIGKILL, reboot) leaves a container that is reported exited with code -1, never
// running forever.
import { readFileSync, statSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Context } from './context.js';
import { parseExitFile } from '../monitor/protocol.js';
import type { ContainerRecord, RunExit } from '../storage/containers.js';

export type LiveStatus = 'created' | 'running' | 'paused' | 'stopping' | 'exited' | 'unknown';

export interface LiveState {
  status: LiveStatus;
  /** The container's init pid while it runs. */
  pid?: number;
  exitCode?: number;
  oomKilled: boolean;
  startedAt?: string;
  finishedAt?: string;
  /** The monitor process still lives (it may be running the exit command). */
  monitorAlive: boolean;
}

/** Exit code reported for a container whose end nobody saw (Podman uses -1 too). */
export const UNKNOWN_EXIT_CODE = -1;

// ---- host facts (injectable) -------------------------------------------------------

export interface HostProc {
  /** The text of /proc/<pid>/stat, or undefined when there is no such process. */
  stat(pid: number): string | undefined;
  /** /proc/sys/kernel/random/boot_id: changes at every boot. */
  bootId(): string;
  /** An exit file's text and modification time, or undefined when it does not exist. */
  exitFile(path: string): { text: string; mtime: Date } | undefined;
}

function readOrUndefined(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

let bootIdCache: string | undefined;

export const realProc = (procRoot = '/proc'): HostProc => ({
  stat: (pid) => readOrUndefined(join(procRoot, String(pid), 'stat')),
  bootId: () => {
    if (procRoot !== '/proc') return (readOrUndefined(join(procRoot, 'sys/kernel/random/boot_id')) ?? '').trim();
    bootIdCache ??= (readOrUndefined('/proc/sys/kernel/random/boot_id') ?? '').trim();
    return bootIdCache;
  },
  exitFile: (path) => {
    try {
      const text = readFileSync(path, 'utf8');
      return { text, mtime: statSync(path).mtime };
    } catch {
      return undefined;
    }
  },
});

export interface ProcStat {
  state: string;
  /** Field 9: the kernel's PF_* flags (PF_EXITING once the process has begun to exit). */
  flags: number;
  /** Field 22: start time in clock ticks since boot, kept as text (it can pass 2^53). */
  startTime: string;
  comm: string;
}

/** Parses /proc/<pid>/stat; comm may hold spaces and parentheses, so split at the last ')'. */
export function parseProcStat(text: string): ProcStat | undefined {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  const rest = text.slice(close + 2).split(' ');
  // rest[0] is field 3 (state); field 9 is rest[6]; field 22 is rest[19].
  const state = rest[0];
  const flags = rest[6];
  const startTime = rest[19];
  if (state === undefined || startTime === undefined || !/^\d+$/.test(startTime) || !/^\d+$/.test(flags ?? '')) return undefined;
  return { state, flags: Number(flags), startTime, comm: text.slice(open + 1, close) };
}

/** Who the monitor was, to tell it apart from a later process with the same pid. */
export interface ProcessIdentity {
  pid: number;
  startTime: string;
  bootId: string;
}

/** Records a live process's identity (right after spawning it). */
export function identify(pid: number, proc: HostProc = realProc()): ProcessIdentity | undefined {
  const s = proc.stat(pid);
  const st = s === undefined ? undefined : parseProcStat(s);
  if (!st) return undefined;
  return { pid, startTime: st.startTime, bootId: proc.bootId() };
}

/** True when the process still runs: same boot, same start time, not a zombie. */
export function processAlive(id: ProcessIdentity, proc: HostProc = realProc()): boolean {
  if (id.bootId !== '' && proc.bootId() !== '' && id.bootId !== proc.bootId()) return false;
  const s = proc.stat(id.pid);
  const st = s === undefined ? undefined : parseProcStat(s);
  if (!st) return false;
  if (st.state === 'Z' || st.state === 'X' || st.state === 'x') return false;
  return st.startTime === id.startTime;
}

/** True while /proc/PID exists and is not a zombie. */
export function pidAlive(pid: number, proc = '/proc'): boolean {
  try {
    const stat = readFileSync(join(proc, String(pid), 'stat'), 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

// ---- paths ---------------------------------------------------------------------------

/** <runroot>/exits/<id>: per boot, like the runtime's own state. */
export function exitFilePath(ctx: Context, id: string): string {
  return join(ctx.paths.runroot, 'exits', id);
}

/** <runroot>/attach/<id>/attach: the monitor's attach socket. */
export function attachSocketPath(ctx: Context, id: string): string {
  return join(ctx.paths.runroot, 'attach', id.slice(0, 32), 'attach');
}

/** The k8s-file log beside the record (persistent, as Podman keeps it). */
export function logPath(ctx: Context, id: string): string {
  return join(ctx.paths.containers, id, 'userdata', 'ctr.log');
}

export function monitorIdentity(rec: ContainerRecord): ProcessIdentity | undefined {
  if (rec.monitorPid === undefined || rec.monitorStartTime === undefined) return undefined;
  return { pid: rec.monitorPid, startTime: rec.monitorStartTime, bootId: rec.bootId ?? '' };
}

// ---- the live state ---------------------------------------------------------------------

/** States in which a monitor should be keeping the container. */
export function hasMonitor(state: ContainerRecord['state']): boolean {
  return isUp(state);
}

/** A live status in which the container's processes exist (running, stopping or paused). */
export function isUp(status: LiveStatus): boolean {
  return status === 'running' || status === 'stopping' || status === 'paused';
}

/**
 * What the container is doing now. Pure apart from the injected host facts: the record
 * is not changed (reconcile.ts persists what this learns).
 */
export function liveState(ctx: Context, rec: ContainerRecord, proc: HostProc = realProc()): LiveState {
  const base = { oomKilled: rec.oomKilled === true, monitorAlive: false } as LiveState;
  if (rec.startedAt !== undefined) base.startedAt = rec.startedAt;
  if (rec.finishedAt !== undefined) base.finishedAt = rec.finishedAt;
  if (rec.state === 'created') return { ...base, status: 'created' };
  if (!hasMonitor(rec.state)) {
    const out: LiveState = { ...base, status: rec.state === 'exited' ? 'exited' : 'unknown' };
    if (rec.exitCode !== undefined) out.exitCode = rec.exitCode;
    return out;
  }
  const id = monitorIdentity(rec);
  const monitorAlive = id !== undefined && processAlive(id, proc);
  // The exit file comes first: once it exists the container is over, even while the
  // monitor (now the exit command) lives on.
  const exit = proc.exitFile(rec.exitFile ?? exitFilePath(ctx, rec.id));
  const report = exit === undefined ? undefined : parseExitFile(exit.text);
  if (report && exit) {
    return { ...base, status: 'exited', exitCode: report.exitCode, oomKilled: report.oomKilled, finishedAt: exit.mtime.toISOString(), monitorAlive };
  }
  if (monitorAlive) {
    const out: LiveState = { ...base, status: rec.state as LiveStatus, monitorAlive };
    if (rec.pid !== undefined) out.pid = rec.pid;
    return out;
  }
  return { ...base, status: 'exited', exitCode: UNKNOWN_EXIT_CODE, monitorAlive: false };
}

/** The record as it would read with the live state folded in (for display; nothing written). */
export function withLiveState(rec: ContainerRecord, ls: LiveState): ContainerRecord {
  if (ls.status === 'exited' && rec.state !== 'exited') {
    const out: ContainerRecord = { ...rec, state: 'exited', exitCode: ls.exitCode ?? UNKNOWN_EXIT_CODE, oomKilled: ls.oomKilled };
    delete out.pid;
    if (ls.finishedAt !== undefined) out.finishedAt = ls.finishedAt;
    return out;
  }
  return rec;
}

/** How many run ends a record keeps (a crash loop can end several runs between two polls of `wait`). */
const KEPT_EXITS = 8;

/**
 * The record of a run that ended (LS says how), as it is written once the end is
 * recorded: exited, its code, no monitor, the end listed in lastExits.
 */
export function endedRecord(rec: ContainerRecord, ls: LiveState, now = new Date()): ContainerRecord {
  const next = withLiveState(rec, ls);
  next.finishedAt ??= now.toISOString();
  delete next.monitorPid;
  delete next.monitorStartTime;
  return withRunExit(next, ls.exitCode ?? UNKNOWN_EXIT_CODE, next.finishedAt);
}

/** REC with the end of its current run (startedAt) listed first in lastExits. */
export function withRunExit(rec: ContainerRecord, exitCode: number, finishedAt: string): ContainerRecord {
  if (rec.startedAt === undefined) return rec;
  const end: RunExit = { startedAt: rec.startedAt, exitCode, finishedAt };
  const older = (rec.lastExits ?? []).filter((e) => e.startedAt !== rec.startedAt);
  return { ...rec, lastExits: [end, ...older].slice(0, KEPT_EXITS) };
}

/** True when the runtime still keeps state for the container (crun and runc: <root>/<id>). */
export function runtimeStateExists(ctx: Context, id: string): boolean {
  return existsSync(join(ctx.paths.runroot, 'runtime', id));
}
