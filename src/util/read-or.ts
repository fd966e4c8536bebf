// Reading a small host file that may be missing or unreadable (proc files, config files,
// tpod's own generated files): its text, or the caller's fallback.
import { readFileSync } from 'node:fs';

/** PATH's text, or FALLBACK when there is no such path (undefined) or it cannot be read. */
export function readOr<T = string>(path: string | undefined, fallback: T): string | T {
  if (path === undefined) return fallback;
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return fallback;
  }
}
