// User networks at run time. One rootless network namespace per user,
// <runroot>/netns/rootless-netns, holds a Linux bridge per network (podman1, ...) and
// one slirp4netns that gives it the host's connectivity (Podman 5 uses pasta; slirp4netns
// costs 3 MiB to pasta's 30 here, and adds port forwards at run time through its API). A container gets its
// own namespace file as in the other modes, and a veth pair per network: eth0, eth1 ...
// inside, vethXXXXXXXXN on the network's bridge. Routed traffic between bridges is
// dropped (networks are isolated); traffic out is masqueraded unless --internal.
//
// Set-up runs `ip`, `iptables` and `nsenter` as namespace root inside the pause
// process's namespaces (one shell per step). The namespace, its slirp4netns and
// tpod-dns go when the last container on a user network ends.
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { writeFileAtomic } from '../storage/atomic.js';
import { helperPath } from '../util/helpers.js';
import { join } from 'node:path';
import type { Context } from '../engine/context.js';
import { withLock } from '../storage/lock.js';
import { ensurePrivateDir } from '../storage/paths.js';
import { listContainers, type ContainerRecord } from '../storage/containers.js';
import { findNetwork, type NetworkAttachment, type NetworkRecord } from './networks.js';
import { helperBinary, networkConfig } from './plan.js';
import { helperFiles, helperPid, stopNetworkHelper } from './setup.js';
import { publishPorts, unpublishPorts } from './bridge-ports.js';
import { parseCidr } from './subnet.js';

const SEP = '\x1f';
/** ip and iptables live in sbin, which an unprivileged user's PATH often lacks. */
export const SBIN = 'export PATH="$PATH:/usr/sbin:/sbin"';

export function rootlessNetnsPath(ctx: Context): string {
  return join(ctx.paths.runroot, 'netns', 'rootless-netns');
}

export function lockPath(ctx: Context): string {
  return join(ctx.paths.runroot, 'net', 'rootless-netns.lock');
}

