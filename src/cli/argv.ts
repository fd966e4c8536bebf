// Podman's command-line rules (cobra and pflag), applied before clipanion parses: global
// options anywhere in the flags, `--flag=value` and `-fvalue` spellings, a value flag
// takes the next word even when it starts with '-' (`kill -s -0`), booleans take
// `=true|false`, flags stop at `--` (and at the first argument of run, create, exec and
// the other commands whose remaining words belong to a container's command). What it
// refuses, it refuses in pflag's words: "unknown flag: --x", "unknown shorthand flag:
// 'x' in -x", "flag needs an argument: 's' in -s", "invalid argument ...". The output
// is what clipanion reads: flags spelled `--name=value`, booleans `--name`/`--no-name`.
import type { CommandClass } from 'clipanion';
import type { GlobalOptions, LogLevel } from '../engine/context.js';
import { UsageError } from '../errors.js';

export interface OptionSpec {
  names: string[];
  /** 0: a flag without a value (a boolean, or a value given only as --name=VALUE). */
  arity: number;
  /** A boolean: --name=false becomes --no-name. */
  boolean: boolean;
  /** The command's field that holds it (specOf fills it in). */
  key?: string;
  required?: boolean;
}

export interface ArgvSpec {
  options: OptionSpec[];
  /** false: flags end at the first argument (the rest is a container's command). */
  interspersed: boolean;
  minArgs: number;
  maxArgs: number;
}

interface GlobalSpec {
  name: string;
  key: keyof GlobalOptions | 'noout' | 'config' | 'cgroupManager' | 'debug';
  kind: 'string' | 'array' | 'boolean';
  description: string;
}

/** Podman's global (persistent) flags that tpod honours; accepted before or after the command. */
export const GLOBAL_FLAGS: GlobalSpec[] = [
  { name: '--root', key: 'root', kind: 'string', description: 'Path to the root directory in which data, including images, is stored' },
  { name: '--runroot', key: 'runroot', kind: 'string', description: 'Path to the run directory for state' },
  { name: '--log-level', key: 'logLevel', kind: 'string', description: 'Log messages at and above this level (trace, debug, info, warn, warning, error, fatal, panic)' },
  { name: '--runtime', key: 'runtime', kind: 'string', description: 'Path or name of the OCI runtime (crun, runc, or a name in containers.conf [engine.runtimes])' },
  { name: '--runtime-flag', key: 'runtimeFlags', kind: 'array', description: 'Add a global flag for the OCI runtime (debug becomes --debug); repeatable' },
  { name: '--storage-driver', key: 'storageDriver', kind: 'string', description: 'Storage driver (overlay, fuse-overlayfs, vfs)' },
  { name: '--events-backend', key: 'eventsBackend', kind: 'string', description: 'Events backend: file (the default) or none' },
  { name: '--volumepath', key: 'volumePath', kind: 'string', description: 'Path to the volume directory in which volume data is stored' },
  { name: '--default-mounts-file', key: 'defaultMountsFile', kind: 'string', description: 'Path to default mounts file (HOST:CONTAINER lines every container gets read-only)' },
  { name: '--cgroup-manager', key: 'cgroupManager', kind: 'string', description: 'Cgroup manager (cgroupfs; systemd accepted, rootless tpod manages no cgroups)' },
  { name: '--noout', key: 'noout', kind: 'boolean', description: 'Do not print to stdout (results), only messages' },
  { name: '--config', key: 'config', kind: 'string', description: 'Ignored, as by Podman: exists for Docker compatibility' },
  { name: '--debug', key: 'debug', kind: 'boolean', description: 'Docker compatibility: the same as --log-level=debug' },
  { name: '-D', key: 'debug', kind: 'boolean', description: 'Docker compatibility: the same as --log-level=debug' },
];

export interface ParsedGlobals extends Omit<GlobalOptions, 'logLevel'> {
  logLevel?: LogLevel | string | undefined;
  noout?: boolean;
  config?: string;
  cgroupManager?: string;
  debug?: boolean;
}

/** Thrown for a flag error: pflag's message, then cobra's pointer to the help. */
export class FlagError extends UsageError {
  constructor(message: string, readonly commandPath: string) {
    super(`${message}\nSee '${commandPath} --help'`);
    this.name = 'FlagError';
  }
}

