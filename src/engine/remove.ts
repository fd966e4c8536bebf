// `tpod rm`, `container prune` and `rmi -f`'s container removal. Each container is
// handled on its own and reported on its own (Podman's per-item reports), so `rm a b c`
// removes what it can and fails only for the rest.
//
// Removing: a running container needs force and is stopped first (stop signal, SIGKILL
// after the timeout; src/engine/stop.ts); what its end left (rootfs mount, runtime state)
// is released; then the record, its name and its directory go (the directory holds
// subordinate-owned files: it is deleted inside the user namespace). The checks and the
// removal happen under the container's lock, so a start cannot slip in between.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { podOps, type Context } from './context.js';
import { TpodError } from '../errors.js';
import { BrokenContainerError, findContainer, listContainers, listBrokenContainers, removeContainer, type ContainerDirs, type ContainerRecord, type TreeRemover } from '../storage/containers.js';
import { hasMonitor, isUp, pidAlive, runtimeStateExists } from './state.js';
import { removeRunFiles } from './release.js';
import { unshareHostsName } from '../network/plan.js';
import { anonymousVolumes, removeVolumes } from './container-volumes.js';
import { withContainerIfAny } from './transition.js';

/** Podman's exit codes for rm: no such container 1, running without force 2. */
export const RM_EXIT = { notFound: 1, stateImproper: 2 } as const;

export interface RemoveOptions {
  force: boolean;
  /** Remove the containers that depend on a target first. */
  depend: boolean;
  /** Seconds to wait for the stop signal before SIGKILL (the container's own when absent). */
  timeout?: number | undefined;
  /** -v: anonymous volumes (tpod has none yet: accepted, nothing to do). */
  volumes?: boolean;
  /** Deletes container directories; several removals share one batch (see TreeBatch). */
  remover?: TreeRemover;
  /** The containers still there, when the caller has read them already (dependents). */
  remaining?: Map<string, ContainerRecord>;
  /** `pod rm` removes the pod's infra container; `rm` alone refuses it while the pod exists. */
  podRemoval?: boolean;
}

/**
 * Deleting a directory of subordinate-owned files takes a spawn into the user namespace;
 * removing many containers shares a few. Each container's record is deleted at once
 * (under the store lock: from then on it is gone), its directory joins the batch, and
 * flush() deletes the batch. A directory left by a failed or killed flush has no record:
 * the next create removes it as a leftover.
 */
export class TreeBatch {
  private pending: ContainerDirs[] = [];
  // tpod-helper nsexec takes at most 63 steps; each directory needs two (umount, rmtree).
  constructor(private readonly ctx: Context, private readonly size = 30) {}

  readonly remover: TreeRemover = async (dirs) => {
    rmSync(join(dirs.dir, 'container.json'), { force: true });
    this.pending.push(dirs);
    if (this.pending.length >= this.size) await this.flush();
  };

  async flush(): Promise<void> {
    const batch = this.pending.splice(0);
    if (batch.length === 0) return;
    const { runInNamespaceChecked } = await import('../rootless/join.js');
    const steps = batch.flatMap((d) => [{ kind: 'umount' as const, arg: d.merged }, { kind: 'rmtree' as const, arg: d.dir }]);
    try {
      await runInNamespaceChecked(this.ctx, steps, [], `remove ${batch.length} container director${batch.length === 1 ? 'y' : 'ies'}`);
    } catch (err) {
      this.ctx.log.warn(`${(err as Error).message}: they are removed by the next create`);
    }
  }
}

export interface RemoveReport {
  /** What the user typed (or the full id for -a / prune / dependents). */
  input: string;
  id?: string;
  error?: TpodError;
}

/** Containers a container depends on: recorded dependencies, and the one whose network it joined (--network container:). */
export function dependenciesOf(rec: ContainerRecord): string[] {
  const deps = (rec as ContainerRecord & { dependencies?: unknown }).dependencies;
  const out = Array.isArray(deps) ? deps.filter((d): d is string => typeof d === 'string') : [];
  if (rec.network.startsWith('container:')) out.push(rec.network.slice('container:'.length));
  return out;
}

