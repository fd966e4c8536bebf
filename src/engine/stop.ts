// stop, kill and wait. Signals go through the OCI runtime (`runtime kill`, inside the
// user namespace), which knows the container's init even when it runs as a subordinate
// uid tpod itself may not signal. Whether it ended is read from the monitor's exit file.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Context } from './context.js';
import { parseExitFile } from '../monitor/protocol.js';
import { TpodError } from '../errors.js';
import { readContainer, updateContainer, type ContainerRecord } from '../storage/containers.js';
import { exitFilePath, hasMonitor, liveState, reconcile, type LiveState } from './state.js';
import { cleanupContainer, shouldRestart } from './cleanup.js';
import { runtimeFor, runtimeGlobalsFor, runtimeKillCommand } from './runtime-of.js';

const SIGKILL = 9;

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function stateImproper(rec: ContainerRecord, status: string, what: string): TpodError {
  return new TpodError('ERUNTIME', `can only ${what} running containers. ${rec.id} is in state ${status}: container state improper`);
}

/** Sends SIGNAL to the container's init through the runtime. */
export async function signalContainer(ctx: Context, rec: ContainerRecord, signal: number): Promise<void> {
  const { runInNamespace } = await import('../rootless/join.js');
  const cmd = runtimeKillCommand(runtimeFor(ctx, rec), runtimeGlobalsFor(ctx, rec.id), rec.id, signal);
  const r = await runInNamespace(ctx, [], cmd, { capture: true });
  if (r.code === 0) return;
  // It may have ended between our look and the signal: that is not a failure.
  if (liveState(ctx, rec).status === 'exited') return;
  const { runtimeErrorText } = await import('../monitor/spawn.js');
  throw new TpodError('ERUNTIME', `sending signal ${signal} to container ${rec.id.slice(0, 12)}: ${runtimeErrorText(r.stderr) || `exit code ${r.code}`}`);
}

/** Polls until the container's process ended (exit file) or the time is up. */
export async function waitForExit(ctx: Context, rec: ContainerRecord, timeoutMs: number): Promise<LiveState | undefined> {
  const deadline = Date.now() + timeoutMs;
  let delay = 5;
  for (;;) {
    const ls = liveState(ctx, rec);
    if (ls.status === 'exited') return ls;
    if (Date.now() >= deadline) return undefined;
    await sleep(Math.min(delay, Math.max(1, deadline - Date.now())));
    delay = Math.min(delay * 2, 50);
  }
}

/** The current record, with a dead monitor's end recorded first. */
async function fresh(ctx: Context, id: string): Promise<ContainerRecord> {
  const rec = readContainer(ctx, id);
  if (!rec) throw new TpodError('ENOCONTAINER', `no container with name or ID "${id}" found: no such container`);
  return reconcile(ctx, rec);
}

export interface StopOptions {
  /** Seconds before SIGKILL; the container's own (--stop-timeout, 10) when absent. */
  timeout?: number;
}

/**
 * `tpod stop`: the stop signal, SIGKILL after the timeout, then the clean-up (which the
 * exit command would also do; whoever comes first does it, the other finds it done).
 * A container that is not running is fine: nothing to do.
 */
export async function stopContainer(ctx: Context, id: string, o: StopOptions = {}): Promise<void> {
  // A restart policy may bring it back while we look: a few rounds settle that.
  for (let round = 0; round < 5; round++) {
    let rec = await fresh(ctx, id);
    const ls = liveState(ctx, rec);
    if (ls.status === 'exited' && ls.monitorAlive && hasMonitor(rec.state)) {
      // Ended already; its exit command may be about to restart it: a stop wins.
      await updateContainer(ctx, rec.id, { stoppedByUser: true });
      await cleanupContainer(ctx, rec.id);
      const after = readContainer(ctx, rec.id);
      if (after && hasMonitor(after.state) && liveState(ctx, after).status !== 'exited') continue; // restarted meanwhile
      return;
    }
    if (ls.status !== 'running' && ls.status !== 'stopping' && ls.status !== 'paused') return;
    rec = (await updateContainer(ctx, rec.id, { stoppedByUser: true, state: 'stopping' })) ?? rec;
    await stopRunning(ctx, rec, o.timeout ?? rec.stopTimeout ?? 10);
    await cleanupContainer(ctx, rec.id);
    await (await import('./events.js')).containerEvent(ctx, rec, 'stop');
    return;
  }
}

