// The container lifecycle endpoints through the real docker CLI, dockerode and plain HTTP:
// a container made through the API is an ordinary tpod container and the other way round.
import { expect, it } from 'vitest';
import { request } from 'node:http';
import { createServer } from 'node:net';
import Docker from 'dockerode';
import { busyboxImage, describeE2E, tpod, tpodOk, until, useEnv } from './harness.js';
import { apiRequest, docker, useService } from './api-harness.js';

/** A TCP port nobody listens on now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** A request whose headers resolve `headers` and whose whole body resolves `body`. */
function streamingRequest(socket: string, method: string, path: string): { headers: Promise<number>; body: Promise<string> } {
  let onHeaders!: (s: number) => void;
  const headers = new Promise<number>((r) => (onHeaders = r));
  const body = new Promise<string>((resolve, reject) => {
    const req = request({ socketPath: socket, method, path }, (res) => {
      onHeaders(res.statusCode ?? 0);
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve(text));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
  return { headers, body };
}

describeE2E('api: containers', () => {
  const t = useEnv('api-containers');
  const s = useService(() => t.env);
  const dk = (args: string[]) => docker(s.service, args, { env: t.env, timeout: 120_000 });
  const api = (method: string, path: string, body?: unknown) => apiRequest(s.service.socket, method, path, body);

  it('docker create / start / wait / ps -a / inspect; tpod sees the container', async () => {
    const image = await busyboxImage(t.env);
    const c = await dk(['create', '--name', 'c1', '-e', 'GREETING=hi', '-l', 'team=a', image, 'sh', '-c', 'echo $GREETING; exit 3']);
    expect(c.stderr).toBe('');
    const id = c.stdout.trim();
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    expect((await dk(['ps', '-a', '--format', '{{.Names}} {{.State}}', '--filter', 'name=c1'])).stdout.trim()).toBe('c1 created');
    expect((await dk(['start', 'c1'])).stdout.trim()).toBe('c1');
    expect((await dk(['wait', 'c1'])).stdout.trim()).toBe('3');
    const ps = await tpodOk(['ps', '-a', '--format', '{{.ID}} {{.Names}} {{.Status}}'], { env: t.env });
    expect(ps.stdout).toMatch(new RegExp(`^${id.slice(0, 12)} c1 Exited \\(3\\)`, 'm'));
    const logs = await tpodOk(['logs', 'c1'], { env: t.env });
    expect(logs.stdout).toBe('hi\n');
    const ins = await dk(['inspect', '--format', '{{.Name}} {{.State.Status}} {{.State.ExitCode}} {{.Config.Labels.team}} {{index .Config.Cmd 0}}', 'c1']);
    expect(ins.stdout.trim()).toBe('/c1 exited 3 a sh');
    const env = await dk(['inspect', '--format', '{{json .Config.Env}}', 'c1']);
    expect(JSON.parse(env.stdout)).toContain('GREETING=hi');
    expect((await dk(['ps', '-a', '--filter', 'exited=3', '--format', '{{.Names}}'])).stdout.trim()).toBe('c1');
  });

  it('the API lists what the CLI made', async () => {
    const image = await busyboxImage(t.env);
    await tpodOk(['create', '--name', 'from-cli', image, 'true'], { env: t.env });
    const r = await api('GET', `/v1.41/containers/json?all=1&filters=${encodeURIComponent(JSON.stringify({ name: ['from-cli'] }))}`);
    expect(r.status).toBe(200);
    const list = r.json() as Array<Record<string, unknown>>;
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ Names: ['/from-cli'], State: 'created', Command: 'true', HostConfig: { NetworkMode: 'default' } });
    const ins = await dk(['inspect', '--format', '{{.State.Status}}', 'from-cli']);
    expect(ins.stdout.trim()).toBe('created');
    expect((await dk(['rm', 'from-cli'])).code).toBe(0);
    expect((await tpod(['container', 'exists', 'from-cli'], { env: t.env })).code).toBe(1);
  });

  it('docker run -d -p, port, inspect, top, stats, restart, kill, stop, rename, rm -f', async () => {
    const image = await busyboxImage(t.env);
    const port = await freePort();
    const run = await dk(['run', '-d', '--name', 'web', '-p', `${port}:80`, image, 'httpd', '-f', '-p', '80']);
    expect(run.stderr).toBe('');
    expect((await dk(['port', 'web'])).stdout.trim()).toBe(`80/tcp -> 0.0.0.0:${port}`);
    const ins = await dk(['inspect', '--format', '{{.State.Running}} {{json .NetworkSettings.Ports}} {{.HostConfig.NetworkMode}}', 'web']);
    expect(ins.stdout.trim()).toBe(`true {"80/tcp":[{"HostIp":"0.0.0.0","HostPort":"${port}"}]} default`);
    expect((await dk(['ps', '--format', '{{.Names}} {{.Ports}}'])).stdout).toContain(`web 0.0.0.0:${port}->80/tcp`);
    // The server answers on the published port.
    const page = await until('httpd answers', async () => {
      const r = await fetch(`http://127.0.0.1:${port}/`).catch(() => undefined);
      return r ? r.status : undefined;
    });
    expect(page).toBeGreaterThan(0); // busybox httpd with no index page: an answer all the same
    const top = await dk(['top', 'web']);
    expect(top.stdout).toMatch(/httpd -f -p 80/);
    const stats = await dk(['stats', '--no-stream', '--format', '{{.Name}} {{.PIDs}}', 'web']);
    expect(stats.stderr).toBe('');
    expect(stats.stdout.trim()).toBe('web 1');
    // start of a running container: 304, which the CLI takes as done.
    expect((await api('POST', '/v1.41/containers/web/start')).status).toBe(304);
    expect((await dk(['restart', '-t', '1', 'web'])).code).toBe(0);
    expect((await dk(['inspect', '--format', '{{.State.Running}}', 'web'])).stdout.trim()).toBe('true');
    expect((await dk(['kill', '--signal', 'KILL', 'web'])).stdout.trim()).toBe('web');
    expect((await dk(['wait', 'web'])).stdout.trim()).toBe('137');
    expect((await api('POST', '/v1.41/containers/web/stop')).status).toBe(304);
    expect((await api('POST', '/v1.41/containers/web/kill')).status).toBe(409);
    expect((await dk(['start', 'web'])).code).toBe(0);
    // A running container is not removed without force: 409.
    const rm = await api('DELETE', '/v1.41/containers/web');
    expect(rm.status).toBe(409);
    expect((await dk(['stop', '-t', '1', 'web'])).stdout.trim()).toBe('web');
    expect((await dk(['rename', 'web', 'web2'])).code).toBe(0);
    expect((await tpodOk(['ps', '-a', '--format', '{{.Names}}', '--filter', 'name=web2'], { env: t.env })).stdout.trim()).toBe('web2');
    expect((await dk(['start', 'web2'])).code).toBe(0);
    expect((await dk(['rm', '-f', 'web2'])).stdout.trim()).toBe('web2');
    expect((await tpod(['container', 'exists', 'web2'], { env: t.env })).code).toBe(1);
  });

  it('dockerode: create, start, wait gives the exit code, remove', async () => {
    const image = await busyboxImage(t.env);
    const d = new Docker({ socketPath: s.service.socket });
    const c = await d.createContainer({ Image: image, Cmd: ['sh', '-c', 'exit 7'], Labels: { via: 'dockerode' } });
    await c.start();
    expect(await c.wait()).toEqual({ StatusCode: 7, Error: null });
    const info = await c.inspect();
    expect(info.State.ExitCode).toBe(7);
    expect(info.Config.Labels).toMatchObject({ via: 'dockerode' });
    const listed = await d.listContainers({ all: true, filters: { label: ['via=dockerode'] } });
    expect(listed.map((x) => x.Id)).toEqual([c.id]);
    await c.remove();
    await expect(c.inspect()).rejects.toMatchObject({ statusCode: 404 });
  });

  it('wait?condition=removed answers with the real exit code of an AutoRemove container', async () => {
    const image = await busyboxImage(t.env);
    const c = await api('POST', '/v1.41/containers/create', { Image: image, Cmd: ['sh', '-c', 'exit 3'], HostConfig: { AutoRemove: true } });
    expect(c.status).toBe(201);
    const { Id: id, Warnings } = c.json() as { Id: string; Warnings: string[] };
    expect(Warnings).toEqual([]);
    // As the docker CLI's run --rm: the wait first (its headers come at once), then the start.
    const w = streamingRequest(s.service.socket, 'POST', `/v1.41/containers/${id}/wait?condition=removed`);
    expect(await w.headers).toBe(200);
    expect((await api('POST', `/v1.41/containers/${id}/start`)).status).toBe(204);
    expect(JSON.parse(await w.body)).toEqual({ StatusCode: 3, Error: null });
    expect((await api('GET', `/v1.41/containers/${id}/json`)).status).toBe(404);
  });

  it('wait?condition=next-exit waits for the start that comes after it', async () => {
    const image = await busyboxImage(t.env);
    const id = (await dk(['create', image, 'sh', '-c', 'exit 5'])).stdout.trim();
    const w = streamingRequest(s.service.socket, 'POST', `/v1.41/containers/${id}/wait?condition=next-exit`);
    expect(await w.headers).toBe(200);
    expect((await dk(['start', id])).code).toBe(0);
    expect(JSON.parse(await w.body)).toEqual({ StatusCode: 5, Error: null });
  });

  it('answers Docker\'s statuses: 404 no such image / container, 409 name in use, 400 naming the field', async () => {
    const image = await busyboxImage(t.env);
    const missing = await api('POST', '/v1.41/containers/create', { Image: 'localhost/no-such-image:1' });
    expect(missing.status).toBe(404);
    expect(missing.json()).toEqual({ message: 'No such image: localhost/no-such-image:1' });
    expect((await api('POST', '/v1.41/containers/create?name=dup', { Image: image, Cmd: ['true'] })).status).toBe(201);
    expect((await api('POST', '/v1.41/containers/create?name=dup', { Image: image, Cmd: ['true'] })).status).toBe(409);
    const bad = await api('POST', '/v1.41/containers/create', { Image: image, HostConfig: { Memory: 'lots' } });
    expect(bad.status).toBe(400);
    expect((bad.json() as { message: string }).message).toMatch(/^HostConfig\.Memory: /);
    const badPort = await api('POST', '/v1.41/containers/create', { Image: image, HostConfig: { PortBindings: { '80/tcp': [{ HostPort: 'x' }] } } });
    expect(badPort.status).toBe(400);
    expect((await api('GET', '/v1.41/containers/nope/json')).status).toBe(404);
    expect((await api('POST', '/v1.41/containers/dup/rename?name=c1')).status).toBe(409);
  });

  it('docker container prune removes what is not running', async () => {
    const image = await busyboxImage(t.env);
    await dk(['create', '--name', 'prunable', image, 'true']);
    const r = await dk(['container', 'prune', '-f']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Deleted Containers:/);
    expect((await tpod(['container', 'exists', 'prunable'], { env: t.env })).code).toBe(1);
  });
});
