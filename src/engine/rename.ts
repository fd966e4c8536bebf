// `tpod rename`: a container's name lives in its record and in the name index
// (<containers>/names/<name> -> id, see src/storage/containers.ts). Under the
// container's lock (its record changes) and then the store lock (names),
// the new link is made first (exclusive: the name cannot be taken twice), then the
// record is rewritten, then the old link goes. A `kill -9` between the steps leaves a
// link whose record names something else, which repairContainers() drops as stale.
import { symlinkSync, unlinkSync, readlinkSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Context } from './context.js';
import { TpodError, isErrno } from '../errors.js';
import { checkContainerName } from '../runtime/options.js';
import { containersLockPath, findContainer, nameInUseError, podNameTaken, readContainer, writeContainer, type ContainerRecord } from '../storage/containers.js';
import { withLock } from '../storage/lock.js';
import { withContainer } from './transition.js';

function linkTarget(path: string): string | undefined {
  try {
    return readlinkSync(path);
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return undefined;
    throw err;
  }
}

export async function renameContainer(ctx: Context, nameOrId: string, newName: string): Promise<ContainerRecord> {
  const renamed = await renameLocked(ctx, nameOrId, newName);
  await (await import('./events.js')).containerEvent(ctx, renamed, 'rename');
  return renamed;
}

async function renameLocked(ctx: Context, nameOrId: string, newName: string): Promise<ContainerRecord> {
  const found = findContainer(ctx, nameOrId);
  try {
    checkContainerName(newName);
  } catch {
    throw new TpodError('EUSAGE', 'names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*: invalid argument');
  }
  const names = join(ctx.paths.containers, 'names');
  mkdirSync(names, { recursive: true, mode: 0o700 });
  return withContainer(ctx, found.id, (rec) => withLock(containersLockPath(ctx), () => {
    if (rec.name === newName) return rec;
    // Pods and containers share names (pod create checks containers the same way).
    if (podNameTaken(ctx, newName)) throw new TpodError('ENAMEINUSE', `renaming container ${rec.id}: name "${newName}" is in use: pod already exists`);
    const newLink = join(names, newName);
    const owner = linkTarget(newLink);
    if (owner !== undefined) {
      if (readContainer(ctx, owner)?.name === newName) {
        const inUse = nameInUseError(newName, owner);
        throw new TpodError('ENAMEINUSE', `renaming container ${rec.id}: ${inUse.message}`);
      }
      unlinkSync(newLink); // stale: its container is gone or has another name
    }
    symlinkSync(rec.id, newLink);
    const next: ContainerRecord = { ...rec, name: newName };
    writeContainer(ctx, next);
    const oldLink = join(names, rec.name);
    if (linkTarget(oldLink) === rec.id) unlinkSync(oldLink);
    return next;
  }));
}
