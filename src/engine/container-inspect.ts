// `tpod container inspect`: one Podman-shaped object per container, built from its record,
// its live state, the OCI spec in its bundle and (for Cmd/Entrypoint/User fallbacks) the
// image config. The shaping is a pure function so every field is testable without a
// container; inspectContainer() only gathers the inputs.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { constants } from 'node:os';
import type { Context } from './context.js';
import { containerDirs, type ContainerRecord } from '../storage/containers.js';
import type { OciSpec, OciMount } from '../runtime/spec.js';
import { securityOptList } from '../runtime/security.js';
import type { ImageConfigBody } from '../image/types.js';
import { containerLabels, type ContainerView } from './container-filters.js';
import { inspectPorts } from '../network/port-format.js';
import { compactSize } from '../util/units.js';

/** Go's zero time, as Podman prints times that never happened. */
export const GO_ZERO_TIME = '0001-01-01T00:00:00Z';

/** The capabilities Docker grants by default: Podman reports CapAdd/CapDrop against them. */
const DOCKER_DEFAULT_CAPS = [
  'CAP_AUDIT_WRITE', 'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL', 'CAP_MKNOD',
  'CAP_NET_BIND_SERVICE', 'CAP_NET_RAW', 'CAP_SETFCAP', 'CAP_SETGID', 'CAP_SETPCAP', 'CAP_SETUID', 'CAP_SYS_CHROOT',
];

/** Mounts tpod itself adds to every spec; not the user's, so not in Mounts/Binds. */
const GENERATED_DESTINATIONS = new Set(['/etc/hostname', '/etc/hosts', '/etc/resolv.conf', '/etc/passwd', '/etc/group', '/run/podman-init', '/sys', '/proc']);
const DEFAULT_TMPFS = new Set(['/dev', '/dev/shm']);

export interface InspectInput {
  view: ContainerView;
  spec?: OciSpec | undefined;
  image?: ImageConfigBody | undefined;
  imageDigest?: string | undefined;
  /** overlay: the layer dirs, bottom first. */
  lowerDirs?: string[] | undefined;
  dirs: { dir: string; userdata: string; upper: string; work: string; merged: string };
  monitorAlive?: boolean;
  size?: { rw: number; rootfs: number } | undefined;
}

export interface InspectMount {
  Type: string;
  /** A volume's name (named and anonymous volumes only). */
  Name?: string;
  Source: string;
  Destination: string;
  Driver: string;
  Mode: string;
  Options: string[];
  RW: boolean;
  Propagation: string;
}

/** A signal name or number (SIGTERM, TERM, 15) as its number; 15 when unknown. */
export function signalNumber(sig: string | number | undefined): number {
  if (sig === undefined || sig === '') return 15;
  if (typeof sig === 'number') return sig;
  if (/^\d+$/.test(sig)) return Number(sig);
  const name = sig.toUpperCase().startsWith('SIG') ? sig.toUpperCase() : `SIG${sig.toUpperCase()}`;
  return (constants.signals as Record<string, number>)[name] ?? 15;
}

function userMounts(spec: OciSpec | undefined): OciMount[] {
  return (spec?.mounts ?? []).filter((m) => m.type === 'bind' && !GENERATED_DESTINATIONS.has(m.destination));
}

function propagation(opts: string[]): string {
  return opts.find((o) => /^r?(private|shared|slave|unbindable)$/.test(o)) ?? 'rprivate';
}

/** Mounts as Podman's inspect shows them; `volumes` names the container's volume mounts. */
export function inspectMounts(spec: OciSpec | undefined, volumes: ReadonlyArray<{ name?: string; destination: string }> = []): InspectMount[] {
  return userMounts(spec)
    .map((m): InspectMount => {
      const opts = m.options ?? [];
      const vol = volumes.find((v) => v.destination === m.destination && v.name !== undefined);
      return {
        Type: vol ? 'volume' : 'bind',
        ...(vol ? { Name: vol.name! } : {}),
        Source: m.source,
        Destination: m.destination,
        Driver: vol ? 'local' : '',
        Mode: '',
        Options: opts.includes('bind') && !opts.includes('rbind') ? ['bind'] : ['rbind'],
        RW: !opts.includes('ro'),
        Propagation: propagation(opts),
      };
    })
    .sort((a, b) => (a.Destination < b.Destination ? -1 : a.Destination > b.Destination ? 1 : 0));
}

