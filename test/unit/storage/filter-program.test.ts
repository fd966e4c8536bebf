import { describe, it, expect } from 'vitest';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import { filterStream } from '../../../src/storage/filter-program.js';
import { TpodError } from '../../../src/errors.js';

async function through(args: string[], input: string): Promise<string> {
  let out = '';
  await pipeline(
    Readable.from([Buffer.from(input)]),
    filterStream({ program: 'sh', args, failure: 'the layer is not valid test data', missing: 'no sh' }),
    new Writable({ write(c: Buffer, _e, cb) { out += c.toString(); cb(); } }),
  );
  return out;
}

describe('filterStream', () => {
  it('passes the program\'s output on when it succeeds', async () => {
    expect(await through(['-c', 'tr a-z A-Z'], 'hello')).toBe('HELLO');
  });

  it('fails when the program exits non-zero after writing (a truncated input), never ends short', async () => {
    const err = await through(['-c', 'cat; echo "cut short" >&2; exit 1'], 'partial').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TpodError);
    expect((err as Error).message).toBe('the layer is not valid test data: cut short');
  });

  it('says what to install when the program is missing', async () => {
    const err = await pipeline(Readable.from([Buffer.from('x')]), filterStream({ program: 'no-such-program-tpod', args: [], failure: 'f', missing: 'install it' }), new Writable({ write(_c, _e, cb) { cb(); } })).catch((e: unknown) => e);
    expect((err as Error).message).toBe('install it');
  });
});
