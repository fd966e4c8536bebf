import { describe, it, expect, beforeEach } from 'vitest';
import { mkdtempSync, mkdirSync, readFileSync, lstatSync, readlinkSync, symlinkSync, existsSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { extractLayer, entryParts, symlinkEscapes, detectCompression, type ExtractOptions } from '../../../src/storage/extract.js';
import { TpodError } from '../../../src/errors.js';
import { tarBytes, tarGz, file, dir, symlink, hardlink, sha256, type TarEntry } from '../../helpers/tar-builder.js';

const opts: ExtractOptions = { preserveOwner: false, whiteouts: 'collect' };
let work: string;
let target: string;
let outside: string;

beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), 'tpod-extract-'));
  target = join(work, 'layer');
  outside = join(work, 'outside');
  mkdirSync(target);
  mkdirSync(outside);
});

function extract(entries: TarEntry[] | Buffer, o: Partial<ExtractOptions> = {}) {
  const bytes = Buffer.isBuffer(entries) ? entries : tarBytes(entries);
  return extractLayer(Readable.from([bytes]), target, { ...opts, ...o });
}

async function rejects(entries: TarEntry[], pattern: RegExp): Promise<void> {
  const err = await extract(entries).then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(TpodError);
  expect((err as TpodError).code).toBe('EUNSAFEARCHIVE');
  expect((err as TpodError).exitCode).toBe(125);
  expect((err as Error).message).toMatch(pattern);
}

