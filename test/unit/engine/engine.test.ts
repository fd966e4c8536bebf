// The library façade (src/engine/engine.ts): options checked and mapped onto the CLI's
// parser, every failure a TpodError with a code, and one engine per root that sees only
// its own root. Containers are run end to end in test/e2e/library.test.ts.
import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { PassThrough } from 'node:stream';
import type { ChildProcess } from 'node:child_process';
import { Engine } from '../../../src/engine/engine.js';
import { runFlags } from '../../../src/engine/run-request.js';
import { attachedOutput } from '../../../src/engine/run-output.js';
import { parseRunOptions } from '../../../src/runtime/options.js';
import { TpodError } from '../../../src/errors.js';

async function rejection(p: Promise<unknown>): Promise<TpodError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(TpodError);
    return err as TpodError;
  }
  throw new Error('expected a rejection');
}

describe('run requests as run flags', () => {
  it('maps the contract onto the CLI flags: env object, remove, detach, name', () => {
    const f = runFlags({ image: 'busybox', command: ['sh', '-c', 'echo $A'], name: 'x', env: { A: '1', B: 'two words' }, remove: true, detach: true });
    expect(f).toMatchObject({ image: 'busybox', command: ['sh', '-c', 'echo $A'], name: 'x', env: ['A=1', 'B=two words'], rm: true, detach: true });
    const o = parseRunOptions(f, { env: {}, cwd: '/', readFile: () => '', stat: () => undefined });
    expect(o.env).toEqual([['A', '1'], ['B', 'two words']]);
    expect(o.rm).toBe(true);
    expect(o.detach).toBe(true);
  });
  it('defaults to the image command, attached, kept', () => {
    expect(runFlags({ image: 'busybox' })).toMatchObject({ command: [], rm: false, detach: false, env: undefined });
  });
  it('passes an entrypoint as a JSON array (an empty one clears the image entrypoint)', () => {
    const host = { env: {}, cwd: '/', readFile: () => '', stat: () => undefined };
    expect(parseRunOptions(runFlags({ image: 'b', entrypoint: [] }), host).entrypoint).toEqual([]);
    expect(parseRunOptions(runFlags({ image: 'b', entrypoint: ['/bin/sh', '-c'] }), host).entrypoint).toEqual(['/bin/sh', '-c']);
  });
  it('refuses a bare NAME in an env array: the host environment is not read', () => {
    expect(() => runFlags({ image: 'b', env: ['HOME'] })).toThrow(/NAME=VALUE/);
  });
  it('refuses a request without an image or with a command that is not strings', () => {
    expect(() => runFlags({ image: '' })).toThrow(TpodError);
    expect(() => runFlags({ image: 'b', command: 'echo hi' as unknown as string[] })).toThrow(/array of strings/);
  });
});

describe('attached output for a library caller', () => {
  it('sends the streams to the sink, closes stdin and still writes the log', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tpod-engine-out-'));
    try {
      const got: string[] = [];
      const opts = parseRunOptions(runFlags({ image: 'b' }), { env: {}, cwd: '/', readFile: () => '', stat: () => undefined });
      const o = attachedOutput({ ...opts, interactive: true }, join(dir, 'ctr.log'), { stdout: (c) => got.push(`out:${c}`), stderr: (c) => got.push(`err:${c}`) });
      expect(o.stdio).toEqual(['ignore', 'pipe', 'pipe']);
      const out = new PassThrough();
      const err = new PassThrough();
      o.wire({ stdout: out, stderr: err } as unknown as ChildProcess);
      out.end('a\n');
      err.end('b\n');
      await o.finish();
      expect(got.sort()).toEqual(['err:b\n', 'out:a\n']);
      const { readFileSync } = await import('node:fs');
      expect(readFileSync(join(dir, 'ctr.log'), 'utf8')).toMatch(/ stdout F a\n/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('Engine', () => {
  let base: string;
  beforeEach(() => {
    base = mkdtempSync(join(tmpdir(), 'tpod-engine-'));
  });
  afterEach(() => {
    rmSync(base, { recursive: true, force: true });
  });
  const roots = (n: string): { root: string; runroot: string } => ({ root: join(base, n, 'root'), runroot: join(base, n, 'run') });

  it('opens on the roots it is given, without creating them', async () => {
    const e = await Engine.open(roots('a'));
    expect(e.paths).toEqual(roots('a'));
    expect(await e.images()).toEqual([]);
  });

  it('rejects relative roots and unknown log levels with EUSAGE', async () => {
    expect((await rejection(Engine.open({ root: 'rel/root' }))).code).toBe('EUSAGE');
    expect((await rejection(Engine.open({ ...roots('a'), logLevel: 'loud' as 'warn' }))).code).toBe('EUSAGE');
  });

  it('keeps two roots apart in one process: an image stored in one is not seen by the other', async () => {
    const id = 'a'.repeat(64);
    const dir = join(roots('one').root, 'images', id);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'image.json'), JSON.stringify({ id, names: ['localhost/x:latest'], digests: [], manifestDigest: '', layers: [], created: '2024-01-01T00:00:00Z', size: 5 }));
    const one = await Engine.open(roots('one'));
    const two = await Engine.open(roots('two'));
    expect(await one.images()).toEqual([{ id, names: ['localhost/x:latest'], digests: [], created: '2024-01-01T00:00:00Z', size: 5 }]);
    expect(await two.images()).toEqual([]);
    // Asking one again after the other: nothing cached across engines.
    expect((await one.images()).map((i) => i.id)).toEqual([id]);
    const missing = await rejection(two.run({ image: 'localhost/x:latest', command: ['true'] }));
    expect(missing.code).toBe('ENOIMAGE');
  });

  it('rejects with ENOCONTAINER for a container it does not have', async () => {
    const e = await Engine.open(roots('a'));
    expect((await rejection(e.logs('nope'))).code).toBe('ENOCONTAINER');
    expect((await rejection(e.stop('nope'))).code).toBe('ENOCONTAINER');
    expect((await rejection(e.remove('nope'))).code).toBe('ENOCONTAINER');
  });

  it('checks stop timeouts and run options before touching anything', async () => {
    const e = await Engine.open(roots('a'));
    expect((await rejection(e.stop('x', { timeout: -1 }))).code).toBe('EUSAGE');
    expect((await rejection(e.run({ image: 'b', name: 'bad name!' }))).code).toBe('EUSAGE');
    expect((await rejection(e.run(undefined as unknown as { image: string }))).code).toBe('EUSAGE');
    expect((await rejection(e.pull(''))).code).toBe('EUSAGE');
  });

  it('reads the host environment it was given, not the process one', async () => {
    const cfg = join(base, 'cfg');
    mkdirSync(join(cfg, 'containers'), { recursive: true });
    writeFileSync(join(cfg, 'containers', 'registries.conf'), 'unqualified-search-registries = []\n');
    const e = await Engine.open({ ...roots('a'), env: { XDG_CONFIG_HOME: cfg, HOME: base } });
    // That registries.conf has nowhere to look a short name up: no registry is asked.
    const err = await rejection(e.pull('busybox'));
    expect(err.code).toBe('ENOIMAGE');
    expect(err.message).toContain(join(cfg, 'containers', 'registries.conf'));
  });
});
