// Docker's create body -> tpod's run flags, and those flags through the one parser.
import { describe, expect, it } from 'vitest';
import { createBodySchema, createFlags, mountFlag, publishFlags, type CreateBody } from '../../../src/api/container-create.js';
import { parseRunOptions, type HostAccess } from '../../../src/runtime/options.js';
import { ApiError } from '../../../src/api/errors.js';

const host: HostAccess = { env: {}, cwd: '/', readFile: () => '', stat: () => undefined };

function body(extra: Record<string, unknown>): CreateBody {
  return createBodySchema.parse({ Image: 'busybox', ...extra });
}

/** What the docker CLI sends for `docker create busybox` (most fields empty). */
const CLI_DEFAULTS = {
  Hostname: '', Domainname: '', User: '', AttachStdin: false, AttachStdout: true, AttachStderr: true, Tty: false, OpenStdin: false, StdinOnce: false,
  Env: null, Cmd: null, Image: 'busybox', Volumes: {}, WorkingDir: '', Entrypoint: null, OnBuild: null, Labels: {},
  HostConfig: {
    Binds: null, ContainerIDFile: '', LogConfig: { Type: '', Config: {} }, NetworkMode: 'default', PortBindings: {}, RestartPolicy: { Name: 'no', MaximumRetryCount: 0 },
    AutoRemove: false, VolumeDriver: '', VolumesFrom: null, ConsoleSize: [24, 80], CapAdd: null, CapDrop: null, CgroupnsMode: '', Dns: [], DnsOptions: [], DnsSearch: [],
    ExtraHosts: null, GroupAdd: null, IpcMode: '', Cgroup: '', Links: null, OomScoreAdj: 0, PidMode: '', Privileged: false, PublishAllPorts: false, ReadonlyRootfs: false,
    SecurityOpt: null, UTSMode: '', UsernsMode: '', ShmSize: 0, Isolation: '', CpuShares: 0, Memory: 0, NanoCpus: 0, CgroupParent: '', BlkioWeight: 0, Devices: [],
    PidsLimit: null, Ulimits: null, MaskedPaths: null, ReadonlyPaths: null,
  },
  NetworkingConfig: { EndpointsConfig: {} },
};

