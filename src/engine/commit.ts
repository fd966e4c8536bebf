// `tpod commit`: a container's changes over its image become a new image. The new
// layer is the container's upper directory, written by `tpod-helper mktar --whiteouts`
// chrooted into it (deletions as OCI whiteouts) and stored through the same extraction
// as a pulled layer; with --squash, the whole merged filesystem is one layer. The
// config is the image's, with the container's command, environment, ports, labels,
// user and working directory, as libpod's commit does, then --change on top.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import type { Context } from './context.js';
import { TpodError } from '../errors.js';
import { containerDirs, findContainer, type ContainerRecord } from '../storage/containers.js';
import { prepareLayer, readLayer } from '../storage/layers.js';
import { WorkDir } from '../storage/workdir.js';
import { packTree } from '../storage/tar-helper.js';
import type { ImageConfig, ImageConfigBody } from '../image/types.js';
import { MEDIA } from '../image/archive/types.js';

export interface CommitOptions {
  /** Fully qualified name for the new image, or none (a dangling image). */
  name?: string | undefined;
  changes: string[];
  message?: string | undefined;
  author?: string | undefined;
  /** Everything in one layer (the image's and the container's). */
  squash: boolean;
  /** 'docker' keeps what only Docker's format has (HEALTHCHECK, comments); tpod stores OCI either way. */
  format?: 'oci' | 'docker' | undefined;
  /** Settings over the container's (the Docker API's commit body), before `changes`. */
  config?: Partial<ImageConfigBody> | undefined;
}

function sha256(b: Buffer): string {
  return `sha256:${createHash('sha256').update(b).digest('hex')}`;
}

/** The container's own settings over the image's config (libpod's commit). */
export function committedConfig(image: ImageConfigBody | undefined, rec: ContainerRecord, spec: { env?: string[]; cwd?: string } | undefined): ImageConfigBody {
  const out: ImageConfigBody = { ...(image ?? {}) };
  const opts = rec.options;
  const entrypoint = opts?.entrypoint ?? image?.Entrypoint;
  if (entrypoint !== undefined) out.Entrypoint = entrypoint;
  const cmd = opts && opts.command.length > 0 ? opts.command : opts?.entrypoint !== undefined ? [] : image?.Cmd;
  if (cmd !== undefined) out.Cmd = cmd;
  if (spec?.env) out.Env = spec.env.filter((e) => !e.startsWith('HOSTNAME=') && e !== 'container=podman');
  if (spec?.cwd) out.WorkingDir = spec.cwd;
  if (opts?.user !== undefined) out.User = opts.user;
  const ports = { ...(image?.ExposedPorts ?? {}) };
  for (const p of rec.ports ?? []) ports[`${p.containerPort}/${p.protocol}`] = {};
  if (Object.keys(ports).length > 0) out.ExposedPorts = ports;
  const labels = { ...(image?.Labels ?? {}), ...(rec.labels ?? {}) };
  if (Object.keys(labels).length > 0) out.Labels = labels;
  return out;
}

/**
 * Docker's commit merge: set scalars and lists replace the container's, environment,
 * labels, ports and volumes are merged key by key (the given value wins).
 */
export function mergeCommitConfig(body: ImageConfigBody, user: Partial<ImageConfigBody> | undefined): ImageConfigBody {
  if (!user) return body;
  const out: ImageConfigBody = { ...body };
  if (user.Cmd && user.Cmd.length > 0) out.Cmd = user.Cmd;
  if (user.Entrypoint && user.Entrypoint.length > 0) out.Entrypoint = user.Entrypoint;
  if (user.User) out.User = user.User;
  if (user.WorkingDir) out.WorkingDir = user.WorkingDir;
  if (user.StopSignal) out.StopSignal = user.StopSignal;
  if (user.Env && user.Env.length > 0) {
    const env = [...(out.Env ?? [])];
    for (const e of user.Env) {
      const k = e.split('=')[0];
      const i = env.findIndex((x) => x.split('=')[0] === k);
      if (i >= 0) env[i] = e;
      else env.push(e);
    }
    out.Env = env;
  }
  if (user.Labels && Object.keys(user.Labels).length > 0) out.Labels = { ...(out.Labels ?? {}), ...user.Labels };
  if (user.ExposedPorts && Object.keys(user.ExposedPorts).length > 0) out.ExposedPorts = { ...(out.ExposedPorts ?? {}), ...user.ExposedPorts };
  if (user.Volumes && Object.keys(user.Volumes).length > 0) out.Volumes = { ...(out.Volumes ?? {}), ...user.Volumes };
  return out;
}

export async function commitContainer(ctx: Context, nameOrId: string, o: CommitOptions): Promise<string> {
  const rec = findContainer(ctx, nameOrId);
  if (rec.driver === 'vfs' && !o.squash) throw new TpodError('EUSAGE', 'commit of a vfs container needs --squash: vfs keeps no layer of the container\'s changes');
  const store = await import('../image/store.js');
  const { applyChanges } = await import('../image/import.js');
  const image = await store.findImage(ctx, rec.imageId);
  const base = await store.readImageConfig(ctx, image.id);
  const dirs = containerDirs(ctx, rec.id);
  let spec: { env?: string[]; cwd?: string } | undefined;
  try {
    const s = JSON.parse(readFileSync(join(dirs.userdata, 'config.json'), 'utf8')) as { process?: { env?: string[]; cwd?: string } };
    spec = s.process;
  } catch {
    spec = undefined;
  }
  const body = applyChanges(mergeCommitConfig(committedConfig(base.config, rec, spec), o.config), o.changes);

  const entry: HistoryEntry = { created_by: rec.command.join(' ') };
  if (o.message) entry.comment = o.message;
  if (o.author) entry.author = o.author;
  return commitWithConfig(ctx, rec, { base, body, entry, squash: o.squash, names: o.name !== undefined ? [o.name] : [], author: o.author });
}

