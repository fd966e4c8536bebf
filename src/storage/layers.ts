// Extracted layers: <root>/layers/<hex of diff id>/{diff/, layer.json}. A layer is
// extracted once into a work directory, its record written there with complete=true,
// and the whole directory renamed into place under the store lock, so a layer
// directory is either absent or complete. Every image with the same diff id shares it.
import { mkdirSync, renameSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { Paths } from './paths.js';
import { ensurePrivateDir } from './paths.js';
import { readJson, writeJsonAtomic } from './atomic.js';
import type { ExtractOptions, ExtractResult } from './extract.js';
import type { LayerRecord } from '../image/types.js';
import { TpodError, isErrno } from '../errors.js';
import { TAR_SPLIT_FILE } from './tar-split.js';


const DIFF_ID = /^sha256:([a-f0-9]{64})$/;

export function layerHex(diffId: string): string {
  const m = DIFF_ID.exec(diffId);
  if (!m) throw new TpodError('ESTORAGE', `invalid layer diff id "${diffId}"`);
  return m[1]!;
}

export function layerPath(paths: Paths, diffId: string): string {
  return join(paths.layers, layerHex(diffId));
}

export function layerDiffPath(paths: Paths, diffId: string): string {
  return join(layerPath(paths, diffId), 'diff');
}

/** The layer's record when the layer is complete, else undefined. */
export function readLayer(paths: Paths, diffId: string): LayerRecord | undefined {
  const rec = readJson<LayerRecord>(join(layerPath(paths, diffId), 'layer.json'));
  return rec?.complete === true && rec.diffId === diffId ? rec : undefined;
}

/**
 * The mode of "/" in a rootfs over these layers (bottom first), as containers/storage
 * makes it: the topmost layer whose tar lists "./" gives it, else 0555. A layer whose
 * record predates tpod keeping that says nothing: 0755, as tpod made it then.
 */
export function rootfsMode(recordsTopFirst: (LayerRecord | undefined)[]): number {
  for (const r of recordsTopFirst) {
    if (r?.rootMode === undefined) return 0o755;
    if (r.rootMode !== null) return r.rootMode & 0o7777;
  }
  return 0o555;
}

export function hasLayer(paths: Paths, diffId: string): boolean {
  try {
    return readLayer(paths, diffId) !== undefined;
  } catch {
    return false;
  }
}

/** Diff ids of every layer directory present (complete or not). */
export function listLayerDirs(paths: Paths): string[] {
  try {
    return readdirSync(paths.layers).filter((n) => /^[a-f0-9]{64}$/.test(n)).map((h) => `sha256:${h}`);
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return [];
    throw err;
  }
}

export interface LayerSource {
  diffId: string;
  /** Opens the layer blob (compressed or not) from the start. */
  open: () => Readable;
  /** Digest the blob itself must have, when known. */
  digest?: string;
  /** The layer's name in messages. */
  label: string;
}

export interface PreparedLayer {
  diffId: string;
  /** <work>/<hex>: holds diff/ and layer.json, ready to be renamed into place. */
  dir: string;
  record: LayerRecord;
  result: ExtractResult;
}

/**
 * Extracts a layer into `workDir/<hex>` and writes its complete record there. Without
 * a diff id (import of a plain tarball) the layer is taken for what it hashes to.
 */
export async function prepareLayer(
  workDir: string,
  src: LayerSource | (Omit<LayerSource, 'diffId'> & { diffId?: undefined }),
  opts: Pick<ExtractOptions, 'preserveOwner' | 'onSkip' | 'nsPid' | 'wrap'>,
): Promise<PreparedLayer> {
  const dir = join(workDir, src.diffId !== undefined ? layerHex(src.diffId) : `new-${randomBytes(6).toString('hex')}`);
  mkdirSync(dir, { mode: 0o700 });
  const diff = join(dir, 'diff');
  mkdirSync(diff, { mode: 0o755 });
  // The tar-split record lets save/push rebuild the layer's exact tar (same diff ID).
  const extractOpts: ExtractOptions = { ...opts, label: src.label, tarSplitFile: join(dir, TAR_SPLIT_FILE) };
  if (src.diffId !== undefined) extractOpts.expectedDiffId = src.diffId;
  if (src.digest !== undefined) extractOpts.expectedDigest = src.digest;
  // node-tar and zlib load only when a layer is extracted, not on every lookup.
  const { extractLayer } = await import('./extract.js');
  const result = await extractLayer(src.open(), diff, extractOpts);
  const record: LayerRecord = {
    diffId: result.diffId,
    compressedDigests: result.digest !== result.diffId ? [result.digest] : [],
    size: result.size,
    complete: true,
    rootMode: result.rootMode,
  };
  writeJsonAtomic(join(dir, 'layer.json'), record);
  let finalDir = dir;
  if (src.diffId === undefined) {
    finalDir = join(workDir, layerHex(result.diffId));
    renameSync(dir, finalDir);
  }
  return { diffId: result.diffId, dir: finalDir, record, result };
}

/**
 * Moves a prepared layer into <root>/layers (call with the store lock held). Returns
 * false when an identical layer is already there; the prepared copy is then left for
 * the work directory's disposal.
 */
export function placeLayer(paths: Paths, prepared: PreparedLayer): boolean {
  ensurePrivateDir(paths.layers);
  const target = layerPath(paths, prepared.diffId);
  if (hasLayer(paths, prepared.diffId)) return false;
  try {
    renameSync(prepared.dir, target);
    return true;
  } catch (err) {
    // An incomplete leftover sits there: move it aside, then place ours.
    if (isErrno(err, 'ENOTEMPTY') || isErrno(err, 'EEXIST')) {
      renameSync(target, `${prepared.dir}.stale`);
      renameSync(prepared.dir, target);
      return true;
    }
    throw new TpodError('ESTORAGE', `placing layer ${prepared.diffId}: ${(err as Error).message}`, { cause: err });
  }
}

/** Moves a layer directory into a trash directory (store lock held); deleted later. */
export function trashLayer(paths: Paths, diffId: string, trashDir: string): void {
  try {
    renameSync(layerPath(paths, diffId), join(trashDir, layerHex(diffId)));
  } catch (err) {
    if (!isErrno(err, 'ENOENT')) throw new TpodError('ESTORAGE', `removing layer ${diffId}: ${(err as Error).message}`, { cause: err });
  }
}
