// The image store from the outside: load (docker-archive and oci-archive, plain, gzip,
// stdin), import, images, tag/untag, image inspect/exists and rmi, checked against
// Podman's output and exit codes; damaged and hostile archives store nothing; the
// store survives concurrent commands and kill -9.
import { expect, it, beforeAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeE2E, useEnv, tpod, tpodOk, envProcesses, type TpodEnv } from './harness.js';
import { imageFixtures, type ImageFixtures } from './fixtures.js';
import { tarBytes, file, dir, sha256 } from '../helpers/tar-builder.js';

let fx: ImageFixtures;

function store(env: TpodEnv): string {
  return join(env.dataHome, 'tpod');
}

function listDir(p: string): string[] {
  try {
    return readdirSync(p).sort();
  } catch {
    return [];
  }
}

/** Every layer directory has a complete record, every image a record, nothing is in tmp. */
function expectWholeStore(env: TpodEnv): void {
  const root = store(env);
  for (const l of listDir(join(root, 'layers'))) {
    const rec = JSON.parse(readFileSync(join(root, 'layers', l, 'layer.json'), 'utf8')) as { complete: boolean; diffId: string };
    expect(rec.complete).toBe(true);
    expect(rec.diffId).toBe(`sha256:${l}`);
  }
  for (const i of listDir(join(root, 'images'))) {
    const rec = JSON.parse(readFileSync(join(root, 'images', i, 'image.json'), 'utf8')) as { id: string; layers: string[] };
    expect(rec.id).toBe(i);
    const config = readFileSync(join(root, 'images', i, 'config.json'));
    expect(createHash('sha256').update(config).digest('hex')).toBe(i);
    for (const d of rec.layers) expect(existsSync(join(root, 'layers', d.slice(7), 'layer.json'))).toBe(true);
  }
}

/** A docker-archive around one layer, made byte by byte (for hostile layers). */
function dockerArchiveWith(layer: Buffer, tag = 'evil:latest'): Buffer {
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [sha256(layer)] } }));
  return tarBytes([
    file('layer.tar', layer),
    file(`${sha256(config).slice(7)}.json`, config),
    file('manifest.json', JSON.stringify([{ Config: `${sha256(config).slice(7)}.json`, RepoTags: [tag], Layers: ['layer.tar'] }])),
  ]);
}