/** Ids of the containers that depend on `id`, given every record. */
export function dependentsOf(id: string, all: ContainerRecord[]): string[] {
  return all.filter((r) => r.id !== id && dependenciesOf(r).includes(id)).map((r) => r.id);
}

/**
 * Orders removals so dependents go before what they depend on: a depth-first walk from
 * each target over its dependents (with --depend), dependents emitted first.
 */
export function removalOrder(targets: string[], all: ContainerRecord[], depend: boolean): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const visit = (id: string): void => {
    if (seen.has(id)) return;
    seen.add(id);
    if (depend) for (const d of dependentsOf(id, all)) visit(d);
    out.push(id);
  };
  for (const t of targets) visit(t);
  return out;
}

function improper(rec: ContainerRecord): TpodError {
  return new TpodError(
    'ERUNTIME',
    `cannot remove container ${rec.id} as it is running - running or paused containers cannot be removed without force: container state improper`,
    { exitCode: RM_EXIT.stateImproper },
  );
}

/** SIGKILL through the runtime to what is left of a container, then a short wait for its init. */
async function killLeftovers(ctx: Context, rec: ContainerRecord): Promise<void> {
  if (rec.pid === undefined || !pidAlive(rec.pid)) return;
  const { signalContainer } = await import('./stop.js');
  try {
    await signalContainer(ctx, rec, 9);
  } catch (err) {
    ctx.log.debug(`killing what is left of ${rec.id.slice(0, 12)}: ${(err as Error).message}`);
    return;
  }
  for (let i = 0; i < 100 && pidAlive(rec.pid); i++) await new Promise((r) => setTimeout(r, 20));
}

/** Removes one container (by id). Throws a TpodError with Podman's exit code. */
export async function removeOne(ctx: Context, id: string, o: RemoveOptions): Promise<void> {
  // A running container is stopped (its end recorded) outside the lock, then looked at
  // again: another command may have started it meanwhile, so a few rounds settle that.
  for (let round = 0; ; round++) {
    const removed = await withContainerIfAny(ctx, id, async (rec, ls) => {
      await checkRemovable(ctx, rec, o);
      if (isUp(ls.status)) {
        if (!o.force || round >= 5) throw improper(rec);
        return false;
      }
      // Its processes may outlive a killed monitor, and `runtime delete --force` does not
      // kill them without a cgroup (crun): the container must not outlive its removal.
      if (runtimeStateExists(ctx, rec.id)) await killLeftovers(ctx, rec);
      let cur = rec;
      if (hasMonitor(rec.state)) {
        // Ended, end not recorded yet (exit command on its way, or a dead monitor).
        const { finishRun } = await import('./cleanup.js');
        const done = await finishRun(ctx, { ...rec, stoppedByUser: true }, ls, false);
        if (!done.record) return true; // --rm: gone with its end
        cur = done.record;
      }
      if (runtimeStateExists(ctx, cur.id)) {
        const { releaseContainerResources } = await import('./release.js');
        await releaseContainerResources(ctx, cur);
      }
      await removeContainer(ctx, cur.id, ...(o.remover ? [o.remover] : []));
      removeRunFiles(ctx, cur);
      unshareHostsName(ctx, cur);
      if (o.volumes || cur.rm) await removeVolumes(ctx, anonymousVolumes(cur));
      await (await import('./events.js')).containerEvent(ctx, cur, 'remove');
      return true;
    });
    if (removed !== false) return; // removed, or gone meanwhile (--rm, another rm)
    const { stopContainer } = await import('./stop.js');
    await stopContainer(ctx, id, o.timeout !== undefined ? { timeout: o.timeout } : {});
  }
}

/** What forbids removing REC whatever its state: being a pod's infra, having dependents. */
async function checkRemovable(ctx: Context, rec: ContainerRecord, o: RemoveOptions): Promise<void> {
  if (rec.isInfra && rec.pod && !o.podRemoval) {
    const { readPod } = await import('../storage/pods.js');
    if (readPod(ctx, rec.pod)) {
      throw new TpodError('ERUNTIME', `container ${rec.id} is the infra container of pod ${rec.pod} and cannot be removed without removing the pod`);
    }
  }
  const dependents = dependentsOf(rec.id, o.remaining ? [...o.remaining.values()] : listContainers(ctx));
  if (dependents.length > 0 && !o.depend) {
    throw new TpodError('ERUNTIME', `container ${rec.id} has dependent containers which must be removed before it: ${dependents.join(',')}: container already exists`);
  }
}

