// The remaining engine-backed Docker endpoints through the real docker CLI: commit,
// export, diff (changes), login (/auth against a real htpasswd registry on loopback),
// distribution inspect and build cache prune.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { busyboxImage, describeE2E, run, tpodOk, until, useEnv } from './harness.js';
import { apiRequest, docker, dockerCli, useService } from './api-harness.js';
import { imageFixtures } from './fixtures.js';
import { skopeoCopy, startRegistry, type RealRegistry } from './registry.js';

const ALICE = { username: 'alice', password: 'pa55:word!' };

describeE2E('api: commit, export, diff, auth, distribution', () => {
  const t = useEnv('api-extra');
  const s = useService(() => t.env);
  const dk = (args: string[]) => docker(s.service, args, { env: t.env, timeout: 120_000 });
  const api = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => apiRequest(s.service.socket, method, path, body, headers);
  let authed: RealRegistry;

  beforeAll(async () => {
    const image = await busyboxImage(t.env);
    // Modifies /etc/passwd, adds /data/greeting, deletes /bin/ls.
    const c = await dk(['run', '--name', 'src', image, 'sh', '-c', 'echo extra:x:5:5::/:/bin/sh >> /etc/passwd && mkdir /data && echo hello > /data/greeting && rm /bin/ls']);
    expect(c.stderr).toBe('');
    expect(c.code).toBe(0);
    authed = await startRegistry({ auth: ALICE });
    skopeoCopy(`oci-archive:${imageFixtures().busyboxOci}`, `${authed.host}/private/busybox:latest`, { creds: ALICE });
    mkdirSync(join(t.env.configHome, 'containers'), { recursive: true, mode: 0o700 });
    writeFileSync(join(t.env.configHome, 'containers', 'registries.conf'), `[[registry]]\nlocation = "${authed.host}"\ninsecure = true\n`);
  }, 180_000);

  afterAll(async () => {
    await authed?.stop();
  });

  it('docker diff lists C/A/D as tpod diff does; /changes gives Kinds 0/1/2', async () => {
    const r = await dk(['diff', 'src']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    for (const l of ['C /etc', 'C /etc/passwd', 'A /data', 'A /data/greeting', 'D /bin/ls']) expect(lines).toContain(l);
    const raw = await api('GET', '/v1.41/containers/src/changes');
    expect(raw.status).toBe(200);
    const changes = raw.json() as Array<{ Path: string; Kind: number }>;
    expect(changes).toContainEqual({ Path: '/etc/passwd', Kind: 0 });
    expect(changes).toContainEqual({ Path: '/data/greeting', Kind: 1 });
    expect(changes).toContainEqual({ Path: '/bin/ls', Kind: 2 });
    const tp = await tpodOk(['diff', 'src'], { env: t.env });
    expect(tp.stdout.trim().split('\n').sort()).toEqual([...lines].sort());
    expect((await api('GET', '/v1.41/containers/no-such/changes')).status).toBe(404);
  });

  it('docker export > file writes the container filesystem as a tar', async () => {
    const tar = join(t.env.home, 'src.tar');
    const r = await run('sh', ['-c', `"${dockerCli()}" export src > "${tar}"`], { env: t.env, extraEnv: { DOCKER_HOST: s.service.dockerHost, DOCKER_CONFIG: join(t.env.home, '.docker') }, timeout: 120_000 });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const list = await run('tar', ['-tf', tar], { env: t.env });
    expect(list.code).toBe(0);
    const names = list.stdout.split('\n').map((n) => n.replace(/^\.?\//, '').replace(/\/$/, ''));
    expect(names).toContain('data/greeting');
    expect(names).toContain('bin/sh');
    expect(names).not.toContain('bin/ls');
    const member = list.stdout.split('\n').find((n) => n.endsWith('data/greeting'))!;
    const content = await run('tar', ['-xOf', tar, member], { env: t.env });
    expect(content.stdout).toBe('hello\n');
    const missing = await dk(['export', '-o', join(t.env.home, 'none.tar'), 'no-such']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no such container/i);
  });

  it('a client that goes away mid-export leaves no mount or work dir behind', async () => {
    await new Promise<void>((resolve, reject) => {
      const req = request({ socketPath: s.service.socket, method: 'GET', path: '/v1.41/containers/src/export' }, (res) => {
        expect(res.statusCode).toBe(200);
        res.once('data', () => {
          req.destroy();
          resolve();
        });
        res.once('end', resolve);
      });
      req.on('error', (e) => (req.destroyed ? resolve() : reject(e)));
      req.end();
    });
    const tmp = join(t.env.dataHome, 'tpod', 'tmp');
    await until('the export work dir to go', () => {
      try {
        return readdirSync(tmp).filter((n) => !n.endsWith('.lock')).length === 0;
      } catch {
        return true;
      }
    });
    const again = await api('GET', '/v1.41/containers/src/export');
    expect(again.status).toBe(200);
    expect(again.headers['content-type']).toBe('application/x-tar');
  });

  it('docker commit without a name makes a dangling image; docker diff of an untouched container prints nothing', async () => {
    const r = await dk(['commit', 'src']);
    expect(r.code).toBe(0);
    const id = r.stdout.trim().replace(/^sha256:/, '');
    const dangling = await tpodOk(['images', '--filter', 'dangling=true', '--no-trunc', '--format', '{{.ID}}'], { env: t.env });
    expect(dangling.stdout).toContain(id);
    expect((await dk(['create', '--name', 'untouched', await busyboxImage(t.env), 'true'])).code).toBe(0);
    const d = await dk(['diff', 'untouched']);
    expect(d.code).toBe(0);
    expect(d.stdout).toBe('');
  });

  it('docker commit makes an image of the changes, with -c, -m, -a; its run sees them', async () => {
    const r = await dk(['commit', '-c', 'CMD ["cat", "/data/greeting"]', '-c', 'ENV COMMITTED=yes', '-m', 'a message', '-a', 'Ann <ann@example.com>', 'src', 'localhost/committed:v1']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toMatch(/^sha256:[a-f0-9]{64}$/);
    const out = await dk(['run', '--rm', 'localhost/committed:v1']);
    expect(out.stdout).toBe('hello\n');
    const ins = await dk(['image', 'inspect', '--format', '{{.Id}}|{{.Author}}|{{json .Config.Cmd}}|{{range .Config.Env}}{{.}},{{end}}', 'localhost/committed:v1']);
    const [id, author, cmd, env] = ins.stdout.trim().split('|');
    expect(id).toBe(r.stdout.trim());
    expect(author).toBe('Ann <ann@example.com>');
    expect(cmd).toBe('["cat","/data/greeting"]');
    expect(env).toContain('COMMITTED=yes');
    const hist = await tpodOk(['history', '--format', '{{.Comment}}', 'localhost/committed:v1'], { env: t.env });
    expect(hist.stdout).toContain('a message');
    const ls = await tpodOk(['images', '--format', '{{.Repository}}:{{.Tag}}'], { env: t.env });
    expect(ls.stdout).toContain('localhost/committed:v1');
    // No tag: latest; a body Config is merged over the container's.
    const viaApi = await api('POST', '/v1.41/commit?container=src&repo=localhost/committed', { Cmd: ['cat', '/etc/passwd'], Labels: { from: 'api' } });
    expect(viaApi.status).toBe(201);
    expect((viaApi.json() as { Id: string }).Id).toMatch(/^sha256:[a-f0-9]{64}$/);
    const lbl = await dk(['image', 'inspect', '--format', '{{.Config.Labels.from}} {{json .Config.Cmd}}', 'localhost/committed:latest']);
    expect(lbl.stdout.trim()).toBe('api ["cat","/etc/passwd"]');
    const missing = await dk(['commit', 'no-such', 'localhost/x:1']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no such container/i);
    expect((await api('POST', '/v1.41/commit?container=src&repo=Bad%20Name')).status).toBe(400);
  });

  it('docker login checks the credentials with the registry: Login Succeeded, or the 401', async () => {
    const ok = await dk(['login', '-u', ALICE.username, '-p', ALICE.password, authed.host]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('Login Succeeded');
    const bad = await dk(['login', '-u', ALICE.username, '-p', 'wrong', authed.host]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/Error response from daemon: .*invalid username\/password/);
    const raw = await api('POST', '/v1.41/auth', { username: 'alice', password: 'nope', serveraddress: authed.host });
    expect(raw.status).toBe(401);
    expect((raw.json() as { message: string }).message).toMatch(/invalid username\/password/);
    const good = await api('POST', '/v1.41/auth', { ...ALICE, serveraddress: `http://${authed.host}/v2/` });
    expect(good.status).toBe(200);
    expect(good.json()).toEqual({ Status: 'Login Succeeded', IdentityToken: '' });
  });

  it('GET /distribution/{name}/json describes the manifest the registry serves, with credentials', async () => {
    const auth = Buffer.from(JSON.stringify({ ...ALICE, serveraddress: authed.host })).toString('base64');
    const r = await api('GET', `/v1.41/distribution/${authed.host}/private/busybox:latest/json`, undefined, { 'X-Registry-Auth': auth });
    expect(r.status).toBe(200);
    const d = r.json() as { Descriptor: { mediaType: string; digest: string; size: number }; Platforms: Array<{ os: string }> };
    expect(d.Descriptor.digest).toMatch(/^sha256:[a-f0-9]{64}$/);
    expect(d.Descriptor.mediaType).toMatch(/manifest|index/);
    expect(d.Descriptor.size).toBeGreaterThan(0);
    expect(d.Platforms.map((p) => p.os)).toContain('linux');
    const none = await api('GET', `/v1.41/distribution/${authed.host}/private/nothing:1/json`, undefined, { 'X-Registry-Auth': auth });
    expect(none.status).toBeGreaterThanOrEqual(400);
    expect(none.json()).toHaveProperty('message');
  });

  it('POST /build/prune frees nothing: tpod has no build cache apart from images', async () => {
    const r = await api('POST', '/v1.41/build/prune');
    expect(r.status).toBe(200);
    expect(r.json()).toEqual({ CachesDeleted: [], SpaceReclaimed: 0 });
  });
});
