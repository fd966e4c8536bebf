// `tpod pod rm`: a pod goes with its containers. Without --force a pod with a running
// container is refused before anything is removed (Podman's message per container);
// with --force the members are stopped (in parallel), then the infra, then everything
// is removed: members first, the infra last, the pod record at the end.
import type { Context } from '../engine/context.js';
import { TpodError } from '../errors.js';
import { listContainers } from '../storage/containers.js';
import { findPod, listPods, podMembers, readPod, removePodRecord, type PodRecord } from '../storage/pods.js';
import { stopMembers } from './lifecycle.js';

export interface PodRemoveOptions {
  force: boolean;
  /** Seconds before SIGKILL when stopping (each container's own stop timeout when absent). */
  timeout?: number;
}

export interface PodReport {
  /** What the user named (or the pod id for -a). */
  input: string;
  id?: string;
  error?: TpodError;
}

/** Podman's exit code for `pod rm` of a pod that does not exist. */
export const POD_RM_NOT_FOUND = 1;

function joinErrors(errors: string[]): string {
  if (errors.length === 1) return errors[0]!;
  return `${errors.length} errors occurred:\n${errors.map((e) => `\t* ${e}`).join('\n')}`;
}

/** Removes POD and its containers. Throws (having removed nothing) when a container runs and force is off. */
export async function removePod(ctx: Context, pod: PodRecord, o: PodRemoveOptions): Promise<void> {
  const { isUp, liveState } = await import('../engine/state.js');
  const { reconcileAll } = await import('../engine/reconcile.js');
  const members = await reconcileAll(ctx, podMembers(ctx, pod));
  // Members first, the infra last: it holds the namespaces they joined (and errors list them so).
  const ordered = [...members.filter((m) => !m.isInfra), ...members.filter((m) => m.isInfra)];
  if (!o.force) {
    // The infra goes with the pod, running or not (as Podman): only members must have stopped.
    const running = ordered.filter((m) => !m.isInfra && isUp(liveState(ctx, m).status));
    if (running.length > 0) {
      throw new TpodError(
        'ERUNTIME',
        joinErrors(
          running.map(
            (m) => `removing container ${m.id} from pod ${pod.id}: cannot remove container ${m.id} as it is running - running or paused containers cannot be removed without force: container state improper`,
          ),
        ),
      );
    }
    const infra = members.filter((m) => m.isInfra && isUp(liveState(ctx, m).status));
    if (infra.length > 0) await stopMembers(ctx, pod, infra, o.timeout);
  } else {
    await stopMembers(ctx, pod, members, o.timeout);
  }
  const { removeOne, TreeBatch } = await import('../engine/remove.js');
  const batch = new TreeBatch(ctx);
  const errors: string[] = [];
  const remaining = new Map(listContainers(ctx).map((r) => [r.id, r]));
  try {
    for (const m of ordered) {
      try {
        await removeOne(ctx, m.id, {
          force: o.force,
          depend: false,
          podRemoval: true,
          remover: batch.remover,
          remaining,
          ...(o.timeout !== undefined ? { timeout: o.timeout } : {}),
        });
        remaining.delete(m.id);
      } catch (err) {
        if (!(err instanceof TpodError)) throw err;
        errors.push(`removing container ${m.id} from pod ${pod.id}: ${err.message}`);
      }
    }
  } finally {
    await batch.flush();
  }
  if (errors.length > 0) throw new TpodError('ERUNTIME', joinErrors(errors));
  // A member created while this ran (run --pod) would lose its pod: it is reported, not orphaned.
  const late = listContainers(ctx).filter((c) => c.pod === pod.id);
  if (late.length > 0) throw new TpodError('ERUNTIME', `pod ${pod.id} got new containers while it was removed (${late.map((c) => c.name).join(', ')}): remove it again`);
  await removePodRecord(ctx, pod.id);
  await (await import('../engine/events.js')).podEvent(ctx, pod, 'remove');
}

/** `pod rm NAME...`: each pod on its own, reported per name. */
export async function removePods(ctx: Context, names: string[], o: PodRemoveOptions & { ignore?: boolean }): Promise<PodReport[]> {
  const reports: PodReport[] = [];
  for (const input of names) {
    let pod: PodRecord;
    try {
      pod = findPod(ctx, input);
    } catch (err) {
      if (!(err instanceof TpodError)) throw err;
      if (err.code === 'ENOPOD' && o.ignore) continue;
      reports.push({ input, error: err.code === 'ENOPOD' ? new TpodError('ENOPOD', err.message, { exitCode: POD_RM_NOT_FOUND }) : err });
      continue;
    }
    try {
      await removePod(ctx, pod, o);
      reports.push({ input, id: pod.id });
    } catch (err) {
      if (!(err instanceof TpodError)) throw err;
      // Removed meanwhile by someone else: that is what was asked.
      if (!readPod(ctx, pod.id)) {
        reports.push({ input, id: pod.id });
        continue;
      }
      reports.push({ input, id: pod.id, error: err });
    }
  }
  return reports;
}

/** `pod rm -a`: every pod. */
export async function removeAllPods(ctx: Context, o: PodRemoveOptions): Promise<PodReport[]> {
  return removePods(ctx, listPods(ctx).map((p) => p.id), { ...o, ignore: true });
}
