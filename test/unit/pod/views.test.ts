// pod inspect shaping, pod top over a fake /proc, pod logs merging and targets, pod prune's choice.
import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { createContext, type Context } from '../../../src/engine/context.js';
import { inspectPods, shapePodInspect } from '../../../src/pod/inspect.js';
import { podView, podViews, type PodView } from '../../../src/pod/state.js';
import { podDescriptors, podInitPids, podTop } from '../../../src/pod/top.js';
import { mergedEntries, podLogs, podLogTargets } from '../../../src/pod/logs.js';
import { prunable, prunePods } from '../../../src/pod/prune.js';
import { findPod, type PodRecord } from '../../../src/storage/pods.js';
import { TpodError } from '../../../src/errors.js';
import { ctrRec, hex, live, podRec, writeCtr, writePod } from './fixtures.js';
import type { ContainerView } from '../../../src/engine/container-filters.js';

let dir: string;
let ctx: Context;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tpod-podviews-'));
  ctx = createContext({ root: join(dir, 'root'), runroot: join(dir, 'run'), logLevel: 'error' });
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function viewOfPod(pod: PodRecord, members: Array<[ReturnType<typeof ctrRec>, ContainerView['status'], number?]>, status: PodView['status']): PodView {
  return { pod, status, members: members.map(([rec, s, pid]) => ({ rec, status: s, ...(pid !== undefined ? { pid } : {}) })) };
}

describe('pod inspect', () => {
  const pod = podRec(hex('a'), 'web', {
    labels: { app: 'web' },
    infraId: hex('1'),
    createCommand: ['tpod', 'pod', 'create', '--name', 'web', '-p', '8080:80'],
    hostname: 'webhost',
  });
  const infra = ctrRec(hex('1'), 'aaaaaaaaaaaa-infra', {
    pod: hex('a'), isInfra: true, network: 'pasta',
    ports: [{ hostIP: '', hostPort: 8080, containerPort: 80, protocol: 'tcp', range: 1 }, { hostIP: '127.0.0.1', hostPort: 5353, containerPort: 53, protocol: 'udp', range: 1 }],
  });
  const app = ctrRec(hex('2'), 'web-app', { pod: hex('a') });

  it('has Podman 5 InspectPodData keys in order, ports in InfraConfig.PortBindings', () => {
    const out = shapePodInspect(viewOfPod(pod, [[infra, 'running'], [app, 'exited']], 'Degraded'));
    expect(Object.keys(out)).toEqual([
      'Id', 'Name', 'Created', 'CreateCommand', 'ExitPolicy', 'State', 'Hostname', 'Labels', 'CreateCgroup', 'CreateInfra',
      'InfraContainerID', 'InfraConfig', 'SharedNamespaces', 'NumContainers', 'Containers',
    ]);
    expect(out).toMatchObject({
      Id: hex('a'), Name: 'web', ExitPolicy: 'continue', State: 'Degraded', Hostname: 'webhost', Labels: { app: 'web' },
      CreateInfra: true, InfraContainerID: hex('1'), SharedNamespaces: ['ipc', 'net', 'uts'], NumContainers: 2,
      Containers: [
        { Id: hex('1'), Name: 'aaaaaaaaaaaa-infra', State: 'running' },
        { Id: hex('2'), Name: 'web-app', State: 'exited' },
      ],
    });
    const cfg = out.InfraConfig as Record<string, unknown>;
    expect(cfg.PortBindings).toEqual({ '80/tcp': [{ HostIp: '', HostPort: '8080' }], '53/udp': [{ HostIp: '127.0.0.1', HostPort: '5353' }] });
    expect(cfg.HostNetwork).toBe(false);
    expect(cfg.DNSServer).toBeNull();
  });

  it('without an infra: CreateInfra false, no InfraContainerID/InfraConfig; empty fields left out', () => {
    const bare = podRec(hex('b'), 'bare', { share: [], exitPolicy: 'stop' });
    const out = shapePodInspect(viewOfPod(bare, [], 'Created'));
    expect(out).toEqual({
      Id: hex('b'), Name: 'bare', Created: bare.created, ExitPolicy: 'stop', State: 'Created', Hostname: '',
      CreateCgroup: false, CreateInfra: false, NumContainers: 0,
    });
  });

  it('inspectPods reports names that are not pods and keeps going; {{.ID}} works like {{.Id}}', () => {
    writePod(ctx, pod);
    writeCtr(ctx, infra);
    const r = inspectPods(ctx, ['nope', 'web', 'aaaa', 'gone'], false);
    expect(r.found.map((f) => f.Name)).toEqual(['web', 'web']);
    expect(r.errors.map((e) => e.message)).toEqual(['no such pod nope', 'no such pod gone']);
    expect((r.found[0] as { ID?: string }).ID).toBe(hex('a'));
    expect(Object.keys(r.found[0]!)).not.toContain('ID');
  });

  it('--latest with no pod at all is "no such pod"', () => {
    expect(() => inspectPods(ctx, [], true)).toThrow('no such pod');
  });
});

