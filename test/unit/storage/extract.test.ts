// The real extractor (tpod-helper untar), chrooted into the layer inside a user
// namespace made by `unshare -Ur` (owners are then not kept: only 0 is mapped).
import { describe, it, expect, beforeEach } from 'vitest';
import { mkdtempSync, mkdirSync, readFileSync, lstatSync, readlinkSync, symlinkSync, existsSync, statSync, writeFileSync, readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { extractLayer, type ExtractOptions } from '../../../src/storage/extract.js';
import { detectCompression } from '../../../src/storage/compression.js';
import { TpodError } from '../../../src/errors.js';
import { tarBytes, tarGz, file, dir, symlink, hardlink, pax, sha256, type TarEntry } from '../../helpers/tar-builder.js';

const opts: ExtractOptions = { preserveOwner: false, wrap: ['unshare', '--user', '--map-root-user'] };
let work: string;
let target: string;
let outside: string;

beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), 'tpod-extract-'));
  target = join(work, 'layer');
  outside = join(work, 'outside');
  mkdirSync(target);
  mkdirSync(outside);
  writeFileSync(join(outside, 'victim'), 'original');
});

function extract(entries: TarEntry[] | Buffer, o: Partial<ExtractOptions> = {}) {
  const bytes = Buffer.isBuffer(entries) ? entries : tarBytes(entries);
  return extractLayer(Readable.from([bytes]), target, { ...opts, ...o });
}

async function fails(entries: TarEntry[] | Buffer, code: string, pattern: RegExp): Promise<void> {
  const err = await extract(entries).then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(TpodError);
  expect((err as TpodError).code).toBe(code);
  expect((err as TpodError).exitCode).toBe(125);
  expect((err as Error).message).toMatch(pattern);
}

/** Nothing outside the layer directory changed. */
function outsideUntouched(): void {
  expect(readdirSync(outside).sort()).toEqual(['victim']);
  expect(readFileSync(join(outside, 'victim'), 'utf8')).toBe('original');
  expect(readdirSync(work).sort()).toEqual(['layer', 'outside']);
}

function xattr(path: string, name: string): string | null {
  const r = spawnSync('python3', ['-c', 'import os,sys\ntry: print(os.getxattr(sys.argv[1], sys.argv[2], follow_symlinks=False).decode(), end="")\nexcept OSError: print("<none>", end="")', path, name]);
  const out = r.stdout.toString();
  return out === '<none>' ? null : out;
}

