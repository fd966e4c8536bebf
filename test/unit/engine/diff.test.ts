import { describe, it, expect } from 'vitest';
import { classify } from '../../../src/engine/diff.js';

describe('classify (diff of an upper directory)', () => {
  const lower = new Set(['/etc', '/etc/services', '/etc/passwd', '/run']);
  const exists = (p: string): boolean => lower.has(p);
  it('sorts entries into added, changed and deleted', () => {
    expect(classify(['etc/', 'etc/.wh.services', 'new', 'etc/.wh..wh..opq'], [], exists)).toEqual({ changed: ['/etc'], added: ['/new'], deleted: ['/etc/services'] });
  });
  it("leaves out the mount points the engine makes in every container, as Podman's diff does", () => {
    const names = ['run/', 'run/.containerenv', 'run/podman-init', 'etc/', 'etc/hosts', 'etc/resolv.conf', 'etc/hostname', 'dev/', 'proc/', 'sys/', 'x'];
    expect(classify(names, [], exists)).toEqual({ changed: ['/etc'], added: ['/x'], deleted: [] });
    // A path below one of them is the container's own.
    expect(classify(['run/', 'run/app.pid'], [], exists).added).toEqual(['/run/app.pid']);
  });
});
