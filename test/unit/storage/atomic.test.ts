import { describe, it, expect } from 'vitest';
import { mkdtempSync, writeFileSync, chmodSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readCacheJson, writeJsonAtomic } from '../../../src/storage/atomic.js';

const uid = process.getuid!();

describe('readCacheJson', () => {
  it('reads a cache file of the user that nobody else can write', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cache-'));
    writeJsonAtomic(join(dir, 'c.json'), { a: 1 });
    expect(readCacheJson(join(dir, 'c.json'), uid)).toEqual({ a: 1 });
    expect(readCacheJson(join(dir, 'missing.json'), uid)).toBeUndefined();
  });
  it('guards against a planted cache: writable by others, through a symlink, of another user, or corrupt', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cache-'));
    const open = join(dir, 'open.json');
    writeFileSync(open, '{"a":1}');
    chmodSync(open, 0o666);
    expect(readCacheJson(open, uid)).toBeUndefined();
    const real = join(dir, 'real.json');
    writeJsonAtomic(real, { a: 1 });
    symlinkSync(real, join(dir, 'link.json'));
    expect(readCacheJson(join(dir, 'link.json'), uid)).toBeUndefined();
    expect(readCacheJson(real, uid + 1)).toBeUndefined();
    writeJsonAtomic(join(dir, 'bad.json'), 'x');
    writeFileSync(join(dir, 'bad.json'), '{"a":');
    expect(readCacheJson(join(dir, 'bad.json'), uid)).toBeUndefined();
  });
});
