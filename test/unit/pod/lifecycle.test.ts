import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { createContext, type Context } from '../../../src/engine/context.js';
import { createPod } from '../../../src/storage/pods.js';
import { podTargets, readPodIdFiles, forEachPod } from '../../../src/pod/lifecycle.js';

let dir: string;
let ctx: Context;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tpod-podlc-'));
  ctx = createContext({ root: join(dir, 'root'), runroot: join(dir, 'run'), logLevel: 'error' });
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const mk = (name: string) => createPod(ctx, name, ({ id, name: n }) => ({ id, name: n, created: new Date().toISOString(), labels: {}, share: [] }));

describe('pod command targets', () => {
  it('names, -a, --latest and --pod-id-file, exactly one of them', async () => {
    const a = await mk('a');
    await new Promise((r) => setTimeout(r, 5));
    const b = await mk('b');
    expect(podTargets(ctx, { names: ['x'] }, 'stop')).toEqual(['x']);
    expect(podTargets(ctx, { names: [], all: true }, 'stop')).toEqual([a.id, b.id]);
    expect(podTargets(ctx, { names: [], latest: true }, 'stop')).toEqual([b.id]);
    expect(() => podTargets(ctx, { names: [] }, 'stop')).toThrow('you must provide at least one pod name or id to stop');
    expect(() => podTargets(ctx, { names: ['x'], all: true }, 'stop')).toThrow(/cannot be used together/);
  });

  it('reads id files; a missing one is skipped only with --ignore', () => {
    const f = join(dir, 'id');
    writeFileSync(f, 'abc\n');
    expect(readPodIdFiles([f], false)).toEqual(['abc']);
    expect(readPodIdFiles([join(dir, 'nope')], true)).toEqual([]);
    expect(() => readPodIdFiles([join(dir, 'nope')], false)).toThrow(/no such file or directory/);
  });

  it('an unknown pod fails before anything is done; --ignore skips it', async () => {
    const a = await mk('a');
    const done: string[] = [];
    const printed: string[] = [];
    await expect(forEachPod(ctx, ['a', 'nope'], {}, async (p) => void done.push(p.name), (t) => printed.push(t))).rejects.toThrow(
      'no pod with name or ID nope found: no such pod',
    );
    expect(done).toEqual([]);
    expect(await forEachPod(ctx, ['a', 'nope'], { ignore: true }, async (p) => void done.push(p.name), (t) => printed.push(t))).toBe(0);
    expect(done).toEqual(['a']);
    expect(printed).toEqual([a.id]);
  });
});
