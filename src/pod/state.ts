// A pod's status, derived from its containers' live states the way libpod's
// createPodStatusResults does it: the infra container counts like any other member.
//   every member running            -> Running
//   some running                    -> Degraded
//   every member paused             -> Paused
//   every member stopped or exited  -> Exited
//   some stopped or exited          -> Stopped
//   any member in an unknown state  -> Error
//   otherwise (created; no members) -> Created
// tpod's transient 'stopping' counts as running: its processes are still there (libpod
// would count its own stopping state as an error).
import type { Context } from '../engine/context.js';
import { TpodError } from '../errors.js';
import type { ContainerView } from '../engine/container-filters.js';
import type { LiveStatus, HostProc } from '../engine/state.js';
import { viewOf } from '../engine/ps.js';
import { listContainers, type ContainerRecord } from '../storage/containers.js';
import { listPods, podMembers, type PodRecord } from '../storage/pods.js';

export type PodStatus = 'Created' | 'Running' | 'Degraded' | 'Stopped' | 'Exited' | 'Paused' | 'Error';

/** The lower-case names `pod ps --filter status=` accepts (libpod's list; dead matches nothing). */
export const POD_STATUS_FILTER_VALUES = ['stopped', 'running', 'paused', 'exited', 'dead', 'created', 'degraded'] as const;

export function podStatus(states: readonly LiveStatus[]): PodStatus {
  const n = states.length;
  if (n === 0) return 'Created';
  let running = 0;
  let paused = 0;
  let stopped = 0;
  let errored = 0;
  for (const s of states) {
    if (s === 'running' || s === 'stopping') running++;
    else if (s === 'paused') paused++;
    else if (s === 'exited') stopped++;
    else if (s !== 'created') errored++;
  }
  if (running === n) return 'Running';
  if (running > 0) return 'Degraded';
  if (paused === n) return 'Paused';
  if (stopped === n) return 'Exited';
  if (stopped > 0) return 'Stopped';
  if (errored > 0) return 'Error';
  return 'Created';
}

/** A pod as the listing commands see it: its record, its members' live views (infra first), its status. */
export interface PodView {
  pod: PodRecord;
  members: ContainerView[];
  status: PodStatus;
}

/** Builds the view of one pod from records already read (no writes, no spawns). */
export function podView(ctx: Context, pod: PodRecord, all?: ContainerRecord[], proc?: HostProc): PodView {
  const members = podMembers(ctx, pod, all).map((r) => viewOf(ctx, r, proc));
  return { pod, members, status: podStatus(members.map((m) => m.status)) };
}

/** Views of every pod, oldest first, reading the container records once. */
export function podViews(ctx: Context, proc?: HostProc): PodView[] {
  const pods = listPods(ctx);
  if (pods.length === 0) return [];
  const all = listContainers(ctx);
  return pods.map((p) => podView(ctx, p, all, proc));
}

/** The most recently created pod (--latest); libpod's bare "no such pod" when there is none. */
export function latestPod(ctx: Context): PodRecord {
  const pods = listPods(ctx);
  const last = pods[pods.length - 1];
  if (!last) throw new TpodError('ENOPOD', 'no such pod');
  return last;
}