describe('extractLayer', () => {
  it('extracts files, directories, symlinks and hardlinks with their modes and times', async () => {
    const r = await extract([
      dir('bin/', 0o755),
      file('bin/busybox', 'BB', 0o755),
      symlink('bin/sh', '/bin/busybox'),
      symlink('bin/ls', 'busybox'),
      hardlink('bin/bb2', 'bin/busybox'),
      dir('ro/', 0o555),
      file('ro/f', 'x', 0o400),
      file('suid', 'y', 0o4755),
      dir('tmp/', 0o1777),
    ]);
    expect(readFileSync(join(target, 'bin/busybox'), 'utf8')).toBe('BB');
    expect(readlinkSync(join(target, 'bin/sh'))).toBe('/bin/busybox');
    expect(readlinkSync(join(target, 'bin/ls'))).toBe('busybox');
    expect(statSync(join(target, 'bin/bb2')).ino).toBe(statSync(join(target, 'bin/busybox')).ino);
    expect(statSync(join(target, 'ro')).mode & 0o7777).toBe(0o555);
    expect(statSync(join(target, 'ro/f')).mode & 0o7777).toBe(0o400);
    expect(statSync(join(target, 'suid')).mode & 0o7777).toBe(0o4755);
    expect(statSync(join(target, 'tmp')).mode & 0o7777).toBe(0o1777);
    expect(statSync(join(target, 'bin')).mtime.getTime()).toBe(1_600_000_000_000);
    expect(lstatSync(join(target, 'bin/sh')).mtime.getTime()).toBe(1_600_000_000_000);
    expect(r.whiteouts).toEqual([]);
  });

  it('gives directories the archive does not list mode 0755, not 0777', async () => {
    await extract([file('a/b/c', 'x', 0o600)]);
    expect(statSync(join(target, 'a')).mode & 0o7777).toBe(0o755);
    expect(statSync(join(target, 'a/b')).mode & 0o7777).toBe(0o755);
    expect(statSync(join(target, 'a/b/c')).mode & 0o7777).toBe(0o600);
  });

  it('computes the diff id of the uncompressed stream and the digest of the raw one', async () => {
    const entries = [file('a', 'hello')];
    const plain = tarBytes(entries);
    const gz = tarGz(entries);
    const r = await extract(gz, { expectedDiffId: sha256(plain), expectedDigest: sha256(gz) });
    expect(r.compression).toBe('gzip');
    expect(r.diffId).toBe(sha256(plain));
    expect(r.digest).toBe(sha256(gz));
    expect(r.size).toBe(plain.length);
  });

  it('fails when the diff id does not match the config', async () => {
    const err = await extract([file('a', 'x')], { expectedDiffId: sha256('other') }).catch((e: unknown) => e);
    expect((err as TpodError).code).toBe('EDIGEST');
  });

  it('reports a truncated layer as a damaged archive', async () => {
    const bytes = tarBytes([file('a', 'x'.repeat(4000))]).subarray(0, 1500);
    const err = await extract(bytes).catch((e: unknown) => e);
    expect((err as TpodError).code).toBe('EARCHIVE');
  });

  it('collects whiteouts and opaque directories instead of extracting them', async () => {
    const r = await extract([dir('etc/'), file('etc/.wh.passwd'), dir('var/'), file('var/.wh..wh..opq'), file('.wh.gone')]);
    expect(r.whiteouts).toEqual([
      { kind: 'w', path: 'etc/passwd' },
      { kind: 'o', path: 'var' },
      { kind: 'w', path: 'gone' },
    ]);
    expect(existsSync(join(target, 'etc/.wh.passwd'))).toBe(false);
  });

  it('skips device nodes and fifos and says so', async () => {
    const skipped: string[] = [];
    await extract([{ path: 'dev/null', type: 'CharacterDevice' }, { path: 'fifo', type: 'FIFO' }, file('ok')], { onSkip: (p) => skipped.push(p) });
    expect(skipped).toEqual(['dev/null', 'fifo']);
    expect(existsSync(join(target, 'dev/null'))).toBe(false);
    expect(existsSync(join(target, 'ok'))).toBe(true);
  });

  it('refuses a path that climbs out with ..', async () => {
    await rejects([file('../escape', 'x')], /"\.\.\/escape".*climbs out/);
    expect(existsSync(join(work, 'escape'))).toBe(false);
  });

  it('refuses a path that climbs out with .. in the middle', async () => {
    await rejects([dir('a/'), file('a/../../escape', 'x')], /climbs out/);
    expect(existsSync(join(work, 'escape'))).toBe(false);
  });

  it('refuses an absolute path', async () => {
    await rejects([file(join(outside, 'abs'), 'x')], /absolute path/);
    expect(existsSync(join(outside, 'abs'))).toBe(false);
  });

  it('refuses an entry written through a symlink planted earlier in the same archive', async () => {
    await rejects([symlink('evil', outside), file('evil/file', 'pwned')], /"evil\/file" would be written through the symlink "evil"/);
    expect(existsSync(join(outside, 'file'))).toBe(false);
  });

  it('refuses a directory created through a planted relative symlink', async () => {
    await rejects([symlink('up', '..'), dir('up/x/')], /through the symlink "up"/);
    expect(existsSync(join(work, 'x'))).toBe(false);
  });

  it('refuses writing through a symlink that already exists in the target directory', async () => {
    symlinkSync(outside, join(target, 'planted'));
    await rejects([file('planted/file', 'pwned')], /through the symlink "planted"/);
    expect(existsSync(join(outside, 'file'))).toBe(false);
  });

  it('replaces a symlink with a file without following it', async () => {
    writeFileSync(join(outside, 'victim'), 'safe');
    await extract([symlink('link', join(outside, 'victim')), file('link', 'new')]);
    expect(readFileSync(join(outside, 'victim'), 'utf8')).toBe('safe');
    expect(lstatSync(join(target, 'link')).isFile()).toBe(true);
  });

  it('refuses a hardlink whose target is absolute', async () => {
    writeFileSync(join(outside, 'secret'), 's');
    await rejects([hardlink('h', join(outside, 'secret'))], /absolute hardlink target/);
  });

  it('refuses a hardlink whose target climbs out with ..', async () => {
    writeFileSync(join(work, 'secret'), 's');
    await rejects([hardlink('h', '../secret')], /hardlink target that climbs out/);
    expect(existsSync(join(target, 'h'))).toBe(false);
  });

  it('refuses a hardlink whose target goes through a planted symlink', async () => {
    writeFileSync(join(outside, 'secret'), 's');
    await rejects([symlink('evil', outside), hardlink('h', 'evil/secret')], /through the symlink "evil" \(in its hardlink target\)/);
  });

  it('refuses a hardlink to a symlink that points outside', async () => {
    await rejects([symlink('s', '/etc/shadow'), hardlink('h', 's')], /hardlink to the symlink "s", which points outside/);
  });

  it('refuses a hardlink to something the layer does not contain', async () => {
    await rejects([hardlink('h', 'nothing')], /not a file in this layer/);
  });

  it('refuses a whiteout name that tries to escape with .wh...', async () => {
    await rejects([file('.wh...')], /whiteout for an invalid name/);
  });

  it('refuses a whiteout that climbs out with ../.wh.x', async () => {
    await rejects([file('../.wh.x')], /climbs out/);
  });

  it('refuses a whiteout under a planted symlink', async () => {
    await rejects([symlink('evil', outside), file('evil/.wh.x')], /through the symlink "evil"/);
  });

  it('refuses to replace the layer root with a file', async () => {
    await rejects([file('.', 'x')], /layer root/);
  });

  it('treats a setuid file as fine: the namespace confines it', async () => {
    await extract([file('su', 'x', 0o4755)]);
    expect(statSync(join(target, 'su')).mode & 0o4000).toBe(0o4000);
  });
});

describe('entryParts', () => {
  it('normalises ./ and doubled slashes', () => {
    expect(entryParts('./a//b/', undefined)).toEqual(['a', 'b']);
    expect(entryParts('.', undefined)).toEqual([]);
  });
});

describe('symlinkEscapes', () => {
  it('sees absolute and climbing targets as outside', () => {
    expect(symlinkEscapes('a/b', '/x')).toBe(true);
    expect(symlinkEscapes('a/b', '../../x')).toBe(true);
    expect(symlinkEscapes('a/b', '../x')).toBe(false);
    expect(symlinkEscapes('a/b', 'c')).toBe(false);
  });
});

describe('detectCompression', () => {
  it('knows gzip and zstd by their magic bytes', () => {
    expect(detectCompression(Buffer.from([0x1f, 0x8b, 8]))).toBe('gzip');
    expect(detectCompression(Buffer.from([0x28, 0xb5, 0x2f, 0xfd]))).toBe('zstd');
    expect(detectCompression(Buffer.from('bin/'))).toBe('none');
  });
});
