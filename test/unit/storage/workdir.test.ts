import { describe, it, expect } from 'vitest';
import { mkdtempSync, mkdirSync, existsSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createContext } from '../../../src/engine/context.js';
import { WorkDir, cleanStaleWorkDirs } from '../../../src/storage/workdir.js';

describe('work directories', () => {
  it('cleans leftovers of dead commands but never work in progress', async () => {
    const base = mkdtempSync(join(tmpdir(), 'tpod-work-'));
    const ctx = createContext({ root: join(base, 'root'), runroot: join(base, 'run') });
    const live = await WorkDir.create(ctx, 'work');
    writeFileSync(join(live.path, 'x'), 'busy');
    const dead = join(ctx.paths.tmp, 'work-1-dead');
    mkdirSync(join(dead, 'sub'), { recursive: true });
    writeFileSync(join(dead, '..', 'work-1-dead.lock'), '');
    await cleanStaleWorkDirs(ctx);
    expect(existsSync(join(live.path, 'x'))).toBe(true);
    expect(existsSync(dead)).toBe(false);
    await live.dispose(ctx);
    expect(readdirSync(ctx.paths.tmp)).toEqual([]);
  });
});
