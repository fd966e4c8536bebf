// The run/create flags that serve systemd units (`generate systemd --new` writes them):
// --sdnotify, --cidfile, --replace, --conmon-pidfile, --cgroups; and what goes with
// them at create and start time: the container id file, the monitor's pid file (the
// PIDFile= of units without --new), the notify socket mounted into a container that
// speaks sd_notify itself, and the PODMAN_SYSTEMD_UNIT label.
import { closeSync, mkdirSync, openSync, rmSync, writeSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { TpodError, UsageError } from '../errors.js';
import type { Context } from '../engine/context.js';
import { checkIdFile, readIdFiles, writeIdFile } from '../util/id-files.js';

export type SdNotifyMode = 'conmon' | 'container' | 'ignore';
export type CgroupsMode = 'enabled' | 'disabled' | 'no-conmon' | 'split';

/** The unit's name, set by systemd in generated units (Environment=PODMAN_SYSTEMD_UNIT=%n). */
export const SYSTEMD_UNIT_ENV = 'PODMAN_SYSTEMD_UNIT';

export interface SystemdRunFlags {
  sdnotify?: string | undefined;
  cidfile?: string | undefined;
  replace?: boolean | undefined;
  conmonPidfile?: string | undefined;
  cgroups?: string | undefined;
}

/** Checked; paths absolute. Kept in the record with the other create options. */
export interface SystemdRunOptions {
  sdNotify?: SdNotifyMode;
  cidFile?: string;
  replace?: boolean;
  conmonPidFile?: string;
  cgroups?: CgroupsMode;
}

const SDNOTIFY: readonly SdNotifyMode[] = ['conmon', 'container', 'ignore'];
const CGROUPS: readonly CgroupsMode[] = ['enabled', 'disabled', 'no-conmon', 'split'];

/**
 * ENV: where NOTIFY_SOCKET is looked up. Podman's default --sdnotify is `container`:
 * run under a Type=notify unit without the flag, the container itself says READY=1
 * (without a NOTIFY_SOCKET the mode does nothing, so it is only chosen with one).
 */
export function parseSystemdRunFlags(raw: SystemdRunFlags, cwd = process.cwd(), env: NodeJS.ProcessEnv = process.env): SystemdRunOptions {
  const o: SystemdRunOptions = {};
  if (raw.sdnotify !== undefined) {
    if (!SDNOTIFY.includes(raw.sdnotify as SdNotifyMode)) {
      throw new UsageError(`invalid argument "${raw.sdnotify}" for "--sdnotify": must be one of ${SDNOTIFY.join(', ')}`);
    }
    o.sdNotify = raw.sdnotify as SdNotifyMode;
  } else if (env.NOTIFY_SOCKET) {
    o.sdNotify = 'container';
  }
  if (raw.cgroups !== undefined) {
    if (!CGROUPS.includes(raw.cgroups as CgroupsMode)) {
      throw new UsageError(`invalid cgroup mode "${raw.cgroups}": must be one of ${CGROUPS.join(', ')}`);
    }
    o.cgroups = raw.cgroups as CgroupsMode;
  }
  if (raw.cidfile !== undefined) {
    if (raw.cidfile === '') throw new UsageError('--cidfile needs a file name');
    o.cidFile = resolve(cwd, raw.cidfile);
  }
  if (raw.conmonPidfile !== undefined) {
    if (raw.conmonPidfile === '') throw new UsageError('--conmon-pidfile needs a file name');
    o.conmonPidFile = resolve(cwd, raw.conmonPidfile);
  }
  if (raw.replace) o.replace = true;
  return o;
}

/** As Podman: an existing id file may belong to another container, so it is never overwritten. */
export function checkCidFile(path: string): void {
  checkIdFile(path, 'container');
}

/** Writes the new container's id, exclusively (a file created meanwhile is not replaced). */
export function writeCidFile(path: string, id: string): void {
  writeIdFile(path, id, 'container');
}

/** Where the monitor's pid is written at each start unless --conmon-pidfile names a file. */
export function defaultMonitorPidFile(ctx: Context, id: string): string {
  return join(ctx.paths.runroot, 'monitor-pids', `${id}.pid`);
}

export function monitorPidFile(ctx: Context, id: string, o: SystemdRunOptions | undefined): string {
  return o?.conmonPidFile ?? defaultMonitorPidFile(ctx, id);
}

/**
 * Records the monitor's pid for systemd (PIDFile= of a Type=forking unit reads it once
 * `tpod start` has exited, so it is written before that).
 */
export function writeMonitorPidFile(path: string, pid: number): void {
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    const fd = openSync(path, 'w', 0o644);
    try {
      writeSync(fd, `${pid}\n`);
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    throw new TpodError('ESTORAGE', `cannot write the monitor pid file ${path}: ${(err as Error).message}`, { cause: err });
  }
}

// ---- --sdnotify=container -----------------------------------------------------------

/** Where the container sees the socket, as with Podman. */
export const CONTAINER_NOTIFY_DIR = '/run/notify';
export const CONTAINER_NOTIFY_SOCKET = `${CONTAINER_NOTIFY_DIR}/notify.sock`;

/** The host directory the monitor listens in, bound at /run/notify in the container. */
export function notifyDir(ctx: Context, id: string): string {
  return join(ctx.paths.runroot, 'notify', id.slice(0, 32));
}

export function notifySocketPath(ctx: Context, id: string): string {
  return join(notifyDir(ctx, id), 'notify.sock');
}

interface SpecLike {
  process: { env: string[] };
  mounts: Array<{ destination: string; type: string; source: string; options?: string[] }>;
}

/** The spec part of --sdnotify=container: the socket's directory, and NOTIFY_SOCKET pointing into it. */
export function addContainerNotify(spec: SpecLike, hostDir: string): void {
  spec.mounts.push({ destination: CONTAINER_NOTIFY_DIR, type: 'bind', source: hostDir, options: ['bind', 'rprivate', 'nosuid', 'nodev', 'noexec'] });
  spec.process.env = spec.process.env.filter((e) => !e.startsWith('NOTIFY_SOCKET='));
  spec.process.env.push(`NOTIFY_SOCKET=${CONTAINER_NOTIFY_SOCKET}`);
}

/** The directory must exist (the bind source) before the runtime creates the container. */
export function ensureNotifyDir(ctx: Context, id: string): string {
  const dir = notifyDir(ctx, id);
  // Searchable by every uid of the container: the socket is what they talk to.
  mkdirSync(dir, { recursive: true, mode: 0o711 });
  return dir;
}

/** Records the monitor's pid; a failure is worth a warning, not a failed start. */
export function recordMonitorPid(ctx: Context, id: string, o: SystemdRunOptions | undefined, pid: number): void {
  try {
    writeMonitorPidFile(monitorPidFile(ctx, id, o), pid);
  } catch (err) {
    ctx.log.warn((err as Error).message);
  }
}

// ---- --cidfile on stop, rm, start ------------------------------------------------------

/**
 * The container ids in id files (the first line of each). With IGNORE a missing file is
 * skipped, as Podman's `stop/rm --ignore --cidfile` do for a unit whose container is gone.
 */
export function readCidFiles(paths: readonly string[], ignore: boolean): string[] {
  return readIdFiles(paths, ignore, {
    open: (p, why) => `reading CIDFile: open ${p}: ${why}`,
    empty: (p) => `reading CIDFile: ${p} is empty`,
  });
}

/** rm --cidfile: the file goes with its container, so the unit's next start may write it again. */
export function removeCidFiles(paths: readonly string[]): void {
  for (const p of paths) rmSync(p, { force: true });
}
