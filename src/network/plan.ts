// What a container's network will be, decided at create time: the mode (the default
// resolved from containers.conf), the published ports with free host ports picked,
// the namespace the OCI spec names, and the /etc/hosts and resolv.conf it gets.
//
// Containers with a namespace of their own (pasta, slirp4netns, none) get it as a file,
// <runroot>/netns/<id>, bound by tpod-helper before the runtime runs: the helper is set
// up on it before the container's process exists, `container:` joins it by path, and
// removing the file is what stops pasta. The pods issue adds the pod's namespace here.
import { join } from 'node:path';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import type { Context } from '../engine/context.js';
import { TpodError, UsageError } from '../errors.js';
import type { RunOptions } from '../runtime/options.js';
import type { ImageConfigBody } from '../image/types.js';
import { findContainer, type ContainerRecord } from '../storage/containers.js';
import { isUserMode, parseSlirpOptions, slirpAddresses } from './mode.js';
import { readNetworkConfig, realSources, type NetworkConfig } from './config.js';
import { assignHostPorts, checkPortsFree, checkPrivilegedPorts, exposedMappings, unprivilegedPortStart, type PortMapping } from './ports.js';
import { buildHosts, buildResolvConf, hostsAddressOf, withHostsName, withoutHostsName } from './etc-files.js';
import { defaultRoute, findExecutable, hostIPv4, isExecutable } from './host.js';
import { netnsName } from './netns-name.js';
import { findNetwork, readLastIps, saveLastIps, type NetworkAttachment, type NetworkRecord } from './networks.js';
import { allocateAttachments } from './bridge-plan.js';
import { listContainers } from '../storage/containers.js';

/** The record's network fields (src/storage/containers.ts). */
export interface NetworkRecordFields {
  /** pasta, slirp4netns, none, host, container:<id>, ns:<path> (inspect's NetworkMode). */
  network: string;
  /** pasta arguments or slirp4netns KEY=VALUE options, config's first. */
  networkOptions?: string[];
  /** The namespace file tpod binds for this container (own-namespace modes). */
  netns?: string;
  ports?: PortMapping[];
  networks?: Record<string, NetworkAttachment>;
}

export interface ResolvedNetwork {
  mode: 'pasta' | 'slirp4netns' | 'none' | 'host' | 'container' | 'ns' | 'bridge';
  /** bridge: the user networks, in the order given. */
  bridges?: NetworkRecord[];
  options: string[];
  /** container: the other container's record; ns: the path. */
  peer?: ContainerRecord;
  nsPath?: string;
  ports: PortMapping[];
  config: NetworkConfig;
  /** The namespace file of the own-namespace modes (pasta, slirp4netns, none). */
  netns?: string;
}

function readOr(path: string, fallback: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return fallback;
  }
}

/**
 * A fresh <runroot>/netns/netns-<pid>-<start time>-<random> (chosen before the
 * container's id exists). The name says which process made it: until a record names
 * it, it is that process's, and once that process is gone it is an orphan
 * (src/engine/orphans.ts). Kept under 40 characters, as helper files are named after it.
 */
export function newNetnsPath(ctx: Context): string {
  const hex = Buffer.from(globalThis.crypto.getRandomValues(new Uint8Array(4))).toString('hex');
  return join(ctx.paths.runroot, 'netns', netnsName(process.pid, selfStartTime(), hex));
}

let startTimeCache: string | undefined;

/** This process's start time (/proc/self/stat field 22), in clock ticks since boot. */
function selfStartTime(): string {
  if (startTimeCache === undefined) {
    const stat = readOr('/proc/self/stat', '');
    startTimeCache = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? '0';
  }
  return startTimeCache;
}

const configCache = new Map<string, NetworkConfig>();

/** containers.conf's network settings, read once per process (create and start both ask). */
export function networkConfig(ctx: Context): NetworkConfig {
  let c = configCache.get(ctx.paths.configHome);
  if (!c) {
    c = readNetworkConfig(realSources(process.env, ctx.paths.configHome));
    configCache.set(ctx.paths.configHome, c);
  }
  return c;
}

