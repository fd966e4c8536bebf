import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { mkdtempSync, mkdirSync, writeFileSync, symlinkSync, rmSync, chmodSync, lstatSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { commandCertainlyMissing, commandIsDirectory } from '../../../src/runtime/command.js';
import type { OciSpec } from '../../../src/runtime/spec.js';
import type { LayerFs } from '../../../src/runtime/user.js';

function spec(args: string[], extra: { env?: string[]; cwd?: string; mounts?: string[] } = {}): OciSpec {
  return {
    process: { args, env: extra.env ?? ['PATH=/usr/bin:/bin'], cwd: extra.cwd ?? '/' },
    mounts: (extra.mounts ?? ['/proc', '/dev', '/sys', '/etc/hosts']).map((d) => ({ destination: d, type: 'bind', source: '/x' })),
  } as unknown as OciSpec;
}

describe('commandCertainlyMissing', () => {
  let dir: string;
  let layer: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tpod-cmd-'));
    layer = join(dir, 'l');
    mkdirSync(join(layer, 'bin'), { recursive: true });
    mkdirSync(join(layer, 'usr'), { recursive: true });
    writeFileSync(join(layer, 'bin/busybox'), '');
    symlinkSync('busybox', join(layer, 'bin/sh'));
    symlinkSync('../bin', join(layer, 'usr/bin'));
    writeFileSync(join(layer, 'bin/noexec'), '');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('finds commands through PATH and symlinks', () => {
    expect(commandCertainlyMissing(spec(['sh']), [layer])).toBe(false);
    expect(commandCertainlyMissing(spec(['/usr/bin/sh']), [layer])).toBe(false);
    expect(commandCertainlyMissing(spec(['./bin/sh']), [layer])).toBe(false);
  });
  it('knows a command that is a directory (run IMAGE /usr), not one a mount provides', () => {
    expect(commandIsDirectory(spec(['/usr']), [layer])).toBe(true);
    expect(commandIsDirectory(spec(['/bin/sh']), [layer])).toBe(false);
    expect(commandIsDirectory(spec(['usr']), [layer])).toBe(false);
    expect(commandIsDirectory(spec(['/usr'], { mounts: ['/usr'] }), [layer])).toBe(false);
    expect(commandIsDirectory(spec(['/usr'], { mounts: ['/usr/share/x'] }), [layer])).toBe(true);
  });
  it('leaves a file that exists but may not be executable to the runtime (126, not 127)', () => {
    expect(commandCertainlyMissing(spec(['noexec']), [layer])).toBe(false);
  });
  it('knows a command that is nowhere', () => {
    expect(commandCertainlyMissing(spec(['no-such-command']), [layer])).toBe(true);
    expect(commandCertainlyMissing(spec(['/nope']), [layer])).toBe(true);
    expect(commandCertainlyMissing(spec(['./rel'], { cwd: '/bin' }), [layer])).toBe(true);
  });
  it('never decides for paths a mount may provide (guards against refusing a command from a volume)', () => {
    expect(commandCertainlyMissing(spec(['/opt/tool/run'], { mounts: ['/opt/tool'] }), [layer])).toBe(false);
    expect(commandCertainlyMissing(spec(['tool'], { env: ['PATH=/opt/tool:/bin'], mounts: ['/opt/tool'] }), [layer])).toBe(false);
    // A symlink in the image that points into a mount.
    symlinkSync('/opt/tool/run', join(layer, 'bin/linked'));
    expect(commandCertainlyMissing(spec(['linked'], { mounts: ['/opt/tool'] }), [layer])).toBe(false);
  });
  it('never decides without PATH or with a relative PATH entry', () => {
    expect(commandCertainlyMissing(spec(['x'], { env: [] }), [layer])).toBe(false);
    expect(commandCertainlyMissing(spec(['x'], { env: ['PATH=bin:/bin'] }), [layer])).toBe(false);
  });
  it('treats an unreadable layer dir as undecided, not missing', () => {
    const fs: LayerFs = {
      lstat: (p) => {
        if (p.endsWith('/usr')) throw Object.assign(new Error('EACCES'), { code: 'EACCES' });
        return lstatSync(p);
      },
      readlink: () => '../bin',
    };
    expect(commandCertainlyMissing(spec(['x'], { env: ['PATH=/usr/bin'] }), [layer], fs)).toBe(false);
    chmodSync(layer, 0o755);
  });
});
