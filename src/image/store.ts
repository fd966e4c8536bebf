// The image store: <root>/images/<id>/{image.json, config.json, manifest.json}, with
// id = sha256 hex of config.json's bytes, over the shared layers in <root>/layers.
//
// Consistency rules (so 20 concurrent commands or a kill -9 never leave a broken store):
// - every change that touches more than one record holds <root>/storage.lock;
// - every record write is atomic (temp + fsync + rename);
// - a new image directory is written in a work directory and renamed into place whole;
// - a name moving to another image is first removed from its old owner, so no name is
//   ever on two images (a kill in between loses the tag, never corrupts);
// - readers without the lock ignore what is not complete (no image.json, layers
//   without a complete record).
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Context } from '../engine/context.js';
import { NoSuchImageError, TpodError, isErrno } from '../errors.js';
import { readJson, writeJsonAtomic, writeFileAtomic } from '../storage/atomic.js';
import { withLock } from '../storage/lock.js';
import { ensurePrivateDir } from '../storage/paths.js';
import {
  hasLayer, layerDiffPath, listLayerDirs, placeLayer, prepareLayer, readLayer, rootfsMode, trashLayer,
  type LayerSource, type PreparedLayer,
} from '../storage/layers.js';
import { WorkDir, cleanStaleWorkDirs } from '../storage/workdir.js';
import { imageEvent } from '../storage/events.js';
import type { ImageConfig, ImageRecord } from './types.js';
import type { HelperPlace } from '../storage/tar-helper.js';
import { parseImageConfig } from './config.js';
import { idPrefixOf, nameMatches, normalizeLocalName, parseReference, splitStoredName, type RawReference } from './reference.js';

/** What tpod keeps in image.json: the shared ImageRecord plus Podman's extra facts. */
export interface StoredImage extends ImageRecord {
  /** Every name the image has had, most recent first (Podman's NamesHistory). */
  namesHistory: string[];
  manifestType: string;
  configSize: number;
  manifestSize: number;
}

const ID = /^[a-f0-9]{64}$/;

export function imageDir(ctx: Context, id: string): string {
  return join(ctx.paths.images, id);
}

function storeLockPath(ctx: Context): string {
  return join(ctx.paths.root, 'storage.lock');
}

/** Runs fn with the store lock held (creating the store's directories first). */
export async function withStoreLock<T>(ctx: Context, fn: () => Promise<T> | T): Promise<T> {
  ensureStoreDirs(ctx);
  return withLock(storeLockPath(ctx), fn);
}

export function ensureStoreDirs(ctx: Context): void {
  ensurePrivateDir(ctx.paths.root, ctx.uid);
  for (const d of [ctx.paths.images, ctx.paths.layers, ctx.paths.tmp]) ensurePrivateDir(d, ctx.uid);
}

function readImageRecord(ctx: Context, id: string): StoredImage | undefined {
  const rec = readJson<StoredImage>(join(imageDir(ctx, id), 'image.json'));
  if (!rec || rec.id !== id) return undefined;
  rec.namesHistory ??= [...rec.names];
  rec.digests ??= [];
  return rec;
}

/** Every complete image, newest first. */
export async function listImages(ctx: Context): Promise<StoredImage[]> {
  let ids: string[];
  try {
    ids = readdirSync(ctx.paths.images).filter((n) => ID.test(n));
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return [];
    throw err;
  }
  const out: StoredImage[] = [];
  for (const id of ids) {
    try {
      const r = readImageRecord(ctx, id);
      if (r) out.push(r);
    } catch (err) {
      ctx.log.warn(`skipping image ${id.slice(0, 12)}: ${(err as Error).message}`);
    }
  }
  return out.sort((a, b) => (a.created < b.created ? 1 : a.created > b.created ? -1 : a.id.localeCompare(b.id)));
}

/**
 * The images in the order they came into the store (oldest first), as containers/storage
 * lists them for `rmi -a`: by their directories' birth times where the file system
 * keeps them, else by creation date.
 */
export function inStoreOrder(ctx: Context, images: StoredImage[]): StoredImage[] {
  const born = new Map<string, number>();
  for (const i of images) {
    try {
      born.set(i.id, statSync(imageDir(ctx, i.id)).birthtimeMs);
    } catch {
      born.set(i.id, 0);
    }
  }
  return [...images].sort((a, b) => (born.get(a.id)! - born.get(b.id)!) || (a.created < b.created ? -1 : a.created > b.created ? 1 : 0));
}

