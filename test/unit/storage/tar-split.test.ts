import { describe, it, expect, beforeEach } from 'vitest';
import { mkdtempSync, mkdirSync, writeFileSync, symlinkSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { extractLayer } from '../../../src/storage/extract.js';
import { rebuildLayerTar, headerNumber, parsePax, TarSplitRecorder, type SplitRecord } from '../../../src/storage/tar-split.js';
import { TpodError } from '../../../src/errors.js';
import { tarBytes, file, dir, symlink, hardlink, sha256 } from '../../helpers/tar-builder.js';

let work: string;
let layer: string;
let split: string;

beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), 'tpod-split-'));
  layer = join(work, 'diff');
  split = join(work, 'split.gz');
  mkdirSync(layer);
});

async function collect(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of stream) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

/** Extracts `bytes` with a tar-split record, rebuilds it, and returns the rebuilt bytes. */
async function roundTrip(bytes: Buffer, compressed = false): Promise<Buffer> {
  const r = await extractLayer(Readable.from([compressed ? gzipSync(bytes) : bytes]), layer, { preserveOwner: false, whiteouts: 'collect', tarSplitFile: split });
  expect(r.diffId).toBe(sha256(bytes));
  return collect(rebuildLayerTar({ diffDir: layer, splitFile: split, diffId: r.diffId, label: 'test' }));
}

function gnuTar(args: string[], cwd: string): Buffer {
  const r = spawnSync('tar', args, { cwd, maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`tar failed: ${r.stderr.toString()}`);
  return r.stdout;
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
    ]);
    expect((await roundTrip(bytes)).equals(bytes)).toBe(true);
  });

  it('rebuilds gzip layers, long PAX names and GNU long names as the tar was', async () => {
    const src = join(work, 'src');
    const deep = join(src, 'a'.repeat(60), 'b'.repeat(60), 'c'.repeat(60));
    mkdirSync(deep, { recursive: true });
    writeFileSync(join(deep, 'd'.repeat(90)), 'deep file\n');
    writeFileSync(join(src, 'big'), Buffer.alloc(70_000, 7));
    symlinkSync('a'.repeat(60) + '/' + 'b'.repeat(150), join(src, 'longlink'));
    for (const format of ['gnu', 'pax', 'ustar']) {
      if (format === 'ustar') {
        // ustar splits a name up to 256 bytes into prefix + name; longer ones do not fit.
        rmSync(join(src, 'longlink'));
        rmSync(join(deep, 'd'.repeat(90)));
        writeFileSync(join(deep, 'short'), 'prefix split\n');
      }
      const bytes = gnuTar(['--format', format, '--sort=name', '-cf', '-', '.'], src);
      rmSync(layer, { recursive: true, force: true });
      mkdirSync(layer);
      const out = await roundTrip(bytes, format === 'pax');
      expect(out.equals(bytes), format).toBe(true);
    }
  });

  it('fails with EDIGEST when a file changed on disk after extraction', async () => {
    const bytes = tarBytes([file('a', 'hello')]);
    const r = await extractLayer(Readable.from([bytes]), layer, { preserveOwner: false, whiteouts: 'collect', tarSplitFile: split });
    writeFileSync(join(layer, 'a'), 'HELLO');
    const err = await collect(rebuildLayerTar({ diffDir: layer, splitFile: split, diffId: r.diffId, label: 'l' })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TpodError);
    expect((err as TpodError).code).toBe('EDIGEST');
  });

  it('never reads through a symlink planted in the layer (reading outside the layer)', async () => {
    const bytes = tarBytes([dir('d/'), file('d/f', 'inside')]);
    const r = await extractLayer(Readable.from([bytes]), layer, { preserveOwner: false, whiteouts: 'collect', tarSplitFile: split });
    const outside = join(work, 'outside');
    mkdirSync(outside);
    writeFileSync(join(outside, 'f'), 'inside');
    rmSync(join(layer, 'd'), { recursive: true });
    symlinkSync(outside, join(layer, 'd'));
    const err = await collect(rebuildLayerTar({ diffDir: layer, splitFile: split, diffId: r.diffId, label: 'l' })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TpodError);
    expect((err as Error).message).toMatch(/symlink/);
  });

  it('records raw bytes and file references, merging raw runs, across any chunking', async () => {
    const bytes = tarBytes([file('a', 'A'.repeat(700)), file('b', 'B')]);
    for (const size of [1, 7, 512, 100_000]) {
      const recs: SplitRecord[] = [];
      const rec = new TarSplitRecorder((r) => recs.push(r));
      const chunks: Buffer[] = [];
      for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
      await collect(Readable.from(chunks).pipe(rec));
      expect(recs.filter((r) => 'f' in r)).toEqual([{ f: 'a', s: 700 }, { f: 'b', s: 1 }]);
      const rawTotal = recs.reduce((n, r) => n + ('r' in r ? Buffer.from(r.r, 'base64').length : r.s), 0);
      expect(rawTotal).toBe(bytes.length);
    }
  });

  it('parses numeric fields and PAX records', () => {
    const b = Buffer.alloc(12);
    b.write('00000001750\0', 'latin1');
    expect(headerNumber(b, 0, 12)).toBe(0o1750);
    const big = Buffer.alloc(12);
    big[0] = 0x80;
    big[11] = 5;
    big[10] = 1;
    expect(headerNumber(big, 0, 12)).toBe(261);
    expect(parsePax(Buffer.from('13 path=abcd\n11 size=42\n'))).toEqual(new Map([['path', 'abcd'], ['size', '42']]));
  });
});