/** HostConfig.Binds: "SRC:DST:rw,rprivate,rbind", as Podman writes them. */
export function inspectBinds(spec: OciSpec | undefined): string[] {
  return inspectMounts(spec).map((m) => `${m.Source}:${m.Destination}:${m.RW ? 'rw' : 'ro'},${m.Propagation},${m.Options[0]}`);
}

export function inspectTmpfs(spec: OciSpec | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of spec?.mounts ?? []) {
    if (m.type === 'tmpfs' && !DEFAULT_TMPFS.has(m.destination)) out[m.destination] = (m.options ?? []).join(',');
  }
  return out;
}

/** CapAdd / CapDrop relative to Docker's default set, sorted (Podman's report). */
export function capDiff(bounding: string[]): { add: string[]; drop: string[] } {
  const have = new Set(bounding);
  return {
    add: bounding.filter((c) => !DOCKER_DEFAULT_CAPS.includes(c)).sort(),
    drop: DOCKER_DEFAULT_CAPS.filter((c) => !have.has(c)).sort(),
  };
}

/** Config.Cmd and Config.Entrypoint, from the create options when the record has them. */
export function cmdAndEntrypoint(rec: ContainerRecord, image: ImageConfigBody | undefined): { cmd: string[]; entrypoint: string[] } {
  const o = rec.options;
  if (o) {
    const entrypoint = o.entrypoint ?? image?.Entrypoint ?? [];
    const cmd = o.command.length > 0 ? o.command : o.entrypoint !== undefined ? [] : image?.Cmd ?? [];
    return { cmd, entrypoint };
  }
  // Older records: only the whole command line is known.
  const init = rec.command[0] === '/run/podman-init' && rec.command[1] === '--';
  return { cmd: init ? rec.command.slice(2) : rec.command, entrypoint: [] };
}

function iso(t: string | undefined): string {
  return t === undefined ? GO_ZERO_TIME : t;
}

