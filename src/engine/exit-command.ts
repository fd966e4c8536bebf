// The monitor's exit command, `tpod container cleanup ID`: records the end of the run
// (cleanup.ts finishRun), which restarts it when the policy says so, and then applies
// the pod's --exit-policy: a pod with `stop` stops (its infra is stopped) once its last
// member has exited, since tpod has no daemon to watch the pod.
import type { Context } from './context.js';
import { readContainer, type ContainerRecord } from '../storage/containers.js';
import { podMembers, readPod } from '../storage/pods.js';
import { hasMonitor, isUp, liveState, UNKNOWN_EXIT_CODE } from './state.js';
import { finishRun, restartDelayMs, shouldRestart } from './cleanup.js';
import { withContainerIfAny } from './transition.js';
import { stopContainer } from './stop.js';

export interface CleanupResult {
  restarted: boolean;
  removed: boolean;
}

/**
 * `tpod container cleanup ID`. Safe to run more than once and by anyone: a container
 * that still runs, or whose end is recorded already, is left alone.
 */
export async function cleanupContainer(ctx: Context, id: string): Promise<CleanupResult> {
  const first = readContainer(ctx, id);
  if (!first) return { restarted: false, removed: false };
  const ls0 = liveState(ctx, first);
  // Restart: the delay is waited outside the lock, and a stop during it wins.
  if (ls0.status === 'exited' && hasMonitor(first.state) && shouldRestart(first, ls0.exitCode ?? UNKNOWN_EXIT_CODE)) {
    const delay = restartDelayMs(first.restartCount ?? 0);
    if (delay > 0) await new Promise((r) => setTimeout(r, delay));
  }
  const end = await withContainerIfAny(ctx, id, async (rec, ls) => {
    if (!hasMonitor(rec.state) || ls.status !== 'exited') return undefined; // still running, or recorded
    return (await finishRun(ctx, rec, ls, true)).end;
  });
  // A pod with --exit-policy stop stops once its last member has exited.
  if (first.pod && !first.isInfra && end !== 'restarted') await applyExitPolicy(ctx, first);
  return { restarted: end === 'restarted', removed: end === 'removed' };
}

/** --exit-policy stop: the pod's infra is stopped once no member of the pod runs. */
export async function applyExitPolicy(ctx: Context, ended: ContainerRecord): Promise<void> {
  if (!ended.pod || ended.isInfra) return;
  const pod = readPod(ctx, ended.pod);
  if (!pod || pod.exitPolicy !== 'stop' || pod.infraId === undefined) return;
  // The ended member counts too: a clean-up that found it still running changes nothing.
  const others = podMembers(ctx, pod).filter((m) => !m.isInfra && isUp(liveState(ctx, m).status));
  if (others.length > 0) return;
  try {
    await stopContainer(ctx, pod.infraId);
  } catch (err) {
    ctx.log.warn(`stopping pod ${pod.name} (exit policy stop): ${(err as Error).message}`);
  }
}
