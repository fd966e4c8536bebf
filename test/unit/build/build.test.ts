import { describe, expect, it } from 'vitest';
import { timestampText } from '../../../src/build/build.js';

describe('timestampText', () => {
  it('writes --timestamp as Go writes RFC 3339 times', () => {
    expect(timestampText(0)).toBe('1970-01-01T00:00:00Z');
    expect(timestampText(1700000000)).toBe('2023-11-14T22:13:20Z');
  });
});
