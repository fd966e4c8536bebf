// tar-split round trips through the real helpers: records written by `untar` from the
// same parse as the extraction, replayed by `retar` chrooted into the layer.
import { describe, it, expect, beforeEach } from 'vitest';
import { mkdtempSync, mkdirSync, writeFileSync, symlinkSync, rmSync, truncateSync, openSync, writeSync, closeSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { extractLayer } from '../../../src/storage/extract.js';
import { rebuildLayerTar, encodeRecord, TAR_SPLIT_FILE, TAR_SPLIT_JSON_FILE } from '../../../src/storage/tar-split.js';
import { TpodError } from '../../../src/errors.js';
import { tarBytes, file, dir, symlink, hardlink, pax, sha256 } from '../../helpers/tar-builder.js';

const wrap = ['unshare', '--user', '--map-root-user'];
let work: string;
let layerDir: string;
let diff: string;

beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), 'tpod-split-'));
  layerDir = join(work, 'layer');
  diff = join(layerDir, 'diff');
  mkdirSync(diff, { recursive: true });
});

async function collect(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of stream) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

async function store(bytes: Buffer, compressed = false): Promise<string> {
  const r = await extractLayer(Readable.from([compressed ? gzipSync(bytes) : bytes]), diff, { preserveOwner: false, wrap, tarSplitFile: join(layerDir, TAR_SPLIT_FILE) });
  expect(r.diffId).toBe(sha256(bytes));
  return r.diffId;
}

/** Extracts `bytes` with a tar-split record, rebuilds it, and returns the rebuilt bytes. */
async function roundTrip(bytes: Buffer, compressed = false): Promise<Buffer> {
  const diffId = await store(bytes, compressed);
  return collect(rebuildLayerTar({ layerDir, diffId, label: 'test', wrap }));
}

function gnuTar(args: string[], cwd: string): Buffer {
  const r = spawnSync('tar', args, { cwd, maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`tar failed: ${r.stderr.toString()}`);
  return r.stdout;
}

function fresh(): void {
  rmSync(layerDir, { recursive: true, force: true });
  mkdirSync(diff, { recursive: true });
}

describe('tar-split', () => {
  it('rebuilds a layer byte for byte: files, dirs, symlinks, hardlinks, whiteouts, opaque dirs', async () => {
    const bytes = tarBytes([
      dir('bin/'),
      file('bin/busybox', 'B'.repeat(1500), 0o755),
      symlink('bin/sh', 'busybox'),
      hardlink('bin/ash', 'bin/busybox'),
      file('empty', ''),
      dir('etc/'),
      file('etc/.wh.gone', ''),
      file('etc/.wh..wh..opq', ''),
      file('etc/x', 'x\n'),
      pax({ 'SCHILY.xattr.user.a': 'b' }),
      file('withattr', 'z'),
    ]);
    expect((await roundTrip(bytes)).equals(bytes)).toBe(true);
  });

  it('rebuilds what GNU tar writes: gzip, long PAX and GNU names, ustar prefixes, sparse files in every version', async () => {
    const src = join(work, 'src');
    const deep = join(src, 'a'.repeat(60), 'b'.repeat(60), 'c'.repeat(60));
    mkdirSync(deep, { recursive: true });
    writeFileSync(join(deep, 'd'.repeat(90)), 'deep file\n');
    writeFileSync(join(src, 'big'), Buffer.alloc(70_000, 7));
    symlinkSync('a'.repeat(60) + '/' + 'b'.repeat(150), join(src, 'longlink'));
    writeFileSync(join(src, 'sparse'), '');
    truncateSync(join(src, 'sparse'), 8 << 20);
    const fd = openSync(join(src, 'sparse'), 'r+');
    writeSync(fd, 'middle', 4 << 20);
    closeSync(fd);
    const variants: [string, string[]][] = [
      ['gnu', ['--format', 'gnu', '--sparse']],
      ['pax 0.0', ['--format', 'pax', '--sparse', '--sparse-version=0.0']],
      ['pax 0.1', ['--format', 'pax', '--sparse', '--sparse-version=0.1']],
      ['pax 1.0', ['--format', 'pax', '--sparse', '--sparse-version=1.0']],
    ];
    for (const [name, args] of variants) {
      const bytes = gnuTar([...args, '--sort=name', '-cf', '-', '.'], src);
      fresh();
      expect((await roundTrip(bytes, name === 'pax 0.0')).equals(bytes), name).toBe(true);
    }
    // ustar splits a name up to 256 bytes into prefix + name; longer ones do not fit.
    rmSync(join(src, 'longlink'));
    rmSync(join(deep, 'd'.repeat(90)));
    rmSync(join(src, 'sparse'));
    writeFileSync(join(deep, 'short'), 'prefix split\n');
    const bytes = gnuTar(['--format', 'ustar', '--sort=name', '-cf', '-', '.'], src);
    fresh();
    expect((await roundTrip(bytes)).equals(bytes), 'ustar').toBe(true);
  });

  it('rebuilds empty layers exactly', async () => {
    for (const bytes of [Buffer.alloc(0), Buffer.alloc(1024), Buffer.alloc(10240)]) {
      fresh();
      expect((await roundTrip(bytes)).equals(bytes)).toBe(true);
    }
  });

  it('fails with EDIGEST when a file changed on disk after extraction', async () => {
    const diffId = await store(tarBytes([file('a', 'hello')]));
    writeFileSync(join(diff, 'a'), 'HELLO');
    const err = await collect(rebuildLayerTar({ layerDir, diffId, label: 'l', wrap })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TpodError);
    expect((err as TpodError).code).toBe('EDIGEST');
  });

  it('reads a file the records name inside the layer, even through a symlink planted there (no read of the host)', async () => {
    const diffId = await store(tarBytes([dir('d/'), file('d/f', 'inside')]));
    const outside = join(work, 'outside');
    mkdirSync(outside);
    writeFileSync(join(outside, 'f'), 'inside');
    rmSync(join(diff, 'd'), { recursive: true });
    symlinkSync(outside, join(diff, 'd'));
    // The symlink is resolved inside the layer, where it leads nowhere.
    const err = await collect(rebuildLayerTar({ layerDir, diffId, label: 'l', wrap })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TpodError);
    expect((err as Error).message).toMatch(/layer file d\/f/);
  });

  it('replays records an earlier version stored as JSON lines', async () => {
    const bytes = tarBytes([dir('d/'), file('d/f', 'content')]);
    const diffId = await store(bytes);
    rmSync(join(layerDir, TAR_SPLIT_FILE));
    // The JSON form of the same tar: raw header blocks, the file by reference, the rest raw.
    const header = 512 * 2; // d/ and d/f headers
    const lines = [
      { r: bytes.subarray(0, header).toString('base64') },
      { f: 'd/f', s: 7 },
      { r: bytes.subarray(header + 7).toString('base64') },
    ];
    writeFileSync(join(layerDir, TAR_SPLIT_JSON_FILE), gzipSync(lines.map((l) => JSON.stringify(l)).join('\n') + '\n'));
    expect((await collect(rebuildLayerTar({ layerDir, diffId, label: 'l', wrap }))).equals(bytes)).toBe(true);
  });

  it('encodes records in the helper\'s binary form', () => {
    expect(encodeRecord({ r: Buffer.from('ab').toString('base64') })).toEqual(Buffer.from([0x72, 2, 0, 0, 0, 0x61, 0x62]));
    expect(encodeRecord({ f: 'x', s: 5 })).toEqual(Buffer.from([0x66, 5, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0x78]));
  });
});