describe('pod top', () => {
  function proc(root: string, pid: number, ns: string, nspid: number, cmd: string): void {
    const d = join(root, String(pid));
    mkdirSync(join(d, 'ns'), { recursive: true });
    symlinkSync(ns, join(d, 'ns', 'pid'));
    const f = ['S', 1, pid, pid, 0, -1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 20, 0, 1, 0, 100, 2048 * 1024, 100];
    writeFileSync(join(d, 'stat'), `${pid} (${cmd}) ${f.join(' ')}`);
    writeFileSync(join(d, 'status'), `Name:\t${cmd}\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nNSpid:\t${pid}\t${nspid}\n`);
    writeFileSync(join(d, 'cmdline'), `${cmd}\0`);
  }

  it('lists each running member\'s pid namespace once, one header', () => {
    const root = join(dir, 'proc');
    proc(root, 100, 'pid:[1]', 1, 'catatonit');
    proc(root, 200, 'pid:[2]', 1, 'sleep');
    proc(root, 300, 'pid:[2]', 2, 'sleep'); // a second container in 200's namespace (--share pid)
    writeFileSync(join(root, 'stat'), 'btime 1000\n');
    const src = { root, now: () => 2_000_000 };
    const pod = podRec(hex('a'), 'web', { infraId: hex('1') });
    const v = viewOfPod(pod, [
      [ctrRec(hex('1'), 'infra', { isInfra: true }), 'running', 100],
      [ctrRec(hex('2'), 'a'), 'running', 200],
      [ctrRec(hex('3'), 'b'), 'running', 300],
      [ctrRec(hex('4'), 'c'), 'exited'],
      [ctrRec(hex('5'), 'd'), 'paused', 400],
    ], 'Degraded');
    expect(podInitPids(v, src)).toEqual([100, 200]);
    const t = podTop(ctx, v, ['pid', 'args'], src)!;
    expect(t.headers).toEqual(['PID', 'COMMAND']);
    expect(t.rows).toEqual([['1', 'catatonit '], ['1', 'sleep '], ['2', 'sleep ']]);
  });

  it('nothing running prints nothing; unknown descriptors are Podman\'s error', () => {
    const v = viewOfPod(podRec(hex('a'), 'web'), [[ctrRec(hex('2'), 'a'), 'exited']], 'Exited');
    expect(podTop(ctx, v, [])).toBeUndefined();
    expect(podDescriptors(['pid,user'])).toEqual(['pid', 'user']);
    expect(() => podDescriptors(['pid', '-ef'])).toThrow("'-ef': unknown descriptor");
  });
});

