// `tpod pause` / `tpod unpause`: through the runtime (`runtime pause|resume ID`, inside
// the user namespace), only where the container has a writable cgroup v2 group
// (src/engine/cgroups.ts); otherwise the reason why not, exit 125.
import type { Context } from './context.js';
import { TpodError } from '../errors.js';
import { findContainer, updateContainer } from '../storage/containers.js';
import { liveState } from './state.js';
import { requireContainerCgroup } from './cgroups.js';

export async function pauseContainer(ctx: Context, nameOrId: string, verb: 'pause' | 'unpause'): Promise<string> {
  const rec = findContainer(ctx, nameOrId);
  const ls = liveState(ctx, rec);
  const want = verb === 'pause' ? 'running' : 'paused';
  if (ls.status !== want) {
    throw new TpodError('ERUNTIME', `"${rec.id}" is not ${want}, can't ${verb}: container state improper`);
  }
  requireContainerCgroup(verb, rec.id, ls.pid);
  const { runtimeFor, runtimeGlobalsFor, runtimeBaseArgs } = await import('./runtime-of.js');
  const rt = runtimeFor(ctx, rec);
  const { runInNamespaceChecked } = await import('../rootless/join.js');
  await runInNamespaceChecked(ctx, [], [rt.path, ...runtimeBaseArgs(rt, runtimeGlobalsFor(ctx, rec.id)), verb === 'pause' ? 'pause' : 'resume', rec.id], `${verb} container ${rec.id.slice(0, 12)}`);
  await updateContainer(ctx, rec.id, { state: verb === 'pause' ? 'paused' : 'running' });
  await (await import('./events.js')).containerEvent(ctx, rec, verb);
  return rec.id;
}
