// The engine reaches src/pod/ (above it) only through the context's pod operations:
// every context the CLI makes carries them, and one made without them says so.
import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { createContext, podOps as podOpsOf } from '../../../src/engine/context.js';
import { podOps } from '../../../src/pod/ops.js';
import { leadingGlobals, TpodCommand } from '../../../src/cli/base.js';
import { TpodError } from '../../../src/errors.js';

describe('pod operations in the context', () => {
  let base: string;
  beforeEach(() => {
    base = mkdtempSync(join(tmpdir(), 'tpod-podops-'));
  });
  afterEach(() => {
    for (const k of Object.keys(leadingGlobals)) delete (leadingGlobals as Record<string, unknown>)[k];
    rmSync(base, { recursive: true, force: true });
  });

  it('are given to every CLI command context', () => {
    Object.assign(leadingGlobals, { root: join(base, 'root'), runroot: join(base, 'run') });
    class Probe extends TpodCommand {
      async execute(): Promise<number> {
        return 0;
      }
    }
    const ctx = new Probe().ctx;
    expect(ctx.pods).toBe(podOps);
    expect(podOpsOf(ctx)).toBe(podOps);
  });

  it('are missing from a bare context, which fails with EINTERNAL rather than doing nothing', () => {
    const ctx = createContext({ root: join(base, 'root'), runroot: join(base, 'run') });
    let err: unknown;
    try {
      podOpsOf(ctx);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TpodError);
    expect((err as TpodError).code).toBe('EINTERNAL');
  });
});
