// The container's /etc/hosts and /etc/resolv.conf, as pure functions of what the
// network gives it. Podman's layout: --add-host entries first (they win), localhost,
// the container's own address with its hostname and name, host.containers.internal.
import { isIP } from 'node:net';
import { UsageError } from '../errors.js';

export interface HostsInput {
  hostname: string;
  name: string;
  /** The container's address; 127.0.1.1 when it has none of its own (none). */
  ownIP?: string;
  /** Where host.containers.internal points (the host as the container reaches it). */
  hostAddress?: string;
  /** --add-host entries, in order. */
  extraHosts?: Array<[string, string]>;
  /** --network host: the host's own /etc/hosts is the base. */
  hostHosts?: string;
}

export const HOST_ALIAS = 'host.containers.internal';

export function buildHosts(i: HostsInput): string {
  const own = [...new Set([i.hostname, i.name])].join(' ');
  let out = (i.extraHosts ?? []).map(([name, ip]) => `${ip}\t${name}\n`).join('');
  if (i.hostHosts !== undefined) {
    out += i.hostHosts.endsWith('\n') || i.hostHosts === '' ? i.hostHosts : i.hostHosts + '\n';
  } else {
    out += '127.0.0.1\tlocalhost localhost.localdomain localhost4 localhost4.localdomain4\n';
    out += '::1\tlocalhost localhost.localdomain localhost6 localhost6.localdomain6\n';
  }
  out += `${i.ownIP ?? '127.0.1.1'}\t${own}\n`;
  if (i.hostAddress !== undefined) out += `${i.hostAddress}\t${HOST_ALIAS}\n`;
  return out;
}

/** `--add-host NAME:IP` (also NAME=IP); IP may be "host-gateway" (the host's address). */
export function parseAddHost(raw: string): [string, string] {
  const sep = /[:=]/.exec(raw);
  if (!sep) throw new UsageError(`invalid --add-host "${raw}": expected HOST:IP`);
  const name = raw.slice(0, sep.index);
  const ip = raw.slice(sep.index + 1).replace(/^\[(.*)\]$/, '$1');
  if (!/^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/.test(name)) throw new UsageError(`invalid --add-host "${raw}": "${name}" is not a valid host name`);
  if (ip !== 'host-gateway' && isIP(ip) === 0) throw new UsageError(`invalid --add-host "${raw}": "${ip}" is not an IP address (or host-gateway)`);
  return [name, ip];
}

export interface ResolvInput {
  /** The host's /etc/resolv.conf. */
  hostText: string;
  /** systemd-resolved's upstream list, when the host file names only its stub. */
  upstreamText?: string;
  /** The host's network: its file as it is (unless flags change it). */
  hostNetwork: boolean;
  /** A resolver of the network helper, listed first (slirp4netns' 10.0.2.3). */
  helperDns?: string;
  /** Used only when the host has no resolver the container can reach (pasta's forwarder). */
  fallbackDns?: string;
  dns?: string[];
  search?: string[];
  options?: string[];
}

function isLoopback(ip: string): boolean {
  return ip.startsWith('127.') || ip === '::1';
}

function parseResolv(text: string): { servers: string[]; search: string[]; options: string[] } {
  const servers: string[] = [];
  let search: string[] = [];
  const options: string[] = [];
  for (const raw of text.split('\n')) {
    const f = raw.trim().split(/\s+/);
    if (f[0] === 'nameserver' && f[1]) servers.push(f[1]);
    else if ((f[0] === 'search' || f[0] === 'domain') && f.length > 1) search = f.slice(1);
    else if (f[0] === 'options') options.push(...f.slice(1));
  }
  return { servers, search, options };
}

/**
 * resolv.conf for the container. A loopback resolver (systemd-resolved's 127.0.0.53) is
 * unreachable from the container's own namespace: the upstream list replaces it, or
 * the helper's forwarder does.
 */
export function buildResolvConf(i: ResolvInput): string {
  const overridden = i.dns !== undefined || i.search !== undefined || i.options !== undefined;
  if (i.hostNetwork && !overridden) return i.hostText;
  let base = parseResolv(i.hostText);
  if (!i.hostNetwork && base.servers.length > 0 && base.servers.every(isLoopback) && i.upstreamText !== undefined) {
    const up = parseResolv(i.upstreamText);
    base = { servers: up.servers, search: base.search.length > 0 ? base.search : up.search, options: base.options };
  }
  let servers: string[];
  if (i.dns !== undefined) servers = i.dns;
  else if (i.hostNetwork) servers = base.servers;
  else {
    const reachable = base.servers.filter((s) => !isLoopback(s));
    servers = [...(i.helperDns ? [i.helperDns] : []), ...reachable];
    if (servers.length === 0 && i.fallbackDns) servers = [i.fallbackDns];
    if (servers.length === 0) servers = base.servers;
  }
  const search = i.search !== undefined ? (i.search.length === 1 && i.search[0] === '.' ? [] : i.search) : base.search;
  const options = i.options ?? base.options;
  let out = '';
  if (search.length > 0) out += `search ${search.join(' ')}\n`;
  for (const s of [...new Set(servers)]) out += `nameserver ${s}\n`;
  if (options.length > 0) out += `options ${options.join(' ')}\n`;
  return out;
}

