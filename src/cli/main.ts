// tpod's entry point: split off leading global options, find the command, rewrite its
// flags the way Podman (cobra/pflag) reads them (cli/argv.ts), let clipanion parse and
// run it, and turn every error into `Error: <message>` with Podman's exit codes. This
// file is the one place where errors become exit codes.
import { Cli, UsageError as ClipanionUsageError, type CommandClass } from 'clipanion';
import { commands } from './commands/index.js';
import { commandLine, leadingGlobals, registeredCommands, TpodCommand } from './base.js';
import { TpodError, UsageError, EXIT_ENGINE } from '../errors.js';
import { isLogLevel, LOG_LEVELS } from '../engine/context.js';
import { VERSION } from '../version.js';
import { groupHelp } from './group-help.js';
import { FlagError, GLOBAL_FLAGS, checkArgCount, normalizeArgv, parseBoolFlag, specOf, type ArgvSpec, type ParsedGlobals } from './argv.js';

const ROOT_WORDS = new Set(['--help', '-h', '--version', '-v']);

/** Takes global options that come before the command path (`tpod --root X ps`). */
export function splitLeadingGlobals(argv: string[]): { globals: ParsedGlobals; rest: string[] } {
  const globals: ParsedGlobals = {};
  const bag = globals as Record<string, unknown>;
  let i = 0;
  while (i < argv.length) {
    const arg = argv[i]!;
    if (!arg.startsWith('-') || arg === '-' || ROOT_WORDS.has(arg)) break;
    if (arg === '--') {
      i++;
      break;
    }
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    const g = GLOBAL_FLAGS.find((f) => f.name === name);
    if (!g) throw new FlagError(arg.startsWith('--') ? `unknown flag: ${name}` : `unknown shorthand flag: '${arg.charAt(1)}' in ${arg}`, 'tpod');
    let value: string | boolean;
    if (g.kind === 'boolean') {
      value = eq > 0 ? parseBoolFlag(arg.slice(eq + 1), name, 'tpod') : true;
      i += 1;
    } else if (eq > 0) {
      value = arg.slice(eq + 1);
      i += 1;
    } else {
      const next = argv[i + 1];
      if (next === undefined) throw new FlagError(`flag needs an argument: ${name}`, 'tpod');
      value = next;
      i += 2;
    }
    bag[g.key] = g.kind === 'array' ? [...((bag[g.key] as string[] | undefined) ?? []), value] : value;
  }
  return { globals, rest: argv.slice(i) };
}

function printError(message: string): void {
  process.stderr.write(`Error: ${message}\n`);
}

/** Clipanion's own parse errors (what the argv rewrite let through), in Podman's words. */
function usageMessage(err: Error, argv: string[]): string {
  const msg = err.message.split('\n')[0] ?? err.message;
  const unsupported = /(?:Unsupported|Invalid) option name \("?(-[^")=]+)[^)]*\)/.exec(msg);
  if (unsupported) return `unknown flag: ${unsupported[1]}\nSee 'tpod --help'`;
  if (/Command not found/.test(msg) || /Extraneous positional argument/.test(msg)) {
    return `unrecognized command \`tpod ${argv.join(' ')}\`\nTry 'tpod --help' for more information`;
  }
  if (/Not enough positional arguments/.test(msg)) return 'requires at least 1 arg(s), only received 0';
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

/** The command whose path is the longest prefix of ARGV. */
export function findCommand(argv: string[], all: CommandClass[] = commands): { cls: CommandClass; path: string[] } | undefined {
  let best: { cls: CommandClass; path: string[] } | undefined;
  for (const cls of all) {
    for (const p of cls.paths ?? []) {
      if (p.length > argv.length || (best && p.length <= best.path.length)) continue;
      if (p.every((w, i) => argv[i] === w)) best = { cls, path: p };
    }
  }
  return best;
}

/**
 * The command class with only the path that was typed: clipanion builds and simplifies a
 * parser per path (ps has four: ps, container ps/ls/list), most of a fast command's parse time.
 */
export function onePath(cls: CommandClass, path: string[]): CommandClass {
  if ((cls.paths ?? []).length <= 1) return cls;
  return class extends (cls as unknown as new () => object) {
    static paths = [path];
  } as unknown as CommandClass;
}

