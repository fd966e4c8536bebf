import { describe, it, expect, beforeEach } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync, createReadStream, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { readArchive } from '../../../src/image/archive/contents.js';
import { readDockerArchive, isDockerArchive, digestFromName } from '../../../src/image/archive/docker.js';
import { readOciArchive, isOciArchive } from '../../../src/image/archive/oci.js';
import { TpodError } from '../../../src/errors.js';
import { tarBytes, file, dir, symlink, sha256 } from '../../helpers/tar-builder.js';

let work: string;
beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), 'tpod-archive-'));
});

const layer = tarBytes([dir('bin/'), file('bin/sh', 'shell', 0o755)]);
const hex = (d: string): string => d.slice(7);

function config(diffIds: string[]): Buffer {
  return Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: { Cmd: ['sh'] }, rootfs: { type: 'layers', diff_ids: diffIds } }));
}

function dockerArchive(opts: { tags?: string[]; badConfigName?: boolean; layerBytes?: Buffer; diffIds?: string[] } = {}): Buffer {
  const cfg = config(opts.diffIds ?? [sha256(layer)]);
  const lb = opts.layerBytes ?? layer;
  const cfgName = opts.badConfigName ? `${'0'.repeat(64)}.json` : `${hex(sha256(cfg))}.json`;
  const manifest = [{ Config: cfgName, RepoTags: opts.tags ?? ['busybox:latest'], Layers: ['abc/layer.tar'] }];
  return tarBytes([
    file(`${hex(sha256(lb))}.tar`, lb),
    file(cfgName, cfg),
    dir('abc/'),
    symlink('abc/layer.tar', `../${hex(sha256(lb))}.tar`),
    file('manifest.json', JSON.stringify(manifest)),
  ]);
}

function ociArchive(refName = 'busybox:latest', tamper = false): Buffer {
  const cfg = config([sha256(layer)]);
  const gz = gzipSync(layer);
  const manifest = Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256(cfg), size: cfg.length },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: sha256(gz), size: gz.length }],
  }));
  const index = { schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: sha256(manifest), size: manifest.length, annotations: { 'org.opencontainers.image.ref.name': refName } }] };
  return tarBytes([
    file('oci-layout', '{"imageLayoutVersion":"1.0.0"}'),
    file('index.json', JSON.stringify(index)),
    file(`blobs/sha256/${hex(sha256(cfg))}`, cfg),
    file(`blobs/sha256/${hex(sha256(manifest))}`, manifest),
    file(`blobs/sha256/${hex(sha256(gz))}`, tamper ? Buffer.concat([gz, Buffer.from('x')]) : gz),
  ]);
}

async function read(bytes: Buffer) {
  return readArchive(Readable.from([bytes]), work, 'test.tar');
}

describe('archive readers', () => {
  it('reads a docker-archive, following its symlinks, with Podman normalised names and manifest', async () => {
    const a = await read(dockerArchive());
    expect(isDockerArchive(a)).toBe(true);
    const [img] = readDockerArchive(a);
    expect(img!.names).toEqual(['docker.io/library/busybox:latest']);
    expect(img!.layers[0]!.diffId).toBe(sha256(layer));
    expect(readFileSync(img!.layers[0]!.member.file)).toEqual(layer);
    expect(img!.manifestType).toBe('application/vnd.docker.distribution.manifest.v2+json');
    expect(JSON.parse(img!.manifestBytes.toString()).layers[0].digest).toBe(sha256(layer));
  });

  it('keeps small members whole when read from a file in chunks', async () => {
    // A big member first makes the parser queue the small ones behind it.
    const big = tarBytes([dir('x/'), file('x/big', Buffer.alloc(2_125_000, 7))]);
    const path = join(work, 'a.tar');
    writeFileSync(path, dockerArchive({ layerBytes: big, diffIds: [sha256(big)] }));
    const a = await readArchive(createReadStream(path), work, 'a.tar');
    for (const m of a.members.values()) expect(statSync(m.file).size).toBe(m.size);
    expect(readDockerArchive(a)[0]!.names).toEqual(['docker.io/library/busybox:latest']);
  });

  it('reads a gzipped docker-archive', async () => {
    const a = await read(gzipSync(dockerArchive()));
    expect(readDockerArchive(a)).toHaveLength(1);
  });

  it('reads an oci-archive and names the image as Podman does', async () => {
    const a = await read(ociArchive());
    expect(isOciArchive(a)).toBe(true);
    const [img] = readOciArchive(a);
    expect(img!.names).toEqual(['localhost/busybox:latest']);
    expect(img!.layers[0]!.mediaType).toBe('application/vnd.oci.image.layer.v1.tar+gzip');
  });

  it('refuses a blob that does not match its digest', async () => {
    const a = await read(ociArchive('x', true));
    expect(() => readOciArchive(a)).toThrow(TpodError);
    expect(() => readOciArchive(a)).toThrow(/does not match|bytes, its descriptor/);
  });

  it('refuses a config whose name promises another digest', async () => {
    const a = await read(dockerArchive({ badConfigName: true }));
    expect(() => readDockerArchive(a)).toThrow(/its name promises/);
  });

  it('reports a truncated archive', async () => {
    const bytes = dockerArchive();
    const err = await read(bytes.subarray(0, 3000)).catch((e: unknown) => e);
    expect((err as TpodError).code).toBe('EARCHIVE');
  });

  it('reports something that is not an archive', async () => {
    const err = await read(Buffer.from('hello, this is not a tar file at all'.repeat(40))).catch((e: unknown) => e);
    expect((err as TpodError).code).toBe('EARCHIVE');
  });

  it('never writes members at their own (hostile) paths', async () => {
    const a = await read(tarBytes([file('../../escape', 'x'), file('/abs', 'y'), file('manifest.json', '[]')]));
    expect(a.members.has('manifest.json')).toBe(true);
    expect([...a.members.keys()]).toEqual(['manifest.json']);
  });

  it('knows digests from member names', () => {
    expect(digestFromName(`${'a'.repeat(64)}.tar`)).toBe(`sha256:${'a'.repeat(64)}`);
    expect(digestFromName(`blobs/sha256/${'b'.repeat(64)}`)).toBe(`sha256:${'b'.repeat(64)}`);
    expect(digestFromName(`${'a'.repeat(64)}/layer.tar`)).toBeUndefined();
  });
});
