// An OCI image layout directory (`save --format oci-dir`, `skopeo copy ... oci:DIR`) read
// as archive contents, so `load -i DIR` goes through the same checks as an oci-archive.
// Only regular files are taken (no symlinks are followed out of the directory), and
// every blob is hashed here; extraction checks each layer against that digest again.
import { createHash } from 'node:crypto';
import { closeSync, constants, fstatSync, lstatSync, openSync, readSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { TpodError } from '../../errors.js';
import { ArchiveContents } from './contents.js';

function hashFile(path: string): { size: number; digest: string } {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    if (!fstatSync(fd).isFile()) throw new TpodError('EARCHIVE', `${path}: not a regular file`);
    const h = createHash('sha256');
    const buf = Buffer.allocUnsafe(1 << 20);
    let size = 0;
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      h.update(buf.subarray(0, n));
      size += n;
    }
    return { size, digest: `sha256:${h.digest('hex')}` };
  } finally {
    closeSync(fd);
  }
}

function isRegular(path: string): boolean {
  try {
    return lstatSync(path).isFile();
  } catch {
    return false;
  }
}

export function isLayoutDir(dir: string): boolean {
  return isRegular(join(dir, 'index.json'));
}

export function readLayoutDir(dir: string, label: string): ArchiveContents {
  const contents = new ArchiveContents(label);
  for (const name of ['index.json', 'oci-layout']) {
    const p = join(dir, name);
    if (isRegular(p)) contents.members.set(name, { file: p, ...hashFile(p) });
  }
  if (!contents.members.has('index.json')) throw new TpodError('EARCHIVE', `${label}: not an OCI layout directory: it has no index.json`);
  const blobs = join(dir, 'blobs', 'sha256');
  let names: string[] = [];
  try {
    names = readdirSync(blobs);
  } catch {
    names = [];
  }
  for (const n of names) {
    const p = join(blobs, n);
    if (/^[a-f0-9]{64}$/.test(n) && isRegular(p)) contents.members.set(`blobs/sha256/${n}`, { file: p, ...hashFile(p) });
  }
  return contents;
}