export interface Resolved {
  image: StoredImage;
  /** The stored name the input matched, when it was a name. */
  name?: string;
  /** Whether the input was an ID (full, prefix, or sha256:...). */
  byId: boolean;
}

function matchId(images: StoredImage[], prefix: string, input: string): StoredImage | undefined {
  const hits = images.filter((i) => i.id.startsWith(prefix));
  if (hits.length > 1) throw new TpodError('ENOIMAGE', `${input}: image ID prefix is ambiguous (${hits.length} images match)`);
  return hits[0];
}

/** Finds an image among `images` the way Podman's local lookup does. */
export function resolveImage(images: StoredImage[], input: string): Resolved | undefined {
  const prefix = idPrefixOf(input);
  if (prefix !== undefined) {
    const exact = images.find((i) => i.id === prefix && prefix.length === 64);
    if (exact) return { image: exact, byId: true };
    if (input.startsWith('sha256:')) {
      const hit = matchId(images, prefix, input);
      return hit ? { image: hit, byId: true } : undefined;
    }
  }
  let ref: RawReference | undefined;
  try {
    ref = parseReference(input);
  } catch {
    ref = undefined;
  }
  if (ref) {
    if (ref.digest !== undefined) {
      const digest = ref.digest;
      const hit = images.find((i) => i.manifestDigest === digest || i.digests.some((d) => d.endsWith(`@${digest}`)));
      if (hit && hit.names.some((n) => nameMatches(n, { ...ref!, tag: splitStoredName(n).tag }))) {
        // The name by digest a pull by digest stored, when there is one (rmi untags just it).
        const byDigest = hit.names.find((n) => n.endsWith(`@${digest}`) && nameMatches(n, { ...ref!, tag: splitStoredName(n).tag }));
        return byDigest ? { image: hit, name: byDigest, byId: false } : { image: hit, byId: false };
      }
      if (hit && hit.names.length === 0) return { image: hit, byId: false };
    } else {
      // A short name tries localhost/ first, then any repository ending in /<name>.
      if (ref.domain === undefined) {
        const local = normalizeLocalName(input);
        for (const i of images) if (i.names.includes(local)) return { image: i, name: local, byId: false };
      }
      for (const i of images) {
        const n = i.names.find((s) => nameMatches(s, ref!));
        if (n) return { image: i, name: n, byId: false };
      }
    }
  }
  if (prefix !== undefined) {
    const hit = matchId(images, prefix, input);
    if (hit) return { image: hit, byId: true };
  }
  return undefined;
}

/** Finds an image by name, short name, full ID, ID prefix (>= 3) or sha256:ID. */
export async function findImage(ctx: Context, nameOrId: string): Promise<StoredImage> {
  const r = resolveImage(await listImages(ctx), nameOrId);
  if (!r) throw new NoSuchImageError(nameOrId);
  return r.image;
}

export async function imageExists(ctx: Context, nameOrId: string): Promise<boolean> {
  return resolveImage(await listImages(ctx), nameOrId) !== undefined;
}

export async function readImageConfig(ctx: Context, id: string): Promise<ImageConfig> {
  let bytes: Buffer;
  try {
    bytes = readFileSync(join(imageDir(ctx, id), 'config.json'));
  } catch (err) {
    if (isErrno(err, 'ENOENT')) throw new NoSuchImageError(id);
    throw err;
  }
  return parseImageConfig(bytes, `image ${id.slice(0, 12)}`);
}

export function readImageManifest(ctx: Context, id: string): Buffer | undefined {
  try {
    return readFileSync(join(imageDir(ctx, id), 'manifest.json'));
  } catch {
    return undefined;
  }
}

/** The extracted layer directory (overlay lower dir) of a diff id. */
export function layerDiffDir(ctx: Context, diffId: string): string {
  return layerDiffPath(ctx.paths, diffId);
}

/** The mode of "/" in a container over these layers (bottom first): see rootfsMode. */
export function layersRootMode(ctx: Context, diffIds: string[]): number {
  return rootfsMode([...diffIds].reverse().map((d) => readLayer(ctx.paths, d)));
}

