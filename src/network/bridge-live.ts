// Changing the wiring of a running container on user networks: `network connect` adds a
// veth into its namespace, `network disconnect` takes one away, `network reload` puts
// back whatever of its wiring is missing (bridges, forwarding rules, interfaces, port
// forwards). Each runs under the rootless namespace's lock, after the container's
// record already says what it is on, so the name server's files follow the record.
import type { Context } from '../engine/context.js';
import { TpodError } from '../errors.js';
import type { ContainerRecord } from '../storage/containers.js';
import { withLock } from '../storage/lock.js';
import { publishPorts, unpublishPorts } from './bridge-ports.js';
import {
  SBIN,
  attachedNetworks,
  bridgeRules,
  bridgeScript,
  iptablesIn,
  lockPath,
  q,
  rootlessNetnsAlive,
  rootlessNetnsPath,
  rootlessNetnsScript,
  vethScript,
  writeDnsRecords,
} from './bridge.js';
import type { NetworkAttachment, NetworkRecord } from './networks.js';
import { helperFiles } from './setup.js';
import { parseCidr } from './subnet.js';

type Live = Pick<ContainerRecord, 'id' | 'name' | 'netns' | 'networks' | 'ports'>;

/** Inside the container: A's address up, and the default route when it has none yet. */
export function interfaceScript(net: NetworkRecord, a: NetworkAttachment): string {
  const spec = net.subnets[0]!;
  const prefix = parseCidr(spec.subnet)!.prefix;
  const lines = ['set -e', SBIN, `ip addr add ${q(`${a.ip}/${prefix}`)} brd + dev ${q(a.interface)}`, `ip link set ${q(a.interface)} up`];
  if (!net.internal && spec.gateway) {
    lines.push(`ip route show default | grep -q . || ip route add default via ${q(spec.gateway)} dev ${q(a.interface)}`);
  }
  return lines.join('\n');
}

/** Inside the container: IFACE gone (its veth with it), and a default route through the next network that has one. */
export function removeInterfaceScript(iface: string, rest: Array<[NetworkRecord, NetworkAttachment]>): string {
  const lines = [SBIN, `ip link del ${q(iface)} 2>/dev/null || true`];
  const next = rest.find(([n]) => !n.internal && n.subnets[0]?.gateway);
  if (next) lines.push(`ip route show default | grep -q . || ip route add default via ${q(next[0].subnets[0]!.gateway!)} dev ${q(next[1].interface)}`);
  return lines.join('\n');
}

async function run(ctx: Context, argv: string[], what: string): Promise<void> {
  const { runInNamespaceChecked } = await import('../rootless/join.js');
  await runInNamespaceChecked(ctx, [], argv, what);
}

function checkAlive(ctx: Context, rec: Live): string {
  const ns = rootlessNetnsPath(ctx);
  if (!rec.netns || !rootlessNetnsAlive(ctx)) throw new TpodError('ENETWORK', `container ${rec.name} has no network set up: its rootless network namespace is gone (restart it)`);
  return ns;
}

/** The published ports follow the address on REC's first network (re-added from scratch). */
async function republish(ctx: Context, ns: string, rec: Live): Promise<void> {
  if (!rec.ports || rec.ports.length === 0) return;
  const sock = helperFiles(ctx, { id: '', netns: ns }).sock;
  await unpublishPorts(ctx, sock, rec.id, iptablesIn(ctx, ns));
  await publishPorts(ctx, sock, rec, iptablesIn(ctx, ns));
}

/** REC (its record already on NET) gets its veth into NET's bridge now. */
export async function connectLive(ctx: Context, rec: Live, net: NetworkRecord): Promise<void> {
  const a = rec.networks?.[net.name];
  if (!a) throw new Error(`connectLive: ${rec.id} is not on ${net.name}`);
  await withLock(lockPath(ctx), async () => {
    const ns = checkAlive(ctx, rec);
    await run(ctx, ['nsenter', `--net=${ns}`, 'sh', '-ec', `${SBIN}\n${vethScript(rec.id, rec.netns!, net, a)}`], `connect container ${rec.name} to network ${net.name}`);
    await run(ctx, ['nsenter', `--net=${rec.netns!}`, 'sh', '-ec', interfaceScript(net, a)], `connect container ${rec.name} to network ${net.name}`);
    writeDnsRecords(ctx);
    // Only a first network changes the address ports go to (Podman reloads then too).
    if (Object.keys(rec.networks ?? {})[0] === net.name) await republish(ctx, ns, rec);
  });
}

/** REC (its record no longer on the network) loses interface IFACE now. */
export async function disconnectLive(ctx: Context, rec: Live, iface: string): Promise<void> {
  await withLock(lockPath(ctx), async () => {
    const ns = checkAlive(ctx, rec);
    const rest = attachedNetworks(ctx, rec).map((n): [NetworkRecord, NetworkAttachment] => [n, rec.networks![n.name]!]);
    await run(ctx, ['nsenter', `--net=${rec.netns!}`, 'sh', '-ec', removeInterfaceScript(iface, rest)], `disconnect container ${rec.name}`);
    writeDnsRecords(ctx);
    if (rest.length > 0) await republish(ctx, ns, rec);
    else await unpublishPorts(ctx, helperFiles(ctx, { id: '', netns: ns }).sock, rec.id, iptablesIn(ctx, ns));
  });
}

/**
 * `network reload`: the namespace's and REC's networks' forwarding rules, bridges and
 * interfaces put back where missing, addresses and MACs unchanged, and its port
 * forwards added anew.
 */
export async function reloadLive(ctx: Context, rec: Live): Promise<void> {
  await withLock(lockPath(ctx), async () => {
    const ns = checkAlive(ctx, rec);
    const nets = attachedNetworks(ctx, rec);
    const rules = [rootlessNetnsScript(true), ...nets.flatMap((n) => [bridgeScript(n), ...bridgeRules(n, true)])];
    await run(ctx, ['nsenter', `--net=${ns}`, 'sh', '-ec', rules.join('\n')], `reload the network of container ${rec.name}`);
    for (const net of nets) {
      const a = rec.networks![net.name]!;
      const check = `${SBIN}\nip link show ${q(a.interface)} >/dev/null 2>&1 && echo present || true`;
      const { runInNamespace } = await import('../rootless/join.js');
      const r = await runInNamespace(ctx, [], ['nsenter', `--net=${rec.netns!}`, 'sh', '-c', check], { capture: true });
      if (r.stdout.includes('present')) continue;
      await run(ctx, ['nsenter', `--net=${ns}`, 'sh', '-ec', `${SBIN}\n${vethScript(rec.id, rec.netns!, net, a)}`], `reload the network of container ${rec.name}`);
      await run(ctx, ['nsenter', `--net=${rec.netns!}`, 'sh', '-ec', interfaceScript(net, a)], `reload the network of container ${rec.name}`);
    }
    writeDnsRecords(ctx);
    await republish(ctx, ns, rec);
  });
}
