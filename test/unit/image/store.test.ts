import { describe, it, expect, beforeEach } from 'vitest';
import { mkdtempSync, mkdirSync, readdirSync, existsSync, statSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { createHash } from 'node:crypto';
import { createContext, type Context } from '../../../src/engine/context.js';
import {
  addImage, findImage, listImages, readImageConfig, layerDiffDir, removeImage, tagImage, untagImage,
  repairStore, resolveImage, imageExists, type NewImage,
} from '../../../src/image/store.js';
import { WorkDir } from '../../../src/storage/workdir.js';
import { TpodError } from '../../../src/errors.js';
import { tarBytes, file, dir, sha256 } from '../../helpers/tar-builder.js';

let ctx: Context;

beforeEach(() => {
  const base = mkdtempSync(join(tmpdir(), 'tpod-store-'));
  ctx = createContext({ root: join(base, 'root'), runroot: join(base, 'run') });
});

const opts = { preserveOwner: false, place: { wrap: ['unshare', '--user', '--map-root-user'] } };

function image(layers: Buffer[], names: string[], extra: Record<string, unknown> = {}): { input: NewImage; sources: Parameters<typeof addImage>[2] } {
  const config = { created: '2024-01-01T00:00:00Z', architecture: 'amd64', os: 'linux', config: { Cmd: ['sh'] }, rootfs: { type: 'layers', diff_ids: layers.map((l) => sha256(l)) }, ...extra };
  const configBytes = Buffer.from(JSON.stringify(config));
  const manifestBytes = Buffer.from(JSON.stringify({ schemaVersion: 2, layers: layers.map((l) => sha256(l)) }));
  return {
    input: { configBytes, manifestBytes, manifestDigest: sha256(manifestBytes), manifestType: 'application/vnd.oci.image.manifest.v1+json', names },
    sources: layers.map((l, i) => ({ diffId: sha256(l), label: `layer ${i}`, open: () => Readable.from([l]) })),
  };
}

const base = tarBytes([dir('bin/'), file('bin/sh', 'shell', 0o755)]);
const top = tarBytes([dir('etc/'), file('etc/passwd', 'root:x:0:0::/root:/bin/sh\n')]);

async function add(layers: Buffer[], names: string[], extra: Record<string, unknown> = {}) {
  const { input, sources } = image(layers, names, extra);
  return addImage(ctx, input, sources, opts);
}

function idOf(layers: Buffer[], names: string[], extra: Record<string, unknown> = {}): string {
  return createHash('sha256').update(image(layers, names, extra).input.configBytes).digest('hex');
}

describe('image store', () => {
  it('stores an image with its layers, config and manifest, private to the user', async () => {
    const rec = await add([base, top], ['docker.io/library/busybox:latest']);
    expect(rec.id).toBe(idOf([base, top], []));
    expect(rec.layers).toEqual([sha256(base), sha256(top)]);
    expect(rec.size).toBe(base.length + top.length);
    expect(readFileSync(join(layerDiffDir(ctx, sha256(base)), 'bin/sh'), 'utf8')).toBe('shell');
    expect((await readImageConfig(ctx, rec.id)).config?.Cmd).toEqual(['sh']);
    expect(statSync(ctx.paths.root).mode & 0o777).toBe(0o700);
    expect(statSync(join(ctx.paths.images, rec.id)).mode & 0o777).toBe(0o700);
    expect(statSync(join(ctx.paths.images, rec.id, 'image.json')).mode & 0o777).toBe(0o600);
    expect(statSync(join(ctx.paths.layers, sha256(base).slice(7))).mode & 0o777).toBe(0o700);
    expect(readdirSync(ctx.paths.tmp)).toEqual([]);
  });

  it('finds images by full name, short name, ID, ID prefix and sha256:ID', async () => {
    const rec = await add([base], ['docker.io/library/busybox:latest']);
    for (const q of ['docker.io/library/busybox:latest', 'docker.io/library/busybox', 'busybox', 'busybox:latest', 'library/busybox', rec.id, rec.id.slice(0, 3), `sha256:${rec.id}`, `sha256:${rec.id.slice(0, 6)}`]) {
      expect((await findImage(ctx, q)).id, q).toBe(rec.id);
    }
    await expect(findImage(ctx, 'busybox:1')).rejects.toThrow('busybox:1: image not known');
    await expect(findImage(ctx, 'other')).rejects.toMatchObject({ code: 'ENOIMAGE' });
    await expect(findImage(ctx, rec.id.slice(0, 2))).rejects.toMatchObject({ code: 'ENOIMAGE' });
    expect(await imageExists(ctx, 'busybox')).toBe(true);
  });

  it('finds an image by name@digest', async () => {
    const rec = await add([base], ['docker.io/library/busybox:latest']);
    expect((await findImage(ctx, `docker.io/library/busybox@${rec.manifestDigest}`)).id).toBe(rec.id);
    expect((await findImage(ctx, `busybox@${rec.manifestDigest}`)).id).toBe(rec.id);
  });

  it('resolves name@digest to the name by digest a pull by digest kept, so rmi of it only untags', async () => {
    const first = await add([base], ['docker.io/library/dg:1']);
    const byDigest = `docker.io/library/dg@${first.manifestDigest}`;
    const rec = await add([base], [byDigest]);
    const r = resolveImage(await listImages(ctx), byDigest);
    expect(r?.image.id).toBe(rec.id);
    expect(r?.name).toBe(byDigest);
    const trash = await WorkDir.create(ctx, 'trash');
    expect(await removeImage(ctx, byDigest, { force: false, trash })).toMatchObject({ untagged: [byDigest] });
    await trash.dispose(ctx);
    expect((await findImage(ctx, 'docker.io/library/dg:1')).id).toBe(rec.id);
  });

  it('prefers localhost/NAME for a short name', async () => {
    const a = await add([base], ['docker.io/library/foo:latest']);
    const b = await add([top], ['localhost/foo:latest']);
    expect(resolveImage(await listImages(ctx), 'foo')?.image.id).toBe(b.id);
    expect(a.id).not.toBe(b.id);
  });

  it('shares a layer between images and moves a name from one image to another', async () => {
    const a = await add([base], ['localhost/a:latest']);
    const b = await add([base, top], ['localhost/a:latest', 'localhost/b:latest']);
    expect(readdirSync(ctx.paths.layers).sort()).toEqual([sha256(base).slice(7), sha256(top).slice(7)].sort());
    const images = await listImages(ctx);
    expect(images.find((i) => i.id === a.id)?.names).toEqual([]);
    expect(images.find((i) => i.id === b.id)?.names).toEqual(['localhost/a:latest', 'localhost/b:latest']);
  });

  it('loading the same image again merges its names', async () => {
    await add([base], ['localhost/a:latest']);
    const again = await add([base], ['docker.io/library/a:latest']);
    expect(again.names).toEqual(['docker.io/library/a:latest', 'localhost/a:latest']);
    expect(again.digests).toEqual([`docker.io/library/a@${again.manifestDigest}`, `localhost/a@${again.manifestDigest}`]);
    expect(await listImages(ctx)).toHaveLength(1);
  });

  it('stores nothing when a layer does not match its diff id', async () => {
    const { input, sources } = image([base], ['localhost/bad:latest']);
    sources[0]!.open = () => Readable.from([top]);
    await expect(addImage(ctx, input, sources, opts)).rejects.toMatchObject({ code: 'EDIGEST' });
    expect(readdirSync(ctx.paths.images)).toEqual([]);
    expect(readdirSync(ctx.paths.layers)).toEqual([]);
    expect(readdirSync(ctx.paths.tmp)).toEqual([]);
  });

  it('tags and untags', async () => {
    const rec = await add([base], ['localhost/a:latest']);
    const t = await tagImage(ctx, 'a', ['foo', 'bar:1']);
    expect(t.names).toEqual(['localhost/a:latest', 'localhost/foo:latest', 'localhost/bar:1']);
    // containers/storage's order: each current name moves to the front, in turn.
    expect(t.namesHistory).toEqual(['localhost/bar:1', 'localhost/foo:latest', 'localhost/a:latest']);
    const back = await untagImage(ctx, rec.id, ['bar:1']);
    expect(back.namesHistory).toEqual(['localhost/foo:latest', 'localhost/a:latest', 'localhost/bar:1']);
    await tagImage(ctx, rec.id, ['bar:1']);
    await expect(tagImage(ctx, 'a', ['FOO'])).rejects.toThrow('normalizing name "FOO": repository name must be lowercase');
    await expect(untagImage(ctx, rec.id, ['nope'])).rejects.toThrow('localhost/nope:latest: tag not known');
    expect((await untagImage(ctx, rec.id, ['foo'])).names).toEqual(['localhost/a:latest', 'localhost/bar:1']);
    expect((await untagImage(ctx, rec.id, [])).names).toEqual([]);
    expect((await findImage(ctx, rec.id)).digests).toEqual([]);
  });

  it('rmi by name untags while other names remain, then deletes the image and its unshared layers', async () => {
    const a = await add([base], ['localhost/a:latest']);
    const b = await add([base, top], ['localhost/b:latest', 'localhost/c:latest']);
    const trash = await WorkDir.create(ctx, 'trash');
    expect(await removeImage(ctx, 'b', { force: false, trash })).toMatchObject({ untagged: ['localhost/b:latest'] });
    expect(await removeImage(ctx, 'c', { force: false, trash })).toMatchObject({ untagged: ['localhost/c:latest'], deleted: b.id });
    await trash.dispose(ctx);
    expect(readdirSync(ctx.paths.layers)).toEqual([sha256(base).slice(7)]);
    expect((await listImages(ctx)).map((i) => i.id)).toEqual([a.id]);
  });

  it('rmi by ID of an image with several names needs force', async () => {
    const b = await add([base], ['localhost/b:latest', 'localhost/c:latest']);
    const trash = await WorkDir.create(ctx, 'trash');
    const err = await removeImage(ctx, b.id.slice(0, 12), { force: false, trash }).catch((e: unknown) => e);
    expect((err as TpodError).message).toMatch(/by ID with more than one tag .*please force removal/);
    expect((await removeImage(ctx, b.id.slice(0, 12), { force: true, trash })).deleted).toBe(b.id);
    const missing = await removeImage(ctx, 'nope', { force: false, trash }).catch((e: unknown) => e);
    expect((missing as TpodError).exitCode).toBe(1);
    await trash.dispose(ctx);
    expect(readdirSync(ctx.paths.layers)).toEqual([]);
  });

  it('refuses to remove an image a container uses', async () => {
    const a = await add([base], ['localhost/a:latest']);
    mkdirSync(join(ctx.paths.containers, 'c1'), { recursive: true });
    writeFileSync(join(ctx.paths.containers, 'c1', 'container.json'), JSON.stringify({ id: 'c1', imageId: a.id }));
    const trash = await WorkDir.create(ctx, 'trash');
    const err = await removeImage(ctx, 'a', { force: false, trash }).catch((e: unknown) => e);
    await trash.dispose(ctx);
    expect((err as TpodError).exitCode).toBe(2);
    expect(await imageExists(ctx, 'a')).toBe(true);
  });

  it('repairs leftovers of a killed command', async () => {
    const a = await add([base], ['localhost/a:latest']);
    mkdirSync(join(ctx.paths.tmp, 'work-999999-dead'), { recursive: true });
    writeFileSync(join(ctx.paths.tmp, 'work-999999-dead', 'junk'), 'x');
    mkdirSync(join(ctx.paths.layers, 'f'.repeat(64), 'diff'), { recursive: true });
    mkdirSync(join(ctx.paths.images, 'e'.repeat(64)), { recursive: true });
    await repairStore(ctx);
    expect(readdirSync(ctx.paths.tmp)).toEqual([]);
    expect(existsSync(join(ctx.paths.layers, 'f'.repeat(64)))).toBe(false);
    expect(existsSync(join(ctx.paths.images, 'e'.repeat(64)))).toBe(false);
    expect((await findImage(ctx, 'a')).id).toBe(a.id);
  });

  it('keeps the store whole under concurrent adds, tags and removals', async () => {
    const jobs: Promise<unknown>[] = [];
    for (let i = 0; i < 20; i++) {
      const layers = i % 2 === 0 ? [base] : [base, top];
      jobs.push(add(layers, [`localhost/img${i}:latest`, 'localhost/shared:latest'], { created: `2024-01-01T00:00:${String(i).padStart(2, '0')}Z` }));
    }
    await Promise.all(jobs);
    const images = await listImages(ctx);
    expect(images).toHaveLength(20);
    expect(images.filter((i) => i.names.includes('localhost/shared:latest'))).toHaveLength(1);
    const trash = await WorkDir.create(ctx, 'trash');
    await Promise.all(images.map((i) => removeImage(ctx, i.id, { force: true, trash })));
    await trash.dispose(ctx);
    expect(readdirSync(ctx.paths.images)).toEqual([]);
    expect(readdirSync(ctx.paths.layers)).toEqual([]);
  });
});
