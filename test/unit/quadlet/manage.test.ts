import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ALL_FEATURES } from '../../../src/quadlet/cmdline.js';
import { findQuadlet, installQuadlets, listQuadlets, readQuadletText, removeQuadlets, unitFor, type QuadletEnv } from '../../../src/quadlet/manage.js';

let root: string;
let env: QuadletEnv;
let warned: string[];
const src = (name: string, text: string): string => {
  const p = join(root, 'src', name);
  mkdirSync(join(p, '..'), { recursive: true });
  writeFileSync(p, text);
  return p;
};
const qdir = (): string => join(root, 'home/.config/containers/systemd');
const udir = (): string => join(root, 'home/.config/systemd/user');
const opts = { replace: false, reload: true };

beforeEach(() => {
  root = realpathSync(mkdtempSync(join(tmpdir(), 'tpod-quadlet-manage-')));
  mkdirSync(join(root, 'run'));
  mkdirSync(join(root, 'generators'));
  warned = [];
  env = {
    host: { env: { XDG_RUNTIME_DIR: join(root, 'run'), PATH: '/usr/bin:/bin' }, uid: 1001, home: join(root, 'home'), tmpdir: root },
    adminDir: join(root, 'etc'),
    generatorDirs: [join(root, 'generators')],
    tpod: ['/opt/tpod/bin/tpod'],
    features: ALL_FEATURES,
    warn: (m) => warned.push(m),
  };
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('quadlet install', () => {
  it('copies the file into the Quadlet dir and, without a generator, writes its unit and [Install] link', () => {
    const f = src('web.container', '[Container]\nImage=busybox\nExec=httpd -f\n[Install]\nWantedBy=default.target\n');
    const installed = installQuadlets(env, [f], opts);
    expect(installed).toEqual([join(qdir(), 'web.container')]);
    const unit = readFileSync(join(udir(), 'web.service'), 'utf8');
    expect(unit).toContain(`SourcePath=${join(qdir(), 'web.container')}`);
    expect(unit).toContain('ExecStart=/opt/tpod/bin/tpod run --name systemd-%N');
    expect(readlinkSync(join(udir(), 'default.target.wants', 'web.service'))).toBe('../web.service');
    // No manager in this test: said, not failed.
    expect(warned).toEqual([expect.stringMatching(/no systemd user manager is reachable/)]);
  });

  it('with tpod generator installed, leaves the units to systemd (and clears ones written before)', () => {
    installQuadlets(env, [src('a.container', '[Container]\nImage=busybox\n')], opts);
    expect(existsSync(join(udir(), 'a.service'))).toBe(true);
    writeFileSync(join(root, 'generators', 'tpod-user-generator'), '#!/bin/sh\n');
    installQuadlets(env, [src('b.container', '[Container]\nImage=busybox\n')], opts);
    expect(existsSync(join(udir(), 'a.service'))).toBe(false);
    expect(existsSync(join(udir(), 'b.service'))).toBe(false);
    expect(existsSync(join(qdir(), 'b.container'))).toBe(true);
  });

  it('refuses a file without Image= and installs nothing', () => {
    const f = src('bad.container', '[Container]\nExec=true\n');
    expect(() => installQuadlets(env, [f], opts)).toThrow(new RegExp(`^${f}: no Image= in the \\[Container\\] section`));
    expect(existsSync(join(qdir(), 'bad.container'))).toBe(false);
  });

  it('warns about unknown keys by FILE:LINE while installing', () => {
    const f = src('web.container', '[Container]\nImage=busybox\nFrobnicate=1\n');
    installQuadlets(env, [f], { replace: false, reload: false });
    expect(warned).toEqual([`${f}:3: unknown key "Frobnicate" in section [Container]; ignored`]);
  });

  it('refuses to overwrite without --replace, and refuses files that are not Quadlets or URLs', () => {
    const f = src('web.container', '[Container]\nImage=busybox\n');
    installQuadlets(env, [f], opts);
    expect(() => installQuadlets(env, [f], opts)).toThrow(/already installed .* use --replace/);
    expect(installQuadlets(env, [f], { replace: true, reload: false })).toHaveLength(1);
    expect(() => installQuadlets(env, [src('x.txt', 'x')], opts)).toThrow(/is not a Quadlet file/);
    expect(() => installQuadlets(env, ['https://example.com/a.container'], opts)).toThrow(/local files only/);
    expect(() => installQuadlets(env, [join(root, 'nope.container')], opts)).toThrow(/no such file/);
  });

  it('installs extra files with a Quadlet, and a directory as one application', () => {
    const f = src('web.container', '[Container]\nImage=busybox\nEnvironmentFile=web.env\n');
    const e = src('web.env', 'A=1\n');
    installQuadlets(env, [f, e], opts);
    expect(readFileSync(join(qdir(), 'web.env'), 'utf8')).toBe('A=1\n');
    // EnvironmentFile= is relative to where the Quadlet file is installed.
    expect(readFileSync(join(udir(), 'web.service'), 'utf8')).toContain(`--env-file ${join(qdir(), 'web.env')}`);

    mkdirSync(join(root, 'myapp'));
    writeFileSync(join(root, 'myapp', 'front.container'), '[Container]\nImage=busybox\n');
    writeFileSync(join(root, 'myapp', 'back.container'), '[Container]\nImage=busybox\n');
    writeFileSync(join(root, 'myapp', 'app.conf'), 'x');
    installQuadlets(env, [join(root, 'myapp')], opts);
    const rows = listQuadlets(env);
    expect(rows.map((r) => [r.Name, r.UnitName, r.Status, r.App])).toEqual([
      ['back.container', 'back.service', 'Not loaded', 'myapp'],
      ['front.container', 'front.service', 'Not loaded', 'myapp'],
      ['web.container', 'web.service', 'Not loaded', ''],
    ]);
    expect(rows[0]!.Path).toBe(join(qdir(), 'back.container'));
  });
});

describe('quadlet rm', () => {
  it('removes the file, its extra files and its unit; a part of an application removes all of it', () => {
    installQuadlets(env, [src('web.container', '[Container]\nImage=busybox\n'), src('web.env', 'A=1\n')], opts);
    mkdirSync(join(root, 'app'));
    writeFileSync(join(root, 'app', 'a.container'), '[Container]\nImage=busybox\n');
    writeFileSync(join(root, 'app', 'b.container'), '[Container]\nImage=busybox\n');
    installQuadlets(env, [join(root, 'app')], opts);

    const r1 = removeQuadlets(env, ['web.container'], { all: false, force: false, ignore: false, reload: false });
    expect(r1).toEqual({ removed: ['web.container'], errors: [] });
    expect(existsSync(join(qdir(), 'web.env'))).toBe(false);
    expect(existsSync(join(udir(), 'web.service'))).toBe(false);

    const r2 = removeQuadlets(env, ['a.container'], { all: false, force: false, ignore: false, reload: false });
    expect(r2.removed).toEqual(['a.container', 'b.container']);
    expect(existsSync(join(qdir(), '.app.app'))).toBe(false);
    expect(existsSync(join(udir(), 'b.service'))).toBe(false);
  });

  it('reports missing names (unless --ignore), and does not remove the admin’s files', () => {
    mkdirSync(join(root, 'etc/users'), { recursive: true });
    writeFileSync(join(root, 'etc/users/admin.container'), '[Container]\nImage=busybox\n');
    const r = removeQuadlets(env, ['nope.container', 'admin.container'], { all: false, force: false, ignore: false, reload: false });
    expect(r.removed).toEqual([]);
    expect(r.errors.map((e) => e.message)).toEqual([
      'no Quadlet or application named nope.container is installed',
      `admin.container is not in your Quadlet directory (${qdir()}) but in ${join(root, 'etc/users/admin.container')}: tpod removes only Quadlets you installed`,
    ]);
    expect(removeQuadlets(env, ['nope.container'], { all: false, force: false, ignore: true, reload: false }).errors).toEqual([]);
  });

  it('--all removes everything installed', () => {
    installQuadlets(env, [src('a.container', '[Container]\nImage=busybox\n')], opts);
    installQuadlets(env, [src('b.container', '[Container]\nImage=busybox\n')], opts);
    expect(removeQuadlets(env, [], { all: true, force: false, ignore: false, reload: false }).removed.sort()).toEqual(['a.container', 'b.container']);
    expect(listQuadlets(env)).toEqual([]);
  });
});

describe('quadlet print', () => {
  it('prints the Quadlet file by name, or the unit made from it', () => {
    const text = '[Container]\nImage=busybox\nBogus=1\n';
    installQuadlets(env, [src('web.container', text)], opts);
    expect(readQuadletText(env, 'web.container')).toBe(text);
    const u = unitFor(env, 'web.container');
    expect(u.text).toContain('ExecStart=/opt/tpod/bin/tpod run');
    expect(u.warnings).toEqual([`${join(qdir(), 'web.container')}:3: unknown key "Bogus" in section [Container]; ignored`]);
    expect(() => findQuadlet(env, 'nope.container')).toThrow(/no Quadlet named nope\.container was found/);
  });
  it('prints the unit for a file given by path, failing as generation fails', () => {
    expect(unitFor(env, src('x.container', '[Container]\nImage=busybox\n')).text).toContain('[X-Container]');
    expect(() => unitFor(env, src('y.container', '[Container]\n'))).toThrow(/no Image=/);
  });
});

describe('quadlet install --replace', () => {
  it('a new version of an application drops the files it no longer has', () => {
    mkdirSync(join(root, 'app'));
    writeFileSync(join(root, 'app', 'a.container'), '[Container]\nImage=busybox\n');
    writeFileSync(join(root, 'app', 'b.container'), '[Container]\nImage=busybox\n');
    installQuadlets(env, [join(root, 'app')], { replace: false, reload: false });
    rmSync(join(root, 'app', 'b.container'));
    installQuadlets(env, [join(root, 'app')], { replace: true, reload: false });
    expect(existsSync(join(qdir(), 'b.container'))).toBe(false);
    expect(existsSync(join(udir(), 'b.service'))).toBe(false);
    expect(existsSync(join(udir(), 'a.service'))).toBe(true);
  });
  it('replaces a link in the Quadlet directory instead of writing through it', () => {
    const target = join(root, 'elsewhere.txt');
    writeFileSync(target, 'keep me');
    mkdirSync(qdir(), { recursive: true });
    symlinkSync(target, join(qdir(), 'web.container'));
    installQuadlets(env, [src('web.container', '[Container]\nImage=busybox\n')], { replace: true, reload: false });
    expect(readFileSync(target, 'utf8')).toBe('keep me');
    expect(readFileSync(join(qdir(), 'web.container'), 'utf8')).toContain('Image=busybox');
  });
});

describe('warnings that explain an error', () => {
  it('a misspelt section is said before the missing Image= error', () => {
    const f = src('web.container', '[container]\nImage=busybox\n');
    expect(() => installQuadlets(env, [f], opts)).toThrow(/no Image=/);
    expect(warned).toEqual([`${f}:1: unknown section [container] in a .container file (did you mean [Container]?); ignored`]);
    warned.length = 0;
    expect(() => unitFor(env, f)).toThrow(/no Image=/);
    expect(warned).toHaveLength(1);
  });
});
