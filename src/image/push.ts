// `tpod push`: a stored image to a registry. Each layer's exact tar is rebuilt from
// its tar-split record (so the config's diff IDs stay true and the image keeps its
// ID), compressed (gzip, or zstd) into a work file while it is hashed, and uploaded
// unless the registry has it already (HEAD) or can mount it from another repository
// of the image on the same registry. Then the config, then the manifest (OCI or
// Docker schema 2) under the tag. Runs as root of the user namespace: layer files
// owned by other ids of the image must be readable.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import type { Context } from '../engine/context.js';
import { NoSuchImageError, TpodError, UsageError } from '../errors.js';
import { WorkDir } from '../storage/workdir.js';
import { layerPath, readLayer } from '../storage/layers.js';
import { hasTarSplit, rebuildLayerTar } from '../storage/tar-split.js';
import { namespacePlace } from '../rootless/join.js';
import { zstdCompressStream } from '../storage/zstd.js';
import { imageDir, listImages, resolveImage } from './store.js';
import { formatReference, parseRemoteReference, qualify, splitStoredName, type Reference } from './reference.js';
import { configLocations, findRegistry, loadRegistriesConfig } from './registries.js';
import { authFileLocations, findCredentials, type Credentials } from './auth-file.js';
import { RegistryClient, defaultTimeoutMs } from './registry/client.js';
import { closeAgents } from './registry/http.js';
import { MT } from './registry/manifest.js';
import { silentReporter, type PullReporter } from './pull-progress.js';
import { imageEvent } from '../storage/events.js';

export type PushFormat = 'oci' | 'v2s2';
export type PushCompression = 'gzip' | 'zstd';

export interface PushOptions {
  source: string;
  dest?: string;
  tlsVerify?: boolean;
  authfile?: string;
  certDir?: string;
  credentials?: Credentials;
  /** Default: the image's own manifest kind (Docker schema 2 stays so, else OCI). */
  format?: PushFormat;
  compression: PushCompression;
  reporter?: PullReporter;
}

export interface PushResult {
  ref: string;
  digest: string;
}

const LAYER_TYPES: Record<PushFormat, Record<PushCompression, string | undefined>> = {
  oci: { gzip: 'application/vnd.oci.image.layer.v1.tar+gzip', zstd: 'application/vnd.oci.image.layer.v1.tar+zstd' },
  v2s2: { gzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip', zstd: undefined },
};

class Hasher extends Transform {
  readonly hash = createHash('sha256');
  bytes = 0;
  override _transform(chunk: Buffer, _e: BufferEncoding, cb: TransformCallback): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    cb(null, chunk);
  }
}

/** Where the image goes: DEST, else the name it was found by. */
function destination(source: string, dest: string | undefined, foundName: string | undefined): Reference {
  const text = dest ?? foundName;
  if (text === undefined) throw new UsageError(`pushing "${source}": an image given by ID needs a destination (tpod push ID REGISTRY/NAME[:TAG])`);
  const raw = parseRemoteReference(text);
  if (raw.digest !== undefined) throw new UsageError(`pushing to "${text}": a destination cannot name a digest; give a tag`);
  return qualify(raw, raw.domain ?? 'docker.io');
}

/** `push IMAGE dir:PATH`: the image in containers/image's directory layout. */
export async function pushToDir(ctx: Context, source: string, dest: string, progress?: (line: string) => void): Promise<void> {
  const path = dest.slice('dir:'.length);
  if (path === '') throw new UsageError(`${dest}: the dir transport needs a path`);
  const { planSave, writeDirTransport } = await import('./save.js');
  const [item] = await planSave(ctx, [source]);
  await writeDirTransport(ctx, item!, path, progress);
  await imageEvent(ctx, item!.image.id, dest, 'push');
}

