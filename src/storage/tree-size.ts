// How much a directory tree holds, read from outside the user namespace (ps -s,
// inspect -s, system df). Unreadable parts (0700 dirs of container uids) are skipped.
import { lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** Bytes of the files under `dir` (apparent sizes, each hardlinked inode once, symlinks as links). */
export function treeSize(dir: string): number {
  const seen = new Set<string>();
  let total = 0;
  const walk = (d: string): void => {
    let names: string[];
    try {
      names = readdirSync(d);
    } catch {
      return;
    }
    for (const n of names) {
      const p = join(d, n);
      let st;
      try {
        st = lstatSync(p);
      } catch {
        continue;
      }
      if (st.isDirectory()) {
        walk(p);
        continue;
      }
      if (st.nlink > 1) {
        const key = `${st.dev}:${st.ino}`;
        if (seen.has(key)) continue;
        seen.add(key);
      }
      if (st.isFile() || st.isSymbolicLink()) total += st.size;
    }
  };
  walk(dir);
  return total;
}
