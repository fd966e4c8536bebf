// tpod's records as Docker's JSON: the list's summary, inspect, stats and top shapes.
import { describe, expect, it } from 'vitest';
import { containerSummary, dockerInspect, dockerNetworkMode, dockerStatus, signalName, summaryPorts, summaryStatus } from '../../../src/api/container-json.js';
import { netDev, psTable, statsJson, systemCpuNs, type Sample } from '../../../src/api/routes/containers-stats.js';
import { psJson, PsRow } from '../../../src/engine/ps.js';
import { shapeInspect } from '../../../src/engine/container-inspect.js';
import type { ContainerRecord } from '../../../src/storage/containers.js';
import type { ContainerView } from '../../../src/engine/container-filters.js';

const ID = 'a'.repeat(64);
const NOW = Date.parse('2024-01-01T00:01:00Z');

function record(extra: Partial<ContainerRecord> = {}): ContainerRecord {
  return {
    id: ID, name: 'web', image: 'busybox', imageId: 'sha256:' + 'b'.repeat(64), imageName: 'docker.io/library/busybox:latest', command: ['httpd', '-f', '-p', '80'],
    created: '2024-01-01T00:00:00Z', state: 'running', startedAt: '2024-01-01T00:00:30Z', runtime: 'crun', driver: 'overlay', layers: [], hostname: 'aaaaaaaaaaaa',
    network: 'pasta', rm: false, tty: false, interactive: false, ports: [{ hostIP: '', hostPort: 8080, containerPort: 80, protocol: 'tcp', range: 2 }], labels: { a: 'b' },
    ...extra,
  };
}

function row(rec: ContainerRecord, status: ContainerView['status'] = 'running'): PsRow {
  const view: ContainerView = { rec, status, pid: 1234, startedAt: rec.startedAt };
  const json = psJson(view, NOW);
  const r = new PsRow(view, json, true, NOW);
  json.Status = r.Status;
  return r;
}

describe('the list', () => {
  it('is Docker\'s ContainerSummary', () => {
    const s = containerSummary(row(record()));
    expect(s).toMatchObject({
      Id: ID, Names: ['/web'], Image: 'busybox', ImageID: 'sha256:' + 'b'.repeat(64), Command: 'httpd -f -p 80', Created: Date.parse('2024-01-01T00:00:00Z') / 1000,
      Labels: { a: 'b' }, State: 'running', Status: 'Up 30 seconds', HostConfig: { NetworkMode: 'default' }, NetworkSettings: { Networks: {} }, Mounts: [],
    });
    expect(s.Ports).toEqual([{ IP: '0.0.0.0', PrivatePort: 80, PublicPort: 8080, Type: 'tcp' }, { IP: '0.0.0.0', PrivatePort: 81, PublicPort: 8081, Type: 'tcp' }]);
    expect(containerSummary(row(record({ labels: {} })), { rw: 1, rootfs: 2 })).toMatchObject({ Labels: {}, SizeRw: 1, SizeRootFs: 2 });
  });

  it('says states and statuses as Docker does', () => {
    expect(dockerStatus('stopping')).toBe('running');
    expect(dockerStatus('unknown')).toBe('exited');
    expect(dockerStatus('created')).toBe('created');
    expect(summaryStatus('Up 5 seconds ago')).toBe('Up 5 seconds');
    expect(summaryStatus('Exited (3) 2 minutes ago')).toBe('Exited (3) 2 minutes ago');
    expect(summaryPorts(undefined)).toEqual([]);
  });

  it('names network modes as Docker does', () => {
    expect(dockerNetworkMode(record({ network: 'slirp4netns' }))).toBe('default');
    expect(dockerNetworkMode(record({ network: 'host' }))).toBe('host');
    expect(dockerNetworkMode(record({ network: 'bridge', networks: { proj_default: { ip: '10.89.0.2', mac: 'aa:bb:cc:dd:ee:ff', interface: 'eth0' } } }))).toBe('proj_default');
  });
});

