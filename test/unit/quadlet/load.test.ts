import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, symlinkSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { quadletSearchDirs } from '../../../src/quadlet/dirs.js';
import { dropinDirNames, loadQuadlets } from '../../../src/quadlet/load.js';
import type { HostEnv } from '../../../src/storage/paths.js';

let root: string;
const put = (p: string, text: string): void => {
  mkdirSync(dirname(join(root, p)), { recursive: true });
  writeFileSync(join(root, p), text);
};
const host = (env: Record<string, string> = {}): HostEnv => ({ env: { XDG_RUNTIME_DIR: join(root, 'run'), ...env }, uid: 1001, home: join(root, 'home'), tmpdir: root });

beforeEach(() => {
  root = realpathSync(mkdtempSync(join(tmpdir(), 'tpod-quadlet-dirs-')));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('quadletSearchDirs (rootless, in Podman order)', () => {
  it('runtime dir, then the user config dir (with subdirs), then /etc users/ (not numeric subdirs), then users/$UID', () => {
    for (const d of ['run/containers/systemd', 'home/.config/containers/systemd/sub', 'home/.config/containers/systemd/web.container.d', 'etc/users/shared', 'etc/users/1001/mine', 'etc/users/1002']) mkdirSync(join(root, d), { recursive: true });
    const dirs = quadletSearchDirs({ host: host(), adminDir: join(root, 'etc') });
    expect(dirs.map((d) => d.slice(root.length + 1))).toEqual([
      'run/containers/systemd',
      'home/.config/containers/systemd',
      'home/.config/containers/systemd/sub',
      'etc/users',
      'etc/users/shared',
      'etc/users/1001',
      'etc/users/1001/mine',
    ]);
  });
  it('follows XDG_CONFIG_HOME, and QUADLET_UNIT_DIRS replaces the list', () => {
    mkdirSync(join(root, 'cfg/containers/systemd'), { recursive: true });
    mkdirSync(join(root, 'only'), { recursive: true });
    expect(quadletSearchDirs({ host: host({ XDG_CONFIG_HOME: join(root, 'cfg') }), adminDir: join(root, 'etc') })).toEqual([join(root, 'cfg/containers/systemd')]);
    expect(quadletSearchDirs({ host: host({ QUADLET_UNIT_DIRS: `${join(root, 'only')}:relative` }), adminDir: join(root, 'etc') })).toEqual([join(root, 'only')]);
  });
  it('visits a directory reached twice through symlinks once', () => {
    mkdirSync(join(root, 'home/.config/containers/systemd'), { recursive: true });
    symlinkSync('.', join(root, 'home/.config/containers/systemd/loop'));
    expect(quadletSearchDirs({ host: host(), adminDir: join(root, 'etc') })).toHaveLength(1);
  });
});

describe('loadQuadlets', () => {
  it('takes the first file of a name, ignores other extensions, and reports unparsable files without stopping', () => {
    put('a/web.container', '[Container]\nImage=first\n');
    put('b/web.container', '[Container]\nImage=second\n');
    put('b/db.container', '[Container]\nImage=db\n');
    put('b/notes.txt', 'x');
    put('b/bad.volume', 'garbage\n');
    const r = loadQuadlets([join(root, 'a'), join(root, 'b')]);
    expect(r.units.map((u) => `${u.filename}=${u.lookup('Container', 'Image') ?? ''}`).sort()).toEqual(['db.container=db', 'web.container=first']);
    expect(r.errors.map((e) => e.message)).toEqual([`${join(root, 'b/bad.volume')}:1: "garbage" is not a [Section] header, a KEY=VALUE line or a comment`]);
  });
  it('merges drop-ins in name order, a more specific directory winning for the same name', () => {
    put('a/foo-bar.container', '[Container]\nImage=base\nExec=orig\n');
    put('a/container.d/10-all.conf', '[Container]\nLabel=all=1\nExec=from-all\n');
    put('a/foo-.container.d/20-prefix.conf', '[Container]\nLabel=prefix=1\n');
    put('a/foo-bar.container.d/10-all.conf', '[Container]\nExec=specific\n');
    put('b/foo-bar.container.d/30-late.conf', '[Service]\nRestart=always\n');
    const r = loadQuadlets([join(root, 'a'), join(root, 'b')]);
    const u = r.units[0]!;
    expect(u.lookup('Container', 'Exec')).toBe('specific');
    expect(u.lookupAll('Container', 'Label')).toEqual(['prefix=1']);
    expect(u.lookup('Service', 'Restart')).toBe('always');
  });
  it('knows the drop-in directory names of a unit, broadest first', () => {
    expect(dropinDirNames('foo-bar.container')).toEqual(['container.d', 'foo-.container.d', 'foo-bar.container.d']);
    expect(dropinDirNames('web@a.container')).toEqual(['container.d', 'web@.container.d', 'web@a.container.d']);
  });
});

describe('parseQuadletFile', () => {
  it('makes a relative path absolute (SourcePath= and paths relative to the file need it)', async () => {
    const { parseQuadletFile } = await import('../../../src/quadlet/load.js');
    put('rel/web.container', '[Container]\nImage=x\n');
    const cwd = process.cwd();
    process.chdir(root);
    try {
      expect(parseQuadletFile('rel/web.container').path).toBe(join(root, 'rel/web.container'));
    } finally {
      process.chdir(cwd);
    }
  });
});
