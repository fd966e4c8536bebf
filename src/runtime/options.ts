// `run` / `create` flags, parsed and checked into one typed object before anything is
// written. Every refusal here is a UsageError with a message that names the bad value.
// File system access (env files, bind-mount sources) comes in through `HostAccess` so
// tests can feed anything.
import { readFileSync, statSync } from 'node:fs';
import { isAbsolute, posix, resolve } from 'node:path';
import { UsageError, TpodError, isErrno } from '../errors.js';
import type { RestartPolicy } from '../storage/containers.js';
import { parseRestartPolicy, parseSignal, parseTimeout } from './lifecycle-options.js';
import { parseNetworkFlag, type NetworkModeName } from '../network/mode.js';
import { parsePublishList, type PortMapping } from '../network/ports.js';
import { checkDnsServers, parseAddHost } from '../network/etc-files.js';
import type { SystemdRunOptions } from '../systemd/run-options.js';
import { POD_ID_FILE_MESSAGES, readIdFiles } from '../util/id-files.js';
import { parseMounts, type BindMount, type TmpfsMount, type VolumeMount, type ImageMount, type DevptsMount } from './mounts.js';
import { parseSecurityOpts, type SecurityOptions } from './security.js';
import { parseRunExtras, type RawRunExtras, type RunExtras } from './run-extras.js';

/** The flags as the CLI collected them, before any checking. */
export interface RawRunFlags extends RawRunExtras {
  image: string;
  command: string[];
  name?: string | undefined;
  rm?: boolean | undefined;
  interactive?: boolean | undefined;
  tty?: boolean | undefined;
  detach?: boolean | undefined;
  env?: string[] | undefined;
  envFile?: string[] | undefined;
  /** --env-host: every variable of tpod's environment, under --env-file and -e. */
  envHost?: boolean | undefined;
  workdir?: string | undefined;
  user?: string | undefined;
  entrypoint?: string | undefined;
  hostname?: string | undefined;
  capAdd?: string[] | undefined;
  capDrop?: string[] | undefined;
  readOnly?: boolean | undefined;
  tmpfs?: string[] | undefined;
  securityOpt?: string[] | undefined;
  privileged?: boolean | undefined;
  userns?: string | undefined;
  volume?: string[] | undefined;
  mount?: string[] | undefined;
  volumesFrom?: string[] | undefined;
  /** --image-volume bind|tmpfs|ignore: what an image's VOLUME becomes. */
  imageVolume?: string | undefined;
  readOnlyTmpfs?: boolean | undefined;
  shmSize?: string | undefined;
  network?: string | undefined;
  init?: boolean | undefined;
  memory?: string | undefined;
  cpus?: string | undefined;
  pidsLimit?: string | undefined;
  restart?: string | undefined;
  stopSignal?: string | undefined;
  stopTimeout?: string | undefined;
  label?: string[] | undefined;
  publish?: string[] | undefined;
  publishAll?: boolean | undefined;
  dns?: string[] | undefined;
  dnsSearch?: string[] | undefined;
  dnsOption?: string[] | undefined;
  addHost?: string[] | undefined;
  noHosts?: boolean | undefined;
  ip?: string | undefined;
  macAddress?: string | undefined;
  networkAlias?: string[] | undefined;
  pod?: string | undefined;
  podIdFile?: string | undefined;
}

export type { BindMount, TmpfsMount, VolumeMount, ImageMount, DevptsMount } from './mounts.js';

export type NetworkMode = NetworkModeName;
/**
 * default: the pause namespace's (containers.conf's userns may choose another); host: the
 * same, said explicitly; keep-id: a nested namespace where the user keeps their id;
 * nomap and auto: a nested namespace that leaves the user's own id out (root in the
 * container is the first subordinate id), as Podman's private namespaces.
 */
export type UsernsMode = 'default' | 'host' | 'keep-id' | 'nomap' | 'auto';

export interface Resources {
  /** Bytes. */
  memory?: number;
  /** CPUs, fractional. */
  cpus?: number;
  pidsLimit?: number;
}

