// POST /build: Docker's classic builder endpoint over tpod's build. The body is the
// context as a tar (plain or compressed), unpacked by tpod-helper chrooted into a
// work directory under the store's tmp (the same confined extraction as layers: no
// entry can land outside it), built, and removed. Output streams as {"stream": ...}
// lines, then {"aux": {"ID"}} and the "Successfully built/tagged" lines the docker
// CLI's legacy builder reads.
import { mkdirSync, readFileSync, realpathSync, existsSync } from 'node:fs';
import { join, relative, isAbsolute } from 'node:path';
import type { ApiCall, Route } from '../http.js';
import { ApiError } from '../errors.js';
import { JsonStream } from '../json-stream.js';
import { dockerName, familiarName, registryConfig } from '../image-json.js';
import { TpodError } from '../../errors.js';

export interface BuildQuery {
  dockerfile: string;
  tags: string[];
  buildArgs: Map<string, string>;
  labels: Record<string, string>;
  noCache: boolean;
  pull: boolean;
  quiet: boolean;
  target: string | undefined;
  network: string | undefined;
}

function jsonObject(q: URLSearchParams, name: string): Record<string, unknown> {
  const raw = q.get(name);
  if (raw === null || raw === '') return {};
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch {
    throw new ApiError(400, `${name}: not valid JSON`);
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new ApiError(400, `${name}: want a JSON object`);
  return v as Record<string, unknown>;
}

function bool(q: URLSearchParams, name: string): boolean {
  const v = q.get(name);
  return v !== null && /^(1|true|yes)$/i.test(v);
}

/** The build's options from Docker's query parameters. */
export function buildQuery(q: URLSearchParams): BuildQuery {
  if (q.get('remote')) throw new ApiError(400, 'remote build contexts are not supported: send the context as the request body');
  const buildArgs = new Map<string, string>();
  // A null value means "from the client's environment", which the client resolved already.
  for (const [k, v] of Object.entries(jsonObject(q, 'buildargs'))) if (typeof v === 'string') buildArgs.set(k, v);
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(jsonObject(q, 'labels'))) labels[k] = typeof v === 'string' ? v : String(v ?? '');
  const network = q.get('networkmode');
  const pull = q.get('pull');
  return {
    dockerfile: q.get('dockerfile') || 'Dockerfile',
    tags: q.getAll('t').filter((t) => t !== '').map(dockerName),
    buildArgs,
    labels,
    noCache: bool(q, 'nocache'),
    pull: pull !== null && pull !== '' && !/^(0|false|no)$/i.test(pull),
    quiet: bool(q, 'q'),
    target: q.get('target') || undefined,
    network: network && network !== 'default' ? network : undefined,
  };
}

/** The Dockerfile inside the context: a path that stays in it (symlinks resolved). */
export function dockerfileIn(contextDir: string, dockerfile: string): string {
  const given = join(contextDir, dockerfile);
  // Docker's default name; Podman's Containerfile when that is what the context has.
  const candidates = dockerfile === 'Dockerfile' ? [given, join(contextDir, 'Containerfile')] : [given];
  const found = candidates.find((p) => existsSync(p));
  if (found === undefined) throw new ApiError(500, `Cannot locate specified Dockerfile: ${dockerfile}`);
  const real = realpathSync(found);
  const rel = relative(realpathSync(contextDir), real);
  if (rel.startsWith('..') || isAbsolute(rel)) throw new ApiError(400, `the Dockerfile ${dockerfile} is outside the build context`);
  return real;
}

async function build(call: ApiCall): Promise<void> {
  const q = buildQuery(call.query);
  const ctx = call.ctx;
  const { WorkDir } = await import('../../storage/workdir.js');
  const { extractLayer } = await import('../../storage/extract.js');
  const { namespacePlace } = await import('../../rootless/join.js');
  const stream = new JsonStream(call);
  stream.start();
  const say = (text: string): void => {
    if (!q.quiet) stream.write({ stream: text });
  };
  const work = await WorkDir.create(ctx, 'work');
  try {
    const contextDir = join(work.path, 'context');
    mkdirSync(contextDir, { mode: 0o700 });
    // Owned by the user (namespace root), not by the archive's ids: it is a context, not a layer.
    await extractLayer(call.req, contextDir, { preserveOwner: false, plainFiles: true, label: 'of the build context', ...(await namespacePlace(ctx)) });
    const file = dockerfileIn(contextDir, q.dockerfile);
    const store = await import('../../image/store.js');
    const { withPullPolicy } = await import('../../image/pull-policy.js');
    const { LineReporter } = await import('../../image/pull-progress.js');
    const { buildImage } = await import('../../build/build.js');
    const flags = { policy: q.pull ? ('always' as const) : ('missing' as const), quiet: q.quiet, reporter: new LineReporter((s) => say(s)) };
    // FROM images pull with X-Registry-Config's credentials for their registry, else the auth files'.
    const auths = registryConfig(call.req.headers['x-registry-config']);
    const pulling = withPullPolicy(store, flags, async (c, reference, f) => {
      const { pullImage } = await import('../../image/pull.js');
      const { hostPlatform } = await import('../../image/registry/manifest.js');
      const name = dockerName(reference);
      const host = name.slice(0, name.indexOf('/'));
      const credentials = auths.get(host) ?? (host === 'docker.io' ? auths.get('index.docker.io') : undefined);
      const r = await pullImage(c, { reference: name, platform: hostPlatform(), ...(f.reporter && !f.quiet ? { reporter: f.reporter } : {}), ...(credentials ? { credentials } : {}) });
      return r.image.id;
    });
    const text = (b: Buffer): void => say(b.toString('utf8'));
    const id = await buildImage(ctx, {
      containerfile: { text: readFileSync(file, 'utf8'), name: q.dockerfile },
      contextDir,
      buildArgs: q.buildArgs,
      target: q.target,
      tags: q.tags,
      layers: true,
      noCache: q.noCache,
      labels: q.labels,
      network: q.network,
      commitName: q.tags[0],
      output: { stdout: text, stderr: text },
    }, { store, pulling }, {
      // The tags are announced below, in Docker's words and order.
      line: (l) => {
        if (!l.startsWith('Successfully tagged ')) say(`${l}\n`);
      },
    });
    stream.write({ aux: { ID: `sha256:${id}` } });
    if (q.quiet) stream.write({ stream: `sha256:${id}\n` });
    say(`Successfully built ${id.slice(0, 12)}\n`);
    for (const t of q.tags) say(`Successfully tagged ${familiarName(t)}\n`);
  } catch (err) {
    // The legacy docker CLI exits with errorDetail.code: a RUN's own exit code, as Docker.
    const code = err instanceof TpodError && err.code === 'ERUNTIME' ? err.exitCode : undefined;
    const message = err instanceof Error ? err.message : String(err);
    stream.write({ errorDetail: { ...(code !== undefined ? { code } : {}), message }, error: message });
  } finally {
    // Gone before the answer ends: a client that saw the end sees no leftover.
    await work.dispose(ctx).catch((e: Error) => ctx.log.warn(`build context will be deleted later: ${e.message}`));
    stream.end();
  }
}

export const buildRoutes: Route[] = [{ method: 'POST', path: '/build', handler: build }];