describeE2E('images', () => {
  const t = useEnv('images');

  beforeAll(() => {
    fx = imageFixtures();
  });

  it('loads a docker-archive as Podman names it', async () => {
    const r = await tpod(['load', '-i', fx.busyboxDocker], { env: t.env });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('Loaded image: docker.io/library/busybox:latest\n');
    const ls = await tpodOk(['images'], { env: t.env });
    const lines = ls.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^REPOSITORY +TAG +IMAGE ID +CREATED +SIZE$/);
    expect(lines[1]).toMatch(/^docker\.io\/library\/busybox +latest +[0-9a-f]{12} +.+ ago +2\.1\d MB$/);
    expect((await tpod(['image', 'exists', 'busybox'], { env: t.env })).code).toBe(0);
    expect((await tpod(['image', 'exists', 'nosuch'], { env: t.env })).code).toBe(1);
    expectWholeStore(t.env);
  });

  it('loads an oci-archive from stdin; the same config is the same image', async () => {
    const r = await tpod(['load'], { env: t.env, input: readFileSync(fx.busyboxOci) });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('Loaded image: localhost/busybox:latest\n');
    const ids = (await tpodOk(['images', '--format', '{{.Repository}} {{.ID}}'], { env: t.env })).stdout.trim().split('\n');
    expect(ids).toHaveLength(2);
    expect(new Set(ids.map((l) => l.split(' ')[1])).size).toBe(1);
    expect((await tpodOk(['images', '-q'], { env: t.env })).stdout.trim().split('\n')).toHaveLength(1);
    expect(listDir(join(store(t.env), 'layers'))).toHaveLength(1);
  });

  it('keeps owners, modes and symlinks of the layer (inside the user namespace)', async () => {
    const layer = (await tpodOk(['image', 'inspect', '--format', '{{.GraphDriver.Data.UpperDir}}', 'busybox'], { env: t.env })).stdout.trim();
    expect(layer).toMatch(/\/layers\/[0-9a-f]{64}\/diff$/);
    const r = await tpodOk(['unshare', 'stat', '-c', '%u:%g %a %F %N', `${layer}/bin/sh`, `${layer}/tmp`, `${layer}/bin/busybox`], { env: t.env });
    const [sh, tmp, bb] = r.stdout.trim().split('\n');
    expect(sh).toMatch(/^0:0 777 symbolic link .* -> 'busybox'$/);
    expect(tmp).toMatch(/^0:0 1777 directory/);
    expect(bb).toMatch(/^0:0 755 regular file/);
    // Private storage: only the user can get in.
    expect(statSync(store(t.env)).mode & 0o777).toBe(0o700);
    expect(statSync(join(store(t.env), 'layers')).mode & 0o777).toBe(0o700);
  });

  it('loads a gzipped archive', async () => {
    await tpodOk(['rmi', '-a'], { env: t.env });
    const r = await tpod(['load', '-q', '-i', fx.busyboxDockerGz], { env: t.env });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('Loaded image: docker.io/library/busybox:latest\n');
  });

  it('turns OCI whiteouts into overlay whiteouts and opaque directories', async () => {
    const r = await tpodOk(['load', '-i', fx.layersOci], { env: t.env });
    expect(r.stdout).toBe('Loaded image: localhost/layers:latest\n');
    const inspect = JSON.parse((await tpodOk(['image', 'inspect', 'layers'], { env: t.env })).stdout) as Array<{ RootFS: { Layers: string[] }; GraphDriver: { Data: { UpperDir: string; LowerDir: string } } }>;
    expect(inspect).toHaveLength(1);
    expect(inspect[0]!.RootFS.Layers).toHaveLength(3);
    const top = inspect[0]!.GraphDriver.Data.UpperDir;
    const wh = statSync(join(top, 'data', 'old.txt'));
    expect(wh.isCharacterDevice()).toBe(true);
    expect(wh.rdev).toBe(0);
    expect(existsSync(join(top, 'data', '.wh.old.txt'))).toBe(false);
    expect(existsSync(join(top, 'opq', '.wh..wh..opq'))).toBe(false);
    expect(readFileSync(join(top, 'opq', 'c'), 'utf8')).toBe('c\n');
    const py = spawnSync('python3', ['-c', `import os,sys; sys.stdout.write(os.getxattr(sys.argv[1], 'user.overlay.opaque').decode())`, join(top, 'opq')], { encoding: 'utf8' });
    if (py.status === 0) expect(py.stdout).toBe('y');
    const middle = inspect[0]!.GraphDriver.Data.LowerDir.split(':')[0]!;
    expect(readFileSync(join(middle, 'data', 'old.txt'), 'utf8')).toBe('old\n');
  });

  it('keeps file owners from the archive, mapped to subordinate ids', async () => {
    const src = join(t.env.base, 'own');
    mkdirSync(join(src, 'home', 'u'), { recursive: true });
    writeFileSync(join(src, 'home', 'u', 'f'), 'hi\n');
    const tarPath = join(t.env.base, 'own.tar');
    const tar = spawnSync('tar', ['-C', src, '--owner=1234', '--group=5678', '--numeric-owner', '-cf', tarPath, '.']);
    expect(tar.status).toBe(0);
    const r = await tpodOk(['import', tarPath, 'own'], { env: t.env });
    expect(r.stdout).toMatch(/^sha256:[0-9a-f]{64}\n$/);
    const layer = (await tpodOk(['image', 'inspect', '--format', '{{.GraphDriver.Data.UpperDir}}', 'own'], { env: t.env })).stdout.trim();
    const st = await tpodOk(['unshare', 'stat', '-c', '%u:%g', join(layer, 'home', 'u', 'f')], { env: t.env });
    expect(st.stdout.trim()).toBe('1234:5678');
    expect(statSync(join(layer, 'home', 'u', 'f')).uid).not.toBe(process.getuid!());
  });

  it('imports a rootfs from stdin with --change and --message', async () => {
    const r = await tpod(['import', '--change', 'CMD=/bin/sh', '-c', 'ENV A=b', '-c', 'WORKDIR=/tmp', '-m', 'hello', '-', 'imp:1'], { env: t.env, input: readFileSync(fx.rootfs) });
    expect(r.code).toBe(0);
    const id = r.stdout.trim();
    expect(id).toMatch(/^sha256:[0-9a-f]{64}$/);
    const [img] = JSON.parse((await tpodOk(['image', 'inspect', 'localhost/imp:1'], { env: t.env })).stdout) as Array<Record<string, unknown>>;
    expect(img!.Id).toBe(id.slice(7));
    expect(img!.RepoTags).toEqual(['localhost/imp:1']);
    expect(img!.Config).toEqual({ Env: ['A=b'], Cmd: ['/bin/sh', '-c', '/bin/sh'], WorkingDir: '/tmp' });
    expect(img!.Comment).toBe('hello');
    expect(img!.ManifestType).toBe('application/vnd.oci.image.manifest.v1+json');
    for (const k of ['Id', 'Digest', 'RepoTags', 'RepoDigests', 'Parent', 'Comment', 'Created', 'Config', 'Version', 'Author', 'Architecture', 'Os', 'Size', 'VirtualSize', 'GraphDriver', 'RootFS', 'Labels', 'Annotations', 'ManifestType', 'User', 'History', 'NamesHistory']) {
      expect(img, k).toHaveProperty(k);
    }
  });

  it('tags and untags with Podman\'s names and errors', async () => {
    await tpodOk(['tag', 'busybox', 'foo', 'bar:2'], { env: t.env });
    const names = (await tpodOk(['images', '--format', '{{.Repository}}:{{.Tag}}', 'docker.io/library/busybox'], { env: t.env })).stdout;
    expect(names).toBe('docker.io/library/busybox:latest\n');
    const all = (await tpodOk(['image', 'inspect', '--format', '{{.RepoTags}}', 'foo'], { env: t.env })).stdout;
    expect(all).toBe('[docker.io/library/busybox:latest localhost/foo:latest localhost/bar:2]\n');
    const bad = await tpod(['tag', 'busybox', 'FOO'], { env: t.env });
    expect(bad.code).toBe(125);
    expect(bad.stderr).toBe('Error: normalizing name "FOO": repository name must be lowercase\n');
    const missing = await tpod(['tag', 'nosuch', 'x'], { env: t.env });
    expect(missing.code).toBe(125);
    expect(missing.stderr).toBe('Error: nosuch: image not known\n');
    const notTag = await tpod(['untag', 'busybox', 'nope'], { env: t.env });
    expect(notTag.code).toBe(125);
    expect(notTag.stderr).toBe('Error: localhost/nope:latest: tag not known\n');
    await tpodOk(['untag', 'busybox', 'bar:2'], { env: t.env });
    expect((await tpod(['image', 'exists', 'bar:2'], { env: t.env })).code).toBe(1);
  });

  it('lists as JSON, quietly, without headings and with digests', async () => {
    const json = JSON.parse((await tpodOk(['images', '--format', 'json'], { env: t.env })).stdout) as Array<Record<string, unknown>>;
    const bb = json.find((j) => (j.Names as string[] | undefined)?.includes('localhost/foo:latest'));
    expect(bb).toBeDefined();
    expect(Object.keys(bb!).slice(0, 11)).toEqual(['Id', 'ParentId', 'RepoTags', 'RepoDigests', 'Size', 'SharedSize', 'VirtualSize', 'Labels', 'Containers', 'Names', 'Digest']);
    expect(bb!.RepoDigests).toContain(`localhost/foo@${bb!.Digest as string}`);
    const noHead = (await tpodOk(['images', '-n'], { env: t.env })).stdout;
    expect(noHead).not.toMatch(/REPOSITORY/);
    const digests = (await tpodOk(['images', '--digests'], { env: t.env })).stdout.split('\n')[0];
    expect(digests).toMatch(/^REPOSITORY +TAG +DIGEST +IMAGE ID +CREATED +SIZE$/);
    const noTrunc = (await tpodOk(['images', '--no-trunc', '--format', '{{.ID}}', 'foo'], { env: t.env })).stdout;
    expect(noTrunc).toMatch(/^sha256:[0-9a-f]{64}\n$/);
  });

  it('image inspect of an unknown image prints [] and fails as Podman does', async () => {
    const r = await tpod(['image', 'inspect', 'nosuch'], { env: t.env });
    expect(r.code).toBe(125);
    expect(r.stdout).toBe('[]\n');
    expect(r.stderr).toBe('Error: inspecting object: nosuch: image not known\n');
  });

  it('rmi untags by name, refuses an ID with several names, reports per image', async () => {
    const untag = await tpodOk(['rmi', 'foo'], { env: t.env });
    expect(untag.stdout).toBe('Untagged: localhost/foo:latest\n');
    await tpodOk(['tag', 'busybox', 'foo'], { env: t.env });
    const id = (await tpodOk(['image', 'inspect', '--format', '{{.Id}}', 'busybox'], { env: t.env })).stdout.trim();
    const byId = await tpod(['rmi', id.slice(0, 12)], { env: t.env });
    expect(byId.code).toBe(125);
    expect(byId.stderr).toMatch(/^Error: unable to delete image "[0-9a-f]{64}" by ID with more than one tag \(\[.*\]\): please force removal\n$/);
    const partial = await tpod(['rmi', 'nosuch', 'foo'], { env: t.env });
    expect(partial.code).toBe(1);
    expect(partial.stdout).toBe('Untagged: localhost/foo:latest\n');
    expect(partial.stderr).toBe('Error: nosuch: image not known\n');
    const forced = await tpodOk(['rmi', '-f', id], { env: t.env });
    expect(forced.stdout).toMatch(/Untagged: docker\.io\/library\/busybox:latest\nDeleted: [0-9a-f]{64}\n$/);
    expectWholeStore(t.env);
  });

  it('rmi -a removes every image and every layer, subordinate-owned files included', async () => {
    await tpodOk(['rmi', '-a'], { env: t.env });
    expect(listDir(join(store(t.env), 'images'))).toEqual([]);
    expect(listDir(join(store(t.env), 'layers'))).toEqual([]);
    expect(listDir(join(store(t.env), 'tmp'))).toEqual([]);
    expect((await tpodOk(['images', '-q'], { env: t.env })).stdout).toBe('');
  });

  it('refuses a truncated archive, storing nothing', async () => {
    const bytes = readFileSync(fx.layersDocker);
    const cut = join(t.env.base, 'cut.tar');
    writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length / 2) + 100));
    const r = await tpod(['load', '-i', cut], { env: t.env });
    expect(r.code).toBe(125);
    // Podman's wording, then what was wrong with this file.
    expect(r.stderr).toMatch(/^Error: payload does not match any of the supported image formats:\n \* .*cut\.tar: not a valid image archive: /);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(listDir(join(store(t.env), 'images'))).toEqual([]);
    expect(listDir(join(store(t.env), 'layers'))).toEqual([]);
    expect(listDir(join(store(t.env), 'tmp'))).toEqual([]);
  });

  it('refuses an archive whose layer does not match its digest, storing nothing', async () => {
    const work = join(t.env.base, 'tamper');
    mkdirSync(work, { recursive: true });
    expect(spawnSync('tar', ['-C', work, '-xf', fx.busyboxOci]).status).toBe(0);
    const blobs = join(work, 'blobs', 'sha256');
    const biggest = readdirSync(blobs).map((b) => ({ b, size: statSync(join(blobs, b)).size })).sort((a, b) => b.size - a.size)[0]!.b;
    const data = readFileSync(join(blobs, biggest));
    data.writeUInt8(data.readUInt8(data.length - 100) ^ 0xff, data.length - 100);
    writeFileSync(join(blobs, biggest), data);
    const out = join(t.env.base, 'tampered.tar');
    expect(spawnSync('tar', ['-C', work, '-cf', out, '.']).status).toBe(0);
    const r = await tpod(['load', '-i', out], { env: t.env });
    expect(r.code).toBe(125);
    expect(r.stderr).toMatch(/does not match/);
    expect(listDir(join(store(t.env), 'images'))).toEqual([]);
    expect(listDir(join(store(t.env), 'layers'))).toEqual([]);
  });

  it('refuses a layer that climbs out of its directory, naming the entry', async () => {
    const evil = dockerArchiveWith(tarBytes([dir('etc/'), file('etc/ok', 'fine'), file('../../../escaped', 'pwned')]));
    const r = await tpod(['load'], { env: t.env, input: evil });
    expect(r.code).toBe(125);
    expect(r.stderr).toMatch(/^Error: refusing archive in layer .*: entry "\.\.\/\.\.\/\.\.\/escaped" has a path that climbs out with "\.\."\n$/);
    expect(listDir(join(store(t.env), 'images'))).toEqual([]);
    expect(listDir(join(store(t.env), 'layers'))).toEqual([]);
    expect(listDir(join(store(t.env), 'tmp'))).toEqual([]);
  });

  it('a layer that writes through a symlink it planted is confined to the layer, and refused', async () => {
    const target = join(t.env.base, 'victim');
    mkdirSync(target);
    const evil = dockerArchiveWith(tarBytes([{ path: 'link', type: 'SymbolicLink', linkpath: target }, file('link/pwned', 'x')]));
    const r = await tpod(['load'], { env: t.env, input: evil });
    expect(r.code).toBe(125);
    // The symlink resolves inside the layer (chroot), where its target does not exist.
    expect(r.stderr).toMatch(/entry "link\/pwned": its parent "link" is a symlink to a directory this layer does not have/);
    expect(listDir(target)).toEqual([]);
  });

  it('reading from a terminal-less empty stdin is an error, not a hang', async () => {
    const r = await tpod(['load'], { env: t.env, input: '' });
    expect(r.code).toBe(125);
    expect(r.stderr).toMatch(/^Error: payload does not match any of the supported image formats:\n \* [^\n]*: stdin: the archive is empty\n$/);
  });

  it('keeps the store whole under 20 concurrent commands', async () => {
    await tpodOk(['load', '-i', fx.busyboxDocker], { env: t.env });
    const jobs: Array<Promise<{ code: number; stderr: string }>> = [];
    for (let i = 0; i < 20; i++) {
      const env = t.env;
      switch (i % 5) {
        case 0: jobs.push(tpod(['load', '-i', i % 2 ? fx.layersDocker : fx.layersOci], { env })); break;
        case 1: jobs.push(tpod(['tag', 'busybox', `t${i}`, 'shared'], { env })); break;
        case 2: jobs.push(tpod(['images', '--format', 'json'], { env })); break;
        case 3: jobs.push(tpod(['rmi', `t${i - 2}`], { env })); break;
        default: jobs.push(tpod(['import', fx.rootfs, `imp${i}`], { env })); break;
      }
    }
    const results = await Promise.all(jobs);
    results.forEach((r, i) => {
      // rmi may run before the tag it removes: only "not known" is allowed to fail.
      if (i % 5 === 3 && r.code === 1) expect(r.stderr).toMatch(/image not known/);
      else expect(r.code, `job ${i}: ${r.stderr}`).toBe(0);
    });
    const json = JSON.parse((await tpodOk(['images', '--format', 'json'], { env: t.env })).stdout) as Array<{ Names?: string[]; Id: string }>;
    expect(new Set(json.filter((j) => j.Names?.includes('localhost/shared:latest')).map((j) => j.Id)).size).toBe(1);
    expectWholeStore(t.env);
    expect(listDir(join(store(t.env), 'tmp'))).toEqual([]);
  });

  it('a kill -9 at any point leaves a store the next command repairs', async () => {
    // A layer big enough to take a while: 1500 files of 16 KiB.
    const entries = [dir('big/')];
    for (let i = 0; i < 1500; i++) entries.push(file(`big/f${i}`, createHash('sha256').update(String(i)).digest('hex').repeat(256)));
    const archive = join(t.env.base, 'big.tar');
    writeFileSync(archive, dockerArchiveWith(tarBytes(entries), 'big:latest'));
    for (const delay of [150, 400, 700, 1000]) {
      const loading = tpod(['load', '-i', archive], { env: t.env });
      await new Promise((r) => setTimeout(r, delay));
      // The command re-executes itself inside the user namespace: kill every process of it.
      for (const pid of envProcesses(t.env)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          /* already gone */
        }
      }
      await loading;
      const ls = await tpod(['images', '--format', 'json'], { env: t.env });
      expect(ls.code, ls.stderr).toBe(0);
      JSON.parse(ls.stdout);
    }
    const again = await tpodOk(['load', '-i', archive], { env: t.env });
    expect(again.stdout).toBe('Loaded image: docker.io/library/big:latest\n');
    expectWholeStore(t.env);
    expect(listDir(join(store(t.env), 'tmp'))).toEqual([]);
  });
});