/** Checked `run` / `create` options. */
export interface RunOptions extends RunExtras {
  image: string;
  command: string[];
  name?: string;
  rm: boolean;
  interactive: boolean;
  tty: boolean;
  /** Variables from --env-file then -e, in order; later ones win. */
  env: Array<[string, string]>;
  workdir?: string;
  user?: string;
  /** Undefined: the image's entrypoint. Empty: no entrypoint (`--entrypoint ''`). */
  entrypoint?: string[];
  hostname?: string;
  /** Normalised names (CAP_X) or "ALL". */
  capAdd: string[];
  capDrop: string[];
  readOnly: boolean;
  noNewPrivileges: boolean;
  /** --security-opt seccomp/mask/unmask (absent in records made before them: the defaults). */
  security?: SecurityOptions;
  /** --privileged, rootless: every capability, no seccomp filter, nothing masked. */
  privileged?: boolean;
  tmpfs: TmpfsMount[];
  volumes: BindMount[];
  /** Named and anonymous volumes (anonymous ones get their name at create). */
  namedVolumes?: VolumeMount[];
  imageMounts?: ImageMount[];
  devpts?: DevptsMount[];
  /** --volumes-from CTR[:ro|rw]. */
  volumesFrom?: string[];
  imageVolumeMode?: 'bind' | 'tmpfs' | 'ignore';
  /** --read-only-tmpfs=false: a --read-only container gets no writable /run, /tmp, /var/tmp. */
  noReadOnlyTmpfs?: boolean;
  /** --shm-size, bytes. */
  shmSize?: number;
  network: NetworkMode;
  userns: UsernsMode;
  init: boolean;
  resources: Resources;
  /** Lifecycle flags (src/runtime/lifecycle-options.ts). */
  detach?: boolean;
  restartPolicy?: RestartPolicy;
  /** Signal number from --stop-signal. */
  stopSignal?: number;
  stopTimeout?: number;
  /** --label KEY=VALUE (a bare KEY has an empty value); later ones win. */
  labels?: Record<string, string>;
  /** --network MODE:OPTIONS: pasta arguments or slirp4netns KEY=VALUE options. */
  networkOptions?: string[];
  /** --network container:NAME / ns:PATH. */
  networkTarget?: string;
  /** -p, parsed; host port 0 = a free one, picked at create. */
  publish?: PortMapping[];
  /** -P: the image's EXPOSEd ports on free host ports. */
  publishAll?: boolean;
  /** --dns (["none"]: no resolv.conf), --dns-search, --dns-option. */
  dns?: string[];
  dnsSearch?: string[];
  dnsOption?: string[];
  /** --pod NAME|ID or new:NAME (or the id read from --pod-id-file); see src/engine/pod-join.ts. */
  pod?: string;
  /** --add-host NAME:IP, in order. */
  addHosts?: Array<[string, string]>;
  noHosts?: boolean;
  /** --ip, --mac-address, --network-alias (bridge networks: the first network named). */
  staticIp?: string;
  macAddress?: string;
  networkAliases?: string[];
  /** --sdnotify, --cidfile, --replace, --conmon-pidfile, --cgroups (src/systemd/run-options.ts). */
  systemd?: SystemdRunOptions;
  /** The command line that created the container (Podman's CreateCommand; generate systemd --new). */
  createCommand?: string[];
}

export interface HostAccess {
  env: NodeJS.ProcessEnv;
  cwd: string;
  readFile(path: string): string;
  /** Throws an errno error (ENOENT, ...) when the path cannot be used. */
  stat(path: string): void;
}

export const realHost = (): HostAccess => ({
  env: process.env,
  cwd: process.cwd(),
  readFile: (p) => readFileSync(p, 'utf8'),
  stat: (p) => void statSync(p),
});

/** Podman's rule for container names. */
const NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

export function checkContainerName(name: string): void {
  if (!NAME_RE.test(name) || name.length > 253) {
    throw new UsageError(`invalid container name "${name}": names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*`);
  }
}

// ---- environment ---------------------------------------------------------------

function checkEnvName(name: string, raw: string): void {
  if (name === '') throw new UsageError(`invalid environment variable "${raw}": the name is empty`);
  if (/\s/.test(name)) throw new UsageError(`invalid environment variable "${raw}": the name "${name}" contains white space`);
}

/**
 * One `-e` value or env-file line: NAME=VALUE, NAME (the host's value, skipped when the
 * host has none) or NAME* (every host variable with that prefix), as Podman reads them.
 */