describe('createFlags', () => {
  it('reads the docker CLI\'s mostly-empty body as no options at all', () => {
    const { flags, warnings } = createFlags(createBodySchema.parse(CLI_DEFAULTS), 'c1');
    expect(warnings).toEqual([]);
    const o = parseRunOptions(flags, host);
    expect(o).toMatchObject({ image: 'busybox', command: [], name: 'c1', rm: false, tty: false, interactive: false, network: 'default', env: [], capAdd: [], capDrop: [] });
    expect(o.entrypoint).toBeUndefined();
    expect(o.restartPolicy).toBeUndefined();
    expect(o.publish).toBeUndefined();
  });

  it('maps Config: command, entrypoint, env, user, workdir, labels, tty, stdin, hostname, stop signal and timeout', () => {
    const { flags } = createFlags(body({
      Cmd: ['sh', '-c', 'echo hi'], Entrypoint: ['/bin/env', '--'], Env: ['A=1', 'B=x=y', 'BARE'], User: '1000:1000', WorkingDir: '/srv',
      Labels: { a: 'b' }, Tty: true, OpenStdin: true, Hostname: 'box', StopSignal: 'SIGINT', StopTimeout: 3,
    }));
    const o = parseRunOptions(flags, host);
    expect(o.command).toEqual(['sh', '-c', 'echo hi']);
    expect(o.entrypoint).toEqual(['/bin/env', '--']);
    // A bare NAME is not read from the service's own environment.
    expect(o.env).toEqual([['A', '1'], ['B', 'x=y']]);
    expect(o).toMatchObject({ user: '1000:1000', workdir: '/srv', labels: { a: 'b' }, tty: true, interactive: true, hostname: 'box', stopSignal: 2, stopTimeout: 3 });
  });

  it('takes a string Cmd and clears the entrypoint for [""]', () => {
    const o = parseRunOptions(createFlags(body({ Cmd: 'true', Entrypoint: [''] })).flags, host);
    expect(o.command).toEqual(['true']);
    expect(o.entrypoint).toEqual([]);
  });

  it('maps HostConfig: binds, anonymous volumes, mounts, tmpfs, ports, restart, auto-remove, init, caps, privileged, read-only', () => {
    const { flags } = createFlags(body({
      Volumes: { '/data': {}, '/bound': {} },
      HostConfig: {
        Binds: ['/srv:/bound:ro', 'vol1:/v'],
        Mounts: [{ Type: 'tmpfs', Target: '/scratch', TmpfsOptions: { SizeBytes: 1048576, Mode: 0o1777 } }, { Type: 'bind', Source: '/etc', Target: '/hostetc', ReadOnly: true }],
        Tmpfs: { '/run': 'rw,size=65536k' },
        PortBindings: { '80/tcp': [{ HostIp: '', HostPort: '8080' }], '53/udp': [{ HostIp: '127.0.0.1', HostPort: '' }], '9000/tcp': null },
        RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 3 }, Init: true, CapAdd: ['NET_ADMIN'], CapDrop: ['MKNOD'], Privileged: false, ReadonlyRootfs: true,
      },
    }));
    expect(flags.volume).toEqual(['/srv:/bound:ro', 'vol1:/v', '/data']);
    expect(flags.publish).toEqual(['8080:80/tcp', '127.0.0.1::53/udp']);
    const o = parseRunOptions(flags, host);
    expect(o.volumes.map((v) => [v.source, v.destination, v.readOnly]).sort()).toEqual([['/etc', '/hostetc', true], ['/srv', '/bound', true]]);
    expect(o.namedVolumes?.map((v) => [v.name, v.destination])).toEqual([['vol1', '/v'], [undefined, '/data']]);
    expect(o.tmpfs.map((t) => t.destination).sort()).toEqual(['/run', '/scratch']);
    expect(o.publish).toEqual([
      { hostIP: '', hostPort: 8080, containerPort: 80, protocol: 'tcp', range: 1 },
      { hostIP: '127.0.0.1', hostPort: 0, containerPort: 53, protocol: 'udp', range: 1 },
    ]);
    expect(o.restartPolicy).toEqual({ name: 'on-failure', maxRetries: 3 });
    expect(o).toMatchObject({ init: true, capAdd: ['CAP_NET_ADMIN'], capDrop: ['CAP_MKNOD'], readOnly: true });
  });

  it('publishes the exposed ports nobody bound with PublishAllPorts', () => {
    const { flags } = createFlags(body({ ExposedPorts: { '80/tcp': {}, '443/tcp': {} }, HostConfig: { PublishAllPorts: true, PortBindings: { '80/tcp': [{ HostIp: '', HostPort: '8080' }] } } }));
    expect(flags.publish).toEqual(['8080:80/tcp', '443/tcp']);
    expect(flags.publishAll).toBe(true);
  });

  it('maps network modes: default and bridge are tpod\'s default; host, none, container:X and user networks pass', () => {
    const mode = (m: string): string | undefined => createFlags(body({ HostConfig: { NetworkMode: m } })).flags.network;
    expect(mode('default')).toBeUndefined();
    expect(mode('bridge')).toBeUndefined();
    expect(mode('host')).toBe('host');
    expect(mode('none')).toBe('none');
    expect(mode('container:abc')).toBe('container:abc');
    const { flags } = createFlags(body({ HostConfig: { NetworkMode: 'proj_default' }, NetworkingConfig: { EndpointsConfig: { proj_default: { Aliases: ['web'], IPAMConfig: { IPv4Address: '10.89.0.5' } } } } }));
    expect(flags).toMatchObject({ network: 'proj_default', networkAlias: ['web'], ip: '10.89.0.5' });
    expect(parseRunOptions(flags, host)).toMatchObject({ network: 'bridge', networkTarget: 'proj_default', networkAliases: ['web'], staticIp: '10.89.0.5' });
    expect(createFlags(body({ NetworkDisabled: true })).flags.network).toBe('none');
  });

  it('maps resources, ulimits, DNS, extra hosts, security options and the log driver', () => {
    const { flags } = createFlags(body({
      HostConfig: {
        Memory: 64 * 1024 * 1024, NanoCpus: 1_500_000_000, PidsLimit: 100, ShmSize: 128 * 1024 * 1024, Ulimits: [{ Name: 'nofile', Soft: 1024, Hard: 2048 }],
        Dns: ['1.1.1.1'], DnsSearch: ['example.com'], DnsOptions: ['ndots:2'], ExtraHosts: ['db:10.0.0.2', 'cache=10.0.0.3'], SecurityOpt: ['no-new-privileges'],
        LogConfig: { Type: 'json-file', Config: { 'max-size': '10m' } },
      },
    }));
    const o = parseRunOptions(flags, host);
    expect(o.resources).toEqual({ memory: 64 * 1024 * 1024, cpus: 1.5, pidsLimit: 100 });
    expect(o.shmSize).toBe(128 * 1024 * 1024);
    expect(o.ulimits).toEqual([{ type: 'RLIMIT_NOFILE', soft: 1024, hard: 2048 }]);
    expect(o).toMatchObject({ dns: ['1.1.1.1'], dnsSearch: ['example.com'], dnsOption: ['ndots:2'], addHosts: [['db', '10.0.0.2'], ['cache', '10.0.0.3']], noNewPrivileges: true });
    expect(o.log).toMatchObject({ driver: 'json-file' });
  });

  it('warns of what tpod cannot do instead of failing', () => {
    const { warnings } = createFlags(body({ Healthcheck: { Test: ['CMD', 'true'] }, HostConfig: { CpuShares: 512, PidMode: 'host', LogConfig: { Type: 'journald' } } }));
    expect(warnings).toHaveLength(4);
    expect(warnings.join('\n')).toMatch(/CpuShares[\s\S]*PidMode "host"|PidMode "host"[\s\S]*CpuShares/);
    expect(warnings.join('\n')).toMatch(/Healthcheck/);
  });
});

