import { describe, it, expect } from 'vitest';
import { humanSize, bytesSize, humanDuration, timeAgo, containerStatus, ramInBytes, fromHumanSize, goPrecision } from '../../../src/util/units.js';

const S = 1000;
const MIN = 60 * S;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const WEEK = 7 * DAY;
const MONTH = 30 * DAY;
const YEAR = 365 * DAY;

describe('humanSize (go-units HumanSizeWithPrecision(size, 3))', () => {
  it.each([
    [0, '0 B'],
    [999, '999 B'],
    [1000, '1 kB'],
    [921_600, '922 kB'],
    [1_987_651, '1.99 MB'], // podman images showed this for a 1987651-byte image
    [4_270_000, '4.27 MB'],
    [1_240_000_000, '1.24 GB'],
    [5_000_000_000_000, '5 TB'],
    [999_999, '1e+03 kB'], // Go's %.3g rounds up into exponent form; Podman prints the same
  ])('%d -> %s', (n, s) => expect(humanSize(n)).toBe(s));
  it('takes another precision', () => expect(humanSize(2_746_000, 4)).toBe('2.746 MB'));
});

describe('bytesSize (base 1024)', () => {
  it('prints binary units without a space', () => {
    expect(bytesSize(1536 * 1024)).toBe('1.5MiB');
    expect(bytesSize(512)).toBe('512B');
  });
});

describe('goPrecision (%.Ng)', () => {
  it('drops trailing zeros and uses Go exponents', () => {
    expect(goPrecision(1.5, 3)).toBe('1.5');
    expect(goPrecision(0.00001, 3)).toBe('1e-05');
    expect(goPrecision(123456, 3)).toBe('1.23e+05');
  });
});

describe('size parsing', () => {
  it('reads --memory style sizes in powers of 1024', () => {
    expect(ramInBytes('512m')).toBe(512 * 1024 * 1024);
    expect(ramInBytes('1g')).toBe(1024 ** 3);
    expect(ramInBytes('64KiB')).toBe(65536);
    expect(ramInBytes('100')).toBe(100);
    expect(ramInBytes('lots')).toBeUndefined();
  });
  it('reads SI sizes in powers of 1000', () => expect(fromHumanSize('2MB')).toBe(2_000_000));
});

describe('humanDuration (go-units v0.5 table)', () => {
  it.each([
    [450, 'Less than a second'],
    [1 * S, '1 second'],
    [47 * S, '47 seconds'],
    [59 * S, '59 seconds'],
    [60 * S, 'About a minute'],
    [3 * MIN, '3 minutes'],
    [35 * MIN + 40 * S, '35 minutes'],
    [59 * MIN, '59 minutes'],
    [1 * HOUR, 'About an hour'],
    [HOUR + 29 * MIN, 'About an hour'],
    [HOUR + 31 * MIN, '2 hours'],
    [3 * HOUR + 29 * MIN, '3 hours'],
    [3 * HOUR + 31 * MIN, '4 hours'],
    [24 * HOUR, '24 hours'],
    [DAY + 12 * HOUR, '36 hours'],
    [2 * DAY, '2 days'],
    [13 * DAY + 5 * HOUR, '13 days'],
    [2 * WEEK, '2 weeks'],
    [4 * WEEK + 3 * DAY, '4 weeks'],
    [1 * MONTH, '4 weeks'],
    [MONTH + 2 * WEEK, '6 weeks'],
    [2 * MONTH, '2 months'],
    [3 * MONTH + WEEK, '3 months'],
    [23 * MONTH, '23 months'],
    [24 * MONTH, '24 months'],
    [24 * MONTH + 2 * WEEK, '2 years'],
    [3 * YEAR + 2 * MONTH, '3 years'],
  ])('%d ms -> %s', (ms, s) => expect(humanDuration(ms)).toBe(s));
});

describe('ago and status strings', () => {
  const now = Date.parse('2024-01-01T12:00:00Z');
  it('says how long ago, accepting dates, epoch ms and ISO strings', () => {
    expect(timeAgo(new Date(now - 5 * MIN), now)).toBe('5 minutes ago');
    expect(timeAgo(now - 2 * S, now)).toBe('2 seconds ago');
    expect(timeAgo('2024-01-01T11:00:00Z', now)).toBe('About an hour ago');
    expect(timeAgo(now + 10 * S, now)).toBe('Less than a second ago');
  });
  it('prints Podman ps STATUS values', () => {
    expect(containerStatus({ state: 'running', startedAt: now - 5 * MIN }, now)).toBe('Up 5 minutes');
    expect(containerStatus({ state: 'exited', exitCode: 0, exitedAt: now - 2 * S }, now)).toBe('Exited (0) 2 seconds ago');
    expect(containerStatus({ state: 'stopped', exitCode: 137, exitedAt: now - 3 * HOUR }, now)).toBe('Exited (137) 3 hours ago');
    expect(containerStatus({ state: 'created' }, now)).toBe('Created');
    expect(containerStatus({ state: 'configured' }, now)).toBe('Created');
    expect(containerStatus({ state: 'paused' }, now)).toBe('Paused');
    expect(containerStatus({ state: 'running', startedAt: now, health: 'healthy' }, now)).toBe('Up Less than a second (healthy)');
  });
});
