// Volumes, networks and docker cp through the API service, with the real docker CLI:
// what the API makes, `tpod volume ls` / `tpod network ls` see, and the reverse; Docker's
// shapes and statuses; a tar with ../ entries and planted symlinks PUT into a container
// never writes outside its root.
import { beforeAll, expect, it } from 'vitest';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { busyboxImage, describeE2E, tpodOk, until, useEnv } from './harness.js';
import { apiRequest, docker, useService } from './api-harness.js';

/** A ustar archive of ENTRIES, written by hand so it can hold what tar tools refuse to make. */
function makeTar(entries: Array<{ name: string; type?: '0' | '2' | '5'; body?: string; link?: string; mode?: number }>): Buffer {
  const blocks: Buffer[] = [];
  for (const e of entries) {
    const body = Buffer.from(e.body ?? '');
    const h = Buffer.alloc(512);
    h.write(e.name, 0, 100);
    h.write(((e.mode ?? (e.type === '5' ? 0o755 : 0o644)).toString(8).padStart(7, '0')) + '\0', 100);
    h.write('0000000\0', 108);
    h.write('0000000\0', 116);
    h.write(body.length.toString(8).padStart(11, '0') + '\0', 124);
    h.write(Math.floor(Date.now() / 1000).toString(8).padStart(11, '0') + '\0', 136);
    h.write('        ', 148);
    h.write(e.type ?? '0', 156);
    if (e.link) h.write(e.link, 157, 100);
    h.write('ustar\0', 257);
    h.write('00', 263);
    let sum = 0;
    for (const b of h) sum += b;
    h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148);
    blocks.push(h);
    if (body.length > 0) blocks.push(body, Buffer.alloc((512 - (body.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

describeE2E('api: volumes, networks and archive', () => {
  const t = useEnv('api-volnet');
  const s = useService(() => t.env);
  let img: string;
  const dk = (args: string[]) => docker(s.service, args, { env: t.env, timeout: 120_000 });
  const ok = async (args: string[]): Promise<string> => {
    const r = await dk(args);
    expect(r.stderr, `docker ${args.join(' ')}`).toBe('');
    expect(r.code, `docker ${args.join(' ')}`).toBe(0);
    return r.stdout;
  };
  const tp = (args: string[]) => tpodOk(args, { env: t.env, timeout: 120_000 });

  beforeAll(async () => {
    img = await busyboxImage(t.env);
  }, 120_000);

  it('docker volume create/ls/inspect/rm/prune, seen by tpod volume ls and the reverse', async () => {
    expect((await ok(['volume', 'create', '--label', 'com.docker.compose.project=p1', 'dv1'])).trim()).toBe('dv1');
    expect((await tp(['volume', 'ls', '--format', '{{.Name}}'])).stdout.split('\n')).toContain('dv1');
    await tp(['volume', 'create', '--label', 'made=tpod', 'tv1']);
    expect((await ok(['volume', 'ls', '--format', '{{.Name}} {{.Driver}}'])).trim().split('\n').sort()).toEqual(['dv1 local', 'tv1 local']);
    expect((await ok(['volume', 'ls', '-q', '--filter', 'label=made=tpod'])).trim()).toBe('tv1');
    const [v] = JSON.parse(await ok(['volume', 'inspect', 'dv1'])) as Array<Record<string, unknown>>;
    expect(v).toMatchObject({ Name: 'dv1', Driver: 'local', Scope: 'local', Labels: { 'com.docker.compose.project': 'p1' }, Options: {} });
    expect(v!.Mountpoint).toBe(join(t.env.dataHome, 'tpod', 'volumes', 'dv1', '_data'));
    expect(v!.CreatedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);

    // A create of a name that exists answers with that volume (Docker's rule, compose relies on it).
    const again = await apiRequest(s.service.socket, 'POST', '/v1.41/volumes/create', { Name: 'dv1' });
    expect(again.status).toBe(201);
    expect((again.json() as { Labels: Record<string, string> }).Labels).toEqual({ 'com.docker.compose.project': 'p1' });
    const opts = await apiRequest(s.service.socket, 'POST', '/v1.41/volumes/create', { Name: 'dv2', DriverOpts: { type: 'tmpfs', device: 'tmpfs', o: 'size=1m' } });
    expect(opts.status).toBe(201);
    expect((opts.json() as { Options: Record<string, string> }).Options).toEqual({ type: 'tmpfs', device: 'tmpfs', o: 'size=1m' });
    const bad = await apiRequest(s.service.socket, 'POST', '/v1.41/volumes/create', { Name: 'x', DriverOpts: { bogus: '1' } });
    expect(bad.status).toBe(400);

    // In use by a container made with the CLI: 409, and not dangling.
    await tp(['create', '--name', 'vuser', '-v', 'dv1:/data', img, 'true']);
    const inUse = await dk(['volume', 'rm', 'dv1']);
    expect(inUse.code).not.toBe(0);
    expect(inUse.stderr).toMatch(/volume is being used/);
    expect((await apiRequest(s.service.socket, 'DELETE', '/volumes/dv1')).status).toBe(409);
    expect((await ok(['volume', 'ls', '-q', '--filter', 'dangling=true'])).trim().split('\n').sort()).toEqual(['dv2', 'tv1']);

    const missing = await dk(['volume', 'inspect', 'nosuchvol']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no such volume/i);
    expect((await apiRequest(s.service.socket, 'DELETE', '/volumes/nosuchvol')).status).toBe(404);
    expect((await apiRequest(s.service.socket, 'DELETE', '/volumes/nosuchvol?force=1')).status).toBe(204);

    writeFileSync(join(t.env.dataHome, 'tpod', 'volumes', 'tv1', '_data', 'f'), 'x'.repeat(1000));
    const pruned = await ok(['volume', 'prune', '-f']);
    expect(pruned).toMatch(/dv2/);
    expect(pruned).toMatch(/tv1/);
    expect(pruned).toMatch(/Total reclaimed space: 1(\.0)?kB/);
    expect((await tp(['volume', 'ls', '-q'])).stdout.trim()).toBe('dv1');
    await tp(['rm', 'vuser']);
    expect((await ok(['volume', 'rm', 'dv1'])).trim()).toBe('dv1');
    expect((await tp(['volume', 'ls', '-q'])).stdout.trim()).toBe('');
  });

  it('docker network create/ls/inspect/rm/prune in Docker shape, the default network as "bridge"', async () => {
    const id = (await ok(['network', 'create', '--label', 'com.docker.compose.network=default', '--subnet', '10.123.7.0/24', '--gateway', '10.123.7.1', 'dn1'])).trim();
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    expect((await tp(['network', 'ls', '--format', '{{.Name}}'])).stdout.split('\n')).toContain('dn1');
    await tp(['network', 'create', '--label', 'made=tpod', 'tn1']);
    const names = (await ok(['network', 'ls', '--format', '{{.Name}} {{.Driver}} {{.Scope}}'])).trim().split('\n').sort();
    expect(names).toEqual(['bridge bridge local', 'dn1 bridge local', 'tn1 bridge local']);
    expect((await ok(['network', 'ls', '-q', '--filter', 'label=made=tpod'])).trim()).toBe((await tp(['network', 'inspect', '--format', '{{.ID}}', 'tn1'])).stdout.trim().slice(0, 12));
    expect((await ok(['network', 'ls', '--format', '{{.Name}}', '--filter', 'type=custom'])).trim().split('\n').sort()).toEqual(['dn1', 'tn1']);

    const [n] = JSON.parse(await ok(['network', 'inspect', 'dn1'])) as Array<Record<string, unknown>>;
    expect(n).toMatchObject({
      Name: 'dn1',
      Id: id,
      Scope: 'local',
      Driver: 'bridge',
      EnableIPv6: false,
      IPAM: { Driver: 'default', Config: [{ Subnet: '10.123.7.0/24', Gateway: '10.123.7.1' }] },
      Internal: false,
      Attachable: false,
      Containers: {},
      Options: {},
      Labels: { 'com.docker.compose.network': 'default' },
    });
    const [bridge] = JSON.parse(await ok(['network', 'inspect', 'bridge'])) as Array<Record<string, unknown>>;
    expect(bridge).toMatchObject({ Name: 'bridge', Driver: 'bridge', IPAM: { Driver: 'default', Config: [{ Subnet: '10.88.0.0/16' }] } });
    expect((await apiRequest(s.service.socket, 'GET', '/networks/podman')).json()).toMatchObject({ Name: 'podman' });

    const dup = await dk(['network', 'create', 'dn1']);
    expect(dup.code).not.toBe(0);
    expect((await apiRequest(s.service.socket, 'POST', '/networks/create', { Name: 'dn1' })).status).toBe(409);
    expect((await apiRequest(s.service.socket, 'POST', '/networks/create', { Name: 'bridge' })).status).toBe(403);
    expect((await apiRequest(s.service.socket, 'POST', '/networks/create', { Name: 'x', IPAM: { Config: [{ Subnet: 'nonsense' }] } })).status).toBe(400);
    const warned = await apiRequest(s.service.socket, 'POST', '/networks/create', { Name: 'dn2', Options: { 'com.docker.network.driver.mtu': '1400', 'com.docker.network.bridge.name': 'br9' } });
    expect(warned.status).toBe(201);
    expect((warned.json() as { Warning: string }).Warning).toMatch(/com.docker.network.bridge.name/);
    expect((await apiRequest(s.service.socket, 'GET', '/networks/dn2')).json()).toMatchObject({ Options: { 'com.docker.network.driver.mtu': '1400' } });
    expect((await tp(['network', 'inspect', '--format', '{{index .Options "mtu"}}', 'dn2'])).stdout.trim()).toBe('1400');

    const rmBridge = await dk(['network', 'rm', 'bridge']);
    expect(rmBridge.code).not.toBe(0);
    expect(rmBridge.stderr).toMatch(/pre-defined network/);
    const missing = await dk(['network', 'inspect', 'nosuchnet']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/network not found|No such network/i);

    // In use by a container the CLI made: not removed, not pruned.
    await tp(['create', '--name', 'nuser', '--network', 'tn1', img, 'true']);
    expect((await apiRequest(s.service.socket, 'DELETE', '/networks/tn1')).status).toBe(409);
    expect((await ok(['network', 'ls', '--format', '{{.Name}}', '--filter', 'dangling=true'])).trim().split('\n').sort()).toEqual(['dn1', 'dn2']);
    const pruned = await ok(['network', 'prune', '-f']);
    expect(pruned).toMatch(/dn1/);
    expect(pruned).toMatch(/dn2/);
    expect((await tp(['network', 'ls', '--format', '{{.Name}}'])).stdout.trim().split('\n').sort()).toEqual(['podman', 'tn1']);
    await tp(['rm', 'nuser']);
    expect((await ok(['network', 'rm', 'tn1'])).trim()).toBe('tn1');
    expect((await apiRequest(s.service.socket, 'DELETE', '/networks/tn1')).status).toBe(404);
  });

  it('docker network connect/disconnect: a created container, and a running one listed under Containers', async () => {
    await ok(['network', 'create', 'ca']);
    await ok(['network', 'create', '--subnet', '10.123.9.0/24', 'cb']);
    await tp(['create', '--name', 'cstop', '--network', 'ca', img, 'true']);
    await ok(['network', 'connect', '--alias', 'al1', 'cb', 'cstop']);
    const nets = JSON.parse((await tp(['inspect', '--format', '{{json .NetworkSettings.Networks}}', 'cstop'])).stdout) as Record<string, { Aliases: string[] }>;
    expect(Object.keys(nets).sort()).toEqual(['ca', 'cb']);
    expect(nets.cb!.Aliases).toContain('al1');
    const again = await dk(['network', 'connect', 'cb', 'cstop']);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toMatch(/already connected/);
    await ok(['network', 'disconnect', 'cb', 'cstop']);
    expect(Object.keys(JSON.parse((await tp(['inspect', '--format', '{{json .NetworkSettings.Networks}}', 'cstop'])).stdout) as object)).toEqual(['ca']);
    const notOn = await dk(['network', 'disconnect', 'cb', 'cstop']);
    expect(notOn.code).not.toBe(0);
    expect((await apiRequest(s.service.socket, 'POST', '/networks/cb/connect', { Container: 'nosuchctr' })).status).toBe(404);
    expect((await apiRequest(s.service.socket, 'POST', '/networks/nosuchnet/connect', { Container: 'cstop' })).status).toBe(404);
    expect((await apiRequest(s.service.socket, 'POST', '/networks/cb/connect', { Container: 'cstop', EndpointConfig: { IPAMConfig: { IPv4Address: 'x.y' } } })).status).toBe(400);

    await tp(['run', '-d', '--name', 'crun', '--network', 'ca', img, 'sleep', '600']);
    await ok(['network', 'connect', '--ip', '10.123.9.50', 'cb', 'crun']);
    const cid = (await tp(['inspect', '--format', '{{.Id}}', 'crun'])).stdout.trim();
    const [cb] = JSON.parse(await ok(['network', 'inspect', 'cb'])) as Array<{ Containers: Record<string, Record<string, string>> }>;
    expect(cb!.Containers[cid]).toMatchObject({ Name: 'crun', IPv4Address: '10.123.9.50/24', IPv6Address: '' });
    expect(cb!.Containers[cid]!.MacAddress).toMatch(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);
    expect((await tp(['exec', 'crun', 'sh', '-c', "ip -4 -o addr show eth1 | awk '{print $4}'"])).stdout.trim()).toBe('10.123.9.50/24');
    await ok(['network', 'disconnect', 'cb', 'crun']);
    const [after] = JSON.parse(await ok(['network', 'inspect', 'cb'])) as Array<{ Containers: Record<string, unknown> }>;
    expect(after!.Containers).toEqual({});
    await tp(['rm', '-f', '-t', '0', 'crun', 'cstop']);
    await ok(['network', 'rm', 'ca', 'cb']);
  });

  it('docker cp into and out of a running and a stopped container, files and directories', async () => {
    const host = join(t.env.base, 'cp-host');
    mkdirSync(join(host, 'dir', 'sub'), { recursive: true });
    writeFileSync(join(host, 'file.txt'), 'hello file\n');
    writeFileSync(join(host, 'dir', 'a'), 'a\n');
    writeFileSync(join(host, 'dir', 'sub', 'b'), 'b\n');
    await tp(['run', '-d', '--name', 'cpr', '--network', 'none', img, 'sleep', '600']);
    await tp(['create', '--name', 'cps', '--network', 'none', img, 'true']);
    const exec = async (...cmd: string[]): Promise<string> => (await tp(['exec', 'cpr', ...cmd])).stdout;

    await ok(['cp', join(host, 'file.txt'), 'cpr:/tmp/']);
    await ok(['cp', join(host, 'dir'), 'cpr:/tmp/dir']);
    await ok(['cp', join(host, 'file.txt'), 'cpr:/tmp/renamed.txt']);
    expect(await exec('cat', '/tmp/file.txt', '/tmp/dir/a', '/tmp/dir/sub/b', '/tmp/renamed.txt')).toBe('hello file\na\nb\nhello file\n');
    // Docker's default owner is the container's root, whatever the host file's owner.
    expect((await exec('stat', '-c', '%u:%g', '/tmp/file.txt')).trim()).toBe('0:0');

    const out = join(t.env.base, 'cp-out');
    mkdirSync(out);
    await ok(['cp', 'cpr:/tmp/dir', join(out, 'dir-copy')]);
    expect(readFileSync(join(out, 'dir-copy', 'sub', 'b'), 'utf8')).toBe('b\n');
    await ok(['cp', 'cpr:/etc/passwd', out]);
    expect(readFileSync(join(out, 'passwd'), 'utf8')).toMatch(/^root:/);
    await ok(['cp', 'cpr:/tmp/dir/.', join(out, 'contents')]);
    expect(readdirSync(join(out, 'contents')).sort()).toEqual(['a', 'sub']);

    // The stopped container: through its mounted rootfs.
    await ok(['cp', join(host, 'dir'), 'cps:/tmp']);
    await ok(['cp', 'cps:/tmp/dir/sub/b', join(out, 'from-stopped')]);
    expect(readFileSync(join(out, 'from-stopped'), 'utf8')).toBe('b\n');

    // Tar streams both ways: `docker cp - CTR:DIR` and `docker cp CTR:PATH -`.
    const streamed = await docker(s.service, ['cp', '-', 'cpr:/tmp'], { env: t.env, input: makeTar([{ name: 'from-stdin', body: 'streamed\n' }]) });
    expect([streamed.code, streamed.stderr]).toEqual([0, '']);
    expect(await exec('cat', '/tmp/from-stdin')).toBe('streamed\n');
    const tarOut = await ok(['cp', 'cpr:/tmp/from-stdin', '-']);
    expect(tarOut.slice(0, 10)).toBe('from-stdin');
    expect(tarOut).toContain('streamed\n');

    const missing = await dk(['cp', 'cpr:/no/such/path', out]);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/no such|could not find/i);
  });

  it('HEAD and GET archive answer with the path stat header in Docker\'s shape', async () => {
    const head = await apiRequest(s.service.socket, 'HEAD', '/v1.41/containers/cpr/archive?path=/tmp/dir');
    expect(head.status).toBe(200);
    const st = JSON.parse(Buffer.from(String(head.headers['x-docker-container-path-stat']), 'base64').toString()) as Record<string, unknown>;
    expect(st).toMatchObject({ name: 'dir', linkTarget: '' });
    expect((st.mode as number) >= 2 ** 31).toBe(true); // Go's os.ModeDir
    expect((st.mode as number) % 2 ** 9).toBe(0o755);
    const file = await apiRequest(s.service.socket, 'HEAD', '/containers/cpr/archive?path=/tmp/file.txt');
    const fst = JSON.parse(Buffer.from(String(file.headers['x-docker-container-path-stat']), 'base64').toString()) as Record<string, unknown>;
    expect(fst).toMatchObject({ name: 'file.txt', size: 11, mode: 0o644 });
    expect(fst.mtime).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect((await apiRequest(s.service.socket, 'HEAD', '/containers/cpr/archive?path=/nope')).status).toBe(404);
    expect((await apiRequest(s.service.socket, 'GET', '/containers/cpr/archive?path=/nope')).status).toBe(404);
    expect((await apiRequest(s.service.socket, 'HEAD', '/containers/nosuchctr/archive?path=/')).status).toBe(404);
    const get = await apiRequest(s.service.socket, 'GET', '/containers/cpr/archive?path=/tmp/file.txt');
    expect(get.status).toBe(200);
    expect(get.headers['content-type']).toBe('application/x-tar');
    expect(get.headers['x-docker-container-path-stat']).toBeDefined();
    expect(get.body.slice(0, 8)).toBe('file.txt');
    // PUT into a file or a missing directory: Docker's 400 and 404.
    expect((await apiRequest(s.service.socket, 'PUT', '/containers/cpr/archive?path=/tmp/file.txt', makeTar([{ name: 'x', body: 'x' }]))).status).toBe(400);
    expect((await apiRequest(s.service.socket, 'PUT', '/containers/cpr/archive?path=/no/dir', makeTar([{ name: 'x', body: 'x' }]))).status).toBe(404);
  });

  it('PUT archive with ../ entries, absolute names and planted symlinks never writes outside the container root', async () => {
    const target = join(t.env.base, 'escape-target');
    mkdirSync(target);
    const depth = '../'.repeat(20);
    const attacks: Array<{ tar: Buffer; status: number; says?: RegExp }> = [
      { tar: makeTar([{ name: `${depth}${target.slice(1)}/dotdot`, body: 'pwned\n' }]), status: 400, says: /climbs out/ },
      // An absolute name is taken inside the directory, as tar does.
      { tar: makeTar([{ name: `${target}/absolute`, body: 'inside\n' }]), status: 200 },
      // Links to the host path: in the container's root that path does not exist.
      { tar: makeTar([{ name: 'link', type: '2', link: target }, { name: 'link/through-link', body: 'pwned\n' }]), status: 400, says: /symlink/ },
      { tar: makeTar([{ name: 'up', type: '2', link: depth + target.slice(1) }, { name: 'up/through-relative-link', body: 'pwned\n' }]), status: 400, says: /symlink/ },
      // A link to the container's own root is followed inside it.
      { tar: makeTar([{ name: 'rootlink', type: '2', link: '/' }, { name: 'rootlink/planted', body: 'in the container\n' }]), status: 200 },
    ];
    await tp(['exec', 'cpr', 'mkdir', '-p', '/tmp/drop']);
    for (const ctr of ['cpr', 'cps']) {
      for (const [i, a] of attacks.entries()) {
        const r = await apiRequest(s.service.socket, 'PUT', `/containers/${ctr}/archive?path=${ctr === 'cpr' ? '/tmp/drop' : '/tmp'}`, a.tar);
        expect(r.status, `${ctr} attack ${i}: ${r.body}`).toBe(a.status);
        if (a.says) expect((r.json() as { message: string }).message).toMatch(a.says);
        expect(readdirSync(target), `${ctr} attack ${i}`).toEqual([]);
      }
    }
    expect((await tp(['exec', 'cpr', 'cat', `/tmp/drop${target}/absolute`, '/planted'])).stdout).toBe('inside\nin the container\n');
    await ok(['cp', 'cps:/planted', join(t.env.base, 'planted-out')]);
    expect(readFileSync(join(t.env.base, 'planted-out'), 'utf8')).toBe('in the container\n');
    expect(existsSync('/planted')).toBe(false);
  });

  it('cleans up', async () => {
    await tp(['rm', '-f', '-t', '0', 'cpr', 'cps']);
    await until('no containers are left', async () => (await tp(['ps', '-aq'])).stdout.trim() === '');
  });
});
