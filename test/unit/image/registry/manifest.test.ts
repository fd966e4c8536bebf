import { describe, it, expect } from 'vitest';
import { parseManifest, choosePlatform, parsePlatform, hostPlatform, MT, type IndexManifest } from '../../../../src/image/registry/manifest.js';

const D = (c: string) => `sha256:${c.repeat(64)}`;
const m = (o: object) => Buffer.from(JSON.stringify(o));

describe('manifests', () => {
  it('reads OCI and Docker schema 2 image manifests with their layer compression', () => {
    const img = parseManifest(m({ schemaVersion: 2, mediaType: MT.ociManifest, config: { mediaType: MT.ociConfig, digest: D('a'), size: 2 }, layers: [
      { mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: D('b'), size: 3 },
      { mediaType: 'application/vnd.oci.image.layer.v1.tar+zstd', digest: D('c'), size: 3 },
      { mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: D('d'), size: 3 },
    ] }), undefined, 'x');
    expect(img.kind).toBe('image');
    expect(img.kind === 'image' && img.layers.map((l) => l.compression)).toEqual(['gzip', 'zstd', 'none']);
    const dk = parseManifest(m({ schemaVersion: 2, config: { mediaType: MT.dockerConfig, digest: D('a'), size: 2 }, layers: [] }), `${MT.dockerManifest}; charset=utf-8`, 'x');
    expect(dk.mediaType).toBe(MT.dockerManifest);
  });

  it('tells an OCI index from an image manifest when mediaType is absent', () => {
    expect(parseManifest(m({ schemaVersion: 2, manifests: [] }), 'application/json', 'x').kind).toBe('index');
  });

  it('refuses schema 1, unknown media types, artifacts, bad digests and sizes', () => {
    expect(() => parseManifest(m({ schemaVersion: 1, fsLayers: [] }), MT.dockerSchema1Signed, 'img')).toThrow(/img: the image uses the Docker schema 1 manifest format/);
    expect(() => parseManifest(m({ schemaVersion: 2, mediaType: 'x/y' }), undefined, 'img')).toThrow(/unsupported manifest media type "x\/y"/);
    expect(() => parseManifest(m({ schemaVersion: 2, mediaType: MT.ociManifest, config: { mediaType: 'application/vnd.cncf.helm.config.v1+json', digest: D('a'), size: 1 }, layers: [] }), undefined, 'img')).toThrow(/not a container image/);
    expect(() => parseManifest(m({ schemaVersion: 2, mediaType: MT.ociManifest, config: { mediaType: MT.ociConfig, digest: 'sha512:abc', size: 1 }, layers: [] }), undefined, 'img')).toThrow(/only sha256/);
    expect(() => parseManifest(m({ schemaVersion: 2, mediaType: MT.ociManifest, config: { mediaType: MT.ociConfig, digest: D('a'), size: -1 }, layers: [] }), undefined, 'img')).toThrow(/invalid size/);
    expect(() => parseManifest(Buffer.from('nope'), undefined, 'img')).toThrow(/not JSON/);
  });

  it('chooses the platform: exact, arm64 variant defaults, and a clear error listing what there is', () => {
    const idx: IndexManifest = { kind: 'index', mediaType: MT.ociIndex, manifests: [
      { mediaType: MT.ociManifest, digest: D('1'), size: 1, platform: { os: 'linux', architecture: 'amd64' } },
      { mediaType: MT.ociManifest, digest: D('2'), size: 1, platform: { os: 'linux', architecture: 'arm64' } },
      { mediaType: MT.ociManifest, digest: D('3'), size: 1, platform: { os: 'linux', architecture: 'arm', variant: 'v6' } },
    ] };
    expect(choosePlatform(idx, { os: 'linux', architecture: 'amd64' }, 'x').digest).toBe(D('1'));
    expect(choosePlatform(idx, { os: 'linux', architecture: 'arm64', variant: 'v8' }, 'x').digest).toBe(D('2'));
    expect(() => choosePlatform(idx, { os: 'linux', architecture: 'arm', variant: 'v7' }, 'x')).toThrow('x: no image in the manifest list for linux/arm/v7 (it has: linux/amd64, linux/arm64, linux/arm/v6)');
    expect(parsePlatform('linux/aarch64')).toEqual({ os: 'linux', architecture: 'arm64' });
    expect(() => parsePlatform('linux')).toThrow(/OS\/ARCH/);
    expect(hostPlatform('x64')).toEqual({ os: 'linux', architecture: 'amd64' });
  });
});
