// Where `save` and `export` write: a file (or directory) made atomically, or stdout.
//
// A file is written as a temp file beside the destination, created with O_EXCL and
// O_NOFOLLOW, and renamed over the destination when complete. So a failed or
// interrupted write leaves no partial archive, and a symlink planted at the destination
// is replaced, never followed. The destination's parent is resolved once, when the
// command starts; what is written stays inside the directory the user named.
import { closeSync, constants, createWriteStream, fsyncSync, lstatSync, mkdirSync, openSync, readdirSync, realpathSync, renameSync, rmSync, rmdirSync, unlinkSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { TpodError, UsageError, isErrno } from '../errors.js';

function parentOf(path: string, what: string): { dir: string; name: string } {
  const abs = resolve(path);
  const name = basename(abs);
  if (name === '' || name === '.' || name === '..') throw new UsageError(`${what} "${path}" is not a file name`);
  let dir: string;
  try {
    dir = realpathSync(dirname(abs));
  } catch (err) {
    throw new TpodError('EUSAGE', `${what} "${path}": ${isErrno(err, 'ENOENT') ? 'its directory does not exist' : (err as Error).message}`, { cause: err });
  }
  if (!lstatSync(dir).isDirectory()) throw new TpodError('EUSAGE', `${what} "${path}": ${dirname(abs)} is not a directory`);
  return { dir, name };
}

function tempName(name: string): string {
  return `.${name}.tpod-${randomBytes(6).toString('hex')}.tmp`;
}

/** Removes temp files when the process is told to stop, since no finally runs then. */
const pending = new Set<string>();
let signalsHooked = false;
function hookSignals(): void {
  if (signalsHooked) return;
  signalsHooked = true;
  for (const [sig, code] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]] as const) {
    process.on(sig, () => {
      for (const p of pending) rmSync(p, { recursive: true, force: true });
      process.exit(code);
    });
  }
}

export interface OutputFile {
  /** The stream to write to. */
  stream: Writable;
  /** Flushes, fsyncs and renames into place. */
  commit(): Promise<void>;
  /** Removes the temp file (after a failure). */
  abort(): void;
}

/** An archive file written atomically to `path` (mode 0644 less the umask). */
export function openOutputFile(path: string, what = 'output'): OutputFile {
  const { dir, name } = parentOf(path, what);
  const dest = join(dir, name);
  try {
    if (lstatSync(dest).isDirectory()) throw new TpodError('EUSAGE', `${what} "${path}" is a directory`);
  } catch (err) {
    if (err instanceof TpodError) throw err;
  }
  const tmp = join(dir, tempName(name));
  const fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o644);
  pending.add(tmp);
  hookSignals();
  const stream = createWriteStream('', { fd, autoClose: false, highWaterMark: 1 << 20 });
  let done = false;
  return {
    stream,
    async commit() {
      stream.end();
      await finished(stream);
      fsyncSync(fd);
      closeSync(fd);
      done = true;
      renameSync(tmp, dest);
      pending.delete(tmp);
    },
    abort() {
      if (!done) {
        // The fd is closed once writes in flight are over, never under them.
        stream.once('close', () => {
          try {
            closeSync(fd);
          } catch {
            /* already closed */
          }
        });
        stream.destroy();
      }
      try {
        unlinkSync(tmp);
      } catch {
        /* already gone */
      }
      pending.delete(tmp);
    },
  };
}

export interface OutputDir {
  /** The temp directory to fill. */
  path: string;
  commit(): void;
  abort(): void;
}

/**
 * A directory written atomically: filled beside `path`, then renamed into place. An
 * existing empty directory is replaced; a non-empty one is refused (nothing is merged
 * into, or deleted from, a directory the user already has).
 */
export function openOutputDir(path: string, what = 'output'): OutputDir {
  const { dir, name } = parentOf(path, what);
  const dest = join(dir, name);
  let replace = false;
  try {
    const st = lstatSync(dest);
    if (!st.isDirectory()) throw new TpodError('EUSAGE', `${what} "${path}" exists and is not a directory`);
    if (readdirSync(dest).length > 0) throw new TpodError('EUSAGE', `${what} "${path}" exists and is not empty`);
    replace = true;
  } catch (err) {
    if (err instanceof TpodError) throw err;
  }
  const tmp = join(dir, tempName(name));
  mkdirSync(tmp, { mode: 0o755 });
  pending.add(tmp);
  hookSignals();
  return {
    path: tmp,
    commit() {
      if (replace) {
        try {
          rmdirSync(dest);
        } catch (err) {
          if (!isErrno(err, 'ENOENT')) throw new TpodError('EUSAGE', `${what} "${path}": ${(err as Error).message}`, { cause: err });
        }
      }
      renameSync(tmp, dest);
      pending.delete(tmp);
    },
    abort() {
      rmSync(tmp, { recursive: true, force: true });
      pending.delete(tmp);
    },
  };
}

/** Refuses to write binary data to a terminal, as Podman does. */
export function stdoutTarget(verb: string): Writable {
  if (process.stdout.isTTY) throw new TpodError('EUSAGE', `refusing to ${verb} to terminal. Use -o flag or redirect`);
  return process.stdout;
}

/**
 * Waits until everything written to `stream` has been handed to the OS: stdout on a pipe
 * is asynchronous in Node, and tpod exits right after the command returns.
 */
export async function drain(stream: Writable): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    stream.write(Buffer.alloc(0), (err) => (err ? reject(err) : resolve()));
  });
}