/** --dns values: IP addresses, or "none" alone (no resolv.conf is generated). */
export function checkDnsServers(list: string[]): void {
  if (list.length === 1 && list[0] === 'none') return;
  for (const s of list) {
    if (isIP(s) === 0) throw new UsageError(`invalid --dns "${s}": not an IP address`);
  }
}

// ---- names of containers that share another's network (pod members) ----------------
// Podman lists every container of a shared network namespace in its one /etc/hosts,
// at the address of the namespace's owner (the pod's infra), so members find each
// other by name. The file is bind-mounted into running containers: it is rewritten
// in place (same inode), never replaced.

function hostsFields(line: string): string[] {
  return line.replace(/#.*/, '').trim().split(/\s+/).filter((f) => f !== '');
}

/** The address the first line naming OWNER gives it. */
export function hostsAddressOf(text: string, owner: string): string | undefined {
  for (const line of text.split('\n')) {
    const [ip, ...names] = hostsFields(line);
    if (ip !== undefined && names.includes(owner)) return ip;
  }
  return undefined;
}

/** TEXT with `IP<TAB>NAME` added, unless a line names NAME already. */
export function withHostsName(text: string, ip: string, name: string): string {
  if (text.split('\n').some((line) => hostsFields(line).slice(1).includes(name))) return text;
  return `${text}${text === '' || text.endsWith('\n') ? '' : '\n'}${ip}\t${name}\n`;
}

/** TEXT without the lines that name NAME alone (what withHostsName added). */
export function withoutHostsName(text: string, name: string): string {
  return text
    .split('\n')
    .filter((line) => {
      const f = hostsFields(line);
      return !(f.length === 2 && f[1] === name);
    })
    .join('\n');
}

// ---- addresses on networks connected or disconnected later (in place, as above) ----

/** TEXT with `IP<TAB>NAMES` after the container's own lines, unless it is there already. */
export function withOwnAddress(text: string, ip: string, names: string[]): string {
  const own = [...new Set(names)];
  const lines = text.split('\n');
  const same = (l: string): boolean => {
    const f = hostsFields(l).slice(1);
    return f.length === own.length && f.every((n, i) => n === own[i]);
  };
  if (lines.some((l) => hostsFields(l)[0] === ip && same(l))) return text;
  let at = -1;
  lines.forEach((l, i) => {
    if (same(l)) at = i;
  });
  const line = `${ip}\t${own.join(' ')}`;
  if (at < 0) return `${text}${text === '' || text.endsWith('\n') ? '' : '\n'}${line}\n`;
  lines.splice(at + 1, 0, line);
  return lines.join('\n');
}

/** TEXT without the container's own line at IP. */
export function withoutOwnAddress(text: string, ip: string, names: string[]): string {
  const own = new Set(names);
  return text
    .split('\n')
    .filter((l) => {
      const [addr, ...f] = hostsFields(l);
      return !(addr === ip && f.length > 0 && f.every((n) => own.has(n)));
    })
    .join('\n');
}

/** resolv.conf TEXT with `nameserver IP` after the others, unless it is there. */
export function withNameserver(text: string, ip: string): string {
  const lines = text.split('\n');
  if (lines.some((l) => /^\s*nameserver\s/.test(l) && l.trim().split(/\s+/)[1] === ip)) return text;
  let at = -1;
  lines.forEach((l, i) => {
    if (/^\s*nameserver\s/.test(l)) at = i;
  });
  if (at < 0) return `${text}${text === '' || text.endsWith('\n') ? '' : '\n'}nameserver ${ip}\n`;
  lines.splice(at + 1, 0, `nameserver ${ip}`);
  return lines.join('\n');
}

/** resolv.conf TEXT without `nameserver IP`. */
export function withoutNameserver(text: string, ip: string): string {
  return text
    .split('\n')
    .filter((l) => !(/^\s*nameserver\s/.test(l) && l.trim().split(/\s+/)[1] === ip))
    .join('\n');
}
