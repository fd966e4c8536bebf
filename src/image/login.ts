// `tpod login` / `tpod logout`: check credentials against a registry and keep them in
// the auth file Podman and skopeo use (see auth-file.ts). Nothing here prints or logs a
// password; errors name the registry and the cause.
import type { Context } from '../engine/context.js';
import { TpodError } from '../errors.js';
import { normalizeRegistryKey } from './reference.js';
import { configLocations, isInsecureRegistry, loadRegistriesConfig } from './registries.js';
import {
  authFileLocations, findCredentials, removeAllCredentials, removeCredentials, storeCredentials, type AuthFileLocations, type Credentials,
} from './auth-file.js';
import { RegistryClient, defaultTimeoutMs } from './registry/client.js';
import { closeAgents } from './registry/http.js';

export interface RegistryAccess {
  tlsVerify?: boolean;
  authfile?: string;
  certDir?: string;
}

export function authLocationsFor(ctx: Context, authfile?: string): AuthFileLocations {
  return authFileLocations({ env: ctx.host.env, home: ctx.host.home, uid: ctx.uid }, authfile);
}

/** The registry a login without an argument is for: the first unqualified-search registry. */
export function defaultLoginRegistry(ctx: Context): string {
  const cfg = loadRegistriesConfig(configLocations(ctx.host.env, ctx.paths.configHome));
  const first = cfg.unqualifiedSearch[0];
  if (!first) throw new TpodError('EUSAGE', `please provide a registry to log in to (no unqualified-search registries in ${cfg.mainFile})`);
  return first;
}

/** "quay.io/team/app" -> { key: that, host: "quay.io" }. */
export function loginTarget(arg: string): { key: string; host: string } {
  const key = normalizeRegistryKey(arg);
  return { key, host: key.split('/')[0]! };
}

/** Whether `creds` are accepted by the registry of `host`. Network trouble is an error. */
export async function checkCredentials(ctx: Context, host: string, creds: Credentials | undefined, access: RegistryAccess): Promise<boolean> {
  const cfg = loadRegistriesConfig(configLocations(ctx.host.env, ctx.paths.configHome));
  const insecure = access.tlsVerify === false || (access.tlsVerify === undefined && isInsecureRegistry(cfg, host));
  const client = new RegistryClient({
    host,
    insecure,
    credentials: () => creds,
    tlsEnv: { env: ctx.host.env, configHome: ctx.paths.configHome, ...(access.certDir !== undefined ? { certDir: access.certDir } : {}) },
    timeoutMs: defaultTimeoutMs(ctx.host.env),
    onRetry: (m) => ctx.log.warn(m),
  });
  try {
    return await client.checkLogin();
  } catch (err) {
    if (err instanceof TpodError && err.code === 'EAUTH' && /invalid username\/password|refused/.test(err.message)) return false;
    const msg = err instanceof TpodError ? err.message : (err as Error).message;
    throw new TpodError(err instanceof TpodError ? err.code : 'EREGISTRY', `logging into "${host}": ${msg.replace(/^pinging registry \S+: /, '')}`, { cause: err });
  } finally {
    closeAgents();
  }
}

export function storedCredentials(locs: AuthFileLocations, key: string): Credentials | undefined {
  return findCredentials(locs, key)?.credentials;
}

export function saveLogin(locs: AuthFileLocations, key: string, creds: Credentials): void {
  storeCredentials(locs, key, creds.username, creds.password);
}

/** Removes stored credentials; Podman's messages when there are none. */
export function logout(locs: AuthFileLocations, key: string): void {
  if (removeCredentials(locs, key)) return;
  const elsewhere = findCredentials(locs, key);
  if (elsewhere && elsewhere.key === key) {
    throw new TpodError('EAUTH', `not logged into ${key} with tpod. Existing credentials were established via ${elsewhere.path}; remove them there (e.g. docker logout)`);
  }
  throw new TpodError('EAUTH', `not logged into ${key}`);
}

export function logoutAll(locs: AuthFileLocations): void {
  removeAllCredentials(locs);
}
