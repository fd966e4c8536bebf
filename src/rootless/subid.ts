// /etc/subuid and /etc/subgid: `name:start:count` or `uid:start:count`, several lines
// per user allowed. Parsing is pure so tests can feed any file.

export interface IdRange {
  start: number;
  count: number;
}

export function parseSubidFile(text: string, user: { name: string; id: number }): IdRange[] {
  const ranges: IdRange[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const [who, start, count] = line.split(':');
    if (who === undefined || start === undefined || count === undefined) continue;
    if (who !== user.name && who !== String(user.id)) continue;
    const s = Number(start);
    const c = Number(count);
    if (!Number.isInteger(s) || !Number.isInteger(c) || s < 0 || c <= 0) continue;
    ranges.push({ start: s, count: c });
  }
  return ranges;
}

export interface IdMapEntry {
  containerId: number;
  hostId: number;
  size: number;
}

/** Container id 0 is the user; 1.. are the user's ranges, one after the other. */
export function buildIdMap(ownId: number, ranges: IdRange[]): IdMapEntry[] {
  const map: IdMapEntry[] = [{ containerId: 0, hostId: ownId, size: 1 }];
  let next = 1;
  for (const r of ranges) {
    map.push({ containerId: next, hostId: r.start, size: r.count });
    next += r.count;
  }
  return map;
}

/** The argument newuidmap/newgidmap take after the pid: "inner outer count ...". */
export function idMapArgument(map: IdMapEntry[]): string {
  return map.map((m) => `${m.containerId} ${m.hostId} ${m.size}`).join(' ');
}
