import { describe, it, expect } from 'vitest';
import { parseGoDuration, parseUntil, pruneFilters } from '../../../src/image/prune.js';
import type { StoredImage } from '../../../src/image/store.js';

describe('prune filters', () => {
  it('parses Go durations', () => {
    expect(parseGoDuration('10m')).toBe(600_000);
    expect(parseGoDuration('1h30m')).toBe(5_400_000);
    expect(parseGoDuration('1.5s')).toBe(1500);
    expect(parseGoDuration('10')).toBeUndefined();
    expect(parseGoDuration('10x')).toBeUndefined();
  });

  it('reads until= as a Unix time, a duration ago or a date', () => {
    const now = Date.parse('2024-06-01T00:00:00Z');
    expect(parseUntil('1700000000', now)).toBe(1_700_000_000_000);
    expect(parseUntil('24h', now)).toBe(now - 86_400_000);
    expect(parseUntil('2024-01-01T00:00:00Z', now)).toBe(Date.parse('2024-01-01T00:00:00Z'));
    expect(() => parseUntil('yesterday-ish', now)).toThrow(/invalid until/);
  });

  it('matches labels (with label! negated) and creation times', () => {
    const img = { created: '2024-01-01T00:00:00Z' } as StoredImage;
    const now = Date.parse('2024-06-01T00:00:00Z');
    const match = (filters: string[], labels: Record<string, string>): boolean => pruneFilters(filters, now).every((p) => p(img, labels));
    expect(match(['label=a'], { a: '1' })).toBe(true);
    expect(match(['label=a=2'], { a: '1' })).toBe(false);
    expect(match(['label!=a'], { a: '1' })).toBe(false);
    expect(match(['until=2024-02-01T00:00:00Z'], {})).toBe(true);
    expect(match(['until=1000h'], {})).toBe(true);
    expect(match(['until=10h'], {})).toBe(true);
    expect(match(['until=2023-01-01T00:00:00Z'], {})).toBe(false);
    expect(() => pruneFilters(['bogus=1'], now)).toThrow('unsupported image filter "bogus"');
  });
});
