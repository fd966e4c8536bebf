// Networks between Docker's shapes and tpod's: Docker's NetworkResource for a record (as
// Podman's compat API fills it: the default network "podman" listed as "bridge", IPAM
// driver "default", the isolate option hidden), the create and connect bodies, filters.
import { z } from 'zod';
import type { NetworkMember } from '../../engine/networks.js';
import type { ConnectOptions } from '../../engine/network-connect.js';
import type { NetworkCreateOptions } from '../../network/network-create.js';
import { DEFAULT_NETWORK, type NetworkRecord } from '../../network/networks.js';
import { cidrText, intToIp, ipToInt, lastAddress, maskOf, parseCidr, type SubnetSpec } from '../../network/subnet.js';
import { ApiError } from '../errors.js';

/** The name Docker clients know the default network by. */
export const BRIDGE = 'bridge';

/** "bridge" is the default network, as Podman's compat API reads it. */
export function libpodNetworkName(name: string): string {
  return name === BRIDGE ? DEFAULT_NETWORK : name;
}

/** Docker's option names for the bridge options tpod keeps under its own (Podman's) names. */
const DOCKER_OPTION: Record<string, string> = { mtu: 'com.docker.network.driver.mtu' };

/**
 * A lease range back as the CIDR `--ip-range` was given as (compose compares IPRange),
 * or START-END when no CIDR gives it.
 */
export function ipRangeText(spec: SubnetSpec): string | undefined {
  const l = spec.lease_range;
  const c = parseCidr(spec.subnet);
  if (!l || !c) return undefined;
  const start = ipToInt(l.start_ip)!;
  const end = ipToInt(l.end_ip)!;
  for (let p = 32; p >= c.prefix; p--) {
    for (const cand of [start, start - 1]) {
      const r = { base: (cand & maskOf(p)) >>> 0, prefix: p };
      const s = r.base === c.base ? r.base + 1 : r.base;
      const e = lastAddress(r) === lastAddress(c) ? lastAddress(r) - 1 : lastAddress(r);
      if (s === start && e === end) return cidrText(r);
    }
  }
  return `${intToIp(start)}-${intToIp(end)}`;
}

/** Docker's NetworkResource for REC; MEMBERS are its running containers (by id). */
export function dockerNetwork(rec: NetworkRecord, members: Record<string, NetworkMember>, asBridge: boolean): Record<string, unknown> {
  const containers: Record<string, unknown> = {};
  for (const [id, m] of Object.entries(members)) {
    const iface = Object.values(m.interfaces)[0];
    containers[id] = {
      Name: m.name,
      EndpointID: '',
      MacAddress: iface?.mac_address ?? '',
      IPv4Address: iface?.subnets.find((s) => !s.ipnet.includes(':'))?.ipnet ?? '',
      IPv6Address: iface?.subnets.find((s) => s.ipnet.includes(':'))?.ipnet ?? '',
    };
  }
  const options: Record<string, string> = {};
  for (const [k, v] of Object.entries(rec.options ?? {})) {
    // Bridges are always isolated in the compat API; saying so confuses callers (Podman #15580).
    if (k === 'isolate') continue;
    options[DOCKER_OPTION[k] ?? k] = v;
  }
  const ipamDriver = rec.ipam_options.driver === 'host-local' ? 'default' : rec.ipam_options.driver;
  return {
    Name: asBridge && rec.name === DEFAULT_NETWORK ? BRIDGE : rec.name,
    Id: rec.id,
    Created: rec.created,
    Scope: 'local',
    Driver: rec.driver,
    EnableIPv6: rec.ipv6_enabled,
    IPAM: {
      Driver: ipamDriver,
      Options: {},
      Config: rec.subnets.map((s) => {
        const range = ipRangeText(s);
        return { Subnet: s.subnet, ...(s.gateway ? { Gateway: s.gateway } : {}), ...(range ? { IPRange: range } : {}) };
      }),
    },
    Internal: rec.internal,
    Attachable: false,
    Ingress: false,
    ConfigFrom: { Network: '' },
    ConfigOnly: false,
    Containers: containers,
    Options: options,
    Labels: rec.labels ?? {},
  };
}

const ipamConfig = z.object({
  Subnet: z.string().nullish(),
  IPRange: z.string().nullish(),
  Gateway: z.string().nullish(),
  AuxiliaryAddresses: z.record(z.string()).nullish(),
});

/** POST /networks/create (Docker's NetworkCreateRequest). */
export const networkCreateBody = z.object({
  Name: z.string(),
  CheckDuplicate: z.boolean().nullish(),
  Driver: z.string().nullish(),
  Scope: z.string().nullish(),
  Internal: z.boolean().nullish(),
  Attachable: z.boolean().nullish(),
  Ingress: z.boolean().nullish(),
  EnableIPv6: z.boolean().nullish(),
  IPAM: z
    .object({
      Driver: z.string().nullish(),
      Config: z.array(ipamConfig).nullish(),
      Options: z.record(z.string()).nullish(),
    })
    .nullable()
    .optional(),
  Options: z.record(z.string()).nullish(),
  Labels: z.record(z.string()).nullish(),
});
export type NetworkCreateBody = z.infer<typeof networkCreateBody>;

