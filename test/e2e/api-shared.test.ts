// One engine behind two faces: twenty API clients at once keep the store consistent
// with what the CLI sees, and the socket mounted into a container (the pattern of
// testcontainers' Ryuk and CI runners) drives the engine from inside.
import { expect, it } from 'vitest';
import { existsSync, realpathSync } from 'node:fs';
import Docker from 'dockerode';
import { busyboxImage, describeE2E, tpod, tpodOk, useEnv } from './harness.js';
import { docker, useService } from './api-harness.js';

describeE2E('api: one engine, shared state', () => {
  const t = useEnv('api-shared');
  const s = useService(() => t.env);

  it('docker run --rm: output on the right streams, the exit code back (Podman 4.3.1 gives 0 here), nothing left', async () => {
    const image = await busyboxImage(t.env);
    const r = await docker(s.service, ['run', '--rm', '--name', 'rm-three', image, 'sh', '-c', 'echo out; echo err >&2; exit 3'], { env: t.env });
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('out\n');
    expect(r.stderr).toBe('err\n');
    const piped = await docker(s.service, ['run', '--rm', '-i', image, 'tr', 'a-z', 'A-Z'], { env: t.env, input: 'piped in\n' });
    expect(piped.stdout).toBe('PIPED IN\n');
    expect((await tpodOk(['ps', '-a', '--format', '{{.Names}}'], { env: t.env })).stdout).not.toContain('rm-three');
  }, 120_000);

  it('twenty clients at once: each gets its own exit code, and the store ends empty', async () => {
    const image = await busyboxImage(t.env);
    const d = new Docker({ socketPath: s.service.socket });
    const one = async (i: number): Promise<number> => {
      const c = await d.createContainer({ Image: image, name: `many-${i}`, Cmd: ['sh', '-c', `exit ${i}`], Labels: { batch: 'many' } });
      await c.start();
      const w = (await c.wait()) as { StatusCode: number };
      await c.remove();
      return w.StatusCode;
    };
    const codes = await Promise.all(Array.from({ length: 20 }, (_, i) => one(i)));
    expect(codes).toEqual(Array.from({ length: 20 }, (_, i) => i));
    // Nothing half-made is left, as the CLI sees it.
    const ps = await tpodOk(['ps', '-a', '--filter', 'label=batch=many', '--format', '{{.Names}}'], { env: t.env });
    expect(ps.stdout.trim()).toBe('');
    // And the names are free again, which a leaked record would keep taken.
    const again = await tpod(['create', '--name', 'many-7', image, 'true'], { env: t.env });
    expect(again.code, again.stderr).toBe(0);
    await tpodOk(['rm', 'many-7'], { env: t.env });
  }, 300_000);

  it('the socket mounted into a container as /var/run/docker.sock drives the same engine', async () => {
    const image = await busyboxImage(t.env);
    // A client inside: this host's own node, run by its dynamic loader from a read-only
    // bind of /usr (the busybox image has no libc of its own).
    const found = ['/usr/lib64/ld-linux-x86-64.so.2', '/lib64/ld-linux-x86-64.so.2'].find((p) => existsSync(p));
    const loader = found ? realpathSync(found) : undefined;
    if (!loader?.startsWith('/usr/')) throw new Error(`no x86_64 dynamic loader under /usr on this host (${loader})`);
    const libs = '/usr/lib/x86_64-linux-gnu';
    const script = `require('http').get({socketPath: '/var/run/docker.sock', path: '/v1.41/containers/json?all=1'}, (r) => { let b = ''; r.on('data', (c) => (b += c)); r.on('end', () => console.log(r.statusCode, JSON.parse(b).map((c) => c.Names[0]).join(','))); });`;
    await tpodOk(['create', '--name', 'seen-from-inside', image, 'true'], { env: t.env });
    const r = await tpod(
      ['run', '--rm', '--name', 'client-inside', '-v', '/usr:/usr:ro', '-v', `${s.service.socket}:/var/run/docker.sock`, image, loader, '--library-path', libs, '/usr/bin/node', '-e', script],
      { env: t.env, timeout: 120_000 },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^200 /);
    expect(r.stdout).toContain('/seen-from-inside');
    expect(r.stdout).toContain('/client-inside');
    await tpodOk(['rm', 'seen-from-inside'], { env: t.env });
  }, 180_000);
});
