// User-defined networks: <root>/networks/<name>.json, one netavark-shaped record per
// network (what `network inspect` prints), written atomically under one lock
// (<root>/networks/.lock), as Podman keeps them under storage/networks/. The default
// network "podman" has no file: it is always there and cannot be removed.
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Context } from '../engine/context.js';
import { TpodError } from '../errors.js';
import { readJson, writeJsonAtomic } from '../storage/atomic.js';
import { withLock } from '../storage/lock.js';
import { ensurePrivateDir } from '../storage/paths.js';
import type { SubnetSpec } from './subnet.js';

export interface NetworkRecord {
  name: string;
  id: string;
  driver: 'bridge';
  network_interface: string;
  created: string;
  subnets: SubnetSpec[];
  ipv6_enabled: boolean;
  internal: boolean;
  dns_enabled: boolean;
  labels?: Record<string, string>;
  options?: Record<string, string>;
  ipam_options: { driver: string };
}

/** A container's place on one network (the container record's `networks`). */
export interface NetworkAttachment {
  ip: string;
  mac: string;
  aliases?: string[];
  /** The interface name inside the container (eth0, eth1, ...). */
  interface: string;
  /** The network's gateway and prefix length when the address was given (inspect). */
  gateway?: string;
  prefixLen?: number;
}

export const DEFAULT_NETWORK = 'podman';
/** Podman's id for its default network (sha256 of "podman"), which scripts see. */
const DEFAULT_NETWORK_ID = '2f259bab93aaaaa2542ba43ef33eb990d0999ee1b9924b557b7be53c0b7a1bb9';

/** Podman's rule for network names. */
export const NETWORK_NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

export class NoSuchNetworkError extends TpodError {
  constructor(nameOrId: string) {
    super('ENONETWORK', `unable to find network with name or ID ${nameOrId}: network not found`, { exitCode: 1 });
  }
}

export function networksDir(ctx: Context): string {
  return join(ctx.paths.root, 'networks');
}

export function withNetworksLock<T>(ctx: Context, fn: () => Promise<T> | T): Promise<T> {
  ensurePrivateDir(networksDir(ctx), ctx.uid);
  return withLock(join(networksDir(ctx), '.lock'), fn);
}

/** The default network as Podman shows it (created: now, as Podman reports it). */
export function defaultNetwork(): NetworkRecord {
  return {
    name: DEFAULT_NETWORK,
    id: DEFAULT_NETWORK_ID,
    driver: 'bridge',
    network_interface: 'podman0',
    created: new Date().toISOString(),
    subnets: [{ subnet: '10.88.0.0/16', gateway: '10.88.0.1' }],
    ipv6_enabled: false,
    internal: false,
    dns_enabled: false,
    ipam_options: { driver: 'host-local' },
  };
}

function recordPath(ctx: Context, name: string): string {
  return join(networksDir(ctx), `${name}.json`);
}

/** User networks with a readable record, by name (a corrupt file is left out, not fatal). */
export function listUserNetworks(ctx: Context): NetworkRecord[] {
  let files: string[];
  try {
    files = readdirSync(networksDir(ctx));
  } catch {
    return [];
  }
  const out: NetworkRecord[] = [];
  for (const f of files.sort()) {
    if (!f.endsWith('.json') || f.startsWith('.')) continue;
    const name = f.slice(0, -'.json'.length);
    if (!NETWORK_NAME_RE.test(name)) continue;
    try {
      const rec = readJson<NetworkRecord>(recordPath(ctx, name));
      if (rec && rec.name === name) out.push(rec);
    } catch {
      /* corrupt: not a network */
    }
  }
  return out;
}

/** Every network, sorted by name as Podman lists them (the default one included). */
export function listNetworks(ctx: Context): NetworkRecord[] {
  const all = [...listUserNetworks(ctx)];
  if (!all.some((n) => n.name === DEFAULT_NETWORK)) all.push(defaultNetwork());
  return all.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** By full name, else by full id or a unique id prefix. */
export function readNetwork(ctx: Context, nameOrId: string): NetworkRecord | undefined {
  const all = listNetworks(ctx);
  const byName = all.find((n) => n.name === nameOrId);
  if (byName) return byName;
  if (!/^[0-9a-f]+$/.test(nameOrId)) return undefined;
  const byId = all.filter((n) => n.id.startsWith(nameOrId));
  if (byId.length > 1) throw new TpodError('ENONETWORK', `more than one network matches ID ${nameOrId}: use more of it`);
  return byId[0];
}

export function findNetwork(ctx: Context, nameOrId: string): NetworkRecord {
  const rec = readNetwork(ctx, nameOrId);
  if (!rec) throw new NoSuchNetworkError(nameOrId);
  return rec;
}

/** Writes REC (caller holds the networks lock). */
export function writeNetwork(ctx: Context, rec: NetworkRecord): void {
  ensurePrivateDir(networksDir(ctx), ctx.uid);
  writeJsonAtomic(recordPath(ctx, rec.name), rec);
}

/** Removes NAME's record (caller holds the networks lock). */
export function deleteNetworkRecord(ctx: Context, name: string): void {
  rmSync(recordPath(ctx, name), { force: true });
}

// ---- the last address handed out per network (<root>/networks/.ipam.json) ----
// Written inside the containers' store lock, where addresses are allocated.

function ipamPath(ctx: Context): string {
  return join(networksDir(ctx), '.ipam.json');
}

export function readLastIps(ctx: Context): Record<string, string> {
  try {
    return readJson<Record<string, string>>(ipamPath(ctx)) ?? {};
  } catch {
    return {};
  }
}

export function saveLastIps(ctx: Context, updates: Record<string, string>): void {
  ensurePrivateDir(networksDir(ctx), ctx.uid);
  writeJsonAtomic(ipamPath(ctx), { ...readLastIps(ctx), ...updates });
}
