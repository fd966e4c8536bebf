import { describe, it, expect } from 'vitest';
import { parseSubidFile, buildIdMap, idMapArgument } from '../../../src/rootless/subid.js';

const FILE = `# comment
alice:100000:65536
bob:165536:65536
1000:300000:1000
alice:400000:10
broken line
carol:x:10
`;

describe('parseSubidFile', () => {
  it('finds every range of a user, by name and by numeric uid', () => {
    expect(parseSubidFile(FILE, { name: 'alice', id: 1000 })).toEqual([
      { start: 100000, count: 65536 },
      { start: 300000, count: 1000 },
      { start: 400000, count: 10 },
    ]);
  });
  it('ignores other users, comments and malformed lines', () => {
    expect(parseSubidFile(FILE, { name: 'carol', id: 1002 })).toEqual([]);
    expect(parseSubidFile('', { name: 'x', id: 1 })).toEqual([]);
  });
});

describe('buildIdMap', () => {
  it('maps container 0 to the user and 1.. to the ranges in order', () => {
    const map = buildIdMap(1000, [{ start: 100000, count: 65536 }, { start: 400000, count: 10 }]);
    expect(map).toEqual([
      { containerId: 0, hostId: 1000, size: 1 },
      { containerId: 1, hostId: 100000, size: 65536 },
      { containerId: 65537, hostId: 400000, size: 10 },
    ]);
    expect(idMapArgument(map)).toBe('0 1000 1 1 100000 65536 65537 400000 10');
  });
  it('maps only the user when there is no range', () => {
    expect(buildIdMap(1000, [])).toEqual([{ containerId: 0, hostId: 1000, size: 1 }]);
  });
});
