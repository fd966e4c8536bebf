import { describe, expect, it } from 'vitest';
import { danglingParents, intermediateImages, parentOf, type ImageShape } from '../../../src/image/intermediate.js';

const img = (id: string, names: string[], diffIds: string[], history: NonNullable<NonNullable<ImageShape['config']>['history']>): ImageShape => ({ id, names, config: { rootfs: { type: 'layers', diff_ids: diffIds }, history } });

describe('intermediateImages', () => {
  const base = img('base', ['localhost/busybox:latest'], ['L0'], [{ created_by: 'import' }]);
  const run = img('run', [], ['L0', 'L1'], [{ created_by: 'import' }, { created_by: 'RUN x', created: '2024-01-01T00:00:00Z' }]);
  const env = img('env', [], ['L0', 'L1'], [{ created_by: 'import' }, { created_by: 'RUN x', created: '2024-01-01T00:00:00.000Z' }, { created_by: 'ENV a=b', empty_layer: true }]);
  const final = img('final', ['localhost/app:latest'], ['L0', 'L1', 'L2'], [...env.config!.history!, { created_by: 'COPY f /f' }]);

  it('finds the untagged steps of a build (a layer step and a config step), not the tagged ends', () => {
    expect([...intermediateImages([base, run, env, final])].sort()).toEqual(['env', 'run']);
  });

  it('leaves a dangling image without a child alone', () => {
    expect([...intermediateImages([base, run])]).toEqual([]);
    const other = img('other', [], ['L0', 'L9'], [{ created_by: 'import' }, { created_by: 'RUN y' }]);
    expect([...intermediateImages([base, other, img('c', [], ['L0', 'L1'], [{ created_by: 'import' }, { created_by: 'RUN y' }, { created_by: 'ENV' }])])]).toEqual([]);
  });

  it('needs the whole history to match, not only the layers', () => {
    const sibling = img('sib', [], ['L0', 'L1'], [{ created_by: 'import' }, { created_by: 'RUN other' }, { created_by: 'ENV a=b', empty_layer: true }]);
    expect([...intermediateImages([run, sibling])]).toEqual([]);
  });
});

describe('danglingParents', () => {
  const base = img('base', ['localhost/busybox:latest'], ['L0'], [{ created_by: 'import' }]);
  const run = img('run', [], ['L0', 'L1'], [{ created_by: 'import' }, { created_by: 'RUN x' }]);
  const env = img('env', [], ['L0', 'L1'], [...run.config!.history!, { created_by: 'ENV a=b', empty_layer: true }]);
  const final = img('final', ['localhost/app:latest'], ['L0', 'L1', 'L2'], [...env.config!.history!, { created_by: 'COPY f /f' }]);

  it('finds a step\'s parent by history and layers', () => {
    expect(parentOf(final, [base, run, env])?.id).toBe('env');
    expect(parentOf(env, [base, run])?.id).toBe('run');
    expect(parentOf(run, [base])?.id).toBe('base');
  });

  it('goes up through untagged parents without other children, stopping at a tagged one', () => {
    expect(danglingParents(final, [base, run, env], () => false)).toEqual(['env', 'run']);
  });

  it('keeps a parent with another child, or one a container uses', () => {
    const sibling = img('sib', [], ['L0', 'L1', 'L3'], [...env.config!.history!, { created_by: 'COPY g /g' }]);
    expect(danglingParents(final, [base, run, env, sibling], () => false)).toEqual([]);
    expect(danglingParents(final, [base, run, env], (id) => id === 'run')).toEqual(['env']);
  });
});