/** tpod's create options for BODY, and Docker's Warning for options it leaves out. */
export function networkCreateOptions(b: NetworkCreateBody): { options: NetworkCreateOptions; warning: string } {
  if (b.Name === '') throw new ApiError(400, 'network name is required');
  if (b.Name === BRIDGE || b.Name === 'host' || b.Name === 'none') throw new ApiError(403, `${b.Name} is a pre-defined network and cannot be created`);
  const options: Record<string, string> = {};
  const warnings: string[] = [];
  for (const [k, v] of Object.entries(b.Options ?? {})) {
    if (k === 'com.docker.network.driver.mtu' || k === 'mtu') options.mtu = v;
    else if (k === 'metric' || k === 'vlan' || k === 'isolate') options[k] = v;
    else warnings.push(`"${k}: ${v}" is not a recognized option`);
  }
  const subnets: string[] = [];
  const gateways: string[] = [];
  const ranges: string[] = [];
  for (const c of b.IPAM?.Config ?? []) {
    if (!c.Subnet) {
      if (c.Gateway || c.IPRange) throw new ApiError(400, 'IPAM config: a Gateway or IPRange needs a Subnet');
      continue;
    }
    subnets.push(c.Subnet);
    // tpod pairs gateways and ranges with subnets by position: none may be skipped before one.
    if (c.Gateway) {
      if (gateways.length !== subnets.length - 1) throw new ApiError(400, 'IPAM config: give a Gateway for every subnet before one that has it');
      gateways.push(c.Gateway);
    }
    if (c.IPRange) {
      if (ranges.length !== subnets.length - 1) throw new ApiError(400, 'IPAM config: give an IPRange for every subnet before one that has it');
      ranges.push(c.IPRange);
    }
  }
  const ipam = b.IPAM?.Driver;
  const o: NetworkCreateOptions = {
    name: b.Name,
    driver: b.Driver || 'bridge',
    subnets,
    gateways,
    ipRanges: ranges,
    internal: b.Internal ?? false,
    ipv6: b.EnableIPv6 ?? false,
    labels: { ...(b.Labels ?? {}) },
    options,
    ipamDriver: !ipam || ipam === 'default' ? 'host-local' : ipam,
  };
  return { options: o, warning: warnings.join('; ') };
}

/** POST /networks/{id}/connect. */
export const networkConnectBody = z.object({
  Container: z.string().min(1),
  EndpointConfig: z
    .object({
      Aliases: z.array(z.string()).nullish(),
      IPAddress: z.string().nullish(),
      MacAddress: z.string().nullish(),
      IPAMConfig: z
        .object({ IPv4Address: z.string().nullish(), IPv6Address: z.string().nullish(), LinkLocalIPs: z.array(z.string()).nullish() })
        .nullable()
        .optional(),
    })
    .passthrough()
    .nullable()
    .optional(),
});
export type NetworkConnectBody = z.infer<typeof networkConnectBody>;

export function connectOptions(b: NetworkConnectBody): ConnectOptions {
  const e = b.EndpointConfig ?? {};
  const o: ConnectOptions = {};
  if (e.Aliases && e.Aliases.length > 0) o.aliases = [...e.Aliases];
  if (e.IPAMConfig?.IPv6Address) throw new ApiError(400, 'IPv6 addresses are not supported yet');
  const ip = e.IPAMConfig?.IPv4Address || e.IPAddress;
  if (ip) {
    if (ipToInt(ip) === undefined) throw new ApiError(400, `invalid IPv4 address "${ip}"`);
    o.ip = ip;
  }
  if (e.MacAddress) {
    if (!/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/i.test(e.MacAddress)) throw new ApiError(400, `invalid MAC address "${e.MacAddress}"`);
    o.mac = e.MacAddress.toLowerCase();
  }
  return o;
}

/** POST /networks/{id}/disconnect. */
export const networkDisconnectBody = z.object({ Container: z.string().min(1), Force: z.boolean().nullish() });

/**
 * Docker's filters to `network ls --filter` strings, plus what tpod's filter does not
 * know: type (custom|builtin) and scope, checked here. Names match as Docker shows them.
 */
export function networkFilters(f: Record<string, string[]>): { engine: string[]; keep: (rec: NetworkRecord) => boolean } {
  const engine: string[] = [];
  const preds: Array<(rec: NetworkRecord) => boolean> = [];
  for (const [k, values] of Object.entries(f)) {
    switch (k) {
      case 'name': {
        const res = values.map((v) => new RegExp(v));
        preds.push((rec) => res.some((r) => r.test(rec.name) || (rec.name === DEFAULT_NETWORK && r.test(BRIDGE))));
        break;
      }
      case 'id':
      case 'driver':
      case 'label':
      case 'label!':
        for (const v of values) engine.push(`${k}=${v}`);
        break;
      case 'dangling':
        for (const v of values) {
          const b = /^(1|true)$/i.test(v) ? 'true' : /^(0|false)$/i.test(v) ? 'false' : undefined;
          if (b === undefined) throw new ApiError(400, `invalid filter 'dangling=${v}'`);
          engine.push(`dangling=${b}`);
        }
        break;
      case 'type':
        for (const v of values) if (v !== 'custom' && v !== 'builtin') throw new ApiError(400, `invalid filter: 'type'='${v}'`);
        preds.push((rec) => values.includes(rec.name === DEFAULT_NETWORK ? 'builtin' : 'custom'));
        break;
      case 'scope':
        preds.push(() => values.includes('local'));
        break;
      default:
        throw new ApiError(400, `invalid filter '${k}'`);
    }
  }
  return { engine, keep: (rec) => preds.every((p) => p(rec)) };
}
