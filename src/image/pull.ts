// `tpod pull`: an image from a registry into the store.
//
// 1. The name is resolved as Podman does (registries.conf: aliases, unqualified-search
//    registries, [[registry]] locations, mirrors first); the image keeps the name the
//    user asked for, whichever mirror served it.
// 2. The manifest (an index/list picks the platform) and the config are fetched and
//    checked: sizes, digests, media types, diff IDs.
// 3. Layers the store lacks (by diff ID) download in parallel, each streaming straight
//    through digest/size checks and decompression into extraction in a work directory;
//    a finished layer is placed in the store at once, so an interrupted pull keeps it
//    and the next pull only fetches what is missing. An image record is written only
//    when every layer is there: no half image is ever visible.
// Runs as root of the user namespace (the command re-executes there), so files keep
// their owners.
import { createHash } from 'node:crypto';
import { PassThrough, Transform, type Readable, type TransformCallback } from 'node:stream';
import type { Context } from '../engine/context.js';
import { TpodError } from '../errors.js';
import { WorkDir, deleteTree } from '../storage/workdir.js';
import { hasLayer, placeLayer, prepareLayer, type LayerSource } from '../storage/layers.js';
import { ensureZstd } from '../storage/zstd.js';
import { namespacePlace } from '../rootless/join.js';
import { parseImageConfig } from './config.js';
import { addImage, repairStore, withStoreLock, type StoredImage } from './store.js';
import { formatReference, isShortName, parseRemoteReference, qualify, referenceTarget, type Reference } from './reference.js';
import { configLocations, loadRegistriesConfig, pullSources, resolveShortName, type PullSource, type RegistriesConfig } from './registries.js';
import { authFileLocations, findCredentials, type AuthFileLocations, type Credentials } from './auth-file.js';
import { RegistryClient, defaultTimeoutMs } from './registry/client.js';
import { TokenCache } from './registry/auth.js';
import { closeAgents } from './registry/http.js';
import { ACCEPT_MANIFESTS, MAX_CONFIG, choosePlatform, formatPlatform, parseManifest, type ImageManifest, type PlatformWanted } from './registry/manifest.js';
import { silentReporter, type PullReporter } from './pull-progress.js';
import { recordEvent } from '../storage/events.js';

export interface PullOptions {
  /** What the user typed: `busybox`, `quay.io/x/y:1`, `docker://…`, `name@sha256:…`. */
  reference: string;
  /** false: plain http / unverified TLS allowed; true: TLS verified even for insecure registries; undefined: registries.conf decides. */
  tlsVerify?: boolean;
  authfile?: string;
  /** --cert-dir: CA and client certificates for every registry of this pull. */
  certDir?: string;
  /** --creds: used instead of the auth files. */
  credentials?: Credentials;
  platform: PlatformWanted;
  reporter?: PullReporter;
  /** Layers downloaded at once. */
  parallel?: number;
}

export interface PullResult {
  image: StoredImage;
  /** The name the image was stored under. */
  name: string;
}

/** Everything one pull shares: configuration, credentials, one client per endpoint. */
class Session {
  readonly clients = new Map<string, RegistryClient>();
  readonly tokens = new TokenCache();
  constructor(readonly ctx: Context, readonly opts: PullOptions, readonly auth: AuthFileLocations) {}

  client(source: PullSource): RegistryClient {
    const insecure = this.opts.tlsVerify === false || (this.opts.tlsVerify === undefined && source.insecure);
    const host = source.ref.domain;
    const key = `${host}|${insecure}`;
    let c = this.clients.get(key);
    if (!c) {
      c = new RegistryClient({
        host,
        insecure,
        credentials: (repo) => this.opts.credentials ?? findCredentials(this.auth, repo === undefined ? host : `${host}/${repo}`)?.credentials,
        tlsEnv: { env: this.ctx.host.env, configHome: this.ctx.paths.configHome, ...(this.opts.certDir !== undefined ? { certDir: this.opts.certDir } : {}) },
        timeoutMs: defaultTimeoutMs(this.ctx.host.env),
        tokens: this.tokens,
        onRetry: (msg) => this.ctx.log.warn(msg),
      });
      this.clients.set(key, c);
    }
    return c;
  }
}

/** The fully qualified names to try for what the user typed (Podman's short-name rules). */
export function pullCandidates(cfg: RegistriesConfig, input: string, note: (line: string) => void): Reference[] {
  const raw = parseRemoteReference(input);
  if (!isShortName(raw)) return [qualify(raw, raw.domain!)];
  const r = resolveShortName(cfg, raw);
  if (r.alias) note(`Resolved "${raw.path}" as an alias (${r.alias.file})`);
  return r.candidates;
}

