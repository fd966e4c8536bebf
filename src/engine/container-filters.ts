// `--filter` for the container commands (ps, container prune), with Podman 4.3's
// semantics: values of one key are OR'ed (except label, where every value must match),
// different keys are AND'ed. id and name are unanchored Go regular expressions;
// ancestor is an exact image ID or name ("NAME" also matches "NAME:latest").
import { UsageError } from '../errors.js';
import type { ContainerRecord } from '../storage/containers.js';
import type { LiveStatus } from './state.js';

/** A container as the listing commands see it: its record and what it does now. */
export interface ContainerView {
  rec: ContainerRecord;
  status: LiveStatus;
  /** Host pid of the container's init while it runs. */
  pid?: number | undefined;
  exitCode?: number | undefined;
  startedAt?: string | undefined;
  finishedAt?: string | undefined;
  oomKilled?: boolean | undefined;
  /** Set for a container whose record is corrupt: what is wrong with it (the rest is made up). */
  broken?: string;
}

export type ViewPredicate = (v: ContainerView) => boolean;

/** Podman's container states accepted by status=, folded into tpod's. */
const STATUS_ALIASES: Record<string, LiveStatus[]> = {
  created: ['created'],
  configured: ['created'],
  running: ['running'],
  paused: ['paused'],
  stopping: ['stopping'],
  exited: ['exited'],
  stopped: ['exited'],
  unknown: ['unknown'],
  removing: [],
};

/** Go's regexp is RE2: the common syntax is JavaScript's too. A bad one is bad input. */
function regex(value: string, key: string): RegExp {
  try {
    return new RegExp(value);
  } catch (err) {
    throw new UsageError(`invalid ${key} filter "${value}": ${(err as Error).message}`);
  }
}

/** The container's labels: the image's with --label ones over them (recorded at create). */
export function containerLabels(rec: ContainerRecord): Record<string, string> {
  return { ...(rec.options?.labels ?? {}), ...(rec.labels ?? {}) };
}

/** key or key=value, every one present (Podman's MatchLabelFilters). */
export function matchLabels(labels: Record<string, string>, filters: string[]): boolean {
  return filters.every((f) => {
    const eq = f.indexOf('=');
    const key = eq < 0 ? f : f.slice(0, eq);
    if (!(key in labels)) return false;
    return eq < 0 || labels[key] === f.slice(eq + 1);
  });
}

/** Podman 4.3's ancestor match: the image ID, the name, or the name without `:latest`. */
export function matchAncestor(rec: ContainerRecord, value: string): boolean {
  const id = rec.imageId.replace(/^sha256:/, '');
  if (value === id || value === `sha256:${id}`) return true;
  const name = rec.imageName;
  if (value === name) return true;
  const colon = name.lastIndexOf(':');
  return colon > name.lastIndexOf('/') && name.slice(colon + 1) === 'latest' && name.slice(0, colon) === value;
}

/** A point in time from an `until=` value: RFC 3339, unix seconds, or a Go duration ago. */
export function parseTimeFilter(value: string, now = Date.now()): number {
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value) * 1000;
  const dur = /^(\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h))+$/.test(value) ? goDurationMs(value) : undefined;
  if (dur !== undefined) return now - dur;
  const t = Date.parse(value);
  if (Number.isNaN(t)) throw new UsageError(`invalid time "${value}": use a timestamp (RFC 3339 or unix seconds) or a duration such as 10m`);
  return t;
}

function goDurationMs(s: string): number {
  const units: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let total = 0;
  for (const m of s.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) total += Number(m[1]) * units[m[2]!]!;
  return total;
}

export interface FilterLookup {
  /** Finds a container by name or id (before=/since=); throws when there is none. */
  find(nameOrId: string): ContainerRecord;
  /** A pod's id by its name or id (pod=); undefined when there is no such pod. */
  findPod?(nameOrId: string): string | undefined;
}

