// Types for scripts/gen-man.mjs, for the unit tests that import it.
import type { Cli, Command, CommandClass } from 'clipanion';

export interface ManPage { file: string; text: string }
export function roffEscape(text: string): string;
export function roffProse(text: string): string[];
export function probeOptions(command: typeof Command, cls: CommandClass): Array<{ kind: 'option'; names: string[]; arity: number; hidden: boolean; description: string }>;
export function renderManPages(opts: {
  commands: CommandClass[];
  Cli: typeof Cli;
  Command: typeof Command;
  version: string;
  date: string;
  intro?: string;
  /** The global flags (src/cli/argv.ts GLOBAL_FLAGS). */
  globals?: ReadonlyArray<{ name: string; kind: string; description: string }>;
}): ManPage[];
export function loadCommands(): Promise<{ commands: CommandClass[]; GLOBAL_FLAGS: ReadonlyArray<{ name: string; kind: string; description: string }>; Cli: typeof Cli; Command: typeof Command; version: string }>;
export function generateManPages(outDir: string): Promise<string[]>;
