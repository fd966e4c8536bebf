// Finds tpod's native parts (tpod-helper, tpod-native.node). The installed bundle keeps
// them beside itself; a source checkout keeps them in helpers/build.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TpodError } from '../errors.js';
import { fromSnapshot } from './self.js';

let cached: string | undefined;

export function helperDir(): string {
  if (cached) return cached;
  const candidates: string[] = [];
  if (process.env.TPOD_HELPER_DIR) candidates.push(process.env.TPOD_HELPER_DIR);
  // This module's own place: dist/ or dist/chunks/ in a build (also when a library user's
  // program loaded it), src/util/ in a source checkout; then the launcher's install dir
  // (the only clue from a start-up snapshot). Never process.argv[1]: that may be another
  // program's script.
  if (!fromSnapshot()) {
    const here = dirname(fileURLToPath(import.meta.url));
    candidates.push(here, join(here, '..'), join(here, '..', '..', 'helpers', 'build'));
  }
  if (process.env.TPOD_LIBDIR) candidates.push(process.env.TPOD_LIBDIR);
  for (const dir of candidates) {
    if (existsSync(join(dir, 'tpod-helper'))) return (cached = dir);
  }
  throw new TpodError('EHELPER', `tpod-helper not found (looked in ${candidates.join(', ')}); run ./install.sh or npm run build`);
}

export function helperPath(name: 'tpod-helper' | 'tpod-native.node' | 'tpod-monitor' | 'tpod-dns' | 'tpod-apid'): string {
  return join(helperDir(), name);
}
