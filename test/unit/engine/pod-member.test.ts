import { describe, it, expect } from 'vitest';
import { memberOptions, namespacePaths } from '../../../src/engine/pod-member.js';
import { parseRunOptions, type HostAccess, type RawRunFlags } from '../../../src/runtime/options.js';
import type { PodRecord } from '../../../src/storage/pods.js';
import type { ContainerRecord } from '../../../src/storage/containers.js';

const files: Record<string, string> = { '/ids/pod': 'abc123\n', '/ids/two-lines': 'abc123\nsomething else\n', '/ids/empty': '' };
const host: HostAccess = {
  env: {},
  cwd: '/',
  readFile: (p) => {
    const text = files[p];
    if (text === undefined) throw Object.assign(new Error(`ENOENT: ${p}`), { code: 'ENOENT' });
    return text;
  },
  stat: () => undefined,
};
const opts = (f: Partial<RawRunFlags> = {}) => parseRunOptions({ image: 'busybox', command: [], pod: 'p', ...f }, host);

const pod: PodRecord = { id: 'p'.repeat(64), name: 'p', created: '', labels: {}, share: ['ipc', 'net', 'uts'], infraId: 'i'.repeat(64) };
const infra = { id: 'i'.repeat(64), name: 'p-infra', hostname: 'p', network: 'pasta' } as ContainerRecord;

describe('pod members', () => {
  it('join the infra network and take the pod hostname', () => {
    const m = memberOptions(pod, infra, opts());
    expect(m.network).toBe('container');
    expect(m.networkTarget).toBe(infra.id);
    expect(m.hostname).toBe('p');
  });

  it("refuse -p with Podman's message (ports belong to the pod)", () => {
    expect(() => memberOptions(pod, infra, opts({ publish: ['8080:80'] }))).toThrow(
      'invalid config provided: published or exposed ports must be defined when the pod is created: network cannot be configured when it is shared with a pod',
    );
  });

  it("refuse a hostname of their own in a shared UTS namespace, with Podman's message", () => {
    expect(() => memberOptions(pod, infra, opts({ hostname: 'x' }))).toThrow('cannot set hostname when joining the pod UTS namespace');
  });

  it('keep a network they ask for (as Podman allows), and DNS flags then', () => {
    const m = memberOptions(pod, infra, opts({ network: 'none', dns: ['1.1.1.1'] }));
    expect(m.network).toBe('none');
    expect(m.dns).toEqual(['1.1.1.1']);
  });

  it('refuse DNS flags when the pod network (and its files) are shared', () => {
    expect(() => memberOptions(pod, infra, opts({ dns: ['1.1.1.1'] }))).toThrow(/belong to the pod/);
  });

  it('keep their own network and hostname in a pod that shares neither', () => {
    const p2 = { ...pod, share: ['ipc' as const] };
    const m = memberOptions(p2, infra, opts({ hostname: 'mine', publish: ['8080:80'] }));
    expect(m.network).toBe('default');
    expect(m.hostname).toBe('mine');
  });

  it('name the infra namespaces by /proc path for what the pod shares by path', () => {
    expect(namespacePaths(['ipc', 'net', 'uts'], 42)).toEqual({ ipc: '/proc/42/ns/ipc', uts: '/proc/42/ns/uts' });
    expect(namespacePaths(['net', 'pid'], 7)).toEqual({ pid: '/proc/7/ns/pid' });
  });

  it('--pod-id-file reads the pod id; with --pod it is refused', () => {
    expect(parseRunOptions({ image: 'b', command: [], podIdFile: '/ids/pod' }, host).pod).toBe('abc123');
    expect(() => parseRunOptions({ image: 'b', command: [], podIdFile: '/ids/pod', pod: 'x' }, host)).toThrow('--pod and --pod-id-file cannot be set together');
    expect(() => parseRunOptions({ image: 'b', command: [], pod: 'new:bad name' }, host)).toThrow(/invalid pod name/);
  });

  it('--pod-id-file on run/create counts only the first line, as pod start/stop/rm --pod-id-file and --cidfile do', () => {
    expect(parseRunOptions({ image: 'b', command: [], podIdFile: '/ids/two-lines' }, host).pod).toBe('abc123');
    expect(() => parseRunOptions({ image: 'b', command: [], podIdFile: '/ids/empty' }, host)).toThrow('reading pod ID from file /ids/empty: the file is empty');
    expect(() => parseRunOptions({ image: 'b', command: [], podIdFile: '/ids/none' }, host)).toThrow('reading pod ID from file: open /ids/none: no such file or directory');
  });
});

describe('pod volumes (pod create -v)', () => {
  it('every member mounts the infra\'s volumes: its own mounts win, then the infra\'s, then its --volumes-from', () => {
    const withVols = { ...infra, options: { volumes: [], namedVolumes: [{ name: 'data', destination: '/data', readOnly: false, options: [] }] } } as unknown as ContainerRecord;
    expect(memberOptions(pod, withVols, opts()).volumesFrom).toEqual([infra.id]);
    expect(memberOptions(pod, withVols, opts({ volumesFrom: ['other'] })).volumesFrom).toEqual([infra.id, 'other']);
    expect(memberOptions(pod, infra, opts()).volumesFrom).toBeUndefined();
  });
});
