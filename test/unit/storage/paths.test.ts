import { describe, it, expect } from 'vitest';
import { mkdtempSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolvePaths, runtimeDir } from '../../../src/storage/paths.js';

const uid = process.getuid!();

describe('paths', () => {
  it('puts storage under XDG_DATA_HOME/tpod', () => {
    const p = resolvePaths({}, { env: { XDG_DATA_HOME: '/d', XDG_RUNTIME_DIR: '/nonexistent' }, uid, home: '/h', tmpdir: '/t' });
    expect(p.root).toBe('/d/tpod');
    expect(p.layers).toBe('/d/tpod/layers');
  });
  it('defaults to ~/.local/share/tpod', () => {
    const p = resolvePaths({}, { env: {}, uid, home: '/h', tmpdir: '/t' });
    expect(p.root).toBe('/h/.local/share/tpod');
  });
  it('uses XDG_RUNTIME_DIR when the user owns it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rt-'));
    expect(runtimeDir({ env: { XDG_RUNTIME_DIR: dir }, uid, home: '/h', tmpdir: '/t' })).toEqual({ dir });
  });
  it('falls back to a private /tmp directory when XDG_RUNTIME_DIR is unset or not ours', () => {
    const unset = runtimeDir({ env: {}, uid, home: '/h', tmpdir: '/t' });
    expect(unset.dir).toBe(`/t/tpod-run-${uid}`);
    expect(unset.fallbackReason).toMatch(/not set/);
    const dir = mkdtempSync(join(tmpdir(), 'rt-'));
    mkdirSync(join(dir, 'x'));
    const notOurs = runtimeDir({ env: { XDG_RUNTIME_DIR: join(dir, 'x') }, uid: uid + 1, home: '/h', tmpdir: '/t' });
    expect(notOurs.fallbackReason).toMatch(/not a directory owned by/);
  });
  it('honours --root and --runroot', () => {
    const p = resolvePaths({ root: '/r', runroot: '/rr' }, { env: {}, uid, home: '/h', tmpdir: '/t' });
    expect(p.root).toBe('/r');
    expect(p.runroot).toBe('/rr');
    expect(p.runrootFallbackReason).toBeUndefined();
  });
});
