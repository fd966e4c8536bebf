// Scratch space under <root>/tmp: where archives are unpacked and layers extracted
// before being renamed into place, and where removed layers wait to be deleted. Each
// directory has a lock file its owner holds while it lives, so a later command can
// tell a leftover of a killed command (lock free) from work in progress (lock held).
import { mkdirSync, readdirSync, rmSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Context } from '../engine/context.js';
import { TpodError, isErrno } from '../errors.js';
import { FileLock } from './lock.js';
import { ensurePrivateDir } from './paths.js';

export class WorkDir {
  private constructor(readonly path: string, private lock: FileLock | undefined) {}

  static async create(ctx: Context, kind: 'work' | 'trash'): Promise<WorkDir> {
    ensurePrivateDir(ctx.paths.root, ctx.uid);
    ensurePrivateDir(ctx.paths.tmp, ctx.uid);
    const name = `${kind}-${process.pid}-${randomBytes(6).toString('hex')}`;
    const lock = await FileLock.acquire(join(ctx.paths.tmp, `${name}.lock`), { timeoutMs: 1000 });
    const path = join(ctx.paths.tmp, name);
    mkdirSync(path, { mode: 0o700 });
    return new WorkDir(path, lock);
  }

  /** Deletes the directory (as namespace root when needed) and drops the lock. */
  async dispose(ctx: Context): Promise<void> {
    if (!this.lock) return;
    try {
      await deleteTree(ctx, this.path);
      try {
        unlinkSync(this.lock.path);
      } catch {
        /* already gone */
      }
    } finally {
      this.lock.release();
      this.lock = undefined;
    }
  }
}

/**
 * Removes a directory tree. Extracted layers hold files owned by other ids of the user
 * namespace, which only its root may delete: fall back to `tpod-helper nsexec --rmtree`.
 */
export async function deleteTree(ctx: Context, path: string): Promise<void> {
  try {
    rmSync(path, { recursive: true, force: true, maxRetries: 2 });
    return;
  } catch (err) {
    if (!isErrno(err, 'EACCES') && !isErrno(err, 'EPERM') && !isErrno(err, 'ENOTEMPTY')) {
      throw new TpodError('ESTORAGE', `removing ${path}: ${(err as Error).message}`, { cause: err });
    }
  }
  const { insideNamespace, runInNamespaceChecked } = await import('../rootless/join.js');
  if (insideNamespace()) throw new TpodError('ESTORAGE', `removing ${path}: permission denied even as namespace root`);
  await runInNamespaceChecked(ctx, [{ kind: 'rmtree', arg: path }], [], `removing ${path}`);
}

/** Deletes leftovers of killed commands: tmp entries whose lock nobody holds. */
export async function cleanStaleWorkDirs(ctx: Context): Promise<void> {
  let entries: string[];
  try {
    entries = readdirSync(ctx.paths.tmp);
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return;
    throw err;
  }
  const dirs = entries.filter((e) => !e.endsWith('.lock'));
  const locks = new Set(entries.filter((e) => e.endsWith('.lock')));
  for (const name of dirs) {
    const lockPath = join(ctx.paths.tmp, `${name}.lock`);
    let lock: FileLock;
    try {
      lock = await FileLock.acquire(lockPath, { timeoutMs: 0 });
    } catch {
      continue; // its owner is alive
    }
    try {
      ctx.log.debug(`removing leftover ${name} of an interrupted command`);
      await deleteTree(ctx, join(ctx.paths.tmp, name));
      unlinkSync(lockPath);
    } catch (err) {
      ctx.log.warn(`cannot remove leftover ${join(ctx.paths.tmp, name)}: ${(err as Error).message}`);
    } finally {
      lock.release();
    }
    locks.delete(`${name}.lock`);
  }
  // Lock files whose directory is gone (killed between the two removals). A young one
  // may belong to a command that has opened it but not yet locked it: leave those.
  for (const l of locks) {
    const lockPath = join(ctx.paths.tmp, l);
    try {
      if (Date.now() - statSync(lockPath).mtimeMs < 60_000) continue;
      const lock = await FileLock.acquire(lockPath, { timeoutMs: 0 });
      try {
        unlinkSync(lockPath);
      } finally {
        lock.release();
      }
    } catch {
      /* held or gone */
    }
  }
}
