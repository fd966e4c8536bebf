// tpod's container records as Docker's JSON: the list's ContainerSummary and inspect's
// ContainerJSON (from the Podman-shaped inspect object, as Podman's compat API does).
// Pure functions, so every field is testable without a container.
import { constants } from 'node:os';
import type { ContainerRecord } from '../storage/containers.js';
import type { LiveStatus } from '../engine/state.js';
import type { PsRow } from '../engine/ps.js';
import type { InspectPortBinding, PortMapping } from '../network/port-format.js';
import { inspectNetworks } from '../engine/container-inspect.js';

/** Docker's State.Status for tpod's live status. */
export function dockerStatus(s: LiveStatus | string): string {
  switch (s) {
    case 'created':
    case 'running':
    case 'paused':
    case 'exited':
      return s;
    case 'stopping':
      return 'running';
    case 'broken':
      return 'dead';
    default:
      return 'exited';
  }
}

/** HostConfig.NetworkMode as Docker names it: tpod's user-mode default is Docker's "default". */
export function dockerNetworkMode(rec: ContainerRecord): string {
  const n = rec.network;
  if (n === 'pasta' || n === 'slirp4netns' || n === 'default' || n === '') return 'default';
  if (n === 'bridge') return Object.keys(rec.networks ?? {})[0] ?? 'bridge';
  return n;
}

/** NetworkSettings.Networks: the user networks the container is on (the same entries as tpod's inspect). */
export function dockerNetworks(rec: ContainerRecord): Record<string, Record<string, unknown>> {
  return inspectNetworks(rec.networks ?? {}, rec.id);
}

/** The list's Ports: one entry per published port (ranges spread out), IP 0.0.0.0 for all. */
export function summaryPorts(ports: PortMapping[] | undefined): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  for (const m of ports ?? []) {
    for (let i = 0; i < m.range; i++) {
      out.push({ IP: m.hostIP === '' ? '0.0.0.0' : m.hostIP, PrivatePort: m.containerPort + i, PublicPort: m.hostPort + i, Type: m.protocol });
    }
  }
  return out;
}

/** Mounts from the create options (the list reads no bundle). */
export function summaryMounts(rec: ContainerRecord): Array<Record<string, unknown>> {
  const o = rec.options;
  if (!o) return [];
  const prop = (opts: string[]): string => opts.find((x) => /^r?(private|shared|slave|unbindable)$/.test(x)) ?? 'rprivate';
  const out: Array<Record<string, unknown>> = [];
  for (const b of o.volumes) out.push({ Type: 'bind', Source: b.source, Destination: b.destination, Mode: '', RW: !b.readOnly, Propagation: prop(b.options) });
  for (const v of o.namedVolumes ?? []) out.push({ Type: 'volume', Name: v.name ?? '', Source: '', Destination: v.destination, Driver: 'local', Mode: '', RW: !v.readOnly, Propagation: '' });
  for (const t of o.tmpfs) out.push({ Type: 'tmpfs', Source: '', Destination: t.destination, Mode: '', RW: !t.options.includes('ro'), Propagation: '' });
  return out;
}

/** Docker's status line: "Up 5 seconds", "Exited (3) 2 minutes ago", "Created". */
export function summaryStatus(psStatus: string): string {
  return psStatus.startsWith('Up ') ? psStatus.replace(/ ago$/, '') : psStatus;
}

/** One GET /containers/json element (Docker's ContainerSummary). */
export function containerSummary(row: PsRow, size?: { rw: number; rootfs: number }): Record<string, unknown> {
  const { rec } = row.view;
  const j = row.json;
  const out: Record<string, unknown> = {
    Id: rec.id,
    Names: [`/${rec.name}`],
    Image: rec.image || rec.imageName,
    ImageID: rec.imageId.startsWith('sha256:') ? rec.imageId : `sha256:${rec.imageId}`,
    Command: j.Command.join(' '),
    Created: j.Created,
    Ports: summaryPorts(rec.ports),
    Labels: j.Labels ?? {},
    State: dockerStatus(j.State),
    Status: summaryStatus(j.Status),
    HostConfig: { NetworkMode: dockerNetworkMode(rec) },
    NetworkSettings: { Networks: dockerNetworks(rec) },
    Mounts: summaryMounts(rec),
  };
  if (size) {
    out.SizeRw = size.rw;
    out.SizeRootFs = size.rootfs;
  }
  return out;
}

