// What happens after a container's process ended. `tpod container cleanup ID`, the
// monitor's exit command (exit-command.ts), records the end, unmounts the rootfs, has
// the runtime forget the container, removes it for --rm, and applies the restart policy
// (tpod has no daemon: a restart is this command starting a new monitor). stop, rm,
// start and wait record an end themselves when they get there first (finishRun);
// whoever comes second finds it done. reconcile() (reconcile.ts) does the same for a monitor that died.
import { readdirSync, statSync, rmSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Context } from './context.js';
import { containerDirs, forgetContainer, writeContainer, type ContainerRecord } from '../storage/containers.js';
import { endedRecord, UNKNOWN_EXIT_CODE, withRunExit, type LiveState } from './state.js';
import { releaseContainerResources, removeRunFiles } from './release.js';
import { unshareHostsName } from '../network/plan.js';
import { anonymousVolumes, removeVolumes } from './container-volumes.js';

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

// ---- the end of a run ----------------------------------------------------------------------

export type RunEnd = 'restarted' | 'exited' | 'removed';

/**
 * Records the end of the container's current run, which LS says is over. The caller
 * holds the container's lock. With RESTART and a policy that says so, a new run starts
 * under a new monitor; otherwise the mount, network and runtime state are released and
 * the record says exited, or the container goes (--rm).
 */
export async function finishRun(ctx: Context, rec: ContainerRecord, ls: LiveState, restart: boolean): Promise<{ end: RunEnd; record?: ContainerRecord }> {
  const code = ls.exitCode ?? UNKNOWN_EXIT_CODE;
  const { containerEvent } = await import('./events.js');
  await containerEvent(ctx, rec, 'died', { exitCode: code });
  if (restart && shouldRestart(rec, code)) {
    try {
      await releaseContainerResources(ctx, rec, { keepMount: true });
      const { launchContainer } = await import('./launch.js');
      // `wait` on the run that ended finds its code in lastExits.
      const ended = withRunExit(rec, code, ls.finishedAt ?? new Date().toISOString());
      const next = await launchContainer(ctx, ended, { restartCount: (rec.restartCount ?? 0) + 1 });
      writeContainer(ctx, next.record);
      next.handle.release();
      return { end: 'restarted', record: next.record };
    } catch (err) {
      ctx.log.warn(`restarting container ${rec.id.slice(0, 12)}: ${(err as Error).message}`);
    }
  }
  try {
    await releaseContainerResources(ctx, rec, { removeDir: rec.rm });
  } catch (err) {
    ctx.log.warn(`cleaning up container ${rec.id.slice(0, 12)}: ${(err as Error).message}`);
  }
  if (rec.rm) {
    // The exit file stays a while (tmpfs): `wait` on a --rm container that is gone reads it.
    // The directory went with the release's spawn; this drops the name (and any rest).
    await forgetContainer(ctx, rec.id, rec.name);
    unshareHostsName(ctx, rec);
    removeRunFiles(ctx, rec, true);
    pruneExitFiles(ctx);
    await removeVolumes(ctx, anonymousVolumes(rec));
    await containerEvent(ctx, rec, 'remove');
    return { end: 'removed' };
  }
  const next = endedRecord(rec, ls);
  writeContainer(ctx, next);
  return { end: 'exited', record: next };
}

/** How long the exit code of a removed --rm container is kept for `wait` (Podman keeps them 5 minutes). */
const REMOVED_EXIT_KEPT_MS = 5 * 60_000;

/** Drops the exit files of removed containers once they are old enough. */
export function pruneExitFiles(ctx: Context, now = Date.now()): void {
  const dir = join(ctx.paths.runroot, 'exits');
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const n of names) {
    if (!/^[0-9a-f]{64}$/.test(n) || existsSync(containerDirs(ctx, n).dir)) continue;
    try {
      if (now - statSync(join(dir, n)).mtimeMs > REMOVED_EXIT_KEPT_MS) rmSync(join(dir, n), { force: true });
    } catch {
      /* gone meanwhile */
    }
  }
}
