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