/** A signal number as Docker writes Config.StopSignal ("SIGTERM"). */
export function signalName(n: number): string {
  const hit = Object.entries(constants.signals).find(([, v]) => v === n);
  return hit ? hit[0] : String(n);
}

type Obj = Record<string, unknown>;

/** Mounts tpod adds to every container: not the user's. */
const GENERATED = new Set(['/run/.containerenv']);

/** NetworkSettings.Ports: Docker shows an unset host IP as 0.0.0.0. */
function runningPorts(ports: Record<string, InspectPortBinding[] | null>): Record<string, InspectPortBinding[] | null> {
  const out: Record<string, InspectPortBinding[] | null> = {};
  for (const [k, v] of Object.entries(ports)) out[k] = v === null ? null : v.map((b) => ({ HostIp: b.HostIp === '' ? '0.0.0.0' : b.HostIp, HostPort: b.HostPort }));
  return out;
}

/** Podman's inspect object (src/engine/container-inspect.ts) in Docker's ContainerJSON shape. */
export function dockerInspect(p: Obj, rec: ContainerRecord, entrypoint: string[]): Obj {
  const state = p.State as Obj;
  const config = p.Config as Obj;
  const host = p.HostConfig as Obj;
  const net = p.NetworkSettings as Obj;
  const ports = (net.Ports ?? {}) as Record<string, InspectPortBinding[] | null>;
  const exposed: Record<string, object> = {};
  for (const k of Object.keys(ports)) exposed[k] = {};
  const o = rec.options;
  const log = host.LogConfig as Obj;
  const restart = host.RestartPolicy as Obj;
  const status = dockerStatus(state.Status as string);
  const firstNet = Object.values(dockerNetworks(rec))[0];
  return {
    Id: p.Id,
    Created: p.Created,
    Path: p.Path,
    Args: p.Args,
    State: {
      Status: status,
      Running: status === 'running' || status === 'paused',
      Paused: state.Paused,
      Restarting: false,
      OOMKilled: state.OOMKilled,
      Dead: status === 'dead',
      Pid: state.Pid,
      ExitCode: state.ExitCode,
      Error: state.Error ?? '',
      StartedAt: state.StartedAt,
      FinishedAt: state.FinishedAt,
    },
    Image: `sha256:${String(p.Image)}`,
    ResolvConfPath: p.ResolvConfPath,
    HostnamePath: p.HostnamePath,
    HostsPath: p.HostsPath,
    LogPath: log?.Path ?? '',
    Name: `/${String(p.Name)}`,
    RestartCount: p.RestartCount,
    Driver: p.Driver,
    Platform: 'linux',
    MountLabel: '',
    ProcessLabel: '',
    AppArmorProfile: '',
    ExecIDs: null,
    HostConfig: {
      Binds: nullIfEmpty(((host.Binds ?? []) as string[]).filter((b) => !GENERATED.has(b.split(':')[1] ?? ''))),
      ContainerIDFile: host.ContainerIDFile,
      LogConfig: { Type: log?.Type ?? 'k8s-file', Config: log?.Config ?? {} },
      NetworkMode: dockerNetworkMode(rec),
      PortBindings: host.PortBindings,
      RestartPolicy: { Name: (restart?.Name as string) || 'no', MaximumRetryCount: restart?.MaximumRetryCount ?? 0 },
      AutoRemove: host.AutoRemove,
      VolumeDriver: '',
      VolumesFrom: o?.volumesFrom ?? null,
      ConsoleSize: [0, 0],
      CapAdd: host.CapAdd,
      CapDrop: host.CapDrop,
      CgroupnsMode: 'private',
      Dns: host.Dns,
      DnsOptions: host.DnsOptions,
      DnsSearch: host.DnsSearch,
      ExtraHosts: host.ExtraHosts,
      GroupAdd: o?.groupAdd ?? null,
      IpcMode: 'private',
      Cgroup: '',
      Links: null,
      OomScoreAdj: 0,
      PidMode: 'private',
      Privileged: host.Privileged,
      PublishAllPorts: host.PublishAllPorts,
      ReadonlyRootfs: host.ReadonlyRootfs,
      SecurityOpt: host.SecurityOpt,
      Tmpfs: host.Tmpfs,
      UTSMode: '',
      UsernsMode: host.UsernsMode,
      ShmSize: o?.shmSize ?? host.ShmSize,
      Runtime: rec.runtime,
      Isolation: '',
      CpuShares: 0,
      Memory: host.Memory,
      NanoCpus: host.NanoCpus,
      CgroupParent: '',
      BlkioWeight: 0,
      BlkioWeightDevice: null,
      Devices: [],
      PidsLimit: host.PidsLimit,
      Ulimits: host.Ulimits,
      Init: host.Init === true,
      MaskedPaths: null,
      ReadonlyPaths: null,
    },
    GraphDriver: p.GraphDriver,
    ...(p.SizeRw !== undefined ? { SizeRw: p.SizeRw, SizeRootFs: p.SizeRootFs } : {}),
    Mounts: ((p.Mounts ?? []) as Obj[]).filter((m) => !GENERATED.has(m.Destination as string)).map((m) => ({
      Type: m.Type,
      ...(m.Name !== undefined ? { Name: m.Name } : {}),
      Source: m.Source,
      Destination: m.Destination,
      ...(m.Type === 'volume' ? { Driver: 'local' } : {}),
      Mode: m.Mode,
      RW: m.RW,
      Propagation: m.Propagation,
    })),
    Config: {
      Hostname: config.Hostname,
      Domainname: '',
      User: config.User,
      AttachStdin: false,
      AttachStdout: false,
      AttachStderr: false,
      ...(Object.keys(exposed).length > 0 ? { ExposedPorts: exposed } : {}),
      Tty: config.Tty,
      OpenStdin: config.OpenStdin,
      StdinOnce: false,
      Env: config.Env,
      Cmd: (config.Cmd as string[]).length > 0 ? config.Cmd : null,
      Image: rec.image || rec.imageName,
      Volumes: null,
      WorkingDir: config.WorkingDir,
      Entrypoint: entrypoint.length > 0 ? entrypoint : null,
      OnBuild: null,
      Labels: config.Labels ?? {},
      StopSignal: signalName(config.StopSignal as number),
      StopTimeout: config.StopTimeout,
    },
    NetworkSettings: {
      Bridge: '',
      SandboxID: '',
      HairpinMode: false,
      LinkLocalIPv6Address: '',
      LinkLocalIPv6PrefixLen: 0,
      Ports: runningPorts(ports),
      SandboxKey: net.SandboxKey ?? '',
      SecondaryIPAddresses: null,
      SecondaryIPv6Addresses: null,
      EndpointID: '',
      Gateway: firstNet?.Gateway ?? '',
      GlobalIPv6Address: '',
      GlobalIPv6PrefixLen: 0,
      IPAddress: firstNet?.IPAddress ?? '',
      IPPrefixLen: firstNet?.IPPrefixLen ?? 0,
      IPv6Gateway: '',
      MacAddress: firstNet?.MacAddress ?? '',
      Networks: dockerNetworks(rec),
    },
  };
}

function nullIfEmpty<T>(l: T[]): T[] | null {
  return l.length > 0 ? l : null;
}
