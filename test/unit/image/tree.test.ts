import { describe, expect, it } from 'vitest';
import { imageTree, type TreeImage } from '../../../src/image/tree.js';

const d = (c: string): string => `sha256:${c.repeat(64)}`;
const base: TreeImage = { id: 'b'.repeat(64), names: ['quay.io/libpod/testimage:20220615'], layers: [d('1'), d('2')], size: 5_865_000 };
const step: TreeImage = { id: 'c'.repeat(64), names: [], layers: [d('1'), d('2'), d('3')], size: 5_866_000 };
const final: TreeImage = { id: 'f'.repeat(64), names: ['localhost/build_test:latest'], layers: [d('1'), d('2'), d('3'), d('2')], size: 5_866_000 };
const sizes: Record<string, number> = { [d('1')]: 5_865_000, [d('2')]: 0, [d('3')]: 1_536 };

describe('imageTree', () => {
  it('lists the layers bottom first, naming the tagged images each one tops (a diff again higher up is another layer)', () => {
    const lines = imageTree(final, [base, step, final], (x) => sizes[x]!, false).split('\n');
    expect(lines.slice(0, 4)).toEqual(['Image ID: ffffffffffff', 'Tags:     [localhost/build_test:latest]', 'Size:     5.866MB', 'Image Layers']);
    expect(lines[4]).toBe('├── ID: 111111111111 Size: 5.865MB');
    expect(lines[5]).toMatch(/^├── ID: [0-9a-f]{12} Size:      0B Top Layer of: \[quay.io\/libpod\/testimage:20220615\]$/);
    expect(lines[6]).toMatch(/^├── ID: [0-9a-f]{12} Size: 1.536kB$/);
    expect(lines[7]).toMatch(/^└── ID: [0-9a-f]{12} Size:      0B Top Layer of: \[localhost\/build_test:latest\]$/);
    expect(lines[8]).toBe('');
  });

  it('--whatrequires shows what is stacked on the image, a level only where a layer has several children', () => {
    const other: TreeImage = { id: 'e'.repeat(64), names: ['localhost/other:1'], layers: [d('1'), d('2'), d('4')], size: 1 };
    const lines = imageTree(base, [base, step, final], (x) => sizes[x] ?? 0, true).trim().split('\n');
    expect(lines.slice(4)).toEqual([
      expect.stringMatching(/^├── ID: \w{12} Size: +0B Top Layer of: \[quay.io\/libpod\/testimage:20220615\]$/),
      expect.stringMatching(/^├── ID: \w{12} Size: 1.536kB$/),
      expect.stringMatching(/^└── ID: \w{12} Size: +0B Top Layer of: \[localhost\/build_test:latest\]$/),
    ]);
    const forked = imageTree(base, [base, step, final, other], (x) => sizes[x] ?? 0, true).trim().split('\n');
    expect(forked.slice(4)).toEqual([
      expect.stringMatching(/^└── ID: \w{12} Size: +0B Top Layer of: \[quay.io/),
      expect.stringMatching(/^    ├── ID: \w{12} Size: 1.536kB$/),
      expect.stringMatching(/^    ├── ID: \w{12} Size: +0B Top Layer of: \[localhost\/build_test:latest\]$/),
      expect.stringMatching(/^    └── ID: \w{12} Size: +0B Top Layer of: \[localhost\/other:1\]$/),
    ]);
  });
});
