// User networks at run time. One rootless network namespace per user,
// <runroot>/netns/rootless-netns, holds a Linux bridge per network (podman1, ...) and
// one pasta that gives it the host's connectivity, as Podman 5 does. A container gets its
// own namespace file as in the other modes, and a veth pair per network: eth0, eth1 ...
// inside, vethXXXXXXXXN on the network's bridge. Routed traffic between bridges is
// dropped (networks are isolated); traffic out is masqueraded unless --internal.
//
// Set-up runs `ip`, `iptables` and `nsenter` as namespace root inside the pause
// process's namespaces (one shell per step). The namespace goes (and pasta with it, as it
// watches the file) when the last container on a user network ends.
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { writeFileAtomic } from '../storage/atomic.js';
import { helperPath } from '../util/helpers.js';
import { join } from 'node:path';
import type { Context } from '../engine/context.js';
import { withLock } from '../storage/lock.js';
import { ensurePrivateDir } from '../storage/paths.js';
import { listContainers, type ContainerRecord } from '../storage/containers.js';
import { findNetwork, type NetworkRecord } from './networks.js';
import { helperBinary, networkConfig } from './plan.js';
import { helperFiles, helperPid, pastaArgs, pastaDnsForward, stopNetworkHelper } from './setup.js';
import { parseCidr } from './subnet.js';

const SEP = '\x1f';

export function rootlessNetnsPath(ctx: Context): string {
  return join(ctx.paths.runroot, 'netns', 'rootless-netns');
}

function lockPath(ctx: Context): string {
  return join(ctx.paths.runroot, 'net', 'rootless-netns.lock');
}

/** Quotes S for sh. */
function q(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The rootless namespace is up: its file exists and its pasta runs. */
export function rootlessNetnsAlive(ctx: Context): boolean {
  const ns = rootlessNetnsPath(ctx);
  return existsSync(ns) && helperPid(ctx, { id: '', netns: ns }) !== undefined;
}

/** Commands that make the namespace forward and isolate (run inside it). */
export function rootlessNetnsScript(): string {
  return [
    'echo 1 > /proc/sys/net/ipv4/ip_forward',
    // Routed traffic between two bridges is dropped; each bridge's own is accepted first.
    'iptables -A FORWARD -i podman+ -o podman+ -j DROP',
  ].join('\n');
}

/** Commands that make NET's bridge if it is missing (run inside the rootless namespace). */
export function bridgeScript(net: NetworkRecord): string {
  const br = net.network_interface;
  const spec = net.subnets[0]!;
  const prefix = parseCidr(spec.subnet)!.prefix;
  const mtu = net.options?.mtu;
  const lines = [
    `if ! ip link show ${q(br)} >/dev/null 2>&1; then`,
    `  ip link add ${q(br)} ${mtu ? `mtu ${q(mtu)} ` : ''}type bridge`,
    `  ip addr add ${q(`${spec.gateway}/${prefix}`)} dev ${q(br)}`,
    `  ip link set ${q(br)} up`,
    `  iptables -I FORWARD -i ${q(br)} -o ${q(br)} -j ACCEPT`,
  ];
  if (net.internal) lines.push(`  iptables -A FORWARD -i ${q(br)} -j DROP`, `  iptables -A FORWARD -o ${q(br)} -j DROP`);
  else lines.push(`  iptables -t nat -A POSTROUTING -s ${q(spec.subnet)} ! -d ${q(spec.subnet)} -j MASQUERADE`);
  lines.push('fi');
  return lines.join('\n');
}

/** veth name on the bridge for REC's INDEX-th network (at most 15 characters). */
export function vethName(id: string, index: number): string {
  return `veth${id.slice(0, 8)}${index}`;
}

/** The shell script that wires REC's namespace file to the bridges of its networks. */
export function attachScript(rootless: string, rec: Pick<ContainerRecord, 'id' | 'netns' | 'networks'>, nets: NetworkRecord[]): string {
  const lines = ['set -e'];
  const inside: string[] = ['set -e'];
  let routed = false;
  nets.forEach((net, i) => {
    const a = rec.networks![net.name]!;
    const spec = net.subnets[0]!;
    const prefix = parseCidr(spec.subnet)!.prefix;
    const veth = vethName(rec.id, i);
    lines.push(
      `nsenter --net=${q(rootless)} sh -ec ${q(
        [
          bridgeScript(net),
          `ip link del ${q(veth)} 2>/dev/null || true`,
          `ip link add ${q(veth)} ${net.options?.mtu ? `mtu ${q(net.options.mtu)} ` : ''}type veth peer name ${q(a.interface)} address ${q(a.mac)} netns ${q(rec.netns!)}`,
          `ip link set ${q(veth)} master ${q(net.network_interface)} up`,
        ].join('\n'),
      )}`,
    );
    inside.push(`ip addr add ${q(`${a.ip}/${prefix}`)} brd + dev ${q(a.interface)}`, `ip link set ${q(a.interface)} up`);
    if (!routed && !net.internal && spec.gateway) {
      inside.push(`ip route add default via ${q(spec.gateway)} dev ${q(a.interface)}`);
      routed = true;
    }
  });
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
      stopNetworkHelper(ctx, { id: '', netns: ns, network: 'pasta' });
      const config = networkConfig(ctx);
      const files = helperFiles(ctx, { id: '', netns: ns });
      const dnsForward = pastaDnsForward();
      const pasta = pastaArgs(helperBinary('pasta', config), ns, files, { ports: [], networkOptions: config.pastaOptions ?? [] }, dnsForward);
      await runInNamespaceChecked(
        ctx,
        [
          { kind: 'netns', arg: ns },
          { kind: 'pasta', arg: pasta.join(SEP) },
        ],
        ['nsenter', `--net=${ns}`, 'sh', '-ec', rootlessNetnsScript()],
        'set up the rootless network namespace',
      );
    }
    if (dnsPid(ctx) === undefined) await startDns(ctx, pastaDnsForward());
    await runInNamespaceChecked(ctx, [{ kind: 'netns', arg: rec.netns! }], ['sh', '-ec', attachScript(ns, rec, nets)], `connect container ${rec.name} to its networks`);
    writeDnsRecords(ctx, rec.id);
  });
}