describe('pod logs', () => {
  const infra = ctrRec(hex('1'), 'web-infra', { isInfra: true });
  const a = ctrRec(hex('2'), 'app');
  const b = ctrRec(hex('3'), 'side');

  it('targets: the members but the infra, prefixed when the pod has several containers', () => {
    expect(podLogTargets([infra, a, b], 'web', { names: false })).toEqual({ targets: [a, b], prefix: 'id' });
    expect(podLogTargets([infra, a], 'web', { names: true })).toEqual({ targets: [a], prefix: 'name' });
    expect(podLogTargets([a], 'web', { names: true })).toEqual({ targets: [a] });
    expect(podLogTargets([infra, a, b], 'web', { names: true, container: 'side' })).toEqual({ targets: [b] });
    expect(podLogTargets([infra, a, b], 'web', { names: false, container: hex('2') })).toEqual({ targets: [a] });
    expect(() => podLogTargets([infra, a], 'web', { names: false, container: 'zz' })).toThrow('container zz is not in pod web: no such container');
  });

  it('merges lines by time, --tail per container', () => {
    const la = '2026-01-01T10:00:01.000000000Z stdout F a1\n2026-01-01T10:00:03.000000000Z stdout F a2\n2026-01-01T10:00:05.000000000Z stderr F a3\n';
    const lb = '2026-01-01T10:00:02.000000000Z stdout F b1\n2026-01-01T10:00:04.000000000Z stdout P b2-\n2026-01-01T10:00:04.500000000Z stdout F end\n';
    const m = mergedEntries([{ rec: a, text: la }, { rec: b, text: lb }], {});
    expect(m.map((x) => `${x.rec.name}:${x.entry.text}`)).toEqual(['app:a1', 'side:b1', 'app:a2', 'side:b2-end', 'app:a3']);
    const t = mergedEntries([{ rec: a, text: la }, { rec: b, text: lb }], { tail: 1 });
    expect(t.map((x) => x.entry.text)).toEqual(['b2-end', 'a3']);
  });

  it('writes stdout and stderr apart, with the prefix and timestamps asked for', async () => {
    for (const [rec, text] of [[a, '2026-01-01T10:00:01.000000000Z stdout F hello\n'], [b, '2026-01-01T10:00:02.000000000Z stderr F oops\n']] as const) {
      mkdirSync(join(ctx.paths.containers, rec.id, 'userdata'), { recursive: true });
      writeFileSync(join(ctx.paths.containers, rec.id, 'userdata', 'ctr.log'), text);
    }
    const out: string[] = [];
    const err: string[] = [];
    const sink = { stdout: (t: string) => out.push(t), stderr: (t: string) => err.push(t) };
    await podLogs(ctx, { targets: [a, b], prefix: 'name' }, { follow: false, timestamps: true }, sink);
    expect(out).toEqual(['app 2026-01-01T10:00:01.000000000Z hello\n']);
    expect(err).toEqual(['side 2026-01-01T10:00:02.000000000Z oops\n']);
    out.length = 0;
    await podLogs(ctx, { targets: [a] }, { follow: false, timestamps: false, prefix: 'id' }, sink);
    expect(out).toEqual(['hello\n']);
  });
});

describe('pod prune', () => {
  beforeEach(() => {
    writePod(ctx, podRec(hex('a'), 'running', { infraId: hex('1') }));
    writeCtr(ctx, ctrRec(hex('1'), 'running-infra', { pod: hex('a'), isInfra: true, ...live('running', 1) }));
    writePod(ctx, podRec(hex('b'), 'exited', { infraId: hex('2') }));
    writeCtr(ctx, ctrRec(hex('2'), 'exited-infra', { pod: hex('b'), isInfra: true, state: 'exited' }));
    writePod(ctx, podRec(hex('c'), 'created', { infraId: hex('3') }));
    writeCtr(ctx, ctrRec(hex('3'), 'created-infra', { pod: hex('c'), isInfra: true }));
    writePod(ctx, podRec(hex('d'), 'stopped', { infraId: hex('4') }));
    writeCtr(ctx, ctrRec(hex('4'), 'stopped-infra', { pod: hex('d'), isInfra: true, state: 'exited' }));
    writeCtr(ctx, ctrRec(hex('5'), 'stopped-app', { pod: hex('d') }));
    writePod(ctx, podRec(hex('e'), 'empty'));
  });

  it('takes Stopped and Exited pods only (libpod\'s PrunePods), never running or never-started ones', () => {
    // The fake-free /proc: the "running" infra's monitor (pid 5001) is not alive here, so pass views directly.
    const views = podViews(ctx).map((v) => (v.pod.name === 'running' ? { ...v, status: 'Running' as const } : v));
    expect(prunable(views).map((v) => v.pod.name).sort()).toEqual(['exited', 'stopped']);
  });

  it('reports each pod; a failure does not stop the others', async () => {
    const removed: string[] = [];
    const reports = await prunePods(ctx, async (_c, pod) => {
      if (pod.name === 'stopped') throw new TpodError('ERUNTIME', 'cannot remove');
      removed.push(pod.name);
    });
    expect(removed).toContain('exited');
    expect(reports.find((r) => r.id === hex('d'))?.error?.message).toBe('cannot remove');
    expect(reports.find((r) => r.id === hex('b'))?.error).toBeUndefined();
    expect(findPod(ctx, 'empty').id).toBe(hex('e'));
    expect(podView(ctx, findPod(ctx, 'created')).status).toBe('Created');
  });
});
