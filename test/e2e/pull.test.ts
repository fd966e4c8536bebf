// Pulling from registries, end to end, as the unprivileged user: a real CNCF
// distribution registry on loopback (open, with htpasswd auth, with TLS) populated by
// skopeo with images built by umoci (single layer, three layers with a whiteout and an
// opaque dir, an OCI index with two platforms, zstd layers), and an in-process fake
// registry for what a real one does not do on purpose (429, truncated and corrupted
// blobs, stalls, hostile manifests, Bearer tokens). Every failure must name the image
// and the cause, exit 125, and leave no image, no partial layer and no work dir.
import { expect, it, beforeAll, afterAll } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeE2E, useEnv, makeEnv, cleanup, tpod, tpodOk, tpodBin, until, type TpodEnv, type RunResult } from './harness.js';
import { imageFixtures, type ImageFixtures } from './fixtures.js';
import { startRegistry, startFakeRegistry, skopeoCopy, copyLayout, freePort, type RealRegistry, type FakeRegistry } from './registry.js';

let fx: ImageFixtures;
let open: RealRegistry;
let authed: RealRegistry;
let fake: FakeRegistry;
let deadPort: number;
const ALICE = { username: 'alice', password: 'pa55:word!' };

const sha = (b: Buffer | string): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

function storeDir(env: TpodEnv): string {
  return join(env.dataHome, 'tpod');
}

function ls(p: string): string[] {
  try {
    return readdirSync(p).sort();
  } catch {
    return [];
  }
}

function registriesConf(env: TpodEnv, text: string): void {
  mkdirSync(join(env.configHome, 'containers'), { recursive: true, mode: 0o700 });
  writeFileSync(join(env.configHome, 'containers', 'registries.conf'), text);
}

function insecure(...hosts: string[]): string {
  return hosts.map((h) => `[[registry]]\nlocation = "${h}"\ninsecure = true\n`).join('');
}

function defaultConf(env: TpodEnv): void {
  registriesConf(env, insecure(open.host, authed.host, fake.host, `127.0.0.1:${deadPort}`));
}

/** No image records, every layer dir complete, nothing left in tmp but lock-free leftovers. */
function expectNoHalfState(env: TpodEnv, images: number): void {
  const root = storeDir(env);
  expect(ls(join(root, 'images')).length).toBe(images);
  for (const l of ls(join(root, 'layers'))) {
    const rec = JSON.parse(readFileSync(join(root, 'layers', l, 'layer.json'), 'utf8')) as { complete: boolean };
    expect(rec.complete).toBe(true);
  }
  expect(ls(join(root, 'tmp')).filter((n) => !n.endsWith('.lock'))).toEqual([]);
}

async function rmiAll(env: TpodEnv): Promise<void> {
  await tpod(['rmi', '-a', '-f'], { env });
}

function expectError(r: RunResult, ...parts: Array<string | RegExp>): void {
  expect(r.code, r.stderr).toBe(125);
  const err = r.stderr.split('\n').filter((l) => l.startsWith('Error: ')).join('\n');
  expect(err, r.stderr).not.toBe('');
  for (const p of parts) expect(r.stderr).toMatch(typeof p === 'string' ? new RegExp(p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) : p);
  expect(r.stdout).toBe('');
}

/** An OCI index with linux/amd64 and linux/arm64 images (labels tell them apart). */
function multiPlatformLayout(): string {
  const dir = copyLayout(join(fx.dir, 'oci'));
  const umoci = (args: string[]): void => {
    const r = spawnSync('umoci', args, { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`umoci ${args.join(' ')}: ${r.stderr}`);
  };
  umoci(['config', '--image', `${dir}:busybox`, '--tag', 'bb-amd64', '--config.label', 'platform=amd64']);
  umoci(['config', '--image', `${dir}:busybox`, '--tag', 'bb-arm64', '--architecture', 'arm64', '--config.label', 'platform=arm64']);
  const indexPath = join(dir, 'index.json');
  const index = JSON.parse(readFileSync(indexPath, 'utf8')) as { manifests: Array<{ mediaType: string; digest: string; size: number; annotations?: Record<string, string> }> };
  const byTag = (t: string) => index.manifests.find((m) => m.annotations?.['org.opencontainers.image.ref.name'] === t)!;
  const inner = Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: [
      { mediaType: byTag('bb-amd64').mediaType, digest: byTag('bb-amd64').digest, size: byTag('bb-amd64').size, platform: { os: 'linux', architecture: 'amd64' } },
      { mediaType: byTag('bb-arm64').mediaType, digest: byTag('bb-arm64').digest, size: byTag('bb-arm64').size, platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
    ],
  }));
  writeFileSync(join(dir, 'blobs', 'sha256', sha(inner).slice(7)), inner);
  index.manifests.push({ mediaType: 'application/vnd.oci.image.index.v1+json', digest: sha(inner), size: inner.length, annotations: { 'org.opencontainers.image.ref.name': 'multi' } });
  writeFileSync(indexPath, JSON.stringify(index));
  return dir;
}

