// Volumes: <root>/volumes/<name>/{volume.json, _data/}. A volume is a directory of the
// user's that containers bind-mount; its record says how it was made (labels, the local
// driver's options) and what its first use still owes (copying the image's content in,
// giving it to the container's user). Records are written atomically under one lock;
// a directory without a record (a create killed half-way) is no volume and is repaired.
import { mkdirSync, readdirSync, renameSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Context } from '../engine/context.js';
import { TpodError, isErrno } from '../errors.js';
import { readJson, writeJsonAtomic } from './atomic.js';
import { withLock } from './lock.js';
import { ensurePrivateDir } from './paths.js';

export interface VolumeRecord {
  name: string;
  driver: 'local';
  createdAt: string;
  labels: Record<string, string>;
  /** `--opt` as given: type, device, o (mount options; uid=, gid=, size= ...). */
  options: Record<string, string>;
  /** Made for one container (`-v /path`, an image VOLUME): removed with it. */
  anonymous?: boolean;
  /** The next container to mount it copies the image's content at the mount point in. */
  needsCopyUp: boolean;
  /** The next container to mount it gives it to the container's user. */
  needsChown: boolean;
  /** From `-o o=uid=N,gid=N`: the owner the volume is made with. */
  uid?: number;
  gid?: number;
}

export class NoSuchVolumeError extends TpodError {
  constructor(name: string) {
    super('ENOVOLUME', `no volume with name "${name}" found: no such volume`);
  }
}

/** Podman's rule for names (containers, pods and volumes). */
export const VOLUME_NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

export function volumeDir(ctx: Context, name: string): string {
  return join(ctx.paths.volumes, name);
}

/** What containers mount: the volume's data directory. */
export function volumeDataPath(ctx: Context, name: string): string {
  return join(ctx.paths.volumes, name, '_data');
}

function recordPath(ctx: Context, name: string): string {
  return join(ctx.paths.volumes, name, 'volume.json');
}

export function volumesLockPath(ctx: Context): string {
  return join(ctx.paths.volumes, '.lock');
}

export function withVolumesLock<T>(ctx: Context, fn: () => Promise<T> | T): Promise<T> {
  ensurePrivateDir(ctx.paths.volumes);
  return withLock(volumesLockPath(ctx), fn);
}

/** The record, or undefined (no such volume, or a broken one: see listVolumes). */
export function readVolume(ctx: Context, name: string): VolumeRecord | undefined {
  if (!VOLUME_NAME_RE.test(name)) return undefined;
  try {
    const rec = readJson<VolumeRecord>(recordPath(ctx, name));
    return rec && rec.name === name ? rec : undefined;
  } catch {
    return undefined;
  }
}

export function findVolume(ctx: Context, name: string): VolumeRecord {
  const rec = readVolume(ctx, name);
  if (!rec) throw new NoSuchVolumeError(name);
  return rec;
}

/** Every volume with a record, by name. */
export function listVolumes(ctx: Context): VolumeRecord[] {
  let names: string[];
  try {
    names = readdirSync(ctx.paths.volumes);
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return [];
    throw err;
  }
  return names
    .filter((n) => VOLUME_NAME_RE.test(n))
    .sort()
    .map((n) => readVolume(ctx, n))
    .filter((v): v is VolumeRecord => v !== undefined);
}

export interface NewVolume {
  /** Undefined: an anonymous volume, named by 64 random hex digits. */
  name?: string | undefined;
  labels?: Record<string, string>;
  options?: Record<string, string>;
  anonymous?: boolean;
  uid?: number;
  gid?: number;
  /** Say nothing when it exists already (`--ignore`, and implicit creation by run). */
  ignoreExisting?: boolean;
}

/** Creates the volume (record last, so a kill leaves no half volume); returns its record. */
export async function createVolume(ctx: Context, v: NewVolume): Promise<VolumeRecord> {
  const name = v.name ?? randomBytes(32).toString('hex');
  if (!VOLUME_NAME_RE.test(name)) {
    throw new TpodError('EUSAGE', `creating volume "${name}": names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*: invalid argument`);
  }
  return withVolumesLock(ctx, () => {
    const existing = readVolume(ctx, name);
    if (existing) {
      if (v.ignoreExisting) return existing;
      throw new TpodError('ENAMEINUSE', `volume with name ${name} already exists: volume already exists`);
    }
    const dir = volumeDir(ctx, name);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    try {
      mkdirSync(join(dir, '_data'), { mode: 0o755 });
    } catch (err) {
      if (!isErrno(err, 'EEXIST')) throw err;
    }
    const rec: VolumeRecord = {
      name,
      driver: 'local',
      createdAt: new Date().toISOString(),
      labels: v.labels ?? {},
      options: v.options ?? {},
      needsCopyUp: true,
      needsChown: true,
    };
    if (v.anonymous) rec.anonymous = true;
    if (v.uid !== undefined) rec.uid = v.uid;
    if (v.gid !== undefined) rec.gid = v.gid;
    writeJsonAtomic(recordPath(ctx, name), rec);
    return rec;
  });
}

/** Changes a volume's record under the lock (first use: copy-up and chown done). */
export async function updateVolume(ctx: Context, name: string, change: (v: VolumeRecord) => void): Promise<void> {
  await withVolumesLock(ctx, () => {
    const rec = readVolume(ctx, name);
    if (!rec) return;
    change(rec);
    writeJsonAtomic(recordPath(ctx, name), rec);
  });
}

/**
 * Takes the volume out of the store (lock held by the caller): its directory moves to
 * `trashDir` at once, so the name is free, and is deleted afterwards by the caller
 * (inside the user namespace, since the container's files belong to other ids).
 */
export function unlinkVolume(ctx: Context, name: string, trashDir: string): string {
  const target = join(trashDir, `${name}-${randomBytes(4).toString('hex')}`);
  try {
    renameSync(volumeDir(ctx, name), target);
  } catch (err) {
    if (isErrno(err, 'ENOENT')) throw new NoSuchVolumeError(name);
    throw new TpodError('ESTORAGE', `removing volume ${name}: ${(err as Error).message}`, { cause: err });
  }
  return target;
}

/**
 * Removes volumes by name, as one change under the lock (a name that is already gone
 * is skipped); their files are deleted afterwards, inside the user namespace if needed.
 */
export async function deleteVolumes(ctx: Context, names: string[]): Promise<string[]> {
  if (names.length === 0) return [];
  const { WorkDir } = await import('./workdir.js');
  const trash = await WorkDir.create(ctx, 'trash');
  const removed: string[] = [];
  try {
    await withVolumesLock(ctx, () => {
      for (const n of names) {
        if (!readVolume(ctx, n)) continue;
        unlinkVolume(ctx, n, trash.path);
        removed.push(n);
      }
    });
  } finally {
    await trash.dispose(ctx);
  }
  return removed;
}

/** Directories under volumes/ that have no record: leftovers of a killed create. */
export function strayVolumeDirs(ctx: Context): string[] {
  let names: string[];
  try {
    names = readdirSync(ctx.paths.volumes);
  } catch {
    return [];
  }
  return names.filter((n) => VOLUME_NAME_RE.test(n) && readVolume(ctx, n) === undefined).map((n) => volumeDir(ctx, n));
}

/** Removes an empty stray directory (a create that never wrote anything). */
export function removeEmptyStray(dir: string): boolean {
  try {
    rmdirSync(join(dir, '_data'));
    rmdirSync(dir);
    return true;
  } catch {
    return false;
  }
}
