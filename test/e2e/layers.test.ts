// The layer store against the world: hostile archives (each attack a test named after
// it, through import, load and pull), and every shape a real image has, built by GNU
// tar, umoci and skopeo, pulled from a real registry and compared entry by entry with
// what `podman run` shows of the same image.
import { it, expect, beforeAll, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeE2E, useEnv, makeEnv, cleanup, tpod, tpodOk, run, requireTool, type TpodEnv } from './harness.js';
import { startRegistry, skopeoCopy, type RealRegistry } from './registry.js';
import { shapeFixtures } from './fixtures.js';

/** Writes a tar with Python's tarfile (an independent writer) from a script's body. */
function pyTar(out: string, body: string, globalPax?: Record<string, string>): string {
  const script = [
    'import tarfile, io, sys',
    `t = tarfile.open(sys.argv[1], "w", format=tarfile.PAX_FORMAT${globalPax ? `, pax_headers=${JSON.stringify(globalPax)}` : ''})`,
    'def sym(n, target):',
    '    i = tarfile.TarInfo(n); i.type = tarfile.SYMTYPE; i.linkname = target; t.addfile(i)',
    'def hard(n, target):',
    '    i = tarfile.TarInfo(n); i.type = tarfile.LNKTYPE; i.linkname = target; t.addfile(i)',
    'def reg(n, data=b""):',
    '    i = tarfile.TarInfo(n); i.size = len(data); t.addfile(i, io.BytesIO(data))',
    body,
    't.close()',
  ].join('\n');
  const r = spawnSync('python3', ['-c', script, out], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`python3 tarfile failed: ${r.stderr}`);
  return out;
}

