import { describe, it, expect } from 'vitest';
import { featuresFromCommands } from '../../../src/quadlet/features.js';
import { RunCommand } from '../../../src/cli/commands/run.js';
import { RmCommand } from '../../../src/cli/commands/rm.js';

describe('featuresFromCommands (what this tpod can run, from its own command definitions)', () => {
  const f = featuresFromCommands([RunCommand, RmCommand]);
  it('knows commands by every path', () => {
    expect(f.hasCommand(['run'])).toBe(true);
    expect(f.hasCommand(['container', 'run'])).toBe(true);
    expect(f.hasCommand(['volume', 'create'])).toBe(false);
  });
  it('knows the flags of a command, short and long', () => {
    expect(f.hasFlag(['run'], '--env')).toBe(true);
    expect(f.hasFlag(['run'], '-e')).toBe(true);
    expect(f.hasFlag(['run'], '--publish')).toBe(true);
    expect(f.hasFlag(['rm'], '--ignore')).toBe(true);
    expect(f.hasFlag(['run'], '--no-such-flag')).toBe(false);
    expect(f.hasFlag(['volume', 'create'], '--ignore')).toBe(false);
  });
});
