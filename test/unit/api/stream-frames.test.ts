import { describe, expect, it } from 'vitest';
import { PassThrough } from 'node:stream';
import { encodeFrame, frameHeader, FrameReader, MULTIPLEXED, RAW, STDERR, STDOUT, StreamOut, streamContentType } from '../../../src/api/stream-frames.js';
import { logsOptionsFromQuery, unixTimeNs } from '../../../src/api/routes/logs.js';
import { execConfigFromBody } from '../../../src/api/routes/exec.js';

describe('Docker stream frames', () => {
  it('puts the stream type, three zero bytes and a big-endian length before the payload', () => {
    const f = encodeFrame(STDERR, 'hi\n');
    expect([...f.subarray(0, 8)]).toEqual([2, 0, 0, 0, 0, 0, 0, 3]);
    expect(f.subarray(8).toString()).toBe('hi\n');
    expect([...frameHeader(STDOUT, 0x01020304)]).toEqual([1, 0, 0, 0, 1, 2, 3, 4]);
  });

  it('round-trips through a reader however the bytes are split', () => {
    const bytes = Buffer.concat([encodeFrame(STDOUT, 'out'), encodeFrame(STDERR, Buffer.alloc(70_000, 0x61)), encodeFrame(STDOUT, '')]);
    const r = new FrameReader();
    const got: Array<{ type: number; len: number }> = [];
    for (let i = 0; i < bytes.length; i += 7) for (const f of r.push(bytes.subarray(i, i + 7))) got.push({ type: f.type, len: f.payload.length });
    expect(got).toEqual([
      { type: 1, len: 3 },
      { type: 2, len: 70_000 },
      { type: 1, len: 0 },
    ]);
    expect(r.pending).toBe(0);
  });

  it('writes frames without a terminal and raw bytes with one, and nothing once the reader left', async () => {
    const a = new PassThrough();
    const framed = new StreamOut(a, true);
    framed.write(STDOUT, 'x');
    expect([...(a.read() as Buffer)]).toEqual([1, 0, 0, 0, 0, 0, 0, 1, 0x78]);
    const b = new PassThrough();
    const raw = new StreamOut(b, false);
    raw.write(STDERR, 'y');
    expect((b.read() as Buffer).toString()).toBe('y');
    b.destroy();
    await new Promise((r) => setImmediate(r));
    expect(raw.closed).toBe(true);
    expect(raw.write(STDOUT, 'z')).toBe(true);
    await raw.drained();
  });

  it('is multiplexed by content type only from API 1.42 on, as Docker answers', () => {
    expect(streamContentType(true, '1.44')).toBe(RAW);
    expect(streamContentType(false, '1.41')).toBe(RAW);
    expect(streamContentType(false, '1.42')).toBe(MULTIPLEXED);
  });
});

describe('logs query', () => {
  const q = (s: string) => {
    const p = new URLSearchParams(s);
    return logsOptionsFromQuery(p, (n) => /^(1|true)$/.test(p.get(n) ?? ''));
  };

  it('maps tail, since, until, follow and timestamps', () => {
    expect(q('stdout=1&tail=2&timestamps=1&follow=true&since=1700000000.5')).toEqual({
      stdout: true,
      stderr: false,
      follow: true,
      timestamps: true,
      tail: 2,
      since: 1_700_000_000_500_000_000n,
    });
    expect(q('stderr=1&tail=all&since=0').tail).toBeUndefined();
    expect(q('stderr=1&since=0').since).toBeUndefined();
  });

  it('wants a stream and well-formed numbers', () => {
    expect(() => q('tail=1')).toThrow(/at least one stream/);
    expect(() => q('stdout=1&tail=x')).toThrow(/tail/);
    expect(() => unixTimeNs('yesterday', 'since')).toThrow(/since/);
  });
});

describe('exec create body', () => {
  it('takes Docker fields, environment as NAME=VALUE', () => {
    expect(execConfigFromBody({ Cmd: ['sh', '-c', 'x'], Env: ['A=b=c', 'NOVALUE'], AttachStdout: true, Tty: true, User: 'nobody', WorkingDir: '/tmp' })).toEqual({
      cmd: ['sh', '-c', 'x'],
      env: [['A', 'b=c']],
      user: 'nobody',
      workdir: '/tmp',
      privileged: false,
      tty: true,
      attachStdin: false,
      attachStdout: true,
      attachStderr: false,
      detachKeys: '',
    });
  });

  it('refuses an empty command and a relative working directory', () => {
    expect(() => execConfigFromBody({ Cmd: [] })).toThrow(/No exec command/);
    expect(() => execConfigFromBody({ Cmd: ['true'], WorkingDir: 'tmp' })).toThrow(/absolute/);
  });
});