export function shapeInspect(input: InspectInput): Record<string, unknown> {
  const { view, spec, image, dirs } = input;
  const rec = view.rec;
  const o = rec.options;
  const status = view.status;
  const running = status === 'running' || status === 'paused' || status === 'stopping';
  const { cmd, entrypoint } = cmdAndEntrypoint(rec, image);
  const args = rec.command;
  const labels = { ...(image?.Labels ?? {}), ...containerLabels(rec) };
  const bounding = spec?.process.capabilities.bounding ?? [];
  const caps = capDiff(bounding);
  const stopSignal = signalNumber(rec.stopSignal ?? image?.StopSignal);
  const lowerDirs = input.lowerDirs ?? [];
  const graphData =
    rec.driver === 'vfs'
      ? null
      : {
          LowerDir: [...lowerDirs].reverse().join(':'),
          MergedDir: dirs.merged,
          UpperDir: dirs.upper,
          WorkDir: dirs.work,
        };
  const resources = o?.resources ?? {};
  const state: Record<string, unknown> = {
    OciVersion: spec?.ociVersion ?? '1.0.2-dev',
    Status: status,
    Running: status === 'running',
    Paused: status === 'paused',
    Restarting: false,
    OOMKilled: view.oomKilled === true,
    Dead: false,
    Pid: running ? view.pid ?? 0 : 0,
    ConmonPid: running && input.monitorAlive ? rec.monitorPid ?? 0 : 0,
    ExitCode: view.exitCode ?? 0,
    Error: '',
    StartedAt: status === 'created' ? GO_ZERO_TIME : iso(view.startedAt),
    FinishedAt: status === 'exited' ? iso(view.finishedAt) : GO_ZERO_TIME,
    Health: { Status: '', FailingStreak: 0, Log: null },
    CheckpointedAt: GO_ZERO_TIME,
    RestoredAt: GO_ZERO_TIME,
  };
  const out: Record<string, unknown> = {
    Id: rec.id,
    Created: rec.created,
    Path: args[0] ?? '',
    Args: args.slice(1),
    State: state,
    Image: rec.imageId.replace(/^sha256:/, ''),
    ImageDigest: input.imageDigest ?? '',
    ImageName: rec.imageName,
    Rootfs: '',
    Pod: rec.pod ?? '',
    // container: shares the other container's files; --no-hosts / --dns none mount none.
    ResolvConfPath: mountSource(spec, '/etc/resolv.conf') ?? (o?.dns?.[0] === 'none' ? '' : join(dirs.userdata, 'resolv.conf')),
    HostnamePath: join(dirs.userdata, 'hostname'),
    HostsPath: mountSource(spec, '/etc/hosts') ?? (o?.noHosts ? '' : join(dirs.userdata, 'hosts')),
    StaticDir: dirs.userdata,
    OCIRuntime: rec.runtime,
    ConmonPidFile: '',
    PidFile: '',
    Name: rec.name,
    RestartCount: rec.restartCount ?? 0,
    Driver: rec.driver,
    MountLabel: '',
    ProcessLabel: '',
    AppArmorProfile: '',
    // tpod's own: which seccomp profile the filter came from ("unconfined": none).
    SeccompProfilePath: rec.seccompProfile ?? '',
    EffectiveCaps: spec?.process.capabilities.effective ?? [],
    BoundingCaps: bounding,
    ExecIDs: [],
    GraphDriver: { Name: rec.driver, Data: graphData },
    Mounts: inspectMounts(spec, rec.options?.namedVolumes ?? []),
    Dependencies: [],
    NetworkSettings: {
      EndpointID: '',
      Gateway: '',
      IPAddress: '',
      IPPrefixLen: 0,
      IPv6Gateway: '',
      GlobalIPv6Address: '',
      GlobalIPv6PrefixLen: 0,
      MacAddress: '',
      Bridge: '',
      SandboxID: '',
      HairpinMode: false,
      LinkLocalIPv6Address: '',
      LinkLocalIPv6PrefixLen: 0,
      Ports: inspectPorts(rec.ports, image?.ExposedPorts),
      SandboxKey: running && rec.netns ? rec.netns : '',
      ...(rec.networks ? { Networks: inspectNetworks(rec.networks, rec.id) } : {}),
    },
    Namespace: '',
    IsInfra: rec.isInfra === true,
    IsService: false,
  };
  if (input.size) {
    out.SizeRw = input.size.rw;
    out.SizeRootFs = input.size.rootfs;
  }
  out.Config = {
    Hostname: spec?.hostname ?? rec.hostname,
    Domainname: '',
    User: o?.user ?? image?.User ?? '',
    AttachStdin: false,
    AttachStdout: false,
    AttachStderr: false,
    Tty: rec.tty,
    OpenStdin: rec.interactive,
    StdinOnce: false,
    Env: spec?.process.env ?? [],
    Cmd: cmd,
    Image: rec.imageName,
    Volumes: null,
    WorkingDir: spec?.process.cwd ?? '/',
    Entrypoint: entrypoint.join(' '),
    OnBuild: null,
    Labels: Object.keys(labels).length > 0 ? labels : null,
    Annotations: spec?.annotations ?? {},
    StopSignal: stopSignal,
    Umask: '0022',
    Timeout: 0,
    StopTimeout: rec.stopTimeout ?? 10,
  };
  // Podman's omitempty fields: the creating command line and the sd_notify mode.
  const config = out.Config as Record<string, unknown>;
  if (o?.createCommand) config.CreateCommand = o.createCommand;
  if (o?.systemd?.sdNotify) config.sdNotifyMode = o.systemd.sdNotify;
  const hostConfig: Record<string, unknown> = {
    Binds: inspectBinds(spec),
    CgroupManager: 'cgroupfs',
    CgroupMode: 'host',
    ContainerIDFile: o?.systemd?.cidFile ?? '',
    LogConfig: {
      Type: rec.logDriver ?? 'k8s-file',
      Config: o?.log?.options ?? null,
      Path: rec.logDriver === 'none' || rec.logDriver === 'passthrough' ? '' : rec.logPath ?? join(dirs.userdata, 'ctr.log'),
      Tag: o?.log?.tag ?? '',
      Size: compactSize(o?.log?.size ?? 0),
    },
    NetworkMode: rec.network,
    PortBindings: inspectPorts(rec.ports),
    RestartPolicy: { Name: rec.restartPolicy?.name ?? '', MaximumRetryCount: rec.restartPolicy?.maxRetries ?? 0 },
    AutoRemove: rec.rm,
    VolumeDriver: '',
    VolumesFrom: null,
    CapAdd: caps.add,
    CapDrop: caps.drop,
    Dns: o?.dns ?? [],
    DnsOptions: o?.dnsOption ?? [],
    DnsSearch: o?.dnsSearch ?? [],
    ExtraHosts: (o?.addHosts ?? []).map(([h, ip]) => `${h}:${ip}`),
    GroupAdd: [],
    IpcMode: 'private',
    Cgroup: '',
    Cgroups: 'default',
    Links: null,
    OomScoreAdj: 0,
    PidMode: 'private',
    Privileged: o?.privileged === true,
    PublishAllPorts: o?.publishAll === true,
    ReadonlyRootfs: spec?.root.readonly === true,
    SecurityOpt: securityOptList(o?.security, spec?.process.noNewPrivileges === true),
    Tmpfs: inspectTmpfs(spec),
    UTSMode: 'private',
    UsernsMode: o?.userns === 'keep-id' ? 'keep-id' : o?.userns === 'nomap' ? 'nomap' : o?.userns === 'auto' ? 'private' : '',
    ShmSize: 67108864,
    Runtime: 'oci',
    ConsoleSize: [0, 0],
    Isolation: '',
    CpuShares: 0,
    Memory: resources.memory ?? 0,
    NanoCpus: resources.cpus !== undefined ? Math.round(resources.cpus * 1e9) : 0,
    CgroupParent: '',
    PidsLimit: resources.pidsLimit ?? 0,
    Ulimits: (spec?.process.rlimits ?? []).map((r) => ({ Name: r.type, Soft: r.soft, Hard: r.hard })),
  };
  if (args[0] === '/run/podman-init') hostConfig.Init = true;
  out.HostConfig = hostConfig;
  return out;
}

