// `tpod start` (and run -d, start -a, restart, pod start): starts a created or exited
// container under a new monitor (launch.ts), with the container's lock held from the
// state check until the record says running, so two starts at once make one run. A pod
// member's infra is started first: the same start, one container further.
import type { Context } from './context.js';
import { NoSuchContainerError, TpodError, UsageError } from '../errors.js';
import { readContainer, writeContainer, type ContainerRecord } from '../storage/containers.js';
import { readPod, type PodRecord } from '../storage/pods.js';
import type { MonitorHandle } from '../monitor/spawn.js';
import { hasMonitor, isUp, liveState } from './state.js';
import { missingInfra } from './pod-member.js';
import { finishRun } from './cleanup.js';
import { launchContainer, type LaunchOptions } from './launch.js';
import { withContainer } from './transition.js';

export interface StartResult {
  record: ContainerRecord;
  handle: MonitorHandle;
  /** It was running already: nothing was started (Podman's start is idempotent). */
  alreadyRunning: boolean;
}

/** Starts a created or exited container. A running one is left as it is. */
export async function startContainer(ctx: Context, id: string, lo: Omit<LaunchOptions, 'mounted' | 'restartCount'> = {}): Promise<StartResult | { record: ContainerRecord; alreadyRunning: true }> {
  const before = readContainer(ctx, id);
  if (!before) throw new NoSuchContainerError(id);
  // A pod member needs its pod's infra running (started here, before this lock: it takes the infra's).
  if (before.pod) await beforeMemberStart(ctx, before);
  return withContainer(ctx, id, async (rec, ls) => {
    if (ls.status === 'running' || ls.status === 'stopping') return { record: rec, alreadyRunning: true as const };
    if (rec.startError !== undefined) throw new TpodError('ERUNTIME', rec.startError);
    if (ls.status === 'paused') throw new UsageError(`container ${rec.id.slice(0, 12)} is paused: unpause it instead`);
    if (hasMonitor(rec.state) && ls.status === 'exited') {
      // The last run ended and its exit command has not recorded it yet (or its monitor
      // died): recorded here, without the policy's restart, which this start replaces.
      const done = await finishRun(ctx, rec, ls, false);
      if (!done.record) throw new NoSuchContainerError(id); // --rm: it is gone now
      rec = done.record;
    }
    const launched = await launchContainer(ctx, rec, lo);
    writeContainer(ctx, launched.record);
    const { containerEvent } = await import('./events.js');
    await containerEvent(ctx, launched.record, 'init');
    await containerEvent(ctx, launched.record, 'start');
    return { ...launched, alreadyRunning: false };
  });
}

/**
 * Starts the pod's infra unless it runs; returns its current record (with its pid).
 * DEFER_NETWORK_READY: returns once the pause process runs, before pasta is ready (the
 * caller waits with infraNetworkReady before a member runs).
 */
export async function ensureInfraRunning(ctx: Context, pod: PodRecord, o: { deferNetworkReady?: boolean } = {}): Promise<ContainerRecord> {
  if (pod.infraId === undefined) throw new TpodError('EINTERNAL', `pod ${pod.name} has no infra container`);
  const infra = readContainer(ctx, pod.infraId);
  if (!infra) throw missingInfra(pod);
  if (isUp(liveState(ctx, infra).status)) return infra;
  await waitPortsReleased(infra);
  const r = await startContainer(ctx, infra.id, o.deferNetworkReady ? { deferNetworkReady: true } : {});
  if ('handle' in r) r.handle.release();
  // startContainer wrote --infra-conmon-pidfile (the infra's own --conmon-pidfile).
  return r.record;
}

/**
 * The pod's previous pasta is told to quit when its infra stops, and may hold the
 * published ports a moment longer (pod restart, stop then start): give it that moment
 * before the start's own port check says "address already in use".
 */
async function waitPortsReleased(infra: ContainerRecord, timeoutMs = 10_000): Promise<void> {
  if (!infra.ports || infra.ports.length === 0) return;
  const { checkPortsFree } = await import('../network/ports.js');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await checkPortsFree(infra.ports);
      return;
    } catch (err) {
      if (Date.now() > deadline) return; // the start says why
      if (!(err instanceof TpodError)) throw err;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

/** Before a member starts (outside the containers lock): its pod's infra must run. */
export async function beforeMemberStart(ctx: Context, rec: ContainerRecord): Promise<void> {
  if (!rec.pod || rec.isInfra) return;
  const pod = readPod(ctx, rec.pod);
  if (!pod?.infraId) return;
  await ensureInfraRunning(ctx, pod);
}
