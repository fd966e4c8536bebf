import { describe, expect, it } from 'vitest';
import { mergeUlimits, parseUlimit } from '../../../src/runtime/ulimit.js';

describe('parseUlimit', () => {
  it('reads NAME=SOFT[:HARD], -1 as unlimited', () => {
    expect(parseUlimit('nofile=101:102')).toEqual({ type: 'RLIMIT_NOFILE', soft: 101, hard: 102 });
    expect(parseUlimit('nproc=50')).toEqual({ type: 'RLIMIT_NPROC', soft: 50, hard: 50 });
    expect(parseUlimit('core=-1').hard).toBe(18446744073709551615);
  });
  it('refuses what go-units refuses', () => {
    expect(() => parseUlimit('nofile')).toThrow('invalid ulimit argument: nofile');
    expect(() => parseUlimit('bogus=1')).toThrow('invalid ulimit type: bogus');
    expect(() => parseUlimit('nofile=abc')).toThrow('invalid ulimit argument: nofile=abc');
    expect(() => parseUlimit('nofile=5:4')).toThrow('soft limit must be less than or equal to hard limit: 5 > 4');
    expect(() => parseUlimit('nofile=1:2:3')).toThrow('too many limit value arguments');
  });
});

describe('mergeUlimits', () => {
  it('puts the given limits over the defaults, the last of a kind winning', () => {
    const merged = mergeUlimits([{ type: 'RLIMIT_NOFILE', soft: 1024, hard: 4096 }], [parseUlimit('nofile=1:2'), parseUlimit('nproc=7'), parseUlimit('nofile=3:4')]);
    expect(merged).toEqual([{ type: 'RLIMIT_NOFILE', soft: 3, hard: 4 }, { type: 'RLIMIT_NPROC', soft: 7, hard: 7 }]);
  });
});
