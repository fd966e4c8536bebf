// A container's state changes one at a time. Every transition (start, restart by the
// policy, stop, kill, pause, recording an end, removal) reads the record, looks at the
// live state and writes the next record while it holds the container's own lock
// (storage/containers.ts lockContainer). The monitor's exit command (`container
// cleanup`) takes the same lock, so a stop and the restart policy cannot both win: stop
// marks the container stopped by the user under the lock before it signals, and the
// policy, deciding under the lock, sees the mark (as Podman does since 4.5).
//
// Waiting is done without the lock (a stop's grace period, `wait`): only the short
// read-check-write steps hold it, so `ps`, `logs` and other containers never wait long.
import type { Context } from './context.js';
import { NoSuchContainerError, TpodError } from '../errors.js';
import { lockContainer, readContainer, type ContainerRecord } from '../storage/containers.js';
import { liveState, type LiveState } from './state.js';

/**
 * Runs FN with the container's lock held, on its current record and live state.
 * NoSuchContainerError when the container is gone (removed while we waited included).
 */
export async function withContainer<T>(ctx: Context, id: string, fn: (rec: ContainerRecord, ls: LiveState) => Promise<T> | T): Promise<T> {
  const lock = await lockContainer(ctx, id);
  try {
    const rec = readContainer(ctx, id);
    if (!rec) throw new NoSuchContainerError(id);
    return await fn(rec, liveState(ctx, rec));
  } finally {
    lock.release();
  }
}

/** Like withContainer, but a container that is gone gives undefined instead of an error. */
export async function withContainerIfAny<T>(ctx: Context, id: string, fn: (rec: ContainerRecord, ls: LiveState) => Promise<T> | T): Promise<T | undefined> {
  try {
    return await withContainer(ctx, id, fn);
  } catch (err) {
    if (err instanceof TpodError && err.code === 'ENOCONTAINER') return undefined;
    throw err;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * True once the run that started at STARTED_AT is over: its process ended (exit file,
 * or its monitor is gone), another run replaced it, or the container was removed. False
 * when TIMEOUT_MS passed first. Reads only; takes no lock.
 */
export async function waitRunEnd(ctx: Context, id: string, startedAt: string | undefined, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  let delay = 5;
  for (;;) {
    const rec = readContainer(ctx, id);
    if (!rec || rec.startedAt !== startedAt || liveState(ctx, rec).status === 'exited') return true;
    if (Date.now() >= deadline) return false;
    await sleep(Math.min(delay, Math.max(1, deadline - Date.now())));
    delay = Math.min(delay * 2, 50);
  }
}
