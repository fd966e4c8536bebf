// pause, unpause and stats need the container in a cgroup v2 group of its own that this
// user may write (freezing is cgroup.freeze; stats read memory.current, cpu.stat,
// pids.current). Rootless, that exists only where the host delegates cgroup v2 to the
// user (systemd's user@.service does). Where it does not, the commands say why and exit
// 125, as Podman does on cgroup v1. Host facts come in through `roots` for tests.
import { accessSync, constants, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TpodError } from '../errors.js';
import { detectCgroupLayout, describeLayout, HOST_ROOTS, type HostRoots, type CgroupLayout } from '../runtime/runtime.js';

export type CgroupVerb = 'pause' | 'unpause' | 'stats';

/** The cgroup v2 path of a process ("0::/a/b" in /proc/PID/cgroup), if it has one. */
export function unifiedCgroupOf(pid: number, roots: HostRoots = HOST_ROOTS): string | undefined {
  let text: string;
  try {
    text = readFileSync(join(roots.proc, String(pid), 'cgroup'), 'utf8');
  } catch {
    return undefined;
  }
  const line = text.split('\n').find((l) => l.startsWith('0::'));
  return line === undefined ? undefined : line.slice(3);
}

/** Where cgroup2 is mounted on the host, per the layout. */
function unifiedMount(layout: CgroupLayout): string | undefined {
  if (layout.mode === 'v2') return '/sys/fs/cgroup';
  if (layout.mode === 'hybrid') return layout.unifiedPath;
  return undefined;
}

export interface CgroupAccess {
  /** The container's cgroup directory on the host. */
  dir: string;
}

/**
 * Whether VERB can work on the container whose init is PID; throws the reason when not.
 * The container must sit in a cgroup of its own (named after its id), writable by us.
 */
export function requireContainerCgroup(verb: CgroupVerb, id: string, pid: number | undefined, roots: HostRoots = HOST_ROOTS, layout: CgroupLayout = detectCgroupLayout(roots)): CgroupAccess {
  const what = verb === 'stats' ? 'stats are' : `${verb} is`;
  const mount = unifiedMount(layout);
  if (layout.mode !== 'v2' || mount === undefined) {
    throw new TpodError(
      'ERUNTIME',
      `${what} not supported for rootless containers on this host: it needs cgroup v2 with controllers delegated to the user, ` +
        `and this host mounts cgroups as ${describeLayout(layout)}; containers run without a cgroup of their own`,
    );
  }
  const path = pid === undefined ? undefined : unifiedCgroupOf(pid, roots);
  const dir = path === undefined ? undefined : join(roots.sys, 'fs/cgroup', path);
  let writable = false;
  if (dir !== undefined && path !== undefined && path.includes(id)) {
    try {
      accessSync(join(dir, 'cgroup.freeze'), constants.W_OK);
      writable = true;
    } catch {
      writable = false;
    }
  }
  if (!dir || !writable) {
    throw new TpodError(
      'ERUNTIME',
      `${what} not supported for this container: it has no cgroup v2 group of its own that tpod may write ` +
        `(this user has no delegated cgroup v2 subtree, e.g. from systemd's user@.service)`,
    );
  }
  return { dir };
}

export interface CgroupStats {
  memoryBytes: number;
  memoryLimit: number | undefined;
  cpuUsec: number;
  pids: number;
}

function readNumber(path: string): number | undefined {
  try {
    const t = readFileSync(path, 'utf8').trim();
    return /^\d+$/.test(t) ? Number(t) : undefined;
  } catch {
    return undefined;
  }
}

export function readCgroupStats(dir: string): CgroupStats {
  let cpuUsec = 0;
  try {
    const m = /^usage_usec (\d+)/m.exec(readFileSync(join(dir, 'cpu.stat'), 'utf8'));
    if (m) cpuUsec = Number(m[1]);
  } catch {
    /* no cpu controller: 0 */
  }
  return {
    memoryBytes: readNumber(join(dir, 'memory.current')) ?? 0,
    memoryLimit: readNumber(join(dir, 'memory.max')),
    cpuUsec,
    pids: readNumber(join(dir, 'pids.current')) ?? 0,
  };
}