/** Repo digests: every repository of the image's names with every manifest digest it has. */
function repoDigests(names: string[], digests: string[]): string[] {
  const repos = [...new Set(names.map((n) => splitStoredName(n).repository))];
  const out: string[] = [];
  for (const r of repos) for (const d of digests) out.push(`${r}@${d}`);
  return [...new Set(out)].sort();
}

function manifestDigestsOf(rec: StoredImage): string[] {
  const ds = new Set<string>();
  if (rec.manifestDigest) ds.add(rec.manifestDigest);
  for (const d of rec.digests) {
    const at = d.lastIndexOf('@');
    if (at >= 0) ds.add(d.slice(at + 1));
  }
  return [...ds];
}

/**
 * The image with NAMES. Its names history changes as containers/storage changes it: each
 * name it has now moves to the front, in order (so `images --format {{.History}}` reads
 * as Podman's).
 */
function withNames(rec: StoredImage, names: string[]): StoredImage {
  const digests = repoDigests(names, manifestDigestsOf(rec));
  let history = rec.namesHistory;
  for (const n of names) history = [n, ...history.filter((h) => h !== n)];
  return { ...rec, names, digests, namesHistory: history };
}

function writeRecord(ctx: Context, rec: StoredImage): void {
  writeJsonAtomic(join(imageDir(ctx, rec.id), 'image.json'), rec);
}

/** Takes names away from every image but `keepId` (store lock held). */
function takeNames(ctx: Context, images: StoredImage[], names: string[], keepId: string): void {
  for (const other of images) {
    if (other.id === keepId) continue;
    const left = other.names.filter((n) => !names.includes(n));
    if (left.length !== other.names.length) writeRecord(ctx, withNames(other, left));
  }
}

export interface NewImage {
  configBytes: Buffer;
  manifestBytes: Buffer;
  manifestDigest: string;
  manifestType: string;
  /** Fully qualified names to give the image. */
  names: string[];
}

export interface AddImageOptions {
  preserveOwner: boolean;
  /** Where layers are extracted; by default joining the pause process. */
  place?: HelperPlace;
  /** How many layers to extract at once. */
  parallel?: number;
  /** Layers already extracted into `work` (import). */
  prepared?: PreparedLayer[];
  /** Work directory holding the prepared layers; one is made otherwise. */
  work?: WorkDir;
}

function sha256(b: Buffer): string {
  return `sha256:${createHash('sha256').update(b).digest('hex')}`;
}

/**
 * Stores an image: extracts the layers the store lacks (outside the lock, into a work
 * directory), then under the lock places them, moves the names, and writes the image.
 * Returns the stored record.
 */
export async function addImage(ctx: Context, input: NewImage, layers: LayerSource[], opts: AddImageOptions): Promise<StoredImage> {
  ensureStoreDirs(ctx);
  const config = parseImageConfig(input.configBytes, 'image config');
  const id = sha256(input.configBytes).slice(7);
  const diffIds = config.rootfs.diff_ids;
  if (diffIds.length !== layers.length || layers.some((l, i) => l.diffId !== diffIds[i])) {
    throw new TpodError('EARCHIVE', 'the layers do not match the image config');
  }
  const work = opts.work ?? (await WorkDir.create(ctx, 'work'));
  try {
    const prepared = new Map<string, PreparedLayer>((opts.prepared ?? []).map((p) => [p.diffId, p]));
    // A layer present now may be removed by a concurrent rmi before we commit: then
    // extract it and try again (the second round has the lock-free window only for
    // layers that vanished, so this ends).
    for (let round = 0; round < 5; round++) {
      const missing = layers.filter((l, i) => !prepared.has(l.diffId) && !hasLayer(ctx.paths, l.diffId) && layers.findIndex((x) => x.diffId === l.diffId) === i);
      const place = missing.length > 0 ? opts.place ?? (await (await import('../rootless/join.js')).namespacePlace(ctx)) : {};
      await runLimited(missing, opts.parallel ?? 4, async (l) => {
        const skipped: string[] = [];
        const p = await prepareLayer(work.path, l, { preserveOwner: opts.preserveOwner, ...place, onSkip: (path, why) => skipped.push(`${path} (${why})`) });
        if (skipped.length > 0) ctx.log.debug(`layer ${l.label}: skipped ${skipped.join(', ')}`);
        prepared.set(l.diffId, p);
      });
      const rec = await withStoreLock(ctx, () => {
        for (const l of layers) {
          if (hasLayer(ctx.paths, l.diffId)) continue;
          const p = prepared.get(l.diffId);
          if (!p) return undefined; // vanished since we looked: extract it next round
          placeLayer(ctx.paths, p);
          prepared.delete(l.diffId);
        }
        return commitImage(ctx, id, config, input, layers.map((l) => readLayer(ctx.paths, l.diffId)?.size ?? 0), work.path);
      });
      if (rec) return rec;
    }
    throw new TpodError('ESTORAGE', 'layers kept disappearing while the image was stored; try again');
  } finally {
    if (!opts.work) await work.dispose(ctx);
  }
}