export async function pullImage(ctx: Context, opts: PullOptions): Promise<PullResult> {
  const reporter = opts.reporter ?? silentReporter;
  if (/^(docker|oci)-archive:/.test(opts.reference)) {
    const { pullArchive } = await import('./pull-archive.js');
    return pullArchive(ctx, opts.reference, reporter);
  }
  const cfg = loadRegistriesConfig(configLocations(ctx.host.env, ctx.paths.configHome));
  const candidates = pullCandidates(cfg, opts.reference, (l) => reporter.note(l));
  const session = new Session(ctx, opts, authFileLocations({ env: ctx.host.env, home: ctx.host.home, uid: ctx.uid }, opts.authfile));
  await repairStore(ctx);
  const failures: Array<{ name: string; err: TpodError }> = [];
  try {
    for (const ref of candidates) {
      const name = formatReference(ref);
      reporter.restart();
      reporter.note(`Trying to pull ${name}...`);
      try {
        const image = await pullNamed(session, cfg, ref, reporter);
        // Podman's pull event: no ID, the name as the user gave it.
        await recordEvent(ctx, { Name: opts.reference, Status: 'pull', Type: 'image' });
        return { image, name };
      } catch (err) {
        reporter.finish();
        const e = err instanceof TpodError ? err : new TpodError('EINTERNAL', (err as Error).message ?? String(err), { cause: err });
        failures.push({ name, err: e });
        // What cannot get better by asking elsewhere stops here.
        if (e.code === 'EUNSAFEARCHIVE' || e.code === 'ESTORAGE' || e.code === 'EROOTLESS' || e.code === 'EINTERNAL' || e.code === 'ELOCK') break;
      }
    }
  } finally {
    closeAgents();
  }
  if (failures.length === 1) {
    const f = failures[0]!;
    // Reaching the registry failed: Podman's words for it (scripts match "initializing source").
    if (f.err.code === 'EREGISTRY' || f.err.code === 'ENETWORK' || f.err.code === 'EAUTH') {
      throw new TpodError(f.err.code, `initializing source docker://${f.name}: ${f.err.message.startsWith(`${f.name}: `) ? f.err.message.slice(f.name.length + 2) : f.err.message}`, { cause: f.err, exitCode: f.err.exitCode });
    }
    throw new TpodError(f.err.code, f.err.message.includes(f.name) ? f.err.message : `${f.name}: ${f.err.message}`, { cause: f.err });
  }
  const raw = parseRemoteReference(opts.reference);
  throw new TpodError(
    failures[failures.length - 1]!.err.code,
    `pulling "${raw.path}" failed from every registry tried:\n${failures.map((f) => `  ${f.name}: ${f.err.message}`).join('\n')}`,
  );
}

/** Pulls one fully qualified name: mirrors first, then the registry itself. */
async function pullNamed(session: Session, cfg: RegistriesConfig, ref: Reference, reporter: PullReporter): Promise<StoredImage> {
  const sources = pullSources(cfg, ref);
  let lastErr: unknown;
  for (const [i, source] of sources.entries()) {
    try {
      reporter.restart();
      return await pullFrom(session, source, formatReference(ref), reporter);
    } catch (err) {
      lastErr = err;
      reporter.finish();
      if (i < sources.length - 1) {
        session.ctx.log.warn(`pulling from mirror ${source.ref.domain} failed, trying the next source: ${(err as Error).message}`);
        continue;
      }
    }
  }
  throw lastErr;
}

interface Fetched {
  manifest: ImageManifest;
  manifestBytes: Buffer;
  manifestDigest: string;
  configBytes: Buffer;
}

/** Manifest (through an index if needed) and config, all checked. */
async function fetchImage(session: Session, client: RegistryClient, source: PullSource): Promise<Fetched> {
  const repo = source.ref.path;
  const label = formatReference(source.ref);
  let got = await client.getManifest(repo, referenceTarget(source.ref), ACCEPT_MANIFESTS);
  let m = parseManifest(got.bytes, got.contentType, label);
  if (m.kind === 'index') {
    const want = session.opts.platform;
    const d = choosePlatform(m, want, label);
    got = await client.getManifest(repo, d.digest, ACCEPT_MANIFESTS);
    m = parseManifest(got.bytes, got.contentType, `${label} (${formatPlatform(want)})`);
    if (m.kind !== 'image') throw new TpodError('EREGISTRY', `${label}: the manifest list points to another list, not to an image`);
  }
  const configBytes = await client.readBlob(repo, m.config.digest, m.config.size, MAX_CONFIG, `reading the config of ${label}`);
  return { manifest: m, manifestBytes: got.bytes, manifestDigest: got.digest, configBytes };
}

/** A layer download on its way to extraction. */
interface BlobStream extends PassThrough {
  /** Whether the whole blob arrived with the right size and digest. */
  verified(): boolean;
  /** Stops the download. */
  abort(): void;
  /** Reads the rest of the blob and returns its digest (undefined if that fails). */
  digestOfRest(): Promise<string | undefined>;
}

