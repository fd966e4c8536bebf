import { describe, it, expect } from 'vitest';
import { parseSecurityOpts, protectedPaths, securityOptList, thermalThrottlePaths, MASKED_PATHS, READONLY_PATHS } from '../../../src/runtime/security.js';

describe('parseSecurityOpts', () => {
  it('reads seccomp, mask, unmask and no-new-privileges in both spellings', () => {
    const s = parseSecurityOpts(['seccomp=unconfined', 'mask=/proc/a:/proc/b', 'unmask:/proc/kcore', 'no-new-privileges'], '/w');
    expect(s).toEqual({ noNewPrivileges: true, seccomp: { kind: 'unconfined' }, mask: ['/proc/a', '/proc/b'], unmask: ['/proc/kcore'] });
    expect(parseSecurityOpts(['seccomp=p.json'], '/w').seccomp).toEqual({ kind: 'file', path: '/w/p.json' });
    expect(parseSecurityOpts(['seccomp:/abs.json'], '/w').seccomp).toEqual({ kind: 'file', path: '/abs.json' });
    expect(parseSecurityOpts(['unmask=ALL'], '/').unmask).toEqual(['ALL']);
    expect(parseSecurityOpts([], '/').seccomp).toEqual({ kind: 'default' });
  });
  it('refuses relative mask paths and unknown options', () => {
    expect(() => parseSecurityOpts(['mask=proc/a'], '/')).toThrow(/"proc\/a" is not an absolute path/);
    expect(() => parseSecurityOpts(['mask='], '/')).toThrow(/give one or more paths/);
    expect(() => parseSecurityOpts(['seccomp='], '/')).toThrow(/unsupported --security-opt/);
    expect(() => parseSecurityOpts(['apparmor=mine'], '/')).toThrow(/unsupported --security-opt "apparmor=mine"/);
  });
});

describe('protectedPaths', () => {
  const none = parseSecurityOpts([], '/');
  it("is Podman's full list by default, with the host's thermal_throttle dirs", () => {
    const p = protectedPaths(none, false, ['/sys/devices/system/cpu/cpu0/thermal_throttle']);
    for (const m of ['/proc/interrupts', '/sys/devices/virtual/powercap', '/proc/kcore', '/sys/devices/system/cpu/cpu0/thermal_throttle']) expect(p.masked).toContain(m);
    expect(p.readonly).toEqual(READONLY_PATHS);
  });
  it('masks nothing for --privileged, and everything still asked with mask=', () => {
    expect(protectedPaths(none, true, ['/t'])).toEqual({ masked: [], readonly: [] });
    expect(protectedPaths(parseSecurityOpts(['mask=/proc/version'], '/'), true, [])).toEqual({ masked: ['/proc/version'], readonly: [] });
  });
  it('unmask takes paths (globs) off both lists; ALL takes all', () => {
    const p = protectedPaths(parseSecurityOpts(['unmask=/proc/kcore:/proc/sys'], '/'), false, []);
    expect(p.masked).not.toContain('/proc/kcore');
    expect(p.readonly).not.toContain('/proc/sys');
    const g = protectedPaths(parseSecurityOpts(['unmask=/proc/*'], '/'), false, []);
    expect(g.masked).toEqual(MASKED_PATHS.filter((m) => !m.startsWith('/proc/')));
    expect(g.readonly).toEqual([]);
    expect(protectedPaths(parseSecurityOpts(['unmask=ALL', 'mask=/x'], '/'), false, ['/t'])).toEqual({ masked: ['/x'], readonly: [] });
  });
});

describe('thermalThrottlePaths', () => {
  it('lists the per-CPU dirs that exist', () => {
    const list = () => ['cpu0', 'cpu1', 'cpufreq', 'online'];
    expect(thermalThrottlePaths(list, (d) => d.includes('cpu0'))).toEqual(['/sys/devices/system/cpu/cpu0/thermal_throttle']);
  });
});

describe('securityOptList', () => {
  it("lists what was asked, as Podman's HostConfig.SecurityOpt (the default profile is not listed)", () => {
    expect(securityOptList(parseSecurityOpts([], '/'), false)).toEqual([]);
    expect(securityOptList(parseSecurityOpts(['seccomp=unconfined'], '/'), true)).toEqual(['no-new-privileges', 'seccomp=unconfined']);
    expect(securityOptList(parseSecurityOpts(['seccomp=/p.json', 'mask=/a', 'unmask=ALL'], '/'), false)).toEqual(['seccomp=/p.json', 'mask=/a', 'unmask=ALL']);
  });
});
