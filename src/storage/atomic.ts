// Atomic record writes: write a temp file beside the target, fsync, rename. A reader
// sees the old record or the new one, never half of one, even after `kill -9`.
import { openSync, writeSync, fsyncSync, closeSync, renameSync, unlinkSync, readFileSync, fstatSync, constants } from 'node:fs';
import { dirname, basename, join } from 'node:path';
import { TpodError, isErrno } from '../errors.js';

// Web Crypto (a global, loaded on first write) rather than node:crypto, whose load costs
// ~4 ms on commands that only read (ps).
function tmpSuffix(): string {
  return Buffer.from(globalThis.crypto.getRandomValues(new Uint8Array(6))).toString('hex');
}

export function writeFileAtomic(path: string, data: string | Uint8Array, mode = 0o600): void {
  const tmp = join(dirname(path), `.${basename(path)}.${tmpSuffix()}.tmp`);
  const fd = openSync(tmp, 'wx', mode);
  try {
    writeSync(fd, typeof data === 'string' ? Buffer.from(data) : data);
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    try { unlinkSync(tmp); } catch { /* already gone */ }
    throw err;
  }
  closeSync(fd);
  renameSync(tmp, path);
}

export function writeJsonAtomic(path: string, value: unknown, mode = 0o600): void {
  writeFileAtomic(path, JSON.stringify(value, null, 2) + '\n', mode);
}

/** Reads a JSON record; returns undefined when it does not exist. A corrupt record is an error naming the file. */
export function readJson<T>(path: string): T | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if (isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR')) return undefined;
    throw err;
  }
  try {
    return JSON.parse(text) as T;
  } catch (err) {
    throw new TpodError('ESTORAGE', `corrupt record ${path}: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * Reads a cache file (runtime.json, storage-driver.json) only if it can be trusted: a
 * regular file (not through a symlink) that belongs to UID and nobody else can write.
 * Anything else, a corrupt one included, is as good as absent: the caller rebuilds it,
 * and its atomic write replaces what was there.
 */
export function readCacheJson<T>(path: string, uid: number): T | undefined {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch {
    return undefined;
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile() || st.uid !== uid || (st.mode & 0o022) !== 0) return undefined;
    return JSON.parse(readFileSync(fd, 'utf8')) as T;
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}
