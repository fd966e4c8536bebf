// A container on user networks: its address, MAC and aliases on each, picked at create
// time inside create's lock (the container records are the allocation table, so two
// creates never get the same address and a removed container frees its own).
import { randomBytes } from 'node:crypto';
import { TpodError } from '../errors.js';
import type { ContainerRecord } from '../storage/containers.js';
import type { NetworkAttachment, NetworkRecord } from './networks.js';
import { contains, ipToInt, nextFreeAddress, parseCidr, allocatable } from './subnet.js';

export interface AttachRequest {
  staticIp?: string | undefined;
  mac?: string | undefined;
  aliases?: string[] | undefined;
}

/** A random locally administered unicast MAC. */
export function randomMac(rand: (n: number) => Buffer = randomBytes): string {
  const b = rand(6);
  b[0] = (b[0]! & 0xfe) | 0x02;
  return [...b].map((x) => x.toString(16).padStart(2, '0')).join(':');
}

/** Addresses taken on NETWORK by the containers in RECORDS. */
export function takenAddresses(records: ContainerRecord[], network: string): Set<string> {
  const out = new Set<string>();
  for (const r of records) {
    const a = r.networks?.[network];
    if (a) out.add(a.ip);
  }
  return out;
}

/** The first ethN none of ATTACHMENTS uses (Podman's getFreeInterfaceName). */
export function freeInterfaceName(attachments: Record<string, NetworkAttachment> | undefined): string {
  const used = new Set(Object.values(attachments ?? {}).map((a) => a.interface));
  for (let i = 0; ; i++) if (!used.has(`eth${i}`)) return `eth${i}`;
}

/**
 * One attachment to NET on interface IFACE. REQ's address and MAC apply; without an
 * address the next free one after LAST_IP (the network's last allocation, so a freed
 * address is not handed out again at once, as Podman's IPAM does), wrapping around.
 */
export function allocateAttachment(net: NetworkRecord, records: ContainerRecord[], req: AttachRequest, iface: string, lastIp?: string): NetworkAttachment {
  const spec = net.subnets[0];
  if (!spec) throw new TpodError('ENETWORK', `network ${net.name} has no subnet`);
  const taken = takenAddresses(records, net.name);
  let ip: string | undefined;
  if (req.staticIp !== undefined) {
    const n = ipToInt(req.staticIp)!;
    const a = allocatable({ subnet: spec.subnet, ...(spec.gateway ? { gateway: spec.gateway } : {}) });
    if (!contains(parseCidr(spec.subnet)!, n) || n < a.first || n > a.last) {
      throw new TpodError('ENETWORK', `requested static ip ${req.staticIp} not in any subnet on network ${net.name}`);
    }
    if (n === a.gateway) throw new TpodError('ENETWORK', `requested static ip ${req.staticIp} is the gateway of network ${net.name}`);
    if (taken.has(req.staticIp)) throw new TpodError('ENETWORK', `IPAM error: requested ip address ${req.staticIp} is already allocated to another container on network ${net.name}`);
    ip = req.staticIp;
  } else {
    ip = nextFreeAddress(spec, taken, lastIp);
    if (ip === undefined) throw new TpodError('ENETWORK', `IPAM error: failed to find free IP in range: ${spec.subnet} (network ${net.name})`);
  }
  const a: NetworkAttachment = { ip, mac: req.mac ?? randomMac(), interface: iface, prefixLen: parseCidr(spec.subnet)!.prefix };
  if (spec.gateway) a.gateway = spec.gateway;
  if (req.aliases && req.aliases.length > 0) a.aliases = [...req.aliases];
  return a;
}

/**
 * The attachments of a new container on NETS (in the order given: the first one gets
 * --ip, --mac-address and the default route). REQ's aliases apply to every network.
 */
export function allocateAttachments(nets: NetworkRecord[], records: ContainerRecord[], req: AttachRequest, lastIps: Record<string, string> = {}): Record<string, NetworkAttachment> {
  const out: Record<string, NetworkAttachment> = {};
  nets.forEach((net, i) => {
    const r: AttachRequest = i === 0 ? req : { aliases: req.aliases };
    out[net.name] = allocateAttachment(net, records, r, `eth${i}`, lastIps[net.name]);
  });
  return out;
}
