// The layer cache. A step's key is a digest of its parent image, the instruction with
// its arguments, the build args in effect, and (COPY/ADD) the sources' digest; its value
// is the image the step made. One small file per key under the store, written
// atomically, so a cache entry survives between commands and a kill never leaves half
// of one. An entry whose image was removed is a miss.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../storage/atomic.js';

export interface StepKey {
  parent: string;
  /** The instruction as the step runs it (variables expanded where the instruction expands them). */
  instruction: string;
  /** Build args in effect for the step (declared by an ARG and given or defaulted). */
  args: ReadonlyMap<string, string>;
  /** COPY/ADD: the digest of the sources' content and metadata. */
  sources?: string | undefined;
  /** Anything else that changes the result (the shell, the user, the image format). */
  extra?: string | undefined;
}

export function cacheKey(k: StepKey): string {
  const h = createHash('sha256');
  h.update(`parent ${k.parent}\n`);
  h.update(`instruction ${JSON.stringify(k.instruction)}\n`);
  for (const [name, value] of [...k.args.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) h.update(`arg ${JSON.stringify(name)}=${JSON.stringify(value)}\n`);
  if (k.sources !== undefined) h.update(`sources ${k.sources}\n`);
  if (k.extra !== undefined) h.update(`extra ${JSON.stringify(k.extra)}\n`);
  return h.digest('hex');
}

export class BuildCache {
  constructor(private readonly dir: string) {}

  /** The cache beside the image store (`root` is the store's root). */
  static under(root: string): BuildCache {
    return new BuildCache(join(root, 'build-cache'));
  }

  /** The image recorded for `key`, if `exists` says it is still there. */
  get(key: string, exists: (id: string) => boolean): string | undefined {
    let id: string;
    try {
      id = readFileSync(join(this.dir, key), 'utf8').trim();
    } catch {
      return undefined;
    }
    return /^[0-9a-f]{64}$/.test(id) && exists(id) ? id : undefined;
  }

  put(key: string, id: string): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    writeFileAtomic(join(this.dir, key), `${id}\n`);
  }
}