/** Counts and hashes bytes on their way to extraction; refuses more than the manifest said, and less. */
class SizeGuard extends Transform {
  bytes = 0;
  /** Set when every byte arrived and hashed to the expected digest. */
  verified = false;
  private readonly hash = createHash('sha256');
  constructor(private readonly size: number, private readonly expected: string, private readonly label: string, private readonly onBytes: (n: number) => void) {
    super({ highWaterMark: 1 << 20 });
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.size) {
      cb(new TpodError('EDIGEST', `${this.label}: the registry sent more than the ${this.size} bytes the manifest says`));
      return;
    }
    this.hash.update(chunk);
    this.onBytes(this.bytes);
    cb(null, chunk);
  }
  /** Set once every byte has gone through. */
  finalDigest: string | undefined;
  digest(): string {
    this.finalDigest ??= `sha256:${this.hash.digest('hex')}`;
    return this.finalDigest;
  }
  override _flush(cb: TransformCallback): void {
    const got = this.digest();
    if (this.bytes < this.size) cb(new TpodError('EDIGEST', `${this.label}: truncated blob: got ${this.bytes} of ${this.size} bytes`));
    else if (got !== this.expected) cb(new TpodError('EDIGEST', `${this.label}: digest mismatch: expected ${this.expected}, got ${got}`));
    else {
      this.verified = true;
      cb();
    }
  }
}

async function pullFrom(session: Session, source: PullSource, name: string, reporter: PullReporter): Promise<StoredImage> {
  const { ctx } = session;
  const client = session.client(source);
  const f = await fetchImage(session, client, source);
  const label = formatReference(source.ref);
  const config = parseImageConfig(f.configBytes, `the config of ${label}`);
  const diffIds = config.rootfs.diff_ids;
  const layers = f.manifest.layers;
  if (diffIds.length !== layers.length) {
    throw new TpodError('EREGISTRY', `${label}: the config lists ${diffIds.length} layer diff IDs for ${layers.length} layers in the manifest`);
  }
  const want = session.opts.platform;
  if (config.architecture && (config.architecture !== want.architecture || (config.os && config.os !== want.os))) {
    ctx.log.warn(`image platform (${formatPlatform({ os: config.os, architecture: config.architecture, variant: config.variant })}) does not match the expected platform (${formatPlatform(want)})`);
  }
  if (layers.some((l) => l.compression === 'zstd')) ensureZstd();

  const open = (i: number, onBytes: (n: number) => void = () => undefined): BlobStream => {
    const l = layers[i]!;
    const what = `reading layer ${l.digest} of ${label}`;
    const out = new PassThrough({ highWaterMark: 1 << 20 }) as BlobStream;
    // The blob as it is: extract.ts tells gzip, zstd and plain tars by their bytes.
    const guard = new SizeGuard(l.size, l.digest, what, onBytes);
    guard.on('error', (e) => out.destroy(e));
    guard.pipe(out);
    out.verified = () => guard.verified;
    let body: Readable | undefined;
    let stopped = false;
    out.abort = () => {
      stopped = true;
      body?.destroy();
    };
    // Extraction gave up on the content: read the rest to tell a corrupted blob (a
    // digest mismatch) from a well-formed blob that is not a valid layer.
    out.digestOfRest = () =>
      new Promise((resolve) => {
        if (guard.finalDigest !== undefined) return resolve(guard.bytes === l.size ? guard.finalDigest : undefined);
        if (!body || stopped) return resolve(undefined);
        const timer = setTimeout(() => {
          body?.destroy();
          resolve(undefined);
        }, 30_000);
        const settle = (d: string | undefined): void => {
          clearTimeout(timer);
          resolve(d);
        };
        guard.unpipe(out);
        guard.on('data', () => undefined);
        const result = (): string | undefined => (guard.bytes === l.size ? guard.finalDigest : undefined);
        guard.once('end', () => settle(result()));
        guard.once('error', () => settle(result()));
        body.once('error', () => settle(undefined));
      });
    client.openBlob(source.ref.path, l.digest, what).then(
      (res) => {
        body = res.body;
        if (stopped) return res.body.destroy();
        const declared = Number(res.headers['content-length']);
        if (Number.isFinite(declared) && res.headers['content-length'] !== undefined && declared !== l.size && !res.headers['content-encoding']) {
          res.body.destroy();
          out.destroy(new TpodError('EDIGEST', `${what}: size mismatch: the registry says ${declared} bytes, the manifest ${l.size}`));
          return;
        }
        res.body.on('error', (e) => out.destroy(new TpodError('EREGISTRY', `${what}: the connection closed early (${(e as Error).message})`, { cause: e })));
        res.body.on('aborted', () => out.destroy(new TpodError('EREGISTRY', `${what}: the connection closed early`)));
        res.body.pipe(guard);
      },
      (err: unknown) => out.destroy(err as Error),
    );
    return out;
  };

  // No `digest` for extract.ts: the stream it gets is already decompressed; the blob's
  // size and digest are checked on the way (SizeGuard), before the layer is placed.
  const sources: LayerSource[] = layers.map((l, i) => ({ diffId: diffIds[i]!, label: l.digest, open: () => open(i) }));


  // Layers to fetch: unique diff IDs the store does not have yet.
  const seen = new Set<string>();
  const missing: number[] = [];
  for (let i = 0; i < layers.length; i++) {
    const d = diffIds[i]!;
    if (seen.has(d)) continue;
    seen.add(d);
    if (hasLayer(ctx.paths, d)) reporter.blobSkipped(layers[i]!.digest);
    else missing.push(i);
  }

  const work = await WorkDir.create(ctx, 'work');
  try {
    await fetchLayers(session, work, missing, sources, layers.map((l) => l.digest), layers.map((l) => l.size), open, reporter);
    const configDigest = f.manifest.config.digest;
    reporter.configStart(configDigest, f.configBytes.length);
    reporter.configDone(configDigest);
    const image = await addImage(
      ctx,
      { configBytes: f.configBytes, manifestBytes: f.manifestBytes, manifestDigest: f.manifestDigest, manifestType: f.manifest.mediaType, names: [name] },
      sources,
      { preserveOwner: true, place: await namespacePlace(ctx), work, parallel: session.opts.parallel ?? 3 },
    );
    reporter.finish();
    reporter.note('Writing manifest to image destination');
    return image;
  } finally {
    await work.dispose(ctx);
  }
}

