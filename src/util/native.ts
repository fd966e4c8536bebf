// tpod-native.node (helpers/native-addon.c): flock(2), openat2(2) and execve(2), which Node lacks.
// Loaded once, on first use.
import { helperPath } from './helpers.js';
import { TpodError } from '../errors.js';

export interface NativeModule {
  flock(fd: number, op: number): number;
  /** An fd open for reading `rel` below `root`, or -errno: no symlink, no "..", no way out. */
  openBeneath(root: string, rel: string): number;
  /** Replaces this process with PATH, keeping descriptor KEEPFD; returns only on failure (the errno). */
  execve(path: string, argv: string[], env: string[], keepFd: number): number;
  LOCK_SH: number;
  LOCK_EX: number;
  LOCK_NB: number;
  LOCK_UN: number;
}

let loaded: NativeModule | undefined;

export function native(): NativeModule {
  if (!loaded) {
    const mod = { exports: {} as NativeModule };
    try {
      process.dlopen(mod, helperPath('tpod-native.node'));
    } catch (err) {
      throw new TpodError('EHELPER', `cannot load tpod-native.node: ${(err as Error).message}`, { cause: err });
    }
    loaded = mod.exports;
  }
  return loaded;
}
