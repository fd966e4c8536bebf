// Building a new network's record from `network create`'s options, as Podman checks
// them. Pure: the networks that exist and the host's own subnets are passed in.
import { randomBytes } from 'node:crypto';
import { networkInterfaces } from 'node:os';
import { TpodError, UsageError } from '../errors.js';
import { DEFAULT_NETWORK, NETWORK_NAME_RE, type NetworkRecord } from './networks.js';
import { checkSubnet, cidrText, freeSubnet, parseCidr, type Cidr, type SubnetSpec } from './subnet.js';

export interface NetworkCreateOptions {
  name?: string | undefined;
  driver?: string | undefined;
  subnets?: string[];
  gateways?: string[];
  ipRanges?: string[];
  internal?: boolean;
  disableDns?: boolean;
  ipv6?: boolean;
  labels?: Record<string, string>;
  options?: Record<string, string>;
  ipamDriver?: string | undefined;
}

/** Bridge options Podman's netavark takes (`--opt`), with their checks. */
const BRIDGE_OPTIONS: Record<string, (v: string) => boolean> = {
  mtu: (v) => /^\d+$/.test(v) && Number(v) >= 68 && Number(v) <= 65535,
  metric: (v) => /^\d+$/.test(v),
  vlan: (v) => /^\d+$/.test(v) && Number(v) <= 4094,
  isolate: (v) => ['true', 'false', 'strict'].includes(v),
};

/** The host's IPv4 subnets: a network overlapping one would hide part of the host's LAN. */
export function hostSubnets(): Cidr[] {
  const out: Cidr[] = [];
  for (const addrs of Object.values(networkInterfaces())) {
    for (const a of addrs ?? []) {
      if (a.family !== 'IPv4' || a.internal || !a.cidr) continue;
      const c = parseCidr(a.cidr);
      if (c) out.push(c);
    }
  }
  return out;
}

/** `podmanN` for the first N from 1 no network uses as name or interface. */
function firstFree(prefix: string, taken: Set<string>): string {
  for (let n = 1; ; n++) if (!taken.has(`${prefix}${n}`)) return `${prefix}${n}`;
}

export function buildNetworkRecord(o: NetworkCreateOptions, existing: NetworkRecord[], host: Cidr[], now = new Date()): NetworkRecord {
  const names = new Set(existing.map((n) => n.name));
  const name = o.name ?? firstFree('podman', names);
  if (!NETWORK_NAME_RE.test(name)) {
    throw new UsageError(`network name ${name} invalid: names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*`);
  }
  if (names.has(name) || name === DEFAULT_NETWORK) {
    throw new TpodError('ENAMEINUSE', `network name ${name} already used: network already exists`);
  }
  const driver = o.driver ?? 'bridge';
  if (driver !== 'bridge') {
    throw new UsageError(`unsupported driver ${driver}: rootless tpod makes bridge networks only (macvlan and ipvlan need root)`);
  }
  if (o.ipv6) throw new UsageError('--ipv6: IPv6 networks are not supported yet');
  const ipam = o.ipamDriver ?? 'host-local';
  if (ipam !== 'host-local') throw new UsageError(`unsupported ipam driver "${ipam}": use host-local`);
  const options: Record<string, string> = {};
  for (const [k, v] of Object.entries(o.options ?? {})) {
    const check = BRIDGE_OPTIONS[k];
    if (!check) throw new UsageError(`unsupported bridge network option ${k} (known: ${Object.keys(BRIDGE_OPTIONS).join(', ')})`);
    if (!check(v)) throw new UsageError(`invalid value for bridge network option ${k}: "${v}"`);
    options[k] = v;
  }
  const subnetsAsked = o.subnets ?? [];
  const gateways = o.gateways ?? [];
  const ranges = o.ipRanges ?? [];
  if (gateways.length > subnetsAsked.length) throw new UsageError('cannot set more gateways than subnets (--gateway needs a --subnet)');
  if (ranges.length > subnetsAsked.length) throw new UsageError('cannot set more ranges than subnets (--ip-range needs a --subnet)');
  const used: Cidr[] = [...host];
  for (const n of existing) for (const s of n.subnets) {
    const c = parseCidr(s.subnet);
    if (c) used.push(c);
  }
  const subnets: SubnetSpec[] = [];
  subnetsAsked.forEach((s, i) => {
    const spec = checkSubnet(s, gateways[i], ranges[i], used);
    used.push(parseCidr(spec.subnet)!);
    subnets.push(spec);
  });
  if (subnets.length === 0) {
    const c = freeSubnet(used);
    subnets.push({ subnet: cidrText(c), gateway: cidrText({ base: c.base + 1, prefix: 32 }).split('/')[0]! });
  }
  const ifaces = new Set(existing.map((n) => n.network_interface));
  const rec: NetworkRecord = {
    name,
    id: randomBytes(32).toString('hex'),
    driver: 'bridge',
    network_interface: firstFree('podman', ifaces),
    created: now.toISOString(),
    subnets,
    ipv6_enabled: false,
    internal: o.internal ?? false,
    dns_enabled: !(o.disableDns ?? false),
    ipam_options: { driver: ipam },
  };
  if (o.labels && Object.keys(o.labels).length > 0) rec.labels = o.labels;
  if (Object.keys(options).length > 0) rec.options = options;
  return rec;
}
