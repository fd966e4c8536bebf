import { describe, expect, it } from 'vitest';
import { parseMountsConf } from '../../../src/runtime/default-mounts.js';

describe('parseMountsConf', () => {
  it('reads HOST:CONTAINER lines, skipping comments, relative paths and missing host directories', () => {
    const text = '# secrets\n/host/secrets:/run/secrets\n\n/missing:/run/x\nrelative:/y\n/host/same\n';
    expect(parseMountsConf(text, (p) => p.startsWith('/host'))).toEqual([
      { source: '/host/secrets', destination: '/run/secrets', readOnly: true, options: ['rbind'] },
      { source: '/host/same', destination: '/host/same', readOnly: true, options: ['rbind'] },
    ]);
  });
});
