// `tpod pod prune`: removes the pods libpod's PrunePods removes, those whose status is
// Stopped or Exited (a pod that never ran, Created, stays), with their containers.
// Each pod is reported on its own; one failure does not stop the others.
import type { Context } from '../engine/context.js';
import { TpodError } from '../errors.js';
import type { PodRecord } from '../storage/pods.js';
import { podViews, type PodView } from './state.js';

export interface PodPruneReport {
  input: string;
  id: string;
  error?: TpodError;
}

export function prunable(views: PodView[]): PodView[] {
  return views.filter((v) => v.status === 'Stopped' || v.status === 'Exited');
}

/** Removes one pod and its (stopped) containers without force; throws TpodError on failure. */
export type PodRemover = (ctx: Context, pod: PodRecord) => Promise<void>;

export async function prunePods(ctx: Context, remove: PodRemover): Promise<PodPruneReport[]> {
  const reports: PodPruneReport[] = [];
  for (const v of prunable(podViews(ctx))) {
    try {
      await remove(ctx, v.pod);
      reports.push({ input: v.pod.id, id: v.pod.id });
    } catch (err) {
      if (!(err instanceof TpodError)) throw err;
      reports.push({ input: v.pod.id, id: v.pod.id, error: err });
    }
  }
  return reports;
}