/** Splits `--filter key=value` arguments into values by key, as Podman parses them. */
export function parseFilterArgs(args: readonly string[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const a of args) {
    const eq = a.indexOf('=');
    if (eq < 0) throw new UsageError(`invalid filter "${a}"`);
    const key = a.slice(0, eq);
    out.set(key, [...(out.get(key) ?? []), a.slice(eq + 1)]);
  }
  return out;
}

/**
 * Builds one predicate from `--filter` arguments. Unknown keys and bad values are usage
 * errors raised here, before any container is looked at.
 */
export function buildContainerFilter(args: readonly string[], lookup: FilterLookup, now = Date.now()): ViewPredicate {
  const preds: ViewPredicate[] = [];
  for (const [key, values] of parseFilterArgs(args)) {
    switch (key) {
      case 'id': {
        const res = values.map((v) => regex(v, key));
        preds.push((v) => res.some((re) => re.test(v.rec.id)));
        break;
      }
      case 'name': {
        const res = values.map((v) => regex(v, key));
        preds.push((v) => res.some((re) => re.test(v.rec.name)));
        break;
      }
      case 'status': {
        const wanted = new Set<LiveStatus>();
        for (const s of values) {
          const m = STATUS_ALIASES[s];
          if (!m) throw new UsageError(`unknown container state: ${s}: invalid argument`);
          for (const x of m) wanted.add(x);
        }
        preds.push((v) => wanted.has(v.status));
        break;
      }
      case 'label':
        preds.push((v) => matchLabels(containerLabels(v.rec), values));
        break;
      case 'ancestor':
        preds.push((v) => values.some((a) => matchAncestor(v.rec, a)));
        break;
      case 'exited': {
        const codes = values.map((s) => {
          if (!/^-?\d+$/.test(s)) throw new UsageError(`exited code out of range "${s}": not an integer`);
          return Number(s);
        });
        preds.push((v) => v.status === 'exited' && codes.includes(v.exitCode ?? 0));
        break;
      }
      case 'before':
      case 'since': {
        const times = values.map((n) => Date.parse(lookup.find(n).created));
        preds.push((v) => {
          const t = Date.parse(v.rec.created);
          return times.some((ref) => (key === 'before' ? t < ref : t > ref));
        });
        break;
      }
      case 'until': {
        const times = values.map((s) => parseTimeFilter(s, now));
        preds.push((v) => times.some((u) => Date.parse(v.rec.created) < u));
        break;
      }
      case 'restart-policy': {
        // Podman's names: "none" is a container created without --restart, "no" one with --restart=no.
        const known = ['none', 'no', 'on-failure', 'always', 'unless-stopped'];
        const bad = values.filter((p) => !known.includes(p));
        if (bad.length > 0) throw new UsageError(`${bad.join(', ')} invalid restart policy`);
        preds.push((v) => values.includes(v.rec.restartPolicy?.name ?? 'none'));
        break;
      }
      case 'network':
        preds.push((v) => values.includes(v.rec.network));
        break;
      case 'volume':
        preds.push((v) => {
          const vols = (v.rec.options?.volumes ?? []) as Array<{ source: string; destination: string }>;
          return values.some((want) => vols.some((m) => m.source === want || m.destination === want || `${m.source}:${m.destination}` === want));
        });
        break;
      case 'pod': {
        // As Podman: pods that do not exist are skipped, not an error.
        const ids = new Set(values.map((n) => lookup.findPod?.(n)).filter((id): id is string => id !== undefined));
        preds.push((v) => v.rec.pod !== undefined && ids.has(v.rec.pod));
        break;
      }
      case 'health':
        // tpod has no health checks yet: nothing matches.
        preds.push(() => false);
        break;
      case 'is-task':
        preds.push(() => values.includes('false'));
        break;
      default:
        throw new UsageError(`${key} is an invalid filter`);
    }
  }
  return (v) => preds.every((p) => p(v));
}
