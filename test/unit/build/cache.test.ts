import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BuildCache, cacheKey } from '../../../src/build/cache.js';

describe('cacheKey', () => {
  const base = { parent: 'p', instruction: 'RUN x', args: new Map([['A', '1']]) };
  it('changes with the parent, the instruction, the args in effect and the sources', () => {
    const k = cacheKey(base);
    expect(cacheKey({ ...base })).toBe(k);
    expect(cacheKey({ ...base, parent: 'q' })).not.toBe(k);
    expect(cacheKey({ ...base, instruction: 'RUN y' })).not.toBe(k);
    expect(cacheKey({ ...base, args: new Map([['A', '2']]) })).not.toBe(k);
    expect(cacheKey({ ...base, sources: 'sha256:1' })).not.toBe(cacheKey({ ...base, sources: 'sha256:2' }));
  });
  it('keeps an entry between instances and misses when its image is gone', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tpod-cache-'));
    const id = 'a'.repeat(64);
    new BuildCache(dir).put('k', id);
    expect(new BuildCache(dir).get('k', () => true)).toBe(id);
    expect(new BuildCache(dir).get('k', () => false)).toBeUndefined();
    expect(new BuildCache(dir).get('other', () => true)).toBeUndefined();
  });
});
