// `tpod info`: what this host gives tpod, in podman info's shape (host, store,
// registries, plugins, version) so scripts that read Podman's keys find them here too.
// Where Podman names one of its parts, tpod names its counterpart: `conmon` is
// tpod-monitor. tpod's own extras (pasta, pauseProcess, graphDriverReason) sit beside.
import { readOr } from '../util/read-or.js';
import { existsSync, lstatSync, readdirSync, statfsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { release, hostname, cpus, totalmem, freemem, userInfo } from 'node:os';
import { join } from 'node:path';
import type { Context } from './context.js';
import { currentMappings, readPausePid } from '../rootless/pause.js';
import { chooseDriver, findInPath } from '../storage/driver.js';
import { engineConfig } from '../util/containers-conf.js';
import { helperPath } from '../util/helpers.js';
import { VERSION } from '../version.js';
import { versionReport } from './version.js';
import { serviceSocketPath } from '../storage/paths.js';

function firstLine(path: string | undefined, args = ['--version']): string {
  if (!path) return '';
  try {
    return execFileSync(path, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 }).trim();
  } catch {
    return '';
  }
}

/** The distribution package that installed PATH (dpkg or rpm), as Podman reports it. */
export function packageOf(path: string | undefined, run: (cmd: string, args: string[]) => string = (c, a) => firstLine(findInPath(c), a)): string {
  if (!path) return '';
  const dpkg = run('dpkg-query', ['-S', path]);
  const pkg = /^([^:\s]+)(?::[^:\s]+)?:/.exec(dpkg)?.[1];
  if (pkg) {
    const v = run('dpkg-query', ['-f', '${Package}_${Version}_${Architecture}', '-W', pkg]);
    if (v) return v;
  }
  const rpm = run('rpm', ['-q', '--qf', '%{NAME}-%{VERSION}-%{RELEASE}.%{ARCH}', '-f', path]);
  if (rpm && !/not owned/.test(rpm)) return rpm;
  return 'Unknown';
}

/** cgroup v2 only when /sys/fs/cgroup itself is cgroup2 (hybrid hosts report v1, as Podman does). */
export function cgroupVersion(sysfs = '/sys/fs/cgroup'): 'v1' | 'v2' {
  return existsSync(`${sysfs}/cgroup.controllers`) ? 'v2' : 'v1';
}

export interface Distribution {
  distribution: string;
  variant?: string;
  version: string;
  codename?: string;
}

/** /etc/os-release's ID, VARIANT_ID, VERSION_ID and VERSION_CODENAME. */
export function parseOsRelease(text: string): Distribution {
  const get = (k: string): string | undefined => {
    const m = new RegExp(`^${k}=("?)([^"\\n]*)\\1\\s*$`, 'm').exec(text);
    return m?.[2];
  };
  const d: Distribution = { distribution: get('ID') ?? 'linux', version: get('VERSION_ID') ?? 'unknown' };
  const variant = get('VARIANT_ID');
  if (variant) d.variant = variant;
  const codename = get('VERSION_CODENAME');
  if (codename) d.codename = codename;
  return d;
}


function countDir(dir: string): number {
  try {
    return readdirSync(dir).filter((n) => !n.startsWith('.')).length;
  } catch {
    return 0;
  }
}

function idMapping(entries: Array<{ containerId: number; hostId: number; size: number }>) {
  return entries.map((e) => ({ container_id: e.containerId, host_id: e.hostId, size: e.size }));
}

function meminfo(key: string): number {
  const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(readOr('/proc/meminfo', ''));
  return m ? Number(m[1]) * 1024 : 0;
}

/** Podman's uptime: "2h 38m 4.00s (Approximately 0.08 days)". */
export function formatUptime(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds - h * 3600 - m * 60;
  return `${h}h ${m}m ${s.toFixed(2)}s (Approximately ${(seconds / 86400).toFixed(2)} days)`;
}

export interface RuntimeReport {
  name: string;
  path: string;
  version: string;
  notice?: string;
}

