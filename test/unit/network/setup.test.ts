import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { helperFiles, helperPid, networkReleaseSteps, pastaArgs, pastaPortArgs, slirpArgs, slirpForwards, stopNetworkHelper, waitNetworkReady } from '../../../src/network/setup.js';
import { createContext, type Context } from '../../../src/engine/context.js';
import type { PortMapping } from '../../../src/network/ports.js';

const m = (x: Partial<PortMapping>): PortMapping => ({ hostIP: '', hostPort: 8080, containerPort: 80, protocol: 'tcp', range: 1, ...x });
const files = { pid: '/r/net/x.pid', log: '/r/net/x.log', sock: '/r/net/x.sock', launch: '/r/net/x.launch' };

describe('pasta command line', () => {
  it('forwards exactly the published ports, and nothing by default', () => {
    expect(pastaPortArgs([], [])).toEqual(['-t', 'none', '-u', 'none', '-T', 'none', '-U', 'none']);
    expect(pastaPortArgs([m({ hostIP: '127.0.0.1' }), m({ hostPort: 9000, containerPort: 90, protocol: 'udp', range: 2 })], [])).toEqual([
      '-t', '127.0.0.1/8080:80', '-u', '9000-9001:90-91', '-T', 'none', '-U', 'none',
    ]);
  });
  it('leaves the user\'s own forwarding options alone', () => {
    expect(pastaPortArgs([], ['-T', '5432', '--udp-ports', 'auto'])).toEqual(['-t', 'none', '-U', 'none']);
  });
  it('binds the namespace file and the pid file, then the user\'s options', () => {
    expect(pastaArgs('/usr/bin/pasta', '/r/netns/id', files, { networkOptions: ['--mtu', '1500'] }, '192.0.2.1')).toEqual([
      '/usr/bin/pasta', '--config-net', '--quiet', '--netns', '/r/netns/id', '--pid', '/r/net/x.pid', '--dns-forward', '192.0.2.1',
      '--mtu', '1500', '-t', 'none', '-u', 'none', '-T', 'none', '-U', 'none',
    ]);
  });
});

describe('slirp4netns command line', () => {
  it('disables host loopback unless asked, and opens the API socket only for ports', () => {
    expect(slirpArgs('/usr/bin/slirp4netns', '/r/netns/id', files, {})).toEqual([
      '/usr/bin/slirp4netns', '--configure', '--mtu=65520', '--disable-host-loopback', '--enable-sandbox', '--enable-seccomp', '--netns-type=path', '/r/netns/id', 'tap0',
    ]);
    const a = slirpArgs('/s', '/n', files, { networkOptions: ['allow_host_loopback=true', 'mtu=1500', 'cidr=10.5.0.0/24'], ports: [m({})] });
    expect(a).toContain('--api-socket=/r/net/x.sock');
    expect(a).toContain('--cidr=10.5.0.0/24');
    expect(a).not.toContain('--disable-host-loopback');
  });
  it('asks for one forward per port, to the container\'s address', () => {
    expect(slirpForwards({ ports: [m({ hostIP: '127.0.0.1', range: 2 })] }).map((s) => JSON.parse(s))).toEqual([
      { execute: 'add_hostfwd', arguments: { proto: 'tcp', host_addr: '127.0.0.1', host_port: 8080, guest_addr: '10.0.2.100', guest_port: 80 } },
      { execute: 'add_hostfwd', arguments: { proto: 'tcp', host_addr: '127.0.0.1', host_port: 8081, guest_addr: '10.0.2.100', guest_port: 81 } },
    ]);
    expect(JSON.parse(slirpForwards({ ports: [m({})] })[0]!).arguments.host_addr).toBe('0.0.0.0');
  });
  it('takes the namespace file away, after the command when asked', () => {
    expect(networkReleaseSteps({ netns: '/r/netns/id' }, true)).toEqual([
      { kind: 'umount', arg: '/r/netns/id', after: true },
      { kind: 'rmtree', arg: '/r/netns/id', after: true },
    ]);
    expect(networkReleaseSteps({})).toEqual([]);
  });
});

describe('stopping the helper', () => {
  let dir: string;
  let ctx: Context;
  let child: ChildProcess | undefined;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tpod-net-'));
    ctx = createContext({ root: join(dir, 'root'), runroot: join(dir, 'run') });
    mkdirSync(join(ctx.paths.runroot, 'net'), { recursive: true });
  });
  afterEach(() => {
    child?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });
  const id = 'f'.repeat(64);

  it('does not signal a process that merely reuses the helper\'s recorded pid', async () => {
    // A live process of ours that is not a network helper sits at the recorded pid.
    child = spawn('sleep', ['30'], { stdio: 'ignore' });
    await new Promise((r) => child!.once('spawn', r));
    const rec = { id, netns: join(ctx.paths.runroot, 'netns', 'netns-0123'), network: 'pasta' };
    const f = helperFiles(ctx, rec);
    expect(f.pid).toBe(join(ctx.paths.runroot, 'net', 'netns-0123.pid'));
    writeFileSync(f.pid, `${child.pid}\n`);
    expect(helperPid(ctx, rec)).toBeUndefined();
    stopNetworkHelper(ctx, rec);
    expect(child.exitCode).toBeNull();
    expect(child.signalCode).toBeNull();
    // Its files are gone all the same.
    expect(existsSync(f.pid)).toBe(false);
  });
  it('waits for a background pasta\'s pid file, and reports its message when it gave up', async () => {
    const f = helperFiles(ctx, { id });
    setTimeout(() => writeFileSync(f.pid, '4242\n'), 30);
    await expect(waitNetworkReady(ctx, { id, network: 'pasta' })).resolves.toBeUndefined();
    rmSync(f.pid);
    // The launcher is gone (a pid no process has) and left only its complaint.
    writeFileSync(f.launch, '999999999\n');
    writeFileSync(f.log, 'Failed to send 10 bytes to syslog\nFailed to bind any port for \'-t 8080\', exiting\n');
    await expect(waitNetworkReady(ctx, { id, network: 'pasta' })).rejects.toThrow("pasta failed: Failed to bind any port for '-t 8080', exiting");
    await expect(waitNetworkReady(ctx, { id, network: 'slirp4netns' })).resolves.toBeUndefined();
  });
  it('does nothing for modes without a helper', () => {
    expect(() => stopNetworkHelper(ctx, { id, network: 'none' })).not.toThrow();
  });
});
