// POST /containers/create: Docker's body (Config + HostConfig + NetworkingConfig) as the
// flags `tpod create` takes (RawRunFlags), so the one parser (parseRunOptions) checks and
// types both. Docker sends every field, most of them empty: empty means "not given".
// What tpod has no option for comes back as a warning, which the docker CLI prints.
import { z } from 'zod';
import type { RawRunFlags } from '../runtime/options.js';
import { LOG_DRIVER_NAMES } from '../runtime/run-extras.js';
import { ApiError } from './errors.js';

const str = z.string().nullish();
const strList = z.array(z.string()).nullish();
/** Docker's StrSlice: a list of strings, or one string. */
const strSlice = z.union([z.array(z.string()), z.string()]).nullish();
const int = z.number().int().nullish();
const bool = z.boolean().nullish();
const portMap = z.record(z.string(), z.unknown()).nullish();

const portBinding = z.object({ HostIp: str, HostPort: str }).passthrough();

const mount = z
  .object({
    Type: z.enum(['bind', 'volume', 'tmpfs', 'npipe', 'cluster', 'image']),
    Source: str,
    Target: z.string().min(1),
    ReadOnly: bool,
    Consistency: str,
    BindOptions: z.object({ Propagation: str, NonRecursive: bool }).passthrough().nullish(),
    VolumeOptions: z.object({ NoCopy: bool, Labels: z.record(z.string()).nullish() }).passthrough().nullish(),
    TmpfsOptions: z.object({ SizeBytes: int, Mode: int }).passthrough().nullish(),
  })
  .passthrough();

const healthcheck = z.object({ Test: strList }).passthrough().nullish();

export const createBodySchema = z
  .object({
    Hostname: str,
    Domainname: str,
    User: str,
    AttachStdin: bool,
    AttachStdout: bool,
    AttachStderr: bool,
    ExposedPorts: portMap,
    Tty: bool,
    OpenStdin: bool,
    StdinOnce: bool,
    Env: strList,
    Cmd: strSlice,
    Healthcheck: healthcheck,
    Image: z.string({ required_error: 'an image is required' }).min(1, 'an image is required'),
    Volumes: z.record(z.string(), z.unknown()).nullish(),
    WorkingDir: str,
    Entrypoint: strSlice,
    NetworkDisabled: bool,
    MacAddress: str,
    Labels: z.record(z.string(), z.string()).nullish(),
    StopSignal: str,
    StopTimeout: int,
    HostConfig: z
      .object({
        Binds: strList,
        LogConfig: z.object({ Type: str, Config: z.record(z.string(), z.string()).nullish() }).passthrough().nullish(),
        NetworkMode: str,
        PortBindings: z.record(z.string(), z.array(portBinding).nullish()).nullish(),
        RestartPolicy: z.object({ Name: str, MaximumRetryCount: int }).passthrough().nullish(),
        AutoRemove: bool,
        VolumesFrom: strList,
        Mounts: z.array(mount).nullish(),
        CapAdd: strList,
        CapDrop: strList,
        Dns: strList,
        DnsOptions: strList,
        DnsSearch: strList,
        ExtraHosts: strList,
        GroupAdd: strList,
        IpcMode: str,
        PidMode: str,
        UTSMode: str,
        UsernsMode: str,
        Privileged: bool,
        PublishAllPorts: bool,
        ReadonlyRootfs: bool,
        SecurityOpt: strList,
        Tmpfs: z.record(z.string(), z.string()).nullish(),
        ShmSize: int,
        Memory: int,
        MemorySwap: int,
        NanoCpus: int,
        CpuShares: int,
        CpuPeriod: int,
        CpuQuota: int,
        PidsLimit: int,
        Ulimits: z.array(z.object({ Name: z.string(), Soft: z.number().int(), Hard: z.number().int() }).passthrough()).nullish(),
        Init: bool,
        Devices: z.array(z.unknown()).nullish(),
        Links: strList,
      })
      .passthrough()
      .nullish(),
    NetworkingConfig: z
      .object({
        EndpointsConfig: z
          .record(
            z.string(),
            z
              .object({
                Aliases: strList,
                IPAMConfig: z.object({ IPv4Address: str }).passthrough().nullish(),
                MacAddress: str,
              })
              .passthrough()
              .nullish(),
          )
          .nullish(),
      })
      .passthrough()
      .nullish(),
  })
  .passthrough();

