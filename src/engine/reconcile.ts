// Bringing a container's record in line with its live state (state.ts) when nobody
// recorded its end: the monitor died, or tpod was killed before the exit command ran.
// Above release.ts, which it calls (lazily: `ps` rarely needs it) to clean what a run left.
import type { Context } from './context.js';
import { lockContainer, readContainer, writeContainer, type ContainerRecord } from '../storage/containers.js';
import { NoSuchContainerError } from '../errors.js';
import { endedRecord, hasMonitor, liveState, realProc, withLiveState, type HostProc } from './state.js';

/** Cleans what a container that ended left behind: its rootfs mount and runtime state. */
export type Cleaner = (ctx: Context, rec: ContainerRecord) => Promise<void>;

export interface ReconcileDeps {
  proc?: HostProc;
  /** Unmounts and deletes runtime state; the real one spawns tpod-helper when needed. */
  clean?: Cleaner;
  /** Called after a --rm container's end was recorded (removes it). */
  remove?: (ctx: Context, rec: ContainerRecord) => Promise<void>;
}

async function defaultClean(ctx: Context, rec: ContainerRecord): Promise<void> {
  const { releaseContainerResources } = await import('./release.js');
  await releaseContainerResources(ctx, rec);
}

async function defaultRemove(ctx: Context, rec: ContainerRecord): Promise<void> {
  const { removeContainer } = await import('../storage/containers.js');
  await removeContainer(ctx, rec.id);
  (await import('./release.js')).removeRunFiles(ctx, rec, true);
  const { anonymousVolumes, removeVolumes } = await import('./container-volumes.js');
  await removeVolumes(ctx, anonymousVolumes(rec));
}

/**
 * Brings the record in line with the live state: a container whose monitor is gone is
 * recorded as exited (with the exit file's code, or -1), its rootfs unmounted and its
 * runtime state deleted, and removed if it was started with --rm. While the monitor
 * still lives (it runs the exit command, `tpod container cleanup`), that command does
 * this work, and the record is only shown as exited.
 */
export async function reconcile(ctx: Context, rec: ContainerRecord, deps: ReconcileDeps = {}): Promise<ContainerRecord> {
  if (!hasMonitor(rec.state)) return rec;
  const proc = deps.proc ?? realProc();
  const ls = liveState(ctx, rec, proc);
  if (ls.status !== 'exited') return rec;
  if (ls.monitorAlive) return withLiveState(rec, ls);
  const clean = deps.clean ?? defaultClean;
  let removeAfter: ContainerRecord | undefined;
  let lock;
  try {
    lock = await lockContainer(ctx, rec.id);
  } catch (err) {
    if (err instanceof NoSuchContainerError) return withLiveState(rec, ls);
    throw err;
  }
  let result: ContainerRecord;
  try {
    // Another command may have reconciled (or restarted) it meanwhile.
    const cur = readContainer(ctx, rec.id);
    if (!cur) return withLiveState(rec, ls);
    if (!hasMonitor(cur.state) || cur.monitorPid !== rec.monitorPid) return cur;
    const again = liveState(ctx, cur, proc);
    if (again.status !== 'exited' || again.monitorAlive) return withLiveState(cur, again);
    try {
      await clean(ctx, cur);
    } catch (err) {
      ctx.log.warn(`cleaning up container ${cur.id.slice(0, 12)}: ${(err as Error).message}`);
    }
    result = endedRecord(cur, again);
    writeContainer(ctx, result);
    if (cur.rm) removeAfter = result;
  } finally {
    lock.release();
  }
  if (removeAfter) {
    try {
      await (deps.remove ?? defaultRemove)(ctx, removeAfter);
    } catch (err) {
      ctx.log.warn(`removing container ${removeAfter.id.slice(0, 12)} (--rm): ${(err as Error).message}`);
    }
  }
  return result;
}

/** Reconciles every record that may be stale; for commands that list containers. */
export async function reconcileAll(ctx: Context, recs: ContainerRecord[], deps: ReconcileDeps = {}): Promise<ContainerRecord[]> {
  const out: ContainerRecord[] = [];
  for (const r of recs) out.push(hasMonitor(r.state) ? await reconcile(ctx, r, deps) : r);
  return out;
}
