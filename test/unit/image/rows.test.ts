import { describe, it, expect } from 'vitest';
import { imageRows, repoTags } from '../../../src/image/inspect.js';
import { matchedName } from '../../../src/image/reference.js';
import type { StoredImage } from '../../../src/image/store.js';

const img = (names: string[]) => ({ id: 'e1c00cc8046d', names } as unknown as StoredImage);

describe('image rows', () => {
  it('lists tagged names only: a name by digest (pull by digest) adds no row', () => {
    const names = ['quay.io/libpod/testimage:20220615', 'quay.io/libpod/testimage@sha256:9fd4'];
    expect(repoTags(names)).toEqual(['quay.io/libpod/testimage:20220615']);
    expect(imageRows(img(names), null, 0).map((r) => `${r.repository} ${r.tag}`)).toEqual(['quay.io/libpod/testimage 20220615']);
  });
  it('shows the repository of a digest-only image with a <none> tag, and <none> for an unnamed one', () => {
    expect(imageRows(img(['quay.io/libpod/testimage@sha256:9fd4']), null, 0).map((r) => `${r.repository} ${r.tag}`)).toEqual(['quay.io/libpod/testimage <none>']);
    expect(imageRows(img([]), null, 0).map((r) => `${r.repository} ${r.tag}`)).toEqual(['<none> <none>']);
  });
});

describe('matchedName', () => {
  it('finds the name a container was created with among the image names', () => {
    const names = ['quay.io/libpod/testimage:20220615', 'localhost/abc/def:latest'];
    expect(matchedName(names, 'localhost/abc/def:latest')).toBe('localhost/abc/def:latest');
    expect(matchedName(names, 'abc/def')).toBe('localhost/abc/def:latest');
    expect(matchedName(names, 'quay.io/libpod/testimage:20220615')).toBe('quay.io/libpod/testimage:20220615');
    expect(matchedName(names, 'e1c00cc8046d')).toBeUndefined();
  });
});