async function runLimited<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++]!;
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** Writes or updates the image record (store lock held). */
function commitImage(ctx: Context, id: string, config: ImageConfig, input: NewImage, layerSizes: number[], workDir: string): StoredImage {
  const images = readdirSafe(ctx.paths.images).filter((n) => ID.test(n)).map((i) => readImageRecord(ctx, i)).filter((r): r is StoredImage => r !== undefined);
  const names = [...new Set(input.names)];
  takeNames(ctx, images, names, id);
  const existing = images.find((i) => i.id === id);
  const layerSize = layerSizes.reduce((a, b) => a + b, 0);
  const base: StoredImage = existing ?? {
    id,
    names: [],
    digests: [],
    manifestDigest: input.manifestDigest,
    layers: config.rootfs.diff_ids,
    created: config.created ?? new Date().toISOString(),
    size: layerSize,
    namesHistory: [],
    manifestType: input.manifestType,
    configSize: input.configBytes.length,
    manifestSize: input.manifestBytes.length,
  };
  const merged = [...names, ...base.names.filter((n) => !names.includes(n))];
  const history = [...names, ...base.namesHistory.filter((n) => !names.includes(n))];
  const allDigests = [...new Set([input.manifestDigest, ...manifestDigestsOf(base)])];
  const rec: StoredImage = {
    ...base,
    names: merged,
    namesHistory: history,
    manifestDigest: input.manifestDigest,
    manifestType: input.manifestType,
    manifestSize: input.manifestBytes.length,
    digests: repoDigests(merged, allDigests),
  };
  if (existing) {
    writeFileAtomic(join(imageDir(ctx, id), 'manifest.json'), input.manifestBytes);
    writeRecord(ctx, rec);
    return rec;
  }
  const tmp = join(workDir, `image-${id}`);
  mkdirSync(tmp, { mode: 0o700 });
  writeFileSync(join(tmp, 'config.json'), input.configBytes, { mode: 0o600 });
  writeFileSync(join(tmp, 'manifest.json'), input.manifestBytes, { mode: 0o600 });
  writeJsonAtomic(join(tmp, 'image.json'), rec);
  try {
    renameSync(tmp, imageDir(ctx, id));
  } catch (err) {
    // A directory without image.json is a leftover; replace it.
    if (!isErrno(err, 'ENOTEMPTY') && !isErrno(err, 'EEXIST')) throw err;
    renameSync(imageDir(ctx, id), `${tmp}.stale`);
    renameSync(tmp, imageDir(ctx, id));
  }
  return rec;
}

function readdirSafe(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return [];
    throw err;
  }
}

/** Normalises names for tag: `foo` -> `localhost/foo:latest`, Podman's error wording. */
export function normalizeTagNames(names: string[]): string[] {
  return names.map((n) => {
    try {
      const full = normalizeLocalName(n);
      if (full.includes('@')) throw new TpodError('EINVALIDREF', `normalizing name "${n}": tag by digest not supported`);
      return full;
    } catch (err) {
      if (err instanceof TpodError && err.message.startsWith('normalizing')) throw err;
      const why = (err as Error).message.replace(/^invalid reference format: /, '').replace(/: "[^"]*"$/, '');
      throw new TpodError('EINVALIDREF', `normalizing name "${n}": ${why === 'invalid tag' || why.startsWith('invalid') ? 'invalid reference format' : why}`);
    }
  });
}

