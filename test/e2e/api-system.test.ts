// The API service's front door, through the real docker CLI and plain HTTP: the docker
// CLI negotiates from _ping, version and info answer in Docker's shape, errors come as
// Docker's JSON, and the service keeps its socket private and exits when idle.
import { describe, expect, it } from 'vitest';
import { readFileSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { describeE2E, tpod, useEnv, until } from './harness.js';
import { apiRequest, docker, socketOf, startService, stopService, useService } from './api-harness.js';

describeE2E('api: system service', () => {
  const t = useEnv('api-system');
  const s = useService(() => t.env);

  it('answers _ping with the headers the docker CLI negotiates from', async () => {
    const get = await apiRequest(s.service.socket, 'GET', '/_ping');
    expect(get.status).toBe(200);
    expect(get.body).toBe('OK');
    expect(get.headers['api-version']).toBe('1.41');
    const head = await apiRequest(s.service.socket, 'HEAD', '/v1.41/_ping');
    expect(head.status).toBe(200);
    expect(head.headers['api-version']).toBe('1.41');
  });

  it('docker version reports the API versions, under any /v1.NN prefix', async () => {
    const r = await docker(s.service, ['version', '--format', '{{.Server.APIVersion}} {{.Server.MinAPIVersion}}'], { env: t.env });
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('1.41 1.24');
    const v = await apiRequest(s.service.socket, 'GET', '/v1.24/version');
    expect((v.json() as { ApiVersion: string }).ApiVersion).toBe('1.41');
  });

  it('docker info counts what the CLI made in the same store', async () => {
    const before = await docker(s.service, ['info', '--format', '{{.Images}} {{.OSType}} {{.ServerVersion}}'], { env: t.env });
    expect(before.code).toBe(0);
    expect(before.stdout.trim()).toMatch(/^\d+ linux \d+\.\d+\.\d+/);
  });

  it('an unknown path is a 404 with a JSON message', async () => {
    const r = await apiRequest(s.service.socket, 'GET', '/v1.41/no/such/thing');
    expect(r.status).toBe(404);
    expect(r.json()).toHaveProperty('message');
  });

  it('keeps its socket 0600 in a 0700 directory', () => {
    const sock = socketOf(t.env);
    expect(statSync(sock).mode & 0o777).toBe(0o600);
    expect(statSync(dirname(sock)).mode & 0o777).toBe(0o700);
  });

  it('tpod info shows the socket as host.remoteSocket', async () => {
    const r = await tpod(['info', '--format', '{{.Host.RemoteSocket.Path}} {{.Host.RemoteSocket.Exists}}'], { env: t.env });
    expect(r.stdout.trim()).toBe(`unix://${socketOf(t.env)} true`);
  });
});

describe.sequential('api: idle time', () => {
  const t = useEnv('api-idle');

  describeE2E('--time', () => {
    it('exits once nothing was in flight for --time seconds, and not while a stream is open', async () => {
      const svc = await startService(t.env, ['--time', '1']);
      // An events stream keeps it alive past its idle time.
      const events = apiRequest(svc.socket, 'GET', '/events?until=' + String(Math.floor(Date.now() / 1000) + 4));
      const t0 = Date.now();
      await events;
      // The stream ended by its own `until`, after the idle time had long passed.
      expect(Date.now() - t0).toBeGreaterThan(2500);
      await until('the service exits after its idle time', () => svc.child.exitCode !== null, 30_000);
      expect(svc.child.exitCode).toBe(0);
    });

    it('--time 0: idle, it becomes tpod-apid (same pid, under 4 MiB), which starts a server again for the next client', async () => {
      const svc = await startService(t.env, ['--time', '0']);
      try {
        const pid = svc.child.pid!;
        await until('the idle service hands over to tpod-apid', () => readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'tpod-apid', 60_000);
        const rssKiB = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
        expect(rssKiB).toBeLessThan(4096);
        // The next client is served by a server it starts, on the same socket.
        const r = await docker(svc, ['version', '--format', '{{.Server.APIVersion}}'], { env: t.env });
        expect(r.stdout.trim(), r.stderr).toBe('1.41');
        // That server goes idle too, and the waiter is still there for the one after.
        await until('the started server ends when idle', () => !readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim(), 60_000);
        const again = await apiRequest(svc.socket, 'GET', '/_ping');
        expect(again.status).toBe(200);
      } finally {
        await stopService(svc);
      }
      expect(svc.child.exitCode ?? svc.child.signalCode).not.toBeNull();
    });

    it('refuses a bad --time with 125', async () => {
      const r = await tpod(['system', 'service', '--time', 'soon'], { env: t.env });
      expect(r.code).toBe(125);
      expect(r.stderr).toMatch(/--time/);
    });
  });
});
