// What this tpod can run, read from its own command definitions, so a unit never asks
// for a command or flag it lacks: the flags tpod gains later are used without a change here.
import { Cli, type CommandClass } from 'clipanion';
import type { TpodFeatures } from './cmdline.js';

/** Option names of a command (`-e,--env #0` -> -e, --env), from clipanion's definitions. */
function flagsOf(c: CommandClass): Set<string> {
  const cli = new Cli({ binaryName: 'tpod' });
  cli.register(c);
  const flags = new Set<string>();
  for (const def of cli.definitions()) {
    for (const o of def.options) for (const name of (o.definition.split(' ')[0] ?? '').split(',')) if (name.startsWith('-')) flags.add(name);
  }
  return flags;
}

export function featuresFromCommands(commands: CommandClass[]): TpodFeatures {
  const byPath = new Map<string, CommandClass>();
  for (const c of commands) for (const p of c.paths ?? []) byPath.set(p.join(' '), c);
  const flagCache = new Map<CommandClass, Set<string>>();
  return {
    hasCommand: (path) => byPath.has(path.join(' ')),
    hasFlag: (path, flag) => {
      const c = byPath.get(path.join(' '));
      if (!c) return false;
      let flags = flagCache.get(c);
      if (!flags) flagCache.set(c, (flags = flagsOf(c)));
      // A command without usage text lists no options: do not second-guess it.
      return flags.size === 0 || flags.has(flag);
    },
  };
}