describeE2E('pull from archives', () => {
  const t = useEnv('pull-archive');

  beforeAll(() => {
    fx = imageFixtures();
  });

  it('pulls and runs docker-archive: and oci-archive: names, with a pull event and no load event', async () => {
    const since = new Date(Date.now() - 1000).toISOString();
    const r = await tpod(['run', '--rm', `docker-archive:${fx.busyboxDocker}`, 'echo', 'from-archive'], { env: t.env });
    expect([r.code, r.stdout]).toEqual([0, 'from-archive\n']);
    expect(r.stderr).toMatch(/^Getting image source signatures\n(Copying blob [0-9a-f]{12} done\n)+Copying config [0-9a-f]{12} done\nWriting manifest to image destination\n$/);
    const id = (await tpodOk(['pull', '-q', `oci-archive:${fx.busyboxOci}`], { env: t.env })).stdout.trim();
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    const ev = await tpodOk(['events', '--stream=false', '--since', since, '--filter', 'type=image', '--format', '{{.Status}}--{{.Name}}'], { env: t.env });
    expect(ev.stdout).toBe(`pull--docker-archive:${fx.busyboxDocker}\npull--oci-archive:${fx.busyboxOci}\n`);
    const missing = await tpod(['pull', `docker-archive:${join(t.env.base, 'nope.tar')}`], { env: t.env });
    expect(missing.code).toBe(125);
  });

  it('pushes to dir: in the layout skopeo reads, checking every digest', async () => {
    await tpodOk(['load', '-i', fx.busyboxOci], { env: t.env });
    const dest = join(t.env.base, 'pushed');
    const r = await tpodOk(['push', 'localhost/busybox:latest', `dir:${dest}`], { env: t.env });
    expect(r.stderr).toMatch(/^Getting image source signatures\n[^]*Writing manifest to image destination\n$/);
    expect(readFileSync(join(dest, 'version'), 'utf8')).toBe('Directory Transport Version: 1.1\n');
    const copy = spawnSync('skopeo', ['copy', '-q', `dir:${dest}`, `oci:${join(t.env.base, 'copy')}:x`], { encoding: 'utf8' });
    expect(copy.status, copy.stderr).toBe(0);
    const ev = await tpodOk(['events', '--stream=false', '--filter', 'event=push', '--format', '{{.Status}} {{.Name}}'], { env: t.env });
    expect(ev.stdout).toBe(`push dir:${dest}\n`);
  });
});