describe('extractLayer', () => {
  it('extracts files, directories, symlinks and hardlinks with their modes and times', async () => {
    await extract([
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
  });

  it('gives directories the archive does not list mode 0755, not 0777', async () => {
    await extract([file('a/b/c', 'x', 0o600)]);
    expect(statSync(join(target, 'a')).mode & 0o7777).toBe(0o755);
    expect(statSync(join(target, 'a/b')).mode & 0o7777).toBe(0o755);
    expect(statSync(join(target, 'a/b/c')).mode & 0o7777).toBe(0o600);
  });

  it("reports the mode the archive gives the layer's root, and null when it does not list it", async () => {
    expect((await extract([file('a', 'x')])).rootMode).toBeNull();
    expect((await extract([dir('./', 0o555), file('b', 'x')])).rootMode).toBe(0o555);
    expect(statSync(target).mode & 0o7777).toBe(0o555);
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
    await fails(tarBytes([file('a', 'x'.repeat(4000))]).subarray(0, 1500), 'EARCHIVE', /unexpected end of archive/);
  });

  it('reports a truncated gzip stream as damaged data', async () => {
    await fails(tarGz([file('a', 'x'.repeat(4000))]).subarray(0, 30), 'EARCHIVE', /not valid gzip data/);
  });

  it('reports bytes that are not a tar stream', async () => {
    await fails(Buffer.from('hello world, not a tar'.repeat(40)), 'EARCHIVE', /not a valid tar stream/);
  });

  it('takes empty layers: no bytes, the end-of-archive blocks alone, gzip of them', async () => {
    for (const bytes of [Buffer.alloc(0), Buffer.alloc(1024), Buffer.alloc(10240), gzipSync(Buffer.alloc(1024))]) {
      const r = await extract(bytes);
      expect(readdirSync(target)).toEqual([]);
      expect(r.diffId).toBe(sha256(bytes.length > 0 && bytes[0] === 0x1f ? Buffer.alloc(1024) : bytes));
    }
  });

  it('turns whiteouts into char 0:0 devices and opaque markers into user.overlay.opaque', async () => {
    await extract([dir('etc/'), file('etc/.wh.passwd'), dir('var/'), file('var/.wh..wh..opq'), file('.wh.gone')]);
    const st = lstatSync(join(target, 'etc/passwd'));
    expect(st.isCharacterDevice()).toBe(true);
    expect(st.rdev).toBe(0);
    expect(lstatSync(join(target, 'gone')).isCharacterDevice()).toBe(true);
    expect(existsSync(join(target, 'etc/.wh.passwd'))).toBe(false);
    expect(existsSync(join(target, 'var/.wh..wh..opq'))).toBe(false);
    expect(xattr(join(target, 'var'), 'user.overlay.opaque')).toBe('y');
  });

  it('keeps what the same layer made when it also whites the path out (it hides lower layers only)', async () => {
    await extract([file('keep', 'k'), file('.wh.keep')]);
    expect(readFileSync(join(target, 'keep'), 'utf8')).toBe('k');
  });

  it('--stack (a squash): a later layer\'s whiteout removes an earlier layer\'s file and stays; its opaque marker empties the directory', async () => {
    await extract([dir('d/'), file('d/old', 'o'), file('gone', 'g'), dir('tree/'), file('tree/x', 'x')]);
    await extract([file('.wh.gone'), file('.wh.tree'), dir('d/'), file('d/.wh..wh..opq'), file('d/new', 'n')], { stack: true });
    expect(lstatSync(join(target, 'gone')).isCharacterDevice()).toBe(true);
    expect(lstatSync(join(target, 'tree')).isCharacterDevice()).toBe(true);
    expect(readdirSync(join(target, 'd'))).toEqual(['new']);
    expect(xattr(join(target, 'd'), 'user.overlay.opaque')).toBe('y');
    // Without --stack the same layer keeps what it finds (it is its own).
    await extract([file('keep', 'k')]);
    await extract([file('.wh.keep')]);
    expect(readFileSync(join(target, 'keep'), 'utf8')).toBe('k');
  });

  it('replaces a whiteout made earlier in the layer with the file that follows', async () => {
    await extract([file('.wh.x'), file('x', 'new')]);
    expect(readFileSync(join(target, 'x'), 'utf8')).toBe('new');
  });

  it('replaces a directory with a file and a file with a directory', async () => {
    await extract([dir('a/'), file('a/inner', 'i'), file('a', 'now a file'), file('b', 'b'), dir('b/'), file('b/x', 'x')]);
    expect(readFileSync(join(target, 'a'), 'utf8')).toBe('now a file');
    expect(readFileSync(join(target, 'b/x'), 'utf8')).toBe('x');
  });

  it('makes fifos and skips device nodes, saying so', async () => {
    const skipped: string[] = [];
    await extract([{ path: 'dev/null', type: 'CharacterDevice' }, { path: 'fifo', type: 'FIFO', mode: 0o640 }, file('ok')], { onSkip: (p) => skipped.push(p) });
    expect(skipped).toEqual(['dev/null']);
    expect(existsSync(join(target, 'dev/null'))).toBe(false);
    expect(lstatSync(join(target, 'fifo')).isFIFO()).toBe(true);
    expect(lstatSync(join(target, 'fifo')).mode & 0o7777).toBe(0o640);
  });

  it('keeps user.* extended attributes and leaves out the overlay drivers\' own', async () => {
    const skipped: string[] = [];
    await extract([pax({ 'SCHILY.xattr.user.note': 'kept', 'SCHILY.xattr.user.overlay.opaque': 'y' }), dir('d/')], { onSkip: (p, why) => skipped.push(`${p}: ${why}`) });
    expect(xattr(join(target, 'd'), 'user.note')).toBe('kept');
    expect(xattr(join(target, 'd'), 'user.overlay.opaque')).toBeNull();
    expect(skipped.join('\n')).toMatch(/overlay driver/);
  });

  it('treats a setuid file as fine: the namespace confines it', async () => {
    await extract([file('su', 'x', 0o4755)]);
    expect(statSync(join(target, 'su')).mode & 0o4000).toBe(0o4000);
  });

  it('puts an absolute name inside the layer, as Podman does', async () => {
    await extract([file(join(outside, 'abs'), 'x')]);
    expect(readFileSync(join(target, outside, 'abs'), 'utf8')).toBe('x');
    outsideUntouched();
  });
});

describe('extractLayer against hostile archives', () => {
  it('refuses a path that climbs out with ..', async () => {
    await fails([file('../escape', 'x')], 'EUNSAFEARCHIVE', /"\.\.\/escape".*climbs out/);
    outsideUntouched();
  });

  it('refuses a path that climbs out with .. in the middle', async () => {
    await fails([dir('a/'), file('a/../../escape', 'x')], 'EUNSAFEARCHIVE', /climbs out/);
    outsideUntouched();
  });

  it('whiteout through a symlink (absolute): the same layer whites out its own symlink, then writes through it', async () => {
    await fails([symlink('a', outside), file('.wh.a'), file('a/victim', 'pwned')], 'EARCHIVE', /"a\/victim".*symlink to a directory this layer does not have/);
    outsideUntouched();
  });

  it('whiteout through a symlink (relative): a climbing target resolves inside the layer', async () => {
    await fails([symlink('a', '../'.repeat(30) + outside.slice(1)), file('.wh.a'), file('a/victim', 'pwned')], 'EARCHIVE', /"a\/victim"/);
    outsideUntouched();
  });

  it('opaque marker through a symlink: the symlink becomes the opaque directory, inside the layer', async () => {
    await extract([symlink('a', outside), file('a/.wh..wh..opq'), file('a/victim', 'pwned')]);
    expect(readFileSync(join(target, 'a/victim'), 'utf8')).toBe('pwned');
    outsideUntouched();
  });

  it('hardlink through a whited-out symlink links nothing of the host', async () => {
    await fails([symlink('a', outside), file('.wh.a'), hardlink('stolen', 'a/victim')], 'EARCHIVE', /"stolen": cannot link it to "a\/victim"/);
    expect(existsSync(join(target, 'stolen'))).toBe(false);
    outsideUntouched();
  });

  it('hardlink with an absolute target resolves inside the layer', async () => {
    await fails([hardlink('h', join(outside, 'victim'))], 'EARCHIVE', /cannot link it/);
    expect(existsSync(join(target, 'h'))).toBe(false);
  });

  it('refuses a hardlink whose target climbs out with ..', async () => {
    await fails([hardlink('h', '../outside/victim')], 'EUNSAFEARCHIVE', /hardlink to a path that climbs out/);
    expect(existsSync(join(target, 'h'))).toBe(false);
  });

  it('links a symlink itself, never what it points at', async () => {
    await extract([symlink('s', join(outside, 'victim')), hardlink('h', 's')]);
    expect(lstatSync(join(target, 'h')).isSymbolicLink()).toBe(true);
    outsideUntouched();
  });

  it('a symlink already planted in the layer directory is resolved inside the layer', async () => {
    symlinkSync(outside, join(target, 'planted'));
    await fails([file('planted/file', 'pwned')], 'EARCHIVE', /"planted\/file"/);
    outsideUntouched();
  });

  it('replaces a symlink with a file without following it', async () => {
    await extract([symlink('link', join(outside, 'victim')), file('link', 'new')]);
    expect(lstatSync(join(target, 'link')).isFile()).toBe(true);
    outsideUntouched();
  });

  it('global PAX path: a name that climbs out is refused for every entry it names', async () => {
    await fails([pax({ path: '../../outside/victim' }, true), file('innocent', 'pwned')], 'EUNSAFEARCHIVE', /climbs out/);
    outsideUntouched();
  });

  it('refuses a whiteout name that tries to escape with .wh...', async () => {
    await fails([file('.wh...')], 'EUNSAFEARCHIVE', /whiteout for an invalid name/);
  });

  it('refuses to replace the layer root with a file', async () => {
    await fails([file('.', 'x')], 'EUNSAFEARCHIVE', /layer root/);
  });

  it('path-depth bomb: 200,000 components are refused before any is looked up', async () => {
    await fails([pax({ path: 'a/'.repeat(200_000) + 'f' }), file('x', 'y')], 'EARCHIVE', /longer than PATH_MAX/);
    expect(readdirSync(target)).toEqual([]);
  });

  it('refuses a PAX header of several megabytes', async () => {
    await fails([pax({ comment: 'x'.repeat(3 << 20) }), file('x', 'y')], 'EARCHIVE', /PAX header is larger than 1 MiB/);
  });
});

describe('detectCompression', () => {
  it('knows gzip and zstd by their magic bytes', () => {
    expect(detectCompression(Buffer.from([0x1f, 0x8b, 8]))).toBe('gzip');
    expect(detectCompression(Buffer.from([0x28, 0xb5, 0x2f, 0xfd]))).toBe('zstd');
    expect(detectCompression(Buffer.from('bin/'))).toBe('none');
  });
  it('knows xz and bzip2 (ADD of such a tarball)', () => {
    expect(detectCompression(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 0]))).toBe('xz');
    expect(detectCompression(Buffer.from('BZh91AY&SY'))).toBe('bzip2');
    expect(detectCompression(Buffer.from('BZhx'))).toBe('none');
  });
});
