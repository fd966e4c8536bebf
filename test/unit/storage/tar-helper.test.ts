// packTree through the real `tpod-helper mktar`, chrooted into the tree inside a user
// namespace made by `unshare -Ur`; HelperReport's reading of the helper's lines.
import { describe, it, expect } from 'vitest';
import { mkdtempSync, mkdirSync, writeFileSync, symlinkSync, linkSync, mkdirSync as mkdir } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { Parser, type ReadEntry } from 'tar';
import { packTree, HelperReport } from '../../../src/storage/tar-helper.js';
import { extractLayer } from '../../../src/storage/extract.js';

const wrap = ['unshare', '--user', '--map-root-user'];

async function entries(bytes: Buffer): Promise<ReadEntry[]> {
  const got: ReadEntry[] = [];
  const p = new Parser({ onReadEntry: (e) => { got.push(e); e.resume(); } } as ConstructorParameters<typeof Parser>[0]);
  await new Promise<void>((resolve, reject) => {
    p.on('end', () => resolve());
    p.on('error', reject);
    p.end(bytes);
  });
  return got;
}

async function pack(root: string, whiteouts = false, mtime?: number): Promise<{ bytes: Buffer; skipped: string[] }> {
  const out = new PassThrough();
  const parts: Buffer[] = [];
  out.on('data', (c: Buffer) => parts.push(c));
  const skipped: string[] = [];
  await packTree({ wrap }, root, out, (p, why) => skipped.push(`${p}: ${why}`), { whiteouts, ...(mtime !== undefined ? { mtime } : {}) });
  out.end();
  return { bytes: Buffer.concat(parts), skipped };
}

describe('packTree (tpod-helper mktar)', () => {
  it('packs a tree in byte order with symlinks (not followed), hardlinks and modes', async () => {
    const root = mkdtempSync(join(tmpdir(), 'tpod-tree-'));
    const outside = mkdtempSync(join(tmpdir(), 'tpod-outside-'));
    writeFileSync(join(outside, 'secret'), 'SECRET');
    mkdirSync(join(root, 'b'));
    writeFileSync(join(root, 'b', 'f'), 'data', { mode: 0o600 });
    linkSync(join(root, 'b', 'f'), join(root, 'b', 'g'));
    symlinkSync(outside, join(root, 'a-link'));
    writeFileSync(join(root, 'B'), 'upper');
    const { bytes } = await pack(root);
    const got = await entries(bytes);
    expect(got.map((e) => e.path)).toEqual(['B', 'a-link', 'b/', 'b/f', 'b/g']);
    expect(got[1]!.type).toBe('SymbolicLink');
    expect(got[1]!.linkpath).toBe(outside);
    expect(got[3]!.mode).toBe(0o600);
    expect(got[4]!.type).toBe('Link');
    expect(got[4]!.linkpath).toBe('b/f');
    expect(bytes.includes('SECRET')).toBe(false);
  });

  it('with --mtime, gives every entry that mtime (a build\'s --timestamp)', async () => {
    const root = mkdtempSync(join(tmpdir(), 'tpod-tree-'));
    mkdirSync(join(root, 'd'));
    writeFileSync(join(root, 'd', 'f'), 'x');
    symlinkSync('d/f', join(root, 'l'));
    const got = await entries((await pack(root, false, 86400)).bytes);
    expect(got.map((e) => [e.path, e.mtime?.getTime()])).toEqual([['d/', 86400_000], ['d/f', 86400_000], ['l', 86400_000]]);
  });

  it('a symlink to the host root planted in the tree reads nothing of the host', async () => {
    const root = mkdtempSync(join(tmpdir(), 'tpod-tree-'));
    symlinkSync('/', join(root, 'x'));
    symlinkSync('../../../../../../etc', join(root, 'y'));
    const { bytes } = await pack(root);
    expect((await entries(bytes)).map((e) => e.path)).toEqual(['x', 'y']);
    expect(bytes.includes('root:x:0:0')).toBe(false);
  });

  it('writes long names through PAX and round-trips through the extractor', async () => {
    const root = mkdtempSync(join(tmpdir(), 'tpod-tree-'));
    const deep = join(root, 'd'.repeat(120), 'e'.repeat(120));
    mkdir(deep, { recursive: true });
    writeFileSync(join(deep, 'ü'.repeat(60)), 'deep');
    const { bytes } = await pack(root);
    const target = mkdtempSync(join(tmpdir(), 'tpod-tree-out-'));
    await extractLayer(Readable.from([bytes]), target, { preserveOwner: false, wrap });
    const r = spawnSync('diff', ['-r', root, target]);
    expect(r.status, r.stdout.toString()).toBe(0);
  });

  it('with --whiteouts, writes overlay whiteouts and opaque directories as OCI whiteouts', async () => {
    const layer = mkdtempSync(join(tmpdir(), 'tpod-tree-'));
    // Made by the extractor itself (mknod needs the namespace).
    const { tarBytes, file, dir } = await import('../../helpers/tar-builder.js');
    await extractLayer(Readable.from([tarBytes([dir('etc/'), file('etc/.wh.gone'), dir('var/'), file('var/.wh..wh..opq'), file('var/x', 'x')])]), layer, { preserveOwner: false, wrap });
    const plain = (await entries((await pack(layer)).bytes)).map((e) => e.path);
    expect(plain).toEqual(['etc/', 'var/', 'var/x']);
    const withWh = (await entries((await pack(layer, true)).bytes)).map((e) => e.path);
    expect(withWh).toEqual(['etc/', 'etc/.wh.gone', 'var/', 'var/.wh..wh..opq', 'var/x']);
  });
});

describe('HelperReport', () => {
  it('collects skip lines and words the error by kind', () => {
    const seen: string[] = [];
    const r = new HelperReport((p, why) => seen.push(`${p}|${why}`));
    r.take(Buffer.from('skip\tdev/null\tcharacter device\nerror\tunsafe\t../x\thas a path that climbs out with ".."\n'));
    expect(seen).toEqual(['dev/null|character device']);
    const err = r.error(125, '1/1 (abc)', 'extracting layer');
    expect(err.code).toBe('EUNSAFEARCHIVE');
    expect(err.message).toBe('refusing archive in layer 1/1 (abc): entry "../x" has a path that climbs out with ".."');
  });

  it('falls back to the helper\'s own words for other failures', () => {
    const r = new HelperReport();
    r.take(Buffer.from('tpod-helper: join user namespace of pid 1: Operation not permitted\n'));
    const err = r.error(125, 'L', 'extracting layer');
    expect(err.code).toBe('EHELPER');
    expect(err.message).toBe('extracting layer L: join user namespace of pid 1: Operation not permitted');
  });
});
