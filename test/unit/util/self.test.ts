// How tpod starts itself again (src/util/self.ts): from the package's own files, never
// from process.argv[1], which in a library user's program is that program's script.
import { describe, it, expect } from 'vitest';
import { entryCandidates, entryScript, selfCommand } from '../../../src/util/self.js';

describe('the package entry', () => {
  it('is looked for beside the module, above it (dist/chunks/) and in a checkout build, then in TPOD_LIBDIR', () => {
    expect(entryCandidates('file:///app/node_modules/tpod/dist/chunks/chunk-X.js', undefined)).toEqual([
      '/app/node_modules/tpod/dist/chunks/tpod.js',
      '/app/node_modules/tpod/dist/tpod.js',
      '/app/node_modules/tpod/dist/tpod.js',
    ]);
    expect(entryCandidates('file:///src/tpod/src/util/self.ts', '/usr/local/lib/tpod')).toEqual([
      '/src/tpod/src/util/tpod.js',
      '/src/tpod/src/tpod.js',
      '/src/tpod/dist/tpod.js',
      '/usr/local/lib/tpod/tpod.js',
    ]);
    // A snapshot has no module URL: only the launcher's directory is left.
    expect(entryCandidates(undefined, '/usr/local/lib/tpod')).toEqual(['/usr/local/lib/tpod/tpod.js']);
  });

  it('is never the running script', () => {
    const saved = process.argv[1];
    process.argv[1] = '/home/someone/their-app/index.js';
    try {
      const found = entryScript((p) => p.endsWith('/dist/tpod.js'));
      expect(found).toMatch(/\/dist\/tpod\.js$/);
      expect(found).not.toContain('their-app');
    } finally {
      process.argv[1] = saved!;
    }
  });

  it('fails with a typed error when the package was not built', () => {
    expect(() => entryScript(() => false)).toThrow(/cannot find tpod\.js/);
  });

  it("starts with this node and the entry only, without the host program's node flags", () => {
    const cmd = selfCommand();
    expect(cmd[0]).toBe(process.execPath);
    expect(cmd).toHaveLength(2);
    expect(cmd[1]).toMatch(/tpod\.js$/);
  });
});