/** Where a bind mount at DEST comes from, per the spec. */
function mountSource(spec: OciSpec | undefined, dest: string): string | undefined {
  return spec?.mounts.find((m) => m.destination === dest)?.source;
}

function readSpec(userdata: string): OciSpec | undefined {
  try {
    return JSON.parse(readFileSync(join(userdata, 'config.json'), 'utf8')) as OciSpec;
  } catch {
    return undefined;
  }
}

/** Gathers the inputs for one container and shapes its inspect object. */
export async function inspectContainer(ctx: Context, view: ContainerView, opts: { size?: boolean } = {}): Promise<Record<string, unknown>> {
  const rec = view.rec;
  const dirs = containerDirs(ctx, rec.id);
  const spec = readSpec(dirs.userdata);
  const store = await import('../image/store.js');
  let image: ImageConfigBody | undefined;
  let imageDigest: string | undefined;
  let imageSize = 0;
  try {
    const id = rec.imageId.replace(/^sha256:/, '');
    image = (await store.readImageConfig(ctx, id)).config;
    const img = (await store.listImages(ctx)).find((i) => i.id === id);
    imageDigest = img?.manifestDigest;
    imageSize = img?.size ?? 0;
  } catch {
    /* the image may be gone (rmi -f): inspect what the container itself knows */
  }
  const lowerDirs = rec.layers.map((d) => store.layerDiffDir(ctx, d));
  const { monitorIdentity, processAlive } = await import('./state.js');
  const mon = monitorIdentity(rec);
  const input: InspectInput = { view, spec, image, imageDigest, lowerDirs, dirs, monitorAlive: mon !== undefined && processAlive(mon) };
  if (opts.size) {
    const { treeSize } = await import('../storage/tree-size.js');
    const rw = treeSize(dirs.upper);
    input.size = { rw, rootfs: imageSize + rw };
  }
  return shapeInspect(input);
}

/** NetworkSettings.Networks of a container on user networks, as Podman shows it. */
export function inspectNetworks(networks: NonNullable<ContainerRecord['networks']>, id: string): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const [name, a] of Object.entries(networks)) {
    out[name] = {
      EndpointID: '',
      Gateway: a.gateway ?? '',
      IPAddress: a.ip,
      IPPrefixLen: a.prefixLen ?? 0,
      IPv6Gateway: '',
      GlobalIPv6Address: '',
      GlobalIPv6PrefixLen: 0,
      MacAddress: a.mac,
      NetworkID: name,
      DriverOpts: null,
      IPAMConfig: null,
      Links: null,
      Aliases: [...(a.aliases ?? []), id.slice(0, 12)],
    };
  }
  return out;
}
