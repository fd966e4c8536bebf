// Registry credentials in the files Podman, skopeo and Docker use:
//
//   write: --authfile, $REGISTRY_AUTH_FILE, else $XDG_RUNTIME_DIR/containers/auth.json
//   read:  that file, then $XDG_CONFIG_HOME/containers/auth.json, then
//          $DOCKER_CONFIG/config.json or ~/.docker/config.json, then ~/.dockercfg
//
// Entries are keyed by registry (`quay.io`) or by a repository below it
// (`quay.io/team/app`); the most specific key wins within the first file that has one.
// The value is {"auth": base64("user:password")}, as Docker writes it. Passwords never
// leave this module except towards the registry.
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { TpodError, isErrno } from '../errors.js';
import { writeFileAtomic } from '../storage/atomic.js';

export interface Credentials {
  username: string;
  password: string;
  /** OAuth refresh token (Docker's "identitytoken"), used instead of the password. */
  identityToken?: string;
}

export interface AuthFileLocations {
  /** Where login writes and logout removes. */
  primary: string;
  /** Where credentials are looked up, in order (primary first). */
  read: Array<{ path: string; legacy: boolean }>;
}

export interface AuthEnv {
  env: NodeJS.ProcessEnv;
  home: string;
  uid: number;
}

/** The auth file locations for this user (see the header). */
export function authFileLocations(h: AuthEnv, authfile?: string): AuthFileLocations {
  const env = h.env;
  let primary = authfile || env.REGISTRY_AUTH_FILE;
  if (!primary) {
    const runtime = env.XDG_RUNTIME_DIR;
    primary = runtime ? join(runtime, 'containers', 'auth.json') : join('/run', 'containers', String(h.uid), 'auth.json');
  }
  const configHome = env.XDG_CONFIG_HOME || join(h.home, '.config');
  const read: AuthFileLocations['read'] = [{ path: primary, legacy: false }];
  const xdg = join(configHome, 'containers', 'auth.json');
  if (xdg !== primary) read.push({ path: xdg, legacy: false });
  read.push({ path: env.DOCKER_CONFIG ? join(env.DOCKER_CONFIG, 'config.json') : join(h.home, '.docker', 'config.json'), legacy: false });
  read.push({ path: join(h.home, '.dockercfg'), legacy: true });
  return { primary, read };
}

interface AuthEntry {
  auth?: string;
  username?: string;
  password?: string;
  identitytoken?: string;
}

interface AuthFile {
  auths?: Record<string, AuthEntry>;
  [k: string]: unknown;
}

/** Reads an auth file; absent is empty, unreadable or broken is an error naming it. */
function readAuthFile(path: string, legacy: boolean): AuthFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if (isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR')) return {};
    throw new TpodError('EAUTH', `reading ${path}: ${(err as Error).message}`);
  }
  if (text.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new TpodError('EAUTH', `${path} is not valid JSON: ${(err as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new TpodError('EAUTH', `${path}: not a JSON object`);
  if (legacy) return { auths: parsed as Record<string, AuthEntry> };
  const f = parsed as AuthFile;
  if (f.auths !== undefined && (typeof f.auths !== 'object' || f.auths === null || Array.isArray(f.auths))) {
    throw new TpodError('EAUTH', `${path}: "auths" is not an object`);
  }
  return f;
}

/**
 * A key as written by any of the tools: `https://index.docker.io/v1/` and
 * `index.docker.io` mean `docker.io`; a key with a scheme names only its host.
 */
export function normalizeAuthKey(key: string, legacy = false): string {
  let k = key;
  const stripped = k.replace(/^https?:\/\//, '');
  if (stripped !== k || legacy) k = stripped.split('/')[0] ?? stripped;
  k = k.replace(/\/+$/, '');
  if (k === 'index.docker.io' || k === 'registry-1.docker.io') k = 'docker.io';
  return k;
}

function decode(entry: AuthEntry, key: string, path: string): Credentials | undefined {
  let username = entry.username ?? '';
  let password = entry.password ?? '';
  if (typeof entry.auth === 'string' && entry.auth !== '') {
    const text = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = text.indexOf(':');
    if (colon < 0) throw new TpodError('EAUTH', `${path}: the credentials for ${key} are damaged (no ":" in "auth")`);
    username = text.slice(0, colon);
    password = text.slice(colon + 1);
  }
  const c: Credentials = { username, password };
  if (typeof entry.identitytoken === 'string' && entry.identitytoken !== '') c.identityToken = entry.identitytoken;
  if (c.username === '' && c.password === '' && c.identityToken === undefined) return undefined;
  return c;
}

/** `quay.io/a/b` -> [`quay.io/a/b`, `quay.io/a`, `quay.io`]. */
export function keysFor(repoOrRegistry: string): string[] {
  const parts = repoOrRegistry.split('/');
  const out: string[] = [];
  for (let i = parts.length; i >= 1; i--) out.push(parts.slice(0, i).join('/'));
  return out;
}

export interface FoundCredentials {
  credentials: Credentials;
  key: string;
  path: string;
}

/** The credentials for a registry or repository (`host[/path]`), or undefined. */
export function findCredentials(locs: AuthFileLocations, repoOrRegistry: string): FoundCredentials | undefined {
  const wanted = keysFor(normalizeAuthKey(repoOrRegistry));
  for (const { path, legacy } of locs.read) {
    const f = readAuthFile(path, legacy);
    const byKey = new Map<string, AuthEntry>();
    for (const [k, v] of Object.entries(f.auths ?? {})) {
      if (typeof v === 'object' && v !== null) byKey.set(normalizeAuthKey(k, legacy), v);
    }
    for (const k of wanted) {
      const e = byKey.get(k);
      if (!e) continue;
      const c = decode(e, k, path);
      if (c) return { credentials: c, key: k, path };
    }
  }
  return undefined;
}

function writeAuthFile(path: string, f: AuthFile): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  writeFileAtomic(path, JSON.stringify(f, null, '\t') + '\n', 0o600);
}

/** Stores credentials for `key` in the primary file (other entries and fields are kept). */
export function storeCredentials(locs: AuthFileLocations, key: string, username: string, password: string): void {
  const f = readAuthFile(locs.primary, false);
  const auths = { ...(f.auths ?? {}) };
  // One entry per registry, whatever spelling an older tool used for it.
  for (const k of Object.keys(auths)) if (normalizeAuthKey(k) === key && k !== key) delete auths[k];
  auths[key] = { auth: Buffer.from(`${username}:${password}`, 'utf8').toString('base64') };
  writeAuthFile(locs.primary, { ...f, auths });
}

/** Removes the entry for `key` from the primary file; false when there was none. */
export function removeCredentials(locs: AuthFileLocations, key: string): boolean {
  const f = readAuthFile(locs.primary, false);
  const auths = { ...(f.auths ?? {}) };
  let removed = false;
  for (const k of Object.keys(auths)) {
    if (normalizeAuthKey(k) === key) {
      delete auths[k];
      removed = true;
    }
  }
  if (removed) writeAuthFile(locs.primary, { ...f, auths });
  return removed;
}

/** Empties the primary file's credentials (logout --all). */
export function removeAllCredentials(locs: AuthFileLocations): void {
  const f = readAuthFile(locs.primary, false);
  if (f.auths === undefined && Object.keys(f).length === 0) {
    try {
      readFileSync(locs.primary);
    } catch {
      return; // nothing was ever written
    }
  }
  writeAuthFile(locs.primary, { ...f, auths: {} });
}
