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
