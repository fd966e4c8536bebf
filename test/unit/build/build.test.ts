import { describe, expect, it } from 'vitest';
import { commitLine, timestampText } from '../../../src/build/build.js';

describe('timestampText', () => {
  it('writes --timestamp as Go writes RFC 3339 times', () => {
    expect(timestampText(0)).toBe('1970-01-01T00:00:00Z');
    expect(timestampText(1700000000)).toBe('2023-11-14T22:13:20Z');
  });
});

describe('commitLine', () => {
  it('names the image as -t gave it, or nothing', () => {
    expect(commitLine('build_test')).toBe('COMMIT build_test');
    expect(commitLine(undefined)).toBe('COMMIT');
  });
});
