// Which containers `start --all` / `start --filter` act on: every container (or the named
// ones) that matches the filters and is not up already, as Podman's start does.
import type { Context } from './context.js';
import { findContainer, listContainers } from '../storage/containers.js';
import { findPod } from '../storage/pods.js';
import { NoSuchPodError } from '../errors.js';
import { buildContainerFilter } from './container-filters.js';
import { viewOf } from './ps.js';
import { isUp } from './state.js';
import { reconcileAll } from './reconcile.js';

export interface StartTarget {
  id: string;
  /** What to print when started: the name as given, or the full ID for --all. */
  given: string;
}

export async function startTargets(ctx: Context, o: { all: boolean; names: string[]; filters: string[] }): Promise<StartTarget[]> {
  const match = buildContainerFilter(o.filters, {
    find: (n) => findContainer(ctx, n),
    findPod: (n) => {
      try {
        return findPod(ctx, n).id;
      } catch (err) {
        if (err instanceof NoSuchPodError) return undefined;
        throw err;
      }
    },
  });
  const candidates = o.all
    ? listContainers(ctx).map((r) => ({ rec: r, given: r.id }))
    : o.names.map((n) => ({ rec: findContainer(ctx, n), given: n }));
  const recs = await reconcileAll(ctx, candidates.map((c) => c.rec));
  const out: StartTarget[] = [];
  recs.forEach((rec, i) => {
    const v = viewOf(ctx, rec);
    if (o.all && (isUp(v.status) || rec.isInfra)) return;
    if (match(v)) out.push({ id: rec.id, given: candidates[i]!.given });
  });
  return out;
}