const specCache = new WeakMap<CommandClass, ArgvSpec>();

/** The options and positionals a clipanion command declares (read from its option descriptors). */
export function specOf(cls: CommandClass): ArgvSpec {
  const cached = specCache.get(cls);
  if (cached) return cached;
  const spec: ArgvSpec = { options: [], interspersed: true, minArgs: 0, maxArgs: 0 };
  let currentKey = '';
  const builder = {
    addOption(o: { names: string[]; arity?: number; allowBinding?: boolean; required?: boolean }) {
      spec.options.push({ names: o.names, arity: o.arity ?? 1, boolean: o.allowBinding === false, key: currentKey, required: o.required === true });
    },
    addPositional(o: { required?: boolean }) {
      if (o.required !== false) spec.minArgs++;
      spec.maxArgs++;
    },
    addRest(o: { required?: number }) {
      spec.minArgs += o.required ?? 0;
      spec.maxArgs = Infinity;
    },
    addProxy(o: { required?: number }) {
      spec.minArgs += o.required ?? 0;
      spec.maxArgs = Infinity;
      spec.interspersed = false;
    },
  };
  const instance = new (cls as unknown as new () => Record<string, unknown>)();
  for (const [key, value] of Object.entries(instance)) {
    currentKey = key;
    const def = value as { definition?: (b: typeof builder, key: string) => void; transformer?: unknown } | null;
    if (def && typeof def === 'object' && typeof def.definition === 'function' && typeof def.transformer === 'function') def.definition(builder, key);
  }
  specCache.set(cls, spec);
  return spec;
}

const TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const FALSE = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);

/** Go's strconv.ParseBool, with pflag's message for a bad value. */
export function parseBoolFlag(value: string, display: string, commandPath: string): boolean {
  if (TRUE.has(value)) return true;
  if (FALSE.has(value)) return false;
  throw new FlagError(`invalid argument "${value}" for "${display}" flag: strconv.ParseBool: parsing "${value}": invalid syntax`, commandPath);
}

/** How pflag names a flag in messages: "-a, --all" or "--all". */
export function flagDisplay(names: string[]): string {
  const short = names.find((n) => /^-[^-]$/.test(n));
  const long = names.find((n) => n.startsWith('--'));
  return short && long ? `${short}, ${long}` : (long ?? short ?? '');
}

export interface NormalizedArgv {
  /** The words for clipanion: the command path, then the rewritten flags and arguments. */
  argv: string[];
  globals: ParsedGlobals;
  /** How many arguments (positionals) were given. */
  argCount: number;
}

/**
 * Rewrites ARGS (the words after the command path PATH) for clipanion, taking out the
 * global flags. Help flags (-h/--help where the command has no -h) pass through.
 */
