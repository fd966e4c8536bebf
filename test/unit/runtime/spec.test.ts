import { describe, it, expect } from 'vitest';
import { buildSpec, keepIdMappings, nomapMappings, processArgs, processEnv, INIT_PATH, DEFAULT_PATH, type SpecInput } from '../../../src/runtime/spec.js';
import { parseRunOptions, DEFAULT_CAPS, type RawRunFlags, type HostAccess } from '../../../src/runtime/options.js';
import type { ImageConfigBody } from '../../../src/image/types.js';

const host: HostAccess = { env: { HOSTVAR: 'hv' }, cwd: '/', readFile: () => 'FROMFILE=1\n', stat: () => undefined };
const image: ImageConfigBody = { Env: ['PATH=/bin:/usr/bin', 'IMG=1'], Entrypoint: null, Cmd: ['sh'], WorkingDir: '/srv' };

function spec(flags: Partial<RawRunFlags> = {}, extra: Partial<SpecInput> = {}, img: ImageConfigBody | undefined = image) {
  const opts = parseRunOptions({ image: 'busybox', command: [], ...flags }, host);
  const input: SpecInput = {
    id: 'a'.repeat(64),
    image: img,
    opts,
    user: { uid: 0, gid: 0, additionalGids: [], home: '/root', name: 'root' },
    rootfs: '/c/merged',
    hostname: 'aaaaaaaaaaaa',
    files: { hosts: '/c/userdata/hosts', hostname: '/c/userdata/hostname', resolvConf: '/c/userdata/resolv.conf' },
    initBinary: '/usr/bin/catatonit',
    nofile: { soft: 1024, hard: 4096 },
    cgroupV2: false,
    capLastCap: 40,
    applyResources: false,
    ...extra,
  };
  return buildSpec(input);
}
const dest = (s: ReturnType<typeof spec>, d: string) => s.mounts.find((m) => m.destination === d);

