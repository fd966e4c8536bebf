// Pod records: <root>/pods/<id>/pod.json. Names live in <root>/pods/names/<name>, a
// symlink whose target is the id (exclusive, atomic): the layout containers share
// (src/storage/records.ts).
//
// Consistency mirrors containers.ts: a pod is created under <root>/pods.lock and its
// pod.json is written last, so after a `kill -9` a pod dir without pod.json is a leftover
// and a name link to a missing record is stale; repairPods() removes both. The pod's
// members (infra included) are ordinary container records carrying `pod: <id>`; a pod
// operation that touches both takes pods.lock first, then containers.lock (never the
// other way round).
import { mkdirSync, existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Context } from '../engine/context.js';
import { TpodError, NoSuchPodError } from '../errors.js';
import { withLock } from './lock.js';
import { ensurePrivateDir } from './paths.js';
import { RecordDir } from './records.js';
import { containerNameOwner, generateName, listContainers, type ContainerRecord } from './containers.js';

/** The namespaces tpod can share in a pod (Podman knows cgroup and none as well). */
export type PodNamespace = 'net' | 'ipc' | 'uts' | 'pid';

export interface PodRecord {
  /** 64 hex, like container ids. */
  id: string;
  name: string;
  /** ISO time. */
  created: string;
  hostname?: string;
  labels: Record<string, string>;
  /** Podman's SharedNamespaces, in the order given (default ipc,net,uts). */
  share: PodNamespace[];
  /** The infra container's id; absent with --infra=false. */
  infraId?: string;
  /** --exit-policy: 'stop' stops the pod when its last member exits. Absent means continue. */
  exitPolicy?: 'continue' | 'stop';
  /** argv of the `pod create` (Podman's CreateCommand), for inspect and generate systemd. */
  createCommand?: string[];
}

export function podsDir(ctx: Context): string {
  return join(ctx.paths.root, 'pods');
}

export function podsLockPath(ctx: Context): string {
  return join(ctx.paths.root, 'pods.lock');
}

export function podDir(ctx: Context, id: string): string {
  return join(podsDir(ctx), id);
}

function store(ctx: Context): RecordDir<PodRecord> {
  return new RecordDir<PodRecord>(podsDir(ctx), 'pod.json');
}

export function readPod(ctx: Context, id: string): PodRecord | undefined {
  return store(ctx).read(id);
}

export function listPodIds(ctx: Context): string[] {
  return store(ctx).ids();
}

/** Every complete pod record, oldest first. */
export function listPods(ctx: Context): PodRecord[] {
  return store(ctx).list();
}

/** By full id, name, or unique id prefix, as Podman looks pods up. */
export function findPod(ctx: Context, nameOrId: string): PodRecord {
  const r = store(ctx).lookup(
    nameOrId,
    (prefix) => new TpodError('ENOPOD', `more than one result for pod ID "${prefix}": the ID prefix is ambiguous`),
  );
  if (r) return r;
  throw new NoSuchPodError(nameOrId);
}

/** The pod's containers, infra first, then oldest first. */
export function podMembers(ctx: Context, pod: PodRecord, all: ContainerRecord[] = listContainers(ctx)): ContainerRecord[] {
  const members = all.filter((c) => c.pod === pod.id);
  return members.sort((a, b) => Number(b.id === pod.infraId) - Number(a.id === pod.infraId));
}

// ---- create / update / remove --------------------------------------------------

export function podNameInUseError(name: string): TpodError {
  return new TpodError('ENAMEINUSE', `adding pod to state: name "${name}" is in use: pod already exists`);
}

export interface NewPod {
  id: string;
  name: string;
  dir: string;
}

/**
 * Creates a pod under the pods lock: reserves the name (given or generated), makes its
 * directory, lets `populate` build the record (and the infra container), then commits
 * pod.json and the name. If `populate` fails, the pod's directory goes; undoing what
 * populate made elsewhere (the infra container) is populate's job.
 */
export async function createPod(
  ctx: Context,
  name: string | undefined,
  populate: (p: NewPod) => PodRecord | Promise<PodRecord>,
): Promise<PodRecord> {
  const records = store(ctx);
  ensurePrivateDir(ctx.paths.root, ctx.uid);
  mkdirSync(records.namesDir, { recursive: true, mode: 0o700 });
  return withLock(podsLockPath(ctx), async () => {
    removeLeftoverPodDirs(ctx);
    let chosen: string;
    if (name !== undefined) {
      if (records.ownerOrDropStale(name)) throw podNameInUseError(name);
      // Pods and containers share names, as in Podman.
      if (containerNameOwner(ctx, name)) throw new TpodError('ENAMEINUSE', `adding pod to state: name "${name}" is in use: container already exists`);
      chosen = name;
    } else {
      chosen = generateName((n) => records.ownerOrDropStale(n) !== undefined || containerNameOwner(ctx, n) !== undefined);
    }
    const id = records.newId();
    const dir = podDir(ctx, id);
    mkdirSync(dir, { mode: 0o700 });
    try {
      const rec = await populate({ id, name: chosen, dir });
      records.write(rec);
      records.linkName(chosen, id);
      return rec;
    } catch (err) {
      rmSync(dir, { recursive: true, force: true });
      throw err;
    }
  });
}

/** Rewrites a pod record with changes, atomically and under the lock. */
export async function updatePod(ctx: Context, id: string, patch: Partial<PodRecord>): Promise<PodRecord | undefined> {
  return withLock(podsLockPath(ctx), () => store(ctx).update(id, patch));
}

/**
 * Deletes the pod's record and name. The caller has removed its members first and
 * holds the pods lock (pass `locked`) or lets this take it.
 */
export async function removePodRecord(ctx: Context, id: string, locked = false): Promise<void> {
  const work = (): void => {
    const rec = readPod(ctx, id);
    if (rec) store(ctx).unlinkName(rec.name, id);
    rmSync(podDir(ctx, id), { recursive: true, force: true });
  };
  if (locked) work();
  else await withLock(podsLockPath(ctx), work);
}

/** Pod dirs without a record (what a killed create left). Caller holds the lock. */
function removeLeftoverPodDirs(ctx: Context): string[] {
  const removed: string[] = [];
  for (const id of store(ctx).leftoverIds()) {
    rmSync(podDir(ctx, id), { recursive: true, force: true });
    removed.push(id);
  }
  return removed;
}

export interface PodRepairReport {
  removedDirs: string[];
  removedNames: string[];
}

/** Cleans what a killed command left: pod dirs without a record, names without a pod. */
export async function repairPods(ctx: Context): Promise<PodRepairReport> {
  const report: PodRepairReport = { removedDirs: [], removedNames: [] };
  if (!existsSync(podsDir(ctx))) return report;
  return withLock(podsLockPath(ctx), () => {
    report.removedDirs = removeLeftoverPodDirs(ctx);
    report.removedNames = store(ctx).removeStaleNames();
    return report;
  });
}
