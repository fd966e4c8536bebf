// What happens after a container's process ended: `tpod container cleanup ID`, the
// monitor's exit command. It records the end, unmounts the rootfs, has the runtime
// forget the container, removes it for --rm, and applies the restart policy (tpod has
// no daemon: a restart is this command starting a new monitor). reconcile() in state.ts
// uses releaseContainerResources() for containers whose monitor died without cleaning up.
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Context } from './context.js';
import { containerDirs, containersLockPath, readContainer, forgetContainer, type ContainerRecord, type RestartPolicy } from '../storage/containers.js';
import { writeJsonAtomic } from '../storage/atomic.js';
import { withLock } from '../storage/lock.js';
import { hasMonitor, liveState, runtimeStateExists, withLiveState, exitFilePath } from './state.js';
import type { NsStep } from '../rootless/join.js';
import { runtimeFor, runtimeDeleteCommand, runtimeGlobalsFor } from './runtime-of.js';
import { unshareHostsName } from '../network/plan.js';

/**
 * Unmounts the rootfs and deletes the runtime's state for the container. Spawns one
 * tpod-helper only when there is something to do: after a reboot the pause process
 * (and with it every mount) and the runtime state are gone already.
 */
export async function releaseContainerResources(ctx: Context, rec: ContainerRecord, opts: { keepMount?: boolean; removeDir?: boolean } = {}): Promise<void> {
  const { insideNamespace, runInNamespaceChecked } = await import('../rootless/join.js');
  const { readPausePid } = await import('../rootless/pause.js');
  const dirs = containerDirs(ctx, rec.id);
  const hasState = runtimeStateExists(ctx, rec.id);
  const namespaceAlive = insideNamespace() || readPausePid(ctx) !== undefined;
  const steps: NsStep[] = opts.keepMount || !namespaceAlive ? [] : [{ kind: 'umount', arg: dirs.merged }];
  // The network goes with every end, restarts included (a restart brings it up anew).
  const { networkReleaseSteps, settleNetworkLaunch, stopNetworkHelper } = await import('../network/setup.js');
  await settleNetworkLaunch(ctx, rec);
  if (rec.netns && existsSync(rec.netns)) {
    if (namespaceAlive) steps.push(...networkReleaseSteps(rec));
    else rmSync(rec.netns, { force: true }); // no namespace, no mount: only the file is left
  }
  stopNetworkHelper(ctx, rec);
  const command = hasState ? runtimeDeleteCommand(runtimeFor(ctx, rec), runtimeGlobalsFor(ctx, rec.id), rec.id) : [];
  // --rm: the same spawn removes the directory (files owned by subordinate ids need
  // namespace root), after the runtime let go of it.
  if (opts.removeDir && existsSync(dirs.dir)) steps.push({ kind: 'rmtree', arg: dirs.dir, after: command.length > 0 });
  if (steps.length === 0 && command.length === 0) return;
  try {
    await runInNamespaceChecked(ctx, steps, command, `clean up container ${rec.id.slice(0, 12)}`);
  } catch (err) {
    // A runtime that already forgot the container is fine; anything else is worth a word.
    if (!runtimeStateExists(ctx, rec.id) && !(opts.removeDir && existsSync(dirs.dir))) return;
    throw err;
  }
}

// ---- restart policy ------------------------------------------------------------------

/** Whether the policy restarts a container that ended with CODE (not stopped by the user). */
export function shouldRestart(rec: ContainerRecord, exitCode: number): boolean {
  const p = rec.restartPolicy;
  if (!p || p.name === 'no') return false;
  if (rec.stoppedByUser) return false;
  if (p.name === 'always' || p.name === 'unless-stopped') return true;
  if (exitCode === 0) return false;
  const max = p.maxRetries ?? 0;
  return max === 0 || (rec.restartCount ?? 0) < max;
}

/** Waits a little longer after each restart in a row, so a crash loop does not spin. */
export function restartDelayMs(restartCount: number): number {
  return Math.min(100 * 2 ** Math.min(restartCount, 10), 5_000) - 100;
}

// ---- container cleanup -----------------------------------------------------------------

export interface CleanupResult {
  restarted: boolean;
  removed: boolean;
}

function recordPath(ctx: Context, id: string): string {
  return join(ctx.paths.containers, id, 'container.json');
}

/**
 * `tpod container cleanup ID`. Safe to run more than once and by anyone: a container
 * that still runs, or that was cleaned already, is left alone.
 */
export async function cleanupContainer(ctx: Context, id: string): Promise<CleanupResult> {
  const first = readContainer(ctx, id);
  if (!first) return { restarted: false, removed: false };
  const ls0 = liveState(ctx, first);
  // Restart: the delay is waited outside the lock, and a stop during it wins.
  if (ls0.status === 'exited' && hasMonitor(first.state) && shouldRestart(first, ls0.exitCode ?? -1)) {
    const delay = restartDelayMs(first.restartCount ?? 0);
    if (delay > 0) await new Promise((r) => setTimeout(r, delay));
  }
  let removeRec: ContainerRecord | undefined;
  const restarted = await withLock(containersLockPath(ctx), async () => {
    const rec = readContainer(ctx, id);
    if (!rec || !hasMonitor(rec.state)) return false;
    const ls = liveState(ctx, rec);
    if (ls.status !== 'exited') return false; // still running: nothing to clean
    const code = ls.exitCode ?? -1;
    if (shouldRestart(rec, code)) {
      try {
        await releaseContainerResources(ctx, rec, { keepMount: true });
        const { launchContainer } = await import('./start.js');
        const next = await launchContainer(ctx, rec, { restartCount: (rec.restartCount ?? 0) + 1 });
        writeJsonAtomic(recordPath(ctx, id), next.record);
        next.handle.release();
        return true;
      } catch (err) {
        ctx.log.warn(`restarting container ${id.slice(0, 12)}: ${(err as Error).message}`);
      }
    }
    try {
      await releaseContainerResources(ctx, rec, { removeDir: rec.rm });
    } catch (err) {
      ctx.log.warn(`cleaning up container ${id.slice(0, 12)}: ${(err as Error).message}`);
    }
    const next = withLiveState(rec, ls);
    await (await import('./events.js')).containerEvent(ctx, rec, 'died', { exitCode: code });
    if (rec.rm) {
      removeRec = next;
      return false;
    }
    if (next.finishedAt === undefined) next.finishedAt = new Date().toISOString();
    delete next.monitorPid;
    delete next.monitorStartTime;
    writeJsonAtomic(recordPath(ctx, id), next);
    return false;
  });
  if (removeRec) {
    // The exit file stays (tmpfs, gone at reboot): `wait` on a --rm container reads it.
    // The directory went with the clean-up's spawn; this drops the name (and any rest).
    await forgetContainer(ctx, id, removeRec.name);
    unshareHostsName(ctx, removeRec);
    await (await import('./events.js')).containerEvent(ctx, removeRec, 'remove');
  }
  // A pod with --exit-policy stop stops once its last member has exited.
  if (first.pod && !first.isInfra && !restarted) await (await import('../pod/exit-policy.js')).applyExitPolicy(ctx, first);
  return removeRec ? { restarted: false, removed: true } : { restarted, removed: false };
}

/** Exit file of the previous run: gone before a new run so it cannot be mistaken for this one's. */
export function clearExitFile(ctx: Context, rec: ContainerRecord): void {
  const f = rec.exitFile ?? exitFilePath(ctx, rec.id);
  if (existsSync(f)) rmSync(f, { force: true });
}
