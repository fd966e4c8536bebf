// IPv4 arithmetic for user networks: parsing and checking --subnet/--gateway/--ip-range,
// and picking a free 10.89.N.0/24 for a network created without --subnet, as Podman's
// default subnet pool does (10.89.0.0/16 cut into /24s). Pure: what is in use (other
// networks, the host's own routes) is passed in.
import { UsageError } from '../errors.js';

export interface Cidr {
  /** The network address as a 32-bit unsigned number. */
  base: number;
  prefix: number;
}

export function ipToInt(ip: string): number | undefined {
  const parts = ip.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return undefined;
    n = n * 256 + Number(p);
  }
  return n;
}

export function intToIp(n: number): string {
  return [24, 16, 8, 0].map((s) => (n >>> s) & 255).join('.');
}

export function maskOf(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

/** "10.89.0.0/24" → {base, prefix}, or undefined when it is no IPv4 CIDR. */
export function parseCidr(text: string): Cidr | undefined {
  const m = /^([0-9.]+)\/(\d{1,2})$/.exec(text);
  if (!m) return undefined;
  const ip = ipToInt(m[1]!);
  const prefix = Number(m[2]);
  if (ip === undefined || prefix > 32) return undefined;
  return { base: (ip & maskOf(prefix)) >>> 0, prefix };
}

export function cidrText(c: Cidr): string {
  return `${intToIp(c.base)}/${c.prefix}`;
}

export function lastAddress(c: Cidr): number {
  return (c.base | ~maskOf(c.prefix)) >>> 0;
}

export function contains(c: Cidr, ip: number): boolean {
  return ((ip & maskOf(c.prefix)) >>> 0) === c.base;
}

export function overlaps(a: Cidr, b: Cidr): boolean {
  return contains(a, b.base) || contains(b, a.base);
}

export interface SubnetSpec {
  subnet: string;
  gateway?: string;
  lease_range?: { start_ip: string; end_ip: string };
}

/**
 * Checks a user's --subnet (with its --gateway and --ip-range) and fills in the gateway
 * (the first address) as Podman does. USED: subnets of other networks and host routes.
 */
export function checkSubnet(subnet: string, gateway: string | undefined, ipRange: string | undefined, used: Cidr[]): SubnetSpec {
  const c = parseCidr(subnet);
  if (!c) {
    if (subnet.includes(':')) throw new UsageError(`--subnet ${subnet}: IPv6 networks are not supported yet`);
    throw new UsageError(`invalid subnet "${subnet}": expected an IPv4 network such as 10.89.5.0/24`);
  }
  if (c.prefix > 30) throw new UsageError(`subnet ${subnet} is too small: a network needs a prefix of at most /30`);
  if (intToIp(c.base) !== subnet.split('/')[0]) {
    throw new UsageError(`subnet ${subnet} is not a network address: did you mean ${cidrText(c)}?`);
  }
  const clash = used.find((u) => overlaps(u, c));
  if (clash) throw new UsageError(`subnet ${cidrText(c)} is already used on the host or by another config (${cidrText(clash)})`);
  const out: SubnetSpec = { subnet: cidrText(c) };
  if (gateway !== undefined) {
    const g = ipToInt(gateway);
    if (g === undefined) throw new UsageError(`invalid gateway "${gateway}": expected an IPv4 address`);
    if (!contains(c, g) || g === c.base || g === lastAddress(c)) throw new UsageError(`gateway ${gateway} not in subnet ${cidrText(c)}`);
    out.gateway = gateway;
  } else {
    out.gateway = intToIp(c.base + 1);
  }
  if (ipRange !== undefined) out.lease_range = checkRange(c, ipRange);
  return out;
}

/** --ip-range as a CIDR inside the subnet, or START-END. */
function checkRange(c: Cidr, range: string): { start_ip: string; end_ip: string } {
  let start: number | undefined;
  let end: number | undefined;
  const r = parseCidr(range);
  if (r) {
    start = r.base === c.base ? r.base + 1 : r.base;
    end = lastAddress(r) === lastAddress(c) ? lastAddress(r) - 1 : lastAddress(r);
  } else if (range.includes('-')) {
    const [a = '', b = ''] = range.split('-');
    start = ipToInt(a);
    end = ipToInt(b);
  }
  if (start === undefined || end === undefined || start > end) throw new UsageError(`invalid --ip-range "${range}": expected a CIDR such as 10.89.0.128/25, or START-END`);
  if (!contains(c, start) || !contains(c, end)) throw new UsageError(`--ip-range ${range} is not inside subnet ${cidrText(c)}`);
  return { start_ip: intToIp(start), end_ip: intToIp(end) };
}

/** The first 10.89.N.0/24 (N = 0..255) that overlaps nothing in USED. */
export function freeSubnet(used: Cidr[]): Cidr {
  const pool = ipToInt('10.89.0.0')!;
  for (let n = 0; n < 256; n++) {
    const c = { base: pool + n * 256, prefix: 24 };
    if (!used.some((u) => overlaps(u, c))) return c;
  }
  throw new UsageError('could not find a free subnet in 10.89.0.0/16: remove unused networks or give --subnet');
}

/** Addresses a container may get in SPEC: its lease range, else the subnet without network, gateway and broadcast. */
export function allocatable(spec: SubnetSpec): { first: number; last: number; gateway: number | undefined } {
  const c = parseCidr(spec.subnet)!;
  const gateway = spec.gateway !== undefined ? ipToInt(spec.gateway) : undefined;
  if (spec.lease_range) return { first: ipToInt(spec.lease_range.start_ip)!, last: ipToInt(spec.lease_range.end_ip)!, gateway };
  return { first: c.base + 1, last: lastAddress(c) - 1, gateway };
}

/**
 * The first free address of SPEC after AFTER (from the start when AFTER is not in the
 * range), wrapping around, skipping TAKEN and the gateway; undefined when full.
 */
export function nextFreeAddress(spec: SubnetSpec, taken: ReadonlySet<string>, after?: string): string | undefined {
  const a = allocatable(spec);
  const size = a.last - a.first + 1;
  const prev = after !== undefined ? ipToInt(after) : undefined;
  const start = prev !== undefined && prev >= a.first && prev <= a.last ? prev + 1 - a.first : 0;
  for (let k = 0; k < size; k++) {
    const ip = a.first + ((start + k) % size);
    if (ip === a.gateway) continue;
    const text = intToIp(ip);
    if (!taken.has(text)) return text;
  }
  return undefined;
}
