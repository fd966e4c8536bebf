// The registry digest check against an in-process registry: HEAD answers when the
// digest is known, a manifest list is resolved to this platform's image, credentials
// come from the auth file, errors are in words.
import { describe, it, expect, afterEach, beforeAll, afterAll } from 'vitest';
import { createServer, type IncomingMessage, type ServerResponse, type Server } from 'node:http';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RemoteChecker, knownDigests } from '../../../src/autoupdate/remote.js';
import { closeAgents } from '../../../src/image/registry/http.js';
import { createContext } from '../../../src/engine/context.js';

const sha = (b: Buffer | string): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

const servers: Server[] = [];
let base: string;
beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'tpod-remote-'));
});
afterAll(() => rmSync(base, { recursive: true, force: true }));
afterEach(async () => {
  closeAgents();
  await Promise.all(servers.splice(0).map((s) => new Promise<void>((r) => { s.closeAllConnections(); s.close(() => r()); })));
});

async function serve(h: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  const s = createServer(h);
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const a = s.address();
  return `127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
}

function ctx(env: Record<string, string> = {}) {
  const home = join(base, 'home');
  return createContext({ root: join(base, 'root'), runroot: join(base, 'run') }, {
    env: { XDG_CONFIG_HOME: join(base, 'config'), XDG_RUNTIME_DIR: join(base, 'run'), ...env }, uid: 1000, home, tmpdir: base,
  });
}

const imageManifest = (config: string): Buffer => Buffer.from(JSON.stringify({
  schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json',
  config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha(config), size: config.length },
  layers: [],
}));

interface Served { manifests: Map<string, { body: Buffer; type: string }>; requests: string[] }

function registry(s: Served, auth?: string) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    s.requests.push(`${req.method} ${req.url}`);
    if (auth !== undefined && req.headers.authorization !== auth) {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="r"' });
      res.end();
      return;
    }
    if (req.url === '/v2/') return void res.end('{}');
    const m = /^\/v2\/(.+)\/manifests\/(.+)$/.exec(req.url!);
    const got = m ? s.manifests.get(`${m[1]}:${m[2]}`) : undefined;
    if (!got) {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ errors: [{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown' }] }));
      return;
    }
    res.writeHead(200, { 'content-type': got.type, 'docker-content-digest': sha(got.body), 'content-length': got.body.length });
    res.end(req.method === 'HEAD' ? undefined : got.body);
  };
}

const local = (manifest: Buffer) => ({ manifestDigest: sha(manifest), digests: [] as string[] });

describe('registry digest check', () => {
  it('the same digest: no update, one HEAD', async () => {
    const m1 = imageManifest('v1');
    const s: Served = { manifests: new Map([['x:latest', { body: m1, type: 'application/vnd.oci.image.manifest.v1+json' }]]), requests: [] };
    const host = await serve(registry(s));
    const c = new RemoteChecker(ctx());
    expect(await c.differs(local(m1), { domain: host, path: 'x', tag: 'latest' }, { tlsVerify: false })).toBe(false);
    expect(s.requests.filter((r) => r.includes('/manifests/'))).toEqual(['HEAD /v2/x/manifests/latest']);
  });

  it('another digest: an update', async () => {
    const s: Served = { manifests: new Map([['x:latest', { body: imageManifest('v2'), type: 'application/vnd.oci.image.manifest.v1+json' }]]), requests: [] };
    const host = await serve(registry(s));
    expect(await new RemoteChecker(ctx()).differs(local(imageManifest('v1')), { domain: host, path: 'x', tag: 'latest' }, { tlsVerify: false })).toBe(true);
  });

  it('a repo digest of the local image counts as known', async () => {
    const m2 = imageManifest('v2');
    expect(knownDigests({ manifestDigest: 'sha256:a', digests: [`q.io/x@${sha(m2)}`] }).has(sha(m2))).toBe(true);
  });

  it('a manifest list is resolved to this platform\'s image', async () => {
    const amd = imageManifest('amd64');
    const arm = imageManifest('arm64');
    const list = Buffer.from(JSON.stringify({
      schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [
        { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: sha(arm), size: arm.length, platform: { os: 'linux', architecture: 'arm64' } },
        { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: sha(amd), size: amd.length, platform: { os: 'linux', architecture: 'amd64' } },
      ],
    }));
    const s: Served = { manifests: new Map([['x:latest', { body: list, type: 'application/vnd.oci.image.index.v1+json' }]]), requests: [] };
    const host = await serve(registry(s));
    const c = new RemoteChecker(ctx());
    const ref = { domain: host, path: 'x', tag: 'latest' };
    const platform = { os: 'linux', architecture: 'amd64' };
    expect(await c.differs(local(amd), ref, { tlsVerify: false, platform })).toBe(false);
    expect(await c.differs(local(imageManifest('old')), ref, { tlsVerify: false, platform })).toBe(true);
  });

  it('credentials come from --authfile', async () => {
    const m1 = imageManifest('v1');
    const s: Served = { manifests: new Map([['p/x:1', { body: m1, type: 'application/vnd.oci.image.manifest.v1+json' }]]), requests: [] };
    const host = await serve(registry(s, `Basic ${Buffer.from('u:p').toString('base64')}`));
    const authfile = join(base, 'auth.json');
    writeFileSync(authfile, JSON.stringify({ auths: { [host]: { auth: Buffer.from('u:p').toString('base64') } } }));
    const ref = { domain: host, path: 'p/x', tag: '1' };
    expect(await new RemoteChecker(ctx()).differs(local(m1), ref, { tlsVerify: false, authfile })).toBe(false);
    await expect(new RemoteChecker(ctx()).differs(local(m1), ref, { tlsVerify: false, authfile: join(base, 'none.json') })).rejects.toThrow(/unauthorized|401/);
  });

  it('an unknown tag is an error in words', async () => {
    const host = await serve(registry({ manifests: new Map(), requests: [] }));
    await expect(new RemoteChecker(ctx()).differs(local(imageManifest('v1')), { domain: host, path: 'x', tag: 'nope' }, { tlsVerify: false })).rejects.toThrow(/manifest unknown|not found/);
  });

  it('a blocked registry is refused before anything is sent', async () => {
    const s: Served = { manifests: new Map(), requests: [] };
    const host = await serve(registry(s));
    const conf = join(base, 'registries.conf');
    writeFileSync(conf, `[[registry]]\nlocation = "${host}"\nblocked = true\n`);
    await expect(new RemoteChecker(ctx({ CONTAINERS_REGISTRIES_CONF: conf })).differs(local(imageManifest('v1')), { domain: host, path: 'x', tag: 'latest' }, { tlsVerify: false })).rejects.toThrow(/blocked/);
    expect(s.requests).toEqual([]);
  });
});