/** Containers whose namespace file is still bound: users of the rootless namespace. */
function bridgeUsers(ctx: Context, except: string): ContainerRecord[] {
  return listContainers(ctx).filter((c) => c.id !== except && c.network === 'bridge' && c.netns !== undefined && existsSync(c.netns));
}

/**
 * After REC's network was released: when no other container is on a user network, the
 * rootless namespace goes, and pasta with it.
 */
export async function releaseBridges(ctx: Context, rec: Pick<ContainerRecord, 'id' | 'network'>): Promise<void> {
  if (rec.network !== 'bridge') return;
  const ns = rootlessNetnsPath(ctx);
  if (!existsSync(ns) && !existsSync(helperFiles(ctx, { id: '', netns: ns }).pid)) return;
  ensurePrivateDir(join(ctx.paths.runroot, 'net'), ctx.uid);
  await withLock(lockPath(ctx), async () => {
    if (bridgeUsers(ctx, rec.id).length > 0) {
      writeDnsRecords(ctx, undefined, rec.id);
      return;
    }
    stopDns(ctx);
    if (existsSync(ns)) {
      const { runInNamespace } = await import('../rootless/join.js');
      await runInNamespace(ctx, [{ kind: 'umount', arg: ns }, { kind: 'rmtree', arg: ns }], [], { capture: true }).catch(() => undefined);
    }
    stopNetworkHelper(ctx, { id: '', netns: ns, network: 'pasta' });
  });
}


// ---- names: tpod-dns (helpers/dnsd.c) answers from one file per network's gateway ----

function dnsDir(ctx: Context): string {
  return join(ctx.paths.runroot, 'net', 'dns');
}

function dnsPidFile(ctx: Context): string {
  return join(ctx.paths.runroot, 'net', 'rootless-dns.pid');
}

/** IPv4 resolvers of the host the rootless namespace reaches: loopback ones through pasta's forwarder. */
export function upstreamResolvers(resolvConf: string, dnsForward: string | undefined): string[] {
  const servers = [...resolvConf.matchAll(/^\s*nameserver\s+(\d+\.\d+\.\d+\.\d+)\s*$/gm)].map((m) => m[1]!);
  const reachable = servers.filter((s) => !s.startsWith('127.'));
  if (reachable.length > 0) return reachable.slice(0, 3);
  return dnsForward ? [dnsForward] : [];
}

async function startDns(ctx: Context, dnsForward: string | undefined): Promise<void> {
  let resolv = '';
  try {
    resolv = readFileSync('/etc/resolv.conf', 'utf8');
  } catch {
    /* no resolvers: local names only */
  }
  ensurePrivateDir(dnsDir(ctx), ctx.uid);
  const { runInNamespaceChecked } = await import('../rootless/join.js');
  const args = [helperPath('tpod-dns'), '--netns', rootlessNetnsPath(ctx), '--dir', dnsDir(ctx), '--pid-file', dnsPidFile(ctx)];
  for (const u of upstreamResolvers(resolv, dnsForward)) args.push('--upstream', u);
  await runInNamespaceChecked(ctx, [], args, 'start the name server of user networks');
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
function writeDnsRecords(ctx: Context, include?: string, exclude?: string): void {
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
