// The command generated units run tpod with: the launcher (`PREFIX/bin/tpod`, or `tpod`
// beside the build), found from where this tpod runs; else `tpod` on PATH; else the node
// and script that run now. Units need an absolute path: systemd does not search PATH the
// way a shell does.
import { accessSync, constants, realpathSync, statSync } from 'node:fs';
import { delimiter, dirname, isAbsolute, join, resolve } from 'node:path';
import { fromSnapshot, selfCommand } from '../util/self.js';

function isExecutableFile(p: string): boolean {
  try {
    accessSync(p, constants.X_OK);
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

/** The directory holding tpod.js, as the launcher or the bundle tell it. */
function libDir(env: NodeJS.ProcessEnv): string | undefined {
  if (env.TPOD_LIBDIR) return env.TPOD_LIBDIR;
  const script = process.argv[1];
  if (!script || fromSnapshot()) return undefined;
  try {
    return dirname(realpathSync(script));
  } catch {
    return undefined;
  }
}

export function tpodCommand(env: NodeJS.ProcessEnv = process.env): string[] {
  const lib = libDir(env);
  if (lib && isExecutableFile(join(lib, 'tpod.js'))) {
    // A build keeps its launcher beside tpod.js; install.sh puts it in PREFIX/bin.
    for (const launcher of [join(lib, 'tpod'), join(lib, '..', '..', 'bin', 'tpod')]) {
      if (isExecutableFile(launcher)) return [resolve(launcher)];
    }
  }
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir && isAbsolute(dir) && isExecutableFile(join(dir, 'tpod'))) return [join(dir, 'tpod')];
  }
  return selfCommand();
}
