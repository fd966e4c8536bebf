// The Docker API's acceptance: real clients, unchanged, with only DOCKER_HOST set.
// docker-compose v1.29 (Debian's) brings up a web service, a client that reaches it by
// service name, a named volume and a published port, and takes it all down again;
// testcontainers for Node starts a container with an exposed port and a wait strategy,
// execs in it and stops it.
import { expect, it } from 'vitest';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { busyboxImage, describeE2E, freePort, httpGet, onPath, run, tpodOk, until, useEnv } from './harness.js';
import { docker, useService } from './api-harness.js';

function compose(): string {
  const p = onPath('docker-compose');
  if (!p) throw new Error('docker-compose is not on PATH: ./install.sh --with-test-deps installs Debian\'s');
  return p;
}

describeE2E('api clients: docker-compose', () => {
  const t = useEnv('api-compose');
  const s = useService(() => t.env);

  it('up -d: services reach each other by name, a named volume and a published port; down -v removes it all', async () => {
    const image = await busyboxImage(t.env);
    const port = await freePort();
    const dir = join(t.env.base, 'proj');
    mkdirSync(dir);
    writeFileSync(
      join(dir, 'docker-compose.yml'),
      `version: "3.8"
services:
  web:
    image: ${image}
    command: ["sh", "-c", "echo hello-from-web > /www/index.html && exec httpd -f -p 80 -h /www"]
    volumes: ["data:/www"]
    ports: ["127.0.0.1:${port}:80"]
  client:
    image: ${image}
    depends_on: [web]
    command: ["sh", "-c", "for i in $$(seq 1 200); do wget -q -O - http://web/ && exit 0; sleep 0.2; done; exit 1"]
volumes:
  data: {}
`,
    );
    const env = { DOCKER_HOST: s.service.dockerHost, COMPOSE_INTERACTIVE_NO_CLI: '1' };
    const up = await run(compose(), ['-p', 'proj', 'up', '-d'], { env: t.env, cwd: dir, extraEnv: env, timeout: 180_000 });
    expect(up.code, up.stderr).toBe(0);
    // The client found the web service by its name and printed its page.
    const wait = await docker(s.service, ['wait', 'proj_client_1'], { env: t.env, timeout: 120_000 });
    expect(wait.stdout.trim(), wait.stderr).toBe('0');
    const logs = await docker(s.service, ['logs', 'proj_client_1'], { env: t.env });
    expect(logs.stdout).toContain('hello-from-web');
    // The published port answers on the host.
    const page = await until('the published port answers', async () => (await httpGet(`http://127.0.0.1:${port}/`))?.body, 60_000);
    expect(page).toContain('hello-from-web');
    // What compose made is tpod's own: the CLI sees it.
    expect((await tpodOk(['volume', 'ls', '--format', '{{.Name}}'], { env: t.env })).stdout).toContain('proj_data');
    expect((await tpodOk(['network', 'ls', '--format', '{{.Name}}'], { env: t.env })).stdout).toContain('proj_default');
    const down = await run(compose(), ['-p', 'proj', 'down', '-v'], { env: t.env, cwd: dir, extraEnv: env, timeout: 180_000 });
    expect(down.code, down.stderr).toBe(0);
    expect((await tpodOk(['ps', '-a', '--format', '{{.Names}}'], { env: t.env })).stdout).not.toMatch(/proj_/);
    expect((await tpodOk(['volume', 'ls', '--format', '{{.Name}}'], { env: t.env })).stdout).not.toContain('proj_data');
    expect((await tpodOk(['network', 'ls', '--format', '{{.Name}}'], { env: t.env })).stdout).not.toContain('proj_default');
  }, 600_000);
});

describeE2E('api clients: testcontainers', () => {
  const t = useEnv('api-testcontainers');
  const s = useService(() => t.env);

  it('starts a container with an exposed port and a wait strategy, execs in it, stops it', async () => {
    const image = await busyboxImage(t.env);
    // testcontainers reads its settings from the environment when first used.
    process.env.DOCKER_HOST = s.service.dockerHost;
    // Ryuk's image comes from Docker Hub, which this machine cannot reach; the socket
    // mount it relies on is tested on its own (api-containers).
    process.env.TESTCONTAINERS_RYUK_DISABLED = 'true';
    // This machine is itself a container (/.dockerenv), so testcontainers would take
    // the "bridge" network's gateway for the engine's host; a rootless engine's gateway
    // lives in its own namespace, and the engine runs right here (on a workstation,
    // without /.dockerenv, testcontainers picks localhost by itself).
    if (existsSync('/.dockerenv')) process.env.TESTCONTAINERS_HOST_OVERRIDE = 'localhost';
    const { GenericContainer, Wait } = await import('testcontainers');
    const c = await new GenericContainer(image)
      .withCommand(['sh', '-c', 'echo tc-page > /tmp/index.html && exec httpd -f -p 8080 -h /tmp'])
      .withExposedPorts(8080)
      .withWaitStrategy(Wait.forHttp('/', 8080))
      .withStartupTimeout(120_000)
      .start();
    try {
      const port = c.getMappedPort(8080);
      const page = await httpGet(`http://${c.getHost()}:${port}/`);
      expect(page?.body).toContain('tc-page');
      const ex = await c.exec(['sh', '-c', 'echo out; echo err >&2; exit 3']);
      expect(ex.exitCode).toBe(3);
      expect(ex.stdout).toContain('out');
      expect(ex.stderr).toContain('err');
    } finally {
      await c.stop();
    }
    const ps = await tpodOk(['ps', '-a', '--format', '{{.ID}}'], { env: t.env });
    expect(ps.stdout).not.toContain(c.getId().slice(0, 12));
  }, 300_000);
});
