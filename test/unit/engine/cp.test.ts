import { describe, it, expect } from 'vitest';
import { mountFor, parseCpArg, parseCpStat } from '../../../src/engine/cp.js';

describe('cp arguments', () => {
  it('reads CTR:PATH, host paths and - as Podman does', () => {
    expect(parseCpArg('c:/tmp')).toEqual({ kind: 'container', container: 'c', path: '/tmp' });
    expect(parseCpArg('./a:b')).toEqual({ kind: 'host', path: './a:b' });
    expect(parseCpArg('/x:y')).toEqual({ kind: 'host', path: '/x:y' });
    expect(parseCpArg('-')).toEqual({ kind: 'stream' });
  });
});

describe('mountFor (a stopped container\'s path to the mount that holds it)', () => {
  const mounts = [{ destination: '/tmp/volume' }, { destination: '/tmp/volume/sub-volume' }, { destination: '/data/' }];
  it('picks the deepest mount by whole components', () => {
    expect(mountFor(mounts, '/tmp/volume/sub-volume')).toBe(mounts[1]);
    expect(mountFor(mounts, '/tmp/volume/sub-volume/x/y')).toBe(mounts[1]);
    expect(mountFor(mounts, '/tmp/volume/sub-volumes')).toBe(mounts[0]);
    expect(mountFor(mounts, '/tmp/volume')).toBe(mounts[0]);
    expect(mountFor(mounts, '/data/f')).toBe(mounts[2]);
  });
  it('leaves paths outside every mount to the rootfs', () => {
    expect(mountFor(mounts, '/tmp')).toBeUndefined();
    expect(mountFor(mounts, '/tmp/vol')).toBeUndefined();
    expect(mountFor(mounts, '/')).toBeUndefined();
  });
});

describe('parseCpStat', () => {
  it('splits TYPE PARENT RESOLVED, keeping spaces in the path', () => {
    expect(parseCpStat('missing dir /tmp/nonesuch1\n')).toEqual({ type: 'missing', parent: 'dir', resolved: '/tmp/nonesuch1' });
    expect(parseCpStat('file dir /a b/c d\n')).toEqual({ type: 'file', parent: 'dir', resolved: '/a b/c d' });
  });
});
