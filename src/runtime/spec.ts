// The OCI runtime spec (config.json) for a container: a pure function of the image
// config, the checked options and a few host facts, so every flag's effect is testable
// without a container. Defaults follow what Podman writes for a rootless container.
//
// The runtime runs as root of the pause process's user namespace, so the spec has no
// user namespace of its own, except for --userns=keep-id, where a nested one maps the
// user's own id back to itself inside the container.
import type { ImageConfigBody } from '../image/types.js';
import { TpodError } from '../errors.js';
import type { RunOptions, Resources } from './options.js';
import { computeCaps } from './options.js';
import type { ResolvedUser } from './user.js';
import { convertProfile, type HostFacts, type OciSeccomp, type SeccompProfile } from './seccomp.js';
import { protectedPaths } from './security.js';
import { PROXY_VARS } from './run-extras.js';
import { mergeUlimits } from './ulimit.js';

export interface OciMount {
  destination: string;
  type: string;
  source: string;
  options?: string[];
}

export interface OciIdMapping {
  containerID: number;
  hostID: number;
  size: number;
}

export interface OciSpec {
  ociVersion: string;
  process: {
    terminal?: boolean;
    user: { uid: number; gid: number; umask?: number; additionalGids?: number[] };
    args: string[];
    env: string[];
    cwd: string;
    capabilities: { bounding: string[]; effective: string[]; permitted: string[]; inheritable?: string[]; ambient?: string[] };
    rlimits: Array<{ type: string; hard: number; soft: number }>;
    noNewPrivileges?: boolean;
  };
  root: { path: string; readonly?: boolean };
  /** Absent when the container joins another's UTS namespace (a pod's). */
  hostname?: string;
  mounts: OciMount[];
  annotations: Record<string, string>;
  linux: {
    namespaces: Array<{ type: string; path?: string }>;
    uidMappings?: OciIdMapping[];
    gidMappings?: OciIdMapping[];
    sysctl?: Record<string, string>;
    resources?: {
      memory?: { limit: number; swap?: number };
      cpu?: { quota: number; period: number };
      pids?: { limit: number };
    };
    maskedPaths: string[];
    readonlyPaths: string[];
    seccomp?: OciSeccomp;
  };
}

/** Podman's defaults (containers.conf `env`), before the image's Env. */
export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Where --init's catatonit appears in the container, as in Podman. */
export const INIT_PATH = '/run/podman-init';

export interface KeepIdMapping {
  /** keep-id (the default): the user's id maps to itself; nomap: the user's id is left out. */
  mode?: 'keep-id' | 'nomap';
  /** The user's ids on the host = their ids inside the container. */
  uid: number;
  gid: number;
  /** How many ids the pause process's namespace maps (1 + the subordinate ranges). */
  uidCount: number;
  gidCount: number;
}

export interface SpecInput {
  id: string;
  image: ImageConfigBody | undefined;
  opts: RunOptions;
  user: ResolvedUser;
  /** Host path of the mounted rootfs (the overlay's merged dir). */
  rootfs: string;
  hostname: string;
  /** Generated files bind-mounted into the container (hosts/resolvConf absent: the image's stay). */
  files: { hosts?: string | undefined; hostname: string; resolvConf?: string | undefined; passwd?: string; group?: string; containerEnv?: string; localtime?: string };
  /** The host's environment, for --http-proxy's variables. */
  hostEnv?: NodeJS.ProcessEnv;
  /** A network namespace to join (tpod's bound file, another container's, ns:PATH). */
  netnsPath?: string;
  /** The host's network (also through container: of a host-network container). */
  hostNetwork?: boolean;
  /** Host path of catatonit, needed for --init. */
  initBinary?: string;
  nofile: { soft: number; hard: number };
  /** cgroup v2 host: the container gets a cgroup namespace. */
  cgroupV2: boolean;
  /** /proc/sys/kernel/cap_last_cap, to expand ALL. */
  capLastCap: number;
  keepId?: KeepIdMapping;
  /** Put --memory/--cpus/--pids-limit into the spec (the host can apply them). */
  applyResources: boolean;
  /** Mounts decided with the store's help (volumes, devpts): src/engine/container-volumes.ts. */
  extraMounts?: OciMount[];
  /** The seccomp profile to convert (absent: no filter, i.e. unconfined or privileged). */
  seccomp?: { profile: SeccompProfile; path: string; host: HostFacts };
  /** The host's /sys/devices/system/cpu/cpuN/thermal_throttle dirs, masked as Podman does. */
  thermalThrottle?: string[];
  /** Namespaces joined by path (a pod's infra's /proc/PID/ns/...); with uts, no hostname of its own. */
  joinNamespaces?: Partial<Record<'ipc' | 'uts' | 'pid', string>>;
}

