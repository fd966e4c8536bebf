// --exit-policy stop: a pod stops (its infra is stopped) once its last member has
// exited. Applied by the members' clean-up (the monitor's exit command), since tpod has
// no daemon to watch the pod.
import type { Context } from '../engine/context.js';
import type { ContainerRecord } from '../storage/containers.js';
import { podMembers, readPod } from '../storage/pods.js';

export async function applyExitPolicy(ctx: Context, ended: ContainerRecord): Promise<void> {
  if (!ended.pod || ended.isInfra) return;
  const pod = readPod(ctx, ended.pod);
  if (!pod || pod.exitPolicy !== 'stop' || pod.infraId === undefined) return;
  const { isUp, liveState } = await import('../engine/state.js');
  // The ended member counts too: a clean-up that found it still running changes nothing.
  const others = podMembers(ctx, pod).filter((m) => !m.isInfra && isUp(liveState(ctx, m).status));
  if (others.length > 0) return;
  const { stopContainer } = await import('../engine/stop.js');
  try {
    await stopContainer(ctx, pod.infraId);
  } catch (err) {
    ctx.log.warn(`stopping pod ${pod.name} (exit policy stop): ${(err as Error).message}`);
  }
}
