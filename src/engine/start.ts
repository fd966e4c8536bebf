// `tpod start` (and run -d, start -a, restart, pod start): starts a created or exited
// container under a new monitor (launch.ts), with the container's lock held from the
// state check until the record says running, so two starts at once make one run.
import type { Context } from './context.js';
import { NoSuchContainerError, TpodError, UsageError } from '../errors.js';
import { readContainer, writeContainer, type ContainerRecord } from '../storage/containers.js';
import type { MonitorHandle } from '../monitor/spawn.js';
import { hasMonitor } from './state.js';
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
  if (before.pod) await (await import('../pod/join.js')).beforeMemberStart(ctx, before);
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