/** The installed helper for MODE, or an error that names the package to install. */
export function helperBinary(mode: 'pasta' | 'slirp4netns', config: NetworkConfig, find: (name: string) => string | undefined = findExecutable): string {
  // containers.conf's network_cmd_path names slirp4netns' path (a bare name is looked up).
  const configured = mode === 'slirp4netns' ? config.slirpPath : undefined;
  const found = configured === undefined ? find(mode) : configured.includes('/') ? (isExecutable(configured) ? configured : undefined) : find(configured);
  if (found) return found;
  throw new TpodError(
    'ENETWORK',
    mode === 'pasta'
      ? 'pasta is not installed: install the "passt" package (apt install passt / dnf install passt), or use --network slirp4netns'
      : 'slirp4netns is not installed: install the "slirp4netns" package (apt install slirp4netns / dnf install slirp4netns), or use --network pasta',
  );
}

/** default: containers.conf's default_rootless_network_cmd, else pasta where installed, else slirp4netns. */
export function defaultMode(config: NetworkConfig): 'pasta' | 'slirp4netns' {
  if (config.defaultRootlessNetworkCmd) return config.defaultRootlessNetworkCmd;
  if (findExecutable('pasta')) return 'pasta';
  if (findExecutable('slirp4netns')) return 'slirp4netns';
  throw new TpodError('ENETWORK', 'rootless networking needs pasta or slirp4netns: install the "passt" package (or "slirp4netns"), or use --network none');
}

/**
 * The network for OPTS (async: picking free ports binds sockets). CHECK_PORTS also
 * fails now on host ports something else holds (run: before anything is created).
 */
export async function resolveNetwork(
  ctx: Context,
  opts: RunOptions,
  image: ImageConfigBody | undefined,
  co: { checkPorts: boolean },
): Promise<ResolvedNetwork> {
  const config = networkConfig(ctx);
  const asked = opts.network;
  const mode = asked === 'default' ? defaultMode(config) : asked;
  let ports = [...(opts.publish ?? [])];
  if (opts.publishAll) ports.push(...exposedMappings(image?.ExposedPorts, ports));
  const out: ResolvedNetwork = { mode, options: [], ports: [], config };
  if (isUserMode(mode)) {
    helperBinary(mode, config);
    const fromConfig = mode === 'pasta' ? config.pastaOptions ?? [] : config.slirpOptions ?? [];
    out.options = [...fromConfig, ...(opts.networkOptions ?? [])];
    if (mode === 'slirp4netns') parseSlirpOptions(out.options);
  } else if (ports.length > 0 && mode !== 'bridge') {
    if (mode === 'container') throw new UsageError('conflicting options: published ports cannot be used with --network container: (publish them on the other container)');
    // Podman drops them with a warning for the modes without a network of their own.
    ctx.log.report(`Port mappings have been discarded as one of the Host, Container, Pod, and None network modes are in use`);
    ports = [];
  }
  if (mode === 'container') {
    const peer = findContainer(ctx, opts.networkTarget ?? '');
    out.peer = peer;
  }
  if (mode === 'ns') {
    out.nsPath = opts.networkTarget!;
    // Podman checks the path when the container is made (125), not when it starts.
    try {
      statSync(out.nsPath);
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      const why = e.code === 'ENOENT' ? 'no such file or directory' : e.code === 'EACCES' ? 'permission denied' : e.message;
      throw new TpodError('ENETWORK', `cannot find specified network namespace path: stat ${out.nsPath}: ${why}`);
    }
  }
  if (mode === 'bridge') {
    out.bridges = (opts.networkTarget ?? 'podman').split(',').map((n) => {
      try {
        return findNetwork(ctx, n);
      } catch (err) {
        // run/create: Podman's engine error (125), not network rm's "no such" (1).
        throw new TpodError('ENONETWORK', (err as Error).message);
      }
    });
  }
  if (ports.length > 0) {
    checkPrivilegedPorts(ports, unprivilegedPortStart());
    if (mode === 'slirp4netns' && ports.some((p) => p.hostIP.includes(':'))) {
      throw new TpodError('ENETWORK', 'slirp4netns publishes ports on IPv4 host addresses only: use an IPv4 host IP, or --network pasta');
    }
    if (mode === 'slirp4netns' && !parseSlirpOptions(out.options).allowHostLoopback && ports.some((p) => p.protocol === 'udp' && (p.hostIP === '' || p.hostIP.startsWith('127.')))) {
      // slirp4netns sends replies to such clients to its gateway address, which maps to
      // the host's loopback only when that is allowed.
      ctx.log.warn('slirp4netns drops UDP replies to clients on the host\'s loopback unless host loopback is allowed (--network slirp4netns:allow_host_loopback=true)');
    }
    if (co.checkPorts) await checkPortsFree(ports.filter((p) => p.hostPort !== 0));
    ports = await assignHostPorts(ports);
  }
  out.ports = ports;
  if (isUserMode(mode) || mode === 'none' || mode === 'bridge') out.netns = newNetnsPath(ctx);
  return out;
}

