// Commands on several containers (stop a b c): each is handled on its own, errors are
// reported per container and only the last one decides the exit code, as Podman does.
import type { Context } from '../engine/context.js';
import { eachOnItsOwn } from '../util/each.js';
import { findContainer, listContainers, type ContainerRecord } from '../storage/containers.js';

export async function forEachContainer(
  ctx: Context,
  names: string[],
  o: { ignoreMissing?: boolean },
  fn: (rec: ContainerRecord, given: string) => Promise<void>,
): Promise<number> {
  return eachOnItsOwn(names, (name) => fn(findContainer(ctx, name), name), (err) => o.ignoreMissing === true && err.code === 'ENOCONTAINER');
}

/** Ids of the containers running now (for -a). */
export async function runningTargets(ctx: Context): Promise<string[]> {
  const { liveState } = await import('../engine/state.js');
  const { reconcileAll } = await import('../engine/reconcile.js');
  const recs = await reconcileAll(ctx, listContainers(ctx));
  return recs.filter((r) => ['running', 'stopping', 'paused'].includes(liveState(ctx, r).status)).map((r) => r.id);
}
