// Registries for end-to-end tests, on loopback only and stopped by the test file:
//
// - startRegistry(): the real CNCF distribution registry (`docker-registry`), plain
//   http, optionally with htpasswd auth or TLS, populated with `skopeo copy` (never
//   by tpod) so pull is tested against bytes tpod did not write;
// - startFakeRegistry(): a small distribution API in this process that serves an OCI
//   layout and lets a test break things on purpose (429s, truncated or corrupted
//   blobs, stalls, hostile manifests, Bearer tokens), and counts requests.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createNetServer } from 'node:net';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A free TCP port on 127.0.0.1 (bound and released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createNetServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

async function waitFor(ok: () => Promise<boolean>, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await ok().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

export interface RealRegistry {
  /** 127.0.0.1:PORT */
  host: string;
  dir: string;
  auth?: { username: string; password: string };
  /** PEM of the CA that signed the registry's certificate (TLS registries). */
  caPem?: string;
  stop(): Promise<void>;
}

export interface RealRegistryOptions {
  auth?: { username: string; password: string };
  tls?: boolean;
}

/** A self-signed CA and a certificate for 127.0.0.1 signed by it (openssl). */
function makeCerts(dir: string): { ca: string; cert: string; key: string } {
  const run = (args: string[]): void => {
    const r = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`openssl ${args.join(' ')}: ${r.stderr}`);
  };
  run(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=tpod test CA', '-keyout', 'ca.key', '-out', 'ca.crt']);
  run(['req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1', '-keyout', 'server.key', '-out', 'server.csr']);
  writeFileSync(join(dir, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1\n');
  run(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2', '-extfile', 'ext.cnf', '-out', 'server.crt']);
  return { ca: join(dir, 'ca.crt'), cert: join(dir, 'server.crt'), key: join(dir, 'server.key') };
}

/** Starts `docker-registry serve` on a free loopback port; waits until it answers. */
export async function startRegistry(opts: RealRegistryOptions = {}): Promise<RealRegistry> {
  const dir = mkdtempSync(join(tmpdir(), 'tpod-registry-'));
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const lines = ['version: 0.1', 'log: {level: error, accesslog: {disabled: true}}', `storage: {filesystem: {rootdirectory: ${join(dir, 'data')}}, delete: {enabled: true}}`];
  let caPem: string | undefined;
  if (opts.tls) {
    const c = makeCerts(dir);
    caPem = readFileSync(c.ca, 'utf8');
    lines.push(`http: {addr: "${host}", tls: {certificate: ${c.cert}, key: ${c.key}}}`);
  } else {
    lines.push(`http: {addr: "${host}"}`);
  }
  if (opts.auth) {
    const h = spawnSync('htpasswd', ['-Bbn', opts.auth.username, opts.auth.password], { encoding: 'utf8' });
    if (h.status !== 0) throw new Error(`htpasswd failed (install apache2-utils): ${h.stderr || h.error?.message}`);
    writeFileSync(join(dir, 'htpasswd'), h.stdout);
    lines.push(`auth: {htpasswd: {realm: tpod-test, path: ${join(dir, 'htpasswd')}}}`);
  }
  writeFileSync(join(dir, 'config.yml'), lines.join('\n') + '\n');
  const child: ChildProcess = spawn('docker-registry', ['serve', join(dir, 'config.yml')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const gone = new Promise<void>((r) => child.once('exit', () => r()));
      const t = setTimeout(() => child.kill('SIGKILL'), 5000);
      await gone;
      clearTimeout(t);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const { request } = opts.tls ? await import('node:https') : await import('node:http');
    await waitFor(
      () =>
        new Promise<boolean>((resolve) => {
          if (child.exitCode !== null) throw new Error(`docker-registry exited: ${stderr}`);
          const req = request(`${opts.tls ? 'https' : 'http'}://${host}/v2/`, { rejectUnauthorized: false, timeout: 1000 }, (res: IncomingMessage) => {
            res.resume();
            resolve(true);
          });
          req.on('error', () => resolve(false));
          req.end();
        }),
      10_000,
      `docker-registry on ${host}`,
    );
  } catch (err) {
    await stop();
    throw err;
  }
  const r: RealRegistry = { host, dir, stop };
  if (opts.auth) r.auth = opts.auth;
  if (caPem !== undefined) r.caPem = caPem;
  return r;
}

/** `skopeo copy SRC docker://DEST` into a test registry (plain http unless told). */
export function skopeoCopy(src: string, dest: string, opts: { creds?: { username: string; password: string }; extra?: string[]; tlsVerify?: boolean } = {}): void {
  const args = ['copy', '-q', '--retry-times', '2', `--dest-tls-verify=${opts.tlsVerify ?? false}`];
  if (opts.creds) args.push('--dest-creds', `${opts.creds.username}:${opts.creds.password}`);
  args.push(...(opts.extra ?? []), src, `docker://${dest}`);
  const r = spawnSync('skopeo', args, { encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) throw new Error(`skopeo ${args.join(' ')} failed: ${r.stderr || r.error?.message}`);
}

// ------------------------------------------------------------------ a fake registry

export interface FakeImage {
  manifest: Buffer;
  mediaType: string;
}

export interface FakeRequest {
  method: string;
  path: string;
  repo?: string;
  kind?: 'manifests' | 'blobs';
  ref?: string;
  headers: IncomingMessage['headers'];
}

/** What a hook may do with a request: nothing (default answer), or answer itself. */
export type FakeHook = (req: FakeRequest, res: ServerResponse, fake: FakeRegistry) => boolean | Promise<boolean>;

export interface FakeRegistry {
  host: string;
  port: number;
  /** repo -> tag -> manifest */
  tags: Map<string, Map<string, FakeImage>>;
  blobs: Map<string, Buffer>;
  manifestsByDigest: Map<string, FakeImage>;
  requests: FakeRequest[];
  hook: FakeHook | undefined;
  addBlob(b: Buffer): string;
  addManifest(repo: string, tag: string, body: unknown, mediaType?: string): string;
  /** Copies every tag of an OCI layout's index.json (with its blobs) into `repo`. */
  addLayout(layoutDir: string, repo: string): void;
  stop(): Promise<void>;
}

function digestOf(b: Buffer): string {
  return `sha256:${createHash('sha256').update(b).digest('hex')}`;
}

export async function startFakeRegistry(): Promise<FakeRegistry> {
  const fake: FakeRegistry = {
    host: '',
    port: 0,
    tags: new Map(),
    blobs: new Map(),
    manifestsByDigest: new Map(),
    requests: [],
    hook: undefined,
    addBlob(b) {
      const d = digestOf(b);
      fake.blobs.set(d, b);
      return d;
    },
    addManifest(repo, tag, body, mediaType) {
      const bytes = Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body));
      const mt = mediaType ?? (typeof body === 'object' && body !== null && 'mediaType' in body ? String((body as { mediaType: unknown }).mediaType) : 'application/vnd.oci.image.manifest.v1+json');
      const img = { manifest: bytes, mediaType: mt };
      if (!fake.tags.has(repo)) fake.tags.set(repo, new Map());
      fake.tags.get(repo)!.set(tag, img);
      const d = digestOf(bytes);
      fake.manifestsByDigest.set(d, img);
      return d;
    },
    addLayout(layoutDir, repo) {
      const index = JSON.parse(readFileSync(join(layoutDir, 'index.json'), 'utf8')) as { manifests: Array<{ digest: string; mediaType: string; annotations?: Record<string, string> }> };
      const blob = (d: string): Buffer => readFileSync(join(layoutDir, 'blobs', 'sha256', d.slice(7)));
      const addTree = (d: string, mediaType: string): void => {
        const bytes = blob(d);
        fake.manifestsByDigest.set(d, { manifest: bytes, mediaType });
        const m = JSON.parse(bytes.toString('utf8')) as { config?: { digest: string }; layers?: Array<{ digest: string }>; manifests?: Array<{ digest: string; mediaType: string }> };
        if (m.config) fake.blobs.set(m.config.digest, blob(m.config.digest));
        for (const l of m.layers ?? []) fake.blobs.set(l.digest, blob(l.digest));
        for (const c of m.manifests ?? []) addTree(c.digest, c.mediaType);
      };
      for (const e of index.manifests) {
        const tag = e.annotations?.['org.opencontainers.image.ref.name'];
        if (!tag) continue;
        addTree(e.digest, e.mediaType);
        if (!fake.tags.has(repo)) fake.tags.set(repo, new Map());
        fake.tags.get(repo)!.set(tag, fake.manifestsByDigest.get(e.digest)!);
      }
    },
    stop: async () => undefined,
  };
  const server: Server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const m = /^\/v2\/(.+)\/(manifests|blobs)\/([^/]+)$/.exec(url.pathname);
      const r: FakeRequest = { method: req.method ?? 'GET', path: url.pathname + url.search, headers: req.headers };
      if (m) {
        r.repo = m[1]!;
        r.kind = m[2] as 'manifests' | 'blobs';
        r.ref = decodeURIComponent(m[3]!);
      }
      fake.requests.push(r);
      if (fake.hook && (await fake.hook(r, res, fake))) return;
      const json = (status: number, body: unknown): void => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (url.pathname === '/v2/' || url.pathname === '/v2') return json(200, {});
      if (!m) return json(404, { errors: [{ code: 'NOT_FOUND', message: 'not found' }] });
      if (r.kind === 'manifests') {
        const img = r.ref!.startsWith('sha256:') ? fake.manifestsByDigest.get(r.ref!) : fake.tags.get(r.repo!)?.get(r.ref!);
        if (!img) return json(404, { errors: [{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown' }] });
        res.writeHead(200, { 'content-type': img.mediaType, 'content-length': img.manifest.length, 'docker-content-digest': digestOf(img.manifest) });
        res.end(req.method === 'HEAD' ? undefined : img.manifest);
        return;
      }
      const b = fake.blobs.get(r.ref!);
      if (!b) return json(404, { errors: [{ code: 'BLOB_UNKNOWN', message: 'blob unknown to registry' }] });
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': b.length });
      res.end(req.method === 'HEAD' ? undefined : b);
    })().catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500);
      res.end(String(err));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const a = server.address();
  fake.port = typeof a === 'object' && a ? a.port : 0;
  fake.host = `127.0.0.1:${fake.port}`;
  fake.stop = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return fake;
}

/** An OCI layout dir copied from `src`, for tests that add tags to it. */
export function copyLayout(src: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'tpod-layout-'));
  const r = spawnSync('cp', ['-a', `${src}/.`, dir]);
  if (r.status !== 0) throw new Error(`cp -a ${src} failed`);
  if (!existsSync(join(dir, 'index.json'))) throw new Error(`${src} is not an OCI layout`);
  mkdirSync(join(dir, 'blobs', 'sha256'), { recursive: true });
  return dir;
}
