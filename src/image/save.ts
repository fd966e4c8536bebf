// `tpod save`: images from the store into a docker-archive, an oci-archive or an OCI
// layout directory. Each layer's tar is rebuilt byte for byte from its extracted
// directory and tar-split record (src/storage/tar-split.ts), so the archive carries the
// stored config unchanged and `load` (tpod's, Podman's, skopeo's) gives the same image ID.
//
// docker-archive: <diffhex>.tar layers (uncompressed, as Docker and Podman write them),
//   <confighex>.json, manifest.json. Several images share layer files.
// oci-archive / oci-dir: blobs/sha256/*, index.json (one manifest per image, named with
//   org.opencontainers.image.ref.name), oci-layout. Layers gzip'd unless `compress` is off.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, mkdirSync, readFileSync, renameSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Transform, type Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as zlib from 'node:zlib';
import type { Context } from '../engine/context.js';
import { NoSuchImageError, TpodError, UsageError } from '../errors.js';
import { layerPath, readLayer } from '../storage/layers.js';
import { hasTarSplit, rebuildLayerTar } from '../storage/tar-split.js';
import type { HelperPlace } from '../storage/tar-helper.js';
import { WorkDir } from '../storage/workdir.js';
import { imageDir, listImages, resolveImage, type StoredImage } from './store.js';
import { MEDIA } from './archive/types.js';
import { TarWriter } from './archive/tar-writer.js';

export const SAVE_FORMATS = ['docker-archive', 'oci-archive', 'oci-dir'] as const;
export type SaveFormat = (typeof SAVE_FORMATS)[number];

export function isSaveFormat(s: string): s is SaveFormat {
  return (SAVE_FORMATS as readonly string[]).includes(s);
}

export type SaveTarget = { kind: 'stream'; out: Writable } | { kind: 'dir'; path: string };

export interface SaveOptions {
  format: SaveFormat;
  /** gzip the layers of OCI formats (Podman's default); docker-archive is never compressed. */
  compress: boolean;
  /** Where layer tars are rebuilt; by default joining the pause process. */
  place?: HelperPlace;
  /** Progress lines ("Copying blob ..."), as Podman prints them on stderr. */
  progress?: (line: string) => void;
}

/** One image to save, with the names the user asked for it by. */
export interface SaveItem {
  image: StoredImage;
  names: string[];
  configBytes: Buffer;
}

interface LayerPlan {
  diffId: string;
  size: number;
  label: string;
  /** Where its tar is rebuilt (chrooted into the layer, in the user namespace). */
  place: HelperPlace;
}

/** Resolves the arguments; the same image asked for twice is saved once with both names. */
export async function planSave(ctx: Context, refs: string[]): Promise<SaveItem[]> {
  if (refs.length === 0) throw new UsageError('need at least 1 argument');
  const images = await listImages(ctx);
  const items = new Map<string, SaveItem>();
  for (const ref of refs) {
    const r = resolveImage(images, ref);
    if (!r) throw new NoSuchImageError(ref);
    let item = items.get(r.image.id);
    if (!item) {
      const configBytes = readFileSync(join(imageDir(ctx, r.image.id), 'config.json'));
      item = { image: r.image, names: [], configBytes };
      items.set(r.image.id, item);
    }
    if (r.name !== undefined && !item.names.includes(r.name)) item.names.push(r.name);
  }
  return [...items.values()];
}

function layerPlan(ctx: Context, item: SaveItem, place: HelperPlace): LayerPlan[] {
  return item.image.layers.map((diffId, i) => {
    const rec = readLayer(ctx.paths, diffId);
    const label = `${i + 1}/${item.image.layers.length} of ${item.names[0] ?? item.image.id.slice(0, 12)} (${diffId.slice(7, 19)})`;
    if (!rec) throw new TpodError('ESTORAGE', `layer ${label} is missing from the store`);
    if (!hasTarSplit(layerPath(ctx.paths, diffId))) {
      throw new TpodError('ESTORAGE', `layer ${label} was stored by an earlier tpod that kept no tar-split record, so its exact tar cannot be rebuilt; remove the image and load or pull it again`);
    }
    return { diffId, size: rec.size, label, place };
  });
}

function openLayer(ctx: Context, l: LayerPlan): Readable {
  return rebuildLayerTar({ layerDir: layerPath(ctx.paths, l.diffId), diffId: l.diffId, label: l.label, ...l.place });
}

function sha256(b: Buffer): string {
  return `sha256:${createHash('sha256').update(b).digest('hex')}`;
}

const FILE_HEADER = { mode: 0o444, uid: 0, gid: 0, mtime: 0 } as const;

