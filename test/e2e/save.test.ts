// Archives and image housekeeping from the outside: save (docker-archive, oci-archive,
// oci-dir, several images, stdout) read back by skopeo, Podman and tpod itself with the
// same image IDs; a layered image with whiteouts round-trips and still hides what it
// deleted; export/import of a container; images filters; history; image prune; system df.
import { expect, it, beforeAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeE2E, useEnv, makeEnv, cleanup, tpod, tpodOk, tpodBin, run, requireTool, type TpodEnv } from './harness.js';
import { imageFixtures, type ImageFixtures } from './fixtures.js';

let fx: ImageFixtures;

function tarList(file: string): string[] {
  const r = spawnSync('tar', ['-tf', file], { encoding: 'utf8' });
  expect(r.status).toBe(0);
  return r.stdout.trim().split('\n');
}

function tarRead(file: string, member: string): Buffer {
  const r = spawnSync('tar', ['-xOf', file, member], { maxBuffer: 64 << 20 });
  expect(r.status).toBe(0);
  return r.stdout;
}

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

async function idOf(env: TpodEnv, name: string): Promise<string> {
  return (await tpodOk(['images', '--no-trunc', '--format', '{{.ID}}', name], { env })).stdout.trim().replace(/^sha256:/, '');
}

describeE2E('save, export and image housekeeping', () => {
  const t = useEnv('save');
  let layersId: string;
  let busyboxId: string;
  let out: string;

  beforeAll(async () => {
    fx = imageFixtures();
    await tpodOk(['load', '-i', fx.layersDocker], { env: t.env, timeout: 120_000 });
    await tpodOk(['load', '-i', fx.busyboxOci], { env: t.env, timeout: 120_000 });
    layersId = await idOf(t.env, 'docker.io/library/layers:latest');
    busyboxId = await idOf(t.env, 'localhost/busybox:latest');
    out = join(t.env.base, 'out');
    mkdirSync(out);
  });

  it('saves a docker-archive whose layers hash to the diff IDs the config names', async () => {
    const file = join(out, 'layers.tar');
    const r = await tpodOk(['save', '-o', file, 'layers'], { env: t.env });
    expect(r.stderr).toContain(`Copying config sha256:${layersId}`);
    const manifest = JSON.parse(tarRead(file, 'manifest.json').toString()) as Array<{ Config: string; RepoTags: string[]; Layers: string[] }>;
    expect(manifest).toHaveLength(1);
    expect(manifest[0]!.RepoTags).toEqual(['docker.io/library/layers:latest']);
    const config = tarRead(file, manifest[0]!.Config);
    expect(sha(config)).toBe(layersId);
    const diffIds = (JSON.parse(config.toString()) as { rootfs: { diff_ids: string[] } }).rootfs.diff_ids;
    expect(manifest[0]!.Layers.map((l) => `sha256:${sha(tarRead(file, l))}`)).toEqual(diffIds);
    // The whiteout and the opaque marker are back in the top layer.
    const top = spawnSync('tar', ['-tf', '-'], { input: tarRead(file, manifest[0]!.Layers[2]!), encoding: 'utf8' }).stdout;
    expect(top).toContain('data/.wh.old.txt');
    expect(top).toContain('opq/.wh..wh..opq');
  });

  it('round-trips through tpod load with the same image ID, and the whiteout still hides the file', async () => {
    const file = join(out, 'rt.tar');
    await tpodOk(['save', '-q', '-o', file, 'layers'], { env: t.env });
    const other = makeEnv('save-rt');
    try {
      const loaded = await tpodOk(['load', '-i', file], { env: other, timeout: 120_000 });
      expect(loaded.stdout.trim()).toBe('Loaded image: docker.io/library/layers:latest');
      expect(await idOf(other, 'layers')).toBe(layersId);
      const ls = await tpodOk(['run', '--rm', 'layers', 'sh', '-c', 'ls /data; echo --; ls /opq'], { env: other });
      expect(ls.stdout).toBe('keep.txt\n--\nc\n');
    } finally {
      await cleanup(other);
    }
  });

  it('round-trips oci-archive and oci-dir (load -i DIR) with the same image ID', async () => {
    const other = makeEnv('save-oci');
    try {
      for (const [format, dest] of [['oci-archive', join(out, 'rt-oci.tar')], ['oci-dir', join(out, 'rt-dir')]] as const) {
        await tpodOk(['save', '-q', '--format', format, '-o', dest, 'layers'], { env: t.env });
        const loaded = await tpodOk(['load', '-i', dest], { env: other, timeout: 120_000 });
        expect(loaded.stdout.trim()).toBe('Loaded image: docker.io/library/layers:latest');
        expect(await idOf(other, 'layers')).toBe(layersId);
        await tpodOk(['rmi', 'layers'], { env: other });
      }
    } finally {
      await cleanup(other);
    }
  });

  it('is read by skopeo (docker-archive, oci-archive, oci-dir)', async () => {
    if (!requireTool('skopeo')) return;
    const docker = join(out, 'sk-docker.tar');
    const oci = join(out, 'sk-oci.tar');
    const dir = join(out, 'sk-dir');
    await tpodOk(['save', '-q', '-o', docker, 'layers'], { env: t.env });
    await tpodOk(['save', '-q', '--format', 'oci-archive', '-o', oci, 'layers'], { env: t.env });
    await tpodOk(['save', '-q', '--format', 'oci-dir', '-o', dir, 'layers'], { env: t.env });
    for (const ref of [`docker-archive:${docker}`, `oci-archive:${oci}`, `oci:${dir}`]) {
      const r = await run('skopeo', ['inspect', '--config', ref], { env: t.env });
      expect(r.code, `${ref}: ${r.stderr}`).toBe(0);
      expect(sha(Buffer.from(JSON.stringify(JSON.parse(r.stdout))))).toBeTypeOf('string');
      expect((JSON.parse(r.stdout) as { rootfs: { diff_ids: string[] } }).rootfs.diff_ids).toHaveLength(3);
    }
    const copied = join(out, 'sk-copy');
    const c = await run('skopeo', ['copy', '-q', `oci-archive:${oci}`, `oci:${copied}:x`], { env: t.env });
    expect(c.code, c.stderr).toBe(0);
    // The gzip'd layers skopeo verified are the ones the oci-dir holds too.
    const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as { manifests: Array<{ digest: string; annotations?: Record<string, string> }> };
    expect(index.manifests[0]!.annotations?.['org.opencontainers.image.ref.name']).toBe('docker.io/library/layers:latest');
    for (const b of readdirSync(join(dir, 'blobs', 'sha256'))) expect(sha(readFileSync(join(dir, 'blobs', 'sha256', b)))).toBe(b);
  });

  it('is loaded by Podman with the same image ID', async () => {
    if (!requireTool('podman')) return;
    const file = join(out, 'pm.tar');
    await tpodOk(['save', '-q', '-o', file, 'layers'], { env: t.env });
    const root = join(t.env.base, 'podman-root');
    const runroot = join(t.env.runtimeDir, 'podman-run');
    const pm = (args: string[]) => run('podman', ['--root', root, '--runroot', runroot, '--storage-driver', 'vfs', ...args], { env: t.env, timeout: 120_000 });
    try {
      const l = await pm(['load', '-q', '-i', file]);
      expect(l.code, l.stderr).toBe(0);
      const ids = await pm(['images', '--no-trunc', '--format', '{{.ID}}']);
      expect(ids.stdout.trim().replace(/^sha256:/, '')).toBe(layersId);
    } finally {
      await pm(['system', 'reset', '-f']).catch(() => undefined);
    }
  });

  it('saves several images in one archive sharing their layers; tpod loads them all', async () => {
    for (const format of ['docker-archive', 'oci-archive']) {
      const file = join(out, `multi-${format}.tar`);
      await tpodOk(['save', '-q', '--format', format, '-o', file, 'layers', 'busybox', busyboxId], { env: t.env });
      if (format === 'docker-archive') {
        const names = tarList(file);
        // busybox's one layer is the bottom layer of "layers": stored once.
        expect(names.filter((n) => n.endsWith('.tar'))).toHaveLength(3);
        const manifest = JSON.parse(tarRead(file, 'manifest.json').toString()) as Array<{ RepoTags: string[] }>;
        expect(manifest.map((m) => m.RepoTags)).toEqual([['docker.io/library/layers:latest'], ['localhost/busybox:latest']]);
      }
      const other = makeEnv('save-multi');
      try {
        await tpodOk(['load', '-i', file], { env: other, timeout: 120_000 });
        const ids = (await tpodOk(['images', '--no-trunc', '--format', '{{.ID}} {{.Repository}}'], { env: other })).stdout.trim().split('\n').sort();
        expect(ids).toEqual([`sha256:${busyboxId} localhost/busybox`, `sha256:${layersId} docker.io/library/layers`].sort());
      } finally {
        await cleanup(other);
      }
    }
  });

  it('writes to stdout when it is not a terminal, and refuses unknown images and formats', async () => {
    const r = await tpod(['save', 'busybox'], { env: t.env });
    expect(r.code).toBe(0);
    expect(r.stdout.length).toBeGreaterThan(1_000_000);
    const bad = await tpod(['save', '-o', join(out, 'none.tar'), 'nosuch'], { env: t.env });
    expect(bad.code).toBe(125);
    expect(bad.stderr).toBe('Error: nosuch: image not known\n');
    expect(existsSync(join(out, 'none.tar'))).toBe(false);
    const fmt = await tpod(['save', '--format', 'zip', '-o', join(out, 'none.tar'), 'busybox'], { env: t.env });
    expect(fmt.code).toBe(125);
    expect(fmt.stderr).toMatch(/format value must be one of/);
  });

  it('stdout round trip: save | load gives the same ID (binary-safe)', async () => {
    const other = makeEnv('save-pipe');
    try {
      const script = '"$1" save busybox | HOME="$2" XDG_DATA_HOME="$3" XDG_RUNTIME_DIR="$4" XDG_CONFIG_HOME="$5" "$1" load';
      const saved = spawnSync('sh', ['-c', script, 'sh', tpodBin(), other.home, other.dataHome, other.runtimeDir, other.configHome], {
        env: t.env.vars,
        encoding: 'utf8',
        timeout: 120_000,
      });
      expect(saved.status, saved.stderr).toBe(0);
      expect(saved.stdout.trim()).toBe('Loaded image: localhost/busybox:latest');
      expect(await idOf(other, 'busybox')).toBe(busyboxId);
    } finally {
      await cleanup(other);
    }
  });

  it('save -o replaces a symlink planted at the destination instead of writing through it', async () => {
    const victim = join(out, 'victim.txt');
    writeFileSync(victim, 'precious');
    const dest = join(out, 'planted.tar');
    symlinkSync(victim, dest);
    await tpodOk(['save', '-q', '-o', dest, 'busybox'], { env: t.env });
    expect(readFileSync(victim, 'utf8')).toBe('precious');
    expect(lstatSync(dest).isFile()).toBe(true);
    expect(tarList(dest)).toContain('manifest.json');
  });

  it('a failed save leaves no partial file (temp file + rename)', async () => {
    // Damage the tar-split record of busybox's layer: the rebuild fails mid-archive.
    const layersDir = join(t.env.dataHome, 'tpod', 'layers');
    const manifest = JSON.parse(tarRead(join(out, 'layers.tar'), 'manifest.json').toString()) as Array<{ Layers: string[] }>;
    const bottom = manifest[0]!.Layers[0]!.replace(/\.tar$/, '');
    const split = join(layersDir, bottom, 'tar-split.gz');
    const saved = readFileSync(split);
    writeFileSync(split, Buffer.concat([saved.subarray(0, saved.length >> 1)]));
    try {
      const dest = join(out, 'failed.tar');
      const r = await tpod(['save', '-q', '-o', dest, 'busybox'], { env: t.env });
      expect(r.code).toBe(125);
      expect(r.stderr).toMatch(/^Error: /);
      expect(readdirSync(out).filter((n) => n.includes('failed'))).toEqual([]);
    } finally {
      writeFileSync(split, saved);
    }
  });

  it('exports a container (its changes over the image) and imports it back as a runnable image', async () => {
    const name = 'exp1';
    await tpodOk(['run', '--name', name, 'layers', 'sh', '-c', 'echo new > /data/new.txt; rm /data/keep.txt'], { env: t.env });
    const file = join(out, 'exp.tar');
    await tpodOk(['export', '-o', file, name], { env: t.env });
    const names = tarList(file);
    expect(names).toContain('data/new.txt');
    expect(names).not.toContain('data/keep.txt');
    expect(names).not.toContain('data/old.txt');
    expect(names).toContain('bin/busybox');
    expect(names.some((n) => n.includes('.wh.'))).toBe(false);
    const id = (await tpodOk(['import', file, 'localhost/exported'], { env: t.env })).stdout.trim();
    expect(id).toMatch(/^sha256:[a-f0-9]{64}$/);
    const r = await tpodOk(['run', '--rm', 'localhost/exported', 'sh', '-c', 'cat /data/new.txt; ls /data /opq'], { env: t.env });
    expect(r.stdout).toBe('new\n/data:\nnew.txt\n\n/opq:\nc\n');
    const toStdout = await tpod(['export', name], { env: t.env });
    expect(toStdout.code).toBe(0);
    const unknown = await tpod(['export', '-o', join(out, 'nope.tar'), 'nosuch'], { env: t.env });
    expect(unknown.code).toBe(125);
    expect(existsSync(join(out, 'nope.tar'))).toBe(false);
    await tpodOk(['rm', name], { env: t.env }).catch(() => undefined);
  });

  it('export -o replaces a symlink planted at the destination instead of writing through it', async () => {
    await tpodOk(['create', '--name', 'exp2', 'busybox', 'true'], { env: t.env });
    const victim = join(out, 'victim2.txt');
    writeFileSync(victim, 'precious');
    const dest = join(out, 'planted2.tar');
    symlinkSync(victim, dest);
    await tpodOk(['export', '-o', dest, 'exp2'], { env: t.env });
    expect(readFileSync(victim, 'utf8')).toBe('precious');
    expect(tarList(dest)).toContain('bin/busybox');
  });

  it('filters images: dangling, reference, label, before, since', async () => {
    const ids = async (f: string): Promise<string[]> =>
      (await tpodOk(['images', '--no-trunc', '--format', '{{.ID}}', '--filter', f], { env: t.env })).stdout.trim().split('\n').filter(Boolean).map((s) => s.slice(7));
    const untagged = (await tpodOk(['import', '--change', 'LABEL team=core', fx.rootfs], { env: t.env })).stdout.trim().slice(7);
    expect(await ids('dangling=true')).toEqual([untagged]);
    expect(await ids('dangling=false')).not.toContain(untagged);
    expect(await ids('reference=busybox')).toEqual([busyboxId]);
    expect(await ids('reference=*/lay*')).toEqual([layersId]);
    expect(await ids('label=team=core')).toEqual([untagged]);
    expect(await ids('label=team=other')).toEqual([]);
    expect(await ids(`since=${busyboxId.slice(0, 12)}`)).toContain(untagged);
    expect(await ids(`before=${untagged.slice(0, 12)}`)).toContain(busyboxId);
    const bad = await tpod(['images', '--filter', 'before=nosuch'], { env: t.env });
    expect(bad.code).toBe(125);
    expect(bad.stderr).toMatch(/could not find local image for filter/);
  });

  it('shows history like Podman (sizes per layer, parent image IDs, --no-trunc, -q, json)', async () => {
    const h = await tpodOk(['history', 'layers'], { env: t.env });
    const lines = h.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID\s+CREATED\s+CREATED BY\s+SIZE\s+COMMENT$/);
    expect(lines).toHaveLength(6);
    expect(lines[1]).toMatch(new RegExp(`^${layersId.slice(0, 12)}\\s+.*umoci raw add-layer\\s+10.2 kB`));
    expect(lines[3]).toMatch(new RegExp(`^${busyboxId.slice(0, 12)}\\s+.*umoci config\\s+0 B`));
    expect(lines[5]).toMatch(/^<missing>\s+.*umoci repack\s+2.13 MB/);
    const q = await tpodOk(['image', 'history', '-q', '--no-trunc', 'layers'], { env: t.env });
    expect(q.stdout.split('\n')[0]).toBe(layersId);
    const j = JSON.parse((await tpodOk(['history', '--format', 'json', 'busybox'], { env: t.env })).stdout) as Array<Record<string, unknown>>;
    expect(Object.keys(j[0]!)).toEqual(['id', 'created', 'CreatedBy', 'size', 'Created']);
    const bad = await tpod(['history', 'nosuch'], { env: t.env });
    expect(bad.code).toBe(125);
  });

  it('image prune removes dangling images only, -a every unused one, never one a container uses', async () => {
    await tpodOk(['create', '--name', 'keeper', 'layers', 'true'], { env: t.env });
    const dangling = (await tpodOk(['import', fx.rootfs], { env: t.env })).stdout.trim().slice(7);
    const ask = await tpod(['image', 'prune'], { env: t.env, input: 'n\n' });
    expect(ask.code).toBe(0);
    expect(ask.stderr).toContain('WARNING! This command removes all dangling images.');
    expect(await idOrNone(t.env, dangling)).toBe(dangling);
    const p = await tpodOk(['image', 'prune', '-f'], { env: t.env });
    expect(p.stdout.trim().split('\n')).toContain(dangling);
    expect(await idOrNone(t.env, dangling)).toBe('');
    // "layers" loses its name but a container uses it: prune -a keeps it.
    await tpodOk(['untag', 'layers'], { env: t.env });
    const all = await tpodOk(['image', 'prune', '-a', '-f'], { env: t.env });
    expect(all.stdout).not.toContain(layersId);
    expect(await idOrNone(t.env, layersId)).toBe(layersId);
    expect(await idOrNone(t.env, busyboxId)).toBe(busyboxId); // used by exp2
    const bad = await tpod(['image', 'prune', '-f', '--filter', 'bogus=1'], { env: t.env });
    expect(bad.code).toBe(125);
    expect(bad.stderr).toBe('Error: unsupported image filter "bogus"\n');
  });

  it('rmi refuses an image a container uses', async () => {
    const r = await tpod(['rmi', layersId.slice(0, 12)], { env: t.env });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/image is in use by a container/);
  });

  it('system df sums images, containers and volumes as Podman does', async () => {
    const r = await tpodOk(['system', 'df'], { env: t.env });
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^TYPE\s+TOTAL\s+ACTIVE\s+SIZE\s+RECLAIMABLE$/);
    expect(lines[1]).toMatch(/^Images\s+\d+\s+\d+\s+[\d.]+[kMG]?B\s+[\d.]+[kMG]?B \(\d+%\)$/);
    expect(lines[2]).toMatch(/^Containers\s+\d+\s+0\s+/);
    expect(lines[3]).toMatch(/^Local Volumes\s+0\s+0\s+0B\s+0B \(0%\)$/);
    const j = JSON.parse((await tpodOk(['system', 'df', '--format', 'json'], { env: t.env })).stdout) as Array<{ Type: string; Total: number; Active: number }>;
    const images = (await tpodOk(['images', '-q'], { env: t.env })).stdout.trim().split('\n').length;
    expect(j[0]).toMatchObject({ Type: 'Images', Total: images, Active: 2 });
    const v = await tpodOk(['system', 'df', '-v'], { env: t.env });
    expect(v.stdout).toContain('Images space usage:');
    expect(v.stdout).toMatch(/keeper/);
  });

  it('system df -v counts the volumes each container uses (LOCAL VOLUMES)', async () => {
    await tpodOk(['create', '--name', 'df-vols', '-v', '/anon1', '-v', '/anon2', 'localhost/busybox:latest', 'true'], { env: t.env });
    const v = await tpodOk(['system', 'df', '-v'], { env: t.env });
    expect(v.stdout).toMatch(/^[0-9a-f]{12} +[0-9a-f]{12} +true +2 +.* df-vols$/m);
    await tpodOk(['rm', '-v', 'df-vols'], { env: t.env });
  });
});

async function idOrNone(env: TpodEnv, id: string): Promise<string> {
  const r = await tpod(['images', '-a', '--no-trunc', '--format', '{{.ID}}', '--filter', `id=${id}`], { env });
  return r.stdout.trim().replace(/^sha256:/, '');
}
