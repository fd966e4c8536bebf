// Members of a pod: `run`/`create --pod NAME|ID|new:NAME`. A member shares the pod's
// namespaces through its infra container: the network as `container:<infra>` (whose
// /etc/hosts and resolv.conf it shares, as with Podman), IPC, UTS and PID by path
// (/proc/<infra pid>/ns/...). Those paths change with every infra start, so they are
// written again into the member's config.json each time it starts; starting a member
// starts the infra first when it is not running.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Context } from '../engine/context.js';
import { TpodError, UsageError } from '../errors.js';
import type { RunOptions } from '../runtime/options.js';
import { readContainer, type ContainerRecord } from '../storage/containers.js';
import { findPod, readPod, type PodRecord } from '../storage/pods.js';
import { writeFileAtomic } from '../storage/atomic.js';
import { isUp, liveState } from '../engine/state.js';

export type JoinedNamespaces = Partial<Record<'ipc' | 'uts' | 'pid', string>>;

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

const BY_PATH = ['ipc', 'uts', 'pid'] as const;

/** Podman's refusal of ports on a member: they belong to the pod. */
export function memberPortsError(): TpodError {
  return new TpodError(
    'EUSAGE',
    'invalid config provided: published or exposed ports must be defined when the pod is created: network cannot be configured when it is shared with a pod',
  );
}

/** /proc/<pid>/ns/<ns> of the infra for every namespace the pod shares by path. */
export function namespacePaths(share: readonly string[], infraPid: number | undefined): JoinedNamespaces {
  const out: JoinedNamespaces = {};
  for (const ns of BY_PATH) if (share.includes(ns)) out[ns] = `/proc/${infraPid ?? 0}/ns/${ns}`;
  return out;
}

/**
 * The member's options inside POD: ports refused, the infra's network joined (unless
 * the member asked for a network of its own, which Podman allows), the pod's hostname.
 */
export function memberOptions(pod: PodRecord, infra: ContainerRecord | undefined, opts: RunOptions): RunOptions {
  const out: RunOptions = { ...opts };
  const sharesNet = infra !== undefined && pod.share.includes('net');
  if (sharesNet && ((opts.publish ?? []).length > 0 || opts.publishAll)) throw memberPortsError();
  if (infra && pod.share.includes('uts')) {
    if (opts.hostname !== undefined) {
      throw new TpodError('EUSAGE', 'invalid config provided: cannot set hostname when joining the pod UTS namespace: invalid configuration');
    }
    out.hostname = infra.hostname;
  }
  // The pod's volumes (pod create -v) are the infra's: every member mounts them too.
  const infraOpts = infra?.options;
  if (infra && ((infraOpts?.volumes ?? []).length > 0 || (infraOpts?.namedVolumes ?? []).length > 0)) {
    out.volumesFrom = [infra.id, ...(opts.volumesFrom ?? [])];
  }
  if (sharesNet && opts.network === 'default') {
    out.network = 'container';
    out.networkTarget = infra.id;
    // The infra's /etc/hosts and resolv.conf are shared: the member's own DNS flags have no file to go to.
    for (const k of ['dns', 'dnsSearch', 'dnsOption', 'addHosts', 'noHosts'] as const) {
      if (out[k] !== undefined) {
        throw new UsageError('--dns, --dns-search, --dns-option, --add-host and --no-hosts belong to the pod when it shares its network: give them to `pod create`');
      }
    }
  }
  return out;
}

