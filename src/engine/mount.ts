// `tpod mount` / `tpod umount`: a container's rootfs mounted in the pause process's mount
// namespace, where `tpod unshare` (and nothing outside the user namespace) can use it.
import { readFileSync } from 'node:fs';
import type { Context } from './context.js';
import { TpodError } from '../errors.js';
import { containerDirs, findContainer, listContainers, type ContainerRecord } from '../storage/containers.js';
import { layerDiffPath } from '../storage/layers.js';
import { mountSteps, unmountStep, type DriverName } from '../storage/driver.js';
import { isMountPoint } from './export.js';
import { liveState } from './state.js';

function mountinfo(): string {
  try {
    return readFileSync('/proc/self/mountinfo', 'utf8');
  } catch {
    return '';
  }
}

/** Mounts the container's rootfs (a no-op when it is mounted); returns where. */
export async function mountContainer(ctx: Context, nameOrId: string): Promise<string> {
  const rec = findContainer(ctx, nameOrId);
  const dirs = containerDirs(ctx, rec.id);
  if (isMountPoint(dirs.merged, mountinfo())) return dirs.merged;
  const { runInNamespaceChecked } = await import('../rootless/join.js');
  await runInNamespaceChecked(ctx, mountSteps(rec.driver as DriverName, {
    lowerDirs: rec.layers.map((d) => layerDiffPath(ctx.paths, d)),
    upper: dirs.upper,
    work: dirs.work,
    merged: dirs.merged,
    layersDir: ctx.paths.layers,
  }), [], `mounting container ${rec.id.slice(0, 12)}`);
  return dirs.merged;
}

/** Unmounts a container that does not run; a running one keeps its rootfs. */
export async function unmountContainer(ctx: Context, rec: ContainerRecord): Promise<void> {
  const st = liveState(ctx, rec).status;
  if (st === 'running' || st === 'paused' || st === 'stopping') return;
  const dirs = containerDirs(ctx, rec.id);
  if (!isMountPoint(dirs.merged, mountinfo())) return;
  const { runInNamespaceChecked } = await import('../rootless/join.js');
  await runInNamespaceChecked(ctx, [unmountStep(dirs.merged)], [], `unmounting container ${rec.id.slice(0, 12)}`);
}

/** Containers whose rootfs is mounted, with where. */
export function mountedContainers(ctx: Context): Array<{ id: string; path: string }> {
  const info = mountinfo();
  return listContainers(ctx)
    .map((r) => ({ id: r.id, path: containerDirs(ctx, r.id).merged }))
    .filter((m) => isMountPoint(m.path, info));
}

export function rootlessMountRefusal(command: string): TpodError {
  return new TpodError('EROOTLESS', `cannot run command "tpod ${command}" in rootless mode, must execute \`tpod unshare\` first`);
}
