// File locks with flock(2) semantics: the kernel drops them when the holder dies, so a
// command killed with SIGKILL never leaves a lock that blocks the next one.
import { openSync, closeSync } from 'node:fs';
import { native } from '../util/native.js';
import { TpodError } from '../errors.js';

const EWOULDBLOCK = 11;

export interface LockOptions {
  shared?: boolean;
  /** Give up after this long; default 60 s, as a lock held longer means something is stuck. */
  timeoutMs?: number;
  /** Lock an existing file only (ENOENT otherwise): a lock file that goes with what it guards. */
  mustExist?: boolean;
}

export class FileLock {
  private constructor(private fd: number | undefined, readonly path: string) {}

  /** Takes the lock, waiting (without blocking the event loop) while another process holds it. */
  static async acquire(path: string, opts: LockOptions = {}): Promise<FileLock> {
    const m = native();
    const fd = openSync(path, opts.mustExist ? 'r+' : 'a', 0o600);
    const op = (opts.shared ? m.LOCK_SH : m.LOCK_EX) | m.LOCK_NB;
    const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
    let delay = 1;
    for (;;) {
      const rc = m.flock(fd, op);
      if (rc === 0) return new FileLock(fd, path);
      if (rc !== EWOULDBLOCK) {
        closeSync(fd);
        throw new TpodError('ELOCK', `cannot lock ${path}: errno ${rc}`);
      }
      if (Date.now() > deadline) {
        closeSync(fd);
        throw new TpodError('ELOCK', `timed out waiting for lock ${path}; another tpod command holds it`);
      }
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 50);
    }
  }

  /** True while another open file holds a lock on PATH (false when there is no such file). */
  static held(path: string): boolean {
    const m = native();
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch {
      return false;
    }
    try {
      const rc = m.flock(fd, m.LOCK_SH | m.LOCK_NB);
      return rc !== 0;
    } finally {
      closeSync(fd); // drops the shared lock taken just now
    }
  }

  /** The locked descriptor: handed to a child, it keeps the lock held while the child lives. */
  get descriptor(): number | undefined {
    return this.fd;
  }

  release(): void {
    if (this.fd === undefined) return;
    // Closing the fd drops the lock.
    closeSync(this.fd);
    this.fd = undefined;
  }
}

export async function withLock<T>(path: string, fn: () => Promise<T> | T, opts: LockOptions = {}): Promise<T> {
  const lock = await FileLock.acquire(path, opts);
  try {
    return await fn();
  } finally {
    lock.release();
  }
}
