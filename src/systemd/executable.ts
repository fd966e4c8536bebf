// The command a generated unit runs tpod with: systemd needs an absolute path, and the
// unit must work where systemd runs it, without a shell or the user's PATH. The launcher
// script (`tpod`, from scripts/launcher.mjs) is best: it picks the start-up snapshot.
// It sits beside tpod.js in a build (dist/tpod) and in PREFIX/bin for an install, naming
// its library directory (d='/usr/local/lib/tpod'). Without one, node and the bundle.
import { accessSync, constants, readFileSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { selfCommand } from '../util/self.js';

export interface ExecutableHost {
  env: NodeJS.ProcessEnv;
  argv: readonly string[];
  isExecutable(path: string): boolean;
  /** The first bytes of a file, or undefined. */
  head(path: string): string | undefined;
  realpath(path: string): string | undefined;
  selfCommand(): string[];
}

export const realExecutableHost = (): ExecutableHost => ({
  env: process.env,
  argv: process.argv,
  isExecutable: (p) => {
    try {
      accessSync(p, constants.X_OK);
      return statSync(p).isFile();
    } catch {
      return false;
    }
  },
  head: (p) => {
    try {
      return readFileSync(p, 'utf8').slice(0, 4096);
    } catch {
      return undefined;
    }
  },
  realpath: (p) => {
    try {
      return realpathSync(p);
    } catch {
      return undefined;
    }
  },
  selfCommand,
});

const LAUNCHER_MARK = '# tpod launcher';

/** The directory holding the running tpod.js (the launcher tells it from a snapshot). */
function libDir(h: ExecutableHost): string | undefined {
  if (h.env.TPOD_LIBDIR) return h.env.TPOD_LIBDIR;
  const script = h.argv[1];
  if (script && basename(script) === 'tpod.js') return dirname(h.realpath(script) ?? script);
  return undefined;
}

/** argv prefix that runs this tpod from a unit: [launcher] or [node, tpod.js]. */
export function tpodExecutable(h: ExecutableHost = realExecutableHost()): string[] {
  const lib = libDir(h);
  if (lib !== undefined) {
    const beside = join(lib, 'tpod');
    if (h.isExecutable(beside) && h.head(beside)?.includes(LAUNCHER_MARK)) return [beside];
    const real = h.realpath(lib) ?? lib;
    for (const dir of (h.env.PATH ?? '').split(':')) {
      if (!dir.startsWith('/')) continue;
      const p = join(dir, 'tpod');
      if (!h.isExecutable(p)) continue;
      const text = h.head(h.realpath(p) ?? p);
      if (text?.includes(LAUNCHER_MARK) && (text.includes(`d='${lib}'`) || text.includes(`d='${real}'`))) return [p];
    }
  }
  return h.selfCommand();
}
