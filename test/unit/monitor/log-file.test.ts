import { describe, it, expect } from 'vitest';
import { LogAssembler, linesBackward, logLines, tailStart, type LogEntry } from '../../../src/monitor/log-file.js';

const T = '2024-05-01T12:00:00.000000001+00:00';

/** A random log: short lines, pieces (P) of both streams interleaved, as the monitor writes them. */
function randomLog(seed: number, entries: number): string {
  let x = seed;
  const rnd = (n: number) => ((x = (x * 1103515245 + 12345) & 0x7fffffff), x % n);
  const out: string[] = [];
  const open = new Set<string>();
  for (let i = 0; i < entries; i++) {
    const stream = rnd(3) === 0 ? 'stderr' : 'stdout';
    const partial = rnd(3) === 0;
    if (partial) open.add(stream);
    else open.delete(stream);
    out.push(`${T} ${stream} ${partial ? 'P' : 'F'} l${i}-${'é'.repeat(rnd(4))}`);
  }
  // Every line ended (lines a container never ended are the next test's).
  for (const s of open) out.push(`${T} ${s} F end`);
  return out.join('\n') + (rnd(2) ? '\n' : '');
}

function viaTail(text: string, n: number, chunk = 7): LogEntry[] {
  const buf = Buffer.from(text);
  const read = (pos: number, len: number) => buf.subarray(pos, pos + len);
  const { start, from } = tailStart(read, buf.length, n, () => true);
  const a = new LogAssembler(Infinity);
  const got: LogEntry[] = [];
  const out = (l: LogEntry, _last: LogEntry, at: number) => {
    if (at >= from) got.push(l);
  };
  for (let p = start; p < buf.length; p += chunk) a.push(buf.subarray(p, Math.min(p + chunk, buf.length)), p, out);
  a.end(out);
  return got;
}

describe('log reading in bounded memory', () => {
  it('reads lines backwards with their offsets, whatever the chunk size', () => {
    const text = 'a\nbb\n\nccc';
    const buf = Buffer.from(text);
    const lines = [...linesBackward((p, l) => buf.subarray(p, p + l), buf.length, 2)];
    expect(lines).toEqual([{ offset: 6, text: 'ccc' }, { offset: 5, text: '' }, { offset: 2, text: 'bb' }, { offset: 0, text: 'a' }]);
  });
  it('--tail from the end gives the same lines as reading the whole log, pieces of interleaved streams included', () => {
    for (let seed = 1; seed < 60; seed++) {
      const text = randomLog(seed, 40);
      const all = logLines(text);
      for (const n of [1, 2, 3, 7, 39, 100]) {
        expect(viaTail(text, n).map((e) => `${e.stream}:${e.text}`), `seed ${seed} tail ${n}`).toEqual(all.slice(-n).map((e) => `${e.stream}:${e.text}`));
      }
    }
  });
  it('--tail counts a line the container never ended (still being written)', () => {
    const text = `${T} stdout F one\n${T} stderr F two\n${T} stdout P thr\n${T} stdout P ee`;
    expect(viaTail(text, 1).map((e) => e.text)).toEqual(['three']);
    expect(viaTail(text, 2).map((e) => e.text)).toEqual(['two', 'three']);
  });
  it('assembles the same lines from any chunking', () => {
    const text = randomLog(7, 200);
    for (const chunk of [1, 3, 64, 100000]) {
      const got: string[] = [];
      const a = new LogAssembler(Infinity);
      const buf = Buffer.from(text);
      for (let p = 0; p < buf.length; p += chunk) a.push(buf.subarray(p, p + chunk), p, (l) => got.push(l.text));
      a.end((l) => got.push(l.text));
      expect(got).toEqual(logLines(text).map((e) => e.text));
    }
  });
  it('sends a line longer than the limit out in pieces instead of holding it', () => {
    const a = new LogAssembler(10);
    const got: LogEntry[] = [];
    a.push(Buffer.from(`${T} stdout P 123456\n${T} stdout P 7890ab\n${T} stdout F c\n`), 0, (l) => got.push(l));
    expect(got.map((e) => [e.text, e.partial])).toEqual([['1234567890ab', true], ['c', false]]);
  });
});