export async function collectInfo(ctx: Context, runtime: RuntimeReport | undefined) {
  const m = currentMappings(ctx);
  const driver = await chooseDriver(ctx);
  const conf = engineConfig(ctx);
  const pasta = findInPath('pasta');
  const slirp = findInPath('slirp4netns');
  const monitor = helperPath('tpod-monitor');
  const version = versionReport();
  const { listContainers } = await import('../storage/containers.js');
  const { liveState } = await import('./state.js');
  const states = listContainers(ctx).map((r) => liveState(ctx, r).status);
  const count = (...s: string[]): number => states.filter((x) => s.includes(x)).length;
  let fs: { total: number; free: number } = { total: 0, free: 0 };
  try {
    const st = statfsSync(existsSync(ctx.paths.root) ? ctx.paths.root : ctx.host.home);
    fs = { total: st.blocks * st.bsize, free: st.bavail * st.bsize };
  } catch {
    /* reported as 0 */
  }
  const { loadRegistriesConfig, configLocations } = await import('../image/registries.js');
  let search: string[] = [];
  try {
    search = loadRegistriesConfig(configLocations(ctx.host.env, ctx.paths.configHome)).unqualifiedSearch;
  } catch {
    /* a broken registries.conf is reported by pull, not here */
  }
  const { DEFAULT_CAPS } = await import('../runtime/options.js');
  const { readNetworkConfig, realSources } = await import('../network/config.js');
  let network = 'pasta';
  try {
    const { defaultMode } = await import('../network/plan.js');
    network = defaultMode(readNetworkConfig(realSources(ctx.host.env, ctx.paths.configHome)));
  } catch {
    network = 'none';
  }
  const uptime = Number(readOr('/proc/uptime', '0').split(' ')[0]) || 0;
  return {
    host: {
      arch: version.OsArch.split('/')[1] ?? process.arch,
      // Podman names the buildah library it builds with; tpod builds with its own code.
      buildahVersion: VERSION,
      cgroupControllers: [] as string[],
      cgroupManager: 'cgroupfs',
      cgroupVersion: cgroupVersion(),
      conmon: { package: `tpod ${VERSION}`, path: monitor, version: `tpod-monitor version ${VERSION}` },
      cpus: cpus().length,
      distribution: parseOsRelease(readOr('/etc/os-release', '')),
      eventLogger: conf.eventsLogger ?? 'file',
      hostname: hostname(),
      idMappings: { gidmap: idMapping(m.gidMap), uidmap: idMapping(m.uidMap) },
      kernel: release(),
      logDriver: conf.logDriver ?? 'k8s-file',
      memFree: freemem(),
      memTotal: totalmem(),
      networkBackend: network,
      ociRuntime: runtime
        ? { name: runtime.name, package: packageOf(runtime.path), path: runtime.path, version: runtime.version }
        : { name: '', package: '', path: '', version: 'no OCI runtime found: install crun or runc' },
      os: 'linux',
      // Where `tpod system service` listens by default (Podman's host.remoteSocket).
      remoteSocket: remoteSocket(ctx),
      pasta: { executable: pasta ?? '', package: packageOf(pasta), version: firstLine(pasta).split('\n')[0] ?? '' },
      pauseProcess: readPausePid(ctx) ?? null,
      security: {
        apparmorEnabled: false,
        capabilities: DEFAULT_CAPS.join(','),
        rootless: ctx.uid !== 0 || process.env.TPOD_IN_USERNS === '1',
        selinuxEnabled: false,
        singleIdMapping: m.single,
        ...(await seccompInfo(ctx)),
      },
      serviceIsRemote: false,
      slirp4netns: { executable: slirp ?? '', package: packageOf(slirp), version: firstLine(slirp) },
      swapFree: meminfo('SwapFree'),
      swapTotal: meminfo('SwapTotal'),
      uptime: formatUptime(uptime),
      user: userInfo().username,
    },
    plugins: {
      authorization: null,
      log: ['k8s-file', 'json-file', 'none', 'passthrough'],
      network: [] as string[],
      volume: ['local'],
    },
    registries: search.length > 0 ? { search } : {},
    store: {
      configFile: join(ctx.paths.configHome, 'storage.conf'),
      containerStore: {
        number: states.length,
        paused: count('paused'),
        running: count('running', 'stopping'),
        stopped: count('created', 'exited', 'unknown'),
      },
      graphDriverName: driver.driver,
      graphDriverReason: driver.reason,
      graphOptions: {},
      graphRoot: ctx.paths.root,
      graphRootAllocated: fs.total,
      graphRootUsed: fs.total - fs.free,
      graphStatus: {},
      imageCopyTmpDir: ctx.paths.tmp,
      imageStore: { number: countDir(ctx.paths.images) },
      runRoot: ctx.paths.runroot,
      volumePath: ctx.paths.volumes,
    },
    version,
  };
}

