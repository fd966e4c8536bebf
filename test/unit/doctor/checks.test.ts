import { describe, it, expect } from 'vitest';
import { runChecks, exitCodeOf, freeRange, type DoctorFacts, type Finding } from '../../../src/doctor/checks.js';

function facts(over: Partial<DoctorFacts> = {}): DoctorFacts {
  return {
    user: { name: 'alice', uid: 1000 },
    subuid: [{ start: 100000, count: 65536 }],
    subgid: [{ start: 100000, count: 65536 }],
    allSubuid: [{ start: 100000, count: 65536 }],
    allSubgid: [{ start: 100000, count: 65536 }],
    idmapTools: [{ tool: 'newuidmap', path: '/usr/bin/newuidmap', setuidRoot: true }, { tool: 'newgidmap', path: '/usr/bin/newgidmap', setuidRoot: true }],
    devices: [{ path: '/dev/fuse', exists: true, usable: true, why: 'x' }, { path: '/dev/net/tun', exists: true, usable: true, why: 'y' }],
    runtimeDir: { xdg: '/run/user/1000', usable: true },
    userns: { works: true },
    kernel: '6.1.0',
    nativeOverlay: true,
    runtimes: { crun: '/usr/bin/crun' },
    layout: { mode: 'v2' },
    delegated: ['cpu', 'memory', 'pids'],
    unprivilegedPortStart: 80,
    network: { pasta: '/usr/bin/pasta' },
    storage: { path: '/home/alice/.local/share/tpod', freeBytes: 50 * 1024 ** 3 },
    seccomp: { path: '/usr/share/containers/seccomp.json' },
    orphans: { containers: [], netns: [] },
    ...over,
  };
}
const one = (fs: Finding[], check: string) => fs.find((f) => f.check === check)!;

describe('tpod doctor checks', () => {
  it('all well: every check ok, exit 0', () => {
    const fs = runChecks(facts());
    expect(fs.filter((f) => f.status !== 'ok')).toEqual([]);
    expect(exitCodeOf(fs)).toBe(0);
  });
  it('a user without a subuid range fails, with the usermod command for a free range', () => {
    const fs = runChecks(facts({ subuid: [], subgid: [], allSubuid: [{ start: 100000, count: 65536 }, { start: 165536, count: 65536 }] }));
    const f = one(fs, 'subordinate ids');
    expect(f.status).toBe('fail');
    expect(f.fix?.[0]).toBe('sudo usermod --add-subuids 262144-327679 --add-subgids 262144-327679 alice');
    expect(exitCodeOf(fs)).toBe(1);
  });
  it('names the fix for each missing piece', () => {
    expect(one(runChecks(facts({ idmapTools: [{ tool: 'newuidmap', path: '/usr/bin/newuidmap', setuidRoot: false }, { tool: 'newgidmap', path: '/usr/bin/newgidmap', setuidRoot: false, caps: 'cap_setgid=ep' }] })), 'newuidmap').fix).toEqual(['sudo chmod u+s /usr/bin/newuidmap']);
    expect(one(runChecks(facts({ devices: [{ path: '/dev/fuse', exists: true, usable: false, why: 'x' }] })), '/dev/fuse').fix).toEqual(['sudo chmod 666 /dev/fuse']);
    const ns = one(runChecks(facts({ userns: { works: false, apparmorRestrict: 1 } })), 'user namespaces');
    expect(ns.message).toMatch(/AppArmor/);
    expect(ns.fix?.[0]).toBe('sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0');
    expect(one(runChecks(facts({ unprivilegedPortStart: 1024 })), 'privileged ports').fix?.[0]).toBe('sudo sysctl -w net.ipv4.ip_unprivileged_port_start=80');
    expect(one(runChecks(facts({ seccomp: { problem: '/usr/share/containers/seccomp.json is missing' } })), 'seccomp profile').fix?.[0]).toMatch(/golang-github-containers-common/);
  });
  it('says su/sudo when XDG_RUNTIME_DIR is missing and there is no login session of the user', () => {
    const f = one(runChecks(facts({ runtimeDir: { usable: false, problem: 'XDG_RUNTIME_DIR is not set', fallback: '/tmp/tpod-run-1000' }, sudoUser: 'root' })), 'XDG_RUNTIME_DIR');
    expect(f.status).toBe('warn');
    expect(f.message).toMatch(/su or sudo/);
    expect(f.fix).toEqual(['sudo loginctl enable-linger alice', 'export XDG_RUNTIME_DIR=/run/user/1000']);
    const planted = one(runChecks(facts({ runtimeDir: { usable: false, problem: 'XDG_RUNTIME_DIR is not set', fallback: '/tmp/tpod-run-1000', fallbackProblem: 'is writable by others (mode 0777)' } })), 'XDG_RUNTIME_DIR');
    expect(planted.status).toBe('fail');
  });
  it('knows the hybrid cgroup case: runc is fine, crun alone is not', () => {
    const layout = { mode: 'hybrid' as const, unifiedPath: '/sys/fs/cgroup/unified', unifiedControllers: ['hugetlb'] };
    expect(one(runChecks(facts({ layout, runtimes: { crun: '/c', runc: '/r' } })), 'OCI runtime').status).toBe('ok');
    const crunOnly = one(runChecks(facts({ layout, runtimes: { crun: '/c' } })), 'OCI runtime');
    expect(crunOnly.status).toBe('fail');
    expect(crunOnly.fix?.[1]).toMatch(/mount -t cgroup -o hugetlb/);
    expect(one(runChecks(facts({ layout })), 'resource limits').status).toBe('warn');
    expect(one(runChecks(facts({ delegated: ['cpu'] })), 'resource limits').message).toMatch(/memory, pids/);
  });
  it('reports leftovers and low space', () => {
    expect(one(runChecks(facts({ orphans: { containers: ['a'.repeat(64)], netns: [] } })), 'leftovers').status).toBe('warn');
    expect(one(runChecks(facts({ storage: { path: '/x', freeBytes: 10 * 1024 ** 2 } })), 'free space').status).toBe('fail');
  });
  it('suggests a range after every range in use', () => {
    expect(freeRange([])).toEqual({ start: 100000, end: 165535 });
    expect(freeRange([{ start: 100000, count: 65536 }])).toEqual({ start: 196608, end: 262143 });
  });
});
