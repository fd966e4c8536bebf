// Where Quadlet files are read from and units written to, for a rootless user, in
// Podman's order (the first file of a name wins):
//   $XDG_RUNTIME_DIR/containers/systemd/            (temporary)
//   $XDG_CONFIG_HOME/containers/systemd/            (the user's own; `quadlet install` writes here)
//   /etc/containers/systemd/users/                  (the admin's, for every user; not numeric subdirs)
//   /etc/containers/systemd/users/$UID/             (the admin's, for this user)
// each with its subdirectories (but not drop-in `*.d` directories). QUADLET_UNIT_DIRS
// (colon-separated absolute paths) replaces the list, as it does for Podman.
import { readdirSync, realpathSync, statSync, existsSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import type { HostEnv } from '../storage/paths.js';

export const ADMIN_DIR = '/etc/containers/systemd';

/** Where systemd user managers look for generators (systemd.generator(7)). */
export const USER_GENERATOR_DIRS = ['/run/systemd/user-generators', '/etc/systemd/user-generators', '/usr/local/lib/systemd/user-generators', '/usr/lib/systemd/user-generators', '/lib/systemd/user-generators'];
export const TPOD_GENERATOR = 'tpod-user-generator';
export const PODMAN_GENERATOR = 'podman-user-generator';

export interface DirOptions {
  host: HostEnv;
  /** Root of /etc for tests. */
  adminDir?: string;
}

export function configHomeOf(host: HostEnv): string {
  return host.env.XDG_CONFIG_HOME || join(host.home, '.config');
}

/** The user's own Quadlet directory, where `tpod quadlet install` puts files. */
export function userQuadletDir(host: HostEnv): string {
  return join(configHomeOf(host), 'containers', 'systemd');
}

/** Where `tpod quadlet install` writes generated units when no generator does it. */
export function userUnitDir(host: HostEnv): string {
  return join(configHomeOf(host), 'systemd', 'user');
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** Adds dir and, recursively, its subdirectories (not `*.d` drop-in dirs), each once. */
function addTree(out: string[], seen: Set<string>, dir: string, filter?: (path: string) => boolean): void {
  let real: string;
  try {
    real = realpathSync(dir);
  } catch {
    return;
  }
  if (seen.has(real) || real.endsWith('.d') || !isDir(real)) return;
  if (filter && !filter(real)) return;
  seen.add(real);
  out.push(real);
  let names: string[];
  try {
    names = readdirSync(real).sort();
  } catch {
    return;
  }
  for (const name of names) addTree(out, seen, join(real, name), filter);
}

/** The directories to read Quadlet files from, first one winning. */
export function quadletSearchDirs(opts: DirOptions): string[] {
  const { host } = opts;
  const out: string[] = [];
  const seen = new Set<string>();
  const fromEnv = host.env.QUADLET_UNIT_DIRS;
  if (fromEnv) {
    for (const d of fromEnv.split(':')) if (d && isAbsolute(d)) addTree(out, seen, d);
    return out;
  }
  if (host.env.XDG_RUNTIME_DIR) addTree(out, seen, join(host.env.XDG_RUNTIME_DIR, 'containers', 'systemd'));
  addTree(out, seen, userQuadletDir(host));
  const users = join(opts.adminDir ?? ADMIN_DIR, 'users');
  let usersReal = users;
  try {
    usersReal = realpathSync(users);
  } catch {
    /* absent */
  }
  // users/ itself and its non-numeric subdirs are for everyone; numeric ones are per uid.
  addTree(out, seen, users, (p) => {
    if (p === usersReal) return true;
    const first = p.slice(usersReal.length + 1).split('/')[0] ?? '';
    return !/^[0-9]+$/.test(first);
  });
  addTree(out, seen, join(users, String(host.uid)));
  return out;
}

/** The first existing generator of that name in systemd's user generator dirs. */
export function findUserGenerator(name: string, dirs: string[] = USER_GENERATOR_DIRS): string | undefined {
  for (const d of dirs) {
    const p = join(d, name);
    if (existsSync(p)) return p;
  }
  return undefined;
}
