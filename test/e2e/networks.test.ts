// User-defined networks end to end, as the unprivileged user: the network commands,
// containers reaching each other by name and alias over HTTP (busybox httpd + wget)
// through tpod-dns, isolation between networks, a published port, a static --ip, rm
// while in use, prune, bad input, and no helper process left once the last container
// on a network is gone.
import { expect, it, beforeAll } from 'vitest';
import { describeE2E, tpod, tpodOk, useEnv, busyboxImage, until, freePort, httpGet, liveProcessesOf, type TpodEnv } from './harness.js';

const HELPERS = new Set(['slirp4netns', 'tpod-dns', 'pasta', 'pasta.avx2']);

/** Live network helpers (slirp4netns, tpod-dns) started for this env. */
const helperProcesses = (env: TpodEnv): number[] => liveProcessesOf(env, HELPERS);

describeE2E('user-defined networks', () => {
  const t = useEnv('nets');
  let img: string;
  const ok = (args: string[]) => tpodOk(args, { env: t.env, timeout: 120_000 });

  beforeAll(async () => {
    img = await busyboxImage(t.env);
  });

  it('creates, lists, inspects and removes networks as Podman does', async () => {
    expect((await ok(['network', 'create', 'life1'])).stdout.trim()).toBe('life1');
    const ls = (await ok(['network', 'ls'])).stdout.split('\n');
    expect(ls[0]).toMatch(/^NETWORK ID\s+NAME\s+DRIVER$/);
    expect(ls.some((l) => /^[0-9a-f]{12}\s+life1\s+bridge$/.test(l))).toBe(true);
    expect(ls.some((l) => /\s+podman\s+bridge$/.test(l))).toBe(true);
    const [net] = JSON.parse((await ok(['network', 'inspect', 'life1'])).stdout) as Array<Record<string, unknown>>;
    expect(net).toMatchObject({ name: 'life1', driver: 'bridge', dns_enabled: true, internal: false, ipv6_enabled: false, ipam_options: { driver: 'host-local' } });
    expect(String(net!.network_interface)).toMatch(/^podman\d+$/);
    expect((net!.subnets as Array<{ subnet: string }>)[0]!.subnet).toMatch(/^10\.89\.\d+\.0\/24$/);
    expect((await ok(['network', 'inspect', '--format', '{{.Name}} {{.Driver}}', 'life1'])).stdout.trim()).toBe('life1 bridge');
    expect((await tpod(['network', 'exists', 'life1'], { env: t.env })).code).toBe(0);
    expect((await ok(['network', 'rm', 'life1'])).stdout.trim()).toBe('life1');
    expect((await tpod(['network', 'exists', 'life1'], { env: t.env })).code).toBe(1);
    const gone = await tpod(['network', 'rm', 'life1'], { env: t.env });
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain('unable to find network with name or ID life1: network not found');
  });

  it('refuses bad input with exit 125 and a clear message', async () => {
    await ok(['network', 'create', 'dup1']);
    const dup = await tpod(['network', 'create', 'dup1'], { env: t.env });
    expect(dup.code).toBe(125);
    expect(dup.stderr).toContain('network name dup1 already used: network already exists');
    const bad = await tpod(['network', 'create', '--subnet', '10.300.0.0/24', 'bad1'], { env: t.env });
    expect(bad.code).toBe(125);
    expect(bad.stderr).toContain('invalid subnet');
    expect((await tpod(['network', 'exists', 'bad1'], { env: t.env })).code).toBe(1);
    const noNet = await tpod(['run', '--rm', '--network', 'no-such-net', img, 'true'], { env: t.env });
    expect(noNet.code).toBe(125);
    expect(noNet.stderr).toContain('no-such-net');
    await ok(['network', 'rm', 'dup1']);
  });

  it('containers on one network reach each other by name and alias; other networks cannot', async () => {
    await ok(['network', 'create', 'shared1']);
    await ok(['network', 'create', 'other1']);
    await ok(['run', '-d', '--name', 'web1', '--network', 'shared1', '--network-alias', 'www1', img, 'httpd', '-f', '-p', '80', '-h', '/etc']);
    const byName = await ok(['run', '--rm', '--network', 'shared1', img, 'wget', '-qO-', 'http://web1/hostname']);
    const id = (await ok(['inspect', '--format', '{{.Id}}', 'web1'])).stdout.trim();
    expect(byName.stdout.trim()).toBe(id.slice(0, 12));
    const byAlias = await ok(['run', '--rm', '--network', 'shared1', img, 'wget', '-qO-', 'http://www1/hostname']);
    expect(byAlias.stdout.trim()).toBe(id.slice(0, 12));
    // Another network: the name does not resolve and the address cannot be reached.
    const ip = (await ok(['exec', 'web1', 'sh', '-c', "ip -4 -o addr show eth0 | awk '{print $4}'"])).stdout.trim().split('/')[0]!;
    expect(ip).toMatch(/^10\.89\.\d+\.\d+$/);
    // The same probe on both networks, so a probe that cannot succeed (busybox's wget -T
    // crashes in this image) would fail the positive half instead of passing the negative.
    const probe = (net: string) => tpod(['run', '--rm', '--network', net, img, 'sh', '-c', `nslookup web1 >/dev/null 2>&1 && echo resolved; timeout 5 wget -qO- http://${ip}/hostname >/dev/null 2>&1 && echo reached; echo done`], { env: t.env, timeout: 60_000 });
    expect((await probe('shared1')).stdout).toBe('resolved\nreached\ndone\n');
    const isolated = await probe('other1');
    expect(isolated.stdout).not.toContain('resolved');
    expect(isolated.stdout).not.toContain('reached');
    expect(isolated.stdout).toContain('done');
    // In use: refused (exit 2); -f removes the container too.
    const inUse = await tpod(['network', 'rm', 'shared1'], { env: t.env });
    expect(inUse.code).toBe(2);
    expect(inUse.stderr).toContain('network is being used');
    expect((await ok(['network', 'rm', '-f', 'shared1'])).stdout.trim()).toBe('shared1');
    expect((await tpod(['container', 'exists', 'web1'], { env: t.env })).code).toBe(1);
    await ok(['network', 'rm', 'other1']);
  });

  it('publishes a port of a container on a network, and takes a static --ip in a chosen --subnet', async () => {
    await ok(['network', 'create', '--subnet', '10.89.77.0/24', 'static1']);
    const port = await freePort();
    await ok(['run', '-d', '--name', 'pub1', '--network', 'static1', '--ip', '10.89.77.9', '-p', `127.0.0.1:${port}:80`, img, 'httpd', '-f', '-p', '80', '-h', '/etc']);
    const addr = (await ok(['exec', 'pub1', 'sh', '-c', "ip -4 -o addr show eth0 | awk '{print $4}'"])).stdout.trim();
    expect(addr).toBe('10.89.77.9/24');
    const page = await until('the published port answers', async () => {
      const r = await httpGet(`http://127.0.0.1:${port}/hostname`);
      return r && r.status === 200 ? r : undefined;
    }, 60_000);
    const id = (await ok(['inspect', '--format', '{{.Id}}', 'pub1'])).stdout.trim();
    expect(page.body.trim()).toBe(id.slice(0, 12));
    const taken = await tpod(['run', '--rm', '--network', 'static1', '--ip', '10.89.77.9', img, 'true'], { env: t.env });
    expect(taken.code).toBe(125);
    expect(taken.stderr).toContain('already allocated');
    await ok(['rm', '-f', '-t', '0', 'pub1']);
    await ok(['network', 'rm', 'static1']);
  });

  it('prunes unused networks only, and leaves no helper once the last container is gone', async () => {
    await ok(['network', 'create', 'keep1']);
    await ok(['network', 'create', 'drop1']);
    await ok(['run', '-d', '--name', 'holder1', '--network', 'keep1', img, 'sleep', '1000']);
    expect(helperProcesses(t.env).length).toBeGreaterThan(0);
    const pruned = (await ok(['network', 'prune', '-f'])).stdout.split('\n').filter((l) => l !== '');
    expect(pruned).toEqual(['drop1']);
    expect((await tpod(['network', 'exists', 'keep1'], { env: t.env })).code).toBe(0);
    await ok(['rm', '-f', '-t', '0', 'holder1']);
    await until('no network helper left', () => helperProcesses(t.env).length === 0, 30_000);
    expect((await ok(['network', 'prune', '-f'])).stdout.trim()).toBe('keep1');
  });
});
