// --cidfile / --pod-id-file: each file holds an id on its first line (Podman writes it
// without a newline). Writers never replace an existing file (another container or pod
// may own it); readers skip a missing or empty file with IGNORE (a systemd unit's
// ExecStopPost after its container or pod is already gone).
import { accessSync, closeSync, constants, existsSync, openSync, readFileSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { TpodError, isErrno } from '../errors.js';

export interface IdFileMessages {
  /** The file could not be opened; WHY is "no such file or directory" or the error. */
  open(path: string, why: string): string;
  empty(path: string): string;
}

/** Podman's words for a --pod-id-file that cannot be read (run/create, pod start/stop/rm). */
export const POD_ID_FILE_MESSAGES: IdFileMessages = {
  open: (p, why) => `reading pod ID from file: open ${p}: ${why}`,
  empty: (p) => `reading pod ID from file ${p}: the file is empty`,
};

export function readIdFiles(
  paths: readonly string[],
  ignore: boolean,
  say: IdFileMessages,
  read: (path: string) => string = (p) => readFileSync(p, 'utf8'),
): string[] {
  const ids: string[] = [];
  for (const p of paths) {
    let text: string;
    try {
      text = read(p);
    } catch (err) {
      if (ignore && isErrno(err, 'ENOENT')) continue;
      const why = isErrno(err, 'ENOENT') ? 'no such file or directory' : (err as Error).message;
      throw new TpodError('EUSAGE', say.open(p, why));
    }
    const id = text.split('\n')[0]!.trim();
    if (id === '') {
      if (ignore) continue;
      throw new TpodError('EUSAGE', say.empty(p));
    }
    ids.push(id);
  }
  return ids;
}

/** "container" or "pod": whose id the file holds (Podman's messages name it). */
export type IdFileOwner = 'container' | 'pod';

/**
 * Refuses, before anything is created, an id file that exists (as Podman) or that could
 * not be written afterwards (its directory is missing or not writable): a create must
 * not make a container or pod and then fail on its id file.
 */
export function checkIdFile(path: string, owner: IdFileOwner): void {
  if (existsSync(path)) throw new TpodError('EUSAGE', `${owner} id file exists. Ensure another ${owner} is not using it or delete ${path}`);
  try {
    accessSync(dirname(path), constants.W_OK | constants.X_OK);
  } catch (err) {
    const why = isErrno(err, 'ENOENT') ? 'no such file or directory' : (err as Error).message;
    throw new TpodError('EUSAGE', `cannot write the ${owner} id file ${path}: ${why}`);
  }
}

/** Writes the new id, exclusively (a file created meanwhile is not replaced). */
export function writeIdFile(path: string, id: string, owner: IdFileOwner): void {
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o644);
  } catch (err) {
    if (isErrno(err, 'EEXIST')) checkIdFile(path, owner);
    throw new TpodError('ESTORAGE', `cannot write the ${owner} id file ${path}: ${(err as Error).message}`, { cause: err });
  }
  try {
    writeSync(fd, id);
  } finally {
    closeSync(fd);
  }
}