export interface NetworkFiles {
  record: NetworkRecordFields;
  /** The network namespace path for the spec; undefined with hostNetwork or a new one. */
  specNetns?: string;
  hostNetwork: boolean;
  /** Text to write, a file to share (container:), or nothing to mount. */
  hosts: { text: string } | { path: string } | undefined;
  resolvConf: { text: string } | { path: string } | undefined;
}

/** Where the container reaches the host, and its own address, per mode. */
function addresses(n: ResolvedNetwork): { ownIP?: string; hostAddress?: string; helperDns?: string; fallbackDns?: string } {
  if (n.mode === 'slirp4netns') {
    const s = parseSlirpOptions(n.options);
    const a = slirpAddresses(s.cidr);
    // 10.0.2.2 reaches the host's loopback only with allow_host_loopback; else the
    // host's own address does (through slirp's NAT), as Podman sets it up.
    const hostAddress = s.allowHostLoopback ? a.gateway : hostIPv4(defaultRoute()?.iface);
    const out: { ownIP?: string; hostAddress?: string; helperDns?: string } = { ownIP: a.ip, helperDns: a.dns };
    if (hostAddress) out.hostAddress = hostAddress;
    return out;
  }
  if (n.mode === 'pasta' || n.mode === 'bridge') {
    const route = defaultRoute();
    const out: { ownIP?: string; hostAddress?: string; fallbackDns?: string } = {};
    const ip = hostIPv4(route?.iface);
    if (ip) out.ownIP = ip;
    // pasta maps the gateway's address to the host's loopback unless --no-map-gw.
    if (route?.gateway && !n.options.includes('--no-map-gw')) {
      out.hostAddress = route.gateway;
      out.fallbackDns = route.gateway;
    }
    return out;
  }
  return {};
}

/** The record fields, spec namespace and /etc files for container ID (sync: inside create's lock). */
export function networkFiles(
  ctx: Context,
  n: ResolvedNetwork,
  opts: RunOptions,
  c: { id: string; name: string; hostname: string },
): NetworkFiles {
  const record: NetworkRecordFields = { network: n.mode };
  if (n.options.length > 0) record.networkOptions = n.options;
  if (n.ports.length > 0) record.ports = n.ports;
  let specNetns: string | undefined;
  let hostNetwork = n.mode === 'host';
  if (n.netns) {
    record.netns = n.netns;
    specNetns = record.netns;
  } else if (n.mode === 'ns') {
    record.network = `ns:${n.nsPath}`;
    specNetns = n.nsPath;
  } else if (n.mode === 'container') {
    const peer = n.peer!;
    record.network = `container:${peer.id}`;
    const peerNet = peerNetns(ctx, peer);
    if (peerNet === 'host') hostNetwork = true;
    else specNetns = peerNet;
    // It shares the other container's names and resolvers, as with Podman.
    return {
      record,
      ...(specNetns ? { specNetns } : {}),
      hostNetwork,
      hosts: peer.options?.noHosts ? undefined : { path: sharedHostsPath(ctx, peer.id) },
      resolvConf: isNoDns(peer.options?.dns) ? undefined : { path: join(ctx.paths.containers, peer.id, 'userdata', 'resolv.conf') },
    };
  }
  const a = addresses(n);
  let bridgeDns: string | undefined;
  if (n.mode === 'bridge') {
    // Inside create's lock: the records are the allocation table.
    record.network = 'bridge';
    record.networks = allocateAttachments(n.bridges!, listContainers(ctx), { staticIp: opts.staticIp, mac: opts.macAddress, aliases: opts.networkAliases }, readLastIps(ctx));
    saveLastIps(ctx, Object.fromEntries(Object.entries(record.networks).map(([k, v]) => [k, v.ip])));
    const first = Object.values(record.networks)[0];
    if (first) a.ownIP = first.ip;
    delete a.hostAddress;
    // tpod's resolver answers on the gateway of the first network with DNS on.
    bridgeDns = n.bridges!.find((b) => b.dns_enabled)?.subnets[0]?.gateway;
  }
  const noHosts = opts.noHosts ?? n.config.noHosts ?? false;
  const extraHosts = (opts.addHosts ?? []).map(([name, ip]): [string, string] => {
    if (ip !== 'host-gateway') return [name, ip];
    if (!a.hostAddress) throw new TpodError('ENETWORK', `--add-host ${name}:host-gateway: this network mode has no address for the host`);
    return [name, a.hostAddress];
  });
  const hosts = noHosts
    ? undefined
    : {
        text: buildHosts({
          hostname: c.hostname,
          name: c.name,
          ...(a.ownIP ? { ownIP: a.ownIP } : {}),
          ...(a.hostAddress ? { hostAddress: a.hostAddress } : {}),
          extraHosts,
          ...(hostNetwork ? { hostHosts: readOr('/etc/hosts', '') } : {}),
        }),
      };
  const dns = opts.dns ?? n.config.dnsServers ?? (bridgeDns ? [bridgeDns] : undefined);
  const resolvConf = isNoDns(dns)
    ? undefined
    : {
        text: buildResolvConf({
          hostText: readOr('/etc/resolv.conf', ''),
          ...(hostNetwork ? {} : { upstreamText: readOr('/run/systemd/resolve/resolv.conf', '') || undefined }),
          hostNetwork,
          ...(a.helperDns ? { helperDns: a.helperDns } : {}),
          ...(a.fallbackDns ? { fallbackDns: a.fallbackDns } : {}),
          ...(dns !== undefined && dns.length > 0 ? { dns } : {}),
          ...(opts.dnsSearch ?? n.config.dnsSearches ? { search: opts.dnsSearch ?? n.config.dnsSearches! } : bridgeDns ? { search: ['dns.podman'] } : {}),
          ...(opts.dnsOption ?? n.config.dnsOptions ? { options: opts.dnsOption ?? n.config.dnsOptions! } : {}),
        }),
      };
  return { record, ...(specNetns ? { specNetns } : {}), hostNetwork, hosts, resolvConf };
}

