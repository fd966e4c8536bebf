import { describe, it, expect } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { convertProfile, kernelAtLeast, loadProfile, parseProfile, configuredProfilePath, DEFAULT_PROFILE, OVERRIDE_PROFILE, type SeccompProfile } from '../../../src/runtime/seccomp.js';
import type { ConfigSources } from '../../../src/network/config.js';
import { DEFAULT_CAPS } from '../../../src/runtime/options.js';

const amd64 = { arch: 'x64', kernel: '6.1.0-18-amd64' };

const profile: SeccompProfile = {
  defaultAction: 'SCMP_ACT_ERRNO',
  defaultErrnoRet: 38,
  archMap: [
    { architecture: 'SCMP_ARCH_X86_64', subArchitectures: ['SCMP_ARCH_X86', 'SCMP_ARCH_X32'] },
    { architecture: 'SCMP_ARCH_AARCH64', subArchitectures: ['SCMP_ARCH_ARM'] },
  ],
  syscalls: [
    { names: ['read', 'write'], action: 'SCMP_ACT_ALLOW', args: [], includes: {}, excludes: {} },
    { names: ['arch_prctl'], action: 'SCMP_ACT_ALLOW', includes: { arches: ['amd64', 'x32'] } },
    { names: ['arm_fadvise64_64'], action: 'SCMP_ACT_ALLOW', includes: { arches: ['arm', 'arm64'] } },
    { names: ['chroot'], action: 'SCMP_ACT_ALLOW', includes: { caps: ['CAP_SYS_CHROOT'] } },
    { names: ['chroot'], action: 'SCMP_ACT_ERRNO', errnoRet: 1, excludes: { caps: ['CAP_SYS_CHROOT'] } },
    { names: ['bpf'], action: 'SCMP_ACT_ALLOW', includes: { caps: ['CAP_SYS_ADMIN'] } },
    { names: ['newsys'], action: 'SCMP_ACT_ALLOW', includes: { minKernel: '6.5' } },
    { names: ['oldsys'], action: 'SCMP_ACT_ALLOW', excludes: { minKernel: '5.0' } },
    { names: ['personality'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 8, valueTwo: 0, op: 'SCMP_CMP_EQ' }] },
  ],
};

const names = (s: ReturnType<typeof convertProfile>) => s.syscalls.map((c) => `${c.names.join(',')}:${c.action}`);

describe('convertProfile', () => {
  it('keeps the default action, its errno and the native arch with its compat arches', () => {
    const s = convertProfile(profile, DEFAULT_CAPS, amd64);
    expect(s.defaultAction).toBe('SCMP_ACT_ERRNO');
    expect(s.defaultErrnoRet).toBe(38);
    expect(s.architectures).toEqual(['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32']);
    expect(convertProfile(profile, DEFAULT_CAPS, { arch: 'arm64', kernel: '6.1' }).architectures).toEqual(['SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM']);
  });
  it('honours includes and excludes by architecture', () => {
    expect(names(convertProfile(profile, DEFAULT_CAPS, amd64))).toContain('arch_prctl:SCMP_ACT_ALLOW');
    expect(names(convertProfile(profile, DEFAULT_CAPS, amd64))).not.toContain('arm_fadvise64_64:SCMP_ACT_ALLOW');
    const arm = names(convertProfile(profile, DEFAULT_CAPS, { arch: 'arm64', kernel: '6.1' }));
    expect(arm).toContain('arm_fadvise64_64:SCMP_ACT_ALLOW');
    expect(arm).not.toContain('arch_prctl:SCMP_ACT_ALLOW');
  });
  it('honours includes and excludes by the bounding capabilities', () => {
    const dflt = names(convertProfile(profile, DEFAULT_CAPS, amd64));
    expect(dflt).toContain('chroot:SCMP_ACT_ALLOW');
    expect(dflt).not.toContain('chroot:SCMP_ACT_ERRNO');
    expect(dflt).not.toContain('bpf:SCMP_ACT_ALLOW');
    const dropped = names(convertProfile(profile, DEFAULT_CAPS.filter((c) => c !== 'CAP_SYS_CHROOT'), amd64));
    expect(dropped).toContain('chroot:SCMP_ACT_ERRNO');
    expect(dropped).not.toContain('chroot:SCMP_ACT_ALLOW');
    expect(names(convertProfile(profile, [...DEFAULT_CAPS, 'CAP_SYS_ADMIN'], amd64))).toContain('bpf:SCMP_ACT_ALLOW');
  });
  it('honours includes and excludes by minimum kernel', () => {
    const old = names(convertProfile(profile, DEFAULT_CAPS, { arch: 'x64', kernel: '4.19.0' }));
    expect(old).toContain('oldsys:SCMP_ACT_ALLOW');
    expect(old).not.toContain('newsys:SCMP_ACT_ALLOW');
    const recent = names(convertProfile(profile, DEFAULT_CAPS, { arch: 'x64', kernel: '6.8.0-1-generic' }));
    expect(recent).toContain('newsys:SCMP_ACT_ALLOW');
    expect(recent).not.toContain('oldsys:SCMP_ACT_ALLOW');
  });
  it('writes args without the zero valueTwo, and errnoRet where given', () => {
    const s = convertProfile(profile, DEFAULT_CAPS, amd64);
    expect(s.syscalls.find((c) => c.names[0] === 'personality')).toEqual({ names: ['personality'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 8, op: 'SCMP_CMP_EQ' }] });
    expect(s.syscalls.find((c) => c.names[0] === 'read')).toEqual({ names: ['read', 'write'], action: 'SCMP_ACT_ALLOW' });
  });
  it('refuses unknown actions and operators, and name with names', () => {
    expect(() => convertProfile({ defaultAction: 'SCMP_ACT_NOPE' }, [], amd64)).toThrow(/unknown defaultAction/);
    expect(() => convertProfile({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['x'], action: 'ALLOW' }] }, [], amd64)).toThrow(/unknown seccomp action "ALLOW"/);
    expect(() => convertProfile({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['x'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 1, op: 'EQ' }] }] }, [], amd64)).toThrow(/unknown seccomp operator/);
    expect(() => convertProfile({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ name: 'a', names: ['b'], action: 'SCMP_ACT_ALLOW' }] }, [], amd64)).toThrow(/both "name" and "names"/);
  });
  it('converts the installed containers-common profile as Podman does for the default capabilities', () => {
    // The package is a test dependency (install.sh); its absence is a failure, not a skip.
    expect(existsSync(DEFAULT_PROFILE)).toBe(true);
    const s = convertProfile(parseProfile(readFileSync(DEFAULT_PROFILE, 'utf8'), DEFAULT_PROFILE), DEFAULT_CAPS, amd64);
    const all = s.syscalls.flatMap((c) => (c.action === 'SCMP_ACT_ALLOW' ? c.names : []));
    expect(all).toContain('mkdir');
    expect(all).toContain('chroot');
    expect(all).not.toContain('bpf');
    expect(all).not.toContain('kexec_load');
    expect(s.syscalls.some((c) => c.names.includes('socket') && c.action === 'SCMP_ACT_ERRNO')).toBe(true);
  });
});