export type InfoReport = Awaited<ReturnType<typeof collectInfo>>;

// Podman's Go field names where they are not the JSON key with a capital first letter.
const GO_NAMES: Record<string, string> = {
  cgroupVersion: 'CgroupsVersion',
  cpus: 'CPUs',
  idMappings: 'IDMappings',
  gidmap: 'GIDMap',
  uidmap: 'UIDMap',
  container_id: 'ContainerID',
  host_id: 'HostID',
  ociRuntime: 'OCIRuntime',
  os: 'OS',
  slirp4netns: 'Slirp4NetNS',
  apparmorEnabled: 'AppArmorEnabled',
  capabilities: 'DefaultCapabilities',
  seccompEnabled: 'SECCOMPEnabled',
  seccompProfilePath: 'SECCOMPProfilePath',
  selinuxEnabled: 'SELinuxEnabled',
};
// Maps in Podman's structs: their keys are data, not field names.
const MAPS = new Set(['graphOptions', 'graphStatus', 'registries']);

/** The info report as Podman's Go structs name it, for templates: {{.Host.OCIRuntime.Name}}. */
export function infoTemplateView(v: unknown, key = ''): unknown {
  if (Array.isArray(v)) return v.map((x) => infoTemplateView(x));
  if (v === null || typeof v !== 'object' || MAPS.has(key)) return v;
  return Object.fromEntries(
    Object.entries(v as Record<string, unknown>).map(([k, x]) => [GO_NAMES[k] ?? k.charAt(0).toUpperCase() + k.slice(1), infoTemplateView(x, k)]),
  );
}

/** Podman prints info as YAML; this is the small subset its output uses. */
export function toYaml(value: unknown, indent = ''): string {
  if (Array.isArray(value)) {
    if (value.length === 0) return ' []\n';
    return '\n' + value.map((v) => {
      const body = toYaml(v, indent + '  ');
      return typeof v === 'object' && v !== null ? `${indent}- ${body.trimStart()}` : `${indent}-${body}`;
    }).join('');
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 0) return ' {}\n';
    return (indent === '' ? '' : '\n') + entries.map(([k, v]) => `${indent}${k}:${toYaml(v, indent + '  ')}`).join('');
  }
  if (typeof value === 'string') {
    if (value.includes('\n')) return ` |-\n${value.split('\n').map((l) => `${indent}${l}`).join('\n')}\n`;
    return value === '' || /[:#'"]/.test(value) || /^\d+(\.\d+)?$/.test(value) ? ` ${JSON.stringify(value)}\n` : ` ${value}\n`;
  }
  return ` ${String(value)}\n`;
}

function remoteSocket(ctx: Context): { exists: boolean; path: string } {
  const path = serviceSocketPath(ctx.host);
  let exists = false;
  try {
    exists = lstatSync(path).isSocket();
  } catch {
    /* not serving */
  }
  return { exists, path: `unix://${path}` };
}

/** Podman's security.seccompEnabled/seccompProfilePath: the default profile, when there is one. */
async function seccompInfo(ctx: Context): Promise<{ seccompEnabled: boolean; seccompProfilePath: string }> {
  const { configuredProfilePath, loadProfile } = await import('../runtime/seccomp.js');
  const { realSources } = await import('../network/config.js');
  try {
    const p = loadProfile({ kind: 'default' }, configuredProfilePath(realSources(process.env, ctx.paths.configHome)));
    return { seccompEnabled: p !== undefined, seccompProfilePath: p?.path ?? '' };
  } catch {
    return { seccompEnabled: false, seccompProfilePath: '' };
  }
}
