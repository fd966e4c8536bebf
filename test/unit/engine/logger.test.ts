import { describe, it, expect } from 'vitest';
import { Logger, isLogLevel } from '../../../src/engine/context.js';

describe('Logger', () => {
  it("writes logrus' text format off a terminal, quoting the message when it needs it", () => {
    const lines: string[] = [];
    const log = new Logger('debug', (l) => lines.push(l), false);
    log.warn('pulling from mirror failed: "x"');
    log.debug('plain');
    log.trace('not shown');
    expect(lines[0]).toMatch(/^time="\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)" level=warning msg="pulling from mirror failed: \\"x\\""$/);
    expect(lines[1]).toMatch(/ level=debug msg=plain$/);
    expect(lines).toHaveLength(2);
  });
  it('writes WARN[0000] on a terminal', () => {
    const lines: string[] = [];
    new Logger('warn', (l) => lines.push(l), true).warn('careful');
    expect(lines).toEqual(['WARN[0000] careful']);
  });
  it('prints reported warnings bare at any level', () => {
    const lines: string[] = [];
    new Logger('error', (l) => lines.push(l), false).report('Port mappings have been discarded');
    expect(lines).toEqual(['Port mappings have been discarded']);
  });
  it("knows Podman's level names", () => {
    for (const l of ['trace', 'debug', 'info', 'warn', 'warning', 'error', 'fatal', 'panic']) expect(isLogLevel(l)).toBe(true);
    expect(isLogLevel('telepathic')).toBe(false);
  });
});
