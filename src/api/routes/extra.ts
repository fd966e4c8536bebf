// Docker endpoints over engine work the CLI already has: commit, export, changes (diff),
// auth (login's check, nothing stored: the docker CLI keeps its own credentials, as
// with Docker's daemon), distribution inspect, and build cache prune.
import { z } from 'zod';
import type { ApiCall, Route } from '../http.js';
import { ApiError } from '../errors.js';
import { registryAuth } from '../image-json.js';
import { dockerChanges, distributionInspect } from '../docker/extra.js';

const stringList = z.array(z.string()).nullish();
const stringMap = z.record(z.string()).nullish();
const setOf = z.record(z.object({}).passthrough()).nullish();

/** The commit body: a container Config, of which the image-relevant fields count. */
const CommitConfig = z
  .object({
    Cmd: z.union([stringList, z.string()]),
    Entrypoint: z.union([stringList, z.string()]),
    Env: stringList,
    Labels: stringMap,
    ExposedPorts: setOf,
    Volumes: setOf,
    User: z.string().nullish(),
    WorkingDir: z.string().nullish(),
    StopSignal: z.string().nullish(),
  })
  .passthrough()
  .nullable();

function list(v: string[] | string | null | undefined): string[] | undefined {
  if (v === null || v === undefined) return undefined;
  return typeof v === 'string' ? [v] : v;
}

async function commit(call: ApiCall): Promise<void> {
  const container = call.query.get('container');
  if (!container) throw new ApiError(400, 'container is required');
  const cfg = await call.json(CommitConfig, { optional: true });
  const repo = call.query.get('repo') ?? '';
  let name: string | undefined;
  if (repo !== '') {
    const { normalizeTagNames } = await import('../../image/store.js');
    name = normalizeTagNames([`${repo}:${call.query.get('tag') || 'latest'}`])[0];
  } else if (call.query.get('tag')) throw new ApiError(400, 'tag given without repo');
  const { commitContainer } = await import('../../engine/commit.js');
  // Docker sends each --change as its own `changes` value; Podman's clients may join them with newlines.
  const changes = call.query.getAll('changes').flatMap((c) => c.split('\n')).filter((c) => c.trim() !== '');
  const id = await commitContainer(call.ctx, container, {
    name,
    changes,
    message: call.query.get('comment') || undefined,
    author: call.query.get('author') || undefined,
    squash: call.flag('squash'),
    // `pause` is accepted: a rootless container is not frozen for a commit (tpod commit --pause).
    config: cfg
      ? {
          ...(list(cfg.Cmd) ? { Cmd: list(cfg.Cmd)! } : {}),
          ...(list(cfg.Entrypoint) ? { Entrypoint: list(cfg.Entrypoint)! } : {}),
          ...(cfg.Env ? { Env: cfg.Env } : {}),
          ...(cfg.Labels ? { Labels: cfg.Labels } : {}),
          ...(cfg.ExposedPorts ? { ExposedPorts: cfg.ExposedPorts } : {}),
          ...(cfg.Volumes ? { Volumes: cfg.Volumes } : {}),
          ...(cfg.User ? { User: cfg.User } : {}),
          ...(cfg.WorkingDir ? { WorkingDir: cfg.WorkingDir } : {}),
          ...(cfg.StopSignal ? { StopSignal: cfg.StopSignal } : {}),
        }
      : undefined,
  });
  call.send(201, { Id: `sha256:${id}` });
}

async function exportCtr(call: ApiCall): Promise<void> {
  const { findContainer } = await import('../../storage/containers.js');
  const { exportContainer } = await import('../../engine/export.js');
  const id = call.param('id');
  findContainer(call.ctx, id); // a 404 before the 200 goes out
  const out = call.stream(200, 'application/x-tar');
  try {
    const r = await exportContainer(call.ctx, id, out);
    if (r.skipped.length > 0) call.ctx.log.warn(`export of ${id}: left out of the archive: ${r.skipped.join(', ')}`);
  } finally {
    // After the status line an error can only cut the stream short: the client sees a truncated tar.
    out.end();
  }
}

async function changes(call: ApiCall): Promise<void> {
  const { diffContainer } = await import('../../engine/diff.js');
  call.send(200, dockerChanges(await diffContainer(call.ctx, call.param('id'))));
}

const AuthBody = z
  .object({
    username: z.string().nullish(),
    password: z.string().nullish(),
    serveraddress: z.string().nullish(),
    auth: z.string().nullish(),
    email: z.string().nullish(),
    identitytoken: z.string().nullish(),
  })
  .passthrough();

async function auth(call: ApiCall): Promise<void> {
  const body = await call.json(AuthBody);
  let username = body.username ?? '';
  let password = body.password ?? '';
  if (username === '' && body.auth) {
    const plain = Buffer.from(body.auth, 'base64').toString('utf8');
    const colon = plain.indexOf(':');
    if (colon > 0) [username, password] = [plain.slice(0, colon), plain.slice(colon + 1)];
  }
  const login = await import('../../image/login.js');
  // No address is Docker's default index.
  const { key, host } = login.loginTarget(body.serveraddress || 'docker.io');
  const creds = username !== '' || password !== '' ? { username, password } : undefined;
  if (!(await login.checkCredentials(call.ctx, host, creds, {}))) throw new ApiError(401, `logging into "${key}": invalid username/password`);
  call.send(200, { Status: 'Login Succeeded', IdentityToken: '' });
}

async function distribution(call: ApiCall): Promise<void> {
  const rest = decodeURIComponent(call.params['*'] ?? '');
  if (!rest.endsWith('/json') || rest.length <= 5) throw new ApiError(404, `page not found`);
  const name = rest.slice(0, -5);
  const { inspectRemote } = await import('../../image/distribution.js');
  const m = await inspectRemote(call.ctx, name, { credentials: registryAuth(call.req.headers['x-registry-auth']) });
  call.send(200, distributionInspect(m, m.platforms));
}

/** tpod keeps no build cache apart from images (intermediate images are pruned with images): nothing to free here. */
async function buildPrune(call: ApiCall): Promise<void> {
  call.send(200, { CachesDeleted: [], SpaceReclaimed: 0 });
}

export const extraRoutes: Route[] = [
  { method: 'POST', path: '/commit', handler: commit },
  { method: 'GET', path: '/containers/:id/export', handler: exportCtr },
  { method: 'GET', path: '/containers/:id/changes', handler: changes },
  { method: 'POST', path: '/auth', handler: auth },
  { method: 'GET', path: '/distribution/*', handler: distribution },
  { method: 'POST', path: '/build/prune', handler: buildPrune },
];