describe('inspect', () => {
  const rec = record({ options: undefined });
  const dirs = { dir: '/c', userdata: '/c/userdata', upper: '/c/upper', work: '/c/work', merged: '/c/merged' };
  const spec = {
    ociVersion: '1.0.2', hostname: 'aaaaaaaaaaaa', root: { path: '/c/merged', readonly: false }, annotations: {},
    process: { args: rec.command, env: ['PATH=/bin'], cwd: '/', terminal: false, user: { uid: 0, gid: 0 }, capabilities: { bounding: [], effective: [], permitted: [] }, rlimits: [], noNewPrivileges: false },
    mounts: [
      { destination: '/run/.containerenv', type: 'bind', source: '/c/userdata/containerenv', options: ['bind', 'ro'] },
      { destination: '/data', type: 'bind', source: '/srv', options: ['rbind', 'rprivate'] },
    ],
  };
  const podman = shapeInspect({ view: { rec, status: 'running', pid: 1234, startedAt: rec.startedAt }, spec: spec as never, image: { ExposedPorts: { '80/tcp': {}, '443/tcp': {} } } as never, dirs });
  const d = dockerInspect(podman, rec, ['/entry']) as Record<string, Record<string, unknown>>;

  it('is Docker\'s ContainerJSON: name with "/", image id with sha256:, state', () => {
    expect(d.Name).toBe('/web');
    expect(d.Image).toBe('sha256:' + 'b'.repeat(64));
    expect(d.State).toMatchObject({ Status: 'running', Running: true, Pid: 1234, ExitCode: 0, StartedAt: '2024-01-01T00:00:30Z' });
  });

  it('shows published ports with 0.0.0.0 for any address, and exposed ones as null', () => {
    const net = d.NetworkSettings as Record<string, unknown>;
    expect(net.Ports).toEqual({ '80/tcp': [{ HostIp: '0.0.0.0', HostPort: '8080' }], '81/tcp': [{ HostIp: '0.0.0.0', HostPort: '8081' }], '443/tcp': null });
    expect(Object.keys(d.Config!.ExposedPorts as object).sort()).toEqual(['443/tcp', '80/tcp', '81/tcp']);
    expect((d.HostConfig!.PortBindings as Record<string, unknown>)['80/tcp']).toEqual([{ HostIp: '', HostPort: '8080' }]);
  });

  it('leaves tpod\'s own mounts out and keeps the user\'s', () => {
    expect(d.HostConfig!.Binds).toEqual(['/srv:/data:rw,rprivate,rbind']);
    expect((d.Mounts as unknown as Array<Record<string, unknown>>).map((m) => m.Destination)).toEqual(['/data']);
  });

  it('has Docker\'s Config and HostConfig values', () => {
    expect(d.Config).toMatchObject({ Entrypoint: ['/entry'], Cmd: ['httpd', '-f', '-p', '80'], Image: 'busybox', StopSignal: 'SIGTERM', Env: ['PATH=/bin'] });
    expect(d.HostConfig).toMatchObject({ NetworkMode: 'default', RestartPolicy: { Name: 'no', MaximumRetryCount: 0 }, AutoRemove: false });
    expect(signalName(9)).toBe('SIGKILL');
  });
});

describe('stats', () => {
  const sample: Sample = { cpuNs: 2e9, systemNs: 1e12, memory: 1024, memoryLimit: 4096, memoryStat: { inactive_file: 0 }, pids: 3, networks: { eth0: { rx_bytes: 1 } }, read: '2024-01-01T00:00:01Z' };

  it('is Docker\'s stats JSON, with precpu from the sample before', () => {
    const s = statsJson(record(), sample, { ...sample, cpuNs: 1e9, read: '2024-01-01T00:00:00Z' }, 2) as Record<string, Record<string, unknown>>;
    expect(s.cpu_stats).toMatchObject({ cpu_usage: { total_usage: 2e9 }, system_cpu_usage: 1e12, online_cpus: 2 });
    expect(s.precpu_stats).toMatchObject({ cpu_usage: { total_usage: 1e9 } });
    expect(s.memory_stats).toMatchObject({ usage: 1024, limit: 4096 });
    expect(s.pids_stats).toEqual({ current: 3 });
    expect(s.networks).toEqual({ eth0: { rx_bytes: 1 } });
    expect(s.name).toBe('/web');
  });

  it('gives zeros for a container that is not running', () => {
    const s = statsJson(record(), undefined, undefined, 2) as Record<string, Record<string, unknown>>;
    expect(s.read).toBe('0001-01-01T00:00:00Z');
    expect(s.cpu_stats).toMatchObject({ cpu_usage: { total_usage: 0 }, online_cpus: 0 });
    expect(s.memory_stats).toEqual({});
  });

  it('reads /proc/stat and net/dev', () => {
    expect(systemCpuNs('cpu  100 0 100 800 0 0 0 0 0 0\ncpu0 1 2 3\n')).toBe(1000 * 1e7);
    const dev = 'Inter-|   Receive\n face |bytes packets errs drop fifo frame compressed multicast|bytes\n    lo: 5 1 0 0 0 0 0 0 5 1 0 0 0 0 0 0\n  eth0: 100 2 0 0 0 0 0 0 300 4 0 0 0 0 0 0\n';
    expect(netDev(dev)).toEqual({ eth0: { rx_bytes: 100, rx_packets: 2, rx_errors: 0, rx_dropped: 0, tx_bytes: 300, tx_packets: 4, tx_errors: 0, tx_dropped: 0 } });
  });
});

describe('top', () => {
  it('splits ps(1) output into Titles and Processes, the last column keeping its spaces', () => {
    expect(psTable('PID   USER     TIME  COMMAND\n    1 root      0:00 httpd -f -p 80\n')).toEqual({ Titles: ['PID', 'USER', 'TIME', 'COMMAND'], Processes: [['1', 'root', '0:00', 'httpd -f -p 80']] });
  });
});
