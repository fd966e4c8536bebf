import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { appendEvent, goTimeJson, parseGoTimeJson, readEventsFrom, type EventRecord, type EventsConfig } from '../../../src/storage/events.js';

describe('event log', () => {
  let dir: string;
  let cfg: EventsConfig;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tpod-events-'));
    cfg = { backend: 'file', path: join(dir, 'events', 'events.log'), maxSize: 0 };
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const ev = (i: number): EventRecord => ({ Name: 'busybox', Status: 'pull', Time: `2022-04-06T11:26:42.7236679${String(i).padStart(2, '0')}+02:00`, Type: 'image', Attributes: null });

  it("writes Go's time JSON and reads it back to the nanosecond", () => {
    const ns = 1_649_237_202_723_667_912n;
    expect(goTimeJson(ns, 120)).toBe('2022-04-06T11:26:42.723667912+02:00');
    expect(goTimeJson(1_649_237_202_000_000_000n, 0)).toBe('2022-04-06T09:26:42Z');
    expect(parseGoTimeJson('2022-04-06T11:26:42.723667912+02:00')).toBe(ns);
    expect(parseGoTimeJson('2022-04-06T11:26:42.7236679+02:00')).toBe(1_649_237_202_723_667_900n);
  });

  it('appends one JSON line per event and reads from an offset', async () => {
    await appendEvent(cfg, ev(1));
    await appendEvent(cfg, ev(2));
    const all = readEventsFrom(cfg.path, 0);
    expect(all.events.map((e) => e.Time)).toEqual([ev(1).Time, ev(2).Time]);
    await appendEvent(cfg, ev(3));
    expect(readEventsFrom(cfg.path, all.next).events).toEqual([ev(3)]);
    expect(readEventsFrom(join(dir, 'none.log'), 0)).toEqual({ events: [], next: 0 });
  });

  it("keeps the newer half and says so when the limit would be passed, as Podman's rotation", async () => {
    const lines = Array.from({ length: 100 }, (_x, i) => JSON.stringify(ev(i)));
    writeFileSync(join(dir, 'seed'), '');
    await appendEvent(cfg, ev(0)); // creates the directory
    writeFileSync(cfg.path, lines.map((l) => `${l}\n`).join(''));
    const size = readFileSync(cfg.path).length;
    await appendEvent({ ...cfg, maxSize: size / 2 }, { ...ev(0), Status: 'remove' });
    const after = readFileSync(cfg.path, 'utf8').trimEnd().split('\n');
    // Lines from past the middle (the line that starts there dropped too), rotation, the event.
    expect(after.slice(0, -2)).toEqual(lines.slice(51));
    expect(JSON.parse(after[after.length - 2]!)).toMatchObject({ Status: 'log-rotation', Type: 'system', Name: cfg.path });
    expect(JSON.parse(after[after.length - 1]!)).toMatchObject({ Status: 'remove' });
  });

  it('writes nothing with the none backend', async () => {
    await appendEvent({ ...cfg, backend: 'none' }, ev(1));
    expect(readEventsFrom(cfg.path, 0).events).toEqual([]);
  });
});
