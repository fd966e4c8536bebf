import { describe, expect, it } from 'vitest';
import { dockerName, familiarName, historyItems, imageInspect, imageSummary, pullReference, registryAuth, registryConfig } from '../../../src/api/image-json.js';
import { ApiError } from '../../../src/api/errors.js';
import type { StoredImage } from '../../../src/image/store.js';
import type { ImageInspect } from '../../../src/image/inspect.js';

const ID = 'a'.repeat(64);

function image(over: Partial<StoredImage> = {}): StoredImage {
  return {
    id: ID,
    names: ['docker.io/library/busybox:latest'],
    digests: ['docker.io/library/busybox@sha256:' + 'd'.repeat(64)],
    manifestDigest: 'sha256:' + 'd'.repeat(64),
    layers: ['sha256:' + 'l'.repeat(64)],
    created: '2024-01-02T03:04:05.123Z',
    size: 100,
    namesHistory: [],
    manifestType: 'application/vnd.oci.image.manifest.v1+json',
    configSize: 10,
    manifestSize: 20,
    ...over,
  };
}

describe('imageSummary', () => {
  it('gives Docker ImageSummary fields: sha256 ids, unix Created, SharedSize -1', () => {
    const s = imageSummary(image(), { tags: ['docker.io/library/busybox:latest'], size: 150, labels: { a: 'b' }, containers: 2, parentId: 'b'.repeat(64) });
    expect(s).toEqual({
      Id: `sha256:${ID}`,
      ParentId: `sha256:${'b'.repeat(64)}`,
      RepoTags: ['docker.io/library/busybox:latest'],
      RepoDigests: ['docker.io/library/busybox@sha256:' + 'd'.repeat(64)],
      Created: Math.floor(Date.parse('2024-01-02T03:04:05Z') / 1000),
      Size: 150,
      SharedSize: -1,
      VirtualSize: 150,
      Labels: { a: 'b' },
      Containers: 2,
    });
  });

  it('shows an untagged image as <none>:<none> and <none>@digest, with empty labels and parent', () => {
    const s = imageSummary(image({ names: [], digests: [] }), { tags: [], size: 1, labels: null, containers: 0 });
    expect(s.RepoTags).toEqual(['<none>:<none>']);
    expect(s.RepoDigests).toEqual([`<none>@sha256:${'d'.repeat(64)}`]);
    expect(s.Labels).toEqual({});
    expect(s.ParentId).toBe('');
  });
});

describe('imageInspect', () => {
  const base: ImageInspect = {
    Id: ID,
    Digest: 'sha256:x',
    RepoTags: ['docker.io/library/busybox:latest'],
    RepoDigests: [],
    Parent: '',
    Comment: 'c',
    Created: '2024-01-02T03:04:05Z',
    Config: {},
    Version: '',
    Author: 'me',
    Architecture: 'amd64',
    Os: 'linux',
    Size: 5,
    VirtualSize: 5,
    GraphDriver: { Name: 'overlay', Data: { UpperDir: '/x' } },
    RootFS: { Type: 'layers', Layers: ['sha256:1'] },
    Labels: null,
    Annotations: {},
    ManifestType: '',
    User: '',
    History: [],
    NamesHistory: [],
  };

  it('fills Docker config fields Go would write as zero values', () => {
    const j = imageInspect(base, { architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] }, config: { Cmd: ['sh'], Env: ['PATH=/bin'], ExposedPorts: { '80/tcp': {} }, Volumes: { '/data': {} } } }, 'c'.repeat(64));
    expect(j.Id).toBe(`sha256:${ID}`);
    expect(j.Parent).toBe(`sha256:${'c'.repeat(64)}`);
    expect(j.RootFS).toEqual({ Type: 'layers', Layers: ['sha256:1'] });
    expect(j.Metadata).toEqual({ LastTagTime: '0001-01-01T00:00:00Z' });
    const cfg = j.Config as Record<string, unknown>;
    expect(cfg.Cmd).toEqual(['sh']);
    expect(cfg.Entrypoint).toBeNull();
    expect(cfg.WorkingDir).toBe('');
    expect(cfg.User).toBe('');
    expect(cfg.Labels).toEqual({});
    expect(cfg.ExposedPorts).toEqual({ '80/tcp': {} });
    expect(cfg.Volumes).toEqual({ '/data': {} });
  });

  it('has no ExposedPorts and null Volumes for an image without them', () => {
    const cfg = imageInspect(base, { architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } }).Config as Record<string, unknown>;
    expect(cfg).not.toHaveProperty('ExposedPorts');
    expect(cfg.Volumes).toBeNull();
    expect(cfg.Cmd).toBeNull();
  });
});