/** Writes the images as a docker-archive tar stream. */
async function writeDockerArchive(ctx: Context, items: SaveItem[], out: Writable, opts: SaveOptions): Promise<void> {
  const tar = new TarWriter(out);
  const written = new Set<string>();
  const manifest: Array<{ Config: string; RepoTags: string[]; Layers: string[] }> = [];
  for (const item of items) {
    const layers = layerPlan(ctx, item, opts.place ?? {});
    for (const l of layers) {
      const name = `${l.diffId.slice(7)}.tar`;
      if (written.has(name)) continue;
      opts.progress?.(`Copying blob ${l.diffId}`);
      await tar.add({ ...FILE_HEADER, name, type: 'file', size: l.size }, openLayer(ctx, l));
      written.add(name);
    }
    const configName = `${item.image.id}.json`;
    if (!written.has(configName)) {
      opts.progress?.(`Copying config sha256:${item.image.id}`);
      await tar.add({ ...FILE_HEADER, name: configName, type: 'file' }, item.configBytes);
      written.add(configName);
    }
    manifest.push({ Config: configName, RepoTags: item.names, Layers: layers.map((l) => `${l.diffId.slice(7)}.tar`) });
  }
  opts.progress?.('Writing manifest to image destination');
  await tar.add({ ...FILE_HEADER, name: 'manifest.json', type: 'file' }, Buffer.from(JSON.stringify(manifest)));
  await tar.finish();
}

/** Counts and hashes what flows through. */
function hasher(): { stream: Transform; result: () => { digest: string; size: number } } {
  const h = createHash('sha256');
  let size = 0;
  const stream = new Transform({
    transform(chunk: Buffer, _e, cb) {
      h.update(chunk);
      size += chunk.length;
      cb(null, chunk);
    },
  });
  return { stream, result: () => ({ digest: `sha256:${h.digest('hex')}`, size }) };
}

interface Blob {
  digest: string;
  size: number;
  mediaType: string;
  /** Where its bytes are: a file (staged) or a rebuildable layer. */
  file?: string;
  layer?: LayerPlan;
  bytes?: Buffer;
}

/**
 * The blobs and index of an OCI layout for the images. Compressed layers are staged in
 * `staging` (their digest is known only after compression); uncompressed ones are
 * rebuilt when written.
 */
async function ociBlobs(ctx: Context, items: SaveItem[], staging: string, opts: SaveOptions): Promise<{ blobs: Map<string, Blob>; index: Buffer }> {
  const blobs = new Map<string, Blob>();
  const byDiffId = new Map<string, Blob>();
  const manifests: unknown[] = [];
  for (const item of items) {
    const layers: Blob[] = [];
    for (const l of layerPlan(ctx, item, opts.place ?? {})) {
      let blob = byDiffId.get(l.diffId);
      if (!blob) {
        opts.progress?.(`Copying blob ${l.diffId}`);
        if (opts.compress) {
          const file = join(staging, `${l.diffId.slice(7)}.gz`);
          const hash = hasher();
          await pipeline(openLayer(ctx, l), zlib.createGzip(), hash.stream, createWriteStream(file, { mode: 0o644 }));
          const { digest, size } = hash.result();
          blob = { digest, size, mediaType: MEDIA.ociLayerGzip, file };
        } else {
          blob = { digest: l.diffId, size: l.size, mediaType: MEDIA.ociLayer, layer: l };
        }
        byDiffId.set(l.diffId, blob);
        blobs.set(blob.digest, blob);
      }
      layers.push(blob);
    }
    opts.progress?.(`Copying config sha256:${item.image.id}`);
    const config: Blob = { digest: `sha256:${item.image.id}`, size: item.configBytes.length, mediaType: MEDIA.ociConfig, bytes: item.configBytes };
    blobs.set(config.digest, config);
    const manifest = {
      schemaVersion: 2,
      mediaType: MEDIA.ociManifest,
      config: { mediaType: config.mediaType, digest: config.digest, size: config.size },
      layers: layers.map((b) => ({ mediaType: b.mediaType, digest: b.digest, size: b.size })),
    };
    const mbytes = Buffer.from(JSON.stringify(manifest));
    const mblob: Blob = { digest: sha256(mbytes), size: mbytes.length, mediaType: MEDIA.ociManifest, bytes: mbytes };
    blobs.set(mblob.digest, mblob);
    const desc = { mediaType: MEDIA.ociManifest, digest: mblob.digest, size: mblob.size };
    // One index entry per name (skopeo and Podman pick an image by its ref name), one
    // without a name for an image saved by ID.
    if (item.names.length === 0) manifests.push(desc);
    for (const n of item.names) manifests.push({ ...desc, annotations: { 'org.opencontainers.image.ref.name': n } });
  }
  opts.progress?.('Writing manifest to image destination');
  return { blobs, index: Buffer.from(JSON.stringify({ schemaVersion: 2, manifests })) };
}

