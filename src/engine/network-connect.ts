// `network connect|disconnect|reload`: a container's place on user networks changed
// after create. The record changes under the container's lock (the address is picked
// under the store lock, where create picks them); a running container is rewired at
// once (src/network/bridge-live.ts), a created or stopped one at its next start. Its
// /etc/hosts and resolv.conf follow in place, as Podman edits them.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Context } from './context.js';
import { TpodError } from '../errors.js';
import { containersLockPath, findContainer, listContainers, writeContainer, type ContainerRecord } from '../storage/containers.js';
import { withLock } from '../storage/lock.js';
import { findNetwork, readLastIps, saveLastIps, type NetworkAttachment, type NetworkRecord } from '../network/networks.js';
import { allocateAttachment, freeInterfaceName, type AttachRequest } from '../network/bridge-plan.js';
import { withNameserver, withOwnAddress, withoutNameserver, withoutOwnAddress } from '../network/etc-files.js';
import { withContainer } from './transition.js';
import { recordEvent } from '../storage/events.js';
import type { LiveStatus } from './state.js';

export interface ConnectOptions {
  aliases?: string[];
  ip?: string;
  mac?: string;
}

/** Only containers on bridge networks have networks to change (Podman's isBridgeNetMode). */
function checkBridgeMode(rec: ContainerRecord): void {
  if (rec.network === 'bridge') return;
  const mode = rec.network.split(':')[0]!;
  throw new TpodError('ENETWORKMODE', `"${mode}" is not supported: invalid network mode`);
}

/** The network, with Podman's 125 when it does not exist (network rm's "no such" is 1). */
function networkNamed(ctx: Context, name: string): NetworkRecord {
  try {
    return findNetwork(ctx, name);
  } catch (err) {
    if (err instanceof TpodError && err.code === 'ENONETWORK') throw new TpodError('ENONETWORK', err.message, { cause: err });
    throw err;
  }
}

const live = (s: LiveStatus): boolean => s === 'running' || s === 'paused';

/** The names the container's own /etc/hosts lines carry: its hostname and its name. */
function ownNames(ctx: Context, rec: ContainerRecord): string[] {
  let hostname = rec.id.slice(0, 12);
  try {
    hostname = readFileSync(join(ctx.paths.containers, rec.id, 'userdata', 'hostname'), 'utf8').trim() || hostname;
  } catch {
    /* none written: the default */
  }
  return [hostname, rec.name];
}

/** Rewrites one of the container's generated /etc files in place (it is bind-mounted). */
function editFile(ctx: Context, rec: ContainerRecord, file: 'hosts' | 'resolv.conf', edit: (text: string) => string): void {
  const path = join(ctx.paths.containers, rec.id, 'userdata', file);
  if (!existsSync(path)) return; // --no-hosts, --dns none, or a shared file
  const text = readFileSync(path, 'utf8');
  const next = edit(text);
  if (next !== text) writeFileSync(path, next);
}

/** The nameserver NET gives the container, unless it chose its own (--dns). */
function networkDns(rec: ContainerRecord, net: NetworkRecord): string | undefined {
  if (!net.dns_enabled || (rec.options?.dns?.length ?? 0) > 0) return undefined;
  return net.subnets[0]?.gateway;
}

export async function connectContainer(ctx: Context, network: string, container: string, o: ConnectOptions): Promise<void> {
  const found = findContainer(ctx, container);
  const net = networkNamed(ctx, network);
  await withContainer(ctx, found.id, async (rec, ls) => {
    checkBridgeMode(rec);
    if (rec.networks?.[net.name]) {
      // Docker's rule, kept by Podman: connecting a stopped container again changes nothing.
      if (ls.status === 'exited') return;
      throw new TpodError('ENETWORK', `container ${rec.id} is already connected to network "${net.name}": network is already connected`);
    }
    const req: AttachRequest = { staticIp: o.ip, mac: o.mac, aliases: o.aliases };
    const next = await withLock(containersLockPath(ctx), () => {
      const a = allocateAttachment(net, listContainers(ctx), req, freeInterfaceName(rec.networks), readLastIps(ctx)[net.name]);
      saveLastIps(ctx, { [net.name]: a.ip });
      const updated: ContainerRecord = { ...rec, networks: { ...(rec.networks ?? {}), [net.name]: a } };
      writeContainer(ctx, updated);
      return updated;
    });
    const a = next.networks![net.name]!;
    await recordEvent(ctx, { ID: rec.id, Name: net.name, Status: 'connect', Type: 'network' });
    if (live(ls.status)) {
      try {
        await (await import('../network/bridge-live.js')).connectLive(ctx, next, net);
      } catch (err) {
        writeContainer(ctx, rec);
        throw err;
      }
    }
    editFile(ctx, next, 'hosts', (t) => withOwnAddress(t, a.ip, ownNames(ctx, next)));
    const dns = networkDns(next, net);
    if (dns) editFile(ctx, next, 'resolv.conf', (t) => withNameserver(t, dns));
  });
}

export async function disconnectContainer(ctx: Context, network: string, container: string): Promise<void> {
  const found = findContainer(ctx, container);
  const net = networkNamed(ctx, network);
  await withContainer(ctx, found.id, async (rec, ls) => {
    checkBridgeMode(rec);
    const a: NetworkAttachment | undefined = rec.networks?.[net.name];
    if (!a) throw new TpodError('ENETWORK', `container ${container} is not connected to network ${net.name}`);
    const networks = { ...rec.networks };
    delete networks[net.name];
    const next: ContainerRecord = { ...rec, networks };
    writeContainer(ctx, next);
    await recordEvent(ctx, { ID: rec.id, Name: net.name, Status: 'disconnect', Type: 'network' });
    if (live(ls.status)) {
      try {
        await (await import('../network/bridge-live.js')).disconnectLive(ctx, next, a.interface);
      } catch (err) {
        writeContainer(ctx, rec);
        throw err;
      }
    }
    editFile(ctx, next, 'hosts', (t) => withoutOwnAddress(t, a.ip, ownNames(ctx, next)));
    const dns = networkDns(next, net);
    // Another network of the container may give the same server (the default network's).
    const still = Object.keys(networks).some((n) => networkDns(next, findNetwork(ctx, n)) === dns);
    if (dns && !still) editFile(ctx, next, 'resolv.conf', (t) => withoutNameserver(t, dns));
  });
}

export interface ReloadReport {
  id: string;
  error?: TpodError;
}

/**
 * `network reload`: each running container on user networks gets its wiring back. With
 * ALL, containers it does not apply to (not running, other network modes) are skipped.
 */
export async function reloadNetworks(ctx: Context, names: string[], all: boolean): Promise<ReloadReport[]> {
  const ids = all ? listContainers(ctx).map((c) => c.id) : names;
  const reports: ReloadReport[] = [];
  for (const input of ids) {
    let id = input;
    try {
      id = findContainer(ctx, input).id;
      await withContainer(ctx, id, async (rec, ls) => {
        checkBridgeMode(rec);
        if (!live(ls.status)) throw new TpodError('ECTRSTATE', 'cannot reload network unless container network has been configured: container state improper');
        await (await import('../network/bridge-live.js')).reloadLive(ctx, rec);
      });
      reports.push({ id });
    } catch (err) {
      if (!(err instanceof TpodError)) throw err;
      if (all && (err.code === 'ECTRSTATE' || err.code === 'ENETWORKMODE' || err.code === 'ENOCONTAINER')) continue;
      reports.push({ id, error: err });
    }
  }
  return reports;
}
