// Rootless networking end to end, as the unprivileged user, for pasta and slirp4netns:
// published TCP and UDP ports, -P, host.containers.internal, none, container:, the
// generated /etc files, the errors that come before anything starts, and no network
// helper outliving its container. All traffic stays on the loopback interface.
import { expect, it, beforeAll, afterAll, afterEach } from 'vitest';
import { spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import { join } from 'node:path';
import { describeE2E, tpod, tpodOk, useEnv, busyboxImage, busyboxTarball, liveProcessesOf, type TpodEnv, sleep, until, freePort, httpGet, waitForPage } from './harness.js';


/** A UDP request/response on loopback; undefined without an answer. */
function udpAsk(port: number, text: string, ms = 1500): Promise<string | undefined> {
  return new Promise((resolve) => {
    const s = createSocket('udp4');
    const t = setTimeout(() => {
      s.close();
      resolve(undefined);
    }, ms);
    s.on('message', (m) => {
      clearTimeout(t);
      s.close();
      resolve(m.toString());
    });
    s.send(text, port, '127.0.0.1');
  });
}

function freeUdpPort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createSocket('udp4');
    s.bind(0, '127.0.0.1', () => {
      const port = s.address().port;
      s.close(() => resolve(port));
    });
  });
}

const HELPERS = new Set(['pasta', 'pasta.avx2', 'passt', 'passt.avx2', 'slirp4netns']);

/** Live (not zombie) pasta/slirp4netns processes started for this env. */
const helperProcesses = (env: TpodEnv): number[] => liveProcessesOf(env, HELPERS);

/** A static UDP echo for the busybox image (whose nc has no -u): built once with cc -static. */
function udpEcho(dir: string): string | undefined {
  const src = join(dir, 'udpecho.c');
  const bin = join(dir, 'udpecho');
  if (existsSync(bin)) return bin;
  writeFileSync(
    src,
    `#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
int main(int argc, char **argv) {
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(atoi(argv[1])) };
  if (fd < 0 || bind(fd, (struct sockaddr *) &a, sizeof a) < 0) { perror("bind"); return 1; }
  for (;;) {
    char buf[1024], out[1100]; struct sockaddr_in from; socklen_t fl = sizeof from;
    ssize_t n = recvfrom(fd, buf, sizeof buf - 1, 0, (struct sockaddr *) &from, &fl);
    if (n < 0) continue;
    buf[n] = 0;
    int m = snprintf(out, sizeof out, "got:%s", buf);
    sendto(fd, out, m, 0, (struct sockaddr *) &from, fl);
  }
}
`,
  );
  const r = spawnSync('cc', ['-static', '-O2', '-o', bin, src], { encoding: 'utf8' });
  return r.status === 0 ? bin : undefined;
}

interface Inspect {
  NetworkSettings: { Ports: Record<string, Array<{ HostIp: string; HostPort: string }> | null>; SandboxKey: string };
  HostConfig: { NetworkMode: string; PortBindings: Record<string, unknown>; PublishAllPorts: boolean; Dns: string[]; ExtraHosts: string[] };
  HostsPath: string;
}

