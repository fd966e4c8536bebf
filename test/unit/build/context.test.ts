import { describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ignoreMatcher, planContextCopy } from '../../../src/build/context.js';

function ctx(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'tpod-ctx-'));
  for (const [n, t] of Object.entries(files)) {
    mkdirSync(join(dir, n, '..'), { recursive: true });
    writeFileSync(join(dir, n), t);
  }
  return dir;
}

describe('context copies', () => {
  it('applies ignore rules with negations', () => {
    const ig = ignoreMatcher('*.log\n!keep.log\nbuild/*\n!build/wanted\n');
    expect(['a.log', 'keep.log', 'build/x', 'build/wanted', 'src/a'].filter((p) => !ig(p))).toEqual(['keep.log', 'build/wanted', 'src/a']);
  });
  it('places a directory source\'s contents under the destination, and a file into an existing directory', () => {
    const dir = ctx({ 'd/a': 'a', 'd/e/b': 'b', 'f.txt': 'f', 'x.log': 'x' });
    const ig = ignoreMatcher('*.log');
    const c = planContextCopy(dir, ig, { sources: ['d'], dest: '/app', isDirInImage: () => false });
    expect(c.entries.map((e) => e.path)).toEqual(['app/a', 'app/e', 'app/e/b']);
    const f = planContextCopy(dir, ig, { sources: ['f.txt'], dest: '/etc', isDirInImage: (p) => p === '/etc', chmod: 0o600 });
    expect(f.entries.map((e) => [e.path, e.mode])).toEqual([['etc/f.txt', 0o600]]);
    expect(() => planContextCopy(dir, ig, { sources: ['x.log'], dest: '/', isDirInImage: () => true })).toThrow(/no such file/);
    expect(() => planContextCopy(dir, ig, { sources: ['../../etc/passwd'], dest: '/', isDirInImage: () => true })).toThrow();
  });
  it('changes the digest when a source\'s content or mode changes', () => {
    const dir = ctx({ 'f.txt': 'one' });
    const plan = () => planContextCopy(dir, () => false, { sources: ['f.txt'], dest: '/f', isDirInImage: () => false }).digest;
    const d1 = plan();
    expect(plan()).toBe(d1);
    writeFileSync(join(dir, 'f.txt'), 'two');
    expect(plan()).not.toBe(d1);
  });
  it('looks inside an ignored directory only for a ! pattern written under it (buildah)', () => {
    const dir = ctx({ 'subdir1/sub1': '', 'subdir1/sub2': '', 'subdir1/sub3': '', 'subdir2/sub1': '', 'subdir2/sub3': '', test2: '', test1: '' });
    const ig = ignoreMatcher('# comment\ntest*\n!test2*\nsubdir1\nsubdir2\n!*/sub1*\n!subdir1/sub3*\n');
    const c = planContextCopy(dir, ig, { sources: ['.'], dest: '/n/', isDirInImage: () => false });
    expect(c.entries.filter((e) => e.type === 'file').map((e) => e.path)).toEqual(['n/subdir1/sub1', 'n/subdir1/sub3', 'n/test2']);
    expect(ig.descendInto?.('subdir1')).toBe(true);
    expect(ig.descendInto?.('subdir2')).toBe(false);
  });
});
