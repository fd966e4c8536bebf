// `run`/`create --pod NAME|ID|new:NAME`: the member's options inside the pod, and for a
// run its infra started meanwhile. `--pod new:` makes the pod through the context's pod
// operations (src/pod/ sits above the engine and fills them in: context.ts PodOps).
import { podOps, type Context } from './context.js';
import type { RunOptions } from '../runtime/options.js';
import { readContainer, type ContainerRecord } from '../storage/containers.js';
import { findPod, type PodRecord } from '../storage/pods.js';
import { memberOptions, missingInfra, namespacePaths, type JoinedNamespaces } from './pod-member.js';
import { ensureInfraRunning } from './start.js';
import { isUp, liveState } from './state.js';

export interface PodJoin {
  pod: PodRecord;
  /** The member's options with the pod's network (and hostname) in place. */
  opts: RunOptions;
  /** The infra's namespaces the member joins by path, as they are when asked (the infra may be starting). */
  namespaces: () => JoinedNamespaces;
  /** `--pod new:NAME` made the pod: it goes again when the container is not created. */
  undo?: () => Promise<void>;
  /**
   * For a run: the infra starting meanwhile (the member is written while it does);
   * resolves with the running infra, its network ready. The member's namespace paths
   * are filled in once it has (refreshMemberNamespaces).
   */
  ready?: Promise<ContainerRecord>;
}

/**
 * Resolves --pod for a container being created. START: it is about to run (run), so
 * the infra is started now and its namespaces are known; for `create` they are filled
 * in when the member starts.
 */
export async function joinPod(ctx: Context, given: RunOptions, co: { start: boolean }): Promise<PodJoin> {
  const ref = given.pod!;
  let pod: PodRecord;
  let opts = given;
  let undo: (() => Promise<void>) | undefined;
  if (ref.startsWith('new:')) {
    const pods = podOps(ctx);
    const made = await pods.createPodFor(ctx, ref.slice(4), given);
    pod = made.pod;
    opts = made.opts;
    undo = async () => {
      await pods.removePod(ctx, made.pod, { force: true }).catch(() => undefined);
    };
  } else {
    pod = findPod(ctx, ref);
  }
  try {
    const infra = pod.infraId === undefined ? undefined : readContainer(ctx, pod.infraId);
    if (pod.infraId !== undefined && !infra) throw missingInfra(pod);
    const member = memberOptions(pod, infra, opts);
    delete member.pod;
    const namespaces = (): JoinedNamespaces => {
      if (!infra) return {};
      const cur = readContainer(ctx, infra.id);
      return namespacePaths(pod.share, cur && isUp(liveState(ctx, cur).status) ? cur.pid : undefined);
    };
    const out: PodJoin = { pod, opts: member, namespaces, ...(undo ? { undo } : {}) };
    if (infra && co.start) {
      out.ready = ensureInfraRunning(ctx, pod, { deferNetworkReady: true }).then(async (running) => {
        await infraNetworkReady(ctx, running);
        return running;
      });
      out.ready.catch(() => undefined); // awaited by the caller; not unhandled meanwhile
    }
    return out;
  } catch (err) {
    await undo?.();
    throw err;
  }
}

/**
 * Waits for the infra's pasta to have set the network up (a deferred start). If it gave
 * up, the infra is stopped again, so the next start brings the network up anew.
 */
export async function infraNetworkReady(ctx: Context, infra: ContainerRecord): Promise<void> {
  const { waitNetworkReady } = await import('../network/setup.js');
  try {
    await waitNetworkReady(ctx, infra);
  } catch (err) {
    const { stopContainer } = await import('./stop.js');
    await stopContainer(ctx, infra.id, { timeout: 0 }).catch(() => undefined);
    throw err;
  }
}