export type HistoryEntry = NonNullable<ImageConfig['history']>[number];

export interface ImageWrite {
  /** The parent image's config (its layers and history come along unless squashed). */
  base: ImageConfig;
  body: ImageConfigBody;
  /** The history entry (none: the image gets no entry, as FROM scratch). */
  entry?: HistoryEntry | undefined;
  squash?: boolean | undefined;
  names: string[];
  author?: string | undefined;
  /** Fixed creation time (otherwise now). */
  created?: string | undefined;
  /** Every file of the new layer gets this mtime, in seconds (a build's --timestamp). */
  layerMtime?: number | undefined;
}

/**
 * A new layer over `w.base`, stored as an image; returns its ID. The layer is the
 * container's upper dir (everything with squash), or a tar (a build's COPY onto an image
 * without layers).
 */
export async function commitWithConfig(ctx: Context, source: ContainerRecord | { tar: () => Readable }, w: ImageWrite): Promise<string> {
  const store = await import('../image/store.js');
  const { namespacePlace } = await import('../rootless/join.js');
  const place = await namespacePlace(ctx);
  const work = await WorkDir.create(ctx, 'work');
  try {
    let layer: Awaited<ReturnType<typeof prepareLayer>>;
    if ('tar' in source) {
      layer = await prepareLayer(work.path, { label: 'of a build step', open: source.tar }, { preserveOwner: true, ...place });
    } else {
      const rec = source;
      const stream = new PassThrough({ highWaterMark: 1 << 20 });
      const written = w.squash
        ? (await import('./export.js')).exportContainer(ctx, rec.id, stream).then(() => undefined)
        : packTree(place, containerDirs(ctx, rec.id).upper, stream, (p, why) => ctx.log.debug(`commit: left out ${p} (${why})`), { whiteouts: true, ...(w.layerMtime !== undefined ? { mtime: w.layerMtime } : {}) });
      const finished = written.then(() => stream.end(), (e: unknown) => {
        stream.destroy(e as Error);
        throw e;
      });
      layer = await prepareLayer(work.path, { label: `of container ${rec.id.slice(0, 12)}`, open: () => stream }, { preserveOwner: true, ...place });
      await finished;
    }
    const { config, configBytes, manifestBytes } = composeImage(ctx, w, { diffId: layer.diffId, size: layer.record.size });
    const diffIds = config.rootfs.diff_ids;
    const stored = await store.addImage(
      ctx,
      { configBytes, manifestBytes, manifestDigest: sha256(manifestBytes), manifestType: MEDIA.ociManifest, names: w.names },
      diffIds.map((d) => ({ diffId: d, label: d.slice(7, 19), open: () => { throw new TpodError('EINTERNAL', `layer ${d} should be in the store`); } })),
      { preserveOwner: true, place, prepared: [layer], work },
    );
    return stored.id;
  } finally {
    await work.dispose(ctx);
  }
}

/** An image of `w.base`'s layers with a new config and history entry, no new layer (ENV, LABEL, ...); returns its ID. */
export async function writeConfigImage(ctx: Context, w: ImageWrite): Promise<string> {
  const store = await import('../image/store.js');
  const { config, configBytes, manifestBytes } = composeImage(ctx, w, undefined);
  const stored = await store.addImage(
    ctx,
    { configBytes, manifestBytes, manifestDigest: sha256(manifestBytes), manifestType: MEDIA.ociManifest, names: w.names },
    config.rootfs.diff_ids.map((d) => ({ diffId: d, label: d.slice(7, 19), open: () => { throw new TpodError('EINTERNAL', `layer ${d} should be in the store`); } })),
    { preserveOwner: true, place: {} },
  );
  return stored.id;
}

/** The config and manifest of an image made of `w` plus `layer` (none: an empty-layer step). */
function composeImage(ctx: Context, w: ImageWrite, layer: { diffId: string; size: number } | undefined): { config: ImageConfig; configBytes: Buffer; manifestBytes: Buffer } {
  const created = w.created ?? new Date().toISOString();
  const history = [...(w.squash ? [] : w.base.history ?? [])];
  if (w.entry) history.push({ created, ...w.entry, ...(layer ? {} : { empty_layer: true }) });
  const diffIds = w.squash ? (layer ? [layer.diffId] : []) : [...w.base.rootfs.diff_ids, ...(layer ? [layer.diffId] : [])];
  const config: ImageConfig = {
    created,
    architecture: w.base.architecture,
    os: w.base.os ?? 'linux',
    ...(w.base.variant ? { variant: w.base.variant } : {}),
    ...(w.author ? { author: w.author } : {}),
    config: w.body,
    rootfs: { type: 'layers', diff_ids: diffIds },
    history,
  };
  const configBytes = Buffer.from(JSON.stringify(config));
  const manifest = {
    schemaVersion: 2,
    mediaType: MEDIA.ociManifest,
    config: { mediaType: MEDIA.ociConfig, digest: sha256(configBytes), size: configBytes.length },
    layers: diffIds.map((d) => ({ mediaType: MEDIA.ociLayer, digest: d, size: d === layer?.diffId ? layer.size : readLayer(ctx.paths, d)?.size ?? 0 })),
  };
  return { config, configBytes, manifestBytes: Buffer.from(JSON.stringify(manifest)) };
}
