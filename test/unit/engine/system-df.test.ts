import { describe, it, expect } from 'vitest';
import { mkdtempSync, mkdirSync, writeFileSync, linkSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { summarize, type DfReport } from '../../../src/engine/system-df.js';
import { treeSize } from '../../../src/storage/tree-size.js';
import { isMountPoint, readOnlyMountStep } from '../../../src/engine/export.js';
import type { StoredImage } from '../../../src/image/store.js';
import type { ContainerRecord } from '../../../src/storage/containers.js';

describe('system df', () => {
  it('counts file bytes once per inode, symlinks as their length', () => {
    const d = mkdtempSync(join(tmpdir(), 'tpod-df-'));
    mkdirSync(join(d, 'sub'));
    writeFileSync(join(d, 'sub', 'a'), 'x'.repeat(100));
    linkSync(join(d, 'sub', 'a'), join(d, 'b'));
    symlinkSync('sub/a', join(d, 'c'));
    expect(treeSize(d)).toBe(105);
    expect(treeSize(join(d, 'missing'))).toBe(0);
  });

  it('sums sizes and what removing unused things reclaims', () => {
    const img = (size: number) => ({ image: {} as StoredImage, size, containers: 0 });
    const ctr = (size: number, running: boolean) => ({ record: {} as ContainerRecord, size, status: running ? 'running' : 'exited', running, volumes: 0 });
    const r: DfReport = {
      images: [{ ...img(100), containers: 2 }, img(50)],
      containers: [ctr(10, true), ctr(5, false)],
      volumes: [{ name: 'v', size: 7, links: 0 }],
    };
    expect(summarize(r)).toEqual([
      { Type: 'Images', Total: 2, Active: 1, RawSize: 150, RawReclaimable: 50 },
      { Type: 'Containers', Total: 2, Active: 1, RawSize: 15, RawReclaimable: 5 },
      { Type: 'Local Volumes', Total: 1, Active: 0, RawSize: 7, RawReclaimable: 7 },
    ]);
  });
});

describe('export helpers', () => {
  it('finds mount points in mountinfo (escaped spaces included)', () => {
    const info = '36 35 98:0 / /mnt/a\\040b rw - ext3 /dev/root rw\n37 35 0:5 / /proc rw - proc proc rw\n';
    expect(isMountPoint('/mnt/a b', info)).toBe(true);
    expect(isMountPoint('/proc', info)).toBe(true);
    expect(isMountPoint('/mnt', info)).toBe(false);
  });

  it('mounts lower dirs only (read-only, no work dir) with the container driver', () => {
    expect(readOnlyMountStep('overlay', ['/u', '/l2', '/l1'], '/t')).toEqual({ kind: 'overlay', arg: 'lowerdir=/u:/l2:/l1,userxattr@/t' });
    expect(readOnlyMountStep('fuse-overlayfs', ['/u', '/l1'], '/t')).toEqual({ kind: 'fuse-overlay', arg: 'lowerdir=/u:/l1@/t' });
  });
});
