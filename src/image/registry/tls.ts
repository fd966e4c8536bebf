// TLS settings per registry host, built when tpod first talks TLS to it (never at
// start-up): the roots Node ships, the system's CA bundle, the extra bundle the user
// named (NODE_EXTRA_CA_CERTS, which tpod's launcher hands on as TPOD_EXTRA_CA_CERTS so
// Node does not parse it on every command), and a certs.d directory for the host as
// Podman reads them: HOST[:PORT]/*.crt are CAs, *.cert + *.key a client certificate.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { TpodError } from '../../errors.js';

export interface TlsSettings {
  ca: string[];
  cert?: string;
  key?: string;
  rejectUnauthorized: boolean;
  /** The certs.d directory used, if any (for messages). */
  certDir?: string;
}

export interface TlsEnv {
  env: NodeJS.ProcessEnv;
  /** $XDG_CONFIG_HOME/containers */
  configHome: string;
  /** Directories holding HOST[:PORT]/ subdirectories, in order; the first match is used. */
  certsDirs?: string[];
  systemBundles?: string[];
  /** --cert-dir: a directory holding *.crt / *.cert / *.key itself, used for every host. */
  certDir?: string;
}

const SYSTEM_BUNDLES = [
  '/etc/ssl/certs/ca-certificates.crt', // Debian, Ubuntu, Arch, Alpine
  '/etc/pki/tls/certs/ca-bundle.crt', // Fedora, RHEL
  '/etc/ssl/ca-bundle.pem', // openSUSE
  '/etc/ssl/cert.pem',
];

function readIf(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

let baseRoots: string[] | undefined;

/** Node's roots + the system bundle + the user's extra bundles; read once per process. */
async function rootCAs(t: TlsEnv): Promise<string[]> {
  if (baseRoots) return baseRoots;
  const { rootCertificates } = await import('node:tls');
  const roots = [...rootCertificates];
  for (const b of t.systemBundles ?? SYSTEM_BUNDLES) {
    const text = readIf(b);
    if (text) {
      roots.push(text);
      break;
    }
  }
  for (const v of ['TPOD_EXTRA_CA_CERTS', 'NODE_EXTRA_CA_CERTS', 'SSL_CERT_FILE']) {
    const p = t.env[v];
    if (!p) continue;
    // As Node does for NODE_EXTRA_CA_CERTS: an unreadable bundle is skipped, not fatal.
    const text = readIf(p);
    if (text !== undefined) roots.push(text);
  }
  baseRoots = roots;
  return roots;
}

/** Forgets cached roots (tests). */
export function resetTlsCache(): void {
  baseRoots = undefined;
}

export function certsDirsFor(t: TlsEnv): string[] {
  return t.certsDirs ?? [join(t.configHome, 'certs.d'), '/etc/containers/certs.d', '/etc/docker/certs.d'];
}

/** The CA files and client certificate of `host` (host[:port]) from its certs.d directory. */
export function readCertDir(dir: string): { ca: string[]; cert?: string; key?: string } | undefined {
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch {
    return undefined;
  }
  const out: { ca: string[]; cert?: string; key?: string } = { ca: [] };
  for (const n of names) {
    if (n.endsWith('.crt')) {
      const text = readIf(join(dir, n));
      if (text === undefined) throw new TpodError('ECONFIG', `cannot read ${join(dir, n)}`);
      out.ca.push(text);
    } else if (n.endsWith('.cert')) {
      const keyName = n.slice(0, -'.cert'.length) + '.key';
      if (!names.includes(keyName)) throw new TpodError('ECONFIG', `${join(dir, n)}: missing key ${keyName} for the client certificate`);
      if (out.cert !== undefined) continue; // the first pair wins
      const cert = readIf(join(dir, n));
      const key = readIf(join(dir, keyName));
      if (cert === undefined || key === undefined) throw new TpodError('ECONFIG', `cannot read the client certificate ${join(dir, n)}`);
      out.cert = cert;
      out.key = key;
    } else if (n.endsWith('.key')) {
      const certName = n.slice(0, -'.key'.length) + '.cert';
      if (!names.includes(certName)) throw new TpodError('ECONFIG', `${join(dir, n)}: missing client certificate ${certName}`);
    }
  }
  return out;
}

/** TLS settings for a registry host (`host[:port]`). */
export async function tlsSettingsFor(host: string, verify: boolean, t: TlsEnv): Promise<TlsSettings> {
  // Unverified TLS (insecure registries) needs no roots; loading them costs ~0.2 s.
  const ca = verify ? [...(await rootCAs(t))] : [];
  const s: TlsSettings = { ca, rejectUnauthorized: verify };
  const dirs = t.certDir !== undefined ? [t.certDir] : certsDirsFor(t).map((b) => join(b, host));
  for (const dir of dirs) {
    const found = readCertDir(dir);
    if (!found) continue;
    ca.push(...found.ca);
    if (found.cert !== undefined) s.cert = found.cert;
    if (found.key !== undefined) s.key = found.key;
    s.certDir = dir;
    break;
  }
  return s;
}