export function parseEnvEntry(raw: string, hostEnv: NodeJS.ProcessEnv): Array<[string, string]> {
  const eq = raw.indexOf('=');
  if (eq >= 0) {
    const name = raw.slice(0, eq);
    checkEnvName(name, raw);
    return [[name, raw.slice(eq + 1)]];
  }
  if (raw.endsWith('*')) {
    const prefix = raw.slice(0, -1);
    checkEnvName(prefix || '*', raw);
    return Object.entries(hostEnv)
      .filter((e): e is [string, string] => e[0].startsWith(prefix) && e[1] !== undefined)
      .sort((a, b) => a[0].localeCompare(b[0]));
  }
  checkEnvName(raw, raw);
  const v = hostEnv[raw];
  return v === undefined ? [] : [[raw, v]];
}

/** An env file: one entry per line, blank lines and lines starting with # skipped. */
export function parseEnvFile(text: string, hostEnv: NodeJS.ProcessEnv): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const rawLine of text.split('\n')) {
    const line = rawLine.replace(/\r$/, '').replace(/^\s+/, '');
    if (line === '' || line.startsWith('#')) continue;
    out.push(...parseEnvEntry(line, hostEnv));
  }
  return out;
}

// ---- capabilities --------------------------------------------------------------

/** Linux capability names in bit order (capabilities(7)); index = bit number. */
export const ALL_CAPS = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_DAC_READ_SEARCH', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL',
  'CAP_SETGID', 'CAP_SETUID', 'CAP_SETPCAP', 'CAP_LINUX_IMMUTABLE', 'CAP_NET_BIND_SERVICE',
  'CAP_NET_BROADCAST', 'CAP_NET_ADMIN', 'CAP_NET_RAW', 'CAP_IPC_LOCK', 'CAP_IPC_OWNER',
  'CAP_SYS_MODULE', 'CAP_SYS_RAWIO', 'CAP_SYS_CHROOT', 'CAP_SYS_PTRACE', 'CAP_SYS_PACCT',
  'CAP_SYS_ADMIN', 'CAP_SYS_BOOT', 'CAP_SYS_NICE', 'CAP_SYS_RESOURCE', 'CAP_SYS_TIME',
  'CAP_SYS_TTY_CONFIG', 'CAP_MKNOD', 'CAP_LEASE', 'CAP_AUDIT_WRITE', 'CAP_AUDIT_CONTROL',
  'CAP_SETFCAP', 'CAP_MAC_OVERRIDE', 'CAP_MAC_ADMIN', 'CAP_SYSLOG', 'CAP_WAKE_ALARM',
  'CAP_BLOCK_SUSPEND', 'CAP_AUDIT_READ', 'CAP_PERFMON', 'CAP_BPF', 'CAP_CHECKPOINT_RESTORE',
] as const;

/** Podman's default set for a container (containers.conf default_capabilities). */
export const DEFAULT_CAPS = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL', 'CAP_NET_BIND_SERVICE',
  'CAP_SETFCAP', 'CAP_SETGID', 'CAP_SETPCAP', 'CAP_SETUID', 'CAP_SYS_CHROOT',
];

/** "net_admin", "NET_ADMIN", "cap_net_admin" -> "CAP_NET_ADMIN"; "all" -> "ALL". */
export function normaliseCap(raw: string): string {
  const up = raw.trim().toUpperCase();
  if (up === 'ALL') return 'ALL';
  const name = up.startsWith('CAP_') ? up : `CAP_${up}`;
  if (!(ALL_CAPS as readonly string[]).includes(name)) {
    throw new UsageError(`unknown capability "${raw}": use a name from capabilities(7), e.g. NET_ADMIN, or ALL`);
  }
  return name;
}

/** Flags may repeat and each may hold a comma list (`--cap-add a,b`). */
function splitList(values: string[] | undefined): string[] {
  return (values ?? []).flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v !== '');
}

/**
 * The bounding set from the defaults and --cap-add/--cap-drop. ALL in --cap-add starts
 * from every capability the kernel knows (up to capLastCap); ALL in --cap-drop from none.
 * The same name in both lists is refused.
 */