async function labelOf(env: TpodEnv, image: string): Promise<{ arch: string; label: string | undefined }> {
  const r = await tpodOk(['image', 'inspect', image], { env });
  const j = JSON.parse(r.stdout) as Array<{ Architecture: string; Labels: Record<string, string> | null }>;
  return { arch: j[0]!.Architecture, label: j[0]!.Labels?.platform };
}

describeE2E('pull', () => {
  const t = useEnv('pull');
  let multiDir: string;

  beforeAll(async () => {
    fx = imageFixtures();
    [open, authed, fake] = await Promise.all([startRegistry(), startRegistry({ auth: ALICE }), startFakeRegistry()]);
    deadPort = await freePort();
    skopeoCopy(`oci-archive:${fx.busyboxOci}`, `${open.host}/library/busybox:latest`);
    skopeoCopy(`oci-archive:${fx.layersOci}`, `${open.host}/test/layers:latest`);
    skopeoCopy(`oci-archive:${fx.layersOci}`, `${open.host}/test/layers-zstd:latest`, { extra: ['--dest-compress-format', 'zstd'] });
    skopeoCopy(`docker-archive:${fx.busyboxDocker}`, `${open.host}/test/docker-v2s2:latest`, { extra: ['--format', 'v2s2'] });
    multiDir = multiPlatformLayout();
    skopeoCopy(`oci:${multiDir}:multi`, `${open.host}/test/multi:latest`, { extra: ['--all'] });
    skopeoCopy(`oci-archive:${fx.busyboxOci}`, `${authed.host}/private/busybox:latest`, { creds: ALICE });
    fake.addLayout(join(fx.dir, 'oci'), 'fake/img');
    defaultConf(t.env);
  });

  afterAll(async () => {
    await Promise.all([open?.stop(), authed?.stop(), fake?.stop()]);
  });

  it('pulls a single-layer image from a real registry: id on stdout, plain progress lines on stderr, the name as asked', async () => {
    const env = t.env;
    defaultConf(env);
    const r = await tpodOk(['pull', `${open.host}/library/busybox`], { env });
    expect(r.stdout).toMatch(/^[a-f0-9]{64}\n$/);
    expect(r.stderr).toContain(`Trying to pull ${open.host}/library/busybox:latest...`);
    expect(r.stderr).toMatch(/^Copying blob sha256:[a-f0-9]{64}$/m);
    expect(r.stderr).toContain('Writing manifest to image destination');
    expect(r.stderr).not.toContain('\x1b');
    const images = await tpodOk(['images', '--format', '{{.Repository}}:{{.Tag}} {{.ID}}'], { env });
    expect(images.stdout).toContain(`${open.host}/library/busybox:latest ${r.stdout.trim().slice(0, 12)}`);
    const run = await tpodOk(['run', '--rm', `${open.host}/library/busybox`, 'sh', '-c', 'echo pulled-ok'], { env });
    expect(run.stdout).toBe('pulled-ok\n');
  });

  it('-q prints only the image id; a second pull downloads no layer again', async () => {
    const env = t.env;
    const before = fake.requests.length;
    const r = await tpodOk(['pull', '-q', `${open.host}/library/busybox`], { env });
    expect(r.stdout).toMatch(/^[a-f0-9]{64}\n$/);
    expect(r.stderr).toBe('');
    const again = await tpodOk(['pull', `${open.host}/library/busybox`], { env });
    expect(again.stderr).toMatch(/Copying blob [a-f0-9]{12} skipped: already exists/);
    expect(again.stderr).not.toMatch(/Copying blob sha256:/);
    expect(fake.requests.length).toBe(before);
  });

  it('pulls three layers with a whiteout and an opaque directory; owners and deletions hold in the container', async () => {
    const env = t.env;
    await tpodOk(['pull', '-q', `${open.host}/test/layers`], { env });
    const r = await tpodOk(['run', '--rm', `${open.host}/test/layers`, 'sh', '-c', 'ls /data; echo ---; ls /opq; echo ---; stat -c %u:%g /bin/busybox'], { env });
    expect(r.stdout).toBe('keep.txt\n---\nc\n---\n0:0\n');
  });

  it('pulls zstd layers (through the zstd program on Node 20) to the same content', async () => {
    const env = t.env;
    await rmiAll(env);
    const r = await tpodOk(['pull', `${open.host}/test/layers-zstd`], { env });
    expect(r.stderr).toMatch(/Copying blob sha256:/);
    const run = await tpodOk(['run', '--rm', `${open.host}/test/layers-zstd`, 'sh', '-c', 'ls /data /opq'], { env });
    expect(run.stdout).toBe('/data:\nkeep.txt\n\n/opq:\nc\n');
    // Same diff IDs as the gzip image: nothing to download for it now.
    const gz = await tpodOk(['pull', `${open.host}/test/layers`], { env });
    expect(gz.stderr).not.toMatch(/Copying blob sha256:/);
  });

  it('pulls a Docker schema 2 image', async () => {
    const env = t.env;
    const r = await tpodOk(['pull', '-q', `${open.host}/test/docker-v2s2`], { env });
    const j = JSON.parse((await tpodOk(['image', 'inspect', r.stdout.trim()], { env })).stdout) as Array<{ RepoTags: string[] }>;
    expect(j[0]!.RepoTags).toEqual([`${open.host}/test/docker-v2s2:latest`]);
  });

  it('picks the platform from an OCI index: the host by default, else --platform / --arch; none matching is an error', async () => {
    const env = t.env;
    const ref = `${open.host}/test/multi`;
    await tpodOk(['pull', '-q', ref], { env });
    expect(await labelOf(env, ref)).toEqual({ arch: 'amd64', label: 'amd64' });
    await tpodOk(['pull', '-q', '--platform', 'linux/arm64', ref], { env });
    expect(await labelOf(env, ref)).toEqual({ arch: 'arm64', label: 'arm64' });
    await tpodOk(['pull', '-q', '--arch', 'amd64', ref], { env });
    expect(await labelOf(env, ref)).toEqual({ arch: 'amd64', label: 'amd64' });
    const bad = await tpod(['pull', '--platform', 'linux/s390x', ref], { env });
    expectError(bad, `${ref}:latest`, 'no image in the manifest list for linux/s390x', 'linux/amd64', 'linux/arm64/v8');
    const both = await tpod(['pull', '--platform', 'linux/arm64', '--arch', 'arm64', ref], { env });
    expect(both.code).toBe(125);
  });

  it('pulls by digest, and a digest the registry does not have is an error naming it', async () => {
    const env = t.env;
    await tpodOk(['pull', '-q', `${open.host}/library/busybox`], { env });
    const digest = (await tpodOk(['image', 'inspect', '--format', '{{.Digest}}', `${open.host}/library/busybox`], { env })).stdout.trim();
    expect(digest).toMatch(/^sha256:/);
    const r = await tpodOk(['pull', '-q', `${open.host}/library/busybox@${digest}`], { env });
    expect(r.stdout).toMatch(/^[a-f0-9]{64}\n$/);
    const missing = `${open.host}/library/busybox@sha256:${'0'.repeat(64)}`;
    expectError(await tpod(['pull', missing], { env }), missing, 'manifest unknown');
  });

  it('unknown image and unknown tag: exit 125, the name and the cause, nothing stored', async () => {
    const env = t.env;
    const n = ls(join(storeDir(env), 'images')).length;
    expectError(await tpod(['pull', `${open.host}/test/nope`], { env }), `${open.host}/test/nope:latest`, /manifest unknown|name unknown/);
    expectError(await tpod(['pull', `${open.host}/test/layers:nope`], { env }), `${open.host}/test/layers:nope`, 'manifest unknown');
    expectNoHalfState(env, n);
  });

  it('unreachable registries: connection refused and timeout say so', async () => {
    const env = t.env;
    const refused = await tpod(['pull', `127.0.0.1:${deadPort}/x/y`], { env });
    expectError(refused, `127.0.0.1:${deadPort}/x/y:latest`, 'connection refused');
    fake.hook = (req) => req.kind === 'manifests'; // accept, never answer
    const slow = await tpod(['pull', `${fake.host}/fake/img:busybox`], { env, extraEnv: { TPOD_REGISTRY_TIMEOUT: '1' } });
    fake.hook = undefined;
    expectError(slow, `${fake.host}/fake/img:busybox`, 'timed out');
  });

  it('plain http is refused unless registries.conf says insecure or --tls-verify=false', async () => {
    const env = t.env;
    registriesConf(env, '');
    expectError(await tpod(['pull', `${open.host}/library/busybox`], { env }), 'TLS handshake failed', 'plain-http registry');
    await tpodOk(['pull', '-q', '--tls-verify=false', `${open.host}/library/busybox`], { env });
    defaultConf(env);
    expectError(await tpod(['pull', '--tls-verify', `${open.host}/library/busybox`], { env }), 'TLS');
  });

  it('resolves short names: aliases, unqualified-search registries in order, Podman\'s message when there are none', async () => {
    const env = t.env;
    registriesConf(env, `unqualified-search-registries = ["127.0.0.1:${deadPort}", "${open.host}"]\n${insecure(open.host, `127.0.0.1:${deadPort}`)}[aliases]\n"bb" = "${open.host}/library/busybox"\n`);
    const alias = await tpodOk(['pull', 'bb'], { env });
    expect(alias.stderr).toContain(`Resolved "bb" as an alias (${join(env.configHome, 'containers', 'registries.conf')})`);
    expect(alias.stderr).toContain(`Trying to pull ${open.host}/library/busybox:latest...`);
    const search = await tpodOk(['pull', 'test/layers'], { env });
    expect(search.stderr).toContain(`Trying to pull 127.0.0.1:${deadPort}/test/layers:latest...`);
    expect(search.stderr).toContain(`Trying to pull ${open.host}/test/layers:latest...`);
    const none = await tpod(['pull', 'test/none'], { env });
    expectError(none, 'pulling "test/none" failed from every registry tried', `127.0.0.1:${deadPort}/test/none:latest: `, 'connection refused', `${open.host}/test/none:latest: `, 'manifest unknown');
    registriesConf(env, insecure(open.host));
    expectError(await tpod(['pull', 'busybox'], { env }), `short-name "busybox" did not resolve to an alias and no unqualified-search registries are defined in "${join(env.configHome, 'containers', 'registries.conf')}"`);
    defaultConf(env);
  });

  it('tries mirrors first and keeps the name the user asked for; a dead mirror falls back to the location', async () => {
    const env = t.env;
    const asked = `127.0.0.1:${deadPort}/library/busybox`;
    registriesConf(env, `[[registry]]\nlocation = "127.0.0.1:${deadPort}"\ninsecure = true\n[[registry.mirror]]\nlocation = "${open.host}"\ninsecure = true\n`);
    const r = await tpodOk(['pull', asked], { env });
    expect(r.stderr).toContain(`Trying to pull ${asked}:latest...`);
    const names = (await tpodOk(['images', '--format', '{{.Repository}}:{{.Tag}}'], { env })).stdout;
    expect(names).toContain(`${asked}:latest`);
    registriesConf(env, `[[registry]]\nlocation = "${open.host}"\ninsecure = true\n[[registry.mirror]]\nlocation = "127.0.0.1:${deadPort}"\ninsecure = true\n`);
    const fallback = await tpodOk(['pull', `${open.host}/test/layers`], { env });
    expect(fallback.stderr).toMatch(/pulling from mirror 127\.0\.0\.1:\d+ failed, trying the next source/);
    registriesConf(env, `[[registry]]\nlocation = "${open.host}"\nblocked = true\n`);
    expectError(await tpod(['pull', `${open.host}/test/layers`], { env }), `registry ${open.host} is blocked in`);
    defaultConf(env);
  });

  it('login/logout with htpasswd: wrong password, credentials file, pull with and without them; the password is never printed', async () => {
    const env = t.env;
    const target = `${authed.host}/private/busybox`;
    expectError(await tpod(['pull', target], { env }), target, 'unauthorized', `tpod login ${authed.host}`);
    const wrong = await tpod(['login', '-u', ALICE.username, '-p', 'nope', authed.host], { env });
    expectError(wrong, `logging into "${authed.host}": invalid username/password`);
    const ok = await tpod(['login', '-u', ALICE.username, '--password-stdin', authed.host], { env, input: `${ALICE.password}\n` });
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toBe('Login Succeeded!\n');
    const authFile = join(env.runtimeDir, 'containers', 'auth.json');
    expect(JSON.parse(readFileSync(authFile, 'utf8'))).toEqual({ auths: { [authed.host]: { auth: Buffer.from(`${ALICE.username}:${ALICE.password}`).toString('base64') } } });
    const pulled = await tpodOk(['pull', target], { env });
    for (const out of [ok.stdout, ok.stderr, pulled.stdout, pulled.stderr, wrong.stderr]) expect(out).not.toContain(ALICE.password);
    const again = await tpodOk(['login', authed.host], { env });
    expect(again.stdout).toContain(`Already logged in to ${authed.host}`);
    expect((await tpodOk(['login', '--get-login', authed.host], { env })).stdout).toBe('alice\n');
    expect((await tpodOk(['logout', authed.host], { env })).stdout).toBe(`Removed login credentials for ${authed.host}\n`);
    expectError(await tpod(['logout', authed.host], { env }), `not logged into ${authed.host}`);
    expectError(await tpod(['login', '-u', 'alice', '-p', 'x', '--password-stdin', authed.host], { env }), "can't specify both");
    // ~/.docker/config.json is read too.
    mkdirSync(join(env.home, '.docker'), { recursive: true });
    writeFileSync(join(env.home, '.docker', 'config.json'), JSON.stringify({ auths: { [`http://${authed.host}`]: { auth: Buffer.from(`${ALICE.username}:${ALICE.password}`).toString('base64') } } }));
    await tpodOk(['pull', '-q', target], { env });
    expect((await tpodOk(['logout', '--all'], { env })).stdout).toBe('Removed login credentials for all registries\n');
    rmSync(join(env.home, '.docker'), { recursive: true, force: true });
  });

  it('Bearer tokens: fetched with the credentials, cached per scope across parallel layer downloads', async () => {
    const env = t.env;
    await rmiAll(env);
    const tokenRequests: string[] = [];
    fake.hook = (req, res) => {
      if (req.path.startsWith('/token')) {
        tokenRequests.push(req.path);
        const basic = `Basic ${Buffer.from(`${ALICE.username}:${ALICE.password}`).toString('base64')}`;
        if (req.headers.authorization !== basic) {
          res.writeHead(401, { 'content-type': 'application/json' });
          res.end('{"details":"bad credentials"}');
          return true;
        }
        const scope = new URL(req.path, 'http://x').searchParams.get('scope');
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ token: `tok:${scope}`, expires_in: 300 }));
        return true;
      }
      if (req.headers.authorization !== 'Bearer tok:repository:fake/img:pull') {
        res.writeHead(401, { 'www-authenticate': `Bearer realm="http://${fake.host}/token",service="fake",scope="repository:fake/img:pull"`, 'content-type': 'application/json' });
        res.end('{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}');
        return true;
      }
      return false;
    };
    try {
      expectError(await tpod(['pull', `${fake.host}/fake/img:layers`], { env }), `${fake.host}/fake/img:layers`, 'the token service refused anonymous access (401)', `tpod login ${fake.host}`);
      await tpodOk(['login', '-u', ALICE.username, '-p', ALICE.password, fake.host], { env });
      tokenRequests.length = 0;
      const r = await tpodOk(['pull', `${fake.host}/fake/img:layers`], { env });
      expect(r.stdout).toMatch(/^[a-f0-9]{64}\n$/);
      expect(tokenRequests).toHaveLength(1);
      expect(tokenRequests[0]).toContain('scope=repository%3Afake%2Fimg%3Apull');
      expect(tokenRequests[0]).toContain('service=fake');
    } finally {
      fake.hook = undefined;
      await tpod(['logout', fake.host], { env });
    }
  });

  it('429 answers are retried with backoff (Retry-After honoured)', async () => {
    const env = t.env;
    await rmiAll(env);
    let left = 2;
    fake.hook = (req, res) => {
      if (req.kind === 'manifests' && left > 0) {
        left--;
        res.writeHead(429, { 'retry-after': '0', 'content-type': 'application/json' });
        res.end('{"errors":[{"code":"TOOMANYREQUESTS","message":"slow down"}]}');
        return true;
      }
      return false;
    };
    const r = await tpodOk(['pull', `${fake.host}/fake/img:busybox`], { env });
    fake.hook = undefined;
    expect(r.stderr).toMatch(/too many requests \(429\), retrying/);
    let always = 0;
    fake.hook = (req, res) => {
      if (req.kind !== 'manifests') return false;
      always++;
      res.writeHead(429, { 'retry-after': '0' });
      res.end();
      return true;
    };
    const gaveUp = await tpod(['pull', `${fake.host}/fake/img:layers`], { env });
    fake.hook = undefined;
    expectError(gaveUp, `${fake.host}/fake/img:layers`, 'too many requests (429)');
    expect(always).toBe(6);
  });

  it('a corrupted, a truncated and an oversized blob are refused; nothing half-stored', async () => {
    const env = t.env;
    await rmiAll(env);
    const img = `${fake.host}/fake/img:layers`;
    const manifest = JSON.parse(fake.tags.get('fake/img')!.get('layers')!.manifest.toString()) as { layers: Array<{ digest: string; size: number }> };
    const target = manifest.layers[1]!;
    const good = fake.blobs.get(target.digest)!;
    const serve = (body: Buffer, length = body.length, close = false) => (req: { kind?: string; ref?: string }, res: import('node:http').ServerResponse) => {
      if (req.kind !== 'blobs' || req.ref !== target.digest) return false;
      res.writeHead(200, { 'content-length': length });
      if (close) {
        // Headers and half the bytes arrive; then the connection drops.
        res.write(body, () => setTimeout(() => res.socket?.destroy(), 20));
      } else res.end(body);
      return true;
    };
    const corrupt = Buffer.from(good);
    corrupt[corrupt.length - 1] = corrupt[corrupt.length - 1]! ^ 0xff;
    fake.hook = serve(corrupt);
    expectError(await tpod(['pull', img], { env }), img, 'digest mismatch', target.digest);
    expectNoHalfState(env, 0);
    fake.hook = serve(good.subarray(0, good.length >> 1), good.length, true);
    expectError(await tpod(['pull', img], { env }), img, 'closed early');
    expectNoHalfState(env, 0);
    fake.hook = serve(good.subarray(0, good.length >> 1));
    expectError(await tpod(['pull', img], { env }), img, 'size mismatch');
    expectNoHalfState(env, 0);
    fake.hook = serve(Buffer.concat([good, Buffer.from('extra')]), good.length + 5);
    expectError(await tpod(['pull', img], { env }), img, /size mismatch|more than/);
    expectNoHalfState(env, 0);
    fake.hook = undefined;
    await tpodOk(['pull', '-q', img], { env });
    expectNoHalfState(env, 1);
  });

  it('malformed, oversized, schema 1 and unsupported manifests are refused with the reason', async () => {
    const env = t.env;
    const n = ls(join(storeDir(env), 'images')).length;
    const layerDigest = fake.addBlob(Buffer.from('x'));
    const cfg = fake.addBlob(Buffer.from('{"rootfs":{"type":"layers","diff_ids":[]}}'));
    fake.addManifest('bad/json', 'latest', Buffer.from('{"schemaVersion": 2, '), 'application/vnd.oci.image.manifest.v1+json');
    fake.addManifest('bad/big', 'latest', Buffer.alloc(5 * 1024 * 1024, 0x20), 'application/vnd.oci.image.manifest.v1+json');
    fake.addManifest('bad/schema1', 'latest', { schemaVersion: 1, name: 'bad/schema1', tag: 'latest', fsLayers: [] }, 'application/vnd.docker.distribution.manifest.v1+prettyjws');
    fake.addManifest('bad/media', 'latest', { schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: cfg, size: 43 }, layers: [{ mediaType: 'application/vnd.example.weird', digest: layerDigest, size: 1 }] });
    fake.addManifest('bad/artifact', 'latest', { schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { mediaType: 'application/vnd.cncf.helm.config.v1+json', digest: cfg, size: 43 }, layers: [] });
    fake.addManifest('bad/mtype', 'latest', { schemaVersion: 2, mediaType: 'application/vnd.example.manifest+json' }, 'application/vnd.example.manifest+json');
    const cases: Array<[string, RegExp]> = [
      ['bad/json', /invalid manifest: not JSON/],
      ['bad/big', /too large/],
      ['bad/schema1', /Docker schema 1 manifest format, which is deprecated and not supported/],
      ['bad/media', /unsupported layer media type "application\/vnd\.example\.weird"/],
      ['bad/artifact', /not a container image: its config has media type "application\/vnd\.cncf\.helm\.config\.v1\+json"/],
      ['bad/mtype', /unsupported manifest media type "application\/vnd\.example\.manifest\+json"/],
    ];
    for (const [repo, why] of cases) expectError(await tpod(['pull', `${fake.host}/${repo}`], { env }), `${fake.host}/${repo}:latest`, why);
    expectNoHalfState(env, n);
  });

  it('a registry answering 403 is reported as access denied', async () => {
    const env = t.env;
    fake.hook = (req, res) => {
      if (req.kind !== 'manifests') return false;
      res.writeHead(403, { 'content-type': 'application/json' });
      res.end('{"errors":[{"code":"DENIED","message":"requested access to the resource is denied"}]}');
      return true;
    };
    const r = await tpod(['pull', `${fake.host}/fake/img:busybox`], { env });
    fake.hook = undefined;
    expectError(r, `${fake.host}/fake/img:busybox`, 'access denied', 'requested access to the resource is denied');
  });

  it('a pull killed mid-way leaves no image; the next pull fetches only the missing layers', async () => {
    // A store of its own: layers left by the failure tests above must not count.
    const env = makeEnv('pull-kill');
    try {
      defaultConf(env);
      await killedPull(env);
    } finally {
      await cleanup(env);
    }
  });

  async function killedPull(env: TpodEnv): Promise<void> {
    const img = `${fake.host}/fake/img:layers`;
    const manifest = JSON.parse(fake.tags.get('fake/img')!.get('layers')!.manifest.toString()) as { layers: Array<{ digest: string }> };
    const stalled = manifest.layers[2]!.digest;
    fake.hook = (req, res) => {
      if (req.kind === 'blobs' && req.ref === stalled) {
        res.writeHead(200, { 'content-length': fake.blobs.get(stalled)!.length });
        return true; // never sends the body
      }
      return false;
    };
    const child = spawn(tpodBin(), ['pull', img], { env: env.vars, detached: true, stdio: 'ignore' });
    const layers = join(storeDir(env), 'layers');
    await until('the two layers that arrive', () => ls(layers).length >= 2);
    expect(ls(layers).length).toBe(2);
    process.kill(-child.pid!, 'SIGKILL');
    await new Promise((r) => child.once('exit', r));
    fake.hook = undefined;
    expect(ls(join(storeDir(env), 'images'))).toEqual([]);
    const from = fake.requests.length;
    const r = await tpodOk(['pull', img], { env });
    const fetched = fake.requests.slice(from).filter((q) => q.kind === 'blobs').map((q) => q.ref);
    expect(fetched.filter((d) => manifest.layers.some((l) => l.digest === d))).toEqual([stalled]);
    expect(r.stderr.match(/skipped: already exists/g)).toHaveLength(2);
    expectNoHalfState(env, 1);
  }

  it('run/create --pull: missing pulls, never refuses, always pulls again, bad policy is a usage error', async () => {
    const env = t.env;
    await rmiAll(env);
    const img = `${open.host}/library/busybox`;
    const never = await tpod(['run', '--rm', '--pull=never', img, 'true'], { env });
    expect(never.code).toBe(125);
    expect(never.stderr).toContain(`${img}: image not known`);
    const run = await tpod(['run', '--rm', img, 'echo', 'hello'], { env });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toBe('hello\n');
    expect(run.stderr).toContain(`Trying to pull ${img}:latest...`);
    const quiet = await tpodOk(['create', '--pull=always', '-q', img], { env });
    expect(quiet.stdout).toMatch(/^[a-f0-9]{64}\n$/);
    expect(quiet.stderr).toBe('');
    const missing = await tpod(['run', '--rm', `${open.host}/test/none`, 'true'], { env });
    expectError(missing, `${open.host}/test/none:latest`, 'manifest unknown');
    expect(missing.stderr.match(/^Error: /gm)).toHaveLength(1);
    expect((await tpod(['run', '--pull=sometimes', img, 'true'], { env })).stderr).toContain('invalid pull policy "sometimes"');
  });

  it('push: layers rebuilt exactly (same image ID), readable by skopeo, pulled back; blobs the registry has are not sent again; mounts between repositories', async () => {
    const env = t.env;
    defaultConf(env);
    const src = `${open.host}/test/layers`;
    const id = (await tpodOk(['pull', '-q', src], { env })).stdout.trim();
    const dest = `${open.host}/pushed/layers:v1`;
    const r = await tpodOk(['push', src, dest], { env });
    expect(r.stdout).toBe('');
    expect(r.stderr.match(/^Copying blob sha256:[a-f0-9]{64}$/gm)).toHaveLength(3);
    expect(r.stderr).toContain('Writing manifest to image destination');
    const raw = spawnSync('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${dest}`], { encoding: 'utf8' });
    const m = JSON.parse(raw.stdout) as { mediaType: string; config: { digest: string }; layers: Array<{ mediaType: string }> };
    expect(m.mediaType).toBe('application/vnd.oci.image.manifest.v1+json');
    expect(m.config.digest).toBe(`sha256:${id}`);
    expect(m.layers.map((l) => l.mediaType)).toEqual(Array(3).fill('application/vnd.oci.image.layer.v1.tar+gzip'));
    // An independent client checks every blob digest.
    const copy = spawnSync('skopeo', ['copy', '-q', '--src-tls-verify=false', `docker://${dest}`, `oci:${join(env.base, 'pushed-copy')}:x`], { encoding: 'utf8' });
    expect(copy.status, copy.stderr).toBe(0);
    const again = await tpodOk(['push', src, dest], { env });
    expect(again.stderr.match(/skipped: already exists/g)).toHaveLength(3);
    // Pulled back into an empty store: the rebuilt layers hash to the config's diff IDs.
    await rmiAll(env);
    expect((await tpodOk(['pull', '-q', dest], { env })).stdout.trim()).toBe(id);
    expect((await tpodOk(['run', '--rm', dest, 'ls', '/data'], { env })).stdout).toBe('keep.txt\n');
    // Another repository of the same registry: mounted, not uploaded.
    const mounted = await tpodOk(['push', dest, `${open.host}/pushed/other:v1`], { env });
    expect(mounted.stderr.match(/skipped: already exists/g)).toHaveLength(3);
    expect(mounted.stderr).not.toMatch(/^Copying blob sha256:/m);
  });

  it('push: zstd layers, Docker schema 2, refusals, credentials', async () => {
    const env = t.env;
    const src = `${open.host}/test/layers`;
    await tpodOk(['pull', '-q', src], { env });
    await tpodOk(['push', '-q', '--compression-format', 'zstd', src, `${open.host}/pushed/zstd:v1`], { env });
    const z = JSON.parse(spawnSync('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${open.host}/pushed/zstd:v1`], { encoding: 'utf8' }).stdout) as { layers: Array<{ mediaType: string }> };
    expect(z.layers.map((l) => l.mediaType)).toEqual(Array(3).fill('application/vnd.oci.image.layer.v1.tar+zstd'));
    await tpodOk(['push', '-q', '--format', 'v2s2', src, `${open.host}/pushed/v2:v1`], { env });
    const d = JSON.parse(spawnSync('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${open.host}/pushed/v2:v1`], { encoding: 'utf8' }).stdout) as { mediaType: string };
    expect(d.mediaType).toBe('application/vnd.docker.distribution.manifest.v2+json');
    expect((await tpod(['push', '--format', 'v2s2', '--compression-format', 'zstd', src, `${open.host}/x/y`], { env })).stderr).toContain('Docker schema 2 has gzip layers only');
    expect((await tpod(['push', '--format', 'v2s1', src, `${open.host}/x/y`], { env })).stderr).toContain('schema 1 format is deprecated');
    expectError(await tpod(['push', 'no-such-image', `${open.host}/x/y`], { env }), 'no-such-image: image not known');
    const target = `${authed.host}/pushed/layers:v1`;
    expectError(await tpod(['push', src, target], { env }), target, 'unauthorized');
    await tpodOk(['push', '-q', '--creds', `${ALICE.username}:${ALICE.password}`, src, target], { env });
    const inspect = spawnSync('skopeo', ['inspect', '--tls-verify=false', '--creds', `${ALICE.username}:${ALICE.password}`, `docker://${target}`], { encoding: 'utf8' });
    expect(inspect.status, inspect.stderr).toBe(0);
  });

  it('TLS: an unknown CA is refused; certs.d, TPOD_EXTRA_CA_CERTS or --tls-verify=false make it work', async () => {
    const env = t.env;
    const tls = await startRegistry({ tls: true });
    try {
      skopeoCopy(`oci-archive:${fx.busyboxOci}`, `${tls.host}/library/busybox:latest`);
      registriesConf(env, '');
      const img = `${tls.host}/library/busybox`;
      expectError(await tpod(['pull', img], { env }), img, 'TLS certificate not trusted');
      const caFile = join(env.base, 'ca.pem');
      writeFileSync(caFile, tls.caPem!);
      // The user's NODE_EXTRA_CA_CERTS (the launcher hands it on as TPOD_EXTRA_CA_CERTS).
      await tpodOk(['pull', '-q', img], { env, extraEnv: { NODE_EXTRA_CA_CERTS: caFile } });
      await tpodOk(['pull', '-q', '--tls-verify=false', img], { env });
      const certsd = join(env.configHome, 'containers', 'certs.d', tls.host);
      mkdirSync(certsd, { recursive: true });
      writeFileSync(join(certsd, 'ca.crt'), tls.caPem!);
      await tpodOk(['pull', '-q', img], { env });
      expect(existsSync(join(certsd, 'ca.crt'))).toBe(true);
    } finally {
      defaultConf(env);
      await tls.stop();
    }
  });
});
