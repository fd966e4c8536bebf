import { describe, expect, it } from 'vitest';
import { classify } from '../../../src/engine/diff.js';

describe('classify', () => {
  const lower = new Set(['/etc', '/etc/group', '/etc/services', '/run']);
  const exists = (p: string): boolean => lower.has(p);

  it('sorts whiteouts into deleted, known paths into changed and the rest into added', () => {
    expect(classify(['etc/', 'etc/.wh.group', 'data/', 'data/y', 'data/.wh..wh..opq'], [], exists)).toEqual({
      changed: ['/etc'], added: ['/data', '/data/y'], deleted: ['/etc/group'],
    });
  });

  it('leaves out what the runtime makes as mount points (Podman\'s init inodes) and the container\'s own mounts', () => {
    const r = classify(['run/', 'run/.containerenv', 'etc/', 'etc/hostname', 'vol/', 'vol/x'], [], exists, new Set(['/vol/x']));
    expect(r).toEqual({ changed: ['/etc'], added: ['/vol'], deleted: [] });
  });

  it('leaves out every init inode, --init\'s binary included, but not what a container writes below one', () => {
    const names = ['run/', 'run/.containerenv', 'run/podman-init', 'etc/', 'etc/hosts', 'etc/resolv.conf', 'etc/hostname', 'dev/', 'proc/', 'sys/', 'x'];
    expect(classify(names, [], exists)).toEqual({ changed: ['/etc'], added: ['/x'], deleted: [] });
    expect(classify(['run/', 'run/app.pid'], [], exists).added).toEqual(['/run/app.pid']);
  });
});
