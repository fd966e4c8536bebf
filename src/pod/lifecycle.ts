// pod start, stop, restart and kill. The infra holds the pod's namespaces, so it starts
// first and stops last; members start one after another (in creation order) and stop
// in parallel, each with its own stop signal and timeout, as `stop` does. A member that
// fails does not stop the others: the errors are reported together afterwards.
import type { Context } from '../engine/context.js';
import { TpodError, UsageError } from '../errors.js';
import { readContainer, type ContainerRecord } from '../storage/containers.js';
import { findPod, listPods, podMembers, type PodRecord } from '../storage/pods.js';
import { isUp } from '../engine/state.js';
import { eachOnItsOwn } from '../util/each.js';
import { POD_ID_FILE_MESSAGES, readIdFiles } from '../util/id-files.js';

function combined(pod: PodRecord, what: string, errors: Array<{ rec: ContainerRecord; err: TpodError }>): TpodError {
  if (errors.length === 1) {
    const e = errors[0]!;
    return new TpodError(e.err.code, `${what} container ${e.rec.id.slice(0, 12)} of pod ${pod.name}: ${e.err.message}`, { cause: e.err, exitCode: e.err.exitCode });
  }
  const lines = errors.map((e) => `\t* ${what} container ${e.rec.id.slice(0, 12)}: ${e.err.message}`);
  return new TpodError('ERUNTIME', `${errors.length} errors occurred in pod ${pod.name}:\n${lines.join('\n')}`);
}

/** `pod start`: the infra, then every member that is not running. */
export async function startPod(ctx: Context, pod: PodRecord): Promise<void> {
  const { liveState } = await import('../engine/state.js');
  const { reconcileAll } = await import('../engine/reconcile.js');
  const members = await reconcileAll(ctx, podMembers(ctx, pod));
  if (members.length === 0) {
    throw new TpodError('ENOCONTAINER', `no containers in pod ${pod.id} have no dependencies, cannot start pod: no such container`);
  }
  if (pod.infraId !== undefined) {
    const { ensureInfraRunning } = await import('../engine/start.js');
    await ensureInfraRunning(ctx, pod);
  }
  const { startContainer } = await import('../engine/start.js');
  const errors: Array<{ rec: ContainerRecord; err: TpodError }> = [];
  for (const m of members) {
    if (m.isInfra || isUp(liveState(ctx, m).status)) continue;
    try {
      const r = await startContainer(ctx, m.id);
      if ('handle' in r) r.handle.release();
    } catch (err) {
      if (!(err instanceof TpodError)) throw err;
      errors.push({ rec: m, err });
    }
  }
  if (errors.length > 0) throw combined(pod, 'starting', errors);
  await (await import('../engine/events.js')).podEvent(ctx, pod, 'start');
}

/** Stops the members (in parallel), then the infra. MEMBERS: already read, infra included. */
export async function stopMembers(ctx: Context, pod: PodRecord, members: ContainerRecord[], timeout?: number): Promise<void> {
  const { stopContainer } = await import('../engine/stop.js');
  const errors: Array<{ rec: ContainerRecord; err: TpodError }> = [];
  const stop = async (m: ContainerRecord): Promise<void> => {
    try {
      await stopContainer(ctx, m.id, timeout === undefined ? {} : { timeout });
    } catch (err) {
      if (!(err instanceof TpodError)) throw err;
      // Removed meanwhile (--rm member): stopped is what was asked.
      if (err.code === 'ENOCONTAINER' && !readContainer(ctx, m.id)) return;
      errors.push({ rec: m, err });
    }
  };
  await Promise.all(members.filter((m) => !m.isInfra).map(stop));
  for (const m of members.filter((x) => x.isInfra)) await stop(m);
  if (errors.length > 0) throw combined(pod, 'stopping', errors);
}