export function computeCaps(capAdd: string[], capDrop: string[], capLastCap = ALL_CAPS.length - 1): string[] {
  const known = ALL_CAPS.slice(0, capLastCap + 1) as string[];
  for (const c of capDrop) {
    if (c !== 'ALL' && capAdd.includes(c)) throw new UsageError(`capability "${c}" cannot be both added and dropped`);
  }
  const set = new Set<string>(capAdd.includes('ALL') ? known : capDrop.includes('ALL') ? [] : DEFAULT_CAPS);
  for (const c of capDrop) if (c !== 'ALL') set.delete(c);
  if (!capAdd.includes('ALL')) for (const c of capAdd) set.add(c);
  return known.filter((c) => set.has(c));
}

// ---- mounts: src/runtime/mounts.ts -------------------------------------------------

// ---- sizes and numbers ---------------------------------------------------------

/** "512m", "1g", "1048576", "64kb" -> bytes. */
export function parseSize(raw: string, flag: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([bkmgt]?)b?$/i.exec(raw.trim());
  if (!m) throw new UsageError(`invalid size "${raw}" for ${flag}: use a number with an optional unit b, k, m, g (e.g. 512m)`);
  const mult: Record<string, number> = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };
  return Math.floor(Number(m[1]) * mult[m[2]!.toLowerCase()]!);
}

// ---- entrypoint ----------------------------------------------------------------

/** `--entrypoint` is a command or a JSON array of strings; "" clears the image's. */
export function parseEntrypoint(raw: string): string[] {
  if (raw === '') return [];
  if (raw.trimStart().startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      throw new UsageError(`invalid --entrypoint ${raw}: it starts with "[" but is not a JSON array of strings`);
    }
    if (!Array.isArray(parsed) || !parsed.every((x) => typeof x === 'string')) {
      throw new UsageError(`invalid --entrypoint ${raw}: expected a JSON array of strings`);
    }
    return parsed as string[];
  }
  return [raw];
}

// ---- the whole set -------------------------------------------------------------

/** --network details, -p/-P, DNS and /etc/hosts flags. */
function parseNetworkOptions(raw: RawRunFlags, network: ReturnType<typeof parseNetworkFlag>): Partial<RunOptions> {
  const o: Partial<RunOptions> = {};
  if (network.options.length > 0) o.networkOptions = network.options;
  if (network.target !== undefined) o.networkTarget = network.target;
  if (raw.publish !== undefined && raw.publish.length > 0) o.publish = parsePublishList(raw.publish);
  if (raw.publishAll) o.publishAll = true;
  const list = (v: string[] | undefined): string[] | undefined => (v === undefined || v.length === 0 ? undefined : splitList(v));
  const dns = list(raw.dns);
  if (dns) {
    checkDnsServers(dns);
    o.dns = dns;
  }
  const search = list(raw.dnsSearch);
  if (search) o.dnsSearch = search;
  const dnsOpts = list(raw.dnsOption);
  if (dnsOpts) o.dnsOption = dnsOpts;
  if (raw.addHost !== undefined && raw.addHost.length > 0) {
    if (raw.noHosts) throw new UsageError('--no-hosts and --add-host cannot be set together');
    o.addHosts = raw.addHost.map(parseAddHost);
  }
  if (raw.noHosts) o.noHosts = true;
  if (raw.ip !== undefined || raw.macAddress !== undefined || (raw.networkAlias ?? []).length > 0) {
    if (network.mode !== 'bridge') throw new UsageError('--ip, --mac-address and --network-alias need --network NAME (a bridge network)');
  }
  if (raw.ip !== undefined) {
    if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(raw.ip) || raw.ip.split('.').some((x) => Number(x) > 255)) throw new UsageError(`--ip ${raw.ip}: not an IPv4 address`);
    o.staticIp = raw.ip;
  }
  if (raw.macAddress !== undefined) {
    if (!/^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/.test(raw.macAddress)) throw new UsageError(`--mac-address ${raw.macAddress}: expected six hex bytes such as 92:d0:c6:0a:29:33`);
    if ((parseInt(raw.macAddress.slice(0, 2), 16) & 1) === 1) throw new UsageError(`--mac-address ${raw.macAddress}: a multicast address cannot be a container's`);
    o.macAddress = raw.macAddress.toLowerCase();
  }
  const aliases = splitList(raw.networkAlias ?? []);
  if (aliases.length > 0) o.networkAliases = aliases;
  if (network.mode === 'container' && (dns || search || dnsOpts || o.addHosts || raw.noHosts)) {
    throw new UsageError('conflicting options: --dns, --dns-search, --dns-option, --add-host and --no-hosts cannot be used with --network container: (the other container\'s files are shared)');
  }
  return o;
}