describe('historyItems', () => {
  it('names image entries with sha256 ids and their tags, others <missing>', () => {
    const items = historyItems(
      [
        { id: ID, created: new Date('2024-01-01T00:00:10Z'), createdText: undefined, createdBy: 'RUN x', size: 3, comment: '' },
        { id: '<missing>', created: undefined, createdText: undefined, createdBy: 'ADD', size: 7, comment: 'c' },
      ],
      (id) => (id === ID ? ['docker.io/library/x:latest'] : []),
    );
    expect(items).toEqual([
      { Id: `sha256:${ID}`, Created: Date.parse('2024-01-01T00:00:10Z') / 1000, CreatedBy: 'RUN x', Tags: ['docker.io/library/x:latest'], Size: 3, Comment: '' },
      { Id: '<missing>', Created: 0, CreatedBy: 'ADD', Tags: null, Size: 7, Comment: 'c' },
    ]);
  });
});

describe('names', () => {
  it('normalises new names to Docker Hub, as the compat API does', () => {
    expect(dockerName('x')).toBe('docker.io/library/x:latest');
    expect(dockerName('foo/bar:1')).toBe('docker.io/foo/bar:1');
    expect(dockerName('127.0.0.1:5000/a/b')).toBe('127.0.0.1:5000/a/b:latest');
    expect(() => dockerName('UPPER')).toThrow(ApiError);
  });

  it('joins fromImage and tag, a digest with @, and leaves a tagged fromImage alone', () => {
    expect(pullReference('busybox', 'latest')).toBe('busybox:latest');
    expect(pullReference('busybox', undefined)).toBe('busybox');
    expect(pullReference('busybox', `sha256:${'e'.repeat(64)}`)).toBe(`busybox@sha256:${'e'.repeat(64)}`);
    expect(pullReference('busybox:1', 'latest')).toBe('busybox:1');
    expect(pullReference('localhost:5000/x', '2')).toBe('localhost:5000/x:2');
  });

  it('shows Docker Hub names the familiar way', () => {
    expect(familiarName('docker.io/library/busybox:latest')).toBe('busybox:latest');
    expect(familiarName('docker.io/foo/bar:1')).toBe('foo/bar:1');
    expect(familiarName('docker.io/library/a/b:1')).toBe('library/a/b:1');
    expect(familiarName('127.0.0.1:5000/library/busybox:latest')).toBe('127.0.0.1:5000/library/busybox:latest');
  });
});

describe('registryAuth', () => {
  const enc = (o: unknown, url = false): string => {
    const b = Buffer.from(JSON.stringify(o)).toString('base64');
    return url ? b.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '') : b;
  };

  it('reads username and password from base64 or base64url JSON', () => {
    expect(registryAuth(enc({ username: 'alice', password: 'p?>~', serveraddress: 'r' }))).toEqual({ username: 'alice', password: 'p?>~' });
    expect(registryAuth(enc({ username: 'alice', password: 'p?>~' }, true))).toEqual({ username: 'alice', password: 'p?>~' });
  });

  it('reads an identity token, and the auth field as user:password', () => {
    expect(registryAuth(enc({ identitytoken: 'tok' }))).toEqual({ username: '', password: '', identityToken: 'tok' });
    expect(registryAuth(enc({ auth: Buffer.from('bob:pw:x').toString('base64') }))).toEqual({ username: 'bob', password: 'pw:x' });
  });

  it('takes an absent, empty or {} header as no credentials, and garbage as a 400', () => {
    expect(registryAuth(undefined)).toBeUndefined();
    expect(registryAuth('')).toBeUndefined();
    expect(registryAuth(enc({}))).toBeUndefined();
    expect(() => registryAuth('!!!not-base64-json')).toThrow(ApiError);
  });

  it('reads X-Registry-Config by registry host', () => {
    const m = registryConfig(enc({ 'https://index.docker.io/v1/': { username: 'a', password: 'b' }, '127.0.0.1:5000': { username: 'c', password: 'd' } }));
    expect(m.get('index.docker.io')).toEqual({ username: 'a', password: 'b' });
    expect(m.get('127.0.0.1:5000')).toEqual({ username: 'c', password: 'd' });
  });
});
