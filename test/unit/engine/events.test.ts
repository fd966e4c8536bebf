import { describe, it, expect } from 'vitest';
import { eventFilters, humanEvent, eventTemplateView, goTimeString } from '../../../src/engine/events.js';
import { renderTemplate } from '../../../src/cli/format.js';
import type { EventRecord } from '../../../src/storage/events.js';

const start: EventRecord = {
  ID: 'a'.repeat(64), Image: 'quay.io/libpod/testimage:20220615', Name: 'foo', Status: 'start', Time: '2022-04-06T11:26:42.7236679+02:00', Type: 'container',
  Attributes: { lbl: 'v 1' },
};
const pulled: EventRecord = { Name: 'docker-archive:/tmp/x.tar', Status: 'pull', Time: '2022-04-06T09:26:43Z', Type: 'image', Attributes: null };

describe('events', () => {
  it("prints events as Podman's ToHumanReadable", () => {
    expect(humanEvent(start, false)).toBe(`2022-04-06 11:26:42.7236679 +0200 +0200 container start ${'a'.repeat(64)} (image=quay.io/libpod/testimage:20220615, name=foo, lbl=v 1)`);
    expect(humanEvent(start, true)).toContain(` container start ${'a'.repeat(12)} (`);
    expect(humanEvent(pulled, false)).toBe('2022-04-06 09:26:43 +0000 UTC image pull  docker-archive:/tmp/x.tar');
    expect(goTimeString('2022-04-06T09:26:43.5Z')).toBe('2022-04-06 09:26:43.5 +0000 UTC');
  });
  it('filters: same key any value, different keys all', () => {
    const bar = { ...start, Name: 'bar' };
    const f = eventFilters(['container=foo', 'container=bar', 'event=start']);
    expect([start, bar, { ...start, Status: 'died' }, pulled].map(f)).toEqual([true, true, false, false]);
    expect(eventFilters(['label=lbl=v 1', 'type=container'])(start)).toBe(true);
    expect(eventFilters(['container=aaaa'])(start)).toBe(true);
    expect(eventFilters(['image=docker-archive:/tmp/x.tar'])(pulled)).toBe(true);
    expect(() => eventFilters(['bogus=1'])).toThrow('bogus is an invalid filter');
    expect(() => eventFilters(['nofilter'])).toThrow('nofilter is an invalid filter');
  });
  it('filters by time: after since, before until', () => {
    const t = 1_649_237_202_723_667_900n;
    expect(eventFilters([], t - 1n)(start)).toBe(true);
    expect(eventFilters([], t)(start)).toBe(false);
    expect(eventFilters([], undefined, t)(start)).toBe(false);
  });
  it("gives templates Podman's field names and the attributes as a map", () => {
    expect(renderTemplate('{{.ID}}--{{.Image}} {{.Status}}--{{.Name}} {{.Attributes.lbl}}', eventTemplateView(start))).toBe(`${'a'.repeat(64)}--quay.io/libpod/testimage:20220615 start--foo v 1`);
  });
});
