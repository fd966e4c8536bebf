// `wait ID` of a --rm container that is gone already reads the exit file its clean-up left.
import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { mkdtempSync, rmSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { createContext, type Context } from '../../../src/engine/context.js';
import { removedExitCode } from '../../../src/engine/wait.js';

let dir: string;
let ctx: Context;
const a = 'a'.repeat(12) + '1'.repeat(52);
const b = 'a'.repeat(12) + '2'.repeat(52);

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tpod-removed-exit-'));
  ctx = createContext({ root: join(dir, 'root'), runroot: join(dir, 'run'), logLevel: 'error' });
  mkdirSync(join(dir, 'run', 'exits'), { recursive: true });
  writeFileSync(join(dir, 'run', 'exits', a), '4\n');
  writeFileSync(join(dir, 'run', 'exits', b), '0\n');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('removedExitCode', () => {
  it('finds the code by full id or unique prefix of 12+ characters', () => {
    expect(removedExitCode(ctx, a)).toBe(4);
    expect(removedExitCode(ctx, a.slice(0, 13))).toBe(4);
    expect(removedExitCode(ctx, b.slice(0, 20))).toBe(0);
  });

  it('answers nothing for names, short or ambiguous prefixes, and path tricks', () => {
    expect(removedExitCode(ctx, 'web')).toBeUndefined();
    expect(removedExitCode(ctx, a.slice(0, 11))).toBeUndefined();
    expect(removedExitCode(ctx, a.slice(0, 12))).toBeUndefined(); // a and b share it
    expect(removedExitCode(ctx, '../exits/' + a)).toBeUndefined();
  });

  it('answers nothing when there is no exits directory', () => {
    rmSync(join(dir, 'run', 'exits'), { recursive: true });
    expect(removedExitCode(ctx, a)).toBeUndefined();
  });
});
