import { describe, it, expect } from 'vitest';
import { Command, Option } from 'clipanion';
import { specOf, normalizeArgv, checkArgCount, flagDisplay } from '../../../src/cli/argv.js';

class Kill extends Command {
  static override paths = [['kill']];
  all = Option.Boolean('-a,--all', false);
  signal = Option.String('-s,--signal');
  tls = Option.String('--tls-verify', { tolerateBoolean: true });
  names = Option.Rest();
  async execute() { return 0; }
}
class Run extends Command {
  static override paths = [['run']];
  hostname = Option.String('-h,--hostname');
  rm = Option.Boolean('--rm', false);
  noHosts = Option.Boolean('--no-hosts', false);
  env = Option.Array('-e,--env');
  image = Option.String();
  command = Option.Proxy();
  async execute() { return 0; }
}
class Rename extends Command {
  static override paths = [['rename']];
  a = Option.String();
  b = Option.String();
  async execute() { return 0; }
}

const kill = specOf(Kill);
const run = specOf(Run);
const norm = (spec: typeof kill, path: string[], args: string[]) => normalizeArgv(path, args, spec);

describe('specOf', () => {
  it('reads the options and positionals a command declares', () => {
    expect(kill.options).toEqual([
      { names: ['-a', '--all'], arity: 0, boolean: true, key: 'all', required: false },
      { names: ['-s', '--signal'], arity: 1, boolean: false, key: 'signal', required: false },
      { names: ['--tls-verify'], arity: 0, boolean: false, key: 'tls', required: false },
    ]);
    expect([kill.minArgs, kill.maxArgs, kill.interspersed]).toEqual([0, Infinity, true]);
    expect([run.minArgs, run.interspersed]).toEqual([1, false]);
    expect([specOf(Rename).minArgs, specOf(Rename).maxArgs]).toEqual([2, 2]);
  });
});

describe('normalizeArgv', () => {
  it("gives a value flag the next word even when it starts with '-', as pflag does", () => {
    expect(norm(kill, ['kill'], ['-s', '-0', 'c1']).argv).toEqual(['kill', '--signal=-0', 'c1']);
    expect(norm(kill, ['kill'], ['--signal', '-1']).argv).toEqual(['kill', '--signal=-1']);
  });
  it('reads short clusters, attached values and = spellings', () => {
    expect(norm(kill, ['kill'], ['-as', 'KILL', 'c']).argv).toEqual(['kill', '--all', '--signal=KILL', 'c']);
    expect(norm(kill, ['kill'], ['-sHUP']).argv).toEqual(['kill', '--signal=HUP']);
    expect(norm(kill, ['kill'], ['-s=HUP']).argv).toEqual(['kill', '--signal=HUP']);
  });
  it('takes booleans as --flag=true|false', () => {
    expect(norm(kill, ['kill'], ['--all=false', '--tls-verify=false']).argv).toEqual(['kill', '--no-all', '--tls-verify=false']);
    expect(norm(kill, ['kill'], ['--all=1']).argv).toEqual(['kill', '--all']);
    // A flag named --no-*: =false is its default (clipanion has no --no-no-hosts).
    expect(norm(run, ['run'], ['--no-hosts', '--no-hosts=false', 'img']).argv).toEqual(['run', 'img']);
    expect(norm(run, ['run'], ['--no-hosts=true', 'img']).argv).toEqual(['run', '--no-hosts', 'img']);
    expect(() => norm(kill, ['kill'], ['--all=maybe'])).toThrow('invalid argument "maybe" for "-a, --all" flag: strconv.ParseBool: parsing "maybe": invalid syntax\nSee \'tpod kill --help\'');
  });
  it("refuses what pflag refuses, in pflag's words", () => {
    expect(() => norm(kill, ['kill'], ['--bogus'])).toThrow("unknown flag: --bogus\nSee 'tpod kill --help'");
    expect(() => norm(kill, ['kill'], ['-aZ'])).toThrow("unknown shorthand flag: 'Z' in -Z\nSee 'tpod kill --help'");
    expect(() => norm(kill, ['kill'], ['-s'])).toThrow("flag needs an argument: 's' in -s\nSee 'tpod kill --help'");
    expect(() => norm(kill, ['kill'], ['--signal'])).toThrow('flag needs an argument: --signal');
    expect(() => norm(run, ['run'], ['-h'])).toThrow("flag needs an argument: 'h' in -h\nSee 'tpod run --help'");
  });
  it('takes global flags anywhere before the arguments end', () => {
    const r = norm(kill, ['kill'], ['c1', '--root', '/r', '--noout', '--runtime-flag=debug', '-a']);
    expect(r.argv).toEqual(['kill', 'c1', '--all']);
    expect(r.globals).toEqual({ root: '/r', noout: true, runtimeFlags: ['debug'] });
    expect(r.argCount).toBe(1);
  });
  it("stops at the first argument of a command that runs a container's command, and at --", () => {
    const r = norm(run, ['run'], ['--rm', '-e', 'A=1', 'img', 'ls', '-l', '--root']);
    expect(r.argv).toEqual(['run', '--rm', '--env=A=1', 'img', 'ls', '-l', '--root']);
    expect(r.globals).toEqual({});
    expect(norm(kill, ['kill'], ['--', '-x']).argv).toEqual(['kill', '--', '-x']);
  });
  it('lets help through', () => {
    expect(norm(kill, ['kill'], ['-h']).argv).toEqual(['kill', '-h']);
    expect(norm(kill, ['kill'], ['--help']).argv).toEqual(['kill', '--help']);
  });
});

describe('checkArgCount', () => {
  it("uses cobra's words", () => {
    const none = { options: [], interspersed: true, minArgs: 0, maxArgs: 0 };
    expect(() => checkArgCount(none, 1, 'tpod ps')).toThrow('`tpod ps` takes no arguments');
    expect(() => checkArgCount(specOf(Rename), 1, 'tpod rename')).toThrow('accepts 2 arg(s), received 1');
    expect(() => checkArgCount({ ...none, minArgs: 2, maxArgs: Infinity }, 0, 'x')).toThrow('requires at least 2 arg(s), only received 0');
    expect(() => checkArgCount({ ...none, maxArgs: 1 }, 2, 'x')).toThrow('accepts at most 1 arg(s), received 2');
    expect(() => checkArgCount({ ...none, minArgs: 1, maxArgs: 3 }, 4, 'x')).toThrow('accepts between 1 and 3 arg(s), received 4');
    expect(() => checkArgCount(kill, 5, 'x')).not.toThrow();
  });
  it('names flags as pflag does', () => {
    expect(flagDisplay(['-a', '--all'])).toBe('-a, --all');
    expect(flagDisplay(['--rm'])).toBe('--rm');
  });
});