export function parseUserns(raw: string | undefined): UsernsMode {
  if (raw === undefined || raw === '') return 'default';
  if (raw === 'host' || raw === 'keep-id' || raw === 'nomap') return raw;
  // auto:size=N, uidmapping=... are accepted; the namespace takes every subordinate id.
  if (raw === 'auto' || raw.startsWith('auto:') || raw === 'private') return 'auto';
  throw new UsageError(`unsupported --userns "${raw}": tpod supports host, keep-id, nomap and auto`);
}

function parseResources(raw: RawRunFlags): Resources {
  const r: Resources = {};
  if (raw.memory !== undefined) {
    r.memory = parseSize(raw.memory, '--memory');
    // 0: no limit (Podman); anything else must be at least what the kernel allows.
    if (r.memory !== 0 && r.memory < 6 * 1024 * 1024) throw new UsageError(`--memory ${raw.memory}: the minimum memory limit allowed is 6MB`);
  }
  if (raw.cpus !== undefined) {
    const n = Number(raw.cpus);
    if (!Number.isFinite(n) || n <= 0) throw new UsageError(`invalid --cpus "${raw.cpus}": expected a positive number, e.g. 1.5`);
    r.cpus = n;
  }
  if (raw.pidsLimit !== undefined) {
    const n = Number(raw.pidsLimit);
    if (!Number.isInteger(n) || n < -1) throw new UsageError(`invalid --pids-limit "${raw.pidsLimit}": expected an integer (-1 or 0 for unlimited)`);
    if (n > 0) r.pidsLimit = n;
  }
  return r;
}

/** --label KEY=VALUE or KEY (empty value), as Podman reads them. */
export function parseLabels(raw: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const l of raw) {
    const eq = l.indexOf('=');
    const key = eq < 0 ? l : l.slice(0, eq);
    if (key === '') throw new UsageError(`invalid label "${l}": the key is empty`);
    out[key] = eq < 0 ? '' : l.slice(eq + 1);
  }
  return out;
}

