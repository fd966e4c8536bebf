// The image endpoints, POST /build and GET /system/df through the real docker CLI and
// dockerode, against a real CNCF registry on loopback populated by skopeo: pull with
// Docker's progress lines, tag, push, inspect, history, rmi (409 while a container
// uses the image), save | load, prune, a classic build, df; and the guarantees: a
// build context cannot write outside its work dir, a client that goes away mid-pull
// leaves no half image.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { Readable } from 'node:stream';
import { join } from 'node:path';
import Docker from 'dockerode';
import { describeE2E, run, tpod, tpodOk, until, useEnv, type TpodEnv } from './harness.js';
import { apiRequest, docker, dockerCli, useService } from './api-harness.js';
import { imageFixtures, type ImageFixtures } from './fixtures.js';
import { skopeoCopy, startRegistry, type RealRegistry } from './registry.js';

let fx: ImageFixtures;
let reg: RealRegistry;
let authed: RealRegistry;
const ALICE = { username: 'alice', password: 'pa55:word!' };

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

/** Every image directory has its record, and tmp holds nothing but lock files. */
function expectWholeStore(env: TpodEnv): void {
  const root = storeDir(env);
  for (const id of ls(join(root, 'images'))) expect(existsSync(join(root, 'images', id, 'image.json'))).toBe(true);
  expect(ls(join(root, 'tmp')).filter((n) => !n.endsWith('.lock'))).toEqual([]);
}

