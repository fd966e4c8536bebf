// The image endpoints that move images in and out: pull (and import) through
// /images/create, push, save (/images/{name}/get, /images/get) and load. Progress
// streams as Docker's JSON messages (json-stream.ts). A client that disconnects does
// not stop the work: the store only ever shows whole images (addImage renames a
// complete image into place), and the work directory goes when the work ends.
import type { ApiCall, Route } from '../http.js';
import { ApiError } from '../errors.js';
import { DockerProgress, JsonStream, PUSH_WORDS } from '../json-stream.js';
import { dockerName, familiarName, pullReference, registryAuth } from '../image-json.js';
import { TpodError } from '../../errors.js';

/** Registry failures that mean "no such image there": 404, as Docker answers. */
function pullStatus(err: unknown): unknown {
  if (err instanceof TpodError && (err.code === 'EREGISTRY' || err.code === 'EAUTH') && /manifest unknown|not found|name unknown|does not exist|404/i.test(err.message)) {
    return new ApiError(404, err.message);
  }
  return err;
}

async function create(call: ApiCall): Promise<void> {
  const fromImage = call.query.get('fromImage');
  const fromSrc = call.query.get('fromSrc');
  if (fromImage) return pull(call, fromImage);
  if (fromSrc) return importImage(call, fromSrc);
  throw new ApiError(400, 'fromImage or fromSrc is required');
}

async function pull(call: ApiCall, fromImage: string): Promise<void> {
  const { pullImage } = await import('../../image/pull.js');
  const { hostPlatform, parsePlatform } = await import('../../image/registry/manifest.js');
  const { listImages } = await import('../../image/store.js');
  const { parseReference } = await import('../../image/reference.js');
  const name = dockerName(pullReference(fromImage, call.query.get('tag') ?? undefined));
  const platformText = call.query.get('platform');
  const platform = platformText ? parsePlatform(platformText) : hostPlatform();
  const credentials = registryAuth(call.req.headers['x-registry-auth']);
  const before = (await listImages(call.ctx)).find((i) => i.names.includes(name))?.id;
  const ref = parseReference(name);
  const stream = new JsonStream(call);
  const progress = new DockerProgress(stream, { status: `Pulling from ${ref.path}`, id: ref.digest ?? ref.tag ?? 'latest' });
  let result;
  try {
    result = await pullImage(call.ctx, { reference: name, platform, reporter: progress, ...(credentials ? { credentials } : {}) });
  } catch (err) {
    stream.fail(pullStatus(err));
    return;
  }
  const img = result.image;
  stream.write({ status: `Digest: ${img.manifestDigest}` });
  const fresh = progress.transferred > 0 || before !== img.id;
  stream.write({ status: `Status: ${fresh ? 'Downloaded newer image for' : 'Image is up to date for'} ${familiarName(name)}` });
  stream.end();
}

/** fromSrc: `-` (the body is the tarball) or a URL; repo and tag name the image. */
async function importImage(call: ApiCall, fromSrc: string): Promise<void> {
  const { importTarball } = await import('../../image/import.js');
  const { Readable } = await import('node:stream');
  let source: import('node:stream').Readable;
  if (fromSrc === '-') source = call.req;
  else if (/^https?:\/\//.test(fromSrc)) {
    const res = await fetch(fromSrc).catch((err: Error) => {
      throw new ApiError(500, `${fromSrc}: ${err.message}`);
    });
    if (!res.ok || !res.body) throw new ApiError(500, `${fromSrc}: the server answered ${res.status} ${res.statusText}`);
    source = Readable.fromWeb(res.body as import('node:stream/web').ReadableStream);
  } else throw new ApiError(400, `fromSrc: want - or an http(s) URL, not ${fromSrc}`);
  const repo = call.query.get('repo');
  const tag = call.query.get('tag');
  const names = repo ? [dockerName(tag ? `${repo}:${tag}` : repo)] : [];
  const message = call.query.get('message');
  const img = await importTarball(call.ctx, source, {
    label: fromSrc === '-' ? 'the request body' : fromSrc,
    names,
    changes: call.query.getAll('changes'),
    preserveOwner: true,
    ...(message ? { message } : {}),
  });
  const stream = new JsonStream(call);
  stream.write({ status: `sha256:${img.id}` });
  stream.end();
}

export async function push(call: ApiCall, name: string): Promise<void> {
  const { pushImage } = await import('../../image/push.js');
  const { parseReference } = await import('../../image/reference.js');
  const tag = call.query.get('tag');
  const source = tag ? pullReference(name, tag) : name;
  const credentials = registryAuth(call.req.headers['x-registry-auth']);
  // Where it goes: the name as Docker reads it (a short name is Docker Hub's).
  const dest = dockerName(source);
  const stream = new JsonStream(call);
  const repo = dest.replace(/[:@][^/]*$/, '');
  const progress = new DockerProgress(stream, { status: `The push refers to repository [${familiarName(repo)}]` }, PUSH_WORDS);
  let r;
  try {
    r = await pushImage(call.ctx, { source, dest, compression: 'gzip', reporter: progress, ...(credentials ? { credentials } : {}) });
  } catch (err) {
    stream.fail(err);
    return;
  }
  const pushedTag = parseReference(dest).tag ?? 'latest';
  stream.write({ status: `${pushedTag}: digest: ${r.digest}` });
  stream.write({ progressDetail: {}, aux: { Tag: pushedTag, Digest: r.digest } });
  stream.end();
}

