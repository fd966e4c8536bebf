import { describe, it, expect } from 'vitest';
import { ansicTime, versionReport } from '../../../src/engine/version.js';

describe('versionReport', () => {
  it("has Podman's Version fields, Built as unix seconds and BuiltTime in Go's ANSIC layout", () => {
    const v = versionReport(1_700_000_000);
    expect(Object.keys(v)).toEqual(['APIVersion', 'Version', 'GoVersion', 'GitCommit', 'BuiltTime', 'Built', 'OsArch', 'Os']);
    expect(v.Built).toBe(1_700_000_000);
    expect(v.BuiltTime).toMatch(/^(Mon|Tue|Wed|Thu|Fri|Sat|Sun) [A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d 2023$/);
    expect(v.GoVersion).toBe(`node ${process.version}`);
    expect(v.OsArch).toBe(`linux/${process.arch === 'x64' ? 'amd64' : process.arch}`);
  });
  it('pads the day with a space, as Go does', () => {
    const t = new Date(2024, 0, 2, 3, 4, 5).getTime() / 1000;
    expect(ansicTime(t)).toBe('Tue Jan  2 03:04:05 2024');
  });
});
