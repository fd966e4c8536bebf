import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { mkdtempSync, rmSync, existsSync, mkdirSync, readdirSync, symlinkSync, writeFileSync, readlinkSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { createContext, type Context } from '../../../src/engine/context.js';
import {
  createContainer,
  findContainer,
  listContainers,
  updateContainer,
  removeContainer,
  forgetContainer,
  repairContainers,
  generateName,
  containerDirs,
  containerLockPath,
  lockContainer,
  listBrokenContainers,
  removeBrokenContainer,
  containerNameOwner,
  type ContainerRecord,
  type NewContainer,
  type TreeRemover,
} from '../../../src/storage/containers.js';

let dir: string;
let ctx: Context;
// Removing trees needs the user namespace in real use; here plain files suffice.
const remover: TreeRemover = async (d) => rmSync(d.dir, { recursive: true, force: true });

function record(c: NewContainer, extra: Partial<ContainerRecord> = {}): ContainerRecord {
  return {
    id: c.id, name: c.name, image: 'busybox', imageId: 'f'.repeat(64), imageName: 'localhost/busybox:latest',
    command: ['sh'], created: new Date().toISOString(), state: 'created', runtime: 'runc', driver: 'overlay',
    layers: [], hostname: c.id.slice(0, 12), network: 'none', rm: false, tty: false, interactive: false, ...extra,
  };
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tpod-ctr-'));
  ctx = createContext({ root: join(dir, 'root'), runroot: join(dir, 'run'), logLevel: 'error' });
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('container records', () => {
  it('creates a record with a 64-hex id, its dirs, and a name', async () => {
    const rec = await createContainer(ctx, 'web', (c) => record(c), remover);
    expect(rec.id).toMatch(/^[0-9a-f]{64}$/);
    const d = containerDirs(ctx, rec.id);
    for (const p of [d.userdata, d.upper, d.work, d.merged, join(d.dir, 'container.json')]) expect(existsSync(p)).toBe(true);
    expect(findContainer(ctx, 'web').id).toBe(rec.id);
    expect(statSync(d.dir).mode & 0o777).toBe(0o700);
    expect(findContainer(ctx, rec.id).name).toBe('web');
    expect(findContainer(ctx, rec.id.slice(0, 12)).name).toBe('web');
  });

  it('makes the rootfs root searchable by every container user (guards against a 0700 "/" from the umask)', async () => {
    const old = process.umask(0o077);
    try {
      const rec = await createContainer(ctx, undefined, (c) => record(c), remover);
      expect(statSync(containerDirs(ctx, rec.id).upper).mode & 0o777).toBe(0o755);
      expect(statSync(containerDirs(ctx, rec.id).merged).mode & 0o777).toBe(0o755);
    } finally {
      process.umask(old);
    }
  });

  it("refuses a name in use with Podman's message", async () => {
    const first = await createContainer(ctx, 'dup', (c) => record(c), remover);
    await expect(createContainer(ctx, 'dup', (c) => record(c), remover)).rejects.toThrow(
      `the container name "dup" is already in use by ${first.id}. You have to remove that container to be able to reuse that name: that name is already in use`,
    );
    expect(listContainers(ctx)).toHaveLength(1);
  });

  it('gives one name to exactly one of many concurrent creates (guards against double-booked names)', async () => {
    const results = await Promise.allSettled(Array.from({ length: 8 }, () => createContainer(ctx, 'race', (c) => record(c), remover)));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(listContainers(ctx)).toHaveLength(1);
  });

  it('generates adjective_noun names, unique', async () => {
    const a = await createContainer(ctx, undefined, (c) => record(c), remover);
    expect(a.name).toMatch(/^[a-z]+_[a-z]+\d*$/);
    let calls = 0;
    expect(generateName(() => ++calls < 12, () => 0)).toMatch(/^agile_albatross\d+$/);
  });

  it('leaves nothing behind when populating fails', async () => {
    await expect(createContainer(ctx, 'bad', () => { throw new Error('boom'); }, remover)).rejects.toThrow('boom');
    expect(readdirSync(ctx.paths.containers).filter((n) => n !== 'names')).toEqual([]);
    await createContainer(ctx, 'bad', (c) => record(c), remover);
  });

  it('says which container is missing and when a prefix is ambiguous', async () => {
    expect(() => findContainer(ctx, 'nope')).toThrow('no container with name or ID "nope" found: no such container');
    const ids = new Set<string>();
    for (let i = 0; i < 20; i++) ids.add((await createContainer(ctx, undefined, (c) => record(c), remover)).id[0]!);
    const shared = [...ids].find((ch) => listContainers(ctx).filter((r) => r.id.startsWith(ch)).length > 1);
    if (shared) expect(() => findContainer(ctx, shared)).toThrow(/more than one result/);
  });

  it('updates records atomically and keeps id and name', async () => {
    const rec = await createContainer(ctx, 'u', (c) => record(c), remover);
    const next = await updateContainer(ctx, rec.id, { state: 'exited', exitCode: 3, name: 'evil' });
    expect(next).toMatchObject({ state: 'exited', exitCode: 3, name: 'u' });
    expect(findContainer(ctx, 'u').exitCode).toBe(3);
  });

  it('removes a container and frees its name', async () => {
    const rec = await createContainer(ctx, 'gone', (c) => record(c), remover);
    await removeContainer(ctx, rec.id, remover);
    expect(existsSync(containerDirs(ctx, rec.id).dir)).toBe(false);
    expect(() => findContainer(ctx, 'gone')).toThrow(/no such container/);
    await createContainer(ctx, 'gone', (c) => record(c), remover);
  });

  it('forgets a container whose dir the helper already removed (run --rm)', async () => {
    const rec = await createContainer(ctx, 'rm', (c) => record(c), remover);
    rmSync(containerDirs(ctx, rec.id).dir, { recursive: true });
    await forgetContainer(ctx, rec.id, 'rm', remover);
    expect(existsSync(join(ctx.paths.containers, 'names', 'rm'))).toBe(false);
  });
});

describe('repair after kill -9', () => {
  it('removes dirs without a record and stale names', async () => {
    const keep = await createContainer(ctx, 'keep', (c) => record(c), remover);
    const leftover = join(ctx.paths.containers, 'b'.repeat(64));
    mkdirSync(join(leftover, 'upper'), { recursive: true });
    symlinkSync('c'.repeat(64), join(ctx.paths.containers, 'names', 'stale'));
    const report = await repairContainers(ctx, remover);
    expect(report).toEqual({ removedDirs: ['b'.repeat(64)], removedNames: ['stale'] });
    expect(existsSync(leftover)).toBe(false);
    expect(findContainer(ctx, 'keep').id).toBe(keep.id);
  });

  it('reuses a name whose container vanished', async () => {
    mkdirSync(join(ctx.paths.containers, 'names'), { recursive: true });
    symlinkSync('d'.repeat(64), join(ctx.paths.containers, 'names', 'again'));
    const rec = await createContainer(ctx, 'again', (c) => record(c), remover);
    expect(readlinkSync(join(ctx.paths.containers, 'names', 'again'))).toBe(rec.id);
  });

  it('a create cleans leftovers as it goes', async () => {
    mkdirSync(ctx.paths.containers, { recursive: true });
    const leftover = join(ctx.paths.containers, 'e'.repeat(64));
    mkdirSync(leftover);
    writeFileSync(join(leftover, 'junk'), 'x');
    await createContainer(ctx, undefined, (c) => record(c), remover);
    expect(existsSync(leftover)).toBe(false);
  });

  it('reports a corrupt record by file name, and lists the others without it', async () => {
    const rec = await createContainer(ctx, 'c', (c) => record(c), remover);
    const other = await createContainer(ctx, 'd', (c) => record(c), remover);
    writeFileSync(join(containerDirs(ctx, rec.id).dir, 'container.json'), '{"id": ');
    expect(() => findContainer(ctx, 'c')).toThrow(/container .* is broken: its record .*container\.json is corrupt \(.*\); remove it with "tpod rm -f/);
    expect(listContainers(ctx).map((r) => r.id)).toContain(other.id);
    expect(listContainers(ctx).map((r) => r.id)).not.toContain(rec.id);
    const broken = listBrokenContainers(ctx);
    expect(broken.map((b) => [b.id, b.names])).toEqual([[rec.id, ['c']]]);
    // Its name stays taken (repairs do not drop it) until it is removed.
    await repairContainers(ctx, remover);
    expect(containerNameOwner(ctx, 'c')).toBe(rec.id);
    await removeBrokenContainer(ctx, rec.id, remover);
    expect(listBrokenContainers(ctx)).toEqual([]);
    expect(containerNameOwner(ctx, 'c')).toBeUndefined();
  });
});

describe('container locks', () => {
  it('one holder at a time; the next one gets it once it is let go', async () => {
    const rec = await createContainer(ctx, 'locked', (c) => record(c), remover);
    const first = await lockContainer(ctx, rec.id);
    let second = false;
    const next = lockContainer(ctx, rec.id).then((l) => {
      second = true;
      return l;
    });
    await new Promise((r) => setTimeout(r, 30));
    expect(second).toBe(false);
    first.release();
    (await next).release();
    expect(second).toBe(true);
  });

  it('a removed container has no lock to take: no such container, and no lock file made again', async () => {
    const rec = await createContainer(ctx, 'gone', (c) => record(c), remover);
    await removeContainer(ctx, rec.id, remover);
    await expect(lockContainer(ctx, rec.id)).rejects.toMatchObject({ code: 'ENOCONTAINER' });
    expect(existsSync(containerDirs(ctx, rec.id).dir)).toBe(false);
  });

  it('a record of an older build without a lock file gets one', async () => {
    const rec = await createContainer(ctx, 'old', (c) => record(c), remover);
    rmSync(containerLockPath(ctx, rec.id));
    (await lockContainer(ctx, rec.id)).release();
    expect(existsSync(containerLockPath(ctx, rec.id))).toBe(true);
  });

  it('a create leaves alone the directory of a removal in progress (its lock is held)', async () => {
    const rec = await createContainer(ctx, 'going', (c) => record(c), remover);
    const lock = await lockContainer(ctx, rec.id);
    rmSync(join(containerDirs(ctx, rec.id).dir, 'container.json'));
    await createContainer(ctx, 'other', (c) => record(c), remover);
    expect(existsSync(containerDirs(ctx, rec.id).dir)).toBe(true);
    lock.release();
    await createContainer(ctx, 'third', (c) => record(c), remover);
    expect(existsSync(containerDirs(ctx, rec.id).dir)).toBe(false);
  });
});
