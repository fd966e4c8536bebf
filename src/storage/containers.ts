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
import { chmodSync, mkdirSync, readlinkSync, existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Context } from '../engine/context.js';
import type { RunOptions } from '../runtime/options.js';
import type { PortMapping } from '../network/port-format.js';
import { TpodError, NoSuchContainerError } from '../errors.js';
import { withLock } from './lock.js';
import { ensurePrivateDir } from './paths.js';
import { ID_RE, RecordDir } from './records.js';

/** 'stopping' while `stop` waits for it; 'paused' is set by `pause`. See src/engine/state.ts. */
export type ContainerState = 'created' | 'running' | 'stopping' | 'paused' | 'exited';

/** --restart: applied by `container cleanup` (the monitor's exit command), no daemon. */
export interface RestartPolicy {
  name: 'no' | 'on-failure' | 'always' | 'unless-stopped';
  /** on-failure:N; 0 or absent means no limit. */
  maxRetries?: number;
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
  /** Set by stop/kill so the restart policy (always excepted) leaves it stopped. */
  stoppedByUser?: boolean;
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

  // ---- network (src/network/): `network` above is pasta, slirp4netns, none, host,
  // container:<id> or ns:<path>.
  /** pasta arguments or slirp4netns KEY=VALUE options (containers.conf's, then --network's). */
  networkOptions?: string[];
  /** The network namespace file tpod binds for this container while it runs. */
  netns?: string;
  /** Published ports, host ports already picked. */
  ports?: PortMapping[];

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

/** <containers>/<id>/container.json and <containers>/names/<name> (see records.ts). */
function store(ctx: Context): RecordDir<ContainerRecord> {
  return new RecordDir<ContainerRecord>(ctx.paths.containers, 'container.json');
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
  const r = store(ctx).lookup(
    nameOrId,
    (prefix) => new TpodError('ENOCONTAINER', `more than one result for container ID "${prefix}": the ID prefix is ambiguous`),
  );
  if (r) return r;
  throw new NoSuchContainerError(nameOrId);
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
      // The rootfs's "/" takes the upper dir's mode (and vfs copies into merged): 0755,
      // or no user but root could look up anything. The container dir keeps it private.
      for (const d of [dirs.upper, dirs.merged]) {
        mkdirSync(d);
        chmodSync(d, 0o755); // whatever the user's umask
      }
      const rec = await populate({ id, name: chosen, dirs });
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

/** Rewrites a record with changes (state, exit code...), atomically and under the lock. */
export async function updateContainer(ctx: Context, id: string, patch: Partial<ContainerRecord>): Promise<ContainerRecord | undefined> {
  return withLock(containersLockPath(ctx), () => store(ctx).update(id, patch));
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

/** Deletes the record, its name and its directories. */
export async function removeContainer(ctx: Context, id: string, remove: TreeRemover = namespaceRemover(ctx)): Promise<void> {
  await withLock(containersLockPath(ctx), async () => {
    const rec = readContainer(ctx, id);
    if (rec) store(ctx).unlinkName(rec.name, id);
    await remove(containerDirs(ctx, id));
  });
}

/**
 * Forgets a container whose directory is already gone or going (run --rm: the helper
 * removed it inside the namespace): drops its name, and whatever is left of the dir.
 */
export async function forgetContainer(ctx: Context, id: string, name: string, remove: TreeRemover = namespaceRemover(ctx)): Promise<void> {
  await withLock(containersLockPath(ctx), async () => {
    store(ctx).unlinkName(name, id);
    await remove(containerDirs(ctx, id));
  });
}

export interface RepairReport {
  removedDirs: string[];
  removedNames: string[];
}

/** Removes container dirs without a record (what a killed create or run --rm left). Caller holds the lock. */
async function removeLeftoverDirs(ctx: Context, remove: TreeRemover): Promise<string[]> {
  const removed: string[] = [];
  for (const id of store(ctx).leftoverIds()) {
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
