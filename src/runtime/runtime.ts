// The OCI runtime: find crun or runc, pick one for this host, build their command lines
// and turn their error reports into Podman's exit codes. crun is the default; on a hybrid
// cgroup host where crun refuses to start containers, runc is used with a one-line
// notice. Host facts (/proc, /sys, PATH) come in as arguments for tests; the choice is
// kept in <runroot>/runtime.json so the hot path spawns nothing to make it.
import { readOr } from '../util/read-or.js';
import { accessSync, constants, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { execFile, execFileSync } from 'node:child_process';
import type { Context } from '../engine/context.js';
import { TpodError, EXIT_CANNOT_INVOKE, EXIT_NOT_FOUND, EXIT_ENGINE } from '../errors.js';
import { readCacheJson, writeJsonAtomic } from '../storage/atomic.js';
import { ensurePrivateDir } from '../storage/paths.js';
import { engineConfig } from '../util/containers-conf.js';

export type RuntimeKind = 'crun' | 'runc';

export interface RuntimeInfo {
  /** What the user sees: "crun", "runc", a containers.conf name, or the path asked for. */
  name: string;
  path: string;
  /** Which command-line dialect it speaks. */
  kind: RuntimeKind;
}

// ---- cgroups -------------------------------------------------------------------

export interface HostRoots {
  proc: string;
  sys: string;
}

export const HOST_ROOTS: HostRoots = { proc: '/proc', sys: '/sys' };

export type CgroupLayout =
  | { mode: 'v2' }
  | { mode: 'v1' }
  /** cgroup v1 controllers plus a cgroup2 mount (usually /sys/fs/cgroup/unified). */
  | { mode: 'hybrid'; unifiedPath: string; unifiedControllers: string[] };

interface MountLine {
  mountpoint: string;
  fstype: string;
}

export function parseMountinfo(text: string): MountLine[] {
  const out: MountLine[] = [];
  for (const line of text.split('\n')) {
    const f = line.split(' ');
    const sep = f.indexOf('-');
    if (sep < 0 || f[4] === undefined || f[sep + 1] === undefined) continue;
    // Mount points escape spaces as \040.
    out.push({ mountpoint: f[4].replace(/\\040/g, ' '), fstype: f[sep + 1]! });
  }
  return out;
}


/** Reads how cgroups are mounted; `roots` lets tests point at a crafted /proc and /sys. */
export function detectCgroupLayout(roots: HostRoots = HOST_ROOTS): CgroupLayout {
  const mounts = parseMountinfo(readOr(join(roots.proc, 'self', 'mountinfo'), ''));
  if (mounts.some((m) => m.mountpoint === '/sys/fs/cgroup' && m.fstype === 'cgroup2')) return { mode: 'v2' };
  const v2 = mounts.find((m) => m.fstype === 'cgroup2');
  const v1 = mounts.some((m) => m.fstype === 'cgroup');
  if (v2 && v1) {
    const rel = v2.mountpoint.startsWith('/sys/') ? v2.mountpoint.slice('/sys/'.length) : undefined;
    const file = rel === undefined ? join(v2.mountpoint, 'cgroup.controllers') : join(roots.sys, rel, 'cgroup.controllers');
    const controllers = readOr(file, '').split(/\s+/).filter((c) => c !== '');
    return { mode: 'hybrid', unifiedPath: v2.mountpoint, unifiedControllers: controllers };
  }
  if (v2) return { mode: 'v2' };
  return { mode: 'v1' };
}

export function describeLayout(l: CgroupLayout): string {
  if (l.mode !== 'hybrid') return l.mode;
  return `hybrid (cgroup2 at ${l.unifiedPath}${l.unifiedControllers.length ? ` with controllers: ${l.unifiedControllers.join(' ')}` : ', no controllers'})`;
}

/** crun 1.x refuses hosts where both cgroup versions have controllers. */
export function crunRefuses(l: CgroupLayout): boolean {
  return l.mode === 'hybrid' && l.unifiedControllers.length > 0;
}

function crunRefusalReason(l: CgroupLayout): string {
  if (l.mode !== 'hybrid') return '';
  return (
    `crun cannot run on this host's hybrid cgroup setup (cgroup v2 controllers ${l.unifiedControllers.join(', ')} ` +
    `enabled at ${l.unifiedPath} while cgroup v1 controllers are mounted)`
  );
}

function crunFixHint(l: CgroupLayout): string {
  if (l.mode !== 'hybrid') return '';
  const c = l.unifiedControllers[0] ?? 'CONTROLLER';
  return `move those controllers to cgroup v1 (as root: mkdir -p /sys/fs/cgroup/${c} && mount -t cgroup -o ${c} cgroup /sys/fs/cgroup/${c})`;
}

// ---- finding and choosing ------------------------------------------------------

const EXTRA_DIRS = ['/usr/local/bin', '/usr/local/sbin', '/usr/bin', '/usr/sbin', '/bin', '/sbin'];

function isExecutableFile(p: string): boolean {
  try {
    if (!statSync(p).isFile()) return false;
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export type Finder = (name: string) => string | undefined;

export function pathFinder(pathEnv = process.env.PATH ?? ''): Finder {
  const dirs = [...pathEnv.split(':').filter((d) => d.startsWith('/')), ...EXTRA_DIRS];
  return (name) => {
    for (const d of dirs) {
      const p = join(d, name);
      if (isExecutableFile(p)) return p;
    }
    return undefined;
  };
}

/**
 * crun or runc, by the binary's name, else by what it says it is (a copy under another
 * name, as Podman's tests make): "crun version ..." or "runc version ...".
 */
export function kindOf(pathOrName: string, probe: (path: string) => string = versionLine): RuntimeKind {
  const base = basename(pathOrName);
  if (base.includes('crun')) return 'crun';
  if (base.includes('runc') || !pathOrName.includes('/')) return 'runc';
  return /^crun\b/.test(probe(pathOrName)) ? 'crun' : 'runc';
}

function versionLine(path: string): string {
  try {
    return execFileSync(path, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 }).split('\n')[0] ?? '';
  } catch {
    return '';
  }
}

export interface Choice {
  runtime: RuntimeInfo;
  /** Said once when the default could not be used. */
  notice?: string;
}

/**
 * Picks the runtime: the one asked for (name or path), else crun, else runc. A crun that
 * this host's cgroups would make fail is replaced by runc with a notice, or, when asked
 * for explicitly or when runc is missing, refused with what to do.
 */
export function chooseRuntime(asked: string | undefined, layout: CgroupLayout, find: Finder, runtimes: Record<string, string[]> = {}): Choice {
  if (asked !== undefined && asked !== '') {
    let path: string | undefined;
    const listed = Object.prototype.hasOwnProperty.call(runtimes, asked) ? runtimes[asked]! : undefined;
    if (listed !== undefined) {
      // containers.conf [engine.runtimes] names the paths a runtime may have.
      path = listed.find(isExecutableFile);
      if (!path) throw new TpodError('ERUNTIME', `OCI runtime "${asked}" not found: none of its paths in containers.conf ([engine.runtimes]) is executable: ${listed.join(', ')}`);
    } else if (asked.includes('/')) {
      if (!isExecutableFile(asked)) throw new TpodError('ERUNTIME', `OCI runtime ${asked} not found or not executable: give the path of crun or runc`);
      path = asked;
    } else {
      path = find(asked);
      if (!path) throw new TpodError('ERUNTIME', `OCI runtime "${asked}" not found in $PATH: install it (crun or runc) or give its path with --runtime PATH`);
    }
    const kind = kindOf(path);
    if (kind === 'crun' && crunRefuses(layout)) {
      throw new TpodError('ERUNTIME', `${crunRefusalReason(layout)}: use --runtime runc, or ${crunFixHint(layout)}`);
    }
    // A path stays a path (Podman's inspect shows the runtime as it was asked for).
    return { runtime: { name: asked, path, kind } };
  }
  const crun = find('crun');
  const runc = find('runc');
  if (crun && !crunRefuses(layout)) return { runtime: { name: 'crun', path: crun, kind: 'crun' } };
  if (crun && runc) {
    return { runtime: { name: 'runc', path: runc, kind: 'runc' }, notice: `${crunRefusalReason(layout)}; using runc` };
  }
  if (crun) {
    throw new TpodError('ERUNTIME', `${crunRefusalReason(layout)} and runc is not installed: install runc (apt install runc / dnf install runc), or ${crunFixHint(layout)}`);
  }
  if (runc) return { runtime: { name: 'runc', path: runc, kind: 'runc' } };
  throw new TpodError('ERUNTIME', 'no OCI runtime found: install crun or runc (apt install crun / dnf install crun), or give one with --runtime PATH');
}

/** The runtime asked for: --runtime, else containers.conf's [engine] runtime. */
function configuredRuntime(ctx: Context): string | undefined {
  return ctx.globals.runtime || engineConfig(ctx).runtime;
}

interface CachedChoice {
  runtime: RuntimeInfo;
  notice?: string;
}

/**
 * The runtime for this command. Choices are cached per boot in <runroot>/runtime.json,
 * keyed by what they depend on (the request and the cgroup layout), so a notice is said
 * once and nothing is searched again.
 */
export function selectRuntime(ctx: Context, roots: HostRoots = HOST_ROOTS, find: Finder = pathFinder()): { runtime: RuntimeInfo; layout: CgroupLayout } {
  const layout = detectCgroupLayout(roots);
  const asked = configuredRuntime(ctx);
  const { runtimes } = engineConfig(ctx);
  const key = JSON.stringify([asked ?? '', layout, asked ? runtimes[asked] ?? null : null]);
  const file = join(ctx.paths.runroot, 'runtime.json');
  // A cache someone else could have written is not trusted: its runtime path is executed.
  const cache = readCacheJson<Record<string, CachedChoice>>(file, ctx.uid) ?? {};
  const hit = cache[key];
  if (hit && isExecutableFile(hit.runtime.path)) return { runtime: hit.runtime, layout };
  const choice = chooseRuntime(asked, layout, find, runtimes);
  if (choice.notice) ctx.log.warn(choice.notice);
  try {
    ensurePrivateDir(ctx.paths.runroot, ctx.uid);
    const rec: CachedChoice = { runtime: choice.runtime };
    if (choice.notice) rec.notice = choice.notice;
    writeJsonAtomic(file, { ...cache, [key]: rec });
  } catch {
    /* a cache that cannot be written only costs a search next time */
  }
  return { runtime: choice.runtime, layout };
}

/** `crun --version` / `runc --version`, first line. Spawns: for `tpod info`, not for run. */
export function runtimeVersion(rt: RuntimeInfo): Promise<string> {
  return new Promise((resolve) => {
    execFile(rt.path, ['--version'], { timeout: 5000 }, (err, stdout) => {
      resolve(err ? 'unknown' : (stdout.split('\n')[0] ?? '').trim());
    });
  });
}

/** For `tpod info`: the runtime this host would use, its version, and why (never throws). */
export async function describeRuntime(
  ctx: Context,
  roots: HostRoots = HOST_ROOTS,
): Promise<{ name: string; path: string; version: string; notice?: string } | undefined> {
  const layout = detectCgroupLayout(roots);
  let choice: Choice;
  try {
    choice = chooseRuntime(configuredRuntime(ctx), layout, pathFinder(), engineConfig(ctx).runtimes);
  } catch (err) {
    return { name: '', path: '', version: '', notice: (err as Error).message };
  }
  const out: { name: string; path: string; version: string; notice?: string } = {
    name: choice.runtime.name,
    path: choice.runtime.path,
    version: await runtimeVersion(choice.runtime),
  };
  if (choice.notice) out.notice = choice.notice;
  return out;
}

// ---- command lines -------------------------------------------------------------

export interface RuntimeGlobals {
  /** The runtime's state directory (--root). */
  stateRoot: string;
  /** Where the runtime writes its own messages, as JSON lines. */
  logFile: string;
  /** --runtime-flag values: each becomes --VALUE (Podman's rule). */
  extra?: readonly string[] | undefined;
}

/** The runtime's global flags, in its own dialect. */
export function runtimeGlobalArgs(rt: RuntimeInfo, g: RuntimeGlobals): string[] {
  const extra = (g.extra ?? []).map((f) => (f.startsWith('-') ? f : `--${f}`));
  if (rt.kind === 'crun') {
    // Rootless without delegated cgroups: crun must not try to create any.
    return ['--root', g.stateRoot, `--log=file:${g.logFile}`, '--log-format=json', '--cgroup-manager=disabled', ...extra];
  }
  // runc in a user namespace detects rootless mode and skips cgroups it cannot write.
  return ['--root', g.stateRoot, '--log', g.logFile, '--log-format', 'json', ...extra];
}

/** `RUNTIME <globals> run --bundle B ID`: creates, starts, waits, deletes, in the foreground. */
export function runtimeRunCommand(rt: RuntimeInfo, g: RuntimeGlobals, bundle: string, id: string, o: { preserveFds?: number | undefined; pidFile?: string } = {}): string[] {
  return [
    rt.path, ...runtimeGlobalArgs(rt, g), 'run',
    ...(o.preserveFds ? ['--preserve-fds', String(o.preserveFds)] : []),
    ...(o.pidFile ? ['--pid-file', o.pidFile] : []),
    '--bundle', bundle, id,
  ];
}

// ---- errors --------------------------------------------------------------------

/** The runtime's own error from its JSON log (the last error-level line), if any. */
export function runtimeErrorFromLog(text: string): string | undefined {
  let last: string | undefined;
  for (const line of text.split('\n')) {
    const t = line.trim();
    if (t === '') continue;
    try {
      const rec = JSON.parse(t) as { level?: string; msg?: string };
      if ((rec.level === 'error' || rec.level === 'fatal') && typeof rec.msg === 'string') last = rec.msg;
    } catch {
      last = t; // a runtime that ignores --log-format writes plain text, errors only
    }
  }
  return last;
}

/** What the runtime itself says when the command is a directory (checked first by tpod). */
export function commandNotExecutableText(rt: RuntimeInfo, command: string): string {
  if (rt.kind === 'crun') return 'open executable: Operation not permitted';
  return `runc run failed: unable to start container process: exec: "${command}": permission denied`;
}

/** What the runtime itself says when the command is not in the rootfs (checked first by tpod). */
export function commandNotFoundText(rt: RuntimeInfo, command: string): string {
  if (rt.kind === 'crun') return `executable file \`${command}\` not found in $PATH: No such file or directory`;
  const why = command.includes('/') ? `stat ${command}: no such file or directory` : 'executable file not found in $PATH';
  return `runc run failed: unable to start container process: exec: "${command}": ${why}`;
}

/** Podman's mapping of a runtime error to an exit code and message (libpod getOCIRuntimeError). */
export function mapRuntimeError(rt: RuntimeInfo, msg: string): TpodError {
  const text = `${rt.name}: ${msg}`;
  if (/permission denied|operation not permitted/i.test(msg)) {
    return new TpodError('ECMDNOTEXEC', `${text}: OCI permission denied`, { exitCode: EXIT_CANNOT_INVOKE });
  }
  if (/executable file not found in|no such file or directory/i.test(msg)) {
    return new TpodError('ECMDNOTFOUND', `${text}: OCI runtime attempted to invoke a command that was not found`, { exitCode: EXIT_NOT_FOUND });
  }
  return new TpodError('ERUNTIME', `${text}: OCI runtime error`, { exitCode: EXIT_ENGINE });
}
