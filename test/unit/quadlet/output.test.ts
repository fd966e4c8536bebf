import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { existsSync, lstatSync, mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { installLinks, syncUnitDir, writeGenerated, MANIFEST } from '../../../src/quadlet/output.js';
import { UnitFile } from '../../../src/quadlet/unit-file.js';
import { gen } from './fixtures.js';

const svc = (name: string, install: string): UnitFile => UnitFile.parse(`[Service]\nExecStart=/bin/true\n\n[Install]\n${install}\n`, `/q/${name}`, name);

describe('installLinks ([Install] as systemctl enable would do it)', () => {
  it('WantedBy=, RequiredBy= and Alias= become links', () => {
    expect(installLinks(svc('web.service', 'WantedBy=default.target multi-user.target\nRequiredBy=x.target\nAlias=www.service'))).toEqual([
      'www.service', 'default.target.wants/web.service', 'multi-user.target.wants/web.service', 'x.target.requires/web.service',
    ]);
  });
  it('a template is enabled only through DefaultInstance=', () => {
    expect(installLinks(svc('web@.service', 'WantedBy=default.target'))).toEqual([]);
    expect(installLinks(svc('web@.service', 'WantedBy=default.target\nDefaultInstance=a'))).toEqual(['default.target.wants/web@a.service']);
  });
  it('an alias or target with a path cannot escape the unit directory', () => {
    const warned: string[] = [];
    const links = installLinks(svc('web.service', 'Alias=../../../etc/evil.service\nWantedBy=../x.target\nAlias=..'), (m) => warned.push(m));
    expect(links).toEqual([]);
    expect(warned).toHaveLength(3);
    expect(warned[0]).toMatch(/^\/q\/web\.service:\d+: Alias=\.\.\/\.\.\/\.\.\/etc\/evil\.service: an alias is a unit name/);
  });
});

describe('writing units', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tpod-quadlet-out-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writeGenerated puts units and relative [Install] links into the generator directory', () => {
    const r = gen({ 'web.container': '[Container]\nImage=busybox\n[Install]\nWantedBy=default.target\n' });
    writeGenerated(join(dir, 'normal'), r.units, () => {});
    expect(readFileSync(join(dir, 'normal', 'web.service'), 'utf8')).toContain('ExecStart=/usr/local/bin/tpod run');
    expect(readlinkSync(join(dir, 'normal', 'default.target.wants', 'web.service'))).toBe('../web.service');
    expect(existsSync(join(dir, 'normal', 'tpod-user-wait-network-online.service'))).toBe(true);
  });

  it('syncUnitDir writes units, then removes the ones no longer generated and their links', () => {
    const both = gen({ 'a.container': '[Container]\nImage=busybox\n[Install]\nWantedBy=default.target\n', 'b.container': '[Container]\nImage=busybox\n' });
    const rep = syncUnitDir(dir, both.units, () => {});
    expect(rep.written.sort()).toEqual(['a.service', 'b.service', 'tpod-user-wait-network-online.service']);
    expect(lstatSync(join(dir, 'default.target.wants', 'a.service')).isSymbolicLink()).toBe(true);
    expect(JSON.parse(readFileSync(join(dir, MANIFEST), 'utf8')).links).toEqual(['default.target.wants/a.service']);

    const onlyB = gen({ 'b.container': '[Container]\nImage=busybox\n' });
    const rep2 = syncUnitDir(dir, onlyB.units, () => {});
    expect(rep2.removed).toEqual(['a.service']);
    expect(existsSync(join(dir, 'a.service'))).toBe(false);
    expect(existsSync(join(dir, 'default.target.wants'))).toBe(false);
    expect(existsSync(join(dir, 'b.service'))).toBe(true);

    syncUnitDir(dir, [], () => {});
    expect(existsSync(join(dir, 'b.service'))).toBe(false);
    expect(existsSync(join(dir, MANIFEST))).toBe(false);
  });

  it("never overwrites or removes the user's own unit file of the same name", () => {
    writeFileSync(join(dir, 'web.service'), '[Service]\nExecStart=/bin/mine\n');
    const r = gen({ 'web.container': '[Container]\nImage=busybox\n' });
    const rep = syncUnitDir(dir, r.units, () => {});
    expect(rep.conflicts[0]?.message).toMatch(/web\.service exists and was not written by tpod/);
    expect(readFileSync(join(dir, 'web.service'), 'utf8')).toContain('/bin/mine');
    syncUnitDir(dir, [], () => {});
    expect(readFileSync(join(dir, 'web.service'), 'utf8')).toContain('/bin/mine');
  });

  it('a unit edited by hand (no marker) is not removed by a later sync', () => {
    const r = gen({ 'web.container': '[Container]\nImage=busybox\n' });
    syncUnitDir(dir, r.units, () => {});
    writeFileSync(join(dir, 'web.service'), '[Service]\nExecStart=/bin/edited\n');
    syncUnitDir(dir, [], () => {});
    expect(readFileSync(join(dir, 'web.service'), 'utf8')).toContain('/bin/edited');
  });

  it('a link path taken by a real file is left alone, with a warning', () => {
    mkdirSync(join(dir, 'default.target.wants'));
    writeFileSync(join(dir, 'default.target.wants', 'a.service'), 'not a link');
    const warned: string[] = [];
    syncUnitDir(dir, gen({ 'a.container': '[Container]\nImage=busybox\n[Install]\nWantedBy=default.target\n' }).units, (m) => warned.push(m));
    expect(readFileSync(join(dir, 'default.target.wants', 'a.service'), 'utf8')).toBe('not a link');
    expect(warned[0]).toMatch(/is not a link; not replacing it/);
  });
});