/** The process arguments: entrypoint + cmd, where --entrypoint also drops the image's Cmd. */
export function processArgs(image: ImageConfigBody | undefined, opts: RunOptions): string[] {
  const entrypoint = opts.entrypoint ?? image?.Entrypoint ?? [];
  const cmd = opts.command.length > 0 ? opts.command : opts.entrypoint !== undefined ? [] : image?.Cmd ?? [];
  const args = [...entrypoint, ...cmd];
  if (args.length === 0) {
    throw new TpodError('EUSAGE', 'no command or entrypoint provided, and no CMD or ENTRYPOINT from image');
  }
  return opts.init ? [INIT_PATH, '--', ...args] : args;
}

/**
 * The environment, later sources winning: Podman's defaults, the image's Env, HOSTNAME,
 * then --env-file and -e; HOME from passwd when nobody set it.
 */
export function processEnv(image: ImageConfigBody | undefined, opts: RunOptions, hostname: string, home: string, more: { id?: string; hostEnv?: NodeJS.ProcessEnv } = {}): string[] {
  const env = new Map<string, string>([
    ['PATH', DEFAULT_PATH],
    ['TERM', 'xterm'],
    // Podman's value, so software that recognises Podman containers recognises ours.
    ['container', 'podman'],
  ]);
  for (const e of image?.Env ?? []) {
    const eq = e.indexOf('=');
    if (eq > 0) env.set(e.slice(0, eq), e.slice(eq + 1));
  }
  // --http-proxy (on by default): the host's proxy settings over the image's, under
  // --env-file and -e (Podman's specgen order).
  if (opts.httpProxy !== false) {
    for (const k of PROXY_VARS) {
      const v = more.hostEnv?.[k];
      if (v !== undefined) env.set(k, v);
    }
  }
  if (opts.unsetEnvAll) env.clear();
  for (const k of opts.unsetEnv ?? []) env.delete(k);
  if (!opts.unsetEnvAll) env.set('HOSTNAME', hostname);
  if (opts.systemdMode === 'always' && more.id) env.set('container_uuid', more.id.slice(0, 32));
  for (const [k, v] of opts.env) env.set(k, v);
  for (const [k, v] of listenEnv(more.hostEnv)) env.set(k, v);
  if (opts.unsetEnvAll) return [...env].map(([k, v]) => `${k}=${v}`);
  if (!env.has('HOME')) env.set('HOME', home);
  return [...env].map(([k, v]) => `${k}=${v}`);
}

function capabilities(opts: RunOptions, uid: number, capLastCap: number): OciSpec['process']['capabilities'] {
  // --privileged is --cap-add ALL: every capability, of the user namespace only.
  const capAdd = opts.privileged && !opts.capAdd.includes('ALL') ? ['ALL', ...opts.capAdd] : opts.capAdd;
  const caps = computeCaps(capAdd, opts.capDrop, capLastCap);
  if (uid === 0) return { bounding: caps, effective: caps, permitted: caps };
  // A non-root user gets only what was added explicitly, as Podman does: otherwise
  // the runtime would hand the default set to an unprivileged process.
  const added = capAdd.includes('ALL') ? caps : caps.filter((c) => capAdd.includes(c));
  return { bounding: caps, effective: added, permitted: added, inheritable: added, ambient: added };
}

function depth(p: string): number {
  return p.split('/').filter((c) => c !== '').length;
}

