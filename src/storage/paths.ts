// Where tpod keeps things. Persistent data under the XDG data home, volatile state
// under XDG_RUNTIME_DIR (tmpfs, gone at reboot), config read from the same places as
// Podman. Host facts come in as arguments so tests can inject them.
import { mkdirSync, statSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { homedir } from 'node:os';
import { TpodError, isErrno } from '../errors.js';

export interface PathOptions {
  root?: string | undefined;
  runroot?: string | undefined;
  volumePath?: string | undefined;
}

export interface HostEnv {
  env: NodeJS.ProcessEnv;
  uid: number;
  home: string;
  tmpdir: string;
}

export function hostEnv(): HostEnv {
  return { env: process.env, uid: process.getuid?.() ?? 0, home: homedir(), tmpdir: '/tmp' };
}

export interface Paths {
  /** Persistent storage root (layers, images, containers, volumes). */
  root: string;
  /** Volatile per-boot state (pause pid, locks, runtime state). */
  runroot: string;
  /** The directory that holds `containers/` config (registries.conf, auth.json). */
  configHome: string;
  layers: string;
  images: string;
  containers: string;
  volumes: string;
  tmp: string;
  /** Set when XDG_RUNTIME_DIR could not be used; the reason is worth one warning. */
  runrootFallbackReason?: string;
}

export function dataHome(h: HostEnv): string {
  return h.env.XDG_DATA_HOME || join(h.home, '.local', 'share');
}

export function configHome(h: HostEnv): string {
  return h.env.XDG_CONFIG_HOME || join(h.home, '.config');
}

/**
 * XDG_RUNTIME_DIR is used only if it is set and owned by the user; otherwise a private
 * directory under /tmp, as Podman does.
 */
export function runtimeDir(h: HostEnv): { dir: string; fallbackReason?: string } {
  const xdg = h.env.XDG_RUNTIME_DIR;
  let reason: string;
  if (!xdg) {
    reason = 'XDG_RUNTIME_DIR is not set';
  } else {
    try {
      const st = statSync(xdg);
      if (st.uid === h.uid && st.isDirectory()) return { dir: xdg };
      reason = `XDG_RUNTIME_DIR ${xdg} is not a directory owned by uid ${h.uid}`;
    } catch {
      reason = `XDG_RUNTIME_DIR ${xdg} does not exist`;
    }
  }
  return { dir: join(h.tmpdir, `tpod-run-${h.uid}`), fallbackReason: reason };
}

export function resolvePaths(opts: PathOptions = {}, h: HostEnv = hostEnv()): Paths {
  const root = opts.root ?? join(dataHome(h), 'tpod');
  let runroot = opts.runroot;
  let fallbackReason: string | undefined;
  if (!runroot) {
    const rt = runtimeDir(h);
    runroot = join(rt.dir, 'tpod');
    fallbackReason = rt.fallbackReason;
  }
  const p: Paths = {
    root,
    runroot,
    configHome: join(configHome(h), 'containers'),
    layers: join(root, 'layers'),
    images: join(root, 'images'),
    containers: join(root, 'containers'),
    volumes: opts.volumePath ?? join(root, 'volumes'),
    tmp: join(root, 'tmp'),
  };
  if (fallbackReason) p.runrootFallbackReason = fallbackReason;
  return p;
}

/**
 * Creates a directory private to the user (0700). A directory that exists but belongs to
 * someone else is refused: under /tmp it could have been planted.
 */
export function ensurePrivateDir(dir: string, uid: number = process.getuid?.() ?? 0): void {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (err) {
    if (!isErrno(err, 'EEXIST')) throw new TpodError('ESTORAGE', `cannot create ${dir}: ${(err as Error).message}`, { cause: err });
  }
  const st = statSync(dir);
  if (st.uid !== uid) {
    throw new TpodError('ESTORAGE', `${dir} is owned by uid ${st.uid}, not by you (uid ${uid}); refusing to use it`);
  }
  if ((st.mode & 0o077) !== 0) chmodSync(dir, 0o700);
}
