// network connect/disconnect/reload end to end, as the unprivileged user: a running
// container joins a second network and is reached there by name and alias (busybox
// httpd + wget), then leaves it and is not; a stopped container connected before its
// start; reload keeping a published port; a pod on a network reached by its name;
// Podman's errors for bad input.
import { expect, it, beforeAll } from 'vitest';
import { join } from 'node:path';
import { describeE2E, tpod, tpodOk, useEnv, busyboxImage, until, freePort, httpGet } from './harness.js';

describeE2E('network connect, disconnect and reload', () => {
  const t = useEnv('netconn');
  let img: string;
  const ok = (args: string[]) => tpodOk(args, { env: t.env, timeout: 120_000 });
  /** What a client on NET gets for http://HOST/hostname (empty when it cannot resolve or reach it). */
  const fetchFrom = async (net: string, host: string): Promise<string> => {
    const r = await tpod(['run', '--rm', '--network', net, img, 'sh', '-c', `timeout 5 wget -qO- http://${host}/hostname 2>/dev/null; true`], { env: t.env, timeout: 60_000 });
    expect(r.code).toBe(0);
    return r.stdout.trim();
  };

  beforeAll(async () => {
    img = await busyboxImage(t.env);
  });

  it('connects a running container to a second network and disconnects it again', async () => {
    await ok(['network', 'create', 'ca1']);
    await ok(['network', 'create', 'cb1']);
    await ok(['run', '-d', '--name', 'cweb1', '--network', 'ca1', img, 'httpd', '-f', '-p', '80', '-h', '/etc']);
    const id = (await ok(['inspect', '--format', '{{.Id}}', 'cweb1'])).stdout.trim();
    expect(await fetchFrom('cb1', 'cweb1')).toBe('');

    expect((await ok(['network', 'connect', '--alias', 'cw1', 'cb1', 'cweb1'])).stdout).toBe('');
    expect(await fetchFrom('cb1', 'cweb1')).toBe(id.slice(0, 12));
    expect(await fetchFrom('cb1', 'cw1')).toBe(id.slice(0, 12));
    const nets = JSON.parse((await ok(['inspect', '--format', '{{json .NetworkSettings.Networks}}', 'cweb1'])).stdout) as Record<string, { IPAddress: string; Aliases: string[] }>;
    expect(Object.keys(nets).sort()).toEqual(['ca1', 'cb1']);
    expect(nets.cb1!.Aliases).toEqual(['cw1', id.slice(0, 12)]);
    const inside = (await ok(['exec', 'cweb1', 'sh', '-c', "ip -4 -o addr show eth1 | awk '{print $4}'"])).stdout.trim();
    expect(inside).toBe(`${nets.cb1!.IPAddress}/24`);
    expect((await ok(['exec', 'cweb1', 'cat', '/etc/hosts'])).stdout).toContain(nets.cb1!.IPAddress);
    const [inspected] = JSON.parse((await ok(['network', 'inspect', 'cb1'])).stdout) as Array<{ containers: Record<string, { name: string; interfaces: Record<string, { subnets: Array<{ ipnet: string }> }> }> }>;
    expect(inspected!.containers[id]).toMatchObject({ name: 'cweb1', interfaces: { eth1: { subnets: [{ ipnet: `${nets.cb1!.IPAddress}/24` }] } } });

    // From the connected container: a peer that is only on the new network, by name.
    await ok(['run', '-d', '--name', 'cpeer1', '--network', 'cb1', img, 'httpd', '-f', '-p', '80', '-h', '/etc']);
    const peer = (await ok(['inspect', '--format', '{{.Id}}', 'cpeer1'])).stdout.trim().slice(0, 12);
    const fromWeb = async (): Promise<string> => (await ok(['exec', 'cweb1', 'sh', '-c', 'timeout 5 wget -qO- http://cpeer1/hostname 2>/dev/null; true'])).stdout.trim();
    expect(await fromWeb()).toBe(peer);
    // Still isolated: a container only on the first network does not resolve it.
    expect(await fetchFrom('ca1', 'cpeer1')).toBe('');

    const again = await tpod(['network', 'connect', 'cb1', 'cweb1'], { env: t.env });
    expect(again.code).toBe(125);
    expect(again.stderr).toContain(`Error: container ${id} is already connected to network "cb1": network is already connected`);

    expect((await ok(['network', 'disconnect', 'cb1', 'cweb1'])).stdout).toBe('');
    expect(await fetchFrom('cb1', 'cweb1')).toBe('');
    expect(await fetchFrom('cb1', nets.cb1!.IPAddress)).toBe('');
    expect(await fetchFrom('ca1', 'cweb1')).toBe(id.slice(0, 12));
    expect(await fromWeb()).toBe('');
    expect((await ok(['exec', 'cweb1', 'cat', '/etc/hosts'])).stdout).not.toContain(nets.cb1!.IPAddress);
    const after = JSON.parse((await ok(['inspect', '--format', '{{json .NetworkSettings.Networks}}', 'cweb1'])).stdout) as Record<string, unknown>;
    expect(Object.keys(after)).toEqual(['ca1']);
    expect(Object.keys((JSON.parse((await ok(['network', 'inspect', 'cb1'])).stdout) as Array<{ containers: object }>)[0]!.containers)).not.toContain(id);
    const events = (await ok(['events', '--stream=false', '--filter', 'type=network', '--format', '{{.Status}} {{.ID}} {{.Name}}'])).stdout.trim().split('\n');
    expect(events).toEqual([`connect ${id} cb1`, `disconnect ${id} cb1`]);
    const notOn = await tpod(['network', 'disconnect', 'cb1', 'cweb1'], { env: t.env });
    expect(notOn.code).toBe(125);
    expect(notOn.stderr).toContain('Error: container cweb1 is not connected to network cb1');
    await ok(['rm', '-f', '-t', '0', 'cweb1', 'cpeer1']);
    await ok(['network', 'rm', 'ca1', 'cb1']);
  });

  it('connects a created container, which is on both networks once started', async () => {
    await ok(['network', 'create', 'sa1']);
    await ok(['network', 'create', 'sb1']);
    await ok(['create', '--name', 'sweb1', '--network', 'sa1', img, 'httpd', '-f', '-p', '80', '-h', '/etc']);
    await ok(['network', 'connect', 'sb1', 'sweb1']);
    const nets = (await ok(['inspect', '--format', '{{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{end}}', 'sweb1'])).stdout.trim();
    expect(nets).toBe('sa1 sb1');
    await ok(['start', 'sweb1']);
    const id = (await ok(['inspect', '--format', '{{.Id}}', 'sweb1'])).stdout.trim();
    expect(await fetchFrom('sb1', 'sweb1')).toBe(id.slice(0, 12));
    expect(await fetchFrom('sa1', 'sweb1')).toBe(id.slice(0, 12));
    // Stopped: disconnect is recorded, and the next start has only the one network.
    await ok(['stop', '-t', '0', 'sweb1']);
    await ok(['network', 'disconnect', 'sa1', 'sweb1']);
    await ok(['start', 'sweb1']);
    expect(await fetchFrom('sb1', 'sweb1')).toBe(id.slice(0, 12));
    expect(await fetchFrom('sa1', 'sweb1')).toBe('');
    await ok(['rm', '-f', '-t', '0', 'sweb1']);
    await ok(['network', 'rm', 'sa1', 'sb1']);
  });

  it('reload prints the container id and keeps its published port working', async () => {
    await ok(['network', 'create', 'rl1']);
    const port = await freePort();
    const id = (await ok(['run', '-d', '--name', 'rweb1', '--network', 'rl1', '-p', `127.0.0.1:${port}:80`, img, 'httpd', '-f', '-p', '80', '-h', '/etc'])).stdout.trim();
    const page = async (): Promise<string> =>
      (await until('the published port answers', async () => {
        const r = await httpGet(`http://127.0.0.1:${port}/hostname`);
        return r && r.status === 200 ? r : undefined;
      }, 60_000)).body.trim();
    expect(await page()).toBe(id.slice(0, 12));
    const ip = (await ok(['inspect', '--format', '{{(index .NetworkSettings.Networks "rl1").IPAddress}}', 'rweb1'])).stdout.trim();
    expect((await ok(['network', 'reload', 'rweb1'])).stdout.trim()).toBe(id);
    expect(await page()).toBe(id.slice(0, 12));
    // The port's forwarding rule flushed (as a firewall reload would): gone until reload puts it back.
    const ns = join(t.env.runtimeDir, 'tpod', 'netns', 'rootless-netns');
    await ok(['unshare', 'sh', '-c', `PATH=$PATH:/usr/sbin:/sbin nsenter --net=${ns} iptables -t nat -F PREROUTING`]);
    expect(await httpGet(`http://127.0.0.1:${port}/hostname`)).toBeUndefined();
    expect((await ok(['network', 'reload', id.slice(0, 12)])).stdout.trim()).toBe(id);
    expect(await page()).toBe(id.slice(0, 12));
    expect((await ok(['network', 'reload', '--all'])).stdout.trim()).toBe(id);
    expect(await page()).toBe(id.slice(0, 12));
    expect((await ok(['inspect', '--format', '{{(index .NetworkSettings.Networks "rl1").IPAddress}}', 'rweb1'])).stdout.trim()).toBe(ip);
    await ok(['stop', '-t', '0', 'rweb1']);
    const stopped = await tpod(['network', 'reload', 'rweb1'], { env: t.env });
    expect(stopped.code).toBe(125);
    expect(stopped.stderr).toContain('cannot reload network unless container network has been configured');
    await ok(['rm', '-f', '-t', '0', 'rweb1']);
    await ok(['network', 'rm', 'rl1']);
  });

  it('puts a pod on a network, where its members are reached by the pod\'s name', async () => {
    await ok(['network', 'create', 'pn1']);
    await ok(['pod', 'create', '--network', 'pn1', '--name', 'npod1']);
    await ok(['run', '-d', '--pod', 'npod1', '--name', 'npweb1', img, 'httpd', '-f', '-p', '80', '-h', '/etc']);
    // The pod's hostname is its name, which httpd serves from /etc/hostname.
    expect(await fetchFrom('pn1', 'npod1')).toBe('npod1');
    expect((await ok(['pod', 'inspect', '--format', '{{.InfraConfig.Networks}}', 'npod1'])).stdout.trim()).toBe('[pn1]');
    expect((await ok(['pod', 'ps', '--filter', 'network=pn1', '--format', '{{.Name}} {{.Networks}}'])).stdout.trim()).toBe('npod1 pn1');
    await ok(['pod', 'rm', '-f', '-t', '0', 'npod1']);
    await ok(['network', 'rm', 'pn1']);
  });

  it('refuses an unknown network or container, and containers not on user networks, as Podman does', async () => {
    await ok(['network', 'create', 'bad2']);
    await ok(['create', '--name', 'bctr1', '--network', 'bad2', img, 'true']);
    const noNet = await tpod(['network', 'connect', 'no-such-net', 'bctr1'], { env: t.env });
    expect(noNet.code).toBe(125);
    expect(noNet.stderr).toContain('unable to find network with name or ID no-such-net: network not found');
    const noCtr = await tpod(['network', 'connect', 'bad2', 'no-such-ctr'], { env: t.env });
    expect(noCtr.code).toBe(125);
    expect(noCtr.stderr).toContain('no container with name or ID "no-such-ctr" found: no such container');
    const noCtr2 = await tpod(['network', 'disconnect', 'bad2', 'no-such-ctr'], { env: t.env });
    expect(noCtr2.code).toBe(125);
    await ok(['create', '--name', 'bctr2', '--network', 'none', img, 'true']);
    const mode = await tpod(['network', 'connect', 'bad2', 'bctr2'], { env: t.env });
    expect(mode.code).toBe(125);
    expect(mode.stderr).toContain('"none" is not supported: invalid network mode');
    await ok(['rm', 'bctr1', 'bctr2']);
    await ok(['network', 'rm', 'bad2']);
  });
});