export async function tagImage(ctx: Context, nameOrId: string, names: string[]): Promise<StoredImage> {
  const full = normalizeTagNames(names);
  const tagged = await withStoreLock(ctx, async () => {
    const images = await listImages(ctx);
    const r = resolveImage(images, nameOrId);
    if (!r) throw new NoSuchImageError(nameOrId);
    takeNames(ctx, images, full, r.image.id);
    const merged = [...r.image.names, ...full.filter((n) => !r.image.names.includes(n))];
    const rec = withNames(r.image, merged);
    writeRecord(ctx, rec);
    return rec;
  });
  // As Podman: one event per name, as the user gave it.
  for (const n of names) await imageEvent(ctx, tagged.id, n, 'tag');
  return tagged;
}

/**
 * Names for untag: as for tag, except that a digested name is allowed and a tag beside
 * the digest is dropped (repo:tag@sha256:... -> repo@sha256:...), as Podman's NormalizeName.
 */
export function normalizeUntagNames(names: string[]): string[] {
  return names.map((n) => {
    const at = n.indexOf('@');
    if (at < 0) return normalizeTagNames([n])[0]!;
    const base = n.slice(0, at);
    const lastSlash = base.lastIndexOf('/');
    const colon = base.lastIndexOf(':');
    const repo = colon > lastSlash ? base.slice(0, colon) : base;
    try {
      return normalizeLocalName(`${repo}${n.slice(at)}`);
    } catch {
      throw new TpodError('EINVALIDREF', `normalizing name "${n}": invalid reference format`);
    }
  });
}

/** Removes names from an image; no names removes them all (as `podman untag`). */
export async function untagImage(ctx: Context, nameOrId: string, names: string[]): Promise<StoredImage> {
  const full = normalizeUntagNames(names);
  let removed: string[] = [];
  const rec = await withStoreLock(ctx, async () => {
    const images = await listImages(ctx);
    const r = resolveImage(images, nameOrId);
    if (!r) throw new NoSuchImageError(nameOrId);
    for (const n of full) if (!r.image.names.includes(n)) throw new TpodError('EINVALIDREF', `${n}: tag not known`);
    const left = full.length === 0 ? [] : r.image.names.filter((n) => !full.includes(n));
    removed = r.image.names.filter((n) => !left.includes(n));
    const next = withNames(r.image, left);
    writeRecord(ctx, next);
    return next;
  });
  for (const n of removed) await imageEvent(ctx, rec.id, n, 'untag');
  return rec;
}

/** Containers created from an image (ids). The hook rmi uses to refuse such images. */
export function imageInUse(ctx: Context, id: string): string[] {
  return imageUsers(ctx).get(id) ?? [];
}

/** Container ids by the image ID they were created from (containers/<id>/container.json). */
export function imageUsers(ctx: Context): Map<string, string[]> {
  const users = new Map<string, string[]>();
  for (const c of readdirSafe(ctx.paths.containers)) {
    try {
      const rec = readJson<{ imageId?: string; id?: string }>(join(ctx.paths.containers, c, 'container.json'));
      if (typeof rec?.imageId !== 'string') continue;
      const id = rec.imageId.replace(/^sha256:/, '');
      users.set(id, [...(users.get(id) ?? []), rec.id ?? c]);
    } catch {
      /* a broken container record is reported by ps, not here */
    }
  }
  return users;
}

export interface RemoveReport {
  /** The image's ID (also when only a name went). */
  id: string;
  untagged: string[];
  /** The full ID when the image itself was deleted. */
  deleted?: string;
  /** With `parents`: the untagged parents deleted with it (rmi's libimage rule). */
  parents?: string[];
}

/** Exit codes `podman rmi` uses. */
export const RMI_EXIT = { notFound: 1, inUse: 2 } as const;

/**
 * Removes one image (or one of its names). Removing by name when the image has other
 * names only untags; removing by ID an image with several names needs `force`.
 * Deleted layer directories are moved into `trash` (deleted by the caller later).
 */
export async function removeImage(ctx: Context, nameOrId: string, opts: { force: boolean; trash: WorkDir; parents?: boolean }): Promise<RemoveReport> {
  const report = await removeImageLocked(ctx, nameOrId, opts);
  // As Podman: an untag event per name, then the removal (named as the user named it).
  for (const n of report.untagged) await imageEvent(ctx, report.id, n, 'untag');
  if (report.deleted) await imageEvent(ctx, report.id, nameOrId, 'remove');
  for (const p of report.parents ?? []) await imageEvent(ctx, p, p, 'remove');
  return report;
}

