// stop and kill. Signals go through the OCI runtime (`runtime kill`, inside the user
// namespace), which knows the container's init even when it runs as a subordinate uid
// tpod itself may not signal. Whether it ended is read from the monitor's exit file.
//
// Both mark the container stopped by the user and signal it with its lock held (so the
// restart policy, deciding under the same lock, leaves it stopped), wait for the end
// without the lock, and return once the end is recorded (transition.ts).
import type { Context } from './context.js';
import { TpodError } from '../errors.js';
import { writeContainer, type ContainerRecord } from '../storage/containers.js';
import { hasMonitor, isUp, liveState, UNKNOWN_EXIT_CODE, type LiveState } from './state.js';
import { finishRun, shouldRestart } from './cleanup.js';
import { waitRunEnd, withContainer, withContainerIfAny } from './transition.js';
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

export interface StopOptions {
  /** Seconds before SIGKILL; the container's own (--stop-timeout, 10) when absent. */
  timeout?: number;
}

/**
 * `tpod stop`: the stop signal, SIGKILL after the timeout, and the end recorded before it
 * returns. A container that is not running is fine: nothing to do. One that ended but
 * whose end is not recorded yet (its exit command may be about to restart it) is
 * recorded stopped at once.
 */
export async function stopContainer(ctx: Context, id: string, o: StopOptions = {}): Promise<void> {
  const run = await withContainer(ctx, id, async (rec, ls) => {
    if (hasMonitor(rec.state) && ls.status === 'exited') {
      await finishRun(ctx, { ...rec, stoppedByUser: true }, ls, false);
      return undefined;
    }
    if (!isUp(ls.status)) return undefined;
    const marked: ContainerRecord = { ...rec, stoppedByUser: true, state: 'stopping' };
    writeContainer(ctx, marked);
    const timeout = o.timeout ?? rec.stopTimeout ?? 10;
    const signal = timeout > 0 ? (rec.stopSignal ?? 15) : SIGKILL;
    await signalContainer(ctx, marked, signal);
    return { rec: marked, graceMs: signal === SIGKILL ? 0 : timeout * 1000, signal };
  });
  if (!run) return;
  if (run.graceMs > 0 && !(await waitRunEnd(ctx, id, run.rec.startedAt, run.graceMs))) {
    ctx.log.warn(`StopSignal ${signalName(run.signal)} failed to stop container ${run.rec.name} in ${run.graceMs / 1000} seconds, resorting to SIGKILL`);
    await withContainerIfAny(ctx, id, async (cur, ls) => {
      if (cur.startedAt === run.rec.startedAt && isUp(ls.status)) await signalContainer(ctx, cur, SIGKILL);
    });
  }
  await recordEnd(ctx, run.rec);
  await (await import('./events.js')).containerEvent(ctx, run.rec, 'stop');
}

/** Waits (up to 30 s after SIGKILL: a loaded machine is slow to reap) for REC's run to end, then records the end unless someone did. */
async function recordEnd(ctx: Context, rec: ContainerRecord): Promise<void> {
  if (!(await waitRunEnd(ctx, rec.id, rec.startedAt, 30_000))) throw new TpodError('ERUNTIME', `container ${rec.id.slice(0, 12)} did not exit after SIGKILL`);
  await withContainerIfAny(ctx, rec.id, async (cur, ls) => {
    if (cur.startedAt !== rec.startedAt || !hasMonitor(cur.state) || ls.status !== 'exited') return;
    await finishRun(ctx, cur, ls, false);
  });
}

/**
 * `tpod kill`: any signal, to a running container; the restart policy then leaves it
 * alone until the next start. After SIGKILL it returns once the end is recorded. A
 * container between two runs of its restart policy is recorded stopped (no signal:
 * nothing runs).
 */
export async function killContainer(ctx: Context, id: string, signal: number): Promise<void> {
  const rec = await withContainer(ctx, id, async (cur, ls) => {
    if (hasMonitor(cur.state) && ls.status === 'exited' && ls.monitorAlive && shouldRestart(cur, ls.exitCode ?? UNKNOWN_EXIT_CODE)) {
      await finishRun(ctx, { ...cur, stoppedByUser: true }, ls, false);
      return undefined;
    }
    if (!isUp(ls.status)) throw stateImproper(cur, ls.status, 'kill');
    const marked: ContainerRecord = { ...cur, stoppedByUser: true };
    writeContainer(ctx, marked);
    await signalContainer(ctx, marked, signal);
    await (await import('./events.js')).containerEvent(ctx, marked, 'kill');
    return marked;
  });
  if (rec && signal === SIGKILL) await recordEnd(ctx, rec);
}

export function signalName(n: number): string {
  const names: Record<number, string> = { 1: 'SIGHUP', 2: 'SIGINT', 3: 'SIGQUIT', 9: 'SIGKILL', 10: 'SIGUSR1', 12: 'SIGUSR2', 15: 'SIGTERM' };
  return names[n] ?? String(n);
}
