// _ping, version, info and events: what a Docker client asks first (the docker CLI
// negotiates its API version from _ping's headers).
import { hostname } from 'node:os';
import type { ApiCall, Route } from '../http.js';
import { API_VERSION, MIN_API_VERSION } from '../version.js';
import { ApiError } from '../errors.js';
import type { EventRecord } from '../../storage/events.js';

function pingHeaders(): Record<string, string> {
  return {
    'API-Version': API_VERSION,
    'Builder-Version': '',
    'Docker-Experimental': 'false',
    'Cache-Control': 'no-cache',
    Pragma: 'no-cache',
    'Libpod-API-Version': API_VERSION,
  };
}

async function ping(call: ApiCall): Promise<void> {
  const h = pingHeaders();
  if (call.req.method === 'HEAD') {
    call.res?.writeHead(200, { ...h, 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': '0' });
    call.res?.end();
    call.answered = true;
    return;
  }
  call.res?.writeHead(200, { ...h, 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': '2' });
  call.res?.end('OK');
  call.answered = true;
}

async function version(call: ApiCall): Promise<void> {
  const { versionReport } = await import('../../engine/version.js');
  const { release } = await import('node:os');
  const v = versionReport();
  const arch = v.OsArch.split('/')[1] ?? process.arch;
  const built = new Date(v.Built * 1000).toISOString();
  call.send(200, {
    Platform: { Name: `linux/${arch}/tpod` },
    Components: [{ Name: 'tpod Engine', Version: v.Version, Details: { APIVersion: API_VERSION, Arch: arch, BuildTime: built, Experimental: 'false', GitCommit: v.GitCommit, GoVersion: v.GoVersion, KernelVersion: release(), MinAPIVersion: MIN_API_VERSION, Os: 'linux' } }],
    Version: v.Version,
    ApiVersion: API_VERSION,
    MinAPIVersion: MIN_API_VERSION,
    GitCommit: v.GitCommit,
    GoVersion: v.GoVersion,
    Os: 'linux',
    Arch: arch,
    KernelVersion: release(),
    Experimental: false,
    BuildTime: built,
  });
}

async function info(call: ApiCall): Promise<void> {
  const { collectInfo } = await import('../../engine/info.js');
  const { describeRuntime } = await import('../../runtime/runtime.js');
  const i = await collectInfo(call.ctx, await describeRuntime(call.ctx));
  const h = i.host;
  const cs = i.store.containerStore;
  const runtimes: Record<string, { path: string }> = {};
  if (h.ociRuntime.name) runtimes[h.ociRuntime.name] = { path: h.ociRuntime.path };
  call.send(200, {
    ID: '',
    Containers: cs.number,
    ContainersRunning: cs.running,
    ContainersPaused: cs.paused,
    ContainersStopped: cs.stopped,
    Images: i.store.imageStore.number,
    Driver: i.store.graphDriverName,
    DriverStatus: [['Backing Filesystem', i.store.graphDriverReason ?? '']],
    DockerRootDir: i.store.graphRoot,
    Plugins: { Volume: ['local'], Network: ['bridge'], Authorization: null, Log: i.plugins.log },
    MemoryLimit: true,
    SwapLimit: true,
    CpuCfsPeriod: true,
    CpuCfsQuota: true,
    CPUShares: true,
    CPUSet: true,
    PidsLimit: true,
    IPv4Forwarding: true,
    Debug: false,
    NFd: 0,
    NGoroutines: 0,
    SystemTime: new Date().toISOString(),
    LoggingDriver: h.logDriver,
    CgroupDriver: h.cgroupManager,
    CgroupVersion: h.cgroupVersion === 'v2' ? '2' : '1',
    NEventsListener: 0,
    KernelVersion: h.kernel,
    OperatingSystem: h.distribution.distribution ? `${h.distribution.distribution} ${h.distribution.version ?? ''}`.trim() : 'linux',
    OSVersion: h.distribution.version ?? '',
    OSType: 'linux',
    Architecture: h.arch === 'amd64' ? 'x86_64' : h.arch,
    IndexServerAddress: 'https://index.docker.io/v1/',
    RegistryConfig: { IndexConfigs: {}, InsecureRegistryCIDRs: [], Mirrors: [] },
    NCPU: h.cpus,
    MemTotal: h.memTotal,
    GenericResources: null,
    HttpProxy: process.env.HTTP_PROXY ?? process.env.http_proxy ?? '',
    HttpsProxy: process.env.HTTPS_PROXY ?? process.env.https_proxy ?? '',
    NoProxy: process.env.NO_PROXY ?? process.env.no_proxy ?? '',
    Name: hostname(),
    Labels: [],
    ExperimentalBuild: false,
    ServerVersion: i.version.Version,
    Runtimes: runtimes,
    DefaultRuntime: h.ociRuntime.name,
    Swarm: { NodeID: '', NodeAddr: '', LocalNodeState: 'inactive', ControlAvailable: false, Error: '', RemoteManagers: null },
    LiveRestoreEnabled: false,
    Isolation: '',
    InitBinary: '',
    ContainerdCommit: { ID: '', Expected: '' },
    RuncCommit: { ID: '', Expected: '' },
    InitCommit: { ID: '', Expected: '' },
    SecurityOptions: ['name=rootless', ...(h.security.seccompEnabled ? ['name=seccomp,profile=default'] : [])],
    Warnings: [],
  });
}

/** Docker's event object for one of tpod's records (Podman's compat shape). */
export function dockerEvent(e: EventRecord): Record<string, unknown> {
  const ms = Date.parse(e.Time);
  const frac = /\.(\d+)/.exec(e.Time)?.[1] ?? '0';
  const nanos = BigInt(Math.floor(ms / 1000)) * 1_000_000_000n + BigInt(frac.padEnd(9, '0').slice(0, 9));
  const attributes: Record<string, string> = { ...(e.Attributes ?? {}) };
  if (e.Image) attributes.image = e.Image;
  if (e.Name) attributes.name = e.Name;
  if (e.ContainerExitCode !== undefined) attributes.exitCode = String(e.ContainerExitCode);
  const id = e.ID ?? '';
  return {
    status: e.Status,
    id,
    from: e.Image ?? '',
    Type: e.Type,
    Action: e.Status,
    Actor: { ID: id, Attributes: attributes },
    scope: 'local',
    time: Math.floor(ms / 1000),
    timeNano: Number(nanos),
  };
}

/** Docker's since/until: unix seconds (fractions allowed), or an RFC 3339 time. */
function eventTime(call: ApiCall, name: string): bigint | undefined {
  const v = call.query.get(name);
  if (v === null || v === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(v)) {
    const [s, f = ''] = v.split('.');
    return BigInt(s!) * 1_000_000_000n + BigInt(f.padEnd(9, '0').slice(0, 9));
  }
  const ms = Date.parse(v);
  if (Number.isNaN(ms)) throw new ApiError(400, `${name}: "${v}" is not a time`);
  return BigInt(ms) * 1_000_000n;
}

async function events(call: ApiCall): Promise<void> {
  const { readEvents } = await import('../../engine/events.js');
  const filters = Object.entries(call.filters()).flatMap(([k, vs]) => vs.map((v) => `${k}=${v}`));
  const since = eventTime(call, 'since');
  const until = eventTime(call, 'until');
  const out = call.stream(200, 'application/json');
  const stop = new Promise<void>((resolve) => call.signal.addEventListener('abort', () => resolve(), { once: true }));
  await readEvents(call.ctx, {
    filters,
    ...(since !== undefined ? { since } : {}),
    ...(until !== undefined ? { until } : {}),
    stream: true,
    stop,
    onEvent: (e) => {
      out.write(JSON.stringify(dockerEvent(e)) + '\n');
    },
  });
  out.end();
}

export const systemRoutes: Route[] = [
  { method: 'GET', path: '/_ping', handler: ping },
  { method: 'HEAD', path: '/_ping', handler: ping },
  { method: 'GET', path: '/version', handler: version },
  { method: 'GET', path: '/info', handler: info },
  { method: 'GET', path: '/events', handler: events },
];
