// Finds tpod's native parts (tpod-helper, tpod-flock.node). The installed bundle keeps
// them beside itself; a source checkout keeps them in helpers/build.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TpodError } from '../errors.js';

let cached: string | undefined;

export function helperDir(): string {
  if (cached) return cached;
  const candidates: string[] = [];
  if (process.env.TPOD_HELPER_DIR) candidates.push(process.env.TPOD_HELPER_DIR);
  const here = dirname(fileURLToPath(import.meta.url));
  candidates.push(here, join(here, '..', 'helpers', 'build'), join(here, '..', '..', 'helpers', 'build'));
  for (const dir of candidates) {
    if (existsSync(join(dir, 'tpod-helper'))) return (cached = dir);
  }
  throw new TpodError('EHELPER', `tpod-helper not found (looked in ${candidates.join(', ')}); run ./install.sh or npm run build`);
}

export function helperPath(name: 'tpod-helper' | 'tpod-flock.node' | 'tpod-monitor' | 'tpod-pause'): string {
  return join(helperDir(), name);
}
