import { describe, it, expect } from 'vitest';
import { planOrphans, mountedIds, type PlanInput } from '../../../src/engine/orphans.js';
import { netnsCreator, netnsName } from '../../../src/network/netns-name.js';
import type { ContainerRecord } from '../../../src/storage/containers.js';

const id = (c: string) => c.repeat(64);
const rec = (i: string, state: ContainerRecord['state'], extra: Partial<ContainerRecord> = {}): ContainerRecord => ({
  id: i, name: `n${i[0]}`, image: 'x', imageId: 'x', imageName: 'x', command: [], created: '2024-01-01T00:00:00Z', state,
  runtime: 'crun', driver: 'overlay', layers: [], hostname: 'h', network: 'pasta', rm: false, tty: false, interactive: false, ...extra,
});

function input(over: Partial<PlanInput> & { records?: ContainerRecord[] }): PlanInput {
  const records = over.records ?? [];
  return {
    traces: { runtime: [], mounts: [], netns: [] },
    records,
    record: (i) => records.find((r) => r.id === i),
    monitorAlive: (r) => r.monitorPid === 1,
    creatorAlive: () => false,
    anyCorrupt: false,
    ...over,
  };
}

describe('planOrphans', () => {
  it('leaves a running container with a live monitor, and its network, alone', () => {
    const r = rec(id('a'), 'running', { monitorPid: 1, netns: '/r/netns/netns-1-2-aa' });
    expect(planOrphans(input({ records: [r], traces: { runtime: [r.id], mounts: [r.id], netns: [r.netns!] } }))).toEqual({ containers: [], netns: [] });
  });
  it('finds processes, mounts and runtime state of a container with no record, or one that never started', () => {
    const created = rec(id('b'), 'created', { netns: '/r/netns/netns-9-9-bb' });
    const p = planOrphans(input({ records: [created], traces: { runtime: [id('c'), created.id], mounts: [created.id], netns: [created.netns!] } }));
    expect(p.containers.map((c) => [c.id, c.why])).toEqual([[id('c'), 'unrecorded'], [created.id, 'never-started']]);
    expect(p.netns).toEqual([created.netns]);
  });
  it('finds what a container whose monitor died left, and leaves a corrupt record\'s to rm -f', () => {
    const dead = rec(id('d'), 'running', { monitorPid: 2 });
    const p = planOrphans(input({ records: [dead], record: (i) => (i === id('e') ? 'corrupt' : i === dead.id ? dead : undefined), traces: { runtime: [dead.id, id('e')], mounts: [], netns: [] } }));
    expect(p.containers.map((c) => [c.id, c.why])).toEqual([[dead.id, 'ended']]);
  });
  it('guards against releasing the network of a command still at work: its namespace names a live maker', () => {
    const path = '/r/netns/netns-7-8-cc';
    expect(planOrphans(input({ traces: { runtime: [], mounts: [], netns: [path] }, creatorAlive: (n) => n === 'netns-7-8-cc' })).netns).toEqual([]);
    expect(planOrphans(input({ traces: { runtime: [], mounts: [], netns: [path] } })).netns).toEqual([path]);
    // With a corrupt record around, a namespace no record names may be its: kept.
    expect(planOrphans(input({ traces: { runtime: [], mounts: [], netns: [path] }, anyCorrupt: true })).netns).toEqual([]);
  });
});

describe('mountedIds and netns names', () => {
  it('reads container rootfs mounts from mountinfo, escapes undone', () => {
    const a = id('a');
    const info = [
      `100 50 0:45 / /home/u\\040x/c/${a}/merged rw - overlay overlay rw`,
      `101 50 0:46 / /home/u\\040x/c/${a}/merged/proc rw - proc proc rw`,
      '102 50 0:47 / /other rw - tmpfs tmpfs rw',
    ].join('\n');
    expect(mountedIds(info, '/home/u x/c')).toEqual([a]);
  });
  it('names the maker of a namespace file', () => {
    expect(netnsCreator(netnsName(1234, '99887766', 'ab12cd34'))).toEqual({ pid: 1234, startTime: '99887766' });
    expect(netnsName(4194304, '999999999999', 'ab12cd34').length).toBeLessThanOrEqual(40);
    expect(netnsCreator('netns-0123456789abcdef0123456789abcdef')).toBeUndefined();
  });
});
