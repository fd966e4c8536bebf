// Commands on several containers (stop a b c): each is handled on its own, errors are
// reported per container and only the last one decides the exit code, as Podman does.
import type { Context } from '../engine/context.js';
import { TpodError } from '../errors.js';
import { findContainer, listContainers, type ContainerRecord } from '../storage/containers.js';

export async function forEachContainer(
  ctx: Context,
  names: string[],
  o: { ignoreMissing?: boolean },
  fn: (rec: ContainerRecord, given: string) => Promise<void>,
): Promise<number> {
  let failed: TpodError | undefined;
  for (const name of names) {
    try {
      await fn(findContainer(ctx, name), name);
    } catch (err) {
      if (!(err instanceof TpodError)) throw err;
      if (o.ignoreMissing && err.code === 'ENOCONTAINER') continue;
      if (failed) process.stderr.write(`Error: ${failed.message}\n`);
      failed = err;
    }
  }
  if (failed) throw failed;
  return 0;
}

/** Ids of the containers running now (for -a). */
export async function runningTargets(ctx: Context): Promise<string[]> {
  const { liveState, reconcileAll } = await import('../engine/state.js');
  const recs = await reconcileAll(ctx, listContainers(ctx));
  return recs.filter((r) => ['running', 'stopping', 'paused'].includes(liveState(ctx, r).status)).map((r) => r.id);
}
