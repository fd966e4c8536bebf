// How to start this tpod again: inside the user namespace (heavy, rare commands) and as a
// container's exit command. Never process.argv[1]: from a program that uses tpod as a
// library that is the other program's script. Installed, tpod starts from a V8 start-up
// snapshot when one was built (`node --snapshot-blob tpod.blob -- ARGS`); otherwise the
// package's own CLI entry, dist/tpod.js, found from where this code was loaded.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TpodError } from '../errors.js';

/** Set by the snapshot entry: the code was loaded from a start-up snapshot. */
export function fromSnapshot(): boolean {
  return (globalThis as { __TPOD_SNAPSHOT__?: boolean }).__TPOD_SNAPSHOT__ === true;
}

/**
 * Directories that may hold the package's tpod.js, best first: this module's own place
 * (dist/ when bundled into an entry, dist/chunks/ in a shared chunk, src/util/ in a
 * source checkout, whose build is ../../dist), then the launcher's TPOD_LIBDIR (the only
 * clue from a snapshot, which has no module URL).
 */
export function entryCandidates(moduleUrl: string | undefined, libdir: string | undefined): string[] {
  const dirs: string[] = [];
  if (moduleUrl !== undefined) {
    const here = dirname(fileURLToPath(moduleUrl));
    dirs.push(here, join(here, '..'), join(here, '..', '..', 'dist'));
  }
  if (libdir) dirs.push(libdir);
  return dirs.map((d) => join(d, 'tpod.js'));
}

/** The package's CLI entry script (dist/tpod.js). */
export function entryScript(exists: (p: string) => boolean = existsSync): string {
  const candidates = entryCandidates(fromSnapshot() ? undefined : import.meta.url, process.env.TPOD_LIBDIR);
  const found = candidates.find((p) => exists(p));
  if (found) return found;
  throw new TpodError('EHELPER', `cannot find tpod.js (looked at ${candidates.join(', ') || 'nothing'}); run npm run build`);
}

/**
 * argv that starts tpod again (arguments go after it). From a snapshot the blob's path
 * comes from the launcher (TPOD_SNAPSHOT_BLOB); `--` keeps Node from reading the
 * arguments as its own. Otherwise the package's entry with this Node; the host
 * program's Node flags (a loader, --inspect) are not passed on.
 */
export function selfCommand(): string[] {
  const blob = process.env.TPOD_SNAPSHOT_BLOB;
  if (fromSnapshot() && blob) return [process.execPath, '--snapshot-blob', blob, '--'];
  return [process.execPath, entryScript()];
}