export type CreateBody = z.infer<typeof createBodySchema>;

export interface CreateFlags {
  flags: RawRunFlags;
  /** What tpod cannot do of what the body asked: the answer's Warnings. */
  warnings: string[];
}

const given = (s: string | null | undefined): s is string => typeof s === 'string' && s !== '';
const list = (l: string[] | null | undefined): string[] | undefined => (l && l.length > 0 ? l : undefined);

function slice(v: string | string[] | null | undefined): string[] | undefined {
  if (v === null || v === undefined) return undefined;
  return typeof v === 'string' ? [v] : v;
}

/** "80/tcp" or "80" -> { port, proto }. */
function portKey(key: string): { port: string; proto: string } {
  const [port = '', proto = 'tcp'] = key.split('/');
  if (!/^\d+(-\d+)?$/.test(port)) throw new ApiError(400, `invalid port "${key}": want PORT[/PROTOCOL]`);
  return { port, proto: proto.toLowerCase() };
}

/** PortBindings as -p values: "[IP:][HOSTPORT:]PORT/PROTO". */
export function publishFlags(bindings: NonNullable<NonNullable<CreateBody['HostConfig']>['PortBindings']>): string[] {
  const out: string[] = [];
  for (const [key, binds] of Object.entries(bindings)) {
    const { port, proto } = portKey(key);
    // A null list exposes the port without publishing it.
    for (const b of binds ?? []) {
      const ip = b.HostIp ?? '';
      const hostPort = b.HostPort ?? '';
      const host = ip === '' ? (hostPort === '' ? '' : `${hostPort}:`) : `${ip.includes(':') ? `[${ip}]` : ip}:${hostPort}:`;
      out.push(`${host}${port}/${proto}`);
    }
  }
  return out;
}

/** One HostConfig.Mounts entry as a --mount value. */
export function mountFlag(m: z.infer<typeof mount>): string {
  const f: string[] = [`type=${m.Type}`];
  if (m.Type !== 'bind' && m.Type !== 'volume' && m.Type !== 'tmpfs') throw new ApiError(400, `HostConfig.Mounts: mount type "${m.Type}" is not supported`);
  if (given(m.Source)) {
    if (m.Type === 'tmpfs') throw new ApiError(400, 'HostConfig.Mounts: a tmpfs mount takes no Source');
    f.push(`source=${m.Source}`);
  } else if (m.Type === 'bind') throw new ApiError(400, 'HostConfig.Mounts: a bind mount needs a Source');
  f.push(`target=${m.Target}`);
  if (m.ReadOnly) f.push('readonly=true');
  if (m.Type === 'bind' && given(m.BindOptions?.Propagation)) f.push(`bind-propagation=${m.BindOptions!.Propagation}`);
  if (m.Type === 'bind' && m.BindOptions?.NonRecursive) f.push('bind-nonrecursive=true');
  if (m.Type === 'volume' && m.VolumeOptions?.NoCopy) f.push('nocopy');
  if (m.Type === 'tmpfs' && m.TmpfsOptions?.SizeBytes) f.push(`tmpfs-size=${m.TmpfsOptions.SizeBytes}`);
  if (m.Type === 'tmpfs' && m.TmpfsOptions?.Mode) f.push(`tmpfs-mode=${m.TmpfsOptions.Mode.toString(8)}`);
  return f.join(',');
}

