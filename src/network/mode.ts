// `--network` values: pasta[:OPTIONS], slirp4netns[:OPTIONS], none, host, private,
// container:NAME|ID, ns:PATH. The default (a user-mode network from pasta or slirp4netns)
// is resolved at create time from containers.conf (src/network/config.ts).
import { isAbsolute } from 'node:path';
import { isIP } from 'node:net';
import { UsageError } from '../errors.js';

export type NetworkModeName = 'default' | 'none' | 'host' | 'pasta' | 'slirp4netns' | 'container' | 'ns' | 'bridge';

export interface NetworkChoice {
  mode: NetworkModeName;
  /** pasta: extra arguments, each one argv item. slirp4netns: KEY=VALUE options. */
  options: string[];
  /** container: the other container's name or id; ns: the namespace path. */
  target?: string;
}

/** Modes that give the container its own namespace with a user-mode helper. */
export function isUserMode(mode: string): mode is 'pasta' | 'slirp4netns' {
  return mode === 'pasta' || mode === 'slirp4netns';
}

/** Options tpod sets itself: a user giving them would break set-up or clean-up. */
const PASTA_RESERVED = ['--netns', '--userns', '-P', '--pid', '-f', '--foreground', '--netns-only', '--no-netns-quit', '-F', '--fd'];

export function parseNetworkFlag(raw: string | undefined): NetworkChoice {
  if (raw === undefined || raw === '' || raw === 'private' || raw === 'default') return { mode: 'default', options: [] };
  if (raw === 'none' || raw === 'host') return { mode: raw, options: [] };
  const colon = raw.indexOf(':');
  const name = colon < 0 ? raw : raw.slice(0, colon);
  const rest = colon < 0 ? '' : raw.slice(colon + 1);
  if (name === 'pasta') {
    const options = rest === '' ? [] : rest.split(',');
    for (const o of options) {
      const flag = o.split('=')[0]!;
      if (PASTA_RESERVED.includes(flag)) throw new UsageError(`--network pasta: option "${flag}" is set by tpod itself and cannot be given`);
    }
    return { mode: 'pasta', options };
  }
  if (name === 'slirp4netns') {
    const options = rest === '' ? [] : rest.split(',');
    parseSlirpOptions(options);
    return { mode: 'slirp4netns', options };
  }
  if (name === 'container') {
    if (rest === '') throw new UsageError('--network container: needs a container name or ID (container:NAME)');
    return { mode: 'container', options: [], target: rest };
  }
  if (name === 'ns') {
    if (!isAbsolute(rest)) throw new UsageError(`--network ns:${rest}: the namespace path must be absolute (ns:/run/netns/NAME)`);
    return { mode: 'ns', options: [], target: rest };
  }
  // bridge: the default network "podman"; anything else names user networks (NAME[,NAME2]).
  if (raw === 'bridge') return { mode: 'bridge', options: [], target: 'podman' };
  if (colon < 0) {
    const names = raw.split(',').map((n) => n.trim());
    if (names.some((n) => n === '')) throw new UsageError(`--network ${raw}: an empty network name`);
    if (new Set(names).size !== names.length) throw new UsageError(`--network ${raw}: a network is named twice`);
    return { mode: 'bridge', options: [], target: names.join(',') };
  }
  throw new UsageError(`unknown network mode "${name}" in --network ${raw}: use pasta, slirp4netns, none, host, container:NAME or ns:PATH`);
}

export interface SlirpOptions {
  allowHostLoopback: boolean;
  /** IPv4 network, default 10.0.2.0/24. */
  cidr?: string;
  enableIPv6: boolean;
  mtu: number;
  outboundAddr?: string;
  outboundAddr6?: string;
}

function bool(key: string, v: string): boolean {
  if (v === 'true') return true;
  if (v === 'false') return false;
  throw new UsageError(`--network slirp4netns: ${key}=${v}: expected true or false`);
}

/** slirp4netns:allow_host_loopback=true,mtu=1500,... as Podman documents them. */
export function parseSlirpOptions(options: string[]): SlirpOptions {
  const o: SlirpOptions = { allowHostLoopback: false, enableIPv6: false, mtu: 65520 };
  for (const item of options) {
    const eq = item.indexOf('=');
    const key = eq < 0 ? item : item.slice(0, eq);
    const v = eq < 0 ? '' : item.slice(eq + 1);
    switch (key) {
      case 'allow_host_loopback':
        o.allowHostLoopback = bool(key, v);
        break;
      case 'enable_ipv6':
        o.enableIPv6 = bool(key, v);
        break;
      case 'mtu': {
        const n = Number(v);
        if (!Number.isInteger(n) || n < 68 || n > 65521) throw new UsageError(`--network slirp4netns: mtu=${v}: expected a number from 68 to 65521`);
        o.mtu = n;
        break;
      }
      case 'cidr': {
        const m = /^(\d+\.\d+\.\d+\.\d+)\/(\d+)$/.exec(v);
        if (!m || isIP(m[1]!) !== 4 || Number(m[2]) > 25 || Number(m[2]) < 1) {
          throw new UsageError(`--network slirp4netns: cidr=${v}: expected an IPv4 network with a prefix of at most 25 bits, e.g. 10.0.2.0/24`);
        }
        o.cidr = v;
        break;
      }
      case 'outbound_addr':
        if (v === '') throw new UsageError('--network slirp4netns: outbound_addr needs an address or interface name');
        o.outboundAddr = v;
        break;
      case 'outbound_addr6':
        if (v === '') throw new UsageError('--network slirp4netns: outbound_addr6 needs an address or interface name');
        o.outboundAddr6 = v;
        break;
      case 'port_handler':
        // tpod forwards ports through slirp4netns itself (client addresses preserved);
        // there is no rootlesskit here.
        if (v !== 'slirp4netns') {
          throw new UsageError(`--network slirp4netns: port_handler=${v} is not available: tpod publishes ports through slirp4netns itself (port_handler=slirp4netns)`);
        }
        break;
      default:
        throw new UsageError(
          `--network slirp4netns: unknown option "${key}" (known: allow_host_loopback, cidr, enable_ipv6, mtu, outbound_addr, outbound_addr6, port_handler)`,
        );
    }
  }
  return o;
}

/** Addresses of a slirp4netns network: the container's, the gateway (host) and DNS. */
export function slirpAddresses(cidr = '10.0.2.0/24'): { ip: string; gateway: string; dns: string; prefix: number } {
  const [net = '10.0.2.0', bits = '24'] = cidr.split('/');
  const base = net.split('.').reduce((n, o) => n * 256 + Number(o), 0);
  const mask = Number(bits) === 0 ? 0 : (0xffffffff << (32 - Number(bits))) >>> 0;
  const start = (base & mask) >>> 0;
  const ip = (n: number): string => [24, 16, 8, 0].map((s) => (n >>> s) & 255).join('.');
  return { ip: ip(start + 100), gateway: ip(start + 2), dns: ip(start + 3), prefix: Number(bits) };
}