async function removeImageLocked(ctx: Context, nameOrId: string, opts: { force: boolean; trash: WorkDir; parents?: boolean }): Promise<RemoveReport> {
  return withStoreLock(ctx, async () => {
    const images = await listImages(ctx);
    const r = resolveImage(images, nameOrId);
    if (!r) throw new TpodError('ENOIMAGE', `${nameOrId}: image not known`, { exitCode: RMI_EXIT.notFound });
    const img = r.image;
    if (!r.byId && r.name !== undefined && img.names.length > 1) {
      writeRecord(ctx, withNames(img, img.names.filter((n) => n !== r.name)));
      return { id: img.id, untagged: [r.name] };
    }
    if (r.byId && img.names.length > 1 && !opts.force) {
      throw new TpodError('EIMAGEINUSE', `unable to delete image "${img.id}" by ID with more than one tag ([${img.names.join(' ')}]): please force removal`);
    }
    const users = imageInUse(ctx, img.id);
    if (users.length > 0) {
      // Removing the containers with --force belongs to the container commands.
      throw new TpodError('EIMAGEINUSE', `image used by ${users[0]}: image is in use by a container: consider listing external containers and force-removing image`, { exitCode: RMI_EXIT.inUse });
    }
    let parents: string[] = [];
    if (opts.parents) {
      const { danglingParents } = await import('./intermediate.js');
      const shape = async (i: StoredImage): Promise<import('./intermediate.js').ImageShape> => ({ id: i.id, names: i.names, config: await readImageConfig(ctx, i.id).catch(() => undefined) });
      const others = await Promise.all(images.filter((i) => i.id !== img.id).map(shape));
      parents = danglingParents(await shape(img), others, (id) => imageInUse(ctx, id).length > 0);
    }
    for (const id of [img.id, ...parents]) renameSync(imageDir(ctx, id), join(opts.trash.path, `image-${id}`));
    const gone = new Set([img.id, ...parents]);
    collectLayers(ctx, images.filter((i) => !gone.has(i.id)), opts.trash.path);
    return { id: img.id, untagged: [...img.names], deleted: img.id, ...(parents.length > 0 ? { parents } : {}) };
  });
}

/** Moves every layer no remaining image uses into the trash (store lock held). */
function collectLayers(ctx: Context, remaining: StoredImage[], trashDir: string): void {
  const used = new Set(remaining.flatMap((i) => i.layers));
  for (const diffId of listLayerDirs(ctx.paths)) {
    if (!used.has(diffId)) trashLayer(ctx.paths, diffId, trashDir);
  }
}

/**
 * Repairs what an interrupted command may have left (store lock held): work and trash
 * directories of dead commands, image directories without a record, layer directories
 * without a complete record.
 */
export async function repairStore(ctx: Context): Promise<void> {
  ensureStoreDirs(ctx);
  await cleanStaleWorkDirs(ctx);
  if (partialRecords(ctx).length === 0) return;
  const trash = await WorkDir.create(ctx, 'trash');
  try {
    await withStoreLock(ctx, () => {
      // Looked at again under the lock: a concurrent command may have fixed one.
      const partial = partialRecords(ctx);
      for (const p of partial) renameSync(p, join(trash.path, p.replace(/[/]/g, '_')));
      ctx.log.debug(`removed ${partial.length} incomplete record(s) left by an interrupted command`);
    });
  } finally {
    await trash.dispose(ctx);
  }
}

function partialRecords(ctx: Context): string[] {
  const partial: string[] = [];
  for (const n of readdirSafe(ctx.paths.images)) {
    if (ID.test(n) && !readImageRecordSafe(ctx, n)) partial.push(join(ctx.paths.images, n));
  }
  for (const diffId of listLayerDirs(ctx.paths)) {
    let ok = false;
    try {
      ok = readLayer(ctx.paths, diffId) !== undefined;
    } catch {
      ok = false;
    }
    if (!ok) partial.push(join(ctx.paths.layers, diffId.slice(7)));
  }
  return partial;
}

function readImageRecordSafe(ctx: Context, id: string): StoredImage | undefined {
  try {
    return readImageRecord(ctx, id);
  } catch {
    return undefined;
  }
}