function usesHostNetwork(input: SpecInput): boolean {
  return input.hostNetwork ?? input.opts.network === 'host';
}

function mounts(input: SpecInput): OciMount[] {
  const { opts, files } = input;
  // --privileged leaves /sys and the cgroup tree writable (as far as the user may write them).
  const sysMode = opts.privileged ? 'rw' : 'ro';
  const base: OciMount[] = [
    { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
    // gid 5 (tty) is mapped through the subordinate range; ptys then belong to group tty.
    { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'] },
    { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', `size=${opts.shmSize !== undefined ? `${Math.max(1, Math.floor(opts.shmSize / 1024))}k` : '65536k'}`] },
    // A fresh sysfs is allowed only in a network namespace owned by the container's
    // user namespace; with the host's network, or a prepared network namespace joined
    // from keep-id's nested user namespace, bind the host's /sys read-only instead.
    usesHostNetwork(input) || (input.keepId !== undefined && input.netnsPath !== undefined)
      ? { destination: '/sys', type: 'bind', source: '/sys', options: ['rbind', 'nosuid', 'noexec', 'nodev', sysMode] }
      : { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', sysMode] },
  ];
  if (input.cgroupV2) {
    base.push({ destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['rprivate', 'nosuid', 'noexec', 'nodev', 'relatime', sysMode] });
  }
  // Host devices (null, zero, full, tty, random, urandom) are not listed: mknod is not
  // allowed in a user namespace, and crun and runc then bind-mount the host's nodes
  // for every default device by themselves.
  const generated: OciMount[] = [{ destination: '/etc/hostname', type: 'bind', source: files.hostname, options: ['bind', 'rprivate'] }];
  if (files.hosts) generated.push({ destination: '/etc/hosts', type: 'bind', source: files.hosts, options: ['bind', 'rprivate'] });
  if (files.resolvConf) generated.push({ destination: '/etc/resolv.conf', type: 'bind', source: files.resolvConf, options: ['bind', 'rprivate'] });
  if (files.passwd) generated.push({ destination: '/etc/passwd', type: 'bind', source: files.passwd, options: ['bind', 'rprivate'] });
  if (files.group) generated.push({ destination: '/etc/group', type: 'bind', source: files.group, options: ['bind', 'rprivate'] });
  if (files.localtime) generated.push({ destination: '/etc/localtime', type: 'bind', source: files.localtime, options: ['bind', 'rprivate', 'ro'] });
  // Podman's marker that a process runs in a container (empty unless --privileged).
  if (files.containerEnv) generated.push({ destination: '/run/.containerenv', type: 'bind', source: files.containerEnv, options: ['bind', 'rprivate', 'ro'] });
  // systemd as PID 1 wants its own scratch places.
  if (opts.systemdMode === 'always') {
    for (const d of ['/run', '/run/lock', '/tmp', '/var/log/journal']) {
      generated.push({ destination: d, type: 'tmpfs', source: 'tmpfs', options: ['rw', 'rprivate', 'nosuid', 'nodev', ...(d === '/tmp' || d === '/var/log/journal' ? [] : ['noexec'])] });
    }
  }
  if (opts.init) {
    if (!input.initBinary) throw new TpodError('ECONFIG', '--init needs catatonit: install the "catatonit" package');
    generated.push({ destination: INIT_PATH, type: 'bind', source: input.initBinary, options: ['bind', 'ro', 'nosuid', 'nodev'] });
  }
  const user: OciMount[] = [
    ...opts.volumes.map((v) => ({ destination: v.destination, type: 'bind', source: v.source, options: [...v.options, v.readOnly ? 'ro' : 'rw'] })),
    // tmpcopyup (crun and runc): the tmpfs starts with what the image has there, as Podman's.
    ...opts.tmpfs.map((t) => ({
      destination: t.destination,
      type: 'tmpfs',
      source: 'tmpfs',
      options: t.options.includes('notmpcopyup') ? t.options.filter((o) => o !== 'notmpcopyup') : t.options.includes('tmpcopyup') ? t.options : [...t.options, 'tmpcopyup'],
    })),
    ...(input.extraMounts ?? []),
  ];
  // --read-only keeps the usual scratch places writable, as Podman's --read-only-tmpfs.
  if (opts.readOnly && !opts.noReadOnlyTmpfs) {
    for (const d of ['/run', '/tmp', '/var/tmp']) {
      if (!user.some((m) => m.destination === d)) {
        user.push({ destination: d, type: 'tmpfs', source: 'tmpfs', options: ['rw', 'rprivate', 'nosuid', 'nodev', 'tmpcopyup'] });
      }
    }
  }
  // What the user mounts replaces a default at the same place.
  const taken = new Set(user.map((m) => m.destination));
  const defaults = [...base, ...generated].filter((m) => !taken.has(m.destination));
  // Parents before children: the runtime mounts in order.
  const sortedUser = user.map((m, i) => ({ m, i })).sort((a, b) => depth(a.m.destination) - depth(b.m.destination) || a.i - b.i).map((x) => x.m);
  return [...defaults, ...sortedUser];
}

/**
 * systemd socket activation: LISTEN_PID (as 1, the container's init), LISTEN_FDS and
 * LISTEN_FDNAMES reach the container when tpod got them, as in Podman.
 */
export function listenEnv(hostEnv: NodeJS.ProcessEnv | undefined): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const k of ['LISTEN_PID', 'LISTEN_FDS', 'LISTEN_FDNAMES']) {
    const v = hostEnv?.[k];
    if (v !== undefined) out.push([k, k === 'LISTEN_PID' ? '1' : v]);
  }
  return out;
}

/** A written spec's environment with this start's LISTEN_* (those of an earlier start dropped). */
export function withListenEnv(env: string[], hostEnv: NodeJS.ProcessEnv): string[] {
  const kept = env.filter((e) => !/^LISTEN_(PID|FDS|FDNAMES)=/.test(e));
  return [...kept, ...listenEnv(hostEnv).map(([k, v]) => `${k}=${v}`)];
}

/** Podman's keep-id map: the user's id maps to itself, the rest around it. */
export function keepIdMappings(ownId: number, count: number): OciIdMapping[] {
  if (ownId >= count) {
    throw new TpodError('EROOTLESS', `--userns=keep-id: id ${ownId} is outside the ${count} ids of the user namespace; add a larger range to /etc/subuid and /etc/subgid`);
  }
  const m: OciIdMapping[] = [];
  if (ownId > 0) m.push({ containerID: 0, hostID: 1, size: ownId });
  m.push({ containerID: ownId, hostID: 0, size: 1 });
  if (count - ownId - 1 > 0) m.push({ containerID: ownId + 1, hostID: ownId + 1, size: count - ownId - 1 });
  return m;
}

/** nomap / auto: every id but the user's own (0 in the pause namespace): container 0 is the first subordinate id. */
export function nomapMappings(count: number): OciIdMapping[] {
  if (count < 2) throw new TpodError('EROOTLESS', 'a private user namespace (--userns nomap/auto) needs subordinate ids: add a range to /etc/subuid and /etc/subgid');
  return [{ containerID: 0, hostID: 1, size: count - 1 }];
}

export function resourcesSpec(r: Resources): NonNullable<OciSpec['linux']['resources']> {
  const out: NonNullable<OciSpec['linux']['resources']> = {};
  if (r.memory !== undefined && r.memory > 0) out.memory = { limit: r.memory };
  if (r.cpus !== undefined) out.cpu = { quota: Math.round(r.cpus * 100000), period: 100000 };
  if (r.pidsLimit !== undefined) out.pids = { limit: r.pidsLimit };
  return out;
}

export function hasResources(r: Resources): boolean {
  return r.memory !== undefined || r.cpus !== undefined || r.pidsLimit !== undefined;
}

export function buildSpec(input: SpecInput): OciSpec {
  const { opts, image, user } = input;
  const process: OciSpec['process'] = {
    user: { uid: user.uid, gid: user.gid, umask: 0o022 },
    args: processArgs(image, opts),
    env: processEnv(image, opts, input.hostname, user.home, { id: input.id, ...(input.hostEnv ? { hostEnv: input.hostEnv } : {}) }),
    cwd: opts.workdir ?? (image?.WorkingDir || '/'),
    capabilities: capabilities(opts, user.uid, input.capLastCap),
    rlimits: mergeUlimits([{ type: 'RLIMIT_NOFILE', hard: input.nofile.hard, soft: input.nofile.soft }], opts.ulimits),
  };
  if (user.additionalGids.length > 0) process.user.additionalGids = user.additionalGids;
  if (opts.tty) process.terminal = true;
  if (opts.noNewPrivileges) process.noNewPrivileges = true;

  const joined = input.joinNamespaces ?? {};
  const ns = (type: 'pid' | 'ipc' | 'uts'): { type: string; path?: string } => (joined[type] ? { type, path: joined[type] } : { type });
  const namespaces: OciSpec['linux']['namespaces'] = [ns('pid'), ns('ipc'), ns('uts'), { type: 'mount' }];
  const hostNetwork = usesHostNetwork(input);
  if (!hostNetwork) namespaces.push(input.netnsPath ? { type: 'network', path: input.netnsPath } : { type: 'network' });
  if (input.cgroupV2) namespaces.push({ type: 'cgroup' });

  const sec = opts.security ?? { noNewPrivileges: opts.noNewPrivileges, seccomp: { kind: 'default' }, mask: [], unmask: [] };
  const paths = protectedPaths(sec, opts.privileged === true, input.thermalThrottle ?? []);
  const linux: OciSpec['linux'] = { namespaces, maskedPaths: paths.masked, readonlyPaths: paths.readonly };
  // Decided against the bounding set: blocks that need a capability the container has.
  if (input.seccomp) linux.seccomp = convertProfile(input.seccomp.profile, process.capabilities.bounding, input.seccomp.host, input.seccomp.path);
  if (input.keepId) {
    namespaces.push({ type: 'user' });
    if (input.keepId.mode === 'nomap') {
      linux.uidMappings = nomapMappings(input.keepId.uidCount);
      linux.gidMappings = nomapMappings(input.keepId.gidCount);
    } else {
      linux.uidMappings = keepIdMappings(input.keepId.uid, input.keepId.uidCount);
      linux.gidMappings = keepIdMappings(input.keepId.gid, input.keepId.gidCount);
    }
  }
  // Lets root in the container ping without raw-socket privileges (Podman does the same).
  // Not with keep-id: the nested user namespace does not own the network namespace, so
  // the runtime may not write its sysctls (EACCES on ping_group_range).
  if (!hostNetwork && !input.keepId) linux.sysctl = { 'net.ipv4.ping_group_range': '0 0' };
  if (input.applyResources && hasResources(opts.resources)) linux.resources = resourcesSpec(opts.resources);

  const root: OciSpec['root'] = { path: input.rootfs };
  if (opts.readOnly) root.readonly = true;

  return {
    ociVersion: '1.0.2-dev',
    process,
    root,
    // The runtimes refuse a hostname without a UTS namespace of the container's own.
    ...(joined.uts ? {} : { hostname: input.hostname }),
    mounts: mounts(input),
    annotations: {
      // crun keeps the caller's supplementary groups (--group-add keep-groups).
      ...(opts.groupAdd?.includes('keep-groups') ? { 'run.oci.keep_original_groups': '1' } : {}),
      'io.container.manager': 'tpod',
      'io.podman.annotations.autoremove': opts.rm ? 'TRUE' : 'FALSE',
      'io.podman.annotations.init': opts.init ? 'TRUE' : 'FALSE',
      'io.podman.annotations.privileged': opts.privileged ? 'TRUE' : 'FALSE',
      ...(sec.seccomp.kind === 'unconfined' ? { 'io.podman.annotations.seccomp': 'unconfined' } : {}),
      ...(sec.seccomp.kind === 'file' ? { 'io.podman.annotations.seccomp': sec.seccomp.path } : {}),
      'org.opencontainers.image.stopSignal': '15',
    },
    linux,
  };
}
