// Flags the registry commands (pull, login, logout, run --pull) share, parsed once.
import { UsageError } from '../errors.js';
import type { Credentials } from '../image/auth-file.js';

/**
 * `--tls-verify` (true), `--tls-verify=false`, `--tls-verify=true`; undefined when the
 * flag was not given, so registries.conf decides.
 */
export function parseTlsVerify(v: string | boolean | undefined): boolean | undefined {
  if (v === undefined) return undefined;
  if (v === true || v === 'true' || v === '1') return true;
  if (v === false || v === 'false' || v === '0') return false;
  throw new UsageError(`invalid argument "${String(v)}" for "--tls-verify" flag: want true or false`);
}

/** `--creds USER[:PASSWORD]`; the password is asked for when missing (not supported here). */
export function parseCreds(v: string | undefined): Credentials | undefined {
  if (v === undefined) return undefined;
  const colon = v.indexOf(':');
  if (colon <= 0) throw new UsageError('--creds needs USERNAME:PASSWORD');
  return { username: v.slice(0, colon), password: v.slice(colon + 1) };
}