function restartFlag(p: NonNullable<CreateBody['HostConfig']>['RestartPolicy']): string | undefined {
  if (!p || !given(p.Name) || p.Name === 'no') return undefined;
  if (p.Name === 'on-failure' && p.MaximumRetryCount) return `on-failure:${p.MaximumRetryCount}`;
  return p.Name;
}

/** Docker's network modes: default and bridge are tpod's default network. */
function networkFlag(mode: string | null | undefined): string | undefined {
  if (!given(mode) || mode === 'default' || mode === 'bridge') return undefined;
  return mode;
}

/** Docker body -> tpod's create flags; NAME is the ?name= query. */
export function createFlags(body: CreateBody, name?: string): CreateFlags {
  const hc = body.HostConfig ?? {};
  const warnings: string[] = [];
  const ignored = (what: string): void => void warnings.push(`tpod ignores ${what}`);
  const entrypoint = slice(body.Entrypoint);
  const flags: RawRunFlags = {
    image: body.Image,
    command: slice(body.Cmd) ?? [],
    name: given(name) ? name : undefined,
    rm: hc.AutoRemove === true,
    interactive: body.OpenStdin === true,
    tty: body.Tty === true,
    // A bare NAME in Docker's Env is not looked up in the service's environment.
    env: list(body.Env)?.filter((e) => e.includes('=')),
    workdir: given(body.WorkingDir) ? body.WorkingDir : undefined,
    user: given(body.User) ? body.User : undefined,
    // [] or [""] clears the image's entrypoint, as `--entrypoint ""`.
    entrypoint: entrypoint === undefined ? undefined : entrypoint.every((e) => e === '') ? '' : JSON.stringify(entrypoint),
    hostname: given(body.Hostname) ? body.Hostname : undefined,
    capAdd: list(hc.CapAdd),
    capDrop: list(hc.CapDrop),
    readOnly: hc.ReadonlyRootfs === true,
    securityOpt: list(hc.SecurityOpt),
    privileged: hc.Privileged === true,
    volumesFrom: list(hc.VolumesFrom),
    network: body.NetworkDisabled ? 'none' : networkFlag(hc.NetworkMode),
    init: hc.Init === true,
    restart: restartFlag(hc.RestartPolicy),
    stopSignal: given(body.StopSignal) ? body.StopSignal : undefined,
    stopTimeout: body.StopTimeout !== null && body.StopTimeout !== undefined ? String(body.StopTimeout) : undefined,
    publishAll: hc.PublishAllPorts === true,
    dns: list(hc.Dns),
    dnsSearch: list(hc.DnsSearch),
    dnsOption: list(hc.DnsOptions),
    groupAdd: list(hc.GroupAdd),
  };
  if (body.Labels && Object.keys(body.Labels).length > 0) flags.label = Object.entries(body.Labels).map(([k, v]) => `${k}=${v}`);

  // Mounts: Binds are -v values already; Config.Volumes not bound elsewhere are anonymous volumes.
  const volume = [...(hc.Binds ?? [])];
  const mounts = (hc.Mounts ?? []).map(mountFlag);
  const bound = new Set([...volume.map((b) => b.split(':')[1] ?? b), ...(hc.Mounts ?? []).map((m) => m.Target)]);
  for (const dest of Object.keys(body.Volumes ?? {})) if (!bound.has(dest)) volume.push(dest);
  if (volume.length > 0) flags.volume = volume;
  if (mounts.length > 0) flags.mount = mounts;
  const tmpfs = Object.entries(hc.Tmpfs ?? {}).map(([dest, opts]) => (opts === '' ? dest : `${dest}:${opts}`));
  if (tmpfs.length > 0) flags.tmpfs = tmpfs;

  // Ports: bindings, then (with PublishAllPorts) the body's exposed ports nobody bound.
  const publish = publishFlags(hc.PortBindings ?? {});
  if (hc.PublishAllPorts) {
    const boundPorts = new Set(Object.keys(hc.PortBindings ?? {}).map((k) => (k.includes('/') ? k : `${k}/tcp`)));
    for (const key of Object.keys(body.ExposedPorts ?? {})) {
      const { port, proto } = portKey(key);
      if (!boundPorts.has(`${port}/${proto}`)) publish.push(`${port}/${proto}`);
    }
  }
  if (publish.length > 0) flags.publish = publish;

  // Extra hosts: HOST:IP, or HOST=IP as newer clients send.
  const hosts = (hc.ExtraHosts ?? []).map((h) => (/^[^:]*=/.test(h) ? h.replace('=', ':') : h));
  if (hosts.length > 0) flags.addHost = hosts;

  // User networks: the endpoint of the network named by NetworkMode gives aliases and an address.
  const ep = flags.network !== undefined ? body.NetworkingConfig?.EndpointsConfig?.[flags.network] : undefined;
  const bridgeLike = flags.network !== undefined && !['host', 'none'].includes(flags.network) && !flags.network.includes(':');
  if (ep && bridgeLike) {
    if (list(ep.Aliases)) flags.networkAlias = ep.Aliases!;
    if (given(ep.IPAMConfig?.IPv4Address)) flags.ip = ep.IPAMConfig!.IPv4Address!;
    if (given(ep.MacAddress)) flags.macAddress = ep.MacAddress!;
  }
  if (given(body.MacAddress) && bridgeLike) flags.macAddress = body.MacAddress;

  // Resources.
  if (hc.Memory) flags.memory = String(hc.Memory);
  if (hc.NanoCpus) flags.cpus = String(hc.NanoCpus / 1e9);
  else if (hc.CpuQuota && hc.CpuQuota > 0) flags.cpus = String(hc.CpuQuota / (hc.CpuPeriod || 100000));
  if (hc.PidsLimit && hc.PidsLimit > 0) flags.pidsLimit = String(hc.PidsLimit);
  if (hc.ShmSize) flags.shmSize = String(hc.ShmSize);
  if (hc.Ulimits && hc.Ulimits.length > 0) flags.ulimit = hc.Ulimits.map((u) => `${u.Name}=${u.Soft}:${u.Hard}`);

  // Logging: the drivers tpod has; others are said and left.
  const log = hc.LogConfig;
  if (log && given(log.Type)) {
    if ((LOG_DRIVER_NAMES as readonly string[]).includes(log.Type)) {
      flags.logDriver = log.Type;
      const opts = Object.entries(log.Config ?? {}).filter(([k]) => ['max-size', 'path', 'tag'].includes(k));
      if (opts.length > 0) flags.logOpt = opts.map(([k, v]) => `${k}=${v}`);
    } else ignored(`the log driver "${log.Type}": containers log with k8s-file`);
  }

  // What tpod has no option for.
  if (hc.CpuShares) ignored('CpuShares (no cpu shares: use NanoCpus)');
  if (given(hc.PidMode) && hc.PidMode !== 'private') ignored(`PidMode "${hc.PidMode}": the container has its own PID namespace`);
  if (given(hc.IpcMode) && !['private', 'shareable', 'none'].includes(hc.IpcMode)) ignored(`IpcMode "${hc.IpcMode}": the container has its own IPC namespace`);
  if (given(hc.UTSMode) && hc.UTSMode !== 'private') ignored(`UTSMode "${hc.UTSMode}"`);
  if (given(hc.UsernsMode)) flags.userns = hc.UsernsMode;
  if (hc.Devices && hc.Devices.length > 0) ignored('Devices');
  if (hc.Links && hc.Links.length > 0) ignored('Links');
  const test = body.Healthcheck?.Test;
  if (test && test.length > 0 && test[0] !== 'NONE') ignored('Healthcheck: tpod runs no health checks');
  if (given(body.Domainname)) ignored('Domainname');
  return { flags, warnings };
}
