// `tpod pod inspect`: one object per pod shaped as Podman 5's InspectPodData (keys in its
// order, its omitempty fields left out when empty). The shaping is pure; inspectPods()
// gathers the records and the members' live states.
import type { Context } from '../engine/context.js';
import { NoSuchPodError, TpodError } from '../errors.js';
import { inspectPorts, type InspectPortBinding } from '../network/port-format.js';
import { findPod, type PodRecord } from '../storage/pods.js';
import { listContainers, type ContainerRecord } from '../storage/containers.js';
import { latestPod, podView, type PodView } from './state.js';

export interface PodInspectInfraConfig {
  PortBindings: Record<string, InspectPortBinding[] | null>;
  HostNetwork: boolean;
  StaticIP: string;
  StaticMAC: string;
  NoManageResolvConf: boolean;
  DNSServer: string[] | null;
  DNSSearch: string[] | null;
  DNSOption: string[] | null;
  NoManageHostname: boolean;
  NoManageHosts: boolean;
  HostAdd: string[] | null;
  HostsFile: string;
  Networks: string[] | null;
  NetworkOptions: Record<string, string[]> | null;
  pid_ns: string;
  userns: string;
  uts_ns: string;
}

function orNull<T>(list: T[] | undefined): T[] | null {
  return list && list.length > 0 ? list : null;
}

/** InfraConfig: what the infra container holds for the whole pod (ports, DNS, hosts). */
export function infraConfig(infra: ContainerRecord | undefined): PodInspectInfraConfig {
  const o = infra?.options;
  const cfg: PodInspectInfraConfig = {
    PortBindings: inspectPorts(infra?.ports),
    HostNetwork: infra?.network === 'host',
    StaticIP: '',
    StaticMAC: '',
    NoManageResolvConf: false,
    DNSServer: orNull(o?.dns),
    DNSSearch: orNull(o?.dnsSearch),
    DNSOption: orNull(o?.dnsOption),
    NoManageHostname: false,
    NoManageHosts: o?.noHosts === true,
    HostAdd: orNull((o?.addHosts ?? []).map(([h, ip]) => `${h}:${ip}`)),
    HostsFile: '',
    Networks: orNull(Object.keys(infra?.networks ?? {})),
    NetworkOptions: infra?.networkOptions && infra.networkOptions.length > 0 ? { [infra.network]: infra.networkOptions } : null,
    // The infra's own namespaces, as libpod names them: its pid and uts are its own, its
    // user namespace the one every rootless container shares.
    pid_ns: 'private',
    userns: 'host',
    uts_ns: 'private',
  };
  return cfg;
}

/** Podman's InspectPodData for one pod view. */
export function shapePodInspect(v: PodView): Record<string, unknown> {
  const { pod } = v;
  const infra = pod.infraId === undefined ? undefined : v.members.find((m) => m.rec.id === pod.infraId)?.rec;
  const out: Record<string, unknown> = {
    Id: pod.id,
    Name: pod.name,
    Created: pod.created,
  };
  if (pod.createCommand && pod.createCommand.length > 0) out.CreateCommand = pod.createCommand;
  out.ExitPolicy = pod.exitPolicy ?? 'continue';
  out.State = v.status;
  out.Hostname = pod.hostname ?? '';
  if (Object.keys(pod.labels).length > 0) out.Labels = { ...pod.labels };
  out.CreateCgroup = false;
  out.CreateInfra = pod.infraId !== undefined;
  if (pod.infraId !== undefined) {
    out.InfraContainerID = pod.infraId;
    out.InfraConfig = infraConfig(infra);
  }
  if (pod.share.length > 0) out.SharedNamespaces = [...pod.share];
  out.NumContainers = v.members.length;
  if (v.members.length > 0) out.Containers = v.members.map((m) => ({ Id: m.rec.id, Name: m.rec.name, State: m.status }));
  return out;
}

/** Podman's template normalisation keeps `{{.ID}}` working beside the JSON key `Id`. */
function withIdField(obj: Record<string, unknown>): Record<string, unknown> {
  Object.defineProperty(obj, 'ID', { get: () => obj.Id, enumerable: false, configurable: true });
  return obj;
}

export interface PodInspectResult {
  found: Array<Record<string, unknown>>;
  /** "no such pod NAME", one per name that is not a pod, in order. */
  errors: TpodError[];
}

/** Looks each name up; names that are not pods are reported, not fatal (Podman's PodInspect). */
export function inspectPods(ctx: Context, names: string[], latest: boolean): PodInspectResult {
  const all = listContainers(ctx);
  if (latest) return { found: [withIdField(shapePodInspect(podView(ctx, latestPod(ctx), all)))], errors: [] };
  const out: PodInspectResult = { found: [], errors: [] };
  for (const name of names) {
    let pod: PodRecord;
    try {
      pod = findPod(ctx, name);
    } catch (err) {
      if (err instanceof NoSuchPodError) {
        out.errors.push(new TpodError('ENOPOD', `no such pod ${name}`));
        continue;
      }
      throw err;
    }
    out.found.push(withIdField(shapePodInspect(podView(ctx, pod, all))));
  }
  return out;
}
