import { describe, it, expect } from 'vitest';
import { splitLeadingGlobals } from '../../../src/cli/main.js';

describe('splitLeadingGlobals', () => {
  it('takes global options before the command path, in both spellings', () => {
    const r = splitLeadingGlobals(['--root', '/a', '--runroot=/b', 'ps', '-a']);
    expect(r.globals).toEqual({ root: '/a', runroot: '/b' });
    expect(r.rest).toEqual(['ps', '-a']);
  });
  it('leaves options after the command path alone', () => {
    expect(splitLeadingGlobals(['run', '--root', 'x']).rest).toEqual(['run', '--root', 'x']);
  });
  it('refuses a global option without its value', () => {
    expect(() => splitLeadingGlobals(['--root'])).toThrow(/needs an argument/);
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