type OptionFields = Record<string, { transformer: (b: unknown, key: string, state: unknown, context: unknown) => unknown }>;

/**
 * The class clipanion parses WORDS with: only the path that was typed, and only the
 * options WORDS name. Clipanion's parser grows with paths times options (run's, with all
 * of its ~150 option names: 223 states, ~30 ms to build cold); a command line names a
 * few. Every other option field gets what clipanion gives an option that is not there.
 */
export function lightClass(cls: CommandClass, path: string[], words: string[], spec: ArgvSpec): CommandClass {
  const used = new Set<string>();
  for (const w of words.slice(path.length)) {
    if (!w.startsWith('-') || w === '-' || w === '--') continue;
    const name = w.split('=')[0]!;
    used.add(name);
    if (name.startsWith('--no-')) used.add(`--${name.slice(5)}`);
    if (/^-[^-]{2,}$/.test(name)) for (const ch of name.slice(1)) used.add(`-${ch}`);
  }
  const drop = spec.options.filter((o) => o.key !== undefined && o.required !== true && !o.names.some((n) => used.has(n))).map((o) => o.key!);
  if (drop.length === 0) return onePath(cls, path);
  const empty = { options: [], positionals: [] };
  return class extends (cls as unknown as new () => OptionFields) {
    static paths = [path];
    constructor() {
      super();
      const self = this as unknown as Record<string, unknown>;
      for (const key of drop) self[key] = this[key]!.transformer(undefined, key, empty, Cli.defaultContext);
    }
  } as unknown as CommandClass;
}

/**
 * Parses typical command lines once, without running them, so the start-up snapshot holds
 * clipanion's parser code already compiled: a cold first parse costs ~4 ms otherwise.
 */
export function warmParser(): void {
  for (const words of [['ps', '-a', '--format', 'json'], ['run', '--rm', '-e', 'A=1', 'img', 'true']]) {
    const found = findCommand(words);
    if (found) makeCli([lightClass(found.cls, found.path, words, specOf(found.cls))]).process(words);
  }
}

function makeCli(list: CommandClass[]): Cli {
  const cli = new Cli({ binaryLabel: 'tpod', binaryName: 'tpod', binaryVersion: VERSION, enableColors: false });
  for (const c of list) cli.register(c);
  return cli;
}

/** Checks the global options and applies those that act at once (--noout, --config). */
function applyGlobals(g: ParsedGlobals): void {
  if (g.debug) {
    if (g.logLevel !== undefined) throw new TpodError('EUSAGE', 'Setting --log-level and --debug is not allowed', { exitCode: 1, bare: true });
    g.logLevel = 'debug';
  }
  if (g.logLevel !== undefined && !isLogLevel(g.logLevel)) {
    // Podman says this without "Error: " and exits 1.
    throw new TpodError('EUSAGE', `Log Level "${g.logLevel}" is not supported, choose from: ${LOG_LEVELS.join(', ')}`, { exitCode: 1, bare: true });
  }
  if (g.eventsBackend !== undefined && !['file', 'none', 'journald'].includes(g.eventsBackend)) {
    throw new UsageError(`invalid events backend "${g.eventsBackend}": use file or none`);
  }
  if (g.cgroupManager !== undefined && g.cgroupManager !== 'cgroupfs' && g.cgroupManager !== 'systemd') {
    throw new UsageError(`invalid cgroup manager "${g.cgroupManager}": use cgroupfs or systemd`);
  }
  const { noout, config, cgroupManager: _cm, debug: _debug, ...rest } = g;
  Object.assign(leadingGlobals, rest);
  if (config !== undefined) process.stderr.write('The --config flag is ignored by tpod. Exists for Docker compatibility\n');
  if (noout) {
    // Podman sends its stdout to /dev/null: results are not printed, messages still are.
    process.stdout.write = ((_chunk: unknown, encOrCb?: unknown, cb?: unknown) => {
      const done = typeof encOrCb === 'function' ? encOrCb : cb;
      if (typeof done === 'function') queueMicrotask(() => (done as () => void)());
      return true;
    }) as typeof process.stdout.write;
  }
}