describe('process', () => {
  it('runs entrypoint + cmd, with command args replacing cmd', () => {
    expect(spec().process.args).toEqual(['sh']);
    expect(spec({ command: ['echo', 'hi'] }).process.args).toEqual(['echo', 'hi']);
    const img = { ...image, Entrypoint: ['/entry'], Cmd: ['--flag'] };
    expect(spec({}, {}, img).process.args).toEqual(['/entry', '--flag']);
    expect(spec({ command: ['x'] }, {}, img).process.args).toEqual(['/entry', 'x']);
  });
  it('--entrypoint replaces the entrypoint and drops the image Cmd', () => {
    const img = { ...image, Entrypoint: ['/entry'], Cmd: ['--flag'] };
    expect(spec({ entrypoint: '/bin/date' }, {}, img).process.args).toEqual(['/bin/date']);
    expect(spec({ entrypoint: '["/bin/sh","-c"]', command: ['echo x'] }, {}, img).process.args).toEqual(['/bin/sh', '-c', 'echo x']);
    expect(spec({ entrypoint: '', command: ['ls'] }, {}, img).process.args).toEqual(['ls']);
  });
  it('refuses to run nothing', () => {
    expect(() => spec({}, {}, { Cmd: null })).toThrow('no command or entrypoint provided, and no CMD or ENTRYPOINT from image');
  });
  it('--init runs catatonit first, bind-mounted read-only', () => {
    const s = spec({ init: true, command: ['sleep', '1'] });
    expect(s.process.args).toEqual([INIT_PATH, '--', 'sleep', '1']);
    expect(dest(s, INIT_PATH)).toMatchObject({ type: 'bind', source: '/usr/bin/catatonit' });
    expect(dest(s, INIT_PATH)?.options).toContain('ro');
    expect(() => spec({ init: true }, { initBinary: undefined })).toThrow(/install the "catatonit" package/);
  });
  it('builds env: defaults, image, HOSTNAME, env-file, -e, HOME', () => {
    const s = spec({ env: ['IMG=2', 'HOSTVAR', 'NEW=x'], envFile: ['f'] });
    expect(s.process.env).toEqual(['PATH=/bin:/usr/bin', 'TERM=xterm', 'container=podman', 'IMG=2', 'HOSTNAME=aaaaaaaaaaaa', 'FROMFILE=1', 'HOSTVAR=hv', 'NEW=x', 'HOME=/root']);
    expect(processEnv(undefined, parseRunOptions({ image: 'x', command: [] }, host), 'h', '/')).toContain(`PATH=${DEFAULT_PATH}`);
    expect(spec({ env: ['HOME=/custom'] }).process.env).toContain('HOME=/custom');
  });
  it('takes cwd from -w, else WorkingDir, else /', () => {
    expect(spec().process.cwd).toBe('/srv');
    expect(spec({ workdir: '/tmp' }).process.cwd).toBe('/tmp');
    expect(spec({}, {}, { Cmd: ['sh'] }).process.cwd).toBe('/');
  });
  it('sets the resolved user with supplementary groups and umask 022', () => {
    const s = spec({}, { user: { uid: 1000, gid: 1000, additionalGids: [10], home: '/home/a' } });
    expect(s.process.user).toEqual({ uid: 1000, gid: 1000, umask: 0o022, additionalGids: [10] });
    expect(s.process.env).toContain('HOME=/home/a');
  });
  it('sets terminal only for -t', () => {
    expect(spec().process.terminal).toBeUndefined();
    expect(spec({ tty: true }).process.terminal).toBe(true);
  });
  it("gives root Podman's default capabilities", () => {
    const c = spec().process.capabilities;
    expect([...c.bounding].sort()).toEqual([...DEFAULT_CAPS].sort());
    expect(c.effective).toEqual(c.bounding);
    expect(c.permitted).toEqual(c.bounding);
  });
  it('--cap-drop ALL leaves no capability at all', () => {
    const c = spec({ capDrop: ['ALL'] }).process.capabilities;
    expect(c).toEqual({ bounding: [], effective: [], permitted: [] });
  });
  it('gives a non-root user only the capabilities added explicitly (guards against handing defaults to an unprivileged process)', () => {
    const c = spec({ capAdd: ['NET_ADMIN'] }, { user: { uid: 1000, gid: 1000, additionalGids: [], home: '/' } }).process.capabilities;
    expect(c.bounding).toContain('CAP_CHOWN');
    expect(c.effective).toEqual(['CAP_NET_ADMIN']);
    expect(c.ambient).toEqual(['CAP_NET_ADMIN']);
    const none = spec({}, { user: { uid: 1000, gid: 1000, additionalGids: [], home: '/' } }).process.capabilities;
    expect(none.effective).toEqual([]);
  });
  it('sets no-new-privileges only when asked', () => {
    expect(spec().process.noNewPrivileges).toBeUndefined();
    expect(spec({ securityOpt: ['no-new-privileges'] }).process.noNewPrivileges).toBe(true);
  });
  it("copies the host's open-file limit", () => {
    expect(spec().process.rlimits).toEqual([{ type: 'RLIMIT_NOFILE', hard: 4096, soft: 1024 }]);
  });
});