/** Quotes S for sh. */
export function q(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The rootless namespace is up: its file exists, its slirp4netns and name server run. */
export function rootlessNetnsAlive(ctx: Context): boolean {
  const ns = rootlessNetnsPath(ctx);
  return existsSync(ns) && helperPid(ctx, { id: '', netns: ns }) !== undefined && dnsPid(ctx) !== undefined;
}

/** iptables ARGS (a rule after -A/-I/-C): added when missing (ENSURE, idempotent) or always. */
function rule(op: '-A' | '-I', args: string, ensure: boolean): string {
  const [table, rest] = args.startsWith('-t ') ? [args.split(' ').slice(0, 2).join(' ') + ' ', args.split(' ').slice(2).join(' ')] : ['', args];
  return ensure ? `iptables ${table}-C ${rest} 2>/dev/null || iptables ${table}${op} ${rest}` : `iptables ${table}${op} ${rest}`;
}

/** Commands that make the namespace forward and isolate (run inside it). */
export function rootlessNetnsScript(ensure = false): string {
  return [
    SBIN,
    'echo 1 > /proc/sys/net/ipv4/ip_forward',
    // Routed traffic between two bridges is dropped; each bridge's own is accepted first.
    rule('-A', 'FORWARD -i podman+ -o podman+ -j DROP', ensure),
  ].join('\n');
}

/** NET's forwarding rules: its own traffic accepted, then out masqueraded or (internal) dropped. */
export function bridgeRules(net: NetworkRecord, ensure: boolean): string[] {
  const br = q(net.network_interface);
  const spec = net.subnets[0]!;
  const lines = [rule('-I', `FORWARD -i ${br} -o ${br} -j ACCEPT`, ensure)];
  if (net.internal) lines.push(rule('-A', `FORWARD -i ${br} -j DROP`, ensure), rule('-A', `FORWARD -o ${br} -j DROP`, ensure));
  else lines.push(rule('-A', `-t nat POSTROUTING -s ${q(spec.subnet)} ! -d ${q(spec.subnet)} -j MASQUERADE`, ensure));
  return lines;
}

/** Commands that make NET's bridge if it is missing (run inside the rootless namespace). */
export function bridgeScript(net: NetworkRecord): string {
  const br = net.network_interface;
  const spec = net.subnets[0]!;
  const prefix = parseCidr(spec.subnet)!.prefix;
  const mtu = net.options?.mtu;
  return [
    `if ! ip link show ${q(br)} >/dev/null 2>&1; then`,
    `  ip link add ${q(br)} ${mtu ? `mtu ${q(mtu)} ` : ''}type bridge`,
    `  ip addr add ${q(`${spec.gateway}/${prefix}`)} dev ${q(br)}`,
    `  ip link set ${q(br)} up`,
    ...bridgeRules(net, false).map((l) => `  ${l}`),
    'fi',
  ].join('\n');
}

/** veth name on the bridge for REC's interface ethN (at most 15 characters). */
export function vethName(id: string, iface: string | number): string {
  return `veth${id.slice(0, 8)}${typeof iface === 'number' ? iface : iface.replace(/^eth/, '')}`;
}

/**
 * The rootless-namespace side of one attachment: NET's bridge, and a veth whose peer
 * goes into the container's namespace NETNS as A's interface.
 */
export function vethScript(id: string, netns: string, net: NetworkRecord, a: NetworkAttachment): string {
  const veth = vethName(id, a.interface);
  return [
    bridgeScript(net),
    `ip link del ${q(veth)} 2>/dev/null || true`,
    `ip link add ${q(veth)} ${net.options?.mtu ? `mtu ${q(net.options.mtu)} ` : ''}type veth peer name ${q(a.interface)} address ${q(a.mac)} netns ${q(netns)}`,
    `ip link set ${q(veth)} master ${q(net.network_interface)} up`,
  ].join('\n');
}

/** The shell script that wires REC's namespace file to the bridges of its networks. */
export function attachScript(rootless: string, rec: Pick<ContainerRecord, 'id' | 'netns' | 'networks'>, nets: NetworkRecord[]): string {
  const lines = ['set -e', SBIN];
  const inside: string[] = ['set -e', SBIN];
  let routed = false;
  for (const net of nets) {
    const a = rec.networks![net.name]!;
    const spec = net.subnets[0]!;
    const prefix = parseCidr(spec.subnet)!.prefix;
    lines.push(`nsenter --net=${q(rootless)} sh -ec ${q(vethScript(rec.id, rec.netns!, net, a))}`);
    inside.push(`ip addr add ${q(`${a.ip}/${prefix}`)} brd + dev ${q(a.interface)}`, `ip link set ${q(a.interface)} up`);
    if (!routed && !net.internal && spec.gateway) {
      inside.push(`ip route add default via ${q(spec.gateway)} dev ${q(a.interface)}`);
      routed = true;
    }
  }
  lines.push(`nsenter --net=${q(rec.netns!)} sh -ec ${q(inside.join('\n'))}`);
  return lines.join('\n');
}

/** The networks REC is on, as records (a network removed meanwhile is an error). */
export function attachedNetworks(ctx: Context, rec: Pick<ContainerRecord, 'networks'>): NetworkRecord[] {
  return Object.keys(rec.networks ?? {}).map((n) => findNetwork(ctx, n));
}

/**
 * Before REC's runtime runs: the rootless namespace up (made now if needed), REC's own
 * namespace file made, and a veth into each of its networks' bridges.
 */
export async function attachBridges(ctx: Context, rec: ContainerRecord): Promise<void> {
  if (rec.network !== 'bridge' || !rec.netns) return;
  const nets = attachedNetworks(ctx, rec);
  ensurePrivateDir(join(ctx.paths.runroot, 'netns'), ctx.uid);
  ensurePrivateDir(join(ctx.paths.runroot, 'net'), ctx.uid);
  const { runInNamespaceChecked } = await import('../rootless/join.js');
  await withLock(lockPath(ctx), async () => {
    const ns = rootlessNetnsPath(ctx);
    if (!rootlessNetnsAlive(ctx)) {
      // Whatever is left of an earlier one goes first; the netns step detaches a stale file.
      stopDns(ctx);
      stopNetworkHelper(ctx, { id: '', netns: ns, network: 'slirp4netns' });
      const files = helperFiles(ctx, { id: '', netns: ns });
      const slirp = [helperBinary('slirp4netns', networkConfig(ctx)), '--configure', '--mtu=65520', '--disable-host-loopback', '--enable-sandbox', '--enable-seccomp', `--api-socket=${files.sock}`, '--netns-type=path', ns, 'tap0'];
      // tpod-dns holds slirp4netns' exit pipe: the two live and go together.
      await runInNamespaceChecked(
        ctx,
        [
          { kind: 'netns', arg: ns },
          { kind: 'slirp4netns', arg: [files.pid, files.log, ...slirp].join(SEP) },
        ],
        dnsCommand(ctx),
        'set up the rootless network namespace',
      );
      await runInNamespaceChecked(ctx, [], ['nsenter', `--net=${ns}`, 'sh', '-ec', rootlessNetnsScript()], 'set up the rootless network namespace');
    }
    await runInNamespaceChecked(ctx, [{ kind: 'netns', arg: rec.netns! }], ['sh', '-ec', attachScript(ns, rec, nets)], `connect container ${rec.name} to its networks`);
    writeDnsRecords(ctx, rec.id);
    if (rec.ports && rec.ports.length > 0) await publishPorts(ctx, helperFiles(ctx, { id: '', netns: ns }).sock, rec, iptablesIn(ctx, ns));
  });
}

/** Runs iptables in the rootless namespace. */
export function iptablesIn(ctx: Context, ns: string): (args: string[]) => Promise<void> {
  return async (args) => {
    const { runInNamespaceChecked } = await import('../rootless/join.js');
    await runInNamespaceChecked(ctx, [], ['nsenter', `--net=${ns}`, 'sh', '-ec', `${SBIN}; exec iptables "$@"`, 'iptables', ...args], 'forward a published port');
  };
}

/** Containers whose namespace file is still bound: users of the rootless namespace. */
function bridgeUsers(ctx: Context, except: string): ContainerRecord[] {
  return listContainers(ctx).filter((c) => c.id !== except && c.network === 'bridge' && c.netns !== undefined && existsSync(c.netns));
}

/**
 * After REC's network was released: when no other container is on a user network, the
 * rootless namespace goes, with its slirp4netns and name server.
 */
export async function releaseBridges(ctx: Context, rec: Pick<ContainerRecord, 'id' | 'network'>): Promise<void> {
  if (rec.network !== 'bridge') return;
  const ns = rootlessNetnsPath(ctx);
  if (!existsSync(ns) && !existsSync(helperFiles(ctx, { id: '', netns: ns }).pid)) return;
  ensurePrivateDir(join(ctx.paths.runroot, 'net'), ctx.uid);
  await withLock(lockPath(ctx), async () => {
    await unpublishPorts(ctx, helperFiles(ctx, { id: '', netns: ns }).sock, rec.id, iptablesIn(ctx, ns));
    if (bridgeUsers(ctx, rec.id).length > 0) {
      writeDnsRecords(ctx, undefined, rec.id);
      return;
    }
    stopDns(ctx);
    if (existsSync(ns)) {
      const { runInNamespace } = await import('../rootless/join.js');
      await runInNamespace(ctx, [{ kind: 'umount', arg: ns }, { kind: 'rmtree', arg: ns }], [], { capture: true }).catch(() => undefined);
    }
    stopNetworkHelper(ctx, { id: '', netns: ns, network: 'slirp4netns' });
    rmSync(join(ctx.paths.runroot, 'net', 'ports'), { recursive: true, force: true });
  });
}


// ---- names: tpod-dns (helpers/dnsd.c) answers from one file per network's gateway ----

function dnsDir(ctx: Context): string {
  return join(ctx.paths.runroot, 'net', 'dns');
}

function dnsPidFile(ctx: Context): string {
  return join(ctx.paths.runroot, 'net', 'rootless-dns.pid');
}

/** Where tpod-dns sends other questions: slirp4netns' resolver (it asks the host's, loopback ones too), then the host's own. */
export function upstreamResolvers(resolvConf: string): string[] {
  const servers = [...resolvConf.matchAll(/^\s*nameserver\s+(\d+\.\d+\.\d+\.\d+)\s*$/gm)].map((m) => m[1]!);
  return ['10.0.2.3', ...servers.filter((s) => !s.startsWith('127.'))].slice(0, 3);
}

/** tpod-dns for the rootless namespace: slirp4netns' resolver first, then the host's. */
function dnsCommand(ctx: Context): string[] {
  let resolv = '';
  try {
    resolv = readFileSync('/etc/resolv.conf', 'utf8');
  } catch {
    /* no resolvers: local names and slirp4netns' only */
  }
  ensurePrivateDir(dnsDir(ctx), ctx.uid);
  const args = [helperPath('tpod-dns'), '--netns', rootlessNetnsPath(ctx), '--dir', dnsDir(ctx), '--pid-file', dnsPidFile(ctx)];
  for (const u of upstreamResolvers(resolv)) args.push('--upstream', u);
  return args;
}

/** The name server's pid, if that process is still ours. */
function dnsPid(ctx: Context): number | undefined {
  try {
    const pid = Number(readFileSync(dnsPidFile(ctx), 'utf8').trim());
    if (!Number.isInteger(pid) || pid <= 0) return undefined;
    if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() !== 'tpod-dns') return undefined;
    return pid;
  } catch {
    return undefined;
  }
}