/** `pod stop`. A pod that is not running is fine: nothing to do. */
export async function stopPod(ctx: Context, pod: PodRecord, timeout?: number): Promise<void> {
  await stopMembers(ctx, pod, podMembers(ctx, pod), timeout);
  await (await import('../engine/events.js')).podEvent(ctx, pod, 'stop');
}

/** `pod restart`: stop everything, start everything. */
export async function restartPod(ctx: Context, pod: PodRecord): Promise<void> {
  await stopPod(ctx, pod);
  await startPod(ctx, pod);
}

/** `pod kill`: SIGNAL to every running container of the pod (members first, then the infra). */
export async function killPod(ctx: Context, pod: PodRecord, signal: number): Promise<void> {
  const { liveState } = await import('../engine/state.js');
  const { killContainer } = await import('../engine/stop.js');
  const members = podMembers(ctx, pod).filter((m) => isUp(liveState(ctx, m).status));
  const errors: Array<{ rec: ContainerRecord; err: TpodError }> = [];
  const kill = async (m: ContainerRecord): Promise<void> => {
    try {
      await killContainer(ctx, m.id, signal);
    } catch (err) {
      if (!(err instanceof TpodError)) throw err;
      // It ended between the look and the signal.
      if (!isUp(liveState(ctx, readContainer(ctx, m.id) ?? m).status)) return;
      errors.push({ rec: m, err });
    }
  };
  await Promise.all(members.filter((m) => !m.isInfra).map(kill));
  for (const m of members.filter((x) => x.isInfra)) await kill(m);
  if (errors.length > 0) throw combined(pod, 'killing', errors);
  await (await import('../engine/events.js')).podEvent(ctx, pod, 'kill');
}

// ---- which pods a command acts on ------------------------------------------------------

export interface PodTargetFlags {
  names: string[];
  all?: boolean;
  latest?: boolean;
  podIdFiles?: string[];
  /** --ignore: missing pods (and missing id files) are skipped. */
  ignore?: boolean;
}

/** The ids --pod-id-file names (first line of each); a missing or empty file is skipped with --ignore. */
export function readPodIdFiles(files: string[], ignore: boolean): string[] {
  return readIdFiles(files, ignore, POD_ID_FILE_MESSAGES);
}

/** Names as given, -a (every pod), --latest, or --pod-id-file; exactly one way. */
export function podTargets(ctx: Context, f: PodTargetFlags, verb: string): string[] {
  const files = f.podIdFiles ?? [];
  const ways = [f.names.length > 0, f.all === true, f.latest === true, files.length > 0].filter(Boolean).length;
  if (ways > 1) throw new UsageError('--all, --latest, --pod-id-file and pod names cannot be used together');
  if (ways === 0) throw new UsageError(`you must provide at least one pod name or id to ${verb}`);
  if (f.all) return listPods(ctx).map((p) => p.id);
  if (f.latest) {
    const newest = listPods(ctx).pop();
    if (!newest) throw new TpodError('ENOPOD', 'no pods to act on: no such pod');
    return [newest.id];
  }
  if (files.length > 0) return readPodIdFiles(files, f.ignore === true);
  return f.names;
}

/**
 * Runs FN on each target pod. Every name is looked up first, and an unknown one fails
 * the command before anything is done (as Podman); with --ignore it is skipped. Each
 * pod then succeeds or fails on its own; the last failure decides the exit code.
 */
export async function forEachPod(
  ctx: Context,
  targets: string[],
  o: { ignore?: boolean },
  fn: (pod: PodRecord) => Promise<void>,
  print: (text: string) => void,
): Promise<number> {
  const pods: PodRecord[] = [];
  for (const t of targets) {
    try {
      pods.push(findPod(ctx, t));
    } catch (err) {
      if (o.ignore && err instanceof TpodError && err.code === 'ENOPOD') continue;
      throw err;
    }
  }
  return eachOnItsOwn(pods, async (pod) => {
    await fn(pod);
    print(pod.id);
  });
}