/** Lines of a streamed JSON answer. */
function messages(body: string): Array<Record<string, unknown>> {
  return body.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** A ustar archive of (name, content) files, as GNU tar writes them (no external tool needed). */
function tarOf(files: Array<[string, string]>): Buffer {
  const blocks: Buffer[] = [];
  for (const [name, content] of files) {
    const h = Buffer.alloc(512);
    h.write(name, 0, 100);
    h.write('0000644\0', 100);
    h.write('0001750\0', 108);
    h.write('0001750\0', 116);
    h.write(`${Buffer.byteLength(content).toString(8).padStart(11, '0')}\0`, 124);
    h.write(`${Math.floor(Date.now() / 1000).toString(8).padStart(11, '0')}\0`, 136);
    h.write('        ', 148);
    h.write('0', 156);
    h.write('ustar\x0000', 257);
    let sum = 0;
    for (const b of h) sum += b;
    h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
    const body = Buffer.alloc(Math.ceil(Buffer.byteLength(content) / 512) * 512);
    body.write(content);
    blocks.push(h, body);
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

describeE2E('api: images', () => {
  const t = useEnv('api-images');
  const s = useService(() => t.env);
  const d = (args: string[], extraEnv: NodeJS.ProcessEnv = {}, cwd?: string) => docker(s.service, args, { env: t.env, timeout: 180_000, extraEnv, ...(cwd ? { cwd } : {}) });

  beforeAll(async () => {
    fx = imageFixtures();
    [reg, authed] = await Promise.all([startRegistry(), startRegistry({ auth: ALICE })]);
    skopeoCopy(`oci-archive:${fx.busyboxOci}`, `${reg.host}/library/busybox:latest`);
    skopeoCopy(`oci-archive:${fx.busyboxOci}`, `${authed.host}/private/busybox:latest`, { creds: ALICE });
    skopeoCopy(`oci-archive:${fx.busyboxOci}`, `${authed.host}/private/base:1`, { creds: ALICE });
    mkdirSync(join(t.env.configHome, 'containers'), { recursive: true, mode: 0o700 });
    writeFileSync(join(t.env.configHome, 'containers', 'registries.conf'), [reg.host, authed.host].map((h) => `[[registry]]\nlocation = "${h}"\ninsecure = true\n`).join(''));
    // docker.io/library/busybox:latest, for FROM busybox.
    await tpodOk(['load', '-i', fx.busyboxDocker], { env: t.env });
  }, 120_000);

  afterAll(async () => {
    await Promise.all([reg?.stop(), authed?.stop()]);
  });

  it('docker pull streams Docker progress and ends with the digest and status', async () => {
    const name = `${reg.host}/library/busybox`;
    const r = await d(['pull', name]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('latest: Pulling from library/busybox');
    expect(r.stdout).toMatch(/Digest: sha256:[a-f0-9]{64}/);
    expect(r.stdout).toMatch(/Status: (Downloaded newer image|Image is up to date) for /);
    expect(r.stdout.trim().split('\n').pop()).toBe(`${name}:latest`);
    const again = await d(['pull', name]);
    expect(again.stdout).toContain(`Status: Image is up to date for ${name}:latest`);
    const ls = await tpodOk(['images', '--format', '{{.Repository}}:{{.Tag}}'], { env: t.env });
    expect(ls.stdout).toContain(`${name}:latest`);
  });

  it('docker pull of an image the registry lacks fails with a 404 the CLI shows', async () => {
    const r = await d(['pull', `${reg.host}/library/nothing-here:1`]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/Error response from daemon: .*(manifest unknown|not found)/i);
    const raw = await apiRequest(s.service.socket, 'POST', `/v1.41/images/create?fromImage=${encodeURIComponent(`${reg.host}/library/nothing-here`)}&tag=1`);
    expect(raw.status).toBe(404);
    expect(raw.json()).toHaveProperty('message');
  });

  it('docker images and docker image inspect show Docker shapes', async () => {
    const r = await d(['images', '--format', '{{.Repository}}:{{.Tag}} {{.ID}}']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^busybox:latest [a-f0-9]{12}$/m);
    expect(r.stdout).toContain(`${reg.host}/library/busybox:latest`);
    const list = (await apiRequest(s.service.socket, 'GET', '/v1.41/images/json')).json() as Array<Record<string, unknown>>;
    const bb = list.find((i) => (i.RepoTags as string[]).includes('docker.io/library/busybox:latest'))!;
    expect(bb.Id).toMatch(/^sha256:[a-f0-9]{64}$/);
    expect(bb.SharedSize).toBe(-1);
    expect(typeof bb.Created).toBe('number');
    const filtered = (await apiRequest(s.service.socket, 'GET', `/v1.41/images/json?filters=${encodeURIComponent(JSON.stringify({ reference: ['busybox'] }))}`)).json() as Array<{ RepoTags: string[] }>;
    expect(filtered.flatMap((i) => i.RepoTags)).toContain('docker.io/library/busybox:latest');
    const ins = await d(['image', 'inspect', '--format', '{{.Id}} {{.Os}} {{.RootFS.Type}} {{len .RootFS.Layers}} {{json .Config.Cmd}}', `${reg.host}/library/busybox`]);
    expect(ins.code).toBe(0);
    expect(ins.stdout.trim()).toMatch(/^sha256:[a-f0-9]{64} linux layers 1 \["sh"\]$/);
    const missing = await d(['image', 'inspect', 'no-such-image']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/No such image|not known/i);
  });

  it('docker history lists the config history, newest first', async () => {
    const r = await d(['history', '--format', '{{.ID}} {{.Size}}', 'busybox']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^[a-f0-9]{12} /);
    expect(lines.length).toBeGreaterThan(0);
  });

  it('docker tag and docker push to the loopback registry (insecure in registries.conf)', async () => {
    const target = `${reg.host}/test/tagged:v1`;
    expect((await d(['tag', 'busybox', target])).code).toBe(0);
    const pushed = await d(['push', target]);
    expect(pushed.stderr).toBe('');
    expect(pushed.code).toBe(0);
    expect(pushed.stdout).toContain(`The push refers to repository [${reg.host}/test/tagged]`);
    expect(pushed.stdout).toMatch(/v1: digest: sha256:[a-f0-9]{64}/);
    const inspect = spawnSync('skopeo', ['inspect', '--tls-verify=false', `docker://${target}`], { encoding: 'utf8' });
    expect(inspect.status).toBe(0);
    const status = await apiRequest(s.service.socket, 'POST', `/v1.41/images/busybox/tag?repo=${encodeURIComponent(`${reg.host}/test/tagged`)}&tag=v2`);
    expect(status.status).toBe(201);
  });

  it('docker rmi untags, deletes, and refuses with 409 while a container uses the image', async () => {
    await d(['tag', 'busybox', 'rmi-me:1']);
    const untag = await d(['rmi', 'rmi-me:1']);
    expect(untag.code).toBe(0);
    expect(untag.stdout).toContain('Untagged: docker.io/library/rmi-me:1');
    expect(untag.stdout).not.toContain('Deleted');
    const ctx = join(t.env.base, 'rmi-ctx');
    mkdirSync(ctx, { recursive: true });
    writeFileSync(join(ctx, 'Dockerfile'), 'FROM busybox\nLABEL purpose=rmi\n');
    expect((await d(['build', '-q', '-t', 'used-image', '.'], {}, ctx)).code).toBe(0);
    await tpodOk(['create', '--name', 'user-of-image', 'docker.io/library/used-image', 'true'], { env: t.env });
    const refused = await apiRequest(s.service.socket, 'DELETE', '/v1.41/images/used-image');
    expect(refused.status).toBe(409);
    const cli = await d(['rmi', 'used-image']);
    expect(cli.code).toBe(1);
    expect(cli.stderr).toContain('Error response from daemon');
    await tpodOk(['rm', 'user-of-image'], { env: t.env });
    const gone = await d(['rmi', 'used-image']);
    expect(gone.code).toBe(0);
    expect(gone.stdout).toMatch(/Deleted: sha256:[a-f0-9]{64}/);
    const nothing = await apiRequest(s.service.socket, 'DELETE', '/v1.41/images/used-image');
    expect(nothing.status).toBe(404);
    expectWholeStore(t.env);
  });

  it('docker save | docker load gives the same image back', async () => {
    const before = (await d(['image', 'inspect', '--format', '{{.Id}}', `${reg.host}/test/tagged:v1`])).stdout.trim();
    const r = await run('sh', ['-c', `"$DOCKER" save ${reg.host}/test/tagged:v1 | "$DOCKER" load`], {
      env: t.env,
      timeout: 120_000,
      extraEnv: { DOCKER: dockerCli(), DOCKER_HOST: s.service.dockerHost, DOCKER_CONFIG: join(t.env.home, '.docker') },
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Loaded image: ${reg.host}/test/tagged:v1`);
    const after = (await d(['image', 'inspect', '--format', '{{.Id}}', `${reg.host}/test/tagged:v1`])).stdout.trim();
    expect(after).toBe(before);
    const many = await apiRequest(s.service.socket, 'GET', `/v1.41/images/get?names=busybox&names=${encodeURIComponent(`${reg.host}/library/busybox`)}`);
    expect(many.status).toBe(200);
    expect(many.headers['content-type']).toBe('application/x-tar');
  });

  it('docker build -t x . builds FROM the fixture with RUN and COPY (classic builder)', async () => {
    const ctx = join(t.env.base, 'build-ctx');
    mkdirSync(ctx, { recursive: true });
    writeFileSync(join(ctx, 'Dockerfile'), 'FROM busybox\nRUN echo built-by-run > /hi\nCOPY f.txt /f.txt\n');
    writeFileSync(join(ctx, 'f.txt'), 'copied-file\n');
    const r = await d(['build', '-t', 'x', '.'], {}, ctx);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Successfully built [a-f0-9]{12}/);
    expect(r.stdout).toContain('Successfully tagged x:latest');
    const out = await tpodOk(['run', '--rm', 'docker.io/library/x', 'cat', '/hi', '/f.txt'], { env: t.env });
    expect(out.stdout).toBe('built-by-run\ncopied-file\n');
    // DOCKER_BUILDKIT=0 takes the same path.
    const quiet = await d(['build', '-q', '-t', 'x:quiet', '.'], { DOCKER_BUILDKIT: '0' }, ctx);
    expect(quiet.code).toBe(0);
    expect(quiet.stdout.trim()).toMatch(/^sha256:[a-f0-9]{64}$/);
    expectWholeStore(t.env);
  });

  it('a failing RUN ends the build with the error the CLI prints', async () => {
    const ctx = join(t.env.base, 'fail-ctx');
    mkdirSync(ctx, { recursive: true });
    writeFileSync(join(ctx, 'Dockerfile'), 'FROM busybox\nRUN exit 3\n');
    const r = await d(['build', '-t', 'broken', '.'], {}, ctx);
    // As Docker's legacy builder: the CLI exits with the RUN's own code.
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('exit 3');
    expectWholeStore(t.env);
  });

  it('a build context cannot write outside its work dir (../ and absolute names)', async () => {
    const body = tarOf([
      ['Dockerfile', 'FROM busybox\nCOPY . /ctx/\n'],
      ['../../../../escaped-by-dotdot', 'x'],
      ['/escaped-by-absolute', 'x'],
    ]);
    const res = await apiRequest(s.service.socket, 'POST', '/v1.41/build?t=confined', body, { 'Content-Type': 'application/x-tar' });
    expect(res.status).toBe(200);
    const found = spawnSync('find', [t.env.base, '/tmp', '-maxdepth', '6', '-name', 'escaped-by-*'], { encoding: 'utf8' });
    expect(found.stdout.split('\n').filter((l) => l !== '' && !l.includes('/tpod-helper-') && !l.includes('/images/') && !l.includes('/layers/'))).toEqual([]);
    expectWholeStore(t.env);
  });

  it('docker image prune -f removes dangling images', async () => {
    const ctx = join(t.env.base, 'prune-ctx');
    mkdirSync(ctx, { recursive: true });
    writeFileSync(join(ctx, 'Dockerfile'), 'FROM busybox\nLABEL dangling=soon\n');
    const id = (await d(['build', '-q', '-t', 'dangler', '.'], {}, ctx)).stdout.trim();
    expect(id).toMatch(/^sha256:/);
    await tpodOk(['untag', 'docker.io/library/dangler'], { env: t.env });
    const dangling = (await apiRequest(s.service.socket, 'GET', `/v1.41/images/json?filters=${encodeURIComponent('{"dangling":["true"]}')}`)).json() as Array<{ Id: string; RepoTags: string[] }>;
    expect(dangling.find((i) => i.Id === id)?.RepoTags).toEqual(['<none>:<none>']);
    const r = await d(['image', 'prune', '-f']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`deleted: ${id}`);
    expect(r.stdout).toContain('Total reclaimed space');
    expect((await tpod(['image', 'exists', id.slice(7)], { env: t.env })).code).toBe(1);
  });

  it('docker system df reports images, containers, volumes and the build cache', async () => {
    const r = await d(['system', 'df']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Images\s+\d+\s+\d+/m);
    expect(r.stdout).toMatch(/^Build Cache\s+0/m);
    const raw = (await apiRequest(s.service.socket, 'GET', '/v1.41/system/df')).json() as Record<string, unknown>;
    expect(Array.isArray(raw.Images)).toBe(true);
    expect(raw.BuildCache).toEqual([]);
    expect(typeof raw.LayersSize).toBe('number');
  });

  it('dockerode pulls with progress events', async () => {
    const name = `${reg.host}/test/tagged:v1`;
    await d(['rmi', '-f', name]);
    const dk = new Docker({ socketPath: s.service.socket });
    const stream = await dk.pull(name);
    const events: Array<{ status?: string; id?: string }> = [];
    await new Promise<void>((resolve, reject) => dk.modem.followProgress(stream, (err: Error | null) => (err ? reject(err) : resolve()), (e: { status?: string }) => events.push(e)));
    const statuses = events.map((e) => e.status ?? '');
    expect(statuses).toContain('Pulling from test/tagged');
    expect(statuses.some((x) => x === 'Already exists' || x === 'Pull complete')).toBe(true);
    expect(statuses.some((x) => x.startsWith('Digest: sha256:'))).toBe(true);
    expect(statuses[statuses.length - 1]).toContain(`for ${name}`);
    const img = await dk.getImage(name).inspect();
    expect(img.RepoTags).toContain(name);
  });

  it('dockerode passes X-Registry-Auth credentials to the registry', async () => {
    const name = `${authed.host}/private/busybox:latest`;
    const dk = new Docker({ socketPath: s.service.socket });
    const denied = await apiRequest(s.service.socket, 'POST', `/v1.41/images/create?fromImage=${encodeURIComponent(name)}`);
    expect(denied.status).not.toBe(200);
    const stream = await dk.pull(name, { authconfig: { ...ALICE, serveraddress: authed.host } });
    const events: Array<{ status?: string; error?: string }> = [];
    await new Promise<void>((resolve, reject) => dk.modem.followProgress(stream, (err: Error | null) => (err ? reject(err) : resolve()), (e: { status?: string }) => events.push(e)));
    expect(events.filter((e) => e.error)).toEqual([]);
    expect(events[events.length - 1]?.status).toContain(`for ${name}`);
  });

  it('dockerode buildImage builds a tar context as testcontainers sends it', async () => {
    const dk = new Docker({ socketPath: s.service.socket });
    const body = tarOf([['Dockerfile', 'FROM busybox\nARG WHO=nobody\nRUN echo $WHO > /who\n']]);
    const stream = await dk.buildImage(Readable.from([body]), { t: 'dk-built:1', buildargs: { WHO: 'dockerode' } });
    const events: Array<{ stream?: string; aux?: { ID: string }; error?: string }> = [];
    await new Promise<void>((resolve, reject) => dk.modem.followProgress(stream, (err: Error | null) => (err ? reject(err) : resolve()), (e: { stream?: string }) => events.push(e)));
    expect(events.filter((e) => e.error)).toEqual([]);
    const id = events.find((e) => e.aux)?.aux?.ID;
    expect(id).toMatch(/^sha256:[a-f0-9]{64}$/);
    const img = await dk.getImage('dk-built:1').inspect();
    expect(img.Id).toBe(id);
    const out = await tpodOk(['run', '--rm', 'docker.io/library/dk-built:1', 'cat', '/who'], { env: t.env });
    expect(out.stdout).toBe('dockerode\n');
  });

  it('a build pulls its FROM image with X-Registry-Config credentials', async () => {
    const dk = new Docker({ socketPath: s.service.socket });
    const body = tarOf([['Dockerfile', `FROM ${authed.host}/private/base:1\nRUN echo from-private > /p\n`]]);
    const stream = await dk.buildImage(Readable.from([body]), { t: 'from-private:1', registryconfig: { [authed.host]: { ...ALICE } } });
    const events: Array<{ stream?: string; error?: string }> = [];
    await new Promise<void>((resolve, reject) => dk.modem.followProgress(stream, (err: Error | null) => (err ? reject(err) : resolve()), (e: { stream?: string }) => events.push(e)));
    expect(events.filter((e) => e.error)).toEqual([]);
    expect(events.map((e) => e.stream ?? '').join('')).toContain('Successfully tagged from-private:1');
  });

  it('docker import makes an image from a rootfs tarball (fromSrc)', async () => {
    const r = await d(['import', '--change', 'CMD ["sh"]', fx.rootfs, 'imported:1']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toMatch(/^sha256:[a-f0-9]{64}$/);
    const cmd = await d(['image', 'inspect', '--format', '{{json .Config.Cmd}}', 'imported:1']);
    expect(cmd.stdout.trim()).toBe('["sh"]');
  });

  it('a client that goes away mid-pull leaves no half-written image', async () => {
    const name = `${reg.host}/test/dropped`;
    skopeoCopy(`oci-archive:${fx.layersOci}`, `${name}:latest`);
    await new Promise<void>((resolve) => {
      const req = request({ socketPath: s.service.socket, method: 'POST', path: `/v1.41/images/create?fromImage=${encodeURIComponent(name)}&tag=latest` }, (res) => {
        // Gone at the first progress line.
        res.once('data', () => {
          req.destroy();
          resolve();
        });
        res.once('end', () => resolve());
      });
      req.on('error', () => resolve());
      req.end();
    });
    // The pull ends on its own: then the store has the whole image or none, and no work dir.
    await until('the dropped pull has ended', () => ls(join(storeDir(t.env), 'tmp')).filter((n) => !n.endsWith('.lock')).length === 0, 60_000);
    expectWholeStore(t.env);
    const listed = (await apiRequest(s.service.socket, 'GET', '/v1.41/images/json')).json() as Array<{ RepoTags: string[]; Id: string }>;
    const got = listed.find((i) => i.RepoTags.includes(`${name}:latest`));
    if (got) {
      const ins = (await apiRequest(s.service.socket, 'GET', `/v1.41/images/${name}:latest/json`)).json() as { RootFS: { Layers: string[] } };
      expect(ins.RootFS.Layers.length).toBe(3);
    }
    // And a pull after it completes the image.
    expect((await d(['pull', name])).code).toBe(0);
  });

  it('docker search looks through a named registry\'s catalog, and says Docker Hub is not searched', async () => {
    const r = await d(['search', '--format', '{{.Name}}', `${reg.host}/busy`]);
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n')).toContain(`${reg.host}/library/busybox`);
    const hub = await apiRequest(s.service.socket, 'GET', '/v1.41/images/search?term=busybox');
    expect(hub.status).toBe(501);
    expect((hub.json() as { message: string }).message).toMatch(/Docker Hub/);
  });
});
