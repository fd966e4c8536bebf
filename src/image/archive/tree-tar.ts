// Packs a directory tree into a tar (what `export` writes): entries in lexical order
// with each directory before its contents, owners, modes and times kept, symlinks as
// symlinks (never followed), files with several links as hardlinks to the first one
// seen, device nodes and fifos as such. Sockets are skipped (tar cannot hold them), and
// so are overlay whiteouts (char 0:0), which mean "no file here".
import { closeSync, constants, createReadStream, fstatSync, lstatSync, openSync, readdirSync, readlinkSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { TarWriter, type TarHeader } from './tar-writer.js';

// glibc's major()/minor() split of a dev_t (JS bit operators work on 32 bits only).
export function major(rdev: number): number {
  const hi = Math.floor(rdev / 2 ** 32);
  return ((rdev >>> 8) & 0xfff) | (hi & ~0xfff);
}

export function minor(rdev: number): number {
  return ((rdev & 0xff) | ((rdev >>> 12) & ~0xff)) >>> 0;
}

function base(st: Stats, name: string): Omit<TarHeader, 'type'> {
  return { name, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, mtime: Math.floor(st.mtimeMs / 1000) };
}

/** Byte order, as Go's filepath.Walk sorts names. */
function sortNames(names: string[]): string[] {
  return names.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
}

export interface TreeTarOptions {
  /** Told about entries left out (sockets). */
  onSkip?: (path: string, why: string) => void;
}

/** Writes the contents of `root` (not root itself) to `tar`; the caller finishes the tar. */
export async function packTree(root: string, tar: TarWriter, opts: TreeTarOptions = {}): Promise<void> {
  const links = new Map<string, string>();
  const walk = async (dir: string, prefix: string): Promise<void> => {
    for (const name of sortNames(readdirSync(dir))) {
      const full = join(dir, name);
      const rel = prefix + name;
      const st = lstatSync(full, { bigint: false });
      if (st.isDirectory()) {
        await tar.add({ ...base(st, rel), type: 'dir' });
        await walk(full, `${rel}/`);
      } else if (st.isSymbolicLink()) {
        await tar.add({ ...base(st, rel), type: 'symlink', linkname: readlinkSync(full) });
      } else if (st.isFile()) {
        const key = `${st.dev}:${st.ino}`;
        const first = st.nlink > 1 ? links.get(key) : undefined;
        if (first !== undefined) {
          await tar.add({ ...base(st, rel), type: 'link', linkname: first });
          continue;
        }
        if (st.nlink > 1) links.set(key, rel);
        // O_NOFOLLOW: a file swapped for a symlink since the lstat is not followed.
        const fd = openSync(full, constants.O_RDONLY | constants.O_NOFOLLOW);
        try {
          const now = fstatSync(fd);
          const body = createReadStream('', { fd, autoClose: false, highWaterMark: 1 << 20 });
          await tar.add({ ...base(now, rel), type: 'file', size: now.size }, body);
        } finally {
          closeSync(fd);
        }
      } else if (st.isCharacterDevice() && st.rdev === 0) {
        // An overlay whiteout (a layer read directly): the file is absent, not a device.
        continue;
      } else if (st.isCharacterDevice() || st.isBlockDevice()) {
        await tar.add({ ...base(st, rel), type: st.isCharacterDevice() ? 'char' : 'block', devmajor: major(st.rdev), devminor: minor(st.rdev) });
      } else if (st.isFIFO()) {
        await tar.add({ ...base(st, rel), type: 'fifo' });
      } else {
        opts.onSkip?.(rel, 'socket');
      }
    }
  };
  await walk(root, '');
}
