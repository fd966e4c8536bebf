// Container records: <root>/containers/<id>/container.json beside the bundle
// (userdata/config.json), the overlay's upper/work dirs and the merged mount point.
// Names live in <root>/containers/names/<name>, a symlink whose target is the id:
// creating it is atomic and exclusive, so a name can never belong to two containers
// (the layout pods share: src/storage/records.ts).
//
// Consistency: a container is created entirely under <root>/containers.lock, and its
// container.json is written last, so after a `kill -9` a directory without container.json
// is a leftover and a name link to a missing record is stale; repairContainers() removes
// both (also under the lock).
//
// Locks: containers.lock guards the names (create, rename, remove); each container's own
// <id>/lock guards its record and state (src/engine/transition.ts), so commands on
// different containers do not wait for each other. A command that needs both takes the
// container's lock first, never the other way round.
import { chmodSync, mkdirSync, readlinkSync, existsSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Context } from '../engine/context.js';
import type { RunOptions } from '../runtime/options.js';
import type { PortMapping } from '../network/port-format.js';
import type { NetworkAttachment } from '../network/networks.js';
import { TpodError, NoSuchContainerError, isErrno } from '../errors.js';
import { FileLock, withLock } from './lock.js';
import { ensurePrivateDir } from './paths.js';
import { ID_RE, RecordDir, CorruptRecordError, checkNamedRecord } from './records.js';

/** 'stopping' while `stop` waits for it; 'paused' is set by `pause`. See src/engine/state.ts. */
export type ContainerState = 'created' | 'running' | 'stopping' | 'paused' | 'exited';

/** --restart: applied by `container cleanup` (the monitor's exit command), no daemon. */
export interface RestartPolicy {
  name: 'no' | 'on-failure' | 'always' | 'unless-stopped';
  /** on-failure:N; 0 or absent means no limit. */
  maxRetries?: number;
}

/** The end of one run, named by the run's startedAt. */
export interface RunExit {
  startedAt: string;
  exitCode: number;
  finishedAt: string;
}

export interface ContainerRecord {
  id: string;
  name: string;
  /** The image as the user named it. */
  image: string;
  imageId: string;
  /** The image's first name (for ps), or its id when it has none. */
  imageName: string;
  /** The container's process arguments (what ps shows as COMMAND). */
  command: string[];
  created: string;
  state: ContainerState;
  startedAt?: string;
  finishedAt?: string;
  exitCode?: number;
  /** OCI runtime name and the storage driver the rootfs is mounted with. */
  runtime: string;
  driver: string;
  /** Layer diff ids, bottom first (the rootfs's lower dirs). */
  layers: string[];
  hostname: string;
  network: string;
  rm: boolean;
  tty: boolean;
  interactive: boolean;

  // ---- lifecycle (src/engine/state.ts reads these; absent in records of older builds) ----
  /** The monitor keeping the container, and its identity (start time in clock ticks, boot id). */
  monitorPid?: number;
  monitorStartTime?: string;
  bootId?: string;
  /** The container's init pid (host pid namespace) while it runs. */
  pid?: number;
  /** Where the monitor writes how the container ended; <runroot>/exits/<id> by default. */
  exitFile?: string;
  oomKilled?: boolean;
  restartPolicy?: RestartPolicy;
  /** Restarts done by the restart policy since the last user start. */
  restartCount?: number;
  /** Signal number, from --stop-signal or the image's StopSignal (15 when neither). */
  stopSignal?: number;
  /** Seconds `stop` waits before SIGKILL (--stop-timeout; 10 by default). */
  stopTimeout?: number;
  /** Set by stop/kill (before the signal) so the restart policy leaves it stopped until the next start. */
  stoppedByUser?: boolean;
  /** How the latest runs ended, newest first: `wait` finds the run it waited for here after a restart. */
  lastExits?: RunExit[];
  /** The checked create options (restart, inspect, generate systemd use them). */
  options?: RunOptions;
  /** The log file (k8s-file) when --log-opt path= chose one. */
  logPath?: string;
  /** --log-driver: k8s-file (also when absent), json-file (the same file), none, passthrough. */
  logDriver?: string;
  /** Why the container cannot start (Podman's start-time checks: a missing --workdir, ...). */
  startError?: string;
  /** The image's labels with --label ones over them (ps --filter label=, inspect). */
  labels?: Record<string, string>;
  /** The seccomp profile file the filter came from, or "unconfined" (none; inspect). */
  seccompProfile?: string;

