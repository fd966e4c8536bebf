// Events, as Podman shows them: commands record what they did to containers, pods and
// images (storage/events.ts writes the log); `tpod events` reads
// it back with Podman's filters (same key: any value matches; different keys: all must)
// and prints each event as Podman's ToHumanReadable does, as JSON, or with a template.
import type { Context } from './context.js';
import { eventsConfig, parseGoTimeJson, readEventsFrom, type EventRecord, type EventType } from '../storage/events.js';
import { TpodError, UsageError } from '../errors.js';

export { containerEvent, imageEvent, podEvent, recordEvent, systemEvent } from '../storage/events.js';

// ---- reading -------------------------------------------------------------------------

export type EventFilter = (e: EventRecord) => boolean;

const idOrName = (type: EventType, value: string): EventFilter => (e) => e.Type === type && (e.Name === value || (e.ID ?? '').startsWith(value));

function filterFor(key: string, value: string, raw: string): EventFilter {
  switch (key.toUpperCase()) {
    case 'CONTAINER':
      return idOrName('container', value);
    case 'IMAGE':
      return idOrName('image', value);
    case 'POD':
      return idOrName('pod', value);
    case 'VOLUME':
      return (e) => e.Type === 'volume' && (e.ID ?? '').startsWith(value);
    case 'EVENT':
    case 'STATUS':
      return (e) => e.Status === value;
    case 'TYPE':
      return (e) => e.Type === value;
    case 'LABEL': {
      const eq = value.indexOf('=');
      if (eq < 0) return () => false;
      const k = value.slice(0, eq);
      const v = value.slice(eq + 1);
      return (e) => e.Attributes?.[k] === v;
    }
    default:
      throw new UsageError(`failed to parse event filters: ${raw} is an invalid filter`);
  }
}

/** Filters under the same key are alternatives; every key must match. */
export function eventFilters(specs: string[], since?: bigint, until?: bigint): EventFilter {
  const byKey = new Map<string, EventFilter[]>();
  for (const raw of specs) {
    const eq = raw.indexOf('=');
    if (eq < 0) throw new UsageError(`failed to parse event filters: ${raw} is an invalid filter`);
    const key = raw.slice(0, eq);
    byKey.set(key, [...(byKey.get(key) ?? []), filterFor(key, raw.slice(eq + 1), key)]);
  }
  const groups = [...byKey.values()];
  return (e) => {
    if (since !== undefined || until !== undefined) {
      const t = parseGoTimeJson(e.Time);
      if (t === undefined) return false;
      if (since !== undefined && t <= since) return false;
      if (until !== undefined && t >= until) return false;
    }
    return groups.every((g) => g.some((f) => f(e)));
  };
}

const ZONE_CACHE = new Map<number, string>();

/** Go's time.Time String(): "2006-01-02 15:04:05.999999999 -0700 MST". */
export function goTimeString(json: string): string {
  const m = /^(\d{4}-\d\d-\d\d)T(\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d)$/.exec(json);
  if (!m) return json;
  const zone = m[4] === 'Z' ? '+0000' : m[4]!.replace(':', '');
  const sign = zone[0] === '-' ? -1 : 1;
  const offsetMin = sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(3, 5)));
  let abbr = ZONE_CACHE.get(offsetMin);
  if (abbr === undefined) {
    abbr = offsetMin === 0 ? 'UTC' : zone;
    try {
      const part = new Intl.DateTimeFormat('en-US', { timeZoneName: 'short' }).formatToParts(new Date()).find((p) => p.type === 'timeZoneName')?.value;
      if (part && /^[A-Z]{2,5}$/.test(part) && -new Date().getTimezoneOffset() === offsetMin) abbr = part;
    } catch {
      /* numeric zone */
    }
    ZONE_CACHE.set(offsetMin, abbr);
  }
  return `${m[1]} ${m[2]}${m[3] ?? ''} ${zone} ${abbr}`;
}

/** Podman's ToHumanReadable. */
export function humanEvent(e: EventRecord, truncate: boolean): string {
  const id = truncate ? (e.ID ?? '').slice(0, 12) : (e.ID ?? '');
  const time = goTimeString(e.Time);
  switch (e.Type) {
    case 'container':
    case 'pod': {
      let s = `${time} ${e.Type} ${e.Status} ${id} (image=${e.Image ?? ''}, name=${e.Name ?? ''}`;
      if (e.PodID) s += `, pod_id=${e.PodID}`;
      if (e.health_status) s += `, health_status=${e.health_status}`;
      for (const [k, v] of Object.entries(e.Attributes ?? {})) s += `, ${k}=${v}`;
      return `${s})`;
    }
    case 'network':
      return `${time} ${e.Type} ${e.Status} ${id} (container=${id}, name=${e.Name ?? ''})`;
    case 'image':
      return `${time} ${e.Type} ${e.Status} ${id} ${e.Name ?? ''}`;
    case 'system':
      return e.Name ? `${time} ${e.Type} ${e.Status} ${e.Name}` : `${time} ${e.Type} ${e.Status}`;
    default:
      return `${time} ${e.Type} ${e.Status} ${e.Name ?? ''}`;
  }
}

/** The Go view of an event for templates: Podman's field names, .Time as Go prints it. */
export function eventTemplateView(e: EventRecord): Record<string, unknown> {
  return {
    ContainerExitCode: e.ContainerExitCode ?? 0,
    ID: e.ID ?? '',
    Image: e.Image ?? '',
    Name: e.Name ?? '',
    Network: '',
    Status: e.Status,
    Time: goTimeString(e.Time),
    Type: e.Type,
    HealthStatus: e.health_status ?? '',
    PodID: e.PodID ?? '',
    Attributes: new Map(Object.entries(e.Attributes ?? {})),
  };
}

export interface ReadEventsOptions {
  filters: string[];
  since?: bigint;
  until?: bigint;
  /** Keep reading new events until stopped (or until UNTIL has passed). */
  stream: boolean;
  /** Called for each matching event, in order. */
  onEvent: (e: EventRecord) => void;
  /** Resolves when a streaming read should end (SIGINT, say). */
  stop?: Promise<void>;
  pollMs?: number;
}

/** Reads the log as Podman's `events` does: past events when asked (--since/--until, or not streaming), then new ones. */
export async function readEvents(ctx: Context, o: ReadEventsOptions): Promise<void> {
  const cfg = eventsConfig(ctx);
  if (cfg.backend === 'none') throw new TpodError('EUSAGE', 'cannot read events with the "none" backend');
  if (cfg.backend === 'journald') throw new TpodError('ECONFIG', 'tpod has no journald events backend: use events_logger = "file"');
  const match = eventFilters(o.filters, o.since, o.until);
  const fromStart = !o.stream || o.since !== undefined || o.until !== undefined;
  let offset = 0;
  if (!fromStart) {
    try {
      offset = (await import('node:fs')).statSync(cfg.path).size;
    } catch {
      offset = 0;
    }
  }
  const first = readEventsFrom(cfg.path, offset);
  for (const e of first.events) if (match(e)) o.onEvent(e);
  offset = first.next;
  if (!o.stream) return;
  let stopped = false;
  o.stop?.then(() => (stopped = true));
  while (!stopped) {
    if (o.until !== undefined && BigInt(Date.now()) * 1_000_000n >= o.until) return;
    await Promise.race([new Promise((r) => setTimeout(r, o.pollMs ?? 200)), o.stop]);
    const r = readEventsFrom(cfg.path, offset);
    for (const e of r.events) if (match(e)) o.onEvent(e);
    offset = r.next;
  }
}
