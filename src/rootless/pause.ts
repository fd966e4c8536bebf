// The pause process holds the user and mount namespaces every tpod command joins. It is
// created once (under a lock) and recorded in <runroot>/pause.pid as "PID STARTTIME
// BOOTID" (written by tpod-helper itself, so a tpod killed meanwhile leaves no unknown
// pause process); later commands only read that file and check that the process is still
// that one: alive, ours, called tpod-pause, started at that time in this boot. A name
// alone proves nothing: a container process runs as the user and can call itself so.
import { readFileSync, statSync, existsSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { userInfo } from 'node:os';
import type { Context } from '../engine/context.js';
import { TpodError } from '../errors.js';
import { ensurePrivateDir } from '../storage/paths.js';
import { FileLock } from '../storage/lock.js';
import { helperPath } from '../util/helpers.js';
import { parseSubidFile, buildIdMap, idMapArgument, type IdMapEntry } from './subid.js';

export interface HostFiles {
  subuid: string;
  subgid: string;
  proc: string;
}

// TPOD_SUBUID_FILE/TPOD_SUBGID_FILE point elsewhere (tests, hosts that keep them apart).
// Read when asked, not at load time: the code may come from a start-up snapshot.
function hostFiles(): HostFiles {
  return {
    subuid: process.env.TPOD_SUBUID_FILE || '/etc/subuid',
    subgid: process.env.TPOD_SUBGID_FILE || '/etc/subgid',
    proc: '/proc',
  };
}

export function pausePidFile(ctx: Context): string {
  return join(ctx.paths.runroot, 'pause.pid');
}

/** What pause.pid says: the pid, and (since it has them) start time and boot id. */
export interface PauseIdentity {
  pid: number;
  startTime?: string;
  bootId?: string;
}

export function parsePauseFile(text: string): PauseIdentity | undefined {
  const [pid, startTime, bootId] = text.trim().split(/\s+/);
  const n = Number(pid);
  if (!Number.isInteger(n) || n <= 0) return undefined;
  if (startTime === undefined) return { pid: n };
  if (!/^\d+$/.test(startTime) || bootId === undefined || bootId === '') return undefined;
  return { pid: n, startTime, bootId };
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * The process is the pause process pause.pid names: alive (a killed one lingers as a
 * zombie until reaped, with its namespaces gone), called tpod-pause, ours, and, when
 * the file has them, started at the recorded time in the recorded boot. A file of an
 * older tpod (the pid alone) is checked by name and owner only.
 */
export function isPauseProcess(id: PauseIdentity | number, uid: number, proc = '/proc'): boolean {
  const want: PauseIdentity = typeof id === 'number' ? { pid: id } : id;
  try {
    // "pid (comm) state ...": comm may hold spaces, so split at the last ')'.
    const stat = readFileSync(join(proc, String(want.pid), 'stat'), 'utf8');
    const open = stat.indexOf('(');
    const close = stat.lastIndexOf(')');
    if (stat.slice(open + 1, close) !== 'tpod-pause') return false;
    const fields = stat.slice(close + 2).split(' ');
    if (fields[0] === 'Z' || fields[0] === 'X') return false;
    if (statSync(join(proc, String(want.pid))).uid !== uid) return false;
    if (want.startTime !== undefined && fields[19] !== want.startTime) return false;
    if (want.bootId !== undefined && (readText(join(proc, 'sys/kernel/random/boot_id')) ?? '').trim() !== want.bootId) return false;
    return true;
  } catch {
    return false;
  }
}

export function readPausePid(ctx: Context): number | undefined {
  const id = parsePauseFile(readText(pausePidFile(ctx)) ?? '');
  return id !== undefined && isPauseProcess(id, ctx.uid) ? id.pid : undefined;
}

export interface Mappings {
  uidMap: IdMapEntry[];
  gidMap: IdMapEntry[];
  /** True when the user has no subordinate ids: only their own id is mapped. */
  single: boolean;
}

function readOrEmpty(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

export function userMappings(uid: number, gid: number, name: string, files: HostFiles = hostFiles()): Mappings {
  const uids = parseSubidFile(readOrEmpty(files.subuid), { name, id: uid });
  const gids = parseSubidFile(readOrEmpty(files.subgid), { name, id: uid });
  if (uids.length === 0 || gids.length === 0) {
    return { uidMap: buildIdMap(uid, []), gidMap: buildIdMap(gid, []), single: true };
  }
  return { uidMap: buildIdMap(uid, uids), gidMap: buildIdMap(gid, gids), single: false };
}

/** Finds newuidmap/newgidmap; a missing one is the most common set-up problem. */
export function findIdMapTools(pathEnv = process.env.PATH ?? '/usr/bin:/bin'): string[] {
  return ['newuidmap', 'newgidmap'].map((tool) => {
    const found = pathEnv.split(':').map((d) => join(d || '.', tool)).find((p) => existsSync(p));
    if (!found) {
      throw new TpodError('EROOTLESS', `${tool} not found in $PATH: install the "uidmap" package (Debian/Ubuntu) or "shadow-utils" (Fedora)`);
    }
    return found;
  });
}

/** Said when newuidmap failed: Debian ships it setuid root, Fedora with file capabilities. */
function idMapToolHint(tools: string[]): string {
  const plain = tools.filter((t) => {
    const st = statSync(t);
    return (st.mode & 0o4000) === 0 || st.uid !== 0;
  });
  if (plain.length === 0) return '';
  return `; ${plain.join(' and ')} ${plain.length > 1 ? 'are' : 'is'} not setuid root: run "sudo chmod u+s ${plain.join(' ')}" or reinstall the uidmap package`;
}

let mappingsCache: Mappings | undefined;
export function currentMappings(ctx: Context): Mappings {
  if (!mappingsCache) mappingsCache = userMappings(ctx.uid, ctx.gid, userInfo().username);
  return mappingsCache;
}

/** tpod is rootless only: as real root it says so instead of half-working. */
export function refuseRoot(ctx: Pick<Context, 'uid'>): void {
  if (ctx.uid === 0 && !process.env.TPOD_IN_USERNS) {
    throw new TpodError(
      'EROOTLESS',
      'tpod is a rootless engine and does not run containers as root: run it as an unprivileged user (rootful mode is not supported; use podman for that)',
    );
  }
}

/** Returns the pause process's pid, creating the process if needed. */
export async function ensurePause(ctx: Context): Promise<number> {
  const existing = readPausePid(ctx);
  if (existing) return existing;
  refuseRoot(ctx);
  ensurePrivateDir(ctx.paths.runroot, ctx.uid);
  const lock = await FileLock.acquire(join(ctx.paths.runroot, 'pause.lock'));
  try {
    const again = readPausePid(ctx);
    if (again) return again;
    const m = currentMappings(ctx);
    const args = ['pause', '--pid-file', pausePidFile(ctx)];
    let tools: string[] = [];
    if (m.single) {
      ctx.log.warn(
        `no subordinate id range for ${userInfo().username} in /etc/subuid or /etc/subgid: using a single-id mapping; ` +
          'images with files owned by other users will fail to load. Add a range, e.g. "usermod --add-subuids 100000-165535 --add-subgids 100000-165535 ' +
          `${userInfo().username}"`,
      );
    } else {
      tools = findIdMapTools();
      args.push('--uidmap', idMapArgument(m.uidMap), '--gidmap', idMapArgument(m.gidMap));
    }
    try {
      // The helper writes pause.pid itself and holds the lock until then, even if we die.
      return await spawnPause(args, lock.descriptor);
    } catch (err) {
      if (err instanceof TpodError && /newuidmap|newgidmap/.test(err.message)) {
        throw new TpodError(err.code, err.message + idMapToolHint(tools), { cause: err });
      }
      throw err;
    }
  } finally {
    lock.release();
  }
}

function spawnPause(args: string[], lockFd: number | undefined): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(helperPath('tpod-helper'), args, { stdio: ['ignore', 'pipe', 'pipe', ...(lockFd !== undefined ? [lockFd] : [])] });
    let out = '';
    let err = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', (e) => reject(new TpodError('EHELPER', `cannot start tpod-helper: ${e.message}`, { cause: e })));
    child.on('close', (code) => {
      const pid = Number(out.trim());
      if (code === 0 && Number.isInteger(pid) && pid > 0) return resolve(pid);
      const detail = err.trim().replace(/^tpod-helper: /gm, '') || `exit code ${code}`;
      reject(new TpodError('EROOTLESS', `cannot create the user namespace: ${detail}`));
    });
  });
}