  // ---- network (src/network/): `network` above is pasta, slirp4netns, none, host,
  // container:<id> or ns:<path>.
  /** pasta arguments or slirp4netns KEY=VALUE options (containers.conf's, then --network's). */
  networkOptions?: string[];
  /** The network namespace file tpod binds for this container while it runs. */
  netns?: string;
  /** Published ports, host ports already picked. */
  ports?: PortMapping[];
  /** network "bridge": the user networks it is on, by name, with its address on each. */
  networks?: Record<string, NetworkAttachment>;

  // ---- pods (src/storage/pods.ts) ----
  /** The id of the pod this container belongs to. */
  pod?: string;
  /** True for the pod's infra container (it holds the pod's namespaces). */
  isInfra?: boolean;
}

export interface ContainerDirs {
  dir: string;
  /** The OCI bundle: config.json plus generated hosts, hostname, resolv.conf. */
  userdata: string;
  upper: string;
  work: string;
  merged: string;
}

export function containerDirs(ctx: Context, id: string): ContainerDirs {
  const dir = join(ctx.paths.containers, id);
  return { dir, userdata: join(dir, 'userdata'), upper: join(dir, 'upper'), work: join(dir, 'work'), merged: join(dir, 'merged') };
}

export function containersLockPath(ctx: Context): string {
  return join(ctx.paths.root, 'containers.lock');
}

/** <containers>/<id>/lock: made with the container and removed with it. */
export function containerLockPath(ctx: Context, id: string): string {
  return join(ctx.paths.containers, id, 'lock');
}

/**
 * Takes the container's own lock (waiting while another command or the monitor's exit
 * command holds it). A removed container has no lock file: NoSuchContainerError. Who
 * waited while the container was removed gets the lock of a deleted file; it must read
 * the record again (src/engine/transition.ts withContainer does).
 */
export async function lockContainer(ctx: Context, id: string): Promise<FileLock> {
  const path = containerLockPath(ctx, id);
  try {
    return await FileLock.acquire(path, { mustExist: true });
  } catch (err) {
    if (!isErrno(err, 'ENOENT')) throw err;
  }
  // Records of older builds have no lock file yet.
  if (!existsSync(store(ctx).recordPath(id))) throw new NoSuchContainerError(id);
  try {
    writeFileSync(path, '', { flag: 'a', mode: 0o600 });
    return await FileLock.acquire(path, { mustExist: true });
  } catch (err) {
    if (isErrno(err, 'ENOENT')) throw new NoSuchContainerError(id); // removed meanwhile
    throw err;
  }
}

/** True while some command holds the container's lock (or the lock cannot be taken). */
function lockHeld(ctx: Context, id: string): boolean {
  return FileLock.held(containerLockPath(ctx, id));
}

/** What listings and lookups rely on; a record without it is corrupt (half-written, say). */
export function checkContainerRecord(value: unknown, id: string): string | undefined {
  const named = checkNamedRecord(value, id);
  if (named !== undefined) return named;
  const o = value as Record<string, unknown>;
  for (const k of ['state', 'imageId', 'imageName', 'runtime'] as const) {
    if (typeof o[k] !== 'string') return `it has no "${k}"`;
  }
  for (const k of ['command', 'layers'] as const) {
    if (!Array.isArray(o[k])) return `it has no "${k}" list`;
  }
  return undefined;
}

/** <containers>/<id>/container.json and <containers>/names/<name> (see records.ts). */
function store(ctx: Context): RecordDir<ContainerRecord> {
  return new RecordDir<ContainerRecord>(ctx.paths.containers, 'container.json', checkContainerRecord);
}

/** A container whose record is corrupt: what is known of it. */
export interface BrokenContainer {
  id: string;
  /** The names whose links point to it. */
  names: string[];
  path: string;
  problem: string;
  /** When its directory was made (its record cannot say). */
  created: string;
}