describe('createBodySchema', () => {
  it('names the bad field', () => {
    const r = createBodySchema.safeParse({ Image: 'busybox', HostConfig: { Binds: 'not-a-list' } });
    expect(r.success).toBe(false);
    expect(r.success ? '' : r.error.issues[0]!.path.join('.')).toBe('HostConfig.Binds');
    const noImage = createBodySchema.safeParse({ Cmd: ['true'] });
    expect(noImage.success ? '' : noImage.error.issues[0]!.path.join('.')).toBe('Image');
  });
});

describe('publishFlags and mountFlag', () => {
  it('brackets an IPv6 host address', () => {
    expect(publishFlags({ '80/tcp': [{ HostIp: '::1', HostPort: '8080' }] })).toEqual(['[::1]:8080:80/tcp']);
  });

  it('refuses a port key that is not a port', () => {
    expect(() => publishFlags({ 'http/tcp': [] })).toThrow(ApiError);
  });

  it('writes --mount values, and refuses a bind without a source', () => {
    expect(mountFlag({ Type: 'volume', Source: 'v', Target: '/v', ReadOnly: true, VolumeOptions: { NoCopy: true } })).toBe('type=volume,source=v,target=/v,readonly=true,nocopy');
    expect(mountFlag({ Type: 'bind', Source: '/a', Target: '/b', BindOptions: { Propagation: 'rslave' } })).toBe('type=bind,source=/a,target=/b,bind-propagation=rslave');
    expect(() => mountFlag({ Type: 'bind', Target: '/b' })).toThrow(/needs a Source/);
  });
});
