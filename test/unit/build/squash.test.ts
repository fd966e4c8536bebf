import { describe, expect, it } from 'vitest';
import { squashPlan } from '../../../src/build/squash.js';
import type { ImageConfig } from '../../../src/image/types.js';

const image = (ids: string[], history: NonNullable<ImageConfig['history']>): ImageConfig => ({ architecture: 'amd64', os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: ids }, history });

describe('squashPlan', () => {
  const base = image(['sha256:b'], [{ created_by: 'base' }]);
  const top = image(['sha256:b', 'sha256:r1', 'sha256:r2'], [
    { created_by: 'base' },
    { created: 't1', created_by: 'RUN one' },
    { created: 't2', created_by: 'ENV X=1', empty_layer: true },
    { created: 't3', created_by: 'RUN two' },
  ]);

  it('--squash keeps the base layers and history, each step but the last marked empty', () => {
    const p = squashPlan(base, top, 'new');
    expect(p.keep).toEqual(['sha256:b']);
    expect(p.merge).toEqual(['sha256:r1', 'sha256:r2']);
    expect(p.history).toEqual([{ created_by: 'base' }, { created: 't1', created_by: 'RUN one', empty_layer: true }, { created: 't2', created_by: 'ENV X=1', empty_layer: true }]);
    expect(p.last).toEqual({ created: 't3', created_by: 'RUN two' });
  });

  it('--squash-all merges every layer and drops the base history', () => {
    const p = squashPlan(base, top, 'all');
    expect(p.keep).toEqual([]);
    expect(p.merge).toEqual(['sha256:b', 'sha256:r1', 'sha256:r2']);
    expect(p.history.map((h) => h.created_by)).toEqual(['RUN one', 'ENV X=1']);
    expect(p.last.empty_layer).toBeUndefined();
  });

  it('a stage FROM scratch has no base', () => {
    const p = squashPlan(undefined, image(['sha256:c'], [{ created_by: 'COPY' }]), 'new');
    expect(p.keep).toEqual([]);
    expect(p.merge).toEqual(['sha256:c']);
    expect(p.history).toEqual([]);
  });
});
