import { describe, it, expect } from 'vitest';
import { parseReference, normalizeLocalName, normalizeDockerName, nameMatches, splitStoredName, idPrefixOf } from '../../../src/image/reference.js';

describe('reference', () => {
  it('puts names without a registry under localhost for tag/import', () => {
    expect(normalizeLocalName('foo')).toBe('localhost/foo:latest');
    expect(normalizeLocalName('foo:1')).toBe('localhost/foo:1');
    expect(normalizeLocalName('a/b')).toBe('localhost/a/b:latest');
  });
  it('keeps fully qualified names', () => {
    expect(normalizeLocalName('docker.io/library/busybox')).toBe('docker.io/library/busybox:latest');
    expect(normalizeLocalName('quay.io/x/y:2')).toBe('quay.io/x/y:2');
    expect(normalizeLocalName('127.0.0.1:5000/busybox')).toBe('127.0.0.1:5000/busybox:latest');
    expect(normalizeLocalName('localhost:5000/a:b')).toBe('localhost:5000/a:b');
  });
  it('reads archive names the Docker way', () => {
    expect(normalizeDockerName('busybox:latest')).toBe('docker.io/library/busybox:latest');
    expect(normalizeDockerName('user/app')).toBe('docker.io/user/app:latest');
    expect(normalizeDockerName('docker.io/busybox')).toBe('docker.io/library/busybox:latest');
  });
  it('parses name@sha256: digests', () => {
    const d = 'sha256:' + 'a'.repeat(64);
    expect(parseReference(`busybox@${d}`)).toEqual({ path: 'busybox', digest: d });
    expect(normalizeLocalName(`quay.io/x@${d}`)).toBe(`quay.io/x@${d}`);
    expect(() => parseReference('busybox@sha256:abc')).toThrow(/invalid digest/);
  });
  it('refuses upper case and malformed names', () => {
    expect(() => parseReference('FOO')).toThrow(/must be lowercase/);
    expect(() => parseReference('a:b:c')).toThrow(/invalid/);
    expect(() => parseReference('')).toThrow(/empty/);
    expect(() => parseReference('a//b')).toThrow(/invalid/);
  });
  it('finds a stored name by its short name, as Podman does', () => {
    expect(nameMatches('docker.io/library/busybox:latest', parseReference('busybox'))).toBe(true);
    expect(nameMatches('docker.io/library/busybox:latest', parseReference('library/busybox'))).toBe(true);
    expect(nameMatches('docker.io/library/busybox:latest', parseReference('busybox:1'))).toBe(false);
    expect(nameMatches('docker.io/library/busybox:latest', parseReference('docker.io/busybox'))).toBe(true);
    expect(nameMatches('docker.io/library/notbusybox:latest', parseReference('busybox'))).toBe(false);
    expect(nameMatches('localhost/foo:1', parseReference('localhost/foo:1'))).toBe(true);
  });
  it('splits stored names into repository and tag', () => {
    expect(splitStoredName('127.0.0.1:5000/a:b')).toEqual({ repository: '127.0.0.1:5000/a', tag: 'b' });
    expect(splitStoredName('localhost/a')).toEqual({ repository: 'localhost/a', tag: '<none>' });
  });
  it('recognises ID prefixes', () => {
    expect(idPrefixOf('abc')).toBe('abc');
    expect(idPrefixOf('sha256:abcd')).toBe('abcd');
    expect(idPrefixOf('ab')).toBeUndefined();
    expect(idPrefixOf('busybox')).toBeUndefined();
  });
});