/** An OCI layout holding one image whose only layer is `tar`, made by umoci. */
function ociWith(dir: string, tar: string): string {
  const layout = join(dir, `oci-${Math.random().toString(36).slice(2)}`);
  for (const args of [['init', '--layout', layout], ['new', '--image', `${layout}:evil`], ['raw', 'add-layer', '--image', `${layout}:evil`, tar]]) {
    const r = spawnSync('umoci', args, { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`umoci ${args.join(' ')}: ${r.stderr}`);
  }
  return layout;
}

function listDir(p: string): string[] {
  return existsSync(p) ? readdirSync(p).sort() : [];
}

describeE2E('layer store: hostile archives', () => {
  const t = useEnv('layer-attacks');
  let victimDir: string;
  let victim: string;
  let registry: RealRegistry;

  beforeAll(async () => {
    victimDir = join(t.env.base, 'victim-dir');
    mkdirSync(victimDir);
    victim = join(victimDir, 'victim');
    writeFileSync(victim, 'original\n');
    registry = await startRegistry();
  });

  afterAll(async () => {
    await registry?.stop();
  });

  /** The host file is as it was and nothing new appeared beside it. */
  function hostUntouched(): void {
    expect(readFileSync(victim, 'utf8')).toBe('original\n');
    expect(listDir(victimDir)).toEqual(['victim']);
  }

  function noImages(env: TpodEnv = t.env): void {
    expect(listDir(join(env.dataHome, 'tpod', 'images'))).toEqual([]);
    expect(listDir(join(env.dataHome, 'tpod', 'layers'))).toEqual([]);
  }

  it('whiteout through a symlink (absolute): the layer whites out its own symlink, then writes through it', async () => {
    const tar = pyTar(join(t.env.base, 'wh-abs.tar'), `sym("a", ${JSON.stringify(victimDir)})\nreg(".wh.a")\nreg("a/victim", b"pwned\\n")`);
    const r = await tpod(['import', tar, 'localhost/poc'], { env: t.env });
    expect(r.code).toBe(125);
    expect(r.stderr).toMatch(/entry "a\/victim": its parent "a" is a symlink to a directory this layer does not have/);
    hostUntouched();
    noImages();
  });

  it('whiteout through a symlink (relative): ../../.. climbs no further than the layer root', async () => {
    const tar = pyTar(join(t.env.base, 'wh-rel.tar'), `sym("a", "../../../../../../../../../../../../.." + ${JSON.stringify(victimDir)})\nreg(".wh.a")\nreg("a/victim", b"pwned\\n")`);
    const r = await tpod(['import', tar, 'localhost/poc'], { env: t.env });
    expect(r.code).toBe(125);
    hostUntouched();
    noImages();
  });

  it('opaque marker through a symlink: the symlink becomes the opaque directory, inside the layer', async () => {
    const tar = pyTar(join(t.env.base, 'opq.tar'), `sym("a", ${JSON.stringify(victimDir)})\nreg("a/.wh..wh..opq")\nreg("a/victim", b"pwned\\n")`);
    const r = await tpod(['import', tar, 'localhost/opq'], { env: t.env });
    expect(r.code, r.stderr).toBe(0);
    hostUntouched();
    await tpodOk(['rmi', 'localhost/opq'], { env: t.env });
  });

  it('hardlink through a whited-out symlink links no file of the host into the layer store', async () => {
    const tar = pyTar(join(t.env.base, 'hl.tar'), `sym("a", ${JSON.stringify(victimDir)})\nreg(".wh.a")\nhard("stolen", "a/victim")`);
    const r = await tpod(['import', tar, 'localhost/poc'], { env: t.env });
    expect(r.code).toBe(125);
    expect(r.stderr).toMatch(/entry "stolen": cannot link it to "a\/victim"/);
    hostUntouched();
    noImages();
  });

  it('global PAX path that climbs out is refused for the entries it renames', async () => {
    const tar = pyTar(join(t.env.base, 'gpax-climb.tar'), 'reg("innocent", b"x")', { path: `../../../../../../../../..${victim}` });
    const r = await tpod(['import', tar, 'localhost/poc'], { env: t.env });
    expect(r.code).toBe(125);
    expect(r.stderr).toMatch(/climbs out with "\.\."/);
    hostUntouched();
    noImages();
  });

  it('global PAX path followed by save: the archive holds the layer\'s own bytes, never the host file it names', async () => {
    const tar = pyTar(join(t.env.base, 'gpax-abs.tar'), 'reg("innocent", b"layer bytes\\n")', { path: victim });
    await tpodOk(['import', tar, 'localhost/gpax'], { env: t.env });
    const out = join(t.env.base, 'gpax-saved.tar');
    await tpodOk(['save', '-o', out, 'localhost/gpax'], { env: t.env });
    const saved = readFileSync(out);
    expect(saved.includes('original')).toBe(false);
    expect(saved.includes('layer bytes')).toBe(true);
    hostUntouched();
    await tpodOk(['rmi', 'localhost/gpax'], { env: t.env });
  });

  it('path-depth bomb: a path of 200,000 components is refused before anything is made', async () => {
    const tar = pyTar(join(t.env.base, 'bomb.tar'), 'reg("a/" * 200000 + "f", b"x")');
    const r = await tpod(['import', tar, 'localhost/poc'], { env: t.env, timeout: 120_000 });
    expect(r.code).toBe(125);
    expect(r.stderr).toMatch(/longer than PATH_MAX/);
    noImages();
  });

  it('the whiteout-through-symlink attack through load (docker-archive by skopeo) and pull (registry) is refused too', async () => {
    const tar = pyTar(join(t.env.base, 'wh-load.tar'), `sym("a", ${JSON.stringify(victimDir)})\nreg(".wh.a")\nreg("a/victim", b"pwned\\n")`);
    const layout = ociWith(t.env.base, tar);
    const archive = join(t.env.base, 'evil-docker.tar');
    const c = spawnSync('skopeo', ['copy', '-q', `oci:${layout}:evil`, `docker-archive:${archive}:localhost/evil:latest`], { encoding: 'utf8' });
    expect(c.status, c.stderr).toBe(0);
    const l = await tpod(['load', '-i', archive], { env: t.env });
    expect(l.code).toBe(125);
    hostUntouched();
    noImages();
    skopeoCopy(`oci:${layout}:evil`, `${registry.host}/evil:latest`);
    const p = await tpod(['pull', '--tls-verify=false', `${registry.host}/evil:latest`], { env: t.env });
    expect(p.code).toBe(125);
    expect(p.stderr).toMatch(/its parent "a" is a symlink/);
    hostUntouched();
    noImages();
  });
});

/** What a container sees of /shapes: one line per entry, and the hardlink identity. */
const LISTING = `cd /shapes && find . | sort | while IFS= read -r f; do
  t=$(stat -c %F "$f"); sum=-; size=-
  if [ -f "$f" ] && [ ! -L "$f" ]; then sum=$(md5sum < "$f" | cut -c1-32); size=$(stat -c %s "$f"); fi
  printf '%s|%s|%s|%s|%s|%s|%s|%s|%s\\n' "$f" "$t" "$(stat -c %a "$f")" "$(stat -c %u:%g "$f")" "$size" "$sum" "$(readlink "$f")" "$(stat -c %h "$f")" "$(stat -c %Y "$f")"
done
[ "$(stat -c %i hard1)" = "$(stat -c %i hard2)" ] && echo "hard1 and hard2: one file" || echo "hard1 and hard2: two files"`;

describeE2E('layer store: real image shapes', () => {
  const t = useEnv('layer-shapes');
  let registry: RealRegistry;
  let podmanRoot: string;
  let podmanRunroot: string;
  const shapes = (): string => `${registry.host}/shapes:latest`;
  const empty = (): string => `${registry.host}/emptylayer:latest`;
  const podman = (args: string[]) => run('podman', ['--root', podmanRoot, '--runroot', podmanRunroot, '--storage-driver', 'overlay', ...args], { env: t.env, timeout: 180_000 });

  beforeAll(async () => {
    const fx = shapeFixtures();
    registry = await startRegistry();
    skopeoCopy(`oci:${fx.oci}:shapes`, shapes());
    skopeoCopy(`oci:${fx.oci}:emptylayer`, empty());
    podmanRoot = join(t.env.base, 'podman-root');
    podmanRunroot = join(t.env.runtimeDir, 'podman-run');
  });

  afterAll(async () => {
    if (podmanRoot && existsSync(podmanRoot)) await podman(['rmi', '-a', '-f']);
    await registry?.stop();
  });

  it('an image whose second layer is empty (1024 zero bytes gzipped, like Podman\'s test image) pulls and runs', async () => {
    await tpodOk(['pull', '-q', '--tls-verify=false', empty()], { env: t.env });
    const r = await tpodOk(['run', '--rm', '--network', 'none', empty(), 'echo', 'ran'], { env: t.env });
    expect(r.stdout).toBe('ran\n');
    const layers = JSON.parse((await tpodOk(['image', 'inspect', empty()], { env: t.env })).stdout)[0].RootFS.Layers as string[];
    expect(layers).toHaveLength(2);
  });

  it('every entry a container sees (type, mode, owner, size, content, link target, links, times) matches podman run', async () => {
    await tpodOk(['pull', '-q', '--tls-verify=false', shapes()], { env: t.env });
    const ours = await tpodOk(['run', '--rm', '--network', 'none', shapes(), 'sh', '-c', LISTING], { env: t.env });
    // What we know the image holds, whoever reads it.
    expect(ours.stdout).toMatch(/^\.\/sparse\|regular file\|644\|0:0\|8388608\|/m);
    expect(ours.stdout).toMatch(/^\.\/fifo\|fifo\|644\|0:0\|/m);
    expect(ours.stdout).toMatch(/^\.\/setuid\|regular file\|4755\|/m);
    expect(ours.stdout).toMatch(/^\.\/setgid\|directory\|2775\|/m);
    expect(ours.stdout).toMatch(/^\.\/link\|symbolic link\|777\|0:0\|-\|-\|hard1\|1\|1000000000$/m);
    expect(ours.stdout).toMatch(/^\.\/owned\/by1000\|regular file\|644\|1000:1000\|/m);
    expect(ours.stdout).toMatch(/^\.\/owned\/by65534\|regular file\|644\|65534:65534\|/m);
    expect(ours.stdout).toMatch(/^\.\/olddir\|directory\|755\|0:0\|-\|-\|\|2\|1200000000$/m);
    expect(ours.stdout).toMatch(/^\.\/dir2file\|regular file\|/m);
    expect(ours.stdout).toMatch(/^\.\/file2dir\/inside\|regular file\|/m);
    expect(ours.stdout).toMatch(/^\.\/opaque\/new\|/m);
    expect(ours.stdout).not.toMatch(/whiteme|opaque\/hidden|dir2file\/inside/);
    expect(ours.stdout).toMatch(/^\.\/n{240}\|regular file\|/m);
    expect(ours.stdout).toMatch(/^\.\/(d\/){60}leaf\|regular file\|/m);
    expect(ours.stdout).toMatch(/^\.\/ünïcødé-файл-名前\|regular file\|/m);
    expect(ours.stdout).toMatch(/^hard1 and hard2: one file$/m);
    if (!requireTool('podman')) return;
    const p = await podman(['pull', '-q', '--tls-verify=false', shapes()]);
    expect(p.code, p.stderr).toBe(0);
    const theirs = await podman(['run', '--rm', '--network', 'none', shapes(), 'sh', '-c', LISTING]);
    expect(theirs.code, theirs.stderr).toBe(0);
    expect(ours.stdout.split('\n')).toEqual(theirs.stdout.split('\n'));
  });

  it('a file capability gives a non-root user its effective capability, as with podman', async () => {
    const read = ['run', '--rm', '--network', 'none', '-u', '1000', shapes(), '/shapes/capbin/cat', '/proc/self/status'];
    const ours = await tpodOk(read, { env: t.env });
    const capEff = /^CapEff:\s*(\w+)$/m.exec(ours.stdout)?.[1];
    // cap_net_bind_service is bit 10.
    expect(capEff).toBe('0000000000000400');
    if (!requireTool('podman')) return;
    const theirs = await podman(read);
    expect(theirs.code, theirs.stderr).toBe(0);
    expect(/^CapEff:\s*(\w+)$/m.exec(theirs.stdout)?.[1]).toBe(capEff);
  });

  it('keeps user.* extended attributes in the layer', async () => {
    const layers = JSON.parse((await tpodOk(['image', 'inspect', shapes()], { env: t.env })).stdout)[0].RootFS.Layers as string[];
    const file = join(t.env.dataHome, 'tpod', 'layers', layers[1]!.slice(7), 'diff', 'shapes', 'xattr');
    const r = await tpodOk(['unshare', 'python3', '-c', 'import os,sys; print(os.getxattr(sys.argv[1], "user.note").decode())', file], { env: t.env });
    expect(r.stdout).toBe('kept by tar\n');
  });

  it('round-trips: save then load gives the same image ID; push keeps the config and its diff IDs', async () => {
    const id = (await tpodOk(['image', 'inspect', '--format', '{{.Id}}', shapes()], { env: t.env })).stdout.trim();
    const archive = join(t.env.base, 'shapes.tar');
    await tpodOk(['save', '-q', '-o', archive, shapes()], { env: t.env });
    const other = makeEnv('layer-shapes-load');
    try {
      await tpodOk(['load', '-q', '-i', archive], { env: other });
      expect((await tpodOk(['image', 'inspect', '--format', '{{.Id}}', shapes()], { env: other })).stdout.trim()).toBe(id);
    } finally {
      await cleanup(other);
    }
    const pushed = `${registry.host}/shapes-pushed:1`;
    await tpodOk(['push', '--tls-verify=false', shapes(), pushed], { env: t.env });
    const cfg = (ref: string) => {
      const r = spawnSync('skopeo', ['inspect', '--config', '--raw', '--tls-verify=false', `docker://${ref}`], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      return r.stdout;
    };
    const original = JSON.parse(cfg(shapes())) as { rootfs: { diff_ids: string[] } };
    expect(JSON.parse(cfg(pushed)).rootfs.diff_ids).toEqual(original.rootfs.diff_ids);
    expect(spawnSync('sha256sum', { input: cfg(pushed), encoding: 'utf8' }).stdout.slice(0, 64)).toBe(id.replace(/^sha256:/, ''));
  });
});
