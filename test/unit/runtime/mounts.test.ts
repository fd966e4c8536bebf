import { describe, it, expect } from 'vitest';
import { parseVolumeFlag, parseMountFlag, parseTmpfs, parseMounts, type MountHost } from '../../../src/runtime/mounts.js';

const host: MountHost = {
  cwd: '/home/u',
  stat: (p) => {
    if (!p.startsWith('/exists')) throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
  },
};

describe('-v', () => {
  it('parses HOST:CTR with ro/rw, relabel, propagation and U', () => {
    expect(parseVolumeFlag('/exists/a:/data:ro,Z', host)).toEqual({ source: '/exists/a', destination: '/data', readOnly: true, options: ['rbind', 'rprivate'] });
    expect(parseVolumeFlag('/exists/a:/data/', host).destination).toBe('/data');
    expect((parseVolumeFlag('/exists/a:/d:rw,nosuid,shared', host) as { options: string[] }).options).toEqual(['rbind', 'nosuid', 'shared']);
    expect(parseVolumeFlag('/exists/a:/d:U', host)).toMatchObject({ chown: true });
  });
  it('reads a name as a named volume and a lone path as an anonymous one', () => {
    expect(parseVolumeFlag('myvol:/d:ro,nocopy,noexec', host)).toEqual({ name: 'myvol', destination: '/d', readOnly: true, options: ['noexec'], noCopy: true });
    expect(parseVolumeFlag('/d', host)).toEqual({ destination: '/d', readOnly: false, options: [], anonymous: true });
  });
  it('refuses a missing host path, a relative container path, bad names and options', () => {
    expect(() => parseVolumeFlag('./x:/d', host)).toThrow('statfs /home/u/x: no such file or directory');
    expect(() => parseVolumeFlag('/x:/d', host)).toThrow('statfs /x: no such file or directory');
    expect(() => parseVolumeFlag('/exists:ctr', host)).toThrow('invalid container path "ctr", must be an absolute path');
    expect(() => parseVolumeFlag('/exists:/d:bogus', host)).toThrow(/bogus: invalid mount option/);
    expect(() => parseVolumeFlag('bad name:/d', host)).toThrow(/neither an absolute or relative host path nor a volume name/);
    expect(() => parseVolumeFlag('a:b:c:d', host)).toThrow(/expected HOST-DIR:CONTAINER-DIR/);
    expect(() => parseVolumeFlag('d', host)).toThrow(/must be an absolute path/);
  });
});

describe('--mount', () => {
  it('parses each type with its options', () => {
    expect(parseMountFlag('type=bind,src=/exists/x,dst=/x,ro=true,bind-propagation=rshared', host)).toEqual({ kind: 'volumes', m: { source: '/exists/x', destination: '/x', readOnly: true, options: ['rbind', 'rshared'] } });
    expect(parseMountFlag('type=volume,source=v,target=/v,U', host)).toEqual({ kind: 'namedVolumes', m: { name: 'v', destination: '/v', readOnly: false, options: [], chown: true } });
    expect(parseMountFlag('type=volume,target=/anon', host)).toEqual({ kind: 'namedVolumes', m: { destination: '/anon', readOnly: false, options: [], anonymous: true } });
    expect(parseMountFlag('type=tmpfs,dst=/t,tmpfs-size=1m,tmpfs-mode=700', host)).toEqual({ kind: 'tmpfs', m: { destination: '/t', options: ['rw', 'size=1m', 'mode=700', 'noexec', 'nosuid', 'nodev'] } });
    expect(parseMountFlag('type=image,src=alpine,dst=/img', host)).toEqual({ kind: 'imageMounts', m: { image: 'alpine', destination: '/img', readWrite: false } });
    expect(parseMountFlag('type=devpts,destination=/dev/pts2,gid=5', host)).toEqual({ kind: 'devpts', m: { destination: '/dev/pts2', options: ['gid=5'] } });
  });
  it("refuses what Podman refuses, in Podman's words", () => {
    expect(() => parseMountFlag('src=/exists,dst=/x', host)).toThrow(/^incorrect mount format: should be --mount type=/);
    expect(() => parseMountFlag('type=bind,src=/exists', host)).toThrow('must set volume destination');
    expect(() => parseMountFlag('type=bind,dst=/x,bogus=1', host)).toThrow('bogus: invalid mount option');
    expect(() => parseMountFlag('type=tmpfs,src=/a,dst=/x', host)).toThrow('source is not supported with tmpfs mounts');
    expect(() => parseMountFlag('type=foo,dst=/x', host)).toThrow('invalid filesystem type "foo"');
    expect(() => parseMountFlag('type=bind,src=/nope,dst=/x', host)).toThrow('statfs /nope: no such file or directory');
    expect(() => parseMountFlag('type=bind,src=/exists,dst=/x,ro=maybe', host)).toThrow(/must be set to true or false/);
  });
});

describe('--tmpfs', () => {
  it("adds Podman's defaults unless overridden", () => {
    expect(parseTmpfs('/t')).toEqual({ destination: '/t', options: ['rw', 'noexec', 'nosuid', 'nodev'] });
    expect(parseTmpfs('/t:exec,size=64m,mode=1777')).toEqual({ destination: '/t', options: ['rw', 'exec', 'size=64m', 'mode=1777', 'nosuid', 'nodev'] });
  });
  it('refuses a relative path and odd options', () => {
    expect(() => parseTmpfs('t')).toThrow(/absolute path/);
    expect(() => parseTmpfs('/t:size=1m;rm')).toThrow(/invalid option/);
  });
});

describe('parseMounts', () => {
  it('takes the same mount twice as one, refuses two different ones at one place', () => {
    expect(parseMounts({ volume: ['v:/v', 'v:/v'] }, host).namedVolumes).toHaveLength(1);
    expect(() => parseMounts({ volume: ['v:/v', 'w:/v'] }, host)).toThrow('/v: duplicate mount destination');
    expect(parseMounts({ tmpfs: ['/t', '/t'] }, host).tmpfs).toHaveLength(1);
    expect(() => parseMounts({ tmpfs: ['/t', '/t:ro'] }, host)).toThrow('/t: duplicate mount destination');
    expect(() => parseMounts({ volume: ['v:/t'], tmpfs: ['/t'] }, host)).toThrow('/t: duplicate mount destination');
    expect(() => parseMounts({ volume: ['/exists/a:/t'], mount: ['type=tmpfs,dst=/t'] }, host)).toThrow('/t: duplicate mount destination');
  });
});
