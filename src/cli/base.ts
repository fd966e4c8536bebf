// The base of every tpod command: global options (also accepted after the command
// path, as Podman does), a lazily built context, and one error convention.
import { Command, Option } from 'clipanion';
import { createContext, isLogLevel, type Context, type GlobalOptions } from '../engine/context.js';
import { UsageError } from '../errors.js';

/** Global options given before the command path; filled in by main. */
export const leadingGlobals: GlobalOptions = {};

/** The arguments tpod was started with, as given (Podman's CreateCommand records them). */
export const commandLine: string[] = [];

export abstract class TpodCommand extends Command {
  root = Option.String('--root', { description: 'Path to the root directory in which data, including images, is stored', hidden: true });
  runroot = Option.String('--runroot', { description: 'Path to the run directory for state', hidden: true });
  logLevel = Option.String('--log-level', { description: 'Log messages at and above this level (debug, info, warn, error)', hidden: true });
  runtimeName = Option.String('--runtime', { description: 'Path or name of the OCI runtime (crun, runc)', hidden: true });
  storageDriver = Option.String('--storage-driver', { description: 'Storage driver (overlay, fuse-overlayfs, vfs)', hidden: true });

  private ctxCache: Context | undefined;

  get ctx(): Context {
    if (!this.ctxCache) {
      const level = this.logLevel ?? leadingGlobals.logLevel;
      if (level !== undefined && !isLogLevel(level)) throw new UsageError(`invalid log level "${level}": must be one of debug, info, warn, error`);
      this.ctxCache = createContext({
        root: this.root ?? leadingGlobals.root,
        runroot: this.runroot ?? leadingGlobals.runroot,
        logLevel: level,
        runtime: this.runtimeName ?? leadingGlobals.runtime,
        storageDriver: this.storageDriver ?? leadingGlobals.storageDriver,
      });
    }
    return this.ctxCache;
  }

  /** stdout, as commands print results. */
  print(text: string): void {
    process.stdout.write(text.endsWith('\n') || text === '' ? text : text + '\n');
  }
}