describe('root, hostname, mounts', () => {
  it('uses the merged dir, read-only with --read-only plus tmpfs scratch dirs', () => {
    expect(spec().root).toEqual({ path: '/c/merged' });
    const s = spec({ readOnly: true });
    expect(s.root).toEqual({ path: '/c/merged', readonly: true });
    expect(dest(s, '/tmp')?.type).toBe('tmpfs');
    expect(dest(s, '/run')?.type).toBe('tmpfs');
  });
  it('sets the hostname', () => {
    expect(spec().hostname).toBe('aaaaaaaaaaaa');
  });
  it('mounts the usual kernel file systems', () => {
    const s = spec();
    expect(dest(s, '/proc')?.type).toBe('proc');
    expect(dest(s, '/dev')?.type).toBe('tmpfs');
    expect(dest(s, '/dev/pts')?.options).toEqual(['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5']);
    expect(dest(s, '/dev/shm')?.type).toBe('tmpfs');
    expect(dest(s, '/dev/mqueue')?.type).toBe('mqueue');
    expect(dest(s, '/sys')).toMatchObject({ type: 'sysfs' });
    expect(dest(s, '/sys')?.options).toContain('ro');
    expect(dest(s, '/sys/fs/cgroup')).toBeUndefined();
  });
  it('bind-mounts the generated hosts, hostname and resolv.conf', () => {
    const s = spec();
    expect(dest(s, '/etc/hosts')).toEqual({ destination: '/etc/hosts', type: 'bind', source: '/c/userdata/hosts', options: ['bind', 'rprivate'] });
    expect(dest(s, '/etc/hostname')?.source).toBe('/c/userdata/hostname');
    expect(dest(s, '/etc/resolv.conf')?.source).toBe('/c/userdata/resolv.conf');
  });
  it('adds -v binds (ro/rw) and --tmpfs, parents before children', () => {
    const s = spec({ volume: ['/exists/b:/data/sub:ro', '/exists/a:/data'], tmpfs: ['/scratch:size=1m'] });
    const user = s.mounts.slice(-3);
    expect(user.map((m) => m.destination)).toEqual(['/data', '/scratch', '/data/sub']);
    expect(dest(s, '/data/sub')).toEqual({ destination: '/data/sub', type: 'bind', source: '/exists/b', options: ['rbind', 'rprivate', 'ro'] });
    expect(dest(s, '/data')?.options).toEqual(['rbind', 'rprivate', 'rw']);
    expect(dest(s, '/scratch')).toEqual({ destination: '/scratch', type: 'tmpfs', source: 'tmpfs', options: ['rw', 'size=1m', 'noexec', 'nosuid', 'nodev', 'tmpcopyup'] });
  });
  it('lets a user mount replace a default at the same place', () => {
    const s = spec({ volume: ['/exists/hosts:/etc/hosts:ro'] });
    const hosts = s.mounts.filter((m) => m.destination === '/etc/hosts');
    expect(hosts).toHaveLength(1);
    expect(hosts[0]?.source).toBe('/exists/hosts');
  });
});

describe('namespaces and the rest of linux', () => {
  it('has no user namespace of its own by default', () => {
    const s = spec();
    expect(s.linux.namespaces.map((n) => n.type)).toEqual(['pid', 'ipc', 'uts', 'mount', 'network']);
    expect(s.linux.uidMappings).toBeUndefined();
  });
  it('--network none: its own network namespace, sysfs, ping range', () => {
    const s = spec({ network: 'none' });
    expect(s.linux.namespaces.map((n) => n.type)).toContain('network');
    expect(s.linux.sysctl).toEqual({ 'net.ipv4.ping_group_range': '0 0' });
  });
  it("--network host: no network namespace, the host's /sys bound read-only", () => {
    const s = spec({ network: 'host' });
    expect(s.linux.namespaces.map((n) => n.type)).not.toContain('network');
    expect(dest(s, '/sys')).toEqual({ destination: '/sys', type: 'bind', source: '/sys', options: ['rbind', 'nosuid', 'noexec', 'nodev', 'ro'] });
    expect(s.linux.sysctl).toBeUndefined();
  });
  it('adds a cgroup namespace and mount on cgroup v2 only', () => {
    const s = spec({}, { cgroupV2: true });
    expect(s.linux.namespaces.map((n) => n.type)).toContain('cgroup');
    expect(dest(s, '/sys/fs/cgroup')?.type).toBe('cgroup');
  });
  it("masks and write-protects Podman's paths", () => {
    const s = spec();
    expect(s.linux.maskedPaths).toContain('/proc/kcore');
    expect(s.linux.readonlyPaths).toContain('/proc/sys');
  });
  it('--userns=keep-id nests a user namespace that maps the user to itself', () => {
    const s = spec({ userns: 'keep-id' }, { keepId: { uid: 1001, gid: 1001, uidCount: 65537, gidCount: 65537 } });
    expect(s.linux.namespaces.map((n) => n.type)).toContain('user');
    expect(s.linux.uidMappings).toEqual([
      { containerID: 0, hostID: 1, size: 1001 },
      { containerID: 1001, hostID: 0, size: 1 },
      { containerID: 1002, hostID: 1002, size: 64535 },
    ]);
    // The nested namespace does not own the network namespace: no net sysctls then.
    expect(s.linux.sysctl).toBeUndefined();
  });
  it('keep-id needs the id inside the namespace range', () => {
    expect(keepIdMappings(0, 10)).toEqual([
      { containerID: 0, hostID: 0, size: 1 },
      { containerID: 1, hostID: 1, size: 9 },
    ]);
    expect(() => keepIdMappings(70000, 65537)).toThrow(/outside the 65537 ids/);
    // nomap / auto: the user's own id (0 in the pause namespace) is left out.
    expect(nomapMappings(65537)).toEqual([{ containerID: 0, hostID: 1, size: 65536 }]);
    expect(() => nomapMappings(1)).toThrow(/needs subordinate ids/);
  });
  it('puts resource limits in the spec only when the host can apply them', () => {
    const flags = { memory: '64m', cpus: '0.5', pidsLimit: '50' };
    expect(spec(flags).linux.resources).toBeUndefined();
    expect(spec(flags, { applyResources: true }).linux.resources).toEqual({
      memory: { limit: 64 * 1024 * 1024 },
      cpu: { quota: 50000, period: 100000 },
      pids: { limit: 50 },
    });
  });
  it('annotates the manager', () => {
    expect(spec({ rm: true }).annotations).toMatchObject({ 'io.container.manager': 'tpod', 'io.podman.annotations.autoremove': 'TRUE' });
  });
  it('processArgs is usable alone (ps shows it)', () => {
    expect(processArgs(image, parseRunOptions({ image: 'x', command: ['a'] }, host))).toEqual(['a']);
  });
});

