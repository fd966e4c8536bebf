import { describe, it, expect } from 'vitest';
import { kernelAllowsRootlessOverlay, mountSteps, isDriverName } from '../../../src/storage/driver.js';

describe('kernelAllowsRootlessOverlay', () => {
  it('needs Linux 5.11 or newer', () => {
    expect(kernelAllowsRootlessOverlay('5.10.0-21-amd64')).toBe(false);
    expect(kernelAllowsRootlessOverlay('5.11.0')).toBe(true);
    expect(kernelAllowsRootlessOverlay('6.1.0-18-amd64')).toBe(true);
    expect(kernelAllowsRootlessOverlay('4.19.0')).toBe(false);
    expect(kernelAllowsRootlessOverlay('garbage')).toBe(false);
  });
});

describe('mountSteps', () => {
  const spec = { lowerDirs: ['/s/layers/aaa/diff', '/s/layers/bbb/diff'], upper: '/c/upper', work: '/c/work', merged: '/c/merged', layersDir: '/s/layers' };
  it('lists the top layer first and passes lower dirs relative to the layer store', () => {
    expect(mountSteps('overlay', spec)).toEqual([
      { kind: 'chdir', arg: '/s/layers' },
      { kind: 'overlay', arg: 'lowerdir=bbb/diff:aaa/diff,upperdir=/c/upper,workdir=/c/work,userxattr@/c/merged' },
    ]);
  });
  it('uses fuse-overlayfs with the same layers', () => {
    expect(mountSteps('fuse-overlayfs', spec)[1]).toEqual({ kind: 'fuse-overlay', arg: 'lowerdir=bbb/diff:aaa/diff,upperdir=/c/upper,workdir=/c/work@/c/merged' });
  });
  it('keeps absolute paths for lower dirs outside the store', () => {
    const steps = mountSteps('overlay', { ...spec, lowerDirs: ['/elsewhere/x'] });
    expect(steps).toHaveLength(1);
    expect(steps[0]!.arg).toContain('lowerdir=/elsewhere/x,');
  });
  it('lists a layer the image has twice once, at its top-most place (overlay refuses overlapping lower dirs)', () => {
    const twice = { ...spec, lowerDirs: ['/s/layers/aaa/diff', '/s/layers/empty/diff', '/s/layers/bbb/diff', '/s/layers/empty/diff'] };
    expect(mountSteps('overlay', twice)[1]!.arg).toContain('lowerdir=empty/diff:bbb/diff:aaa/diff,');
  });
  it('knows the driver names', () => {
    expect(isDriverName('vfs')).toBe(true);
    expect(isDriverName('btrfs')).toBe(false);
  });
});

describe('vfs mountSteps', async () => {
  const { mkdtempSync, mkdirSync, writeFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  it('copies every layer, bottom first, into an empty rootfs, and nothing once it has content', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vfs-'));
    const merged = join(dir, 'merged');
    mkdirSync(merged);
    const spec = { lowerDirs: ['/s/a/diff', '/s/b/diff'], upper: '', work: '', merged, layersDir: '/s' };
    expect(mountSteps('vfs', spec)).toEqual([
      { kind: 'vfs-apply', arg: `/s/a/diff@${merged}` },
      { kind: 'vfs-apply', arg: `/s/b/diff@${merged}` },
    ]);
    writeFileSync(join(merged, 'x'), '');
    expect(mountSteps('vfs', spec)).toEqual([]);
  });
});
