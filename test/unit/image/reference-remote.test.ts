// References as Podman/Docker parse and normalise them for registries: a table of cases.
import { describe, it, expect } from 'vitest';
import {
  parseReference, parseRemoteReference, qualify, formatReference, isShortName, stripTransport, normalizeRegistryKey, referenceTarget,
} from '../../../src/image/reference.js';

const D = 'sha256:' + 'b'.repeat(64);

describe('registry references', () => {
  const table: Array<[string, string]> = [
    ['busybox', 'docker.io/library/busybox:latest'],
    ['busybox:1.36', 'docker.io/library/busybox:1.36'],
    ['library/busybox', 'docker.io/library/busybox:latest'],
    ['user/app', 'docker.io/user/app:latest'],
    ['docker.io/busybox', 'docker.io/library/busybox:latest'],
    ['index.docker.io/busybox', 'docker.io/library/busybox:latest'],
    ['docker.io/library/busybox:musl', 'docker.io/library/busybox:musl'],
    ['quay.io/podman/hello', 'quay.io/podman/hello:latest'],
    ['quay.io/podman/hello:v1', 'quay.io/podman/hello:v1'],
    ['localhost/foo', 'localhost/foo:latest'],
    ['localhost:5000/foo/bar:x', 'localhost:5000/foo/bar:x'],
    ['127.0.0.1:5000/busybox', '127.0.0.1:5000/busybox:latest'],
    ['[::1]:5000/busybox', '[::1]:5000/busybox:latest'],
    ['registry.example.com/a/b/c/d:1.0-rc_2', 'registry.example.com/a/b/c/d:1.0-rc_2'],
    [`busybox@${D}`, `docker.io/library/busybox@${D}`],
    [`busybox:1.36@${D}`, `docker.io/library/busybox@${D}`],
    [`quay.io/x/y:t@${D}`, `quay.io/x/y@${D}`],
    ['docker://quay.io/x/y', 'quay.io/x/y:latest'],
    ['a_b/c__d/e-f/g--h', 'docker.io/a_b/c__d/e-f/g--h:latest'],
  ];
  for (const [input, want] of table) {
    it(`${input} -> ${want}`, () => {
      const raw = parseRemoteReference(input);
      expect(formatReference(qualify(raw, 'docker.io'))).toBe(want);
    });
  }

  const invalid: Array<[string, RegExp]> = [
    ['', /empty/],
    ['Busybox', /lowercase|invalid/],
    ['busybox:', /invalid tag/],
    ['busybox:-x', /invalid tag/],
    ['busybox@sha256:123', /invalid digest/],
    ['a//b', /invalid/],
    ['-a/b', /invalid/],
    ['a/b/', /invalid/],
    ['quay.io/', /empty/],
    ['x'.repeat(256), /255/],
    [`busybox:${'t'.repeat(129)}`, /invalid tag/],
  ];
  for (const [input, why] of invalid) {
    it(`refuses ${JSON.stringify(input.slice(0, 40))}`, () => {
      expect(() => parseRemoteReference(input)).toThrow(why);
    });
  }

  it('tells short names from qualified ones (Docker: the first part is a host when it has . or : or is localhost)', () => {
    expect(isShortName(parseReference('busybox'))).toBe(true);
    expect(isShortName(parseReference('library/busybox'))).toBe(true);
    expect(isShortName(parseReference('localhost/busybox'))).toBe(false);
    expect(isShortName(parseReference('my.reg/busybox'))).toBe(false);
    expect(isShortName(parseReference('myreg:5000/busybox'))).toBe(false);
  });

  it('refuses transports that are not registries', () => {
    expect(stripTransport('docker://busybox')).toBe('busybox');
    expect(() => stripTransport('oci-archive:/tmp/x.tar')).toThrow(/not supported/);
    expect(() => stripTransport('docker-archive:x.tar')).toThrow(/tpod load/);
  });

  it('pulls by digest when there is one, else by tag', () => {
    expect(referenceTarget(qualify(parseReference(`a@${D}`), 'docker.io'))).toBe(D);
    expect(referenceTarget(qualify(parseReference('a:1'), 'docker.io'))).toBe('1');
  });

  it('normalises login arguments', () => {
    expect(normalizeRegistryKey('quay.io')).toBe('quay.io');
    expect(normalizeRegistryKey('https://quay.io/')).toBe('quay.io');
    expect(normalizeRegistryKey('https://index.docker.io/v1/')).toBe('docker.io');
    expect(normalizeRegistryKey('127.0.0.1:5000')).toBe('127.0.0.1:5000');
    expect(normalizeRegistryKey('quay.io/team/app')).toBe('quay.io/team/app');
    expect(() => normalizeRegistryKey('')).toThrow(/invalid registry/);
    expect(() => normalizeRegistryKey('bad host!')).toThrow(/invalid registry/);
  });
});