async function dispatch(argv: string[]): Promise<number> {
  const split = splitLeadingGlobals(argv);
  const rest = split.rest;

  const group = groupHelp(rest, commands);
  if (group) {
    applyGlobals(split.globals);
    if (group.asked) {
      process.stdout.write(group.text);
      return 0;
    }
    process.stderr.write(group.text);
    throw new UsageError(`missing command 'tpod ${rest[0]} COMMAND'`);
  }

  let words = rest;
  const found = findCommand(rest);
  if (!found && rest.length > 0 && !ROOT_WORDS.has(rest[0]!)) {
    // As cobra: the root's flags are parsed first, so a bad flag is named before the word.
    const flag = rest.find((w) => w.startsWith('-') && w !== '-' && !GLOBAL_FLAGS.some((g) => w === g.name || w.startsWith(`${g.name}=`)));
    if (flag !== undefined && flag !== '--' && !ROOT_WORDS.has(flag)) throw new FlagError(`unknown flag: ${flag.split('=')[0]}`, 'tpod');
    throw new UsageError(`unrecognized command \`tpod ${rest.join(' ')}\`\nTry 'tpod --help' for more information`);
  }
  let globals = split.globals;
  let helpAsked = false;
  if (found) {
    const spec = specOf(found.cls);
    const norm = normalizeArgv(found.path, rest.slice(found.path.length), spec);
    globals = { ...globals, ...norm.globals };
    if (split.globals.runtimeFlags && norm.globals.runtimeFlags) globals.runtimeFlags = [...split.globals.runtimeFlags, ...norm.globals.runtimeFlags];
    words = norm.argv;
    helpAsked = words.slice(found.path.length).some((w) => w === '--help' || w === '-h');
    if (!helpAsked) checkArgCount(spec, norm.argCount, `tpod ${found.path.join(' ')}`);
  }
  applyGlobals(globals);
  if (words.length === 0) {
    // Podman: the usage, then an error that a command is missing (exit 125).
    process.stderr.write(makeCli(commands).usage(null));
    throw new UsageError("missing command 'tpod COMMAND'");
  }

  let cli: Cli | undefined;
  let command: ReturnType<Cli['process']> | undefined;
  // `help` lists every command: it needs them all registered.
  if (found && !helpAsked && found.path[0] !== 'help') {
    try {
      cli = makeCli([lightClass(found.cls, found.path, words, specOf(found.cls))]);
      command = cli.process(words);
    } catch {
      // The whole parser below says what is wrong, in clipanion's own words.
      command = undefined;
    }
  }
  if (command === undefined || cli === undefined) {
    cli = makeCli(relevantCommands(words));
    command = cli.process(words);
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

  // Heavy, rare commands (load, import, rmi...) run as root of the user namespace.
  const wantsNamespace = (command.constructor as { inUserNamespace?: boolean }).inUserNamespace === true;
  if (wantsNamespace && command instanceof TpodCommand) {
    const { insideNamespace, reexecInNamespace } = await import('../rootless/join.js');
    if (!insideNamespace()) return await reexecInNamespace(command.ctx, words);
  }
  if (command instanceof TpodCommand && command.ctx.log.enabled('info')) {
    command.ctx.log.info(`tpod filtering at log level ${command.ctx.globals.logLevel ?? 'warn'}`);
    command.ctx.log.debug(`Called ${words.slice(0, found?.path.length ?? 1).join(' ')}(tpod ${argv.join(' ')})`);
  }
  const code = await command.validateAndExecute();
  return typeof code === 'number' ? code : 0;
}

export async function main(argv: string[]): Promise<number> {
  commandLine.splice(0, commandLine.length, ...argv);
  registeredCommands.splice(0, registeredCommands.length, ...commands);
  try {
    return await dispatch(argv);
  } catch (err) {
    if (err instanceof TpodError) {
      if (err.bare) process.stderr.write(`${err.message}\n`);
      else printError(err.message);
      if (process.env.TPOD_DEBUG && err.cause instanceof Error) process.stderr.write(String(err.cause.stack) + '\n');
      return err.exitCode;
    }
    if (err instanceof ClipanionUsageError || (err instanceof Error && err.name === 'UnknownSyntaxError')) {
      printError(usageMessage(err, argv));
      return EXIT_ENGINE;
    }
    const e = err as Error;
    printError(`internal error: ${e?.message ?? String(err)}`);
    if (process.env.TPOD_DEBUG) process.stderr.write(String(e?.stack) + '\n');
    return EXIT_ENGINE;
  }
}
