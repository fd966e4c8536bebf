import { describe, expect, it } from 'vitest';
import { dockerChanges, distributionInspect } from '../../../../src/api/docker/extra.js';
import { mergeCommitConfig } from '../../../../src/engine/commit.js';

describe('dockerChanges', () => {
  it("maps changed/added/deleted to Docker's kinds 0/1/2, one list sorted by path", () => {
    expect(dockerChanges({ changed: ['/etc', '/tmp'], added: ['/etc/new', '/tmp/x'], deleted: ['/bin/gone'] })).toEqual([
      { Path: '/bin/gone', Kind: 2 },
      { Path: '/etc', Kind: 0 },
      { Path: '/etc/new', Kind: 1 },
      { Path: '/tmp', Kind: 0 },
      { Path: '/tmp/x', Kind: 1 },
    ]);
  });
  it('is an empty list (not null) when nothing changed', () => {
    expect(dockerChanges({ changed: [], added: [], deleted: [] })).toEqual([]);
  });
});

describe('distributionInspect', () => {
  it("gives Docker's descriptor fields and platforms, a variant only when there is one", () => {
    const d = distributionInspect({ mediaType: 'application/vnd.oci.image.index.v1+json', digest: `sha256:${'a'.repeat(64)}`, size: 321 }, [
      { os: 'linux', architecture: 'amd64' },
      { os: 'linux', architecture: 'arm', variant: 'v7' },
    ]);
    expect(d).toEqual({
      Descriptor: { mediaType: 'application/vnd.oci.image.index.v1+json', digest: `sha256:${'a'.repeat(64)}`, size: 321 },
      Platforms: [{ architecture: 'amd64', os: 'linux' }, { architecture: 'arm', os: 'linux', variant: 'v7' }],
    });
  });
});

describe('mergeCommitConfig', () => {
  const base = { Cmd: ['sh'], Env: ['PATH=/bin', 'A=1'], Labels: { a: '1' }, ExposedPorts: { '80/tcp': {} }, User: 'root' };
  it('keeps the container config when no body was sent', () => {
    expect(mergeCommitConfig(base, undefined)).toEqual(base);
  });
  it("replaces scalars and lists, merges env/labels/ports by key (Docker's merge)", () => {
    expect(mergeCommitConfig(base, { Cmd: ['top'], Env: ['A=2', 'B=3'], Labels: { b: '2' }, ExposedPorts: { '53/udp': {} }, WorkingDir: '/srv' })).toEqual({
      Cmd: ['top'],
      Env: ['PATH=/bin', 'A=2', 'B=3'],
      Labels: { a: '1', b: '2' },
      ExposedPorts: { '80/tcp': {}, '53/udp': {} },
      User: 'root',
      WorkingDir: '/srv',
    });
  });
  it('ignores empty values, as Docker does', () => {
    expect(mergeCommitConfig(base, { Cmd: [], Env: [], User: '' })).toEqual(base);
  });
});
