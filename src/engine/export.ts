// `tpod export`: a container's filesystem (image layers + its changes) as one tar,
// written by `tpod-helper mktar` chrooted into the tree inside the pause process's
// namespaces: a container that swaps a directory for a symlink meanwhile gets a tar of
// its own files, never the host's.
// - a running container's rootfs is mounted already: it is read where it is;
// - otherwise the layers and the container's upper dir are mounted read-only (all as
//   lower dirs, no upper, so nothing is written and a concurrent start is not disturbed)
//   with the container's own driver, read, and unmounted;
// - vfs keeps a full copy in merged/ once started; before that, a copy is made.
import { readFileSync, readdirSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import type { Context } from './context.js';
import { TpodError } from '../errors.js';
import { containerDirs, findContainer } from '../storage/containers.js';
import { layerDiffPath } from '../storage/layers.js';
import { WorkDir } from '../storage/workdir.js';
import { namespacePlace, runInNamespaceChecked, type NsStep } from '../rootless/join.js';
import { packTree } from '../storage/tar-helper.js';

/** Whether `path` is a mount point in this process's mount namespace. */
export function isMountPoint(path: string, mountinfo: string = readMountinfo()): boolean {
  for (const line of mountinfo.split('\n')) {
    const mp = line.split(' ')[4];
    if (mp !== undefined && mp.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))) === path) return true;
  }
  return false;
}

function readMountinfo(pid: number | 'self' = 'self'): string {
  try {
    return readFileSync(`/proc/${pid}/mountinfo`, 'utf8');
  } catch {
    return '';
  }
}

function hasEntries(dir: string): boolean {
  try {
    return readdirSync(dir).length > 0;
  } catch {
    return false;
  }
}

/** The nsexec step that mounts `lowers` (top first) read-only at `target`. */
export function readOnlyMountStep(driver: string, lowers: string[], target: string): NsStep {
  const opts = `lowerdir=${lowers.join(':')}`;
  if (driver === 'fuse-overlayfs') return { kind: 'fuse-overlay', arg: `${opts}@${target}` };
  return { kind: 'overlay', arg: `${opts},userxattr@${target}` };
}

export interface ExportReport {
  id: string;
  skipped: string[];
}

/** Writes the container's filesystem to `out` as a tar stream (the caller ends `out`). */
export async function exportContainer(ctx: Context, nameOrId: string, out: Writable): Promise<ExportReport> {
  const rec = findContainer(ctx, nameOrId);
  const dirs = containerDirs(ctx, rec.id);
  const layers = rec.layers.map((d) => layerDiffPath(ctx.paths, d));
  const skipped: string[] = [];
  const place = await namespacePlace(ctx);
  const pack = (root: string): Promise<void> => packTree(place, root, out, (p, why) => skipped.push(`${p} (${why})`));

  // Mounts live in the pause process's mount namespace.
  if (isMountPoint(dirs.merged, readMountinfo(place.nsPid ?? 'self')) || (rec.driver === 'vfs' && hasEntries(dirs.merged))) {
    await pack(dirs.merged);
    return { id: rec.id, skipped };
  }
  const work = await WorkDir.create(ctx, 'work');
  const target = join(work.path, 'rootfs');
  mkdirSync(target, { mode: 0o755 });
  let mounted = false;
  try {
    if (rec.driver === 'vfs') {
      await runInNamespaceChecked(ctx, layers.map((d) => ({ kind: 'vfs-apply', arg: `${d}@${target}` })), [], 'copying the container filesystem');
    } else {
      // Top first: the container's changes over the image's layers.
      const lowers = [dirs.upper, ...[...layers].reverse()].filter((d, i) => i > 0 || hasEntries(d));
      if (lowers.length === 1) {
        await pack(lowers[0]!);
        return { id: rec.id, skipped };
      }
      if (lowers.length === 0) throw new TpodError('ESTORAGE', `container ${rec.id.slice(0, 12)} has no filesystem layers`);
      await runInNamespaceChecked(ctx, [readOnlyMountStep(rec.driver, lowers, target)], [], 'mounting the container filesystem');
      mounted = true;
    }
    await pack(target);
    return { id: rec.id, skipped };
  } finally {
    if (mounted) await runInNamespaceChecked(ctx, [{ kind: 'umount', arg: target }], [], 'unmounting the container filesystem').catch((e: Error) => ctx.log.warn(e.message));
    await work.dispose(ctx);
  }
}
