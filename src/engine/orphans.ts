// What a killed command leaves (kill -9 of `run -d` at any moment): container processes
// and runtime state, rootfs mounts and network helpers that no record accounts for, or
// that belong to a container whose record says it never started or has ended. They are
// found from cheap reads (the runtime's state dir, the pause process's mountinfo, the
// netns and net dirs; no process spawned), and cleaned under the containers lock after a
// second look: every launch holds that lock until its record says "running", and a
// network namespace file names the process that made it, so a command still at work is
// never disturbed. The container stays (as created, or exited); only what ran goes.
import { readFileSync, readdirSync, realpathSync, existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Context } from './context.js';
import { TpodError } from '../errors.js';
import { ID_RE } from '../storage/records.js';
import { FileLock } from '../storage/lock.js';
import { ensurePrivateDir } from '../storage/paths.js';
import {
  containerLockPath,
  containersLockPath,
  hasRecordFile,
  readContainerOrCorrupt,
  removeBrokenContainer,
  repairContainers,
  scanContainers,
  type ContainerRecord,
} from '../storage/containers.js';
import { netnsCreator } from '../network/netns-name.js';
import { hasMonitor, monitorIdentity, parseProcStat, processAlive, realProc, type HostProc } from './state.js';

/** Where a container or a network left something behind. */
export interface Traces {
  /** Container ids the OCI runtime keeps state for. */
  runtime: string[];
  /** Container ids whose rootfs is mounted in the pause process's mount namespace. */
  mounts: string[];
  /** Network namespace files, and the namespaces helper pid files are named after. */
  netns: string[];
}

export type OrphanReason = 'unrecorded' | 'never-started' | 'ended';

export interface OrphanPlan {
  containers: Array<{ id: string; why: OrphanReason; rec?: ContainerRecord }>;
  netns: string[];
}

export interface PlanInput {
  traces: Traces;
  records: ContainerRecord[];
  /** The record of ID, or 'corrupt'; undefined when it has none. */
  record(id: string): ContainerRecord | undefined | 'corrupt';
  monitorAlive(rec: ContainerRecord): boolean;
  /** Whether the process that made the namespace file NAME still runs. */
  creatorAlive(name: string): boolean;
  /** Some record is corrupt: a namespace no record names may be its. */
  anyCorrupt: boolean;
}

/** What is orphaned, from the traces and the records. Pure: the tests feed it. */
export function planOrphans(i: PlanInput): OrphanPlan {
  const plan: OrphanPlan = { containers: [], netns: [] };
  for (const id of new Set([...i.traces.runtime, ...i.traces.mounts])) {
    const rec = i.record(id);
    // A corrupt record's container may well run: only `rm -f` of it cleans it up.
    if (rec === 'corrupt') continue;
    if (rec === undefined) plan.containers.push({ id, why: 'unrecorded' });
    else if (rec.state === 'created') plan.containers.push({ id, why: 'never-started', rec });
    else if (!i.monitorAlive(rec)) plan.containers.push({ id, why: 'ended', rec });
  }
  const inUse = new Set(i.records.filter((r) => r.netns !== undefined && hasMonitor(r.state) && i.monitorAlive(r)).map((r) => r.netns!));
  const named = new Set(i.records.map((r) => r.netns).filter((n): n is string => n !== undefined));
  for (const path of new Set(i.traces.netns)) {
    if (inUse.has(path) || i.creatorAlive(basename(path))) continue;
    if (!named.has(path) && i.anyCorrupt) continue;
    plan.netns.push(path);
  }
  return plan;
}

