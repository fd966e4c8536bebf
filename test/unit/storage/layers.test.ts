import { describe, it, expect } from 'vitest';
import { rootfsMode } from '../../../src/storage/layers.js';
import type { LayerRecord } from '../../../src/image/types.js';

const rec = (rootMode: number | null | undefined): LayerRecord => ({
  diffId: 'sha256:x', compressedDigests: [], size: 0, complete: true, ...(rootMode !== undefined ? { rootMode } : {}),
});

describe('rootfsMode', () => {
  it('takes the topmost layer that lists "/", else 0555 as containers/storage does', () => {
    expect(rootfsMode([rec(null), rec(null)])).toBe(0o555);
    expect(rootfsMode([rec(null), rec(0o700), rec(0o755)])).toBe(0o700);
    expect(rootfsMode([rec(0o1777)])).toBe(0o1777);
    expect(rootfsMode([])).toBe(0o555);
  });
  it('keeps 0755 for a layer recorded before the mode was kept, or one that is missing', () => {
    expect(rootfsMode([rec(null), rec(undefined)])).toBe(0o755);
    expect(rootfsMode([undefined, rec(0o555)])).toBe(0o755);
  });
});
