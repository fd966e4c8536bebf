import { describe, expect, it } from 'vitest';
import { goFileMode, pathStatHeader } from '../../../../src/api/docker/archive.js';
import { archiveName, pathStat } from '../../../../src/engine/cp-archive.js';
import { parseCpStatLong } from '../../../../src/engine/cp.js';

describe('goFileMode (st_mode to Go os.FileMode, what docker cp reads)', () => {
  it('puts the type bits where Go has them', () => {
    expect(goFileMode(0o040755)).toBe(2 ** 31 + 0o755);
    expect(goFileMode(0o100644)).toBe(0o644);
    expect(goFileMode(0o120777)).toBe(2 ** 27 + 0o777);
    expect(goFileMode(0o010644)).toBe(2 ** 25 + 0o644);
    expect(goFileMode(0o020666)).toBe(2 ** 26 + 2 ** 21 + 0o666);
    expect(goFileMode(0o060660)).toBe(2 ** 26 + 0o660);
  });
  it('keeps setuid, setgid and sticky as Go flags', () => {
    expect(goFileMode(0o104755)).toBe(2 ** 23 + 0o755);
    expect(goFileMode(0o041777)).toBe(2 ** 31 + 2 ** 20 + 0o777);
    expect(goFileMode(0o102755)).toBe(2 ** 22 + 0o755);
  });
});

describe('archive stat', () => {
  it("names the path as Docker does: its last component, '.' for DIR/., '/' for the root", () => {
    expect(archiveName('/etc/hosts')).toBe('hosts');
    expect(archiveName('/tmp/dir/')).toBe('dir');
    expect(archiveName('/tmp/dir/.')).toBe('.');
    expect(archiveName('/')).toBe('/');
    expect(archiveName('rel/x')).toBe('x');
  });
  it('reads cpstat --long, a missing path included', () => {
    expect(parseCpStatLong('file dir /a b\n100644 11 1700000000 5000\n')).toEqual({ type: 'file', parent: 'dir', resolved: '/a b', lstat: { mode: 0o100644, size: 11, mtimeSec: 1700000000, mtimeNsec: 5000 } });
    expect(parseCpStatLong('missing dir /x\n-\n')).toEqual({ type: 'missing', parent: 'dir', resolved: '/x', lstat: undefined });
  });
  it('gives a link its resolved target, under the mount it was found in', () => {
    const l = { mode: 0o120777, size: 4, mtimeSec: 1700000000, mtimeNsec: 120000000 };
    expect(pathStat('/data/link', l, '/target', '/data')).toEqual({ name: 'link', size: 4, mode: 0o120777, mtime: '2023-11-14T22:13:20.12Z', linkTarget: '/data/target' });
    expect(pathStat('/f', { ...l, mode: 0o100600, mtimeNsec: 0 }, '/f', '').linkTarget).toBe('');
    expect(pathStat('/f', { ...l, mode: 0o100600, mtimeNsec: 0 }, '/f', '').mtime).toBe('2023-11-14T22:13:20Z');
  });
  it('encodes the header as base64 JSON with the Go mode', () => {
    const h = pathStatHeader({ name: 'dir', size: 4096, mode: 0o040755, mtime: '2023-11-14T22:13:20Z', linkTarget: '' });
    expect(JSON.parse(Buffer.from(h, 'base64').toString())).toEqual({ name: 'dir', size: 4096, mode: 2147484141, mtime: '2023-11-14T22:13:20Z', linkTarget: '' });
  });
});
