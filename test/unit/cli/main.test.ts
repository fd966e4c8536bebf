import { describe, it, expect } from 'vitest';
import { splitLeadingGlobals, findCommand } from '../../../src/cli/main.js';

describe('splitLeadingGlobals', () => {
  it('takes global options before the command path, in both spellings', () => {
    const r = splitLeadingGlobals(['--root', '/a', '--runroot=/b', '--noout', '--runtime-flag', 'debug', 'ps', '-a']);
    expect(r.globals).toEqual({ root: '/a', runroot: '/b', noout: true, runtimeFlags: ['debug'] });
    expect(r.rest).toEqual(['ps', '-a']);
  });
  it('leaves options after the command path alone', () => {
    expect(splitLeadingGlobals(['run', '--root', 'x']).rest).toEqual(['run', '--root', 'x']);
  });
  it('refuses a global option without its value, and an unknown one, in pflag words', () => {
    expect(() => splitLeadingGlobals(['--root'])).toThrow(/^flag needs an argument: --root\nSee 'tpod --help'$/);
    expect(() => splitLeadingGlobals(['--bogus', 'ps'])).toThrow(/^unknown flag: --bogus\nSee 'tpod --help'$/);
  });
});

describe('findCommand', async () => {
  const { Command } = await import('clipanion');
  class A extends Command { static override paths = [['image', 'ls'], ['images']]; async execute() { return 0; } }
  class P extends Command { static override paths = [['pod'], ['pod', 'ps']]; async execute() { return 0; } }
  it('finds the longest path that starts the words', () => {
    expect(findCommand(['image', 'ls', '-a'], [A, P])?.path).toEqual(['image', 'ls']);
    expect(findCommand(['pod', 'ps'], [A, P])?.path).toEqual(['pod', 'ps']);
    expect(findCommand(['pod', 'x'], [A, P])?.path).toEqual(['pod']);
    expect(findCommand(['bogus'], [A, P])).toBeUndefined();
  });
});
describe('relevantCommands', async () => {
  const { relevantCommands } = await import('../../../src/cli/main.js');
  const { Command } = await import('clipanion');
  class A extends Command { static override paths = [['image', 'ls'], ['images']]; async execute() { return 0; } }
  class B extends Command { static override paths = [['run']]; async execute() { return 0; } }
  it('registers only the commands whose path starts with the first word', () => {
    expect(relevantCommands(['images', '-q'], [A, B])).toEqual([A]);
    expect(relevantCommands(['image', 'ls'], [A, B])).toEqual([A]);
  });
  it('registers only the group member a second word names (pod create), else the whole group', () => {
    class C extends Command { static override paths = [['image', 'rm'], ['rmi']]; async execute() { return 0; } }
    expect(relevantCommands(['image', 'rm', 'x'], [A, B, C])).toEqual([C]);
    expect(relevantCommands(['image', 'bogus'], [A, B, C])).toEqual([A, C]);
    expect(relevantCommands(['image', '--help'], [A, B, C])).toEqual([A, C]);
    expect(relevantCommands(['run', 'ls'], [A, B, C])).toEqual([B]);
  });
  it('registers everything for help and for unknown words, so errors and usage stay complete', () => {
    expect(relevantCommands(['help'], [A, B])).toEqual([A, B]);
    expect(relevantCommands(['bogus'], [A, B])).toEqual([A, B]);
    expect(relevantCommands([], [A, B])).toEqual([A, B]);
  });
});

describe('lightClass', async () => {
  const { Cli, Command, Option } = await import('clipanion');
  const { lightClass } = await import('../../../src/cli/main.js');
  const { specOf } = await import('../../../src/cli/argv.js');
  class R extends Command {
    static override paths = [['run'], ['container', 'run']];
    rm = Option.Boolean('--rm', false);
    detach = Option.Boolean('-d,--detach', false);
    interactive = Option.Boolean('-i,--interactive', false);
    tty = Option.Boolean('-t,--tty', false);
    env = Option.Array('-e,--env', []);
    labels = Option.Array('--label');
    name = Option.String('--name');
    pull = Option.String('--pull', 'missing');
    hosts = Option.Boolean('--hosts', true);
    image = Option.String();
    args = Option.Proxy();
    async execute() { return 0; }
  }
  const parse = (cls: typeof R, words: string[]) => {
    const cli = new Cli();
    cli.register(cls);
    const c = cli.process(words) as R;
    return { rm: c.rm, detach: c.detach, i: c.interactive, t: c.tty, env: c.env, labels: c.labels, name: c.name, pull: c.pull, hosts: c.hosts, image: c.image, args: c.args, path: c.path };
  };
  it('parses as the whole class does, with only the typed path and the named options', () => {
    for (const words of [
      ['run', '--rm', 'img', 'ls', '-la'],
      ['run', '-it', '--env=A=1', '--env=B=2', '--name=x', 'img'],
      ['container', 'run', '--no-hosts', '--pull=never', 'img', 'sh', '-c', 'echo --rm'],
      ['run', 'img'],
    ]) {
      const path = words[0] === 'container' ? ['container', 'run'] : ['run'];
      expect(parse(lightClass(R, path, words, specOf(R)) as typeof R, words)).toEqual(parse(R, words));
    }
  });
  it('builds a parser only for what was named', () => {
    const light = lightClass(R, ['run'], ['run', '--rm', 'img'], specOf(R));
    expect(light.paths).toEqual([['run']]);
    const fields = Object.values(new (light as unknown as new () => Record<string, unknown>)()).filter((v) => typeof v === 'object' && v !== null && Command.isOption in v);
    expect(fields).toHaveLength(3); // --rm, the image and the proxy
  });
});
