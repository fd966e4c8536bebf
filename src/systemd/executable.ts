// The command a generated unit runs tpod with: systemd needs an absolute path, and the
// unit must work where systemd runs it, without a shell or the user's PATH. The launcher
// script (`tpod`, from scripts/launcher.mjs) is best: it picks the start-up snapshot.
// It sits beside tpod.js in a build (dist/tpod) and in PREFIX/bin for an install, naming
// its library directory (d='/usr/local/lib/tpod'). Without one, node and the bundle.
// Generated units (generate systemd) and Quadlet's units both run tpod this way.
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

export const realExecutableHost = (env: NodeJS.ProcessEnv = process.env): ExecutableHost => ({
  env,
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

/**
 * argv prefix that runs this tpod from a unit: [launcher] or [node, tpod.js]. A launcher
 * elsewhere (PREFIX/bin/tpod of an install, or on PATH) counts only when it names this
 * library directory: another tpod on PATH is not this one.
 */
export function tpodExecutable(h: ExecutableHost = realExecutableHost()): string[] {
  const lib = libDir(h);
  if (lib !== undefined) {
    const beside = join(lib, 'tpod');
    if (h.isExecutable(beside) && h.head(beside)?.includes(LAUNCHER_MARK)) return [beside];
    const real = h.realpath(lib) ?? lib;
    // install.sh: PREFIX/lib/tpod/tpod.js and PREFIX/bin/tpod, whether or not that is on PATH.
    const installed = join(lib, '..', '..', 'bin', 'tpod');
    const onPath = (h.env.PATH ?? '').split(':').filter((dir) => dir.startsWith('/')).map((dir) => join(dir, 'tpod'));
    for (const p of [installed, ...onPath]) {
      if (!h.isExecutable(p)) continue;
      const text = h.head(h.realpath(p) ?? p);
      if (text?.includes(LAUNCHER_MARK) && (text.includes(`d='${lib}'`) || text.includes(`d='${real}'`))) return [p];
    }
  }
  return h.selfCommand();
}