/** What commands aimed at a broken container say: what is wrong, and the way out. */
export class BrokenContainerError extends TpodError {
  constructor(readonly broken: BrokenContainer) {
    super('ESTORAGE', `container ${broken.id} is broken: its record ${broken.path} is corrupt (${broken.problem}); remove it with "tpod rm -f ${broken.id.slice(0, 12)}"`);
    this.name = 'BrokenContainerError';
  }
}

function brokenOf(ctx: Context, err: CorruptRecordError): BrokenContainer {
  let created = new Date(0).toISOString();
  try {
    created = statSync(join(ctx.paths.containers, err.id)).mtime.toISOString();
  } catch {
    /* gone meanwhile */
  }
  return { id: err.id, names: store(ctx).namesOf(err.id), path: err.path, problem: err.problem, created };
}

/** Every container whose record is corrupt. */
export function listBrokenContainers(ctx: Context): BrokenContainer[] {
  return store(ctx).scan().broken.map((e) => brokenOf(ctx, e));
}

/** The complete records and the broken containers, in one pass over the store. */
export function scanContainers(ctx: Context): { records: ContainerRecord[]; broken: BrokenContainer[] } {
  const s = store(ctx).scan();
  return { records: s.records, broken: s.broken.map((e) => brokenOf(ctx, e)) };
}

export function readContainer(ctx: Context, id: string): ContainerRecord | undefined {
  return store(ctx).read(id);
}

export function listContainerIds(ctx: Context): string[] {
  return store(ctx).ids();
}

/** Every complete record, oldest first. */
export function listContainers(ctx: Context): ContainerRecord[] {
  return store(ctx).list();
}

/** By full id, name, or unique id prefix, as Podman looks containers up. */
export function findContainer(ctx: Context, nameOrId: string): ContainerRecord {
  let r: ContainerRecord | undefined;
  try {
    r = store(ctx).lookup(
      nameOrId,
      (prefix) => new TpodError('ENOCONTAINER', `more than one result for container ID "${prefix}": the ID prefix is ambiguous`),
    );
  } catch (err) {
    if (err instanceof CorruptRecordError) throw new BrokenContainerError(brokenOf(ctx, err));
    throw err;
  }
  if (r) return r;
  throw new NoSuchContainerError(nameOrId);
}

/** Whether ID has a record file at all (a corrupt one included). */
export function hasRecordFile(ctx: Context, id: string): boolean {
  return existsSync(store(ctx).recordPath(id));
}

/** The record, undefined without one, 'corrupt' when it cannot be read (for repairs). */
export function readContainerOrCorrupt(ctx: Context, id: string): ContainerRecord | undefined | 'corrupt' {
  return store(ctx).readOrCorrupt(id);
}

/**
 * Removes a broken container's record, names and directory (its processes, mounts and
 * network are the orphan repair's: src/engine/orphans.ts).
 */
export async function removeBrokenContainer(ctx: Context, id: string, remove: TreeRemover = namespaceRemover(ctx)): Promise<void> {
  await withLock(containersLockPath(ctx), async () => {
    const records = store(ctx);
    for (const n of records.namesOf(id)) records.unlinkName(n, id);
    await remove(containerDirs(ctx, id));
  });
}

// ---- names ---------------------------------------------------------------------

const ADJECTIVES = [
  'agile', 'amber', 'ancient', 'arctic', 'bold', 'brave', 'breezy', 'bright', 'calm', 'candid',
  'clever', 'cosmic', 'crisp', 'curious', 'dapper', 'daring', 'eager', 'earnest', 'fancy', 'fervent',
  'gallant', 'gentle', 'glad', 'golden', 'happy', 'hardy', 'humble', 'jolly', 'keen', 'kind',
  'lively', 'lucid', 'merry', 'modest', 'nifty', 'nimble', 'noble', 'patient', 'plucky', 'polite',
  'quiet', 'quirky', 'rapid', 'serene', 'sharp', 'shiny', 'snappy', 'steady', 'sunny', 'swift',
  'tender', 'tidy', 'upbeat', 'vivid', 'wise', 'witty', 'zealous', 'zesty',
];