function isNoDns(dns: string[] | undefined): boolean {
  return dns !== undefined && dns.length === 1 && dns[0] === 'none';
}

/** The namespace another container's `container:` joins: its file, or the host's. */
export function peerNetns(ctx: Context, peer: ContainerRecord): string | 'host' {
  if (peer.network === 'host') return 'host';
  if (peer.netns) return peer.netns;
  if (peer.network.startsWith('ns:')) return peer.network.slice(3);
  if (peer.network.startsWith('container:')) {
    const next = findContainer(ctx, peer.network.slice('container:'.length));
    if (next.id === peer.id) throw new TpodError('ENETWORK', `container ${peer.id.slice(0, 12)} joins its own network`);
    return peerNetns(ctx, next);
  }
  // A record from a build that let the runtime create the namespace: the live process's.
  if (peer.pid !== undefined) return `/proc/${peer.pid}/ns/net`;
  throw new TpodError('ENETWORK', `container ${peer.name} has no network namespace to join: start it first`);
}


/** The /etc/hosts a `container:` container shares with the container it joined. */
function sharedHostsPath(ctx: Context, peerId: string): string {
  return join(ctx.paths.containers, peerId, 'userdata', 'hosts');
}

/**
 * NAME joins PEER's network (a pod member its infra): its name goes into the hosts file
 * they share, at PEER's address, as Podman does. In place: running containers have the
 * file bind-mounted. Called inside create's lock (the store lock keeps writers apart).
 */
export function shareHostsName(ctx: Context, peer: ContainerRecord, name: string): void {
  const path = sharedHostsPath(ctx, peer.id);
  const text = readOr(path, '');
  const ip = hostsAddressOf(text, peer.name);
  if (ip === undefined) return; // --no-hosts on the peer, or a file the user rewrote
  const next = withHostsName(text, ip, name);
  if (next !== text) writeFileSync(path, next);
}

/** REC goes away: its name leaves the hosts file it shared (the peer may be gone too). */
export function unshareHostsName(ctx: Context, rec: ContainerRecord): void {
  if (!rec.network.startsWith('container:')) return;
  const path = sharedHostsPath(ctx, rec.network.slice('container:'.length));
  const text = readOr(path, '');
  const next = withoutHostsName(text, rec.name);
  if (next !== text) writeFileSync(path, next);
}
