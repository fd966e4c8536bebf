import { describe, it, expect } from 'vitest';
import { committedBody } from '../../../src/engine/commit.js';

describe('committedBody', () => {
  it("puts the container's command, environment, workdir, user and labels over the image's", () => {
    const base = { Cmd: ['/bin/echo', 'hi'], Entrypoint: ['/e'], Env: ['PATH=/bin', 'A=1'], Labels: { x: '1' }, WorkingDir: '/home' };
    expect(committedBody(base, { command: ['sh'], env: [['A', '2'], ['B', '3']], labels: { y: '2' }, workdir: '/w', user: 'nobody' })).toEqual({
      Cmd: ['sh'], Entrypoint: ['/e'], Env: ['PATH=/bin', 'A=2', 'B=3'], Labels: { x: '1', y: '2' }, WorkingDir: '/w', User: 'nobody',
    });
    expect(committedBody(base, { entrypoint: [] }).Entrypoint).toBeNull();
    expect(committedBody(undefined, {})).toEqual({});
  });
});