describeE2E('rootless networking', () => {
  const t = useEnv('net');
  let img: string;
  let www: string;
  let echo: string | undefined;
  let hostServer: Server;
  let hostPort = 0;
  const ok = (args: string[]) => tpodOk(args, { env: t.env });
  const runD = async (args: string[]): Promise<string> => (await ok(['run', '-d', ...args])).stdout.trim();
  const inspect = async (id: string): Promise<Inspect> => (JSON.parse((await ok(['inspect', id])).stdout) as Inspect[])[0]!;
  const portOf = async (name: string, port: string): Promise<number> => Number((await ok(['port', name, port])).stdout.trim().split(':').pop());

  beforeAll(async () => {
    img = await busyboxImage(t.env);
    await ok(['import', '--change', 'EXPOSE 80', '--change', 'EXPOSE 5353/udp', busyboxTarball(), 'localhost/exposing:latest']);
    www = join(t.env.base, 'www');
    mkdirSync(join(www, 'cgi-bin'), { recursive: true });
    writeFileSync(join(www, 'index.html'), 'hello from the container\n');
    // busybox httpd passes the client's address to CGI scripts.
    writeFileSync(join(www, 'cgi-bin', 'ip'), '#!/bin/sh\nprintf "Content-Type: text/plain\\r\\n\\r\\n%s\\n" "$REMOTE_ADDR"\n');
    chmodSync(join(www, 'cgi-bin', 'ip'), 0o755);
    echo = udpEcho(t.env.base);
    // A service on the host's loopback only, for host.containers.internal.
    hostServer = createServer((_req, res) => res.end('hello from the host\n'));
    await new Promise<void>((r) => hostServer.listen(0, '127.0.0.1', r));
    hostPort = (hostServer.address() as { port: number }).port;
  }, 120_000);

  afterAll(async () => {
    await new Promise((r) => hostServer?.close(r));
  });

  // A failed test must not leave containers (and helpers) to the next one.
  afterEach(async () => {
    await tpod(['rm', '-a', '-f', '-t', '0'], { env: t.env });
  });

  const modes = [
    // slirp4netns reaches the host's loopback, and answers UDP clients there, only with
    // host loopback allowed (Podman's default keeps it off).
    { name: 'pasta', net: 'pasta', loopbackNet: 'pasta', clientAddr: /127\.0\.0\.1/ },
    { name: 'slirp4netns', net: 'slirp4netns', loopbackNet: 'slirp4netns:allow_host_loopback=true', clientAddr: /10\.0\.2\.2/ },
  ];

  for (const m of modes) {
    it(`${m.name}: httpd answers on a published loopback port; ps, port and inspect show it; rm -f leaves no helper`, async () => {
      const name = `web-${m.name}`;
      const id = await runD(['--name', name, '--network', m.net, '-p', '127.0.0.1:0:80', '-v', `${www}:/www:ro`, img, 'httpd', '-f', '-p', '80', '-h', '/www']);
      const port = await portOf(name, '80');
      expect(port).toBeGreaterThan(0);
      expect(await waitForPage(`http://127.0.0.1:${port}/index.html`)).toBe('hello from the container\n');
      // pasta keeps the client's own address; slirp4netns shows its gateway.
      expect(await waitForPage(`http://127.0.0.1:${port}/cgi-bin/ip`)).toMatch(m.clientAddr);
      expect((await ok(['port', name])).stdout.trim()).toBe(`80/tcp -> 127.0.0.1:${port}`);
      expect((await ok(['ps', '--filter', `name=${name}`, '--format', '{{.Ports}}'])).stdout.trim()).toBe(`127.0.0.1:${port}->80/tcp`);
      const ins = await inspect(id);
      expect(ins.HostConfig.NetworkMode).toBe(m.name);
      expect(ins.NetworkSettings.Ports).toEqual({ '80/tcp': [{ HostIp: '127.0.0.1', HostPort: String(port) }] });
      expect(ins.HostConfig.PortBindings).toEqual({ '80/tcp': [{ HostIp: '127.0.0.1', HostPort: String(port) }] });
      expect(ins.NetworkSettings.SandboxKey).toMatch(/\/netns\/netns-\d+-\d+-[0-9a-f]{8}$/);
      expect(helperProcesses(t.env).length).toBe(1);
      await ok(['rm', '-f', '-t', '0', name]);
      await until('the network helper to go', () => helperProcesses(t.env).length === 0);
      expect(await httpGet(`http://127.0.0.1:${port}/index.html`)).toBeUndefined();
    });

    it(`${m.name}: publishes UDP`, async (ctx) => {
      if (!echo) ctx.skip(); // no static C toolchain to build the UDP echo with
      // pasta 2023.03 drops replies when the container port is below the host port:
      // publish the same number on both sides (any version handles that).
      const port = await freeUdpPort();
      const spec = m.name === 'pasta' ? `127.0.0.1:${port}:${port}/udp` : '127.0.0.1:0:5353/udp';
      const inside = m.name === 'pasta' ? String(port) : '5353';
      const name = `udp-${m.name}`;
      await runD(['--name', name, '--network', m.loopbackNet, '-p', spec, '-v', `${echo}:/udpecho:ro`, img, '/udpecho', inside]);
      const host = await portOf(name, `${inside}/udp`);
      expect(await until('a UDP answer', () => udpAsk(host, 'ping'))).toBe('got:ping');
      await ok(['rm', '-f', '-t', '0', name]);
    });

    it(`${m.name}: -P publishes the image's exposed ports on free host ports`, async () => {
      const name = `all-${m.name}`;
      const id = await runD(['--name', name, '--network', m.net, '-P', '-v', `${www}:/www:ro`, 'localhost/exposing:latest', 'httpd', '-f', '-p', '80', '-h', '/www']);
      const lines = (await ok(['port', name])).stdout.trim().split('\n').sort();
      expect(lines).toHaveLength(2);
      expect(lines[0]).toMatch(/^5353\/udp -> 0\.0\.0\.0:\d+$/);
      expect(lines[1]).toMatch(/^80\/tcp -> 0\.0\.0\.0:\d+$/);
      const port = await portOf(name, '80/tcp');
      expect(await waitForPage(`http://127.0.0.1:${port}/index.html`)).toBe('hello from the container\n');
      expect((await inspect(id)).HostConfig.PublishAllPorts).toBe(true);
      await ok(['rm', '-f', '-t', '0', name]);
    });

    it(`${m.name}: reaches a service on the host's 127.0.0.1 as host.containers.internal`, async () => {
      const r = await ok(['run', '--rm', '--network', m.loopbackNet, img, 'wget', '-q', '-O', '-', `http://host.containers.internal:${hostPort}/`]);
      expect(r.stdout).toBe('hello from the host\n');
    });

    it(`${m.name}: the helper stops when the container ends by itself, attached or detached`, async () => {
      await ok(['run', '--rm', '--network', m.net, '-p', '127.0.0.1:0:80', img, 'true']);
      await until('no helper after an attached run', () => helperProcesses(t.env).length === 0);
      // It ends when the test says (it waits for /x/go, and takes it away for the next start).
      const gate = join(t.env.base, `gate-${m.name}`);
      mkdirSync(gate);
      chmodSync(gate, 0o777);
      const id = await runD(['--network', m.net, '-p', '127.0.0.1:0:80', '-v', `${gate}:/x`, img, 'sh', '-c', 'while [ ! -e /x/go ]; do sleep 0.02; done; rm -f /x/go']);
      expect(helperProcesses(t.env).length).toBe(1);
      writeFileSync(join(gate, 'go'), '');
      // The monitor's exit command (`container cleanup`) stops it.
      await ok(['wait', id]);
      await until('no helper after the exit command', () => helperProcesses(t.env).length === 0);
      // Killed, then started again: a new helper, and again none after rm -f.
      await ok(['start', id]);
      expect(helperProcesses(t.env).length).toBe(1);
      await ok(['rm', '-f', '-t', '0', id]);
      await until('no helper after rm -f', () => helperProcesses(t.env).length === 0);
    });
  }

  it('slirp4netns: resolv.conf names its DNS forwarder, hosts its addresses', async () => {
    const r = await ok(['run', '--rm', '--network', 'slirp4netns:allow_host_loopback=true', '--hostname', 'box', '--name', 'named', img, 'sh', '-c', 'cat /etc/resolv.conf /etc/hosts /etc/hostname']);
    expect(r.stdout).toMatch(/^nameserver 10\.0\.2\.3$/m);
    expect(r.stdout).toMatch(/^10\.0\.2\.100\tbox named$/m);
    expect(r.stdout).toMatch(/^10\.0\.2\.2\thost\.containers\.internal$/m);
    expect(r.stdout).toMatch(/^box$/m);
  });

  it('--dns, --dns-search, --dns-option, --add-host and --no-hosts', async () => {
    const r = await ok(['run', '--rm', '--dns', '192.0.2.53', '--dns-search', 'example.test', '--dns-option', 'ndots:3', '--add-host', 'db.test:10.9.8.7', img, 'sh', '-c', 'cat /etc/resolv.conf /etc/hosts']);
    expect(r.stdout).toContain('search example.test\nnameserver 192.0.2.53\noptions ndots:3\n');
    expect(r.stdout).toMatch(/^10\.9\.8\.7\tdb\.test$/m);
    const id = (await ok(['create', '--no-hosts', img, 'true'])).stdout.trim();
    expect((await inspect(id)).HostsPath).toBe('');
    const bad = await tpod(['run', '--rm', '--no-hosts', '--add-host', 'a:1.1.1.1', img, 'true'], { env: t.env });
    expect(bad.code).toBe(125);
    expect(bad.stderr).toContain('--no-hosts and --add-host cannot be set together');
  });

  it('--network none has only lo', async () => {
    const r = await ok(['run', '--rm', '--network', 'none', img, 'ip', '-o', 'link']);
    const links = r.stdout.trim().split('\n');
    expect(links).toHaveLength(1);
    expect(links[0]).toMatch(/^1: lo:/);
    expect(helperProcesses(t.env)).toEqual([]);
  });

  it('container: shares the other container\'s interfaces and ports', async () => {
    await runD(['--name', 'owner', '-p', '127.0.0.1:0:80', '-v', `${www}:/www:ro`, img, 'httpd', '-f', '-p', '80', '-h', '/www']);
    const owner = (await ok(['run', '--rm', '--network', 'container:owner', img, 'sh', '-c', 'ip -o link | wc -l; wget -q -O - http://127.0.0.1:80/index.html']));
    expect(owner.stdout).toBe('2\nhello from the container\n');
    const none = (await ok(['run', '--rm', '--network', 'none', img, 'ip', '-o', 'link'])).stdout.trim().split('\n');
    expect(none).toHaveLength(1);
    // Publishing on a shared network is refused; a stopped owner has no network to share.
    const pub = await tpod(['run', '--rm', '--network', 'container:owner', '-p', '8080:80', img, 'true'], { env: t.env });
    expect(pub.code).toBe(125);
    expect(pub.stderr).toContain('published ports cannot be used with --network container:');
    await ok(['stop', '-t', '0', 'owner']);
    const stopped = await tpod(['run', '--rm', '--network', 'container:owner', img, 'true'], { env: t.env });
    expect(stopped.code).toBe(126); // a start failure of run, as Podman's (the container is made, its start fails)
    expect(stopped.stderr).toContain('owner: it is not running');
    await ok(['rm', '-f', 'owner']);
  });

  it('ns:PATH joins a namespace file; a missing one is refused', async () => {
    await runD(['--name', 'nsowner', '-v', `${www}:/www:ro`, img, 'httpd', '-f', '-p', '80', '-h', '/www']);
    const ns = (await ok(['inspect', '--format', '{{.NetworkSettings.SandboxKey}}', 'nsowner'])).stdout.trim();
    const r = await ok(['run', '--rm', '--network', `ns:${ns}`, img, 'wget', '-q', '-O', '-', 'http://127.0.0.1:80/index.html']);
    expect(r.stdout).toBe('hello from the container\n');
    const missing = await tpod(['run', '--rm', '--network', `ns:${join(t.env.base, 'no-such-netns')}`, img, 'true'], { env: t.env });
    // Podman 4.3.1 refuses it when the container is made: 125, and nothing is left.
    expect(missing.code).toBe(125);
    expect(missing.stderr).toBe(`Error: cannot find specified network namespace path: stat ${join(t.env.base, 'no-such-netns')}: no such file or directory\n`);
    expect((await ok(['ps', '-a', '--format', '{{.Names}}'])).stdout).not.toMatch(/^(?!nsowner$).+$/m);
  });

  it('fails a run whose host port is in use as Podman does (126; with --rm nothing is left)', async () => {
    const busy = createTcpServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
    const port = (busy.address() as { port: number }).port;
    try {
      const before = (await ok(['ps', '-a', '-q'])).stdout;
      for (const detach of [[], ['-d']]) {
        const r = await tpod(['run', '--rm', ...detach, '-p', `127.0.0.1:${port}:80`, img, 'true'], { env: t.env });
        expect(r.code).toBe(126);
        expect(r.stderr).toBe(`Error: cannot publish 127.0.0.1:${port}/tcp: listen tcp 127.0.0.1:${port}: bind: address already in use\n`);
      }
      expect((await ok(['ps', '-a', '-q'])).stdout).toBe(before);
      // start of a created container checks again.
      const id = (await ok(['create', '-p', `127.0.0.1:${port}:80`, img, 'true'])).stdout.trim();
      const s = await tpod(['start', id], { env: t.env });
      expect(s.code).toBe(125);
      expect(s.stderr).toContain('address already in use');
      await ok(['rm', id]);
    } finally {
      await new Promise((r) => busy.close(r));
    }
    expect(helperProcesses(t.env)).toEqual([]);
  });

  it('a run that fails after pasta started leaves no helper and no namespace file', async () => {
    await ok(['create', '--name', 'taken', img, 'true']);
    for (const detach of [[], ['-d']]) {
      const dup = await tpod(['run', ...detach, '--name', 'taken', '-p', '127.0.0.1:0:80', img, 'true'], { env: t.env });
      expect(dup.code).toBe(125);
      expect(dup.stderr).toContain('taken');
    }
    const missing = await tpod(['run', '--rm', '-p', '127.0.0.1:0:80', img, 'no-such-command'], { env: t.env });
    expect(missing.code).toBe(127);
    await until('no helper', () => helperProcesses(t.env).length === 0);
    const netnsDir = join(t.env.runtimeDir, 'tpod', 'netns');
    expect(existsSync(netnsDir) ? readdirSync(netnsDir) : []).toEqual([]);
  });

  it('refuses a privileged host port, naming net.ipv4.ip_unprivileged_port_start and its value', async (ctx) => {
    const start = Number(readFileSync('/proc/sys/net/ipv4/ip_unprivileged_port_start', 'utf8').trim());
    if (start <= 1) ctx.skip();
    const r = await tpod(['run', '--rm', '-p', `${start - 1}:80`, img, 'true'], { env: t.env });
    expect(r.code).toBe(125);
    expect(r.stderr).toContain(`net.ipv4.ip_unprivileged_port_start is ${start}`);
  });

  it('says which part of a malformed -p is wrong', async () => {
    const cases: Array<[string, string]> = [
      ['8080:abc', 'container port "abc" is not a port number or range'],
      ['1.2.3:8080:80', 'host IP "1.2.3" is not an IP address'],
      ['8080:80/xyz', 'unknown protocol "xyz"'],
      ['99999:80', 'host port 99999 is out of range'],
      ['8000-8002:80-81', 'host ports 8000-8002 (3) and container ports 80-81 (2) differ in number'],
    ];
    for (const [spec, msg] of cases) {
      const r = await tpod(['run', '--rm', '-p', spec, img, 'true'], { env: t.env });
      expect(r.code).toBe(125);
      expect(r.stderr).toContain(`invalid -p "${spec}": ${msg}`);
    }
  });

  it('takes the default from containers.conf, and names the package of a missing helper', async () => {
    const dir = join(t.env.configHome, 'containers');
    mkdirSync(dir, { recursive: true });
    const conf = join(dir, 'containers.conf');
    try {
      writeFileSync(conf, '[network]\ndefault_rootless_network_cmd = "slirp4netns"\n');
      const id = (await ok(['create', img, 'true'])).stdout.trim();
      expect((await inspect(id)).HostConfig.NetworkMode).toBe('slirp4netns');
      await ok(['rm', id]);
      writeFileSync(conf, '[engine]\nnetwork_cmd_path = "/nonexistent/slirp4netns"\n');
      const r = await tpod(['run', '--rm', '--network', 'slirp4netns', img, 'true'], { env: t.env });
      expect(r.code).toBe(125);
      expect(r.stderr).toContain('install the "slirp4netns" package');
    } finally {
      rmSync(conf, { force: true });
    }
    // Without a word in containers.conf, pasta where it is installed.
    const id = (await ok(['create', img, 'true'])).stdout.trim();
    expect((await inspect(id)).HostConfig.NetworkMode).toBe('pasta');
    await ok(['rm', id]);
  });
});
