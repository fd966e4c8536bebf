import { describe, it, expect } from 'vitest';
import { mkdtempSync, mkdirSync, writeFileSync, symlinkSync, linkSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { Parser, type ReadEntry } from 'tar';
import { TarWriter, encodeHeader, splitUstarName } from '../../../../src/image/archive/tar-writer.js';
import { TpodError } from '../../../../src/errors.js';

async function written(fn: (t: TarWriter) => Promise<void>): Promise<Buffer> {
  const out = new PassThrough();
  const parts: Buffer[] = [];
  out.on('data', (c: Buffer) => parts.push(c));
  const t = new TarWriter(out);
  await fn(t);
  await t.finish();
  out.end();
  return Buffer.concat(parts);
}

async function entries(bytes: Buffer): Promise<Array<{ path: string; type: string; size: number; linkpath?: string; body: string; mode?: number; uid?: number }>> {
  const out: Array<{ path: string; type: string; size: number; linkpath?: string; body: string; mode?: number; uid?: number }> = [];
  await new Promise<void>((resolve, reject) => {
    const p = new Parser({
      strict: true,
      onReadEntry: (e: ReadEntry) => {
        const chunks: Buffer[] = [];
        e.on('data', (c: Buffer) => chunks.push(c));
        e.on('end', () => {
          const rec: (typeof out)[number] = { path: e.path, type: e.type, size: e.size, body: Buffer.concat(chunks).toString(), mode: e.mode, uid: e.uid };
          if (e.linkpath) rec.linkpath = e.linkpath;
          out.push(rec);
        });
      },
    } as ConstructorParameters<typeof Parser>[0]);
    p.on('end', resolve);
    p.on('error', reject);
    p.end(bytes);
  });
  return out;
}

describe('TarWriter', () => {
  it('writes entries node-tar and GNU tar read back, with long names through PAX', async () => {
    const long = `${'d'.repeat(120)}/${'f'.repeat(120)}`;
    const bytes = await written(async (t) => {
      await t.add({ name: 'dir', type: 'dir', mode: 0o755 });
      await t.add({ name: 'dir/a.txt', type: 'file', mode: 0o640, uid: 1000, size: 5 }, Readable.from([Buffer.from('hel'), Buffer.from('lo')]));
      await t.add({ name: long, type: 'file', mode: 0o644 }, Buffer.from('long'));
      await t.add({ name: 'ünïcode', type: 'symlink', mode: 0o777, linkname: 'x'.repeat(150) });
      await t.add({ name: 'big-uid', type: 'file', mode: 0o644, uid: 3_000_000 }, Buffer.from(''));
    });
    expect(bytes.length % 512).toBe(0);
    const got = await entries(bytes);
    expect(got.map((e) => [e.path, e.type])).toEqual([
      ['dir/', 'Directory'],
      ['dir/a.txt', 'File'],
      [long, 'File'],
      ['ünïcode', 'SymbolicLink'],
      ['big-uid', 'File'],
    ]);
    expect(got[1]!.body).toBe('hello');
    expect(got[1]!.uid).toBe(1000);
    expect(got[2]!.body).toBe('long');
    expect(got[3]!.linkpath).toBe('x'.repeat(150));
    expect(got[4]!.uid).toBe(3_000_000);
    const gnu = spawnSync('tar', ['-tvf', '-'], { input: bytes });
    expect(gnu.status).toBe(0);
    expect(gnu.stdout.toString()).toContain('dir/a.txt');
  });

  it('fails when a body is not the size its header promised (a file that changed while written)', async () => {
    const err = await written((t) => t.add({ name: 'f', type: 'file', mode: 0o644, size: 10 }, Readable.from([Buffer.from('short')]))).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TpodError);
    expect((err as Error).message).toMatch(/expected 10 bytes, read 5/);
  });

  it('splits names into ustar prefix and name when it can', () => {
    expect(splitUstarName('a/b')).toEqual({ prefix: '', name: 'a/b' });
    const p = `${'p'.repeat(150)}/${'n'.repeat(90)}`;
    expect(splitUstarName(p)).toEqual({ prefix: 'p'.repeat(150), name: 'n'.repeat(90) });
    expect(splitUstarName('x'.repeat(300))).toBeUndefined();
    expect(encodeHeader({ name: 'a', type: 'file', mode: 0o644, size: 1 }).length).toBe(512);
    expect(encodeHeader({ name: 'x'.repeat(300), type: 'file', mode: 0o644 }).length).toBe(512 * 3);
  });
});
