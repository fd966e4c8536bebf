import { describe, it, expect } from 'vitest';
import { checkAutoUpdateCreate, lookupPolicy, registryName, registryReference } from '../../../src/autoupdate/policy.js';
import { findTasks } from '../../../src/autoupdate/discover.js';
import type { ContainerRecord } from '../../../src/storage/containers.js';

describe('auto-update policies', () => {
  it('reads Podman\'s label values', () => {
    expect(lookupPolicy('registry')).toBe('registry');
    expect(lookupPolicy('image')).toBe('registry');
    expect(lookupPolicy('local')).toBe('local');
    expect(lookupPolicy('disabled')).toBeUndefined();
    expect(lookupPolicy('')).toBeUndefined();
  });
  it('refuses other values, listing the valid ones', () => {
    expect(() => lookupPolicy('sometimes')).toThrow('invalid auto-update policy "sometimes": valid policies are ["disabled" "image" "local" "registry"]');
    expect(() => lookupPolicy('toString')).toThrow(/invalid auto-update policy "toString"/);
  });
  it('registry policy: a name with a registry and a tag, no digest', () => {
    expect(registryName('quay.io/podman/stable:latest')).toBe('quay.io/podman/stable:latest');
    expect(registryName('docker://docker.io/busybox:1')).toBe('docker.io/library/busybox:1');
    expect(registryReference('127.0.0.1:5000/x:latest')).toEqual({ domain: '127.0.0.1:5000', path: 'x', tag: 'latest' });
    expect(() => registryReference('busybox:latest')).toThrow(/fully-qualified image references \(with a registry/);
    expect(() => registryReference('quay.io/podman/stable')).toThrow(/\(no tag\)/);
    expect(() => registryReference(`quay.io/x:1@sha256:${'a'.repeat(64)}`)).toThrow(/without digest/);
    expect(() => registryReference('Quay.io/X:1')).toThrow(/enforcing fully-qualified/);
  });
});

const rec = (name: string, labels: Record<string, string>, extra: Partial<ContainerRecord> = {}): ContainerRecord => ({
  id: `${name.padEnd(12, '0')}${'a'.repeat(52)}`.slice(0, 64), name, image: 'quay.io/x/y:latest', imageId: 'f'.repeat(64), imageName: 'quay.io/x/y:latest', command: ['sh'],
  created: '2024-01-01T00:00:00Z', state: 'running', runtime: 'crun', driver: 'overlay', layers: [], hostname: 'h',
  network: 'none', rm: false, tty: false, interactive: false, labels, ...extra,
});

describe('finding containers to update', () => {
  const unit = { PODMAN_SYSTEMD_UNIT: 'container-a.service' };
  it('takes running containers with a policy, sorted by unit then name', () => {
    const recs = [
      rec('b', { 'io.containers.autoupdate': 'registry', PODMAN_SYSTEMD_UNIT: 'z.service' }),
      rec('a', { 'io.containers.autoupdate': 'local', ...unit }, { image: 'busybox' }),
      rec('c', { 'io.containers.autoupdate': 'image', ...unit, 'io.containers.autoupdate.authfile': '/a.json' }),
      rec('off', { 'io.containers.autoupdate': 'disabled', ...unit }),
      rec('none', { ...unit }),
      rec('stopped', { 'io.containers.autoupdate': 'registry', ...unit }, { state: 'exited' }),
    ];
    const d = findTasks(recs, (r) => r.state === 'running');
    expect(d.errors).toEqual([]);
    expect(d.tasks.map((t) => [t.unit, t.container.name, t.policy, t.rawName, t.authfile])).toEqual([
      ['container-a.service', 'a', 'local', 'busybox', undefined],
      ['container-a.service', 'c', 'registry', 'quay.io/x/y:latest', '/a.json'],
      ['z.service', 'b', 'registry', 'quay.io/x/y:latest', undefined],
    ]);
    expect(d.tasks[1]!.ref).toEqual({ domain: 'quay.io', path: 'x/y', tag: 'latest' });
  });
  it('a bad label is an error naming the container; the others still count', () => {
    const recs = [
      rec('bad', { 'io.containers.autoupdate': 'fake', ...unit }),
      rec('nounit', { 'io.containers.autoupdate': 'registry' }),
      rec('short', { 'io.containers.autoupdate': 'registry', ...unit }, { image: 'busybox' }),
      rec('good', { 'io.containers.autoupdate': 'local', ...unit }),
    ];
    const d = findTasks(recs, () => true);
    expect(d.tasks.map((t) => t.container.name)).toEqual(['good']);
    expect(d.errors.map((e) => e.message)).toEqual([
      expect.stringMatching(/^auto-updating container "bad" \(bad000000000\): invalid auto-update policy "fake"/),
      expect.stringMatching(/^auto-updating container "nounit" .*no PODMAN_SYSTEMD_UNIT label found/),
      expect.stringMatching(/^auto-updating container "short" .*fully-qualified image references .*"busybox"/),
    ]);
  });
  it('labels given at create (options) count too', () => {
    const r = rec('o', {}, { options: { labels: { 'io.containers.autoupdate': 'local', ...unit } } as unknown as ContainerRecord['options'] });
    expect(findTasks([r], () => true).tasks).toHaveLength(1);
  });
  it('a pod member is restarted through its pod\'s unit', () => {
    const infra = rec('infra', { PODMAN_SYSTEMD_UNIT: 'pod-p.service' }, { pod: 'p1', isInfra: true });
    const member = rec('m', { 'io.containers.autoupdate': 'local', PODMAN_SYSTEMD_UNIT: 'container-m.service' }, { pod: 'p1' });
    expect(findTasks([infra, member], () => true).tasks.map((t) => t.unit)).toEqual(['pod-p.service']);
    expect(findTasks([member], () => true).tasks.map((t) => t.unit)).toEqual(['container-m.service']);
  });
  it('refuses at create what a registry update could not follow: short names, other transports', () => {
    const labels = { 'io.containers.autoupdate': 'registry' };
    expect(() => checkAutoUpdateCreate(labels, 'quay.io/x/y:1')).not.toThrow();
    expect(() => checkAutoUpdateCreate(labels, 'shortname:latest')).toThrow('short name: auto updates require fully-qualified image reference: "shortname:latest"');
    expect(() => checkAutoUpdateCreate(labels, 'docker-archive:/tmp/a.tar')).toThrow('auto updates require the docker image transport but image is of transport "docker-archive"');
    expect(() => checkAutoUpdateCreate({ 'io.containers.autoupdate': 'local' }, 'shortname:latest')).not.toThrow();
    expect(() => checkAutoUpdateCreate(undefined, 'shortname')).not.toThrow();
    expect(() => checkAutoUpdateCreate(labels, 'localhost:5000/x:1')).not.toThrow();
  });
});