const NOUNS = [
  'albatross', 'badger', 'beaver', 'bison', 'condor', 'coyote', 'crane', 'dolphin', 'falcon', 'ferret',
  'finch', 'gecko', 'gazelle', 'heron', 'ibex', 'jackal', 'jaguar', 'kestrel', 'koala', 'lemur',
  'lynx', 'magpie', 'marmot', 'mole', 'narwhal', 'newt', 'ocelot', 'orca', 'osprey', 'otter',
  'panda', 'pelican', 'penguin', 'puffin', 'quokka', 'raven', 'salmon', 'seal', 'sparrow', 'stoat',
  'swan', 'tapir', 'tern', 'toucan', 'turtle', 'vole', 'walrus', 'weasel', 'wombat', 'wren', 'yak', 'zebra',
];

/** A uniform integer in [0, n), n <= 2^32. */
function randomInt(n: number): number {
  const limit = Math.floor(0x1_0000_0000 / n) * n;
  const buf = new Uint32Array(1);
  for (;;) {
    globalThis.crypto.getRandomValues(buf);
    if (buf[0]! < limit) return buf[0]! % n;
  }
}

export function generateName(taken: (name: string) => boolean, rand: (n: number) => number = randomInt): string {
  for (let i = 0; ; i++) {
    let name = `${ADJECTIVES[rand(ADJECTIVES.length)]}_${NOUNS[rand(NOUNS.length)]}`;
    // After a few collisions, a number makes the space large enough.
    if (i >= 10) name += String(rand(10000));
    if (!taken(name)) return name;
  }
}

export function nameInUseError(name: string, id: string): TpodError {
  return new TpodError(
    'ENAMEINUSE',
    `the container name "${name}" is already in use by ${id}. You have to remove that container to be able to reuse that name: that name is already in use`,
  );
}

/** The id of the container that has NAME, if any (no lock: for the pods' name check). */
export function containerNameOwner(ctx: Context, name: string): string | undefined {
  return store(ctx).nameOwner(name);
}

/** Pods and containers share names, as in Podman: a pod's name link names a pod.json. */
export function podNameTaken(ctx: Context, name: string): boolean {
  try {
    const id = readlinkSync(join(ctx.paths.root, 'pods', 'names', name));
    return ID_RE.test(id) && existsSync(join(ctx.paths.root, 'pods', id, 'pod.json'));
  } catch {
    return false;
  }
}

// ---- create / update / remove --------------------------------------------------

export interface NewContainer {
  id: string;
  name: string;
  dirs: ContainerDirs;
}

/**
 * Creates a container under the store lock: reserves the name (given or generated),
 * makes its directories, lets `populate` write the bundle, then commits the record.
 * If anything fails, nothing of the container is left behind.
 */
export async function createContainer(
  ctx: Context,
  name: string | undefined,
  populate: (c: NewContainer) => ContainerRecord | Promise<ContainerRecord>,
  remove: TreeRemover = namespaceRemover(ctx),
  rootMode = 0o755,
): Promise<ContainerRecord> {
  const records = store(ctx);
  ensurePrivateDir(ctx.paths.root, ctx.uid);
  mkdirSync(records.namesDir, { recursive: true, mode: 0o700 });
  return withLock(containersLockPath(ctx), async () => {
    // Cheap (one stat per container) and keeps killed commands from piling up leftovers.
    await removeLeftoverDirs(ctx, remove);
    let chosen: string;
    if (name !== undefined) {
      const owner = records.ownerOrDropStale(name);
      if (owner) throw nameInUseError(name, owner);
      if (podNameTaken(ctx, name)) throw new TpodError('ENAMEINUSE', `name "${name}" is in use: pod already exists`);
      chosen = name;
    } else {
      chosen = generateName((n) => records.ownerOrDropStale(n) !== undefined || podNameTaken(ctx, n));
    }
    const id = records.newId();
    const dirs = containerDirs(ctx, id);
    mkdirSync(dirs.dir, { mode: 0o700 });
    try {
      mkdirSync(dirs.userdata, { mode: 0o700 });
      mkdirSync(dirs.work, { mode: 0o700 });
      // The rootfs's "/" takes the upper dir's mode (and vfs copies into merged): the
      // image's (rootfsMode), which lets every user look up paths. The container dir
      // keeps it private.
      for (const d of [dirs.upper, dirs.merged]) {
        mkdirSync(d);
        chmodSync(d, rootMode); // whatever the user's umask
      }
      const rec = await populate({ id, name: chosen, dirs });
      writeFileSync(containerLockPath(ctx, id), '', { mode: 0o600 });
      records.write(rec);
      records.linkName(chosen, id);
      return rec;
    } catch (err) {
      // Only empty dirs and files we wrote as ourselves exist yet: Node can remove them.
      rmSync(dirs.dir, { recursive: true, force: true });
      throw err;
    }
  });
}

