import { describe, expect, it } from 'vitest';
import { containerfileSources, parseGoBool, readContainerfiles } from '../../../src/build/containerfiles.js';

describe('containerfileSources', () => {
  const have = (...paths: string[]) => (p: string): boolean => paths.includes(p);
  it('takes the context\'s Containerfile, else its Dockerfile', () => {
    expect(containerfileSources([], '/ctx', '/cwd', have('/ctx/Containerfile', '/ctx/Dockerfile'))).toEqual([{ kind: 'file', path: '/ctx/Containerfile' }]);
    expect(containerfileSources([], '/ctx', '/cwd', have('/ctx/Dockerfile'))).toEqual([{ kind: 'file', path: '/ctx/Dockerfile' }]);
  });
  it('reads a relative -f from the working directory, else from the context', () => {
    expect(containerfileSources(['a/Cf'], '/ctx', '/cwd', have('/cwd/a/Cf'))).toEqual([{ kind: 'file', path: '/cwd/a/Cf' }]);
    expect(containerfileSources(['Cf1'], '/ctx', '/cwd', have('/ctx/Cf1'))).toEqual([{ kind: 'file', path: '/ctx/Cf1' }]);
    expect(containerfileSources(['Cf2', '-', '/abs/Cf'], '/ctx', '/cwd', have())).toEqual([{ kind: 'file', path: '/ctx/Cf2' }, { kind: 'stdin' }, { kind: 'file', path: '/abs/Cf' }]);
  });
});

describe('readContainerfiles', () => {
  it('joins several files in order, each on lines of its own, named after the first', () => {
    const files: Record<string, string> = { '/a/Containerfile1': 'FROM scratch\ncopy . /tmp', '/b/Cf2': 'FROM img\n' };
    const r = readContainerfiles([{ kind: 'file', path: '/a/Containerfile1' }, { kind: 'file', path: '/b/Cf2' }], () => '', (p) => files[p]!);
    expect(r).toEqual({ text: 'FROM scratch\ncopy . /tmp\nFROM img\n', name: 'Containerfile1' });
  });
  it('says which file is missing', () => {
    expect(() => readContainerfiles([{ kind: 'file', path: '/ctx/Containerfile2' }], () => '', () => {
      throw new Error('ENOENT');
    })).toThrow(/\/ctx\/Containerfile2: no such file or directory/);
  });
});

describe('parseGoBool', () => {
  it('reads what strconv.ParseBool reads', () => {
    expect(['1', 't', 'TRUE', 'True'].map((v) => parseGoBool(v, '--layers'))).toEqual([true, true, true, true]);
    expect(['0', 'f', 'false', 'FALSE'].map((v) => parseGoBool(v, '--layers'))).toEqual([false, false, false, false]);
    expect(() => parseGoBool('yes', '--layers')).toThrow('invalid argument "yes" for "--layers"');
  });
});