export function parseRunOptions(raw: RawRunFlags, host: HostAccess = realHost()): RunOptions {
  const restartPolicy = raw.restart === undefined || raw.restart === '' ? undefined : parseRestartPolicy(raw.restart);
  if (raw.rm && restartPolicy && restartPolicy.name !== 'no') throw new UsageError('the --rm option conflicts with --restart');
  if (raw.image === '') throw new UsageError('an image name is required');
  if (raw.name !== undefined) checkContainerName(raw.name);
  if (raw.workdir !== undefined && !isAbsolute(raw.workdir)) {
    throw new UsageError(`invalid --workdir "${raw.workdir}": it must be an absolute path`);
  }
  if (raw.hostname !== undefined && !/^[A-Za-z0-9]([A-Za-z0-9.-]{0,62})?$/.test(raw.hostname)) {
    throw new UsageError(`invalid --hostname "${raw.hostname}": use letters, digits, "." and "-", at most 64 characters`);
  }

  const env: Array<[string, string]> = [];
  if (raw.envHost) for (const [k, v] of Object.entries(host.env)) if (v !== undefined) env.push([k, v]);
  for (const file of raw.envFile ?? []) {
    let text: string;
    try {
      text = host.readFile(resolve(host.cwd, file));
    } catch (err) {
      const why = isErrno(err, 'ENOENT') ? 'no such file or directory' : (err as Error).message;
      throw new TpodError('EUSAGE', `open ${file}: ${why}`);
    }
    env.push(...parseEnvFile(text, host.env));
  }
  for (const e of raw.env ?? []) env.push(...parseEnvEntry(e, host.env));

  const mounts = parseMounts({ volume: raw.volume, mount: raw.mount, tmpfs: raw.tmpfs }, host);

  const network = parseNetworkFlag(raw.network);
  const security = parseSecurityOpts(raw.securityOpt ?? [], host.cwd);
  if (security.seccomp.kind === 'file') {
    try {
      host.stat(security.seccomp.path);
    } catch (err) {
      const why = isErrno(err, 'ENOENT') ? 'no such file or directory' : (err as Error).message;
      throw new TpodError('EUSAGE', `opening seccomp profile ${security.seccomp.path}: ${why}`);
    }
  }
  const opts: RunOptions = {
    image: raw.image,
    command: raw.command,
    rm: raw.rm ?? false,
    interactive: raw.interactive ?? false,
    tty: raw.tty ?? false,
    env,
    capAdd: splitList(raw.capAdd).map(normaliseCap),
    capDrop: splitList(raw.capDrop).map(normaliseCap),
    readOnly: raw.readOnly ?? false,
    noNewPrivileges: security.noNewPrivileges,
    security,
    tmpfs: mounts.tmpfs,
    volumes: mounts.volumes,
    network: network.mode,
    userns: parseUserns(raw.userns),
    init: raw.init ?? false,
    resources: parseResources(raw),
  };
  if (mounts.namedVolumes.length > 0) opts.namedVolumes = mounts.namedVolumes;
  if (mounts.imageMounts.length > 0) opts.imageMounts = mounts.imageMounts;
  if (mounts.devpts.length > 0) opts.devpts = mounts.devpts;
  if (raw.volumesFrom !== undefined && raw.volumesFrom.length > 0) opts.volumesFrom = raw.volumesFrom;
  if (raw.imageVolume !== undefined) opts.imageVolumeMode = parseImageVolumeMode(raw.imageVolume);
  if (raw.readOnlyTmpfs === false) opts.noReadOnlyTmpfs = true;
  if (raw.shmSize !== undefined) opts.shmSize = parseSize(raw.shmSize, '--shm-size');
  if (raw.name !== undefined) opts.name = raw.name;
  if (raw.workdir !== undefined) opts.workdir = posix.normalize(raw.workdir);
  if (raw.user !== undefined && raw.user !== '') opts.user = raw.user;
  if (raw.entrypoint !== undefined) opts.entrypoint = parseEntrypoint(raw.entrypoint);
  if (raw.hostname !== undefined) opts.hostname = raw.hostname;
  if (raw.privileged) opts.privileged = true;
  if (raw.detach) opts.detach = true;
  if (restartPolicy) opts.restartPolicy = restartPolicy;
  if (raw.stopSignal !== undefined) opts.stopSignal = parseSignal(raw.stopSignal);
  if (raw.stopTimeout !== undefined) opts.stopTimeout = parseTimeout(raw.stopTimeout, '--stop-timeout');
  if (raw.label !== undefined && raw.label.length > 0) opts.labels = parseLabels(raw.label);
  Object.assign(opts, parseNetworkOptions(raw, network));
  Object.assign(opts, parseRunExtras(raw));
  // systemd as PID 1 stops on SIGRTMIN+3, as Podman's systemd mode.
  if (opts.systemdMode === 'always' && opts.stopSignal === undefined) opts.stopSignal = 37;
  const pod = parsePodFlag(raw, host);
  if (pod !== undefined) opts.pod = pod;
  return opts;
}

function parseImageVolumeMode(v: string): 'bind' | 'tmpfs' | 'ignore' {
  if (v === 'bind' || v === 'tmpfs' || v === 'ignore') return v;
  throw new UsageError(`invalid image volume type "${v}": must be one of "bind", "tmpfs" or "ignore"`);
}

/** --pod, or the id --pod-id-file names (the two together are refused, as Podman does). */
function parsePodFlag(raw: RawRunFlags, host: HostAccess): string | undefined {
  if (raw.podIdFile !== undefined && raw.podIdFile !== '') {
    if (raw.pod !== undefined && raw.pod !== '') throw new UsageError('--pod and --pod-id-file cannot be set together');
    // The first line, as for --cidfile and `pod start/stop/rm --pod-id-file` (src/util/id-files.ts).
    const [id] = readIdFiles([raw.podIdFile], false, POD_ID_FILE_MESSAGES, (p) => host.readFile(resolve(host.cwd, p)));
    return id!;
  }
  if (raw.pod === undefined || raw.pod === '') return undefined;
  if (raw.pod.startsWith('new:') && !NAME_RE.test(raw.pod.slice(4))) {
    throw new UsageError(`invalid pod name "${raw.pod.slice(4)}" in --pod ${raw.pod}: names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*`);
  }
  return raw.pod;
}