function readdirOr(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** mountinfo's octal escapes (\040 for a space) undone. */
function unescapeMount(p: string): string {
  return p.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

/** Container ids whose <containers>/<id>/merged is a mount point in MOUNTINFO. */
export function mountedIds(mountinfo: string, containersDir: string): string[] {
  const out: string[] = [];
  const prefix = `${containersDir}/`;
  for (const line of mountinfo.split('\n')) {
    const mp = line.split(' ')[4];
    if (mp === undefined) continue;
    const path = unescapeMount(mp);
    if (!path.startsWith(prefix)) continue;
    const [id, leaf, ...rest] = path.slice(prefix.length).split('/');
    if (id !== undefined && ID_RE.test(id) && leaf === 'merged' && rest.length === 0) out.push(id);
  }
  return out;
}

export function readTraces(ctx: Context): Traces {
  const runroot = ctx.paths.runroot;
  const runtime = readdirOr(join(runroot, 'runtime')).filter((n) => ID_RE.test(n));
  let mounts: string[] = [];
  const pause = readPauseQuietly(ctx);
  if (pause !== undefined && existsSync(ctx.paths.containers)) {
    try {
      mounts = mountedIds(readFileSync(`/proc/${pause}/mountinfo`, 'utf8'), realpathSync(ctx.paths.containers));
    } catch {
      /* the pause process went meanwhile: so did its mounts */
    }
  }
  const netnsDir = join(runroot, 'netns');
  const netns = readdirOr(netnsDir).filter((n) => n.startsWith('netns-')).map((n) => join(netnsDir, n));
  for (const f of readdirOr(join(runroot, 'net'))) {
    if (f.endsWith('.pid') && f.startsWith('netns-')) netns.push(join(netnsDir, f.slice(0, -'.pid'.length)));
  }
  return { runtime, mounts, netns };
}

let pauseReader: ((ctx: Context) => number | undefined) | undefined;

function readPauseQuietly(ctx: Context): number | undefined {
  return pauseReader?.(ctx);
}

async function loadPauseReader(): Promise<void> {
  pauseReader ??= (await import('../rootless/pause.js')).readPausePid;
}

function creatorAliveWith(proc: HostProc): (name: string) => boolean {
  return (name) => {
    const c = netnsCreator(name);
    if (!c) return false;
    const st = parseProcStat(proc.stat(c.pid) ?? '');
    return st !== undefined && st.state !== 'Z' && st.state !== 'X' && st.startTime === c.startTime;
  };
}

function planNow(ctx: Context, proc: HostProc, given?: { records: ContainerRecord[]; anyCorrupt: boolean }): OrphanPlan {
  const traces = readTraces(ctx);
  // Nothing running, mounted or networked: nothing to explain, no record to read.
  if (traces.runtime.length === 0 && traces.mounts.length === 0 && traces.netns.length === 0) return { containers: [], netns: [] };
  const scan = given ?? (() => {
    const s = scanContainers(ctx);
    return { records: s.records, anyCorrupt: s.broken.length > 0 };
  })();
  const byId = new Map(scan.records.map((r) => [r.id, r]));
  return planOrphans({
    traces,
    records: scan.records,
    record: (id) => byId.get(id) ?? (hasRecordFile(ctx, id) ? readContainerOrCorrupt(ctx, id) : undefined),
    monitorAlive: (rec) => {
      const m = monitorIdentity(rec);
      return m !== undefined && processAlive(m, proc);
    },
    creatorAlive: creatorAliveWith(proc),
    anyCorrupt: scan.anyCorrupt,
  });
}

const empty = (p: OrphanPlan): boolean => p.containers.length === 0 && p.netns.length === 0;

// ---- cleaning -------------------------------------------------------------------------

/** The container's init pid from the runtime's state (crun: status, runc: state.json). */
function runtimeInitPid(stateDir: string): { pid: number; kind: 'crun' | 'runc' } | undefined {
  for (const [file, key, kind] of [['status', 'pid', 'crun'], ['state.json', 'init_process_pid', 'runc']] as const) {
    try {
      const pid = (JSON.parse(readFileSync(join(stateDir, file), 'utf8')) as Record<string, unknown>)[key];
      if (typeof pid === 'number' && pid > 0) return { pid, kind };
    } catch {
      /* not this runtime's */
    }
  }
  return undefined;
}

function alive(pid: number, proc: HostProc): boolean {
  const st = parseProcStat(proc.stat(pid) ?? '');
  return st !== undefined && st.state !== 'Z' && st.state !== 'X';
}

async function runtimeOf(ctx: Context, id: string, rec: ContainerRecord | undefined, kind: 'crun' | 'runc'): Promise<{ cmd: (verb: 'kill' | 'delete') => string[] }> {
  const { runtimeFor, runtimeGlobalsFor, runtimeKillCommand, runtimeDeleteCommand } = await import('./runtime-of.js');
  const rt = runtimeFor(ctx, { runtime: rec?.runtime ?? kind });
  const dirs = runtimeGlobalsFor(ctx, id);
  return { cmd: (verb) => (verb === 'kill' ? runtimeKillCommand(rt, dirs, id, 9) : runtimeDeleteCommand(rt, dirs, id)) };
}

/**
 * Kills the container's processes (through the runtime, as root of the user namespace:
 * they may run as subordinate ids) and waits for its init to go; the pid namespace
 * takes every other process of the container with it.
 */
async function killProcesses(ctx: Context, id: string, rec: ContainerRecord | undefined, proc: HostProc): Promise<void> {
  const stateDir = join(ctx.paths.runroot, 'runtime', id);
  const init = runtimeInitPid(stateDir);
  if (!init || !alive(init.pid, proc)) return;
  const { runInNamespace } = await import('../rootless/join.js');
  const rt = await runtimeOf(ctx, id, rec, init.kind);
  await runInNamespace(ctx, [], rt.cmd('kill'), { capture: true }).catch(() => undefined);
  for (let i = 0; i < 250 && alive(init.pid, proc); i++) await new Promise((r) => setTimeout(r, 20));
  if (alive(init.pid, proc)) {
    try {
      process.kill(init.pid, 'SIGKILL');
    } catch {
      /* not ours to signal from here, or gone */
    }
  }
}

/** Unmounts the rootfs and deletes the runtime's state of a container with no live process. */
async function releaseContainer(ctx: Context, id: string, rec: ContainerRecord | undefined): Promise<void> {
  const { runInNamespaceChecked } = await import('../rootless/join.js');
  const stateDir = join(ctx.paths.runroot, 'runtime', id);
  const kind = runtimeInitPid(stateDir)?.kind ?? (existsSync(join(stateDir, 'status')) ? 'crun' : 'runc');
  const command = existsSync(stateDir) ? (await runtimeOf(ctx, id, rec, kind)).cmd('delete') : [];
  const merged = join(ctx.paths.containers, id, 'merged');
  await runInNamespaceChecked(ctx, [{ kind: 'umount', arg: merged }], command, `clean up what is left of container ${id.slice(0, 12)}`);
}

async function releaseNetns(ctx: Context, netns: string): Promise<void> {
  const { releaseNetwork } = await import('../network/setup.js');
  await releaseNetwork(ctx, { id: '', netns, network: 'pasta' });
}

export interface OrphanReport {
  containers: string[];
  netns: string[];
}

export interface RepairOptions {
  /** Wait for the containers lock (rm); otherwise give up when it is busy (ps: try next time). */
  wait: boolean;
  /** The records the caller read already. */
  given?: { records: ContainerRecord[]; anyCorrupt: boolean };
  proc?: HostProc;
}

/**
 * Finds and cleans orphans. Cheap when there are none (a few directory reads); returns
 * what was cleaned, or undefined when nothing was found (or the lock was busy).
 */
/** The container's lock if free now, 'busy' if a command holds it, undefined without a lock file (no record). */
async function tryContainerLock(ctx: Context, id: string): Promise<FileLock | 'busy' | undefined> {
  try {
    return await FileLock.acquire(containerLockPath(ctx, id), { mustExist: true, timeoutMs: 0 });
  } catch (err) {
    if (err instanceof TpodError && err.code === 'ELOCK') return 'busy';
    return undefined;
  }
}

export async function repairOrphans(ctx: Context, o: RepairOptions): Promise<OrphanReport | undefined> {
  const proc = o.proc ?? realProc();
  await loadPauseReader();
  if (empty(planNow(ctx, proc, o.given))) return undefined;
  ensurePrivateDir(ctx.paths.root, ctx.uid); // the lock file lives there, even before any container
  let lock: FileLock;
  try {
    lock = await FileLock.acquire(containersLockPath(ctx), o.wait ? {} : { timeoutMs: 0 });
  } catch (err) {
    if (err instanceof TpodError && err.code === 'ELOCK' && !o.wait) return undefined;
    throw err;
  }
  const report: OrphanReport = { containers: [], netns: [] };
  const ended: ContainerRecord[] = [];
  let unrecorded = false;
  try {
    // A second look under the lock: what a launch was doing meanwhile is done now.
    const plan = planNow(ctx, proc);
    for (const first of plan.containers) {
      // A start, stop or removal holds the container's own lock while it works (its record
      // may say "created" while its monitor runs): such a container is left alone now.
      const own = await tryContainerLock(ctx, first.id);
      if (own === 'busy') continue;
      try {
        const c = own ? planNow(ctx, proc).containers.find((x) => x.id === first.id) : first;
        if (!c) continue; // its transition ended meanwhile: nothing left over

        await killProcesses(ctx, c.id, c.rec, proc);
        // A record that says it runs is brought up to date by reconcile, after the lock.
        if (c.why === 'ended' && c.rec && hasMonitor(c.rec.state)) ended.push(c.rec);
        else {
          await releaseContainer(ctx, c.id, c.rec);
          if (c.rec?.netns) await releaseNetns(ctx, c.rec.netns);
        }
        if (c.why === 'unrecorded') unrecorded = true;
        report.containers.push(c.id);
      } catch (err) {
        ctx.log.warn(`cleaning up what is left of container ${first.id.slice(0, 12)}: ${(err as Error).message}`);
      } finally {
        own?.release();
      }
    }
    const owners = plan.netns.length > 0 ? scanContainers(ctx).records : [];
    for (const n of plan.netns) {
      // A namespace named at create belongs to its container: while a start holds that
      // container's lock, its pasta may still be setting up there (the creator of the name,
      // `create`, is long gone). After the lock, look again: a finished start left a monitor.
      const owner = owners.find((r) => r.netns === n);
      const own = owner ? await tryContainerLock(ctx, owner.id) : undefined;
      if (own === 'busy') continue;
      try {
        if (own && !planNow(ctx, proc).netns.includes(n)) continue;
        await releaseNetns(ctx, n).catch((err: unknown) => ctx.log.warn(`releasing network namespace ${n}: ${(err as Error).message}`));
        report.netns.push(n);
      } finally {
        own?.release();
      }
    }
  } finally {
    lock.release();
  }
  if (ended.length > 0) {
    const { reconcile } = await import('./reconcile.js');
    for (const rec of ended) await reconcile(ctx, rec).catch((err: unknown) => ctx.log.warn(`reconciling ${rec.id.slice(0, 12)}: ${(err as Error).message}`));
  }
  // A container dir with no record (a killed create) goes too.
  if (unrecorded) await repairContainers(ctx).catch(() => undefined);
  if (report.containers.length > 0 || report.netns.length > 0) {
    ctx.log.debug(`cleaned up after killed commands: containers ${report.containers.join(', ') || 'none'}; network namespaces ${report.netns.join(', ') || 'none'}`);
  }
  return report;
}

/** What `doctor` reports: the orphans, found the same way, nothing cleaned. */
export async function findOrphans(ctx: Context, proc: HostProc = realProc()): Promise<OrphanPlan> {
  await loadPauseReader();
  return planNow(ctx, proc);
}

/**
 * `rm -f` of a container whose record is corrupt: its processes, mount and runtime state
 * (found by its id), then its record, names and directory, then network namespaces no
 * record names any more.
 */
export async function cleanBrokenContainer(ctx: Context, id: string, proc: HostProc = realProc()): Promise<void> {
  await loadPauseReader();
  ensurePrivateDir(ctx.paths.root, ctx.uid);
  const lock = await FileLock.acquire(containersLockPath(ctx));
  try {
    const traces = readTraces(ctx);
    if (traces.runtime.includes(id) || traces.mounts.includes(id)) {
      await killProcesses(ctx, id, undefined, proc);
      await releaseContainer(ctx, id, undefined);
    }
  } finally {
    lock.release();
  }
  await removeBrokenContainer(ctx, id);
  await repairOrphans(ctx, { wait: true, proc });
}