/**
 * `tpod rm NAME...`: looks each name up and removes it, reporting per name. With
 * `ignore`, unknown names are skipped silently.
 */
export async function removeContainers(ctx: Context, names: string[], o: RemoveOptions & { ignore?: boolean }): Promise<RemoveReport[]> {
  // What killed commands left goes first: a container that never started may still have processes.
  await (await import('./orphans.js')).repairOrphans(ctx, { wait: true });
  const reports: RemoveReport[] = [];
  const all = listContainers(ctx);
  const resolved: Array<{ input: string; id: string }> = [];
  for (const input of names) {
    try {
      resolved.push({ input, id: findContainer(ctx, input).id });
    } catch (err) {
      if (err instanceof BrokenContainerError) {
        reports.push(await removeBroken(ctx, input, err, o.force));
        continue;
      }
      if (!(err instanceof TpodError)) throw err;
      if (err.code === 'ENOCONTAINER' && o.ignore) continue;
      reports.push({ input, error: err.code === 'ENOCONTAINER' ? new TpodError('ENOCONTAINER', err.message, { exitCode: RM_EXIT.notFound }) : err });
    }
  }
  // rm --depend of a pod's infra: the pod goes whole (its members depend on the infra), as in Podman.
  if (o.depend) {
    for (const r of [...resolved]) {
      const rec = all.find((c) => c.id === r.id);
      if (!rec?.isInfra || !rec.pod) continue;
      resolved.splice(resolved.indexOf(r), 1);
      const { readPod } = await import('../storage/pods.js');
      const pod = readPod(ctx, rec.pod);
      const members = all.filter((c) => c.pod === rec.pod);
      try {
        if (pod) await podOps(ctx).removePod(ctx, pod, { force: o.force, ...(o.timeout !== undefined ? { timeout: o.timeout } : {}) });
        for (const m of [...members.filter((m) => !m.isInfra), rec]) reports.push({ input: m.id === rec.id ? r.input : m.id, id: m.id });
      } catch (err) {
        if (!(err instanceof TpodError)) throw err;
        reports.push({ input: r.input, id: r.id, error: err });
      }
    }
  }
  const inputOf = new Map(resolved.map((r) => [r.id, r.input]));
  const batch = new TreeBatch(ctx);
  const remaining = new Map(all.map((r) => [r.id, r]));
  try {
    for (const id of removalOrder(resolved.map((r) => r.id), all, o.depend)) {
      const input = inputOf.get(id) ?? id;
      try {
        await removeOne(ctx, id, { ...o, remover: batch.remover, remaining });
        remaining.delete(id);
        reports.push({ input, id });
      } catch (err) {
        if (!(err instanceof TpodError)) throw err;
        reports.push({ input, id, error: err });
      }
    }
  } finally {
    await batch.flush();
  }
  return reports;
}

/** --replace: the container holding NAME goes first (stopped if it runs), as `rm -f` would. */
export async function replaceContainer(ctx: Context, name: string): Promise<void> {
  const reports = await removeContainers(ctx, [name], { force: true, depend: false, ignore: true });
  const failed = reports.find((r) => r.error);
  if (failed?.error) throw new TpodError(failed.error.code, `replacing container "${name}": ${failed.error.message}`, { cause: failed.error });
}

/**
 * A container whose record is corrupt: its state cannot be known, so only rm -f removes
 * it, after its processes, mount and network are cleaned up as orphans.
 */
async function removeBroken(ctx: Context, input: string, err: BrokenContainerError, force: boolean): Promise<RemoveReport> {
  const id = err.broken.id;
  if (!force) {
    return { input, id, error: new TpodError('ESTORAGE', `${err.message.replace(/; remove it with .*$/, '')}: its state is unknown, so it is removed only with --force`, { exitCode: RM_EXIT.stateImproper }) };
  }
  try {
    const { cleanBrokenContainer } = await import('./orphans.js');
    await cleanBrokenContainer(ctx, id);
    return { input, id };
  } catch (e) {
    if (!(e instanceof TpodError)) throw e;
    return { input, id, error: e };
  }
}

