import { describe, expect, it } from 'vitest';
import { parseContainerfile } from '../../../src/build/parse.js';
import { planStages, stagesToBuild } from '../../../src/build/plan.js';

const text = 'ARG BASE=busybox\nFROM $BASE AS one\nRUN a\nFROM ${BASE} AS two\nRUN b\nFROM scratch\nCOPY --from=one /x /x\n';

describe('planStages', () => {
  it('expands FROM with the global ARGs, build args first', () => {
    const p = planStages(parseContainerfile(text).instructions, new Map([['BASE', 'alpine']]));
    expect(p.stages.map((s) => [s.base, s.name])).toEqual([['alpine', 'one'], ['alpine', 'two'], ['scratch', undefined]]);
    expect(p.globalArgs).toHaveLength(1);
  });
  it('builds only the stages the target needs', () => {
    const p = planStages(parseContainerfile(text).instructions, new Map());
    expect(stagesToBuild(p).map((s) => s.index)).toEqual([0, 2]);
    expect(stagesToBuild(p, 'two').map((s) => s.index)).toEqual([1]);
    expect(() => stagesToBuild(p, 'nope')).toThrow(/target "nope"/);
  });
  it('builds a stage a RUN --mount takes files from', () => {
    const p = planStages(parseContainerfile('FROM busybox AS one\nRUN a\nFROM busybox AS two\nFROM busybox\nRUN --mount=type=bind,from=one,target=/x --mount=type=cache,target=/c,from=1 true\n').instructions, new Map());
    expect(stagesToBuild(p).map((s) => s.index)).toEqual([0, 1, 2]);
  });
});
