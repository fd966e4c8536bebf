// Where tpod keeps things. Persistent data under the XDG data home, volatile state
// under XDG_RUNTIME_DIR (tmpfs, gone at reboot), config read from the same places as
// Podman. Host facts come in as arguments so tests can inject them.
import { mkdirSync, statSync, lstatSync, chmodSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { homedir, tmpdir } from 'node:os';
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
  // $TMPDIR (pam_tmpdir's per-user one, say) as Podman's os.TempDir(); else /tmp.
  return { env: process.env, uid: process.getuid?.() ?? 0, home: homedir(), tmpdir: tmpdir() };
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

/** Why DIR cannot hold tpod's per-boot state for UID (undefined: it can). Symlinks are not followed. */
export function unsafeDirReason(st: Stats, uid: number): string | undefined {
  if (st.isSymbolicLink()) return 'is a symbolic link';
  if (!st.isDirectory()) return 'is not a directory';
  if (st.uid !== uid) return `belongs to uid ${st.uid}, not to you (uid ${uid})`;
  if ((st.mode & 0o022) !== 0) return `is writable by others (mode ${(st.mode & 0o777).toString(8).padStart(4, '0')})`;
  return undefined;
}

export interface RuntimeDirChoice {
  dir: string;
  fallbackReason?: string;
  /** The fallback cannot be used safely: tpod refuses (see runtimeDirError). */
  fallbackProblem?: string;
}

/**
 * XDG_RUNTIME_DIR when it is set, a directory of the user's and nobody else can write
 * to it; otherwise a private directory under /tmp, as Podman does. That fallback is
 * used only when it belongs to the user and nobody else can write it: another user can
 * create /tmp/tpod-run-UID first (mode 0777, or a symlink) and later swap what tpod
 * keeps there. A missing one is created here, 0700 and exclusively, and checked again.
 */
export function runtimeDir(h: HostEnv, lstat: (p: string) => Stats = lstatSync, mkdir: (p: string) => void = (p) => mkdirSync(p, { mode: 0o700 })): RuntimeDirChoice {
  const xdg = h.env.XDG_RUNTIME_DIR;
  let reason: string;
  if (!xdg) {
    reason = 'XDG_RUNTIME_DIR is not set';
  } else {
    try {
      const st = statSync(xdg);
      const bad = unsafeDirReason(st, h.uid);
      if (!bad) return { dir: xdg };
      reason = st.uid !== h.uid || !st.isDirectory() ? `XDG_RUNTIME_DIR ${xdg} is not a directory owned by uid ${h.uid}` : `XDG_RUNTIME_DIR ${xdg} ${bad}`;
    } catch {
      reason = `XDG_RUNTIME_DIR ${xdg} does not exist`;
    }
  }
  const dir = join(h.tmpdir, `tpod-run-${h.uid}`);
  const out: RuntimeDirChoice = { dir, fallbackReason: reason };
  let st: Stats | undefined;
  try {
    st = lstat(dir);
  } catch (err) {
    if (!isErrno(err, 'ENOENT')) {
      out.fallbackProblem = `cannot be checked: ${(err as Error).message}`;
      return out;
    }
  }
  if (st === undefined) {
    try {
      mkdir(dir);
    } catch (err) {
      // EEXIST: someone created it between the two calls; it is checked below like any other.
      if (!isErrno(err, 'EEXIST')) {
        out.fallbackProblem = `cannot be created: ${(err as Error).message}`;
        return out;
      }
    }
    try {
      st = lstat(dir);
    } catch (err) {
      out.fallbackProblem = `cannot be checked: ${(err as Error).message}`;
      return out;
    }
  }
  const bad = unsafeDirReason(st, h.uid);
  if (bad) out.fallbackProblem = bad;
  return out;
}

/** The refusal for an unsafe fallback, with the ways out. */
export function runtimeDirError(choice: RuntimeDirChoice, h: HostEnv): TpodError {
  const user = h.env.USER || h.env.LOGNAME || `#${h.uid}`;
  return new TpodError(
    'EROOTLESS',
    `${choice.fallbackReason ?? 'XDG_RUNTIME_DIR cannot be used'}, and the fallback ${choice.dir} ${choice.fallbackProblem ?? 'is unsafe'}: ` +
      `refusing to keep container state where someone else could change it. ` +
      `Fix: export XDG_RUNTIME_DIR=/run/user/${h.uid} (a directory of yours, mode 0700), ` +
      `or have systemd-logind create it for you: sudo loginctl enable-linger ${user}`,
  );
}

/** The API service's default socket ($XDG_RUNTIME_DIR/tpod/tpod.sock; Podman's: .../podman/podman.sock). */
export function serviceSocketPath(h: HostEnv): string {
  return join(runtimeDir(h).dir, 'tpod', 'tpod.sock');
}

export function resolvePaths(opts: PathOptions = {}, h: HostEnv = hostEnv()): Paths {
  const root = opts.root ?? join(dataHome(h), 'tpod');
  let runroot = opts.runroot;
  let fallbackReason: string | undefined;
  if (!runroot) {
    const rt = runtimeDir(h);
    if (rt.fallbackProblem !== undefined) throw runtimeDirError(rt, h);
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