/** `rm -a`: every container, dependents first; pods go whole (their infra with them), as with Podman. */
export async function removeAll(ctx: Context, o: RemoveOptions): Promise<RemoveReport[]> {
  const all = listContainers(ctx);
  const reports = await removeContainers(ctx, [...all.filter((r) => !r.isInfra || !r.pod).map((r) => r.id), ...listBrokenContainers(ctx).map((b) => b.id)], { ...o, depend: true, ignore: true });
  const infras = all.filter((r) => r.isInfra && r.pod);
  if (infras.length === 0) return reports;
  const { readPod } = await import('../storage/pods.js');
  const { removePod } = podOps(ctx);
  for (const infra of infras) {
    const pod = readPod(ctx, infra.pod!);
    try {
      if (pod) await removePod(ctx, pod, { force: o.force, ...(o.timeout !== undefined ? { timeout: o.timeout } : {}) });
      else await removeOne(ctx, infra.id, { ...o, podRemoval: true });
      reports.push({ input: infra.id, id: infra.id });
    } catch (err) {
      if (!(err instanceof TpodError)) throw err;
      reports.push({ input: infra.id, id: infra.id, error: err });
    }
  }
  return reports;
}

/** `container prune`: every container that is not running (and matches the filters). */
export async function pruneContainers(ctx: Context, filters: readonly string[]): Promise<RemoveReport[]> {
  const { buildContainerFilter } = await import('./container-filters.js');
  const { viewOf } = await import('./ps.js');
  for (const f of filters) {
    const key = f.slice(0, Math.max(0, f.indexOf('=')));
    if (!['label', 'until'].includes(key)) throw new TpodError('EUSAGE', `${key || f} is an invalid filter`);
  }
  const pred = buildContainerFilter(filters, { find: (n) => findContainer(ctx, n) });
  const reports: RemoveReport[] = [];
  const batch = new TreeBatch(ctx);
  const all = listContainers(ctx);
  const remaining = new Map(all.map((r) => [r.id, r]));
  try {
    for (const rec of all) {
      const v = viewOf(ctx, rec);
      if (v.status === 'running' || v.status === 'stopping' || v.status === 'paused') continue;
      if (!pred(v)) continue;
      try {
        await removeOne(ctx, rec.id, { force: false, depend: false, remover: batch.remover, remaining });
        remaining.delete(rec.id);
        reports.push({ input: rec.id, id: rec.id });
      } catch (err) {
        if (!(err instanceof TpodError)) throw err;
        reports.push({ input: rec.id, id: rec.id, error: err });
      }
    }
  } finally {
    await batch.flush();
  }
  return reports;
}

/** For `rmi -f`: removes (stopping if needed) every container created from the image. */
export async function removeImageUsers(ctx: Context, imageId: string): Promise<void> {
  const { imageInUse } = await import('../image/store.js');
  const users = imageInUse(ctx, imageId.replace(/^sha256:/, ''));
  const reports = await removeContainers(ctx, users, { force: true, depend: true, ignore: true });
  const failed = reports.find((r) => r.error);
  if (failed?.error) throw failed.error;
}

/** run --rmi: removes the image the container ran, unless another container (or name) keeps it. */
export async function removeUnusedImage(ctx: Context, nameOrId: string): Promise<void> {
  const store = await import('../image/store.js');
  const { WorkDir } = await import('../storage/workdir.js');
  let id: string;
  try {
    id = (await store.findImage(ctx, nameOrId)).id;
  } catch {
    return;
  }
  const trash = await WorkDir.create(ctx, 'trash');
  try {
    await store.removeImage(ctx, id, { force: false, trash }).catch((err: unknown) => {
      // In use by a container, or by more than one name: it stays, as with Podman.
      if (!(err instanceof TpodError)) throw err;
    });
  } finally {
    await trash.dispose(ctx).catch((e: Error) => ctx.log.warn(`removed layers will be deleted later: ${e.message}`));
  }
}
