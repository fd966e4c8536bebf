import { describe, it, expect } from 'vitest';
import { mkdtempSync, mkdirSync, chmodSync, symlinkSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolvePaths, runtimeDir } from '../../../src/storage/paths.js';
import { TpodError } from '../../../src/errors.js';

const uid = process.getuid!();

describe('paths', () => {
  it('puts storage under XDG_DATA_HOME/tpod', () => {
    const p = resolvePaths({}, { env: { XDG_DATA_HOME: '/d', XDG_RUNTIME_DIR: '/nonexistent' }, uid, home: '/h', tmpdir: mkdtempSync(join(tmpdir(), 'tmp-')) });
    expect(p.root).toBe('/d/tpod');
    expect(p.layers).toBe('/d/tpod/layers');
  });
  it('defaults to ~/.local/share/tpod', () => {
    const p = resolvePaths({}, { env: {}, uid, home: '/h', tmpdir: mkdtempSync(join(tmpdir(), 'tmp-')) });
    expect(p.root).toBe('/h/.local/share/tpod');
  });
  it('uses XDG_RUNTIME_DIR when the user owns it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rt-'));
    expect(runtimeDir({ env: { XDG_RUNTIME_DIR: dir }, uid, home: '/h', tmpdir: '/t' })).toEqual({ dir });
  });
  it('falls back to a private /tmp directory when XDG_RUNTIME_DIR is unset or not ours, creating it 0700', () => {
    const tmp = mkdtempSync(join(tmpdir(), 'tmp-'));
    const unset = runtimeDir({ env: {}, uid, home: '/h', tmpdir: tmp });
    expect(unset.dir).toBe(`${tmp}/tpod-run-${uid}`);
    expect(unset.fallbackReason).toMatch(/not set/);
    expect(unset.fallbackProblem).toBeUndefined();
    expect(statSync(unset.dir).mode & 0o777).toBe(0o700);
    const dir = mkdtempSync(join(tmpdir(), 'rt-'));
    mkdirSync(join(dir, 'x'));
    const notOurs = runtimeDir({ env: { XDG_RUNTIME_DIR: join(dir, 'x') }, uid: uid + 1, home: '/h', tmpdir: tmp });
    expect(notOurs.fallbackReason).toMatch(/not a directory owned by/);
    const open = join(dir, 'open');
    mkdirSync(open);
    chmodSync(open, 0o777);
    expect(runtimeDir({ env: { XDG_RUNTIME_DIR: open }, uid, home: '/h', tmpdir: tmp }).fallbackReason).toMatch(/is writable by others \(mode 0777\)/);
  });
  it('guards against a planted fallback dir: writable by others, a symlink, or another user\'s', () => {
    const tmp = mkdtempSync(join(tmpdir(), 'tmp-'));
    const fallback = join(tmp, `tpod-run-${uid}`);
    mkdirSync(fallback);
    chmodSync(fallback, 0o777);
    const env = { env: { USER: 'me' }, uid, home: '/h', tmpdir: tmp };
    expect(runtimeDir(env).fallbackProblem).toBe('is writable by others (mode 0777)');
    let err: unknown;
    try {
      resolvePaths({}, env);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TpodError);
    expect((err as TpodError).message).toMatch(/XDG_RUNTIME_DIR is not set, and the fallback .* is writable by others \(mode 0777\): refusing/);
    expect((err as TpodError).message).toMatch(/export XDG_RUNTIME_DIR=\/run\/user\/\d+ .*loginctl enable-linger me/);
    const tmp2 = mkdtempSync(join(tmpdir(), 'tmp-'));
    symlinkSync(mkdtempSync(join(tmpdir(), 'target-')), join(tmp2, `tpod-run-${uid}`));
    expect(runtimeDir({ ...env, tmpdir: tmp2 }).fallbackProblem).toBe('is a symbolic link');
    // A 0700 dir of this uid is another user's, seen from uid + 1.
    mkdirSync(join(tmp2, `tpod-run-${uid + 1}`), { mode: 0o700 });
    expect(runtimeDir({ ...env, uid: uid + 1, tmpdir: tmp2 }).fallbackProblem).toBe(`belongs to uid ${uid}, not to you (uid ${uid + 1})`);
  });
  it('an existing fallback of ours, 0700, is used as it is', () => {
    const tmp = mkdtempSync(join(tmpdir(), 'tmp-'));
    mkdirSync(join(tmp, `tpod-run-${uid}`), { mode: 0o700 });
    expect(runtimeDir({ env: {}, uid, home: '/h', tmpdir: tmp }).fallbackProblem).toBeUndefined();
  });
  it('honours --root and --runroot', () => {
    const p = resolvePaths({ root: '/r', runroot: '/rr' }, { env: {}, uid, home: '/h', tmpdir: '/t' });
    expect(p.root).toBe('/r');
    expect(p.runroot).toBe('/rr');
    expect(p.runrootFallbackReason).toBeUndefined();
  });
});