/** `--pod new:NAME`: a pod with the container's network flags, as Podman moves them to the pod. */
async function createPodFor(ctx: Context, name: string, opts: RunOptions): Promise<{ pod: PodRecord; opts: RunOptions }> {
  const { createPodFromOptions, DEFAULT_SHARE } = await import('./create.js');
  const { infraImageName } = await import('./infra.js');
  const infra: RunOptions = {
    image: infraImageName(),
    command: [],
    rm: false,
    interactive: false,
    tty: false,
    env: [],
    capAdd: [],
    capDrop: [],
    readOnly: false,
    noNewPrivileges: false,
    tmpfs: [],
    volumes: [],
    network: opts.network,
    userns: 'default',
    init: false,
    resources: {},
  };
  const rest: RunOptions = { ...opts, network: 'default' };
  for (const k of ['networkOptions', 'networkTarget', 'publish', 'publishAll', 'dns', 'dnsSearch', 'dnsOption', 'addHosts', 'noHosts'] as const) {
    if (opts[k] !== undefined) Object.assign(infra, { [k]: opts[k] });
    delete rest[k];
  }
  if (infra.network === 'container' || infra.network === 'ns') {
    throw new UsageError(`--pod new: with --network ${infra.network}: the new pod's network must be its own`);
  }
  const createOpts: import('./create.js').PodCreateOptions = { name, labels: {}, share: [...DEFAULT_SHARE], infra, exitPolicy: 'continue', replace: false };
  if (opts.hostname !== undefined) {
    createOpts.hostname = opts.hostname;
    delete rest.hostname;
  }
  const pod = await createPodFromOptions(ctx, createOpts);
  return { pod, opts: rest };
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
    const made = await createPodFor(ctx, ref.slice(4), given);
    pod = made.pod;
    opts = made.opts;
    undo = async () => {
      const { removePod } = await import('./remove.js');
      await removePod(ctx, made.pod, { force: true }).catch(() => undefined);
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

function missingInfra(pod: PodRecord): TpodError {
  return new TpodError('ENOCONTAINER', `the infra container of pod ${pod.name} (${pod.infraId?.slice(0, 12)}) is missing: remove the pod and create it again`);
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
    const { stopContainer } = await import('../engine/stop.js');
    await stopContainer(ctx, infra.id, { timeout: 0 }).catch(() => undefined);
    throw err;
  }
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
  const { startContainer } = await import('../engine/start.js');
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

/**
 * Points the member's config.json at the infra's namespaces as they are now (the
 * infra's pid changes with each start). Called with the containers lock held.
 */
export function refreshMemberNamespaces(ctx: Context, rec: ContainerRecord): void {
  if (!rec.pod || rec.isInfra) return;
  const pod = readPod(ctx, rec.pod);
  if (!pod?.infraId) return;
  const wanted = BY_PATH.filter((ns) => pod.share.includes(ns));
  if (wanted.length === 0) return;
  const infra = readContainer(ctx, pod.infraId);
  if (!infra) throw missingInfra(pod);
  const s = liveState(ctx, infra);
  if (!isUp(s.status) || s.pid === undefined) {
    throw new TpodError('ERUNTIME', `the infra container of pod ${pod.name} is not running: start the pod first (tpod pod start ${pod.name})`);
  }
  const file = join(ctx.paths.containers, rec.id, 'userdata', 'config.json');
  const spec = JSON.parse(readFileSync(file, 'utf8')) as { linux?: { namespaces?: Array<{ type: string; path?: string }> } };
  let changed = false;
  for (const ns of spec.linux?.namespaces ?? []) {
    const m = /^\/proc\/\d+\/ns\/(ipc|uts|pid)$/.exec(ns.path ?? '');
    if (!m || !wanted.includes(m[1] as (typeof BY_PATH)[number])) continue;
    const path = `/proc/${s.pid}/ns/${m[1]}`;
    if (ns.path !== path) {
      ns.path = path;
      changed = true;
    }
  }
  if (changed) writeFileAtomic(file, JSON.stringify(spec, null, 2) + '\n');
}

/** Removes a member that was written but never ran (its infra failed to start): only tpod's own files exist. */
export async function forgetMember(ctx: Context, rec: ContainerRecord): Promise<void> {
  const { forgetContainer } = await import('../storage/containers.js');
  const { rmSync } = await import('node:fs');
  await forgetContainer(ctx, rec.id, rec.name, async (d) => rmSync(d.dir, { recursive: true, force: true })).catch(() => undefined);
}