function blobBody(ctx: Context, b: Blob): Buffer | Readable {
  if (b.bytes) return b.bytes;
  if (b.file) return createReadStream(b.file, { highWaterMark: 1 << 20 });
  return openLayer(ctx, b.layer!);
}

const OCI_LAYOUT = Buffer.from(JSON.stringify({ imageLayoutVersion: '1.0.0' }));

async function writeOciArchive(ctx: Context, items: SaveItem[], out: Writable, staging: string, opts: SaveOptions): Promise<void> {
  const { blobs, index } = await ociBlobs(ctx, items, staging, opts);
  const tar = new TarWriter(out);
  const dirHeader = { mode: 0o755, uid: 0, gid: 0, mtime: Math.floor(Date.now() / 1000) };
  await tar.add({ ...dirHeader, name: 'blobs/', type: 'dir' });
  await tar.add({ ...dirHeader, name: 'blobs/sha256/', type: 'dir' });
  for (const b of blobs.values()) {
    await tar.add({ ...dirHeader, mode: 0o644, name: `blobs/sha256/${b.digest.slice(7)}`, type: 'file', size: b.size }, blobBody(ctx, b));
  }
  await tar.add({ ...dirHeader, mode: 0o644, name: 'index.json', type: 'file' }, index);
  await tar.add({ ...dirHeader, mode: 0o644, name: 'oci-layout', type: 'file' }, OCI_LAYOUT);
  await tar.finish();
}

async function writeOciDir(ctx: Context, items: SaveItem[], dir: string, opts: SaveOptions): Promise<void> {
  // Compressed layers are staged inside the (temporary) layout itself and renamed.
  const staging = join(dir, '.staging');
  mkdirSync(staging, { mode: 0o700 });
  const { blobs, index } = await ociBlobs(ctx, items, staging, opts);
  const blobDir = join(dir, 'blobs', 'sha256');
  mkdirSync(blobDir, { recursive: true, mode: 0o755 });
  for (const b of blobs.values()) {
    const target = join(blobDir, b.digest.slice(7));
    if (b.file) {
      renameSync(b.file, target);
      continue;
    }
    const body = blobBody(ctx, b);
    if (Buffer.isBuffer(body)) writeFileSync(target, body, { mode: 0o644 });
    else await pipeline(body, createWriteStream(target, { mode: 0o644 }));
  }
  rmdirSync(staging);
  writeFileSync(join(dir, 'index.json'), index, { mode: 0o644 });
  writeFileSync(join(dir, 'oci-layout'), OCI_LAYOUT, { mode: 0o644 });
}

/**
 * containers/image's "dir:" transport (push IMAGE dir:PATH): manifest.json, a version
 * file, and every blob named by its hex digest; layers uncompressed, as in the store.
 */
export async function writeDirTransport(ctx: Context, item: SaveItem, dir: string, progress?: (line: string) => void): Promise<void> {
  const place = await (await import('../rootless/join.js')).namespacePlace(ctx);
  const { blobs, index } = await ociBlobs(ctx, [{ ...item, names: [] }], dir, { format: 'oci-dir', compress: false, place, ...(progress ? { progress } : {}) });
  const manifestDigest = (JSON.parse(index.toString()) as { manifests: Array<{ digest: string }> }).manifests[0]!.digest;
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  for (const b of blobs.values()) {
    const body = blobBody(ctx, b);
    const target = b.digest === manifestDigest ? join(dir, 'manifest.json') : join(dir, b.digest.slice(7));
    if (Buffer.isBuffer(body)) writeFileSync(target, body, { mode: 0o644 });
    else await pipeline(body, createWriteStream(target, { mode: 0o644 }));
  }
  writeFileSync(join(dir, 'version'), 'Directory Transport Version: 1.1\n', { mode: 0o644 });
}

/** Saves the images to the target (a stream for the archive formats, a directory for oci-dir). */
export async function saveImages(ctx: Context, items: SaveItem[], target: SaveTarget, opts: SaveOptions): Promise<void> {
  if ((opts.format === 'oci-dir') !== (target.kind === 'dir')) throw new TpodError('EINTERNAL', `save: ${opts.format} wants a ${opts.format === 'oci-dir' ? 'directory' : 'stream'}`);
  if (!opts.place) opts = { ...opts, place: await (await import('../rootless/join.js')).namespacePlace(ctx) };
  const needsStaging = opts.format === 'oci-archive' && opts.compress;
  const work = needsStaging ? await WorkDir.create(ctx, 'work') : undefined;
  try {
    if (opts.format === 'docker-archive') await writeDockerArchive(ctx, items, (target as { out: Writable }).out, opts);
    else if (opts.format === 'oci-archive') await writeOciArchive(ctx, items, (target as { out: Writable }).out, work?.path ?? '', opts);
    else await writeOciDir(ctx, items, (target as { path: string }).path, opts);
  } finally {
    await work?.dispose(ctx);
  }
}