/**
 * Downloads and extracts layers, `parallel` at a time, placing each in the store as
 * soon as it is complete. The first failure stops the others (their streams are
 * destroyed) and is thrown once they have all stopped. A layer whose connection broke
 * is fetched again (twice at most); bad content is not.
 */
async function fetchLayers(
  session: Session,
  work: WorkDir,
  indexes: number[],
  sources: LayerSource[],
  layerDigests: string[],
  sizes: number[],
  open: (i: number, onBytes: (n: number) => void) => BlobStream,
  reporter: PullReporter,
): Promise<void> {
  const { ctx } = session;
  const live = new Set<BlobStream>();
  let failed: unknown;
  let next = 0;
  const one = async (i: number): Promise<void> => {
    const src = sources[i]!;
    const digest = layerDigests[i]!;
    reporter.blobStart(digest, sizes[i]!);
    for (let attempt = 0; ; attempt++) {
      if (failed) return;
      const stream = open(i, (n) => reporter.blobProgress(digest, n));
      live.add(stream);
      try {
        const prepared = await prepareLayer(work.path, { ...src, open: () => stream }, { preserveOwner: true, ...(await namespacePlace(ctx)) });
        if (!stream.verified()) throw new TpodError('EDIGEST', `reading layer ${digest}: the blob could not be verified`);
        await withStoreLock(ctx, () => placeLayer(ctx.paths, prepared));
        reporter.blobDone(digest);
        return;
      } catch (caught) {
        let err = caught;
        if (err instanceof TpodError && ['EARCHIVE', 'EUNSAFEARCHIVE', 'EROOTLESS'].includes(err.code)) {
          const got = await stream.digestOfRest();
          if (got !== undefined && got !== digest) err = new TpodError('EDIGEST', `reading layer ${digest}: digest mismatch: got ${got} (the blob is corrupted or was replaced)`, { cause: err });
        }
        stream.abort();
        // A half-extracted copy may remain in the work dir: remove it before a retry.
        await deleteTree(ctx, `${work.path}/${src.diffId.slice(7)}`).catch(() => undefined);
        const retriable = err instanceof TpodError && err.code === 'EREGISTRY' && /closed early|connection was reset|timed out/.test(err.message);
        if (!failed && retriable && attempt < 2) {
          ctx.log.warn(`${(err as TpodError).message}; fetching the layer again`);
          continue;
        }
        throw err;
      } finally {
        live.delete(stream);
      }
    }
  };
  const worker = async (): Promise<void> => {
    while (!failed && next < indexes.length) {
      const i = indexes[next++]!;
      try {
        await one(i);
      } catch (err) {
        if (!failed) {
          failed = err;
          for (const s of live) {
            s.abort();
            s.destroy(new TpodError('EINTERNAL', 'stopped: another layer failed'));
          }
        }
      }
    }
  };
  const n = Math.min(session.opts.parallel ?? 3, indexes.length);
  await Promise.all(Array.from({ length: n }, worker));
  if (failed) throw failed;
}