export function normalizeArgv(path: string[], args: string[], spec: ArgvSpec, binary = 'tpod'): NormalizedArgv {
  const commandPath = [binary, ...path].join(' ');
  const byName = new Map<string, OptionSpec>();
  for (const o of spec.options) for (const n of o.names) byName.set(n, o);
  const globals: ParsedGlobals = {};
  const out: string[] = [...path];
  let argCount = 0;

  const setGlobal = (g: GlobalSpec, value: string | boolean): void => {
    const bag = globals as Record<string, unknown>;
    if (g.kind === 'array') bag[g.key] = [...((bag[g.key] as string[] | undefined) ?? []), value as string];
    else bag[g.key] = value;
  };
  const globalOf = (name: string): GlobalSpec | undefined => (byName.has(name) ? undefined : GLOBAL_FLAGS.find((g) => g.name === name));

  let i = 0;
  for (; i < args.length; i++) {
    const word = args[i]!;
    if (word === '--') {
      out.push(...args.slice(i));
      argCount += args.length - i - 1;
      i = args.length;
      break;
    }
    if (word === '-' || !word.startsWith('-')) {
      argCount++;
      if (!spec.interspersed) {
        out.push(...args.slice(i));
        argCount += args.length - i - 1;
        i = args.length;
        break;
      }
      out.push(word);
      continue;
    }
    if (word.startsWith('--')) {
      const eq = word.indexOf('=');
      const name = eq > 0 ? word.slice(0, eq) : word;
      const inline = eq > 0 ? word.slice(eq + 1) : undefined;
      if ((name === '--help') && !byName.has(name)) {
        out.push(word);
        continue;
      }
      const g = globalOf(name);
      if (g) {
        if (g.kind === 'boolean') setGlobal(g, inline === undefined ? true : parseBoolFlag(inline, name, commandPath));
        else if (inline !== undefined) setGlobal(g, inline);
        else if (i + 1 < args.length) setGlobal(g, args[++i]!);
        else throw new FlagError(`flag needs an argument: ${name}`, commandPath);
        continue;
      }
      const o = byName.get(name);
      if (!o) throw new FlagError(`unknown flag: ${name}`, commandPath);
      const long = o.names.find((n) => n.startsWith('--')) ?? name;
      if (o.boolean) {
        const on = inline === undefined ? true : parseBoolFlag(inline, flagDisplay(o.names), commandPath);
        if (on || !long.startsWith('--no-')) out.push(on ? long : `--no-${long.slice(2)}`);
        // --no-trunc=false: clipanion has no negation of a flag named --no-*; leaving it out is its default.
        else for (let k = out.length - 1; k >= path.length; k--) if (out[k] === long) out.splice(k, 1);
      } else if (o.arity === 0) {
        out.push(inline === undefined ? long : `${long}=${inline}`);
      } else if (inline !== undefined) {
        out.push(`${long}=${inline}`);
      } else if (i + 1 < args.length) {
        out.push(`${long}=${args[++i]!}`);
      } else {
        throw new FlagError(`flag needs an argument: ${name}`, commandPath);
      }
      continue;
    }
    // A cluster of short flags: -a, -aq, -sKILL, -s=KILL, -as KILL.
    for (let j = 1; j < word.length; j++) {
      const c = word[j]!;
      const o = byName.get(`-${c}`);
      if (!o) {
        if (c === 'h') {
          out.push('-h');
          continue;
        }
        throw new FlagError(`unknown shorthand flag: '${c}' in -${word.slice(j)}`, commandPath);
      }
      const long = o.names.find((n) => n.startsWith('--'));
      const canon = long ?? `-${c}`;
      if (o.boolean || o.arity === 0) {
        if (word[j + 1] === '=') {
          const v = word.slice(j + 2);
          if (o.boolean) out.push(parseBoolFlag(v, flagDisplay(o.names), commandPath) ? canon : long ? `--no-${long.slice(2)}` : canon);
          else out.push(`${canon}=${v}`);
          break;
        }
        out.push(canon);
        continue;
      }
      let value = word.slice(j + 1);
      if (value.startsWith('=')) value = value.slice(1);
      else if (value === '') {
        if (i + 1 >= args.length) throw new FlagError(`flag needs an argument: '${c}' in -${c}`, commandPath);
        value = args[++i]!;
      }
      out.push(`${canon}=${value}`);
      break;
    }
  }
  return { argv: out, globals, argCount };
}

/** cobra's words when a command gets the wrong number of arguments. */
export function checkArgCount(spec: ArgvSpec, n: number, commandPath: string): void {
  if (n >= spec.minArgs && n <= spec.maxArgs) return;
  if (spec.maxArgs === 0) throw new UsageError(`\`${commandPath}\` takes no arguments`);
  if (spec.minArgs === spec.maxArgs) throw new UsageError(`accepts ${spec.minArgs} arg(s), received ${n}`);
  if (n < spec.minArgs) {
    if (spec.maxArgs === Infinity) throw new UsageError(`requires at least ${spec.minArgs} arg(s), only received ${n}`);
    throw new UsageError(`accepts between ${spec.minArgs} and ${spec.maxArgs} arg(s), received ${n}`);
  }
  if (spec.minArgs === 0) throw new UsageError(`accepts at most ${spec.maxArgs} arg(s), received ${n}`);
  throw new UsageError(`accepts between ${spec.minArgs} and ${spec.maxArgs} arg(s), received ${n}`);
}
