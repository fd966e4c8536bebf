// `tpod info`: what this host gives tpod, shaped like `podman info` (host, store,
// version) so scripts that read podman's keys find them here too.
import { readFileSync, existsSync, readdirSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { release, hostname, cpus, totalmem, freemem, userInfo } from 'node:os';
import type { Context } from './context.js';
import { currentMappings, readPausePid } from '../rootless/pause.js';
import { chooseDriver, findInPath } from '../storage/driver.js';
import { VERSION } from '../version.js';

function toolVersion(path: string | undefined, args = ['--version']): string {
  if (!path) return '';
  try {
    return execFileSync(path, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 }).split('\n')[0]?.trim() ?? '';
  } catch {
    return '';
  }
}

/** cgroup v2 only when /sys/fs/cgroup itself is cgroup2 (hybrid hosts report v1, as Podman does). */
export function cgroupVersion(sysfs = '/sys/fs/cgroup'): 'v1' | 'v2' {
  return existsSync(`${sysfs}/cgroup.controllers`) ? 'v2' : 'v1';
}

function osRelease(): string {
  try {
    const m = /^PRETTY_NAME="?([^"\n]*)"?/m.exec(readFileSync('/etc/os-release', 'utf8'));
    return m?.[1] ?? 'linux';
  } catch {
    return 'linux';
  }
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

export interface RuntimeReport {
  name: string;
  path: string;
  version: string;
  notice?: string;
}

export async function collectInfo(ctx: Context, runtime: RuntimeReport | undefined) {
  const m = currentMappings(ctx);
  const driver = await chooseDriver(ctx);
  const pasta = findInPath('pasta');
  const slirp = findInPath('slirp4netns');
  const arch = process.arch === 'x64' ? 'amd64' : process.arch;
  return {
    host: {
      arch,
      cgroupVersion: cgroupVersion(),
      cgroupManager: 'cgroupfs',
      hostname: hostname(),
      kernel: release(),
      os: 'linux',
      distribution: osRelease(),
      cpus: cpus().length,
      memTotal: totalmem(),
      memFree: freemem(),
      idMappings: { uidmap: idMapping(m.uidMap), gidmap: idMapping(m.gidMap) },
      security: { rootless: ctx.uid !== 0 || process.env.TPOD_IN_USERNS === '1', singleIdMapping: m.single, ...(await seccompInfo(ctx)) },
      ociRuntime: runtime ?? { name: '', path: '', version: 'no OCI runtime found: install crun or runc' },
      pauseProcess: readPausePid(ctx) ?? null,
      pasta: { executable: pasta ?? '', version: toolVersion(pasta) },
      slirp4netns: { executable: slirp ?? '', version: toolVersion(slirp) },
      user: userInfo().username,
    },
    store: {
      graphDriverName: driver.driver,
      graphDriverReason: driver.reason,
      graphRoot: ctx.paths.root,
      runRoot: ctx.paths.runroot,
      configHome: ctx.paths.configHome,
      imageStore: { number: countDir(ctx.paths.images) },
      containerStore: { number: countDir(ctx.paths.containers) },
    },
    version: { Version: VERSION, NodeVersion: process.version, OsArch: `linux/${arch}` },
  };
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
  if (typeof value === 'string') return value === '' || /[:#'"]/.test(value) ? ` ${JSON.stringify(value)}\n` : ` ${value}\n`;
  return ` ${String(value)}\n`;
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
