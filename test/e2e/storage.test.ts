// The rootfs drivers and storage consistency, end to end: every driver shows a layered
// image the way overlay would (whiteouts delete, opaque directories hide), keeps the
// image's layers untouched by what containers write, and concurrent commands leave a
// store that the next command reads without complaint.
import { expect, it, beforeAll } from 'vitest';
import { readdirSync, readFileSync, statSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { describeE2E, tpod, tpodOk, useEnv, busyboxImage, type TpodEnv } from './harness.js';
import { imageFixtures } from './fixtures.js';

const DRIVERS = ['overlay', 'fuse-overlayfs', 'vfs'] as const;

/** The fs type of the container's / as the container sees it. */
const ROOT_FS_TYPE = "awk '$5 == \"/\" { for (i = 7; i <= NF; i++) if ($i == \"-\") { print $(i+1); exit } }' /proc/self/mountinfo";

function storeDir(env: TpodEnv): string {
  return join(env.dataHome, 'tpod');
}

describeE2E('storage drivers', () => {
  const t = useEnv('storage');
  beforeAll(async () => {
    await tpodOk(['load', '-i', imageFixtures().layersOci], { env: t.env, timeout: 120_000 });
  });

  for (const driver of DRIVERS) {
    it(`${driver}: whiteouts delete, opaque directories hide, the image's layers stay untouched`, async () => {
      const run = (args: string[]) => tpod(['--storage-driver', driver, 'run', '--rm', ...args], { env: t.env });
      const ls = await run(['localhost/layers', 'sh', '-c', 'ls /data; echo --; ls /opq']);
      expect(ls.stderr).toBe('');
      expect(ls.code).toBe(0);
      expect(ls.stdout).toBe('keep.txt\n--\nc\n');
      // The container's writes go to its own layer (or copy), never into the image.
      const w = await run(['localhost/layers', 'sh', '-c', 'echo changed > /data/keep.txt && rm /opq/c && cat /data/keep.txt']);
      expect(w.stdout).toBe('changed\n');
      const again = await run(['localhost/layers', 'sh', '-c', 'cat /data/keep.txt; ls /opq']);
      expect(again.stdout).toBe('keep\nc\n');
    });

    it(`${driver}: the container's root is the driver's filesystem`, async () => {
      const r = await tpod(['--storage-driver', driver, 'run', '--rm', 'localhost/layers', 'sh', '-c', ROOT_FS_TYPE], { env: t.env });
      expect(r.code).toBe(0);
      const want = driver === 'overlay' ? 'overlay' : driver === 'fuse-overlayfs' ? 'fuse.fuse-overlayfs' : undefined;
      if (want) expect(r.stdout.trim()).toBe(want);
      else expect(r.stdout.trim()).not.toMatch(/overlay/);
    });
  }

  it('refuses an unknown storage driver with the list of known ones', async () => {
    const r = await tpod(['--storage-driver', 'btrfs', 'run', '--rm', 'localhost/layers', 'true'], { env: t.env });
    expect(r.code).toBe(125);
    expect(r.stderr).toMatch(/unknown storage driver "btrfs": use one of overlay, fuse-overlayfs, vfs/);
  });

  it('chooses a driver by itself and says which in info', async () => {
    const r = await tpodOk(['info', '--format', '{{.Store.GraphDriverName}}'], { env: t.env });
    expect(['overlay', 'fuse-overlayfs', 'vfs']).toContain(r.stdout.trim());
  });
});

describeE2E('storage consistency', () => {
  const t = useEnv('consistency');
  let img: string;
  beforeAll(async () => {
    img = await busyboxImage(t.env);
  });

  it('keeps storage private to the user', async () => {
    await tpodOk(['create', '--name', 'private', img, 'true'], { env: t.env });
    const root = storeDir(t.env);
    expect(statSync(root).mode & 0o777).toBe(0o700);
    for (const d of ['layers', 'images', 'containers']) expect(statSync(join(root, d)).mode & 0o077).toBe(0);
    const id = readdirSync(join(root, 'containers')).find((n) => /^[0-9a-f]{64}$/.test(n))!;
    expect(statSync(join(root, 'containers', id, 'container.json')).mode & 0o077).toBe(0);
  });

  it('20 concurrent run --rm / create / tag / rmi commands leave a consistent store', async () => {
    const jobs: Array<Promise<{ code: number; stderr: string; what: string }>> = [];
    for (let i = 0; i < 20; i++) {
      const kind = i % 4;
      const args =
        kind === 0 ? ['run', '--rm', img, 'sh', '-c', `echo ${i}`]
        : kind === 1 ? ['create', '--name', `c${i}`, img, 'true']
        : kind === 2 ? ['tag', img, `localhost/alias${i}:latest`]
        : ['rmi', `localhost/alias${i - 1}:latest`];
      jobs.push(tpod(args, { env: t.env, timeout: 120_000 }).then((r) => ({ code: r.code, stderr: r.stderr, what: args.join(' ') })));
    }
    const results = await Promise.all(jobs);
    for (const r of results) {
      // rmi may race its tag (the alias not there yet): that is exit 1 "image not known", not corruption.
      if (r.what.startsWith('rmi')) expect([0, 1], `${r.what}: ${r.stderr}`).toContain(r.code);
      else expect(r.code, `${r.what}: ${r.stderr}`).toBe(0);
    }
    // Every created container is recorded under its name, and nothing half-made is left.
    const root = storeDir(t.env);
    const ids = readdirSync(join(root, 'containers')).filter((n) => /^[0-9a-f]{64}$/.test(n));
    for (const id of ids) expect(existsSync(join(root, 'containers', id, 'container.json')), id).toBe(true);
    const names = ids.map((id) => JSON.parse(readFileSync(join(root, 'containers', id, 'container.json'), 'utf8')).name as string);
    for (const i of [1, 5, 9, 13, 17]) expect(names).toContain(`c${i}`);
    // The image is intact and still runs.
    expect((await tpodOk(['run', '--rm', img, 'echo', 'ok'], { env: t.env })).stdout).toBe('ok\n');
    const images = await tpodOk(['images', '--format', '{{.Repository}}:{{.Tag}}'], { env: t.env });
    expect(images.stdout).toContain('localhost/busybox:latest');
    expect(readdirSync(join(root, 'tmp')).filter((n) => !n.startsWith('.'))).toEqual([]);
  });
});
