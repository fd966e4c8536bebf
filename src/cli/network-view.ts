// A network record as Go templates see it: Podman's types.Network field names (Name, ID,
// Subnets[].Subnet, ...) over the JSON record, which `--format json` prints unchanged.
import type { NetworkRecord } from '../network/networks.js';
import type { NetworkMember } from '../engine/networks.js';
import { withTemplateFields } from './format.js';

/** The record in Podman's field order (netavark's struct order, not sorted like a map). */
function ordered(n: NetworkRecord, members?: Record<string, NetworkMember>): object {
  const sortMap = (m: Record<string, string>): Record<string, string> => Object.fromEntries(Object.entries(m).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return {
    name: n.name,
    id: n.id,
    driver: n.driver,
    network_interface: n.network_interface,
    created: n.created,
    subnets: n.subnets.map((s) => ({ subnet: s.subnet, ...(s.gateway ? { gateway: s.gateway } : {}), ...(s.lease_range ? { lease_range: { start_ip: s.lease_range.start_ip, end_ip: s.lease_range.end_ip } } : {}) })),
    ipv6_enabled: n.ipv6_enabled,
    internal: n.internal,
    dns_enabled: n.dns_enabled,
    ...(n.labels && Object.keys(n.labels).length > 0 ? { labels: sortMap(n.labels) } : {}),
    ...(n.options && Object.keys(n.options).length > 0 ? { options: sortMap(n.options) } : {}),
    ipam_options: n.ipam_options,
    // inspect: the containers wired to it now, as Podman 5 adds them.
    ...(members ? { containers: members } : {}),
  };
}

/** What `--format json` prints for N. */
export function networkJson(n: NetworkRecord, members?: Record<string, NetworkMember>): object {
  const out = { ...n };
  Object.defineProperty(out, 'toJSON', { value: () => ordered(n, members), enumerable: false });
  return out;
}

export function networkView(n: NetworkRecord, noTrunc: boolean, members?: Record<string, NetworkMember>): object {
  const view = networkJson(n, members);
  return withTemplateFields(view, {
    Name: () => n.name,
    ID: () => (noTrunc ? n.id : n.id.slice(0, 12)),
    Driver: () => n.driver,
    NetworkInterface: () => n.network_interface,
    Created: () => n.created,
    Subnets: () =>
      n.subnets.map((s) => ({
        Subnet: s.subnet,
        Gateway: s.gateway ?? '',
        LeaseRange: s.lease_range ? { StartIP: s.lease_range.start_ip, EndIP: s.lease_range.end_ip } : undefined,
      })),
    IPv6Enabled: () => n.ipv6_enabled,
    Internal: () => n.internal,
    DNSEnabled: () => n.dns_enabled,
    Labels: () => n.labels ?? {},
    Options: () => n.options ?? {},
    IPAMOptions: () => n.ipam_options,
    Containers: () => members ?? {},
  });
}