describe('kernelAtLeast', () => {
  it('compares numeric parts', () => {
    expect(kernelAtLeast('6.1.0-18-amd64', '5.8')).toBe(true);
    expect(kernelAtLeast('5.8.0', '5.8')).toBe(true);
    expect(kernelAtLeast('5.7.19', '5.8')).toBe(false);
    expect(kernelAtLeast('4.19', '4.8')).toBe(true);
  });
});

describe('loadProfile', () => {
  const files: Record<string, string> = { [DEFAULT_PROFILE]: '{"defaultAction":"SCMP_ACT_ERRNO"}', '/my/p.json': '{"defaultAction":"SCMP_ACT_ALLOW"}' };
  const read = (p: string) => files[p];
  it('uses the containers-common profile, the admin override first', () => {
    expect(loadProfile({ kind: 'default' }, undefined, read)?.path).toBe(DEFAULT_PROFILE);
    expect(loadProfile({ kind: 'default' }, undefined, (p) => (p === OVERRIDE_PROFILE ? '{"defaultAction":"SCMP_ACT_LOG"}' : read(p)))?.path).toBe(OVERRIDE_PROFILE);
    expect(loadProfile({ kind: 'default' }, '/my/p.json', read)?.profile.defaultAction).toBe('SCMP_ACT_ALLOW');
    expect(loadProfile({ kind: 'unconfined' }, undefined, read)).toBeUndefined();
  });
  it('refuses to run without a profile, naming the package and the way out', () => {
    expect(() => loadProfile({ kind: 'default' }, undefined, () => undefined)).toThrow(/golang-github-containers-common.*--security-opt seccomp=unconfined/);
    expect(() => loadProfile({ kind: 'default' }, '/gone.json', read)).toThrow(/\/gone.json \(seccomp_profile in containers.conf\) is missing/);
    expect(() => loadProfile({ kind: 'file', path: '/nope.json' }, undefined, read)).toThrow(/opening seccomp profile \/nope.json/);
  });
  it('names a file that is not a profile', () => {
    expect(() => parseProfile('{', '/x.json')).toThrow(/seccomp profile \/x.json is not valid JSON/);
    expect(() => parseProfile('{"syscalls":[]}', '/x.json')).toThrow(/no "defaultAction"/);
  });
});

describe('configuredProfilePath', () => {
  it('reads seccomp_profile from [containers], later files winning', () => {
    const texts: Record<string, string> = {
      '/etc/containers/containers.conf': '[containers]\nseccomp_profile = "/etc/p.json"\n',
      '/home/u/.config/containers/containers.conf': '[containers]\n#seccomp_profile = "/commented.json"\n',
    };
    const src: ConfigSources = { env: {}, userConfigDir: '/home/u/.config/containers', readFile: (p) => texts[p], listDir: () => [] };
    expect(configuredProfilePath(src)).toBe('/etc/p.json');
    texts['/home/u/.config/containers/containers.conf'] = '[containers]\nseccomp_profile = "/mine.json"\n';
    expect(configuredProfilePath(src)).toBe('/mine.json');
    expect(configuredProfilePath({ ...src, readFile: () => undefined })).toBeUndefined();
  });
});