/** A docker-archive of the images, as `docker save` reads it. */
export async function saveToClient(call: ApiCall, names: string[]): Promise<void> {
  const { planSave, saveImages } = await import('../../image/save.js');
  if (names.length === 0) throw new ApiError(400, 'names is required');
  const items = await planSave(call.ctx, names);
  const out = call.stream(200, 'application/x-tar');
  try {
    await saveImages(call.ctx, items, { kind: 'stream', out }, { format: 'docker-archive', compress: false });
  } catch (err) {
    // The archive is cut short: the client sees a truncated tar, as with Docker.
    call.ctx.log.warn(`save: ${(err as Error).message}`);
    out.destroy();
    return;
  }
  if (!out.writableEnded) out.end();
}

async function getMany(call: ApiCall): Promise<void> {
  return saveToClient(call, call.query.getAll('names').flatMap((n) => n.split(',')).filter((n) => n !== ''));
}

async function load(call: ApiCall): Promise<void> {
  const { loadArchive } = await import('../../image/load.js');
  const loaded = await loadArchive(call.ctx, call.req, { label: 'the request body', preserveOwner: true });
  const stream = new JsonStream(call);
  for (const l of loaded) {
    if (l.names.length === 0) stream.write({ stream: `Loaded image ID: sha256:${l.image.id}\n` });
    for (const n of l.names) stream.write({ stream: `Loaded image: ${familiarName(n)}\n` });
  }
  stream.end();
}

/**
 * GET /images/search: a registry named in the term (`127.0.0.1:5000/busy`) is searched
 * through its catalog, as Podman does for registries other than Docker Hub; Docker
 * Hub's own search service is not spoken (501, said plainly).
 */
async function search(call: ApiCall): Promise<void> {
  const term = call.query.get('term');
  if (!term) throw new ApiError(400, 'term is required');
  const slash = term.indexOf('/');
  const first = slash > 0 ? term.slice(0, slash) : '';
  if (!/[.:]/.test(first) && first !== 'localhost') {
    throw new ApiError(501, `searching Docker Hub is not supported by tpod; name a registry in the term (REGISTRY/NAME) to search its catalog`);
  }
  const host = first;
  const want = term.slice(slash + 1);
  const limit = call.int('limit') ?? 25;
  const { RegistryClient, defaultTimeoutMs } = await import('../../image/registry/client.js');
  const { readBody, closeAgents } = await import('../../image/registry/http.js');
  const { configLocations, findRegistry, loadRegistriesConfig } = await import('../../image/registries.js');
  const { authFileLocations, findCredentials } = await import('../../image/auth-file.js');
  const ctx = call.ctx;
  const cfg = loadRegistriesConfig(configLocations(ctx.host.env, ctx.paths.configHome));
  const credentials = registryAuth(call.req.headers['x-registry-auth']);
  const auth = authFileLocations({ env: ctx.host.env, home: ctx.host.home, uid: ctx.uid });
  const client = new RegistryClient({
    host,
    insecure: findRegistry(cfg, { domain: host, path: 'x' })?.insecure ?? false,
    credentials: () => credentials ?? findCredentials(auth, host)?.credentials,
    tlsEnv: { env: ctx.host.env, configHome: ctx.paths.configHome },
    timeoutMs: defaultTimeoutMs(ctx.host.env),
  });
  try {
    const what = `searching the catalog of ${host}`;
    const res = await client.request('GET', `_catalog?n=1000`, { what });
    if (res.status !== 200) throw await client.failure(res, what);
    const body = JSON.parse((await readBody(res, 8 << 20, what)).toString('utf8')) as { repositories?: unknown };
    const repos = Array.isArray(body.repositories) ? body.repositories.filter((r): r is string => typeof r === 'string') : [];
    const hits = repos.filter((r) => r.includes(want)).slice(0, limit);
    call.send(200, hits.map((r) => ({ name: `${host}/${r}`, description: '', star_count: 0, is_official: false, is_automated: false })));
  } finally {
    closeAgents();
  }
}

export const imageTransferRoutes: Route[] = [
  { method: 'POST', path: '/images/create', handler: create },
  { method: 'POST', path: '/images/load', handler: load },
  { method: 'GET', path: '/images/get', handler: getMany },
  { method: 'GET', path: '/images/search', handler: search },
];
