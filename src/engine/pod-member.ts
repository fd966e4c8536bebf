// A container's membership of a pod, as the engine's lifecycle sees it. A member shares
// the pod's namespaces through its infra container: the network as `container:<infra>`
// (whose /etc/hosts and resolv.conf it shares, as with Podman), IPC, UTS and PID by path
// (/proc/<infra pid>/ns/...). Those paths change with every infra start, so they are
// written again into the member's config.json each time it starts (launch.ts). Starting
// the infra is start.ts's; joining at create time is pod-join.ts's. src/pod/ builds on
// this, never the reverse.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Context } from './context.js';
import { TpodError, UsageError } from '../errors.js';
import type { RunOptions } from '../runtime/options.js';
import { readContainer, type ContainerRecord } from '../storage/containers.js';
import { readPod, type PodRecord } from '../storage/pods.js';
import { writeFileAtomic } from '../storage/atomic.js';
import { isUp, liveState } from './state.js';

export type JoinedNamespaces = Partial<Record<'ipc' | 'uts' | 'pid', string>>;

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

export function missingInfra(pod: PodRecord): TpodError {
  return new TpodError('ENOCONTAINER', `the infra container of pod ${pod.name} (${pod.infraId?.slice(0, 12)}) is missing: remove the pod and create it again`);
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
