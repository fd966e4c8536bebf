// Finds tpod's native parts (tpod-helper, tpod-native.node). The installed bundle keeps
// them beside itself; a source checkout keeps them in helpers/build.
import { existsSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TpodError } from '../errors.js';
import { fromSnapshot } from './self.js';

let cached: string | undefined;

export function helperDir(): string {
  if (cached) return cached;
  const candidates: string[] = [];
  if (process.env.TPOD_HELPER_DIR) candidates.push(process.env.TPOD_HELPER_DIR);
  // The launcher names the install dir (needed when running from a start-up snapshot);
  // then the bundle's entry, then this module's own place: dist/chunks/ in a build,
  // src/util/ in a source checkout.
  if (process.env.TPOD_LIBDIR) candidates.push(process.env.TPOD_LIBDIR);
  if (process.argv[1] && !fromSnapshot()) {
    try {
      candidates.push(dirname(realpathSync(process.argv[1])));
    } catch {
      /* not a file */
    }
  }
  if (!fromSnapshot()) {
    const here = dirname(fileURLToPath(import.meta.url));
    candidates.push(join(here, '..'), join(here, '..', '..', 'helpers', 'build'));
  }
  for (const dir of candidates) {
    if (existsSync(join(dir, 'tpod-helper'))) return (cached = dir);
  }
  throw new TpodError('EHELPER', `tpod-helper not found (looked in ${candidates.join(', ')}); run ./install.sh or npm run build`);
}

export function helperPath(name: 'tpod-helper' | 'tpod-native.node' | 'tpod-monitor' | 'tpod-dns'): string {
  return join(helperDir(), name);
}
