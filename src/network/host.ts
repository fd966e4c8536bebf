// Host facts the network set-up needs: where pasta and slirp4netns are installed, the
// IPv4 default route (pasta copies the host's address and gateway into the container),
// and the host's own address.
import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { delimiter, join } from 'node:path';

export interface DefaultRoute {
  iface: string;
  /** Dotted IPv4 gateway; undefined for a route without one. */
  gateway?: string;
}

/** /proc/net/route holds addresses as little-endian hex. */
function hexToIPv4(hex: string): string {
  const n = parseInt(hex, 16);
  return [0, 8, 16, 24].map((s) => (n >>> s) & 255).join('.');
}

/** The first IPv4 default route of /proc/net/route text, lowest metric first. */
export function parseDefaultRoute(text: string): DefaultRoute | undefined {
  let best: { route: DefaultRoute; metric: number } | undefined;
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 8 || f[1] !== '00000000' || f[7] !== '00000000') continue;
    const flags = parseInt(f[3] ?? '0', 16);
    if (!(flags & 1)) continue; // RTF_UP
    const metric = Number(f[6] ?? 0);
    const route: DefaultRoute = { iface: f[0]! };
    if (flags & 2 && f[2] !== '00000000') route.gateway = hexToIPv4(f[2]!);
    if (!best || metric < best.metric) best = { route, metric };
  }
  return best?.route;
}

export function defaultRoute(): DefaultRoute | undefined {
  try {
    return parseDefaultRoute(readFileSync('/proc/net/route', 'utf8'));
  } catch {
    return undefined;
  }
}

/** The first IPv4 address of IFACE, or of any non-internal interface without one. */
export function hostIPv4(iface?: string): string | undefined {
  const all = networkInterfaces();
  const pick = (list: ReturnType<typeof networkInterfaces>[string]): string | undefined => list?.find((a) => a.family === 'IPv4' && !a.internal)?.address;
  if (iface !== undefined) {
    const a = pick(all[iface]);
    if (a) return a;
  }
  for (const list of Object.values(all)) {
    const a = pick(list);
    if (a) return a;
  }
  return undefined;
}

export function isExecutable(p: string): boolean {
  try {
    accessSync(p, constants.X_OK);
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

/** An executable on PATH (then the usual system dirs), or undefined. */
export function findExecutable(name: string, pathEnv = process.env.PATH ?? ''): string | undefined {
  const dirs = [...pathEnv.split(delimiter), '/usr/local/bin', '/usr/bin', '/bin', '/usr/sbin', '/sbin'];
  for (const d of dirs) {
    if (d && isExecutable(join(d, name))) return join(d, name);
  }
  return undefined;
}
