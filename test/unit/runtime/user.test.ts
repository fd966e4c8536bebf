import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { mkdtempSync, mkdirSync, writeFileSync, symlinkSync, rmSync, lstatSync, readlinkSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { findInLayers, readBeneath, readInLayers, resolveUser, resolveUserInLayers, parsePasswd, parseGroup, type LayerFs } from '../../../src/runtime/user.js';

const PASSWD = [
  'root:x:0:0:root:/root:/bin/sh',
  'daemon:x:1:1:daemon:/usr/sbin:/bin/false',
  'alice:x:1000:1000:Alice:/home/alice:/bin/sh',
  'bob:x:1001:100::/home/bob:/bin/sh',
  'broken line',
  'nobody:x:65534:65534:nobody:/nonexistent:/bin/false',
].join('\n');
const GROUP = ['root:x:0:', 'wheel:x:10:alice,bob', 'users:x:100:', 'audio:x:29:alice', 'alice:x:1000:', 'staff:x:50:'].join('\n');

describe('passwd and group parsing', () => {
  it('skips malformed lines', () => {
    expect(parsePasswd(PASSWD).map((p) => p.name)).toEqual(['root', 'daemon', 'alice', 'bob', 'nobody']);
    expect(parseGroup(GROUP).find((g) => g.name === 'wheel')?.members).toEqual(['alice', 'bob']);
  });
});

describe('resolveUser', () => {
  const files = { passwd: PASSWD, group: GROUP };
  it('defaults to root with its home', () => {
    expect(resolveUser(undefined, files)).toEqual({ uid: 0, gid: 0, additionalGids: [], home: '/root', name: 'root' });
  });
  it('resolves a name to its ids, home and supplementary groups', () => {
    expect(resolveUser('alice', files)).toEqual({ uid: 1000, gid: 1000, additionalGids: [10, 29], home: '/home/alice', name: 'alice' });
  });
  it('resolves a uid that has an entry like its name', () => {
    expect(resolveUser('1001', files)).toMatchObject({ uid: 1001, gid: 100, additionalGids: [10], home: '/home/bob' });
  });
  it('uses an unknown numeric uid as is, with gid 0 and home /', () => {
    expect(resolveUser('4242', files)).toEqual({ uid: 4242, gid: 0, additionalGids: [], home: '/' });
    expect(resolveUser('4242:77', files)).toEqual({ uid: 4242, gid: 77, additionalGids: [], home: '/' });
  });
  it('takes an explicit group by name or number, without supplementary groups', () => {
    expect(resolveUser('alice:staff', files)).toMatchObject({ uid: 1000, gid: 50, additionalGids: [] });
    expect(resolveUser('alice:5', files)).toMatchObject({ uid: 1000, gid: 5, additionalGids: [] });
  });
  it("says which user or group is missing, as Podman does", () => {
    expect(() => resolveUser('carol', files)).toThrow('unable to find user carol: no matching entries in passwd file');
    expect(() => resolveUser('alice:nogroup', files)).toThrow('unable to find group nogroup: no matching entries in group file');
  });
  it('works without passwd for numeric ids only', () => {
    expect(resolveUser('5:6', {})).toEqual({ uid: 5, gid: 6, additionalGids: [], home: '/' });
    expect(() => resolveUser('alice', {})).toThrow(/unable to find user alice/);
  });
});

describe('findInLayers', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tpod-user-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function layer(name: string, files: Record<string, string>, links: Record<string, string> = {}): string {
    const root = join(dir, name);
    mkdirSync(root, { recursive: true });
    for (const [p, text] of Object.entries(files)) {
      mkdirSync(join(root, p, '..'), { recursive: true });
      writeFileSync(join(root, p), text);
    }
    for (const [p, target] of Object.entries(links)) {
      mkdirSync(join(root, p, '..'), { recursive: true });
      symlinkSync(target, join(root, p));
    }
    return root;
  }

  /** Marks paths as whiteouts (char 0:0), which tests cannot mknod unprivileged. */
  function withWhiteouts(paths: string[]): LayerFs {
    return {
      lstat: (p) => {
        if (paths.includes(p)) {
          const st = lstatSync(p);
          return Object.assign(Object.create(Object.getPrototypeOf(st) as object) as Stats, st, {
            isCharacterDevice: () => true,
            isFile: () => false,
            isDirectory: () => false,
            isSymbolicLink: () => false,
            rdev: 0,
          });
        }
        return lstatSync(p);
      },
      readlink: (p) => readlinkSync(p),
    };
  }

  it('takes the top-most layer that has the file', () => {
    const low = layer('low', { 'etc/passwd': 'low' });
    const top = layer('top', { 'etc/passwd': 'top' });
    expect(findInLayers([top, low], '/etc/passwd')).toBe(join(top, 'etc/passwd'));
    const top2 = layer('top2', { 'etc/other': 'x' });
    expect(findInLayers([top2, low], '/etc/passwd')).toBe(join(low, 'etc/passwd'));
  });

  it('honours a whiteout of the file in a higher layer', () => {
    const low = layer('low', { 'etc/passwd': 'low' });
    const top = layer('top', { 'etc/passwd': '' });
    expect(findInLayers([top, low], '/etc/passwd', withWhiteouts([join(top, 'etc/passwd')]))).toBeUndefined();
  });

  it('honours a whiteout of a parent directory in a higher layer', () => {
    const low = layer('low', { 'etc/passwd': 'low' });
    const top = layer('top', { etc: '' });
    expect(findInLayers([top, low], '/etc/passwd', withWhiteouts([join(top, 'etc')]))).toBeUndefined();
  });

  it('resolves symlinks inside the rootfs, never on the host (guards against reading host files)', () => {
    const secret = join(dir, 'host-secret');
    writeFileSync(secret, 'root:x:0:0:HOST:/:/bin/sh\n');
    // An absolute link to a host path: inside the rootfs it means <layer>/host-secret.
    const l = layer('l', {}, { 'etc/passwd': secret });
    expect(findInLayers([l], '/etc/passwd')).toBeUndefined();
    const l2 = layer('l2', { [secret.slice(1)]: 'inside' }, { 'etc/passwd': secret });
    expect(findInLayers([l2], '/etc/passwd')).toBe(join(l2, secret.slice(1)));
  });

  it('does not follow a lower layer symlink at a parent position (guards against escaping through /etc)', () => {
    const hostEtc = join(dir, 'hostetc');
    mkdirSync(hostEtc);
    writeFileSync(join(hostEtc, 'passwd'), 'host');
    const low = layer('low', {}, { etc: hostEtc });
    const top = layer('top', { 'etc/group': 'g' });
    // Merged /etc is top's directory; the low layer's symlink is hidden below it.
    expect(findInLayers([top, low], '/etc/passwd')).toBeUndefined();
  });

  it('follows relative links and .. within the rootfs', () => {
    const l = layer('l', { 'real/etc/passwd': 'x' }, { etc: 'real/etc', 'usr/etc': '../../../etc' });
    expect(findInLayers([l], '/etc/passwd')).toBe(join(l, 'real/etc/passwd'));
    expect(findInLayers([l], '/usr/etc/passwd')).toBe(join(l, 'real/etc/passwd'));
  });

  it('reads through the kernel beneath the layer: a parent swapped for a symlink after the lookup reads nothing of the host', () => {
    const hostEtc = join(dir, 'hostetc2');
    mkdirSync(hostEtc);
    writeFileSync(join(hostEtc, 'passwd'), 'root:x:0:0:HOST:/:/bin/sh\n');
    const l = layer('swap', { 'etc/passwd': 'root:x:0:0:inside:/:/bin/sh\n' });
    expect(readInLayers([l], '/etc/passwd')).toMatch(/inside/);
    // The lookup said etc/passwd; then etc became a symlink out of the layer.
    rmSync(join(l, 'etc'), { recursive: true });
    symlinkSync(hostEtc, join(l, 'etc'));
    expect(readBeneath(l, 'etc/passwd')).toBeUndefined();
    expect(readBeneath(l, '../hostetc2/passwd')).toBeUndefined();
  });

  it('gives up on symlink loops', () => {
    const l = layer('l', {}, { 'etc/passwd': '/etc/passwd' });
    expect(findInLayers([l], '/etc/passwd')).toBeUndefined();
  });

  it('resolves a user from crafted layers', () => {
    const low = layer('low', { 'etc/passwd': PASSWD, 'etc/group': GROUP });
    const top = layer('top', { 'etc/passwd': 'root:x:0:0::/root:/bin/sh\nweb:x:33:33::/var/www:/bin/sh\n' });
    expect(resolveUserInLayers('web', [top, low])).toMatchObject({ uid: 33, gid: 33, home: '/var/www' });
    expect(() => resolveUserInLayers('alice', [top, low])).toThrow(/unable to find user alice/);
    expect(resolveUserInLayers('alice', [low])).toMatchObject({ uid: 1000, additionalGids: [10, 29] });
  });
});
