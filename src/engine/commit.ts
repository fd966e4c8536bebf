// `tpod commit`: a container's changes become a new image. The container's upper dir
// (what it wrote over its image) is packed by `tpod-helper mktar --whiteouts`, chrooted
// into it inside the pause process's namespace, with overlay whiteouts written as OCI
// ones; that tar is stored as one more layer on top of the image's, under a config that
// takes the container's command, environment, working dir and labels (and --change).
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { join } from 'node:path';
import type { Context } from './context.js';
import { TpodError } from '../errors.js';
import { containerDirs, findContainer } from '../storage/containers.js';
import { prepareLayer } from '../storage/layers.js';
import { packTree } from '../storage/tar-helper.js';
import { WorkDir } from '../storage/workdir.js';
import { recordEvent } from '../storage/events.js';
import type { ImageConfig, ImageConfigBody } from '../image/types.js';

export interface CommitOptions {
  /** Fully qualified name for the new image (normalised by the caller), if any. */
  name?: string;
  changes: string[];
  message?: string;
  author?: string;
  /** Called with what a tar could not hold (sockets). */
  onSkip?: (path: string, why: string) => void;
}

function sha256(b: Buffer): string {
  return `sha256:${createHash('sha256').update(b).digest('hex')}`;
}

/** The new image's config body: the image's, with what the container was created with over it. */
export function committedBody(base: ImageConfigBody | undefined, o: {
  command?: string[];
  entrypoint?: string[] | undefined;
  env?: Array<[string, string]>;
  workdir?: string | undefined;
  user?: string | undefined;
  labels?: Record<string, string> | undefined;
  stopSignal?: number | undefined;
}): ImageConfigBody {
  const body: ImageConfigBody = { ...(base ?? {}) };
  if (o.entrypoint !== undefined) body.Entrypoint = o.entrypoint.length > 0 ? o.entrypoint : null;
  if (o.command !== undefined && o.command.length > 0) body.Cmd = o.command;
  if (o.env && o.env.length > 0) {
    const env = new Map((base?.Env ?? []).map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)] as [string, string]));
    for (const [k, v] of o.env) env.set(k, v);
    body.Env = [...env].map(([k, v]) => `${k}=${v}`);
  }
  if (o.workdir !== undefined) body.WorkingDir = o.workdir;
  if (o.user !== undefined) body.User = o.user;
  if (o.labels && Object.keys(o.labels).length > 0) body.Labels = { ...(base?.Labels ?? {}), ...o.labels };
  return body;
}

export async function commitContainer(ctx: Context, nameOrId: string, o: CommitOptions): Promise<string> {
  const rec = findContainer(ctx, nameOrId);
  const store = await import('../image/store.js');
  const { applyChanges } = await import('../image/import.js');
  const { MEDIA } = await import('../image/archive/types.js');
  const { namespacePlace } = await import('../rootless/join.js');
  await store.repairStore(ctx);
  const base = await store.findImage(ctx, rec.imageId.replace(/^sha256:/, '')).catch(() => {
    throw new TpodError('ENOIMAGE', `the image of container ${rec.id.slice(0, 12)} (${rec.imageName}) is not in the store any more`);
  });
  const baseConfig = await store.readImageConfig(ctx, base.id);
  const work = await WorkDir.create(ctx, 'work');
  try {
    const place = await namespacePlace(ctx);
    const tarFile = join(work.path, 'diff.tar');
    const out = createWriteStream(tarFile, { mode: 0o600 });
    await packTree(place, containerDirs(ctx, rec.id).upper, out, o.onSkip ?? (() => undefined), { whiteouts: true });
    await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
    const layer = await prepareLayer(work.path, { label: `commit of ${rec.name}`, open: () => createReadStream(tarFile) }, { preserveOwner: true, ...place });
    const opts = rec.options;
    let body = committedBody(baseConfig.config, {
      ...(opts?.command ? { command: opts.command } : {}),
      entrypoint: opts?.entrypoint,
      ...(opts?.env ? { env: opts.env } : {}),
      workdir: opts?.workdir,
      user: opts?.user,
      labels: opts?.labels,
    });
    body = applyChanges(body, o.changes);
    const created = new Date().toISOString();
    const history: NonNullable<ImageConfig['history']>[number] = { created, created_by: (opts?.createCommand ?? []).join(' ') || `tpod commit ${rec.name}` };
    if (o.message) history.comment = o.message;
    if (o.author) history.author = o.author;
    const config: ImageConfig = {
      ...baseConfig,
      created,
      ...(o.author ? { author: o.author } : {}),
      config: body,
      rootfs: { type: 'layers', diff_ids: [...baseConfig.rootfs.diff_ids, layer.diffId] },
      history: [...(baseConfig.history ?? []), history],
    };
    const configBytes = Buffer.from(JSON.stringify(config));
    const layerSizes = [...base.layers.map(() => 0), layer.record.size];
    const manifest = {
      schemaVersion: 2,
      mediaType: MEDIA.ociManifest,
      config: { mediaType: MEDIA.ociConfig, digest: sha256(configBytes), size: configBytes.length },
      layers: config.rootfs.diff_ids.map((d, i) => ({ mediaType: MEDIA.ociLayer, digest: d, size: layerSizes[i] ?? 0 })),
    };
    const manifestBytes = Buffer.from(JSON.stringify(manifest));
    const notAgain = (): never => {
      throw new TpodError('EINTERNAL', 'commit: the layer is already in the store');
    };
    const img = await store.addImage(
      ctx,
      { configBytes, manifestBytes, manifestDigest: sha256(manifestBytes), manifestType: MEDIA.ociManifest, names: o.name ? [o.name] : [] },
      [...baseConfig.rootfs.diff_ids.map((d) => ({ diffId: d, label: d.slice(7, 19), open: notAgain })), { diffId: layer.diffId, label: 'commit', open: notAgain }],
      { preserveOwner: true, place, prepared: [layer], work },
    );
    await recordEvent(ctx, { ID: rec.id, Image: rec.imageName, Name: rec.name, Status: 'commit', Type: 'container', Attributes: { ...(rec.labels ?? {}) } });
    return img.id;
  } finally {
    await work.dispose(ctx);
  }
}
