import { describe, it, expect } from 'vitest';
import { parsePullPolicy, withPullPolicy, type PullFlags } from '../../../src/image/pull-policy.js';
import { TpodError, NoSuchImageError } from '../../../src/errors.js';
import type { Context } from '../../../src/engine/context.js';

const warnings: string[] = [];
const ctx = { log: { warn: (m: string) => warnings.push(m), debug: () => undefined } } as unknown as Context;

function fakeStore(have: Set<string>) {
  return {
    findImage: async (_c: Context, n: string) => {
      if (!have.has(n)) throw new NoSuchImageError(n);
      return { id: n };
    },
    other: 42,
  };
}

function run(policy: PullFlags['policy'], have: string[], pullResult: string | Error) {
  const pulled: string[] = [];
  const store = fakeStore(new Set(have));
  const wrapped = withPullPolicy(store, { policy }, async (_c, ref) => {
    pulled.push(ref);
    if (pullResult instanceof Error) throw pullResult;
    store.findImage = async (_c2, n) => ({ id: n === pullResult || have.includes(n) ? n : (() => { throw new NoSuchImageError(n); })() });
    return pullResult;
  });
  return { wrapped, pulled };
}

describe('--pull policies', () => {
  it('parses Podman\'s spellings and refuses others', () => {
    expect(parsePullPolicy(undefined)).toBe('missing');
    expect(parsePullPolicy('Always')).toBe('always');
    expect(parsePullPolicy('ifnotpresent')).toBe('missing');
    expect(parsePullPolicy('never')).toBe('never');
    expect(parsePullPolicy('newer')).toBe('newer');
    expect(() => parsePullPolicy('sometimes')).toThrow(/invalid pull policy "sometimes"/);
  });

  it('missing: uses the local image, pulls only when there is none', async () => {
    const a = run('missing', ['busybox'], 'id1');
    expect(await a.wrapped.findImage(ctx, 'busybox')).toEqual({ id: 'busybox' });
    expect(a.pulled).toEqual([]);
    const b = run('missing', [], 'id1');
    expect(await b.wrapped.findImage(ctx, 'busybox')).toEqual({ id: 'id1' });
    expect(b.pulled).toEqual(['busybox']);
    expect(b.wrapped.other).toBe(42);
  });

  it('never: never pulls', async () => {
    const a = run('never', [], 'id1');
    await expect(a.wrapped.findImage(ctx, 'busybox')).rejects.toThrow(/image not known/);
    expect(a.pulled).toEqual([]);
  });

  it('always: pulls even when the image is present, and a failed pull fails', async () => {
    const a = run('always', ['busybox'], 'id2');
    expect(await a.wrapped.findImage(ctx, 'busybox')).toEqual({ id: 'id2' });
    expect(a.pulled).toEqual(['busybox']);
    const b = run('always', ['busybox'], new TpodError('EREGISTRY', 'unreachable'));
    await expect(b.wrapped.findImage(ctx, 'busybox')).rejects.toThrow('unreachable');
  });

  it('newer: falls back to the local image with a warning when the registry cannot be asked', async () => {
    const a = run('newer', ['busybox'], new TpodError('EREGISTRY', 'connection refused'));
    expect(await a.wrapped.findImage(ctx, 'busybox')).toEqual({ id: 'busybox' });
    expect(warnings.some((w) => /connection refused/.test(w))).toBe(true);
    const b = run('newer', [], new TpodError('EREGISTRY', 'connection refused'));
    await expect(b.wrapped.findImage(ctx, 'busybox')).rejects.toThrow('connection refused');
  });
});
