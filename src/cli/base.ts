// The base of every tpod command: global options (also accepted after the command
// path, as Podman does), a lazily built context, and one error convention.
import { Command, type CommandClass } from 'clipanion';
import { createContext, type Context, type GlobalOptions } from '../engine/context.js';
import { podOps } from '../pod/ops.js';

/** Global options given before the command path; filled in by main. */
export const leadingGlobals: GlobalOptions = {};

/** The arguments tpod was started with, as given (Podman's CreateCommand records them). */
export const commandLine: string[] = [];

/**
 * Every registered command; filled in by main. The quadlet commands read tpod's flags
 * from it, and cannot import the list themselves: it holds them.
 */
export const registeredCommands: CommandClass[] = [];

export abstract class TpodCommand extends Command {
  private ctxCache: Context | undefined;

  get ctx(): Context {
    // Global options (before or after the command path) are gathered by main (cli/argv.ts).
    if (!this.ctxCache) this.ctxCache = { ...createContext({ ...leadingGlobals }), pods: podOps };
    return this.ctxCache;
  }

  /** stdout, as commands print results. */
  print(text: string): void {
    process.stdout.write(text.endsWith('\n') || text === '' ? text : text + '\n');
  }
}
