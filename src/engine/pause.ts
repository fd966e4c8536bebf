// `tpod pause` / `tpod unpause`: through the runtime (`runtime pause|resume ID`, inside
// the user namespace), only where the container has a writable cgroup v2 group
// (src/engine/cgroups.ts); otherwise the reason why not, exit 125.
import type { Context } from './context.js';
import { TpodError } from '../errors.js';
import { findContainer, writeContainer } from '../storage/containers.js';
import { requireContainerCgroup } from './cgroups.js';
import { withContainer } from './transition.js';

/** With the container's lock held from the check until the new state is recorded. */
export async function pauseContainer(ctx: Context, nameOrId: string, verb: 'pause' | 'unpause'): Promise<string> {
  const found = findContainer(ctx, nameOrId);
  return withContainer(ctx, found.id, async (rec, ls) => {
    const want = verb === 'pause' ? 'running' : 'paused';
    if (ls.status !== want) {
      throw new TpodError('ERUNTIME', `"${rec.id}" is not ${want}, can't ${verb}: container state improper`);
    }
    requireContainerCgroup(verb, rec.id, ls.pid);
    const { runtimeFor, runtimeGlobalsFor, runtimeBaseArgs } = await import('./runtime-of.js');
    const rt = runtimeFor(ctx, rec);
    const { runInNamespaceChecked } = await import('../rootless/join.js');
    await runInNamespaceChecked(ctx, [], [rt.path, ...runtimeBaseArgs(rt, runtimeGlobalsFor(ctx, rec.id)), verb === 'pause' ? 'pause' : 'resume', rec.id], `${verb} container ${rec.id.slice(0, 12)}`);
    writeContainer(ctx, { ...rec, state: verb === 'pause' ? 'paused' : 'running' });
    await (await import('./events.js')).containerEvent(ctx, rec, verb);
    return rec.id;
  });
}
