import { describe, it, expect } from 'vitest';
import { buildHistory } from '../../../src/image/history.js';
import type { StoredImage } from '../../../src/image/store.js';
import type { ImageConfig } from '../../../src/image/types.js';

const L = (n: number): string => `sha256:${String(n).repeat(64)}`;

function image(id: string, layers: string[]): StoredImage {
  return { id: id.repeat(64).slice(0, 64), names: [], digests: [], manifestDigest: '', layers, created: '2024-01-01T00:00:00Z', size: 0, namesHistory: [], manifestType: '', configSize: 0, manifestSize: 0 };
}

describe('buildHistory', () => {
  // The fixture image "layers": busybox (1 layer) + 2 config steps + 2 more layers.
  const config: ImageConfig = {
    architecture: 'amd64',
    os: 'linux',
    rootfs: { type: 'layers', diff_ids: [L(1), L(2), L(3)] },
    history: [
      { created: '2024-01-01T00:00:01Z', created_by: 'umoci repack' },
      { created: '2024-01-01T00:00:02Z', created_by: 'umoci config', empty_layer: true },
      { created: '2024-01-01T00:00:03Z', created_by: 'umoci config', empty_layer: true },
      { created: '2024-01-01T00:00:04Z', created_by: 'umoci repack', comment: 'c' },
      { created: '2024-01-01T00:00:05Z', created_by: 'umoci raw add-layer' },
    ],
  };
  const layers = image('a', [L(1), L(2), L(3)]);
  const busybox = image('b', [L(1)]);
  const sizes: Record<string, number> = { [L(1)]: 100, [L(2)]: 20, [L(3)]: 3 };

  it('gives sizes per step and names parent images once, as Podman does', () => {
    const h = buildHistory(layers, config, [layers, busybox], (d) => sizes[d] ?? 0);
    expect(h.map((e) => [e.id.slice(0, 1), e.createdBy, e.size])).toEqual([
      ['a', 'umoci raw add-layer', 3],
      ['<', 'umoci repack', 20],
      ['b', 'umoci config', 0],
      ['<', 'umoci config', 0],
      ['<', 'umoci repack', 100],
    ]);
    expect(h[1]!.comment).toBe('c');
    expect(h[0]!.created?.toISOString()).toBe('2024-01-01T00:00:05.000Z');
  });

  it('copes with an image without history', () => {
    expect(buildHistory(busybox, { ...config, history: [] }, [busybox], () => 1)).toEqual([]);
  });
});