/** The stop signal, then SIGKILL after TIMEOUT seconds; resolves once the process ended. */
async function stopRunning(ctx: Context, rec: ContainerRecord, timeout: number): Promise<void> {
  const signal = rec.stopSignal ?? 15;
  let ended: LiveState | undefined;
  if (timeout > 0 && signal !== SIGKILL) {
    await signalContainer(ctx, rec, signal);
    ended = await waitForExit(ctx, rec, timeout * 1000);
    if (!ended) ctx.log.warn(`StopSignal ${signalName(signal)} failed to stop container ${rec.name} in ${timeout} seconds, resorting to SIGKILL`);
  }
  if (!ended) {
    await signalContainer(ctx, rec, SIGKILL);
    ended = await waitForExit(ctx, rec, 10_000);
    if (!ended) throw new TpodError('ERUNTIME', `container ${rec.id.slice(0, 12)} did not exit after SIGKILL`);
  }
}

/** `tpod kill`: any signal, to a running container. */
export async function killContainer(ctx: Context, id: string, signal: number): Promise<void> {
  const rec = await fresh(ctx, id);
  const ls = liveState(ctx, rec);
  if (ls.status !== 'running' && ls.status !== 'stopping' && ls.status !== 'paused') throw stateImproper(rec, ls.status, 'kill');
  await updateContainer(ctx, rec.id, { stoppedByUser: true });
  await signalContainer(ctx, rec, signal);
  await (await import('./events.js')).containerEvent(ctx, rec, 'kill');
}

export type WaitCondition = 'created' | 'running' | 'stopped' | 'exited' | 'paused' | 'healthy' | 'unhealthy' | 'configured' | 'removing' | 'stopping';

/**
 * `tpod wait`: until the container reaches one of the conditions ("stopped" by default),
 * then its exit code (-1 when it never ran or nobody saw the end). Polls the record and
 * the exit file: cheap reads, no process kept.
 */
export async function waitContainer(ctx: Context, id: string, conditions: WaitCondition[] = ['stopped'], intervalMs = 50): Promise<number> {
  const { UNKNOWN_EXIT_CODE } = await import('./state.js');
  const wanted = new Set(conditions.map((c) => (c === 'exited' ? 'stopped' : c)));
  let rec = readContainer(ctx, id);
  if (!rec) throw new TpodError('ENOCONTAINER', `no container with name or ID "${id}" found: no such container`);
  let delay = 5;
  for (;;) {
    const cur = readContainer(ctx, rec.id);
    if (!cur) {
      // Removed (--rm) after it ended: what its exit file said is what it ended with.
      if (wanted.has('stopped') || wanted.has('removing')) return lastKnownExit(ctx, rec) ?? UNKNOWN_EXIT_CODE;
      throw new TpodError('ENOCONTAINER', `no container with name or ID "${id}" found: no such container`);
    }
    rec = cur;
    const ls = liveState(ctx, rec);
    const status = ls.status === 'exited' ? 'stopped' : ls.status === 'unknown' ? 'stopped' : ls.status;
    if (wanted.has(status)) {
      // A container that ended but is about to restart (policy) is not "stopped" yet.
      if (status === 'stopped' && ls.monitorAlive && hasMonitor(rec.state) && shouldRestart(rec, ls.exitCode ?? -1)) {
        /* keep waiting */
      } else if (status === 'stopped' && rec.state === 'created') {
        /* a created container has not stopped: it has not run */
      } else {
        return ls.exitCode ?? (status === 'stopped' ? UNKNOWN_EXIT_CODE : 0);
      }
    }
    if (status === 'stopped' && !ls.monitorAlive && hasMonitor(rec.state)) rec = await reconcile(ctx, rec);
    await sleep(delay);
    delay = Math.min(delay * 2, intervalMs);
  }
}

/**
 * The exit code of a --rm container that is gone already, from the exit file its
 * clean-up leaves behind (per boot, tmpfs), found by its id or a unique id prefix of
 * at least 12 characters: `run -d --rm` then `wait ID` must not depend on who is faster.
 * Podman keeps removed containers' exit codes for the same reason.
 */
export function removedExitCode(ctx: Context, input: string): number | undefined {
  if (!/^[0-9a-f]{12,64}$/.test(input)) return undefined;
  const dir = dirname(exitFilePath(ctx, input));
  let matches: string[];
  try {
    matches = readdirSync(dir).filter((f) => f.startsWith(input));
  } catch {
    return undefined;
  }
  if (matches.length !== 1) return undefined;
  try {
    return parseExitFile(readFileSync(join(dir, matches[0]!), 'utf8'))?.exitCode;
  } catch {
    return undefined;
  }
}

function lastKnownExit(ctx: Context, rec: ContainerRecord): number | undefined {
  const ls = liveState(ctx, rec);
  return ls.status === 'exited' ? ls.exitCode : rec.exitCode;
}

export function signalName(n: number): string {
  const names: Record<number, string> = { 1: 'SIGHUP', 2: 'SIGINT', 3: 'SIGQUIT', 9: 'SIGKILL', 10: 'SIGUSR1', 12: 'SIGUSR2', 15: 'SIGTERM' };
  return names[n] ?? String(n);
}