export async function pushImage(ctx: Context, opts: PushOptions): Promise<PushResult> {
  const reporter = opts.reporter ?? silentReporter;
  const found = resolveImage(await listImages(ctx), opts.source);
  if (!found) throw new NoSuchImageError(opts.source);
  const image = found.image;
  const ref = destination(opts.source, opts.dest, found.name ?? (found.byId ? undefined : image.names[0]));
  const name = formatReference(ref);
  const format: PushFormat = opts.format ?? (image.manifestType === MT.dockerManifest ? 'v2s2' : 'oci');
  const layerType = LAYER_TYPES[format][opts.compression];
  if (!layerType) throw new UsageError(`--compression-format ${opts.compression} cannot be used with --format ${format} (Docker schema 2 has gzip layers only)`);

  const cfg = loadRegistriesConfig(configLocations(ctx.host.env, ctx.paths.configHome));
  const entry = findRegistry(cfg, ref);
  if (entry?.blocked) throw new TpodError('EREGISTRY', `registry ${ref.domain} is blocked in ${entry.file}`);
  const insecure = opts.tlsVerify === false || (opts.tlsVerify === undefined && (entry?.insecure ?? false));
  const auth = authFileLocations({ env: ctx.host.env, home: ctx.host.home, uid: ctx.uid }, opts.authfile);
  const client = new RegistryClient({
    host: ref.domain,
    insecure,
    credentials: (repo) => opts.credentials ?? findCredentials(auth, repo === undefined ? ref.domain : `${ref.domain}/${repo}`)?.credentials,
    tlsEnv: { env: ctx.host.env, configHome: ctx.paths.configHome, ...(opts.certDir !== undefined ? { certDir: opts.certDir } : {}) },
    timeoutMs: defaultTimeoutMs(ctx.host.env),
    onRetry: (m) => ctx.log.warn(m),
  });
  const repo = ref.path;
  const push = ['pull', 'push'];
  // Other repositories of the image on the same registry: candidates for a mount.
  const mountFrom = [...new Set(image.names.map((n) => splitStoredName(n).repository).filter((r) => r.startsWith(`${ref.domain}/`)).map((r) => r.slice(ref.domain.length + 1)))].filter((r) => r !== repo);

  const work = await WorkDir.create(ctx, 'work');
  const place = await namespacePlace(ctx);
  try {
    const layers: Array<{ mediaType: string; digest: string; size: number }> = [];
    for (const [i, diffId] of image.layers.entries()) {
      const label = `${i + 1}/${image.layers.length} (${diffId.slice(7, 19)})`;
      if (!readLayer(ctx.paths, diffId)) throw new TpodError('ESTORAGE', `layer ${label} is missing from the store`);
      if (!hasTarSplit(layerPath(ctx.paths, diffId))) throw new TpodError('ESTORAGE', `layer ${label} was stored by an earlier tpod that kept no tar-split record, so its exact tar cannot be rebuilt; remove the image and pull or load it again`);
      const file = join(work.path, `layer-${i}`);
      const hasher = new Hasher();
      const compress = opts.compression === 'zstd' ? zstdCompressStream() : createGzip({ level: 6 });
      await pipeline(rebuildLayerTar({ layerDir: layerPath(ctx.paths, diffId), diffId, label, ...place }), compress, hasher, createWriteStream(file, { mode: 0o600 }));
      const digest = `sha256:${hasher.hash.digest('hex')}`;
      const size = hasher.bytes;
      layers.push({ mediaType: layerType, digest, size });
      if (await client.hasBlob(repo, digest, push)) {
        reporter.blobSkipped(digest);
        continue;
      }
      let mounted = false;
      for (const from of mountFrom) {
        if (await client.mountBlob(repo, digest, from)) {
          mounted = true;
          break;
        }
      }
      if (mounted) {
        reporter.blobSkipped(digest);
        continue;
      }
      reporter.blobStart(digest, size);
      await client.uploadBlob(repo, digest, { length: size, open: () => createReadStream(file) });
      reporter.blobDone(digest);
    }
    const configBytes = readFileSync(join(imageDir(ctx, image.id), 'config.json'));
    const configDigest = `sha256:${image.id}`;
    reporter.configStart(configDigest, configBytes.length);
    if (!(await client.hasBlob(repo, configDigest, push))) await client.uploadBlob(repo, configDigest, configBytes);
    reporter.configDone(configDigest);
    const manifest = {
      schemaVersion: 2,
      mediaType: format === 'oci' ? MT.ociManifest : MT.dockerManifest,
      config: { mediaType: format === 'oci' ? MT.ociConfig : MT.dockerConfig, digest: configDigest, size: configBytes.length },
      layers,
    };
    const manifestBytes = Buffer.from(JSON.stringify(manifest));
    reporter.finish();
    reporter.note('Writing manifest to image destination');
    const digest = await client.putManifest(repo, ref.tag ?? 'latest', manifestBytes, manifest.mediaType);
    await imageEvent(ctx, image.id, opts.dest ?? name, 'push');
    return { ref: name, digest };
  } catch (err) {
    reporter.finish();
    if (err instanceof TpodError && !err.message.includes(name)) throw new TpodError(err.code, `pushing ${name}: ${err.message}`, { cause: err, exitCode: err.exitCode });
    throw err;
  } finally {
    closeAgents();
    await work.dispose(ctx);
  }
}
