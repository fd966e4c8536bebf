import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { mkdtempSync, rmSync, existsSync, mkdirSync, symlinkSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { createContext, type Context } from '../../../src/engine/context.js';
import {
  createPod,
  findPod,
  listPods,
  updatePod,
  removePodRecord,
  repairPods,
  podMembers,
  podDir,
  podsDir,
  type NewPod,
  type PodRecord,
} from '../../../src/storage/pods.js';
import { createContainer, type ContainerRecord, type TreeRemover } from '../../../src/storage/containers.js';
import { NoSuchPodError } from '../../../src/errors.js';

let dir: string;
let ctx: Context;
const remover: TreeRemover = async (d) => rmSync(d.dir, { recursive: true, force: true });

function pod(p: NewPod, extra: Partial<PodRecord> = {}): PodRecord {
  return { id: p.id, name: p.name, created: new Date().toISOString(), labels: {}, share: ['ipc', 'net', 'uts'], ...extra };
}

function ctr(id: string, name: string, extra: Partial<ContainerRecord> = {}): ContainerRecord {
  return {
    id, name, image: 'busybox', imageId: 'f'.repeat(64), imageName: 'localhost/busybox:latest',
    command: ['sh'], created: new Date().toISOString(), state: 'created', runtime: 'crun', driver: 'overlay',
    layers: [], hostname: id.slice(0, 12), network: 'none', rm: false, tty: false, interactive: false, ...extra,
  };
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tpod-pod-'));
  ctx = createContext({ root: join(dir, 'root'), runroot: join(dir, 'run'), logLevel: 'error' });
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('pod records', () => {
  it('creates a private record with a 64-hex id, found by id, prefix and name', async () => {
    const rec = await createPod(ctx, 'web', (p) => pod(p));
    expect(rec.id).toMatch(/^[0-9a-f]{64}$/);
    expect(statSync(podDir(ctx, rec.id)).mode & 0o777).toBe(0o700);
    expect(findPod(ctx, 'web').id).toBe(rec.id);
    expect(findPod(ctx, rec.id).name).toBe('web');
    expect(findPod(ctx, rec.id.slice(0, 12)).name).toBe('web');
  });

  it("refuses a name in use with Podman's message", async () => {
    await createPod(ctx, 'dup', (p) => pod(p));
    await expect(createPod(ctx, 'dup', (p) => pod(p))).rejects.toThrow('adding pod to state: name "dup" is in use: pod already exists');
    expect(listPods(ctx)).toHaveLength(1);
  });

  it('shares names with containers, as Podman does (guards against a name naming both a pod and a container)', async () => {
    await createContainer(ctx, 'both', (c) => ctr(c.id, c.name), remover);
    await expect(createPod(ctx, 'both', (p) => pod(p))).rejects.toThrow('adding pod to state: name "both" is in use: container already exists');
    await createPod(ctx, 'podname', (p) => pod(p));
    await expect(createContainer(ctx, 'podname', (c) => ctr(c.id, c.name), remover)).rejects.toThrow('name "podname" is in use: pod already exists');
    expect(listPods(ctx).map((p) => p.name)).toEqual(['podname']);
  });

  it('gives one name to exactly one of many concurrent creates (guards against double-booked pod names)', async () => {
    const results = await Promise.allSettled(Array.from({ length: 6 }, () => createPod(ctx, 'race', (p) => pod(p))));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(listPods(ctx)).toHaveLength(1);
  });

  it('generates a name when none is given', async () => {
    const rec = await createPod(ctx, undefined, (p) => pod(p));
    expect(rec.name).toMatch(/^[a-z]+_[a-z]+\d*$/);
  });

  it('leaves nothing behind when populate fails (no half-created pod)', async () => {
    await expect(createPod(ctx, 'bad', () => { throw new Error('boom'); })).rejects.toThrow('boom');
    expect(listPods(ctx)).toHaveLength(0);
    expect(() => findPod(ctx, 'bad')).toThrow(NoSuchPodError);
    await createPod(ctx, 'bad', (p) => pod(p));
  });

  it("reports an unknown pod with Podman's message", () => {
    expect(() => findPod(ctx, 'nope')).toThrow('no pod with name or ID nope found: no such pod');
  });

  it('updates and removes records', async () => {
    const rec = await createPod(ctx, 'u', (p) => pod(p));
    await updatePod(ctx, rec.id, { infraId: 'a'.repeat(64), name: 'ignored' });
    expect(findPod(ctx, 'u').infraId).toBe('a'.repeat(64));
    await removePodRecord(ctx, rec.id);
    expect(existsSync(podDir(ctx, rec.id))).toBe(false);
    expect(() => findPod(ctx, 'u')).toThrow(NoSuchPodError);
  });

  it('lists members with the infra first', async () => {
    const p = await createPod(ctx, 'm', (x) => pod(x));
    const a = await createContainer(ctx, 'a', (c) => ctr(c.id, c.name, { pod: p.id }), remover);
    const infra = await createContainer(ctx, 'inf', (c) => ctr(c.id, c.name, { pod: p.id, isInfra: true }), remover);
    await createContainer(ctx, 'other', (c) => ctr(c.id, c.name), remover);
    await updatePod(ctx, p.id, { infraId: infra.id });
    expect(podMembers(ctx, findPod(ctx, 'm')).map((c) => c.name)).toEqual(['inf', 'a']);
    expect(a.pod).toBe(p.id);
  });

  it('repairs leftover dirs and stale names', async () => {
    mkdirSync(join(podsDir(ctx), 'names'), { recursive: true });
    mkdirSync(join(podsDir(ctx), 'b'.repeat(64)));
    symlinkSync('c'.repeat(64), join(podsDir(ctx), 'names', 'ghost'));
    const report = await repairPods(ctx);
    expect(report.removedDirs).toEqual(['b'.repeat(64)]);
    expect(report.removedNames).toEqual(['ghost']);
  });
});