function stopDns(ctx: Context): void {
  const pid = dnsPid(ctx);
  if (pid !== undefined) {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      /* gone meanwhile */
    }
  }
  rmSync(dnsPidFile(ctx), { force: true });
  rmSync(dnsDir(ctx), { recursive: true, force: true });
}

/** The record file of one network: its subnet, then one line per container (address, names). */
export function dnsRecordText(net: NetworkRecord, members: Array<Pick<ContainerRecord, 'id' | 'name' | 'networks'>>): string {
  let out = `subnet ${net.subnets[0]!.subnet}\n`;
  for (const c of members) {
    const a = c.networks?.[net.name];
    if (!a) continue;
    out += `${[a.ip, c.name, ...(a.aliases ?? []), c.id.slice(0, 12)].join(' ')}\n`;
  }
  return out;
}

/**
 * Rewrites every network's record file from the containers now on it (INCLUDE: one whose
 * namespace was just wired; EXCLUDE: one going away). Caller holds the namespace lock.
 */
export function writeDnsRecords(ctx: Context, include?: string, exclude?: string): void {
  const members = listContainers(ctx).filter(
    (c) => c.id !== exclude && c.network === 'bridge' && c.netns !== undefined && (c.id === include || existsSync(c.netns)),
  );
  const dir = dnsDir(ctx);
  ensurePrivateDir(dir, ctx.uid);
  const wanted = new Set<string>();
  const names = new Set(members.flatMap((c) => Object.keys(c.networks ?? {})));
  for (const name of names) {
    let net: NetworkRecord;
    try {
      net = findNetwork(ctx, name);
    } catch {
      continue;
    }
    const gw = net.subnets[0]?.gateway;
    if (!net.dns_enabled || !gw) continue;
    wanted.add(gw);
    writeFileAtomic(join(dir, gw), dnsRecordText(net, members), 0o644);
  }
  for (const f of readdirSync(dir)) if (!f.startsWith('.') && !wanted.has(f)) rmSync(join(dir, f), { force: true });
}