describe('seccomp and --privileged', () => {
  const profile = {
    defaultAction: 'SCMP_ACT_ERRNO',
    syscalls: [
      { names: ['read'], action: 'SCMP_ACT_ALLOW' },
      { names: ['bpf'], action: 'SCMP_ACT_ALLOW', includes: { caps: ['CAP_SYS_ADMIN'] } },
    ],
  };
  const seccomp = { profile, path: '/usr/share/containers/seccomp.json', host: { arch: 'x64', kernel: '6.1.0' } };
  it('puts the converted profile into linux.seccomp, decided on the bounding set', () => {
    const s = spec({}, { seccomp });
    expect(s.linux.seccomp?.syscalls).toEqual([{ names: ['read'], action: 'SCMP_ACT_ALLOW' }]);
    expect(spec({ capAdd: ['SYS_ADMIN'] }, { seccomp }).linux.seccomp?.syscalls.map((c) => c.names[0])).toEqual(['read', 'bpf']);
    expect(spec().linux.seccomp).toBeUndefined();
  });
  it('annotates a profile that is not the default, as Podman does', () => {
    expect(spec({ securityOpt: ['seccomp=unconfined'] }).annotations['io.podman.annotations.seccomp']).toBe('unconfined');
    expect(spec({}, { seccomp }).annotations['io.podman.annotations.seccomp']).toBeUndefined();
  });
  it('--privileged: every capability, nothing masked or read-only, /sys writable', () => {
    const s = spec({ privileged: true }, { thermalThrottle: ['/sys/devices/system/cpu/cpu0/thermal_throttle'] });
    expect(s.process.capabilities.bounding).toContain('CAP_SYS_ADMIN');
    expect(s.process.capabilities.bounding).toHaveLength(41);
    expect(s.linux.maskedPaths).toEqual([]);
    expect(s.linux.readonlyPaths).toEqual([]);
    expect(dest(s, '/sys')?.options).toContain('rw');
    expect(s.annotations['io.podman.annotations.privileged']).toBe('TRUE');
  });
  it("masks Podman's full list and the thermal_throttle dirs without it", () => {
    const s = spec({}, { thermalThrottle: ['/sys/devices/system/cpu/cpu0/thermal_throttle'] });
    expect(s.linux.maskedPaths).toEqual(expect.arrayContaining(['/proc/interrupts', '/sys/devices/virtual/powercap', '/sys/devices/system/cpu/cpu0/thermal_throttle']));
    expect(dest(s, '/sys')?.options).toContain('ro');
  });
});
