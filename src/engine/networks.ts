// `network create|ls|inspect|rm|prune`: options in, records and reports out. Records are
// in src/network/networks.ts; which containers use a network comes from their records.
import { existsSync } from 'node:fs';
import type { Context } from './context.js';
import { TpodError, UsageError } from '../errors.js';
import { listContainers } from '../storage/containers.js';
import {
  DEFAULT_NETWORK,
  NoSuchNetworkError,
  deleteNetworkRecord,
  listNetworks,
  readNetwork,
  withNetworksLock,
  writeNetwork,
  type NetworkRecord,
} from '../network/networks.js';
import { buildNetworkRecord, hostSubnets, type NetworkCreateOptions } from '../network/network-create.js';

export async function createNetwork(ctx: Context, o: NetworkCreateOptions & { ignore?: boolean }): Promise<NetworkRecord> {
  return withNetworksLock(ctx, () => {
    const existing = listNetworks(ctx);
    if (o.ignore && o.name !== undefined) {
      const found = existing.find((n) => n.name === o.name);
      if (found) return found;
    }
    const rec = buildNetworkRecord(o, existing, hostSubnets());
    writeNetwork(ctx, rec);
    return rec;
  });
}

/** A container wired to a network, as Podman 5's `network inspect` lists it. */
export interface NetworkMember {
  name: string;
  interfaces: Record<string, { subnets: Array<{ ipnet: string; gateway?: string }>; mac_address: string }>;
}

/** The containers on NET whose network is up now (their namespace file is bound), by id. */
export function networkMembers(ctx: Context, net: NetworkRecord): Record<string, NetworkMember> {
  const out: Record<string, NetworkMember> = {};
  for (const c of listContainers(ctx)) {
    const a = c.networks?.[net.name];
    if (!a || !c.netns || !existsSync(c.netns)) continue;
    const subnet = { ipnet: `${a.ip}/${a.prefixLen ?? 24}`, ...(a.gateway ? { gateway: a.gateway } : {}) };
    out[c.id] = { name: c.name, interfaces: { [a.interface]: { subnets: [subnet], mac_address: a.mac } } };
  }
  return out;
}

/** Container ids by the networks they are on. */
export function networkUsers(ctx: Context): Map<string, string[]> {
  const users = new Map<string, string[]>();
  for (const c of listContainers(ctx)) {
    for (const name of Object.keys(c.networks ?? {})) {
      const list = users.get(name) ?? [];
      list.push(c.id);
      users.set(name, list);
    }
  }
  return users;
}

/** `network ls --filter`: name (regexp), id (prefix), driver, label[!], dangling. */
export function networkFilter(ctx: Context, filters: readonly string[]): (n: NetworkRecord) => boolean {
  const preds = new Map<string, Array<(n: NetworkRecord) => boolean>>();
  let users: Map<string, string[]> | undefined;
  const add = (key: string, p: (n: NetworkRecord) => boolean): void => {
    preds.set(key, [...(preds.get(key) ?? []), p]);
  };
  for (const f of filters) {
    const eq = f.indexOf('=');
    if (eq < 0) throw new UsageError(`invalid filter "${f}": expected KEY=VALUE`);
    const key = f.slice(0, eq);
    const v = f.slice(eq + 1);
    const label = (want: boolean) => (n: NetworkRecord): boolean => {
      const i = v.indexOf('=');
      const k = i < 0 ? v : v.slice(0, i);
      const has = n.labels !== undefined && k in n.labels && (i < 0 || n.labels[k] === v.slice(i + 1));
      return has === want;
    };
    switch (key) {
      case 'name': {
        const re = new RegExp(v);
        add(key, (n) => re.test(n.name));
        break;
      }
      case 'id':
        add(key, (n) => n.id.startsWith(v));
        break;
      case 'driver':
        add(key, (n) => n.driver === v);
        break;
      case 'label':
        add(key, label(true));
        break;
      case 'label!':
        add(key, label(false));
        break;
      case 'dangling': {
        if (v !== 'true' && v !== 'false') throw new UsageError(`invalid dangling filter value "${v}": use true or false`);
        users ??= networkUsers(ctx);
        const u = users;
        add(key, (n) => (n.name !== DEFAULT_NETWORK && !u.has(n.name)) === (v === 'true'));
        break;
      }
      default:
        throw new UsageError(`invalid filter "${key}": network ls filters by name, id, driver, label, label! and dangling`);
    }
  }
  // Values of one key are alternatives; different keys must all match (Podman's rule).
  return (n) => [...preds.values()].every((alts) => alts.some((p) => p(n)));
}

export interface NetworkRmReport {
  input: string;
  error?: TpodError;
}

export async function removeNetworks(ctx: Context, names: string[], o: { force: boolean; timeout?: number }): Promise<NetworkRmReport[]> {
  const reports: NetworkRmReport[] = [];
  for (const input of names) {
    try {
      const rec = readNetwork(ctx, input);
      if (!rec) {
        if (!o.force) throw new NoSuchNetworkError(input);
        continue;
      }
      if (rec.name === DEFAULT_NETWORK) throw new TpodError('ENETWORK', `default network ${DEFAULT_NETWORK} cannot be removed`);
      const users = networkUsers(ctx).get(rec.name) ?? [];
      if (users.length > 0) {
        if (!o.force) {
          throw new TpodError('ENETWORKINUSE', `"${rec.name}" has associated containers with it. Use -f to forcibly delete containers and pods: network is being used`, { exitCode: 2 });
        }
        const { removeContainers } = await import('./remove.js');
        const removed = await removeContainers(ctx, users, { force: true, depend: true, ignore: true, ...(o.timeout !== undefined ? { timeout: o.timeout } : {}) });
        const failed = removed.find((r) => r.error);
        if (failed?.error) throw failed.error;
      }
      await withNetworksLock(ctx, () => {
        // A container created on it meanwhile keeps it.
        if ((networkUsers(ctx).get(rec.name) ?? []).length > 0) {
          throw new TpodError('ENETWORKINUSE', `"${rec.name}" has associated containers with it: network is being used`, { exitCode: 2 });
        }
        deleteNetworkRecord(ctx, rec.name);
      });
      reports.push({ input });
    } catch (err) {
      if (!(err instanceof TpodError)) throw err;
      reports.push({ input, error: err });
    }
  }
  return reports;
}

/** The networks `network prune` removes: user networks no container is on, matching FILTERS. */
export function prunableNetworks(ctx: Context, filters: readonly string[]): string[] {
  const users = networkUsers(ctx);
  const pred = networkFilter(ctx, filters);
  return listNetworks(ctx)
    .filter((n) => n.name !== DEFAULT_NETWORK && !users.has(n.name) && pred(n))
    .map((n) => n.name);
}

export async function pruneNetworks(ctx: Context, filters: readonly string[]): Promise<string[]> {
  const removed: string[] = [];
  for (const name of prunableNetworks(ctx, filters)) {
    await withNetworksLock(ctx, () => {
      if ((networkUsers(ctx).get(name) ?? []).length > 0) return;
      deleteNetworkRecord(ctx, name);
      removed.push(name);
    });
  }
  return removed;
}
