// Volumes end to end, as the unprivileged user against real crun/runc and overlay: the
// volume commands, -v NAME and anonymous volumes, seeding from the image, --mount,
// :U, --volumes-from, export/import, and bad input.
import { it, expect, beforeAll } from 'vitest';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeE2E, useEnv, tpod, tpodOk, busyboxImage, BUSYBOX_IMAGE } from './harness.js';
import { imageFixtures } from './fixtures.js';

describeE2E('volumes', () => {
  const t = useEnv('volumes');
  const run = (args: string[]) => tpod(['run', '--rm', '--network', 'none', ...args], { env: t.env });
  const volumesDir = (): string => join(t.env.dataHome, 'tpod', 'volumes');

  beforeAll(async () => {
    await busyboxImage(t.env);
    await tpodOk(['load', '-q', '-i', imageFixtures().volumeOci], { env: t.env });
  });

  it('lifecycle: create, ls, inspect, exists, rm; content persists across containers', async () => {
    expect((await tpodOk(['volume', 'create', '--label', 'app=db', 'data'], { env: t.env })).stdout).toBe('data\n');
    expect((await tpodOk(['volume', 'ls'], { env: t.env })).stdout).toMatch(/^DRIVER\s+VOLUME NAME\nlocal\s+data\n$/);
    const [info] = JSON.parse((await tpodOk(['volume', 'inspect', 'data'], { env: t.env })).stdout) as Array<Record<string, unknown>>;
    expect(info).toMatchObject({ Name: 'data', Driver: 'local', Labels: { app: 'db' }, Scope: 'local', NeedsCopyUp: true, NeedsChown: true });
    expect(info!.Mountpoint).toBe(join(volumesDir(), 'data', '_data'));
    expect((await tpod(['volume', 'exists', 'data'], { env: t.env })).code).toBe(0);
    expect((await tpod(['volume', 'exists', 'nope'], { env: t.env })).code).toBe(1);
    expect((await run(['-v', 'data:/data', BUSYBOX_IMAGE, 'sh', '-c', 'echo kept >/data/f'])).code).toBe(0);
    expect((await run(['-v', 'data:/other', BUSYBOX_IMAGE, 'cat', '/other/f'])).stdout).toBe('kept\n');
    expect(readFileSync(join(volumesDir(), 'data', '_data', 'f'), 'utf8')).toBe('kept\n');
    expect((await tpodOk(['volume', 'inspect', '--format', '{{.NeedsChown}}', 'data'], { env: t.env })).stdout).toBe('false\n');
    expect((await tpod(['volume', 'create', 'data'], { env: t.env })).stderr).toBe('Error: volume with name data already exists: volume already exists\n');
    expect((await tpod(['volume', 'create', '--ignore', 'data'], { env: t.env })).code).toBe(0);
    expect((await tpodOk(['volume', 'rm', 'data'], { env: t.env })).stdout).toBe('data\n');
    expect(existsSync(join(volumesDir(), 'data'))).toBe(false);
  });

  it('a new named volume is seeded with the image\'s content at its mount point, once', async () => {
    const r = await run(['-v', 'seed:/etc', BUSYBOX_IMAGE, 'cat', '/etc/passwd']);
    expect(r.stdout).toMatch(/^root:x:0:0/);
    expect((await tpodOk(['volume', 'inspect', '--format', '{{.NeedsCopyUp}}', 'seed'], { env: t.env })).stdout).toBe('false\n');
    // An empty place in the image copies nothing, and the volume still owes its copy-up.
    await run(['-v', 'empty:/nothing-here', BUSYBOX_IMAGE, 'true']);
    expect((await tpodOk(['volume', 'inspect', '--format', '{{.NeedsCopyUp}}', 'empty'], { env: t.env })).stdout).toBe('true\n');
    // nocopy leaves a new volume empty.
    await run(['-v', 'nocopy:/etc:nocopy', BUSYBOX_IMAGE, 'true']);
    expect(readdirSync(join(volumesDir(), 'nocopy', '_data'))).toEqual([]);
    await tpodOk(['volume', 'rm', 'seed', 'empty', 'nocopy'], { env: t.env });
  });

  it("an image's VOLUME gets an anonymous volume seeded from the image; --rm removes it, --image-volume changes it", async () => {
    const before = (await tpodOk(['volume', 'ls', '-q'], { env: t.env })).stdout;
    expect((await run(['localhost/volume', 'sh', '-c', 'cat /data/seed.txt; grep " /data " /proc/mounts | cut -d" " -f3'])).stdout).toMatch(/^seeded\n(ext4|xfs|btrfs|tmpfs|overlay)\n$/);
    expect((await tpodOk(['volume', 'ls', '-q'], { env: t.env })).stdout).toBe(before);
    expect((await run(['--image-volume', 'tmpfs', 'localhost/volume', 'sh', '-c', 'grep " /data " /proc/mounts | cut -d" " -f3'])).stdout).toBe('tmpfs\n');
    expect((await run(['--image-volume', 'ignore', 'localhost/volume', 'sh', '-c', 'grep -c " /data " /proc/mounts'])).stdout).toBe('0\n');
    // containers.conf's image_volume_mode is the default that --image-volume overrides.
    const conf = join(t.env.base, 'image-volume.conf');
    writeFileSync(conf, '[engine]\nimage_volume_mode = "tmpfs"\n');
    const withConf = (args: string[]) => tpod(['run', '--rm', '--network', 'none', ...args], { env: t.env, extraEnv: { CONTAINERS_CONF: conf } });
    expect((await withConf(['localhost/volume', 'sh', '-c', 'grep " /data " /proc/mounts | cut -d" " -f3'])).stdout).toBe('tmpfs\n');
    expect((await withConf(['--image-volume', 'ignore', 'localhost/volume', 'sh', '-c', 'grep -c " /data " /proc/mounts'])).stdout).toBe('0\n');
  });

  it('anonymous volumes (-v /path): kept by rm, removed by rm -v and by --rm', async () => {
    await tpodOk(['run', '--network', 'none', '--name', 'anon', '-v', '/scratch', BUSYBOX_IMAGE, 'sh', '-c', 'echo x >/scratch/y'], { env: t.env });
    const names = (await tpodOk(['volume', 'ls', '-q'], { env: t.env })).stdout.trim().split('\n');
    expect(names).toHaveLength(1);
    const [anon] = JSON.parse((await tpodOk(['volume', 'inspect', names[0]!], { env: t.env })).stdout) as Array<{ Anonymous?: boolean }>;
    expect(anon!.Anonymous).toBe(true);
    await tpodOk(['rm', '-v', 'anon'], { env: t.env });
    expect((await tpodOk(['volume', 'ls', '-q'], { env: t.env })).stdout).toBe('');
    await tpodOk(['run', '-d', '--rm', '--network', 'none', '--name', 'anon2', '-v', '/scratch', BUSYBOX_IMAGE, 'true'], { env: t.env });
    await tpodOk(['wait', 'anon2'], { env: t.env }).catch(() => undefined);
    for (let i = 0; i < 100 && (await tpodOk(['volume', 'ls', '-q'], { env: t.env })).stdout !== ''; i++) await new Promise((r) => setTimeout(r, 100));
    expect((await tpodOk(['volume', 'ls', '-q'], { env: t.env })).stdout).toBe('');
  });

  it('each --mount type: bind, volume, tmpfs, devpts; image is refused with a reason', async () => {
    const host = join(t.env.base, 'bind-src');
    mkdirSync(host);
    writeFileSync(join(host, 'f'), 'from host\n');
    const r = await run([
      '--mount', `type=bind,src=${host},dst=/b,ro=true`,
      '--mount', 'type=volume,src=mvol,dst=/v',
      '--mount', 'type=tmpfs,dst=/t,tmpfs-size=2m',
      '--mount', 'type=devpts,dst=/dev/pts2',
      BUSYBOX_IMAGE, 'sh', '-c', 'cat /b/f; touch /b/g 2>/dev/null || echo ro; echo v >/v/x; df -k /t | tail -1 | tr -s " " | cut -d" " -f2; grep -c " /dev/pts2 devpts" /proc/mounts',
    ]);
    expect(r.stdout).toBe('from host\nro\n2048\n1\n');
    expect(readFileSync(join(volumesDir(), 'mvol', '_data', 'x'), 'utf8')).toBe('v\n');
    const img = await run(['--mount', 'type=image,src=localhost/volume,dst=/img', BUSYBOX_IMAGE, 'true']);
    expect(img.code).toBe(125);
    expect(img.stderr).toMatch(/--mount type=image .* is not supported yet/);
    await tpodOk(['volume', 'rm', 'mvol'], { env: t.env });
  });

  it(':U gives a bind source to the container user, and again only when its owner changed', async () => {
    const dir = join(t.env.base, 'u-src');
    mkdirSync(dir);
    writeFileSync(join(dir, 'f'), 'x');
    await tpodOk(['create', '--name', 'chown', '--network', 'none', '--user', '1000:2000', '-v', `${dir}:/data:U`, BUSYBOX_IMAGE, 'stat', '-c', '%u:%g', '/data', '/data/f'], { env: t.env });
    expect((await tpodOk(['start', '-a', 'chown'], { env: t.env })).stdout).toBe('1000:2000\n1000:2000\n');
    await tpodOk(['unshare', 'chown', '100:200', join(dir, 'f')], { env: t.env });
    // The top is still the user's: no recursive chown this time.
    expect((await tpodOk(['start', '-a', 'chown'], { env: t.env })).stdout).toBe('1000:2000\n100:200\n');
    await tpodOk(['rm', 'chown'], { env: t.env });
    await tpodOk(['unshare', 'rm', '-rf', dir], { env: t.env });
  });

  it('a volume in use is refused by volume rm (exit 2) and removed with its users by rm -f; prune removes unused ones', async () => {
    await tpodOk(['run', '-d', '--network', 'none', '--name', 'user', '-v', 'busy:/b', BUSYBOX_IMAGE, 'sleep', '300'], { env: t.env });
    const r = await tpod(['volume', 'rm', 'busy'], { env: t.env });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^Error: volume busy is being used by the following container\(s\): [0-9a-f]{64}: volume is being used\n$/);
    await tpodOk(['volume', 'create', 'unused1'], { env: t.env });
    await tpodOk(['volume', 'create', '--label', 'keep=1', 'unused2'], { env: t.env });
    expect((await tpodOk(['volume', 'prune', '-f', '--filter', 'label=keep=1'], { env: t.env })).stdout).toBe('unused2\n');
    expect((await tpodOk(['volume', 'prune', '-f'], { env: t.env })).stdout).toBe('unused1\n');
    expect((await tpodOk(['volume', 'rm', '-f', '-t', '0', 'busy'], { env: t.env })).stdout).toBe('busy\n');
    expect((await tpod(['container', 'exists', 'user'], { env: t.env })).code).toBe(1);
    const gone = await tpod(['volume', 'rm', 'bogus'], { env: t.env });
    expect([gone.code, gone.stderr]).toEqual([1, 'Error: no volume with name "bogus" found: no such volume\n']);
    expect((await tpod(['volume', 'rm', '-f', 'bogus'], { env: t.env })).code).toBe(0);
  });

  it('export then import round-trips the content; a symlink in the volume reads nothing of the host', async () => {
    await tpodOk(['volume', 'create', 'src'], { env: t.env });
    await run(['-v', 'src:/s', BUSYBOX_IMAGE, 'sh', '-c', 'echo hello >/s/test; mkdir -p /s/d; ln -s / /s/root; ln -s /etc/shadow /s/shadow']);
    const tar = join(t.env.base, 'vol.tar');
    await tpodOk(['volume', 'export', 'src', '-o', tar], { env: t.env });
    const bytes = readFileSync(tar);
    expect(bytes.includes('hello')).toBe(true);
    expect(bytes.includes('root:x:0:0')).toBe(false);
    await tpodOk(['volume', 'create', 'dst'], { env: t.env });
    await tpodOk(['volume', 'import', 'dst', tar], { env: t.env });
    expect((await run(['-v', 'dst:/d', BUSYBOX_IMAGE, 'sh', '-c', 'cat /d/test; readlink /d/root'])).stdout).toBe('hello\n/\n');
    await tpodOk(['volume', 'rm', 'src', 'dst'], { env: t.env });
  });

  it('--volumes-from mounts another container\'s volumes (ro when asked)', async () => {
    await tpodOk(['create', '--name', 'owner', '--network', 'none', '-v', 'shared:/shared', BUSYBOX_IMAGE, 'true'], { env: t.env });
    await run(['-v', 'shared:/x', BUSYBOX_IMAGE, 'sh', '-c', 'echo s >/x/f']);
    expect((await run(['--volumes-from', 'owner', BUSYBOX_IMAGE, 'cat', '/shared/f'])).stdout).toBe('s\n');
    const ro = await run(['--volumes-from', 'owner:ro', BUSYBOX_IMAGE, 'sh', '-c', 'touch /shared/g']);
    expect(ro.code).toBe(1);
    expect(ro.stderr).toMatch(/Read-only file system/);
    await tpodOk(['rm', 'owner'], { env: t.env });
    await tpodOk(['volume', 'rm', 'shared'], { env: t.env });
  });

  it('volume mount is refused outside tpod unshare and gives the path inside it', async () => {
    await tpodOk(['volume', 'create', 'm'], { env: t.env });
    const outside = await tpod(['volume', 'mount', 'm'], { env: t.env });
    expect(outside.code).toBe(125);
    expect(outside.stderr).toMatch(/in rootless mode, must execute `tpod unshare` first/);
    const bin = (await import('./harness.js')).tpodBin();
    const inside = await tpodOk(['unshare', bin, 'volume', 'mount', 'm'], { env: t.env });
    expect(inside.stdout).toBe(`${join(volumesDir(), 'm', '_data')}\n`);
    await tpodOk(['volume', 'rm', 'm'], { env: t.env });
  });

  it('bad input: unknown options, missing bind sources, duplicate destinations get clear messages and create nothing', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['-v', 'x:/x:bogus'], /bogus: invalid mount option/],
      [['-v', '/no/such/dir:/x'], /statfs \/no\/such\/dir: no such file or directory/],
      [['--mount', 'type=bind,src=/no/such,dst=/x'], /statfs \/no\/such: no such file or directory/],
      [['--mount', 'type=foo,dst=/x'], /invalid filesystem type "foo"/],
      [['--mount', 'type=volume,src=v'], /must set volume destination/],
      [['-v', 'a:/x', '-v', 'b:/x'], /\/x: duplicate mount destination/],
      [['--image-volume', 'weird'], /invalid image volume type "weird"/],
    ];
    for (const [flags, msg] of cases) {
      const r = await run([...flags, BUSYBOX_IMAGE, 'true']);
      expect(r.code, flags.join(' ')).toBe(125);
      expect(r.stderr, flags.join(' ')).toMatch(msg);
    }
    expect((await tpodOk(['volume', 'ls', '-q'], { env: t.env })).stdout).toBe('');
    expect((await tpodOk(['ps', '-aq'], { env: t.env })).stdout).toBe('');
    const opt = await tpod(['volume', 'create', '-o', 'type=bind', '-o', 'device=/bogus', 'b'], { env: t.env });
    expect(opt.stderr).toBe("Error: invalid volume option device for driver 'local': stat /bogus: no such file or directory\n");
  });

  it('pod create -v: every container of the pod mounts the pod\'s volumes', async () => {
    await tpodOk(['pod', 'create', '--name', 'vpod', '--network', 'none', '-v', 'podvol:/shared'], { env: t.env });
    await tpodOk(['run', '--rm', '--pod', 'vpod', BUSYBOX_IMAGE, 'sh', '-c', 'echo from-one > /shared/f'], { env: t.env });
    expect((await tpodOk(['run', '--rm', '--pod', 'vpod', BUSYBOX_IMAGE, 'cat', '/shared/f'], { env: t.env })).stdout).toBe('from-one\n');
    // A member's own mount at the same place wins.
    expect((await tpodOk(['run', '--rm', '--pod', 'vpod', '-v', 'own:/shared', BUSYBOX_IMAGE, 'ls', '/shared'], { env: t.env })).stdout).toBe('');
    const noInfra = await tpod(['pod', 'create', '--infra=false', '-v', 'x:/x'], { env: t.env });
    expect(noInfra.code).toBe(125);
    await tpodOk(['pod', 'rm', '-f', 'vpod'], { env: t.env });
    expect(readFileSync(join(volumesDir(), 'podvol', '_data', 'f'), 'utf8')).toBe('from-one\n');
    await tpodOk(['volume', 'rm', 'podvol', 'own'], { env: t.env });
  });

  it('system prune removes stopped containers, and with --volumes the volumes no container uses', async () => {
    await tpodOk(['run', '-d', '--network', 'none', '--name', 'running', '-v', 'kept:/k', BUSYBOX_IMAGE, 'sleep', '300'], { env: t.env });
    const stopped = (await tpodOk(['create', '--network', 'none', '--name', 'stopped', '-v', 'freed:/f', BUSYBOX_IMAGE, 'true'], { env: t.env })).stdout.trim();
    await tpodOk(['volume', 'create', 'lonely'], { env: t.env });
    const bad = await tpod(['system', 'prune', '-f', '--filter', 'name=x'], { env: t.env });
    expect([bad.code, bad.stderr]).toEqual([125, 'Error: name is an invalid filter\n']);
    const no = await tpod(['system', 'prune', '--volumes'], { env: t.env, input: 'n\n' });
    expect(no.stdout).toMatch(/^WARNING! This command removes:\n\t- all stopped containers\n\t- all networks not used by at least one container\n\t- all volumes not used by at least one container\n/);
    expect((await tpod(['container', 'exists', 'stopped'], { env: t.env })).code).toBe(0);
    const first = await tpodOk(['system', 'prune', '-f'], { env: t.env });
    expect(first.stdout).toMatch(new RegExp(`^Deleted Containers\n${stopped}\n(Deleted Images\n[0-9a-f\n]+)?Total reclaimed space: \\S+\n$`));
    expect((await tpodOk(['volume', 'ls', '-q'], { env: t.env })).stdout.split('\n').filter((v) => ['kept', 'freed', 'lonely'].includes(v)).sort()).toEqual(['freed', 'kept', 'lonely']);
    const second = await tpodOk(['system', 'prune', '-f', '--volumes'], { env: t.env });
    expect(second.stdout).toMatch(/^Deleted Volumes\n(.+\n)*Total reclaimed space: \S+\n$/);
    const vols = (await tpodOk(['volume', 'ls', '-q'], { env: t.env })).stdout.split('\n');
    expect(vols).toContain('kept');
    expect(vols).not.toContain('freed');
    expect(vols).not.toContain('lonely');
    expect((await tpod(['container', 'exists', 'running'], { env: t.env })).code).toBe(0);
    await tpodOk(['rm', '-f', '-t', '0', '-v', 'running'], { env: t.env });
  });
});
