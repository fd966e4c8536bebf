// --cidfile / --pod-id-file readers: each file holds an id on its first line (Podman
// writes it without a newline). A missing or empty file is skipped with IGNORE (a
// systemd unit's ExecStopPost after its container or pod is already gone).
import { readFileSync } from 'node:fs';
import { TpodError, isErrno } from '../errors.js';

export interface IdFileMessages {
  /** The file could not be opened; WHY is "no such file or directory" or the error. */
  open(path: string, why: string): string;
  empty(path: string): string;
}

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