/** Rewrites a record with changes (state, exit code...), atomically and under its lock. */
export async function updateContainer(ctx: Context, id: string, patch: Partial<ContainerRecord>): Promise<ContainerRecord | undefined> {
  let lock: FileLock;
  try {
    lock = await lockContainer(ctx, id);
  } catch (err) {
    if (err instanceof NoSuchContainerError) return undefined;
    throw err;
  }
  try {
    return store(ctx).update(id, patch);
  } finally {
    lock.release();
  }
}

/** Writes a record whose container's lock the caller holds. */
export function writeContainer(ctx: Context, rec: ContainerRecord): void {
  store(ctx).write(rec);
}

/**
 * Removes a container's directory (unmounting its rootfs first). The upper dir holds files
 * owned by subordinate ids, so the removal runs inside the user namespace.
 */
export type TreeRemover = (dirs: ContainerDirs) => Promise<void>;

export const namespaceRemover = (ctx: Context): TreeRemover => async (dirs) => {
  if (!existsSync(dirs.dir)) return;
  const { runInNamespaceChecked } = await import('../rootless/join.js');
  await runInNamespaceChecked(ctx, [{ kind: 'umount', arg: dirs.merged }, { kind: 'rmtree', arg: dirs.dir }], [], `remove ${dirs.dir}`);
};

/**
 * Deletes the record and its name (under the store lock: from then on the container is
 * gone), then its directories. A directory left by a failed or killed removal has no
 * record: the next create removes it as a leftover.
 */
export async function removeContainer(ctx: Context, id: string, remove: TreeRemover = namespaceRemover(ctx)): Promise<void> {
  await withLock(containersLockPath(ctx), () => {
    const rec = readContainer(ctx, id);
    if (rec) store(ctx).unlinkName(rec.name, id);
    rmSync(store(ctx).recordPath(id), { force: true });
  });
  await remove(containerDirs(ctx, id));
}

/**
 * Forgets a container whose directory is already gone or going (run --rm: the helper
 * removed it inside the namespace): drops its name, and whatever is left of the dir.
 */
export async function forgetContainer(ctx: Context, id: string, name: string, remove: TreeRemover = namespaceRemover(ctx)): Promise<void> {
  await withLock(containersLockPath(ctx), () => {
    store(ctx).unlinkName(name, id);
    rmSync(store(ctx).recordPath(id), { force: true });
  });
  await remove(containerDirs(ctx, id));
}

export interface RepairReport {
  removedDirs: string[];
  removedNames: string[];
}

/** Removes container dirs without a record (what a killed create or run --rm left). Caller holds the lock. */
async function removeLeftoverDirs(ctx: Context, remove: TreeRemover): Promise<string[]> {
  const removed: string[] = [];
  for (const id of store(ctx).leftoverIds()) {
    // A removal in progress holds the container's lock; it finishes the job itself.
    if (lockHeld(ctx, id)) continue;
    try {
      await remove(containerDirs(ctx, id));
      removed.push(id);
    } catch (err) {
      // Another command may be removing it right now (run --rm); what stays is retried later.
      ctx.log.debug(`cannot remove leftover container dir ${id}: ${(err as Error).message}`);
    }
  }
  return removed;
}

/** Cleans what a killed command left: dirs without a record, names without a container. */
export async function repairContainers(ctx: Context, remove: TreeRemover = namespaceRemover(ctx)): Promise<RepairReport> {
  const report: RepairReport = { removedDirs: [], removedNames: [] };
  if (!existsSync(ctx.paths.containers)) return report;
  return withLock(containersLockPath(ctx), async () => {
    report.removedDirs = await removeLeftoverDirs(ctx, remove);
    report.removedNames = store(ctx).removeStaleNames();
    return report;
  });
}
