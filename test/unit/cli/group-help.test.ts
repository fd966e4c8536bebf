import { describe, expect, it } from 'vitest';
import { Command } from 'clipanion';
import { groupHelp } from '../../../src/cli/group-help.js';

class PodCreate extends Command {
  static override paths = [['pod', 'create']];
  static override usage = Command.Usage({ description: 'Create a new empty pod' });
  async execute(): Promise<number> { return 0; }
}
class PodRm extends Command {
  static override paths = [['pod', 'rm']];
  static override usage = Command.Usage({ description: 'Remove one or more pods' });
  async execute(): Promise<number> { return 0; }
}
class Ps extends Command {
  static override paths = [['ps'], ['container', 'ls']];
  async execute(): Promise<number> { return 0; }
}
const all = [PodCreate, PodRm, Ps];

describe('groupHelp', () => {
  it('lists the commands of a group for GROUP --help (asked: exit 0)', () => {
    const h = groupHelp(['pod', '--help'], all);
    expect(h?.asked).toBe(true);
    expect(h?.text).toContain('Manage pods');
    expect(h?.text).toMatch(/^ {2}create {2}Create a new empty pod$/m);
    expect(h?.text).toMatch(/^ {2}rm {6}Remove one or more pods$/m);
  });

  it('is a missing-command case for the bare group', () => {
    expect(groupHelp(['pod'], all)?.asked).toBe(false);
    expect(groupHelp(['pod', 'help'], all)?.asked).toBe(true);
  });

  it('leaves commands, unknown words and full command lines to clipanion', () => {
    expect(groupHelp(['ps'], all)).toBeUndefined();
    expect(groupHelp(['ps', '--help'], all)).toBeUndefined();
    expect(groupHelp(['pod', 'create'], all)).toBeUndefined();
    expect(groupHelp(['pod', '--help', 'x'], all)).toBeUndefined();
    expect(groupHelp(['nope'], all)).toBeUndefined();
    expect(groupHelp([], all)).toBeUndefined();
    expect(groupHelp(['--help'], all)).toBeUndefined();
  });
});

describe('groupHelp hidden commands', () => {
  class PodHidden extends Command {
    static override paths = [['pod', 'secret']];
    async execute(): Promise<number> { return 0; }
  }
  it('leaves out commands without a usage', () => {
    expect(groupHelp(['pod', '-h'], [PodCreate, PodHidden])?.text).not.toContain('secret');
  });
});
