// tpod's entry point: split off leading global options, let clipanion pick the command,
// run it, and turn every error into `Error: <message>` with Podman's exit codes.
import { Cli, UsageError as ClipanionUsageError, type CommandClass } from 'clipanion';
import { commands } from './commands/index.js';
import { commandLine, leadingGlobals, TpodCommand } from './base.js';
import { TpodError, EXIT_ENGINE } from '../errors.js';
import { VERSION } from '../version.js';
import { groupHelp } from './group-help.js';

const GLOBALS: Record<string, keyof typeof leadingGlobals> = {
  '--root': 'root',
  '--runroot': 'runroot',
  '--log-level': 'logLevel',
  '--runtime': 'runtime',
  '--storage-driver': 'storageDriver',
};

/** Takes global options that come before the command path (`tpod --root X ps`). */
export function splitLeadingGlobals(argv: string[]): { globals: Record<string, string>; rest: string[] } {
  const globals: Record<string, string> = {};
  let i = 0;
  while (i < argv.length) {
    const arg = argv[i]!;
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    const key = GLOBALS[name];
    if (!key) break;
    if (eq > 0) {
      globals[key] = arg.slice(eq + 1);
      i += 1;
    } else {
      const value = argv[i + 1];
      if (value === undefined) throw new TpodError('EUSAGE', `flag needs an argument: ${name}`);
      globals[key] = value;
      i += 2;
    }
  }
  return { globals, rest: argv.slice(i) };
}

function printError(message: string): void {
  process.stderr.write(`Error: ${message}\n`);
}

/** Clipanion's parse errors, reworded the way Podman says them. */
function usageMessage(err: Error, argv: string[]): string {
  const msg = err.message.split('\n')[0] ?? err.message;
  const unsupported = /Unsupported option name \("?([^")]+)"?\)/.exec(msg);
  if (unsupported) return `unknown flag: ${unsupported[1]}\nSee 'tpod --help'`;
  if (/Command not found/.test(msg) || /Extraneous positional argument/.test(msg)) {
    return `unrecognized command \`tpod ${argv.join(' ')}\`\nTry 'tpod --help' for more information`;
  }
  return msg.replace(/^Usage Error: /, '');
}

/**
 * Clipanion compiles a parser for every registered command on each start, which grows
 * with the command count. Only commands whose path starts with the first word can match,
 * so only those are registered (all of them when there is no match, for help and errors);
 * for a group (`pod create`) only those whose second word matches too, when any does
 * (the pod group alone cost ~50 ms of parser building per command).
 */
export function relevantCommands(argv: string[], all: CommandClass[] = commands): CommandClass[] {
  const first = argv[0];
  if (first === undefined || first === 'help' || first === '--help' || first === '-h') return all;
  const matching = all.filter((c) => (c.paths ?? []).some((p) => p[0] === first));
  if (matching.length === 0) return all;
  const second = argv[1];
  if (second === undefined || second.startsWith('-')) return matching;
  const exact = matching.filter((c) => (c.paths ?? []).some((p) => p.length >= 2 && p[0] === first && p[1] === second));
  return exact.length > 0 ? exact : matching;
}

function makeCli(list: CommandClass[]): Cli {
  const cli = new Cli({ binaryLabel: 'tpod', binaryName: 'tpod', binaryVersion: VERSION, enableColors: false });
  for (const c of list) cli.register(c);
  return cli;
}

export async function main(argv: string[]): Promise<number> {
  commandLine.splice(0, commandLine.length, ...argv);
  let rest: string[];
  try {
    const split = splitLeadingGlobals(argv);
    Object.assign(leadingGlobals, split.globals);
    rest = split.rest;
  } catch (err) {
    printError((err as Error).message);
    return EXIT_ENGINE;
  }

  const group = groupHelp(rest, commands);
  if (group) {
    if (group.asked) {
      process.stdout.write(group.text);
      return 0;
    }
    process.stderr.write(group.text);
    printError(`missing command 'tpod ${rest[0]} COMMAND'`);
    return EXIT_ENGINE;
  }

  const cli = makeCli(relevantCommands(rest));

  let command;
  try {
    command = cli.process(rest.length === 0 ? ['help'] : rest);
  } catch (err) {
    if (err instanceof TpodError) {
      printError(err.message);
      return err.exitCode;
    }
    printError(usageMessage(err as Error, rest));
    return EXIT_ENGINE;
  }
  command.context = { ...Cli.defaultContext, stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, colorDepth: 1 };
  command.cli = {
    binaryLabel: cli.binaryLabel,
    binaryName: cli.binaryName,
    binaryVersion: cli.binaryVersion,
    enableCapture: cli.enableCapture,
    enableColors: cli.enableColors,
    definitions: () => cli.definitions(),
    error: (error) => cli.error(error),
    format: (colored) => cli.format(colored),
    process: (input, subContext) => cli.process(input, { ...command.context, ...subContext }),
    run: (input, subContext) => cli.run(input, { ...command.context, ...subContext }),
    usage: (cmd, opts) => cli.usage(cmd, opts),
  };

  try {
    // Heavy, rare commands (load, import, rmi...) run as root of the user namespace.
    const wantsNamespace = (command.constructor as { inUserNamespace?: boolean }).inUserNamespace === true;
    if (wantsNamespace && command instanceof TpodCommand) {
      const { insideNamespace, reexecInNamespace } = await import('../rootless/join.js');
      if (!insideNamespace()) return await reexecInNamespace(command.ctx, rest);
    }
    const code = await command.validateAndExecute();
    return typeof code === 'number' ? code : 0;
  } catch (err) {
    if (err instanceof TpodError) {
      printError(err.message);
      if (process.env.TPOD_DEBUG && err.cause instanceof Error) process.stderr.write(String(err.cause.stack) + '\n');
      return err.exitCode;
    }
    if (err instanceof ClipanionUsageError) {
      printError(usageMessage(err, rest));
      return EXIT_ENGINE;
    }
    const e = err as Error;
    printError(`internal error: ${e?.message ?? String(err)}`);
    if (process.env.TPOD_DEBUG) process.stderr.write(String(e?.stack) + '\n');
    return EXIT_ENGINE;
  }
}
