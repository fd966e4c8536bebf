// `tpod pod ps`: every pod with its status (src/pod/state.ts), filters, sorting and the
// report Podman prints (ListPodsReport as JSON, ListPodReporter's fields for templates).
// Nothing is written or spawned: the members' states come from the cheap host reads
// `ps` uses.
import type { Context } from '../engine/context.js';
import { UsageError } from '../errors.js';
import { matchLabels, parseTimeFilter } from '../engine/container-filters.js';
import type { HostProc } from '../engine/state.js';
import { humanDuration } from '../util/units.js';
import { latestPod, podView, podViews, POD_STATUS_FILTER_VALUES, type PodView } from './state.js';

export const POD_PS_SORT_KEYS = ['created', 'id', 'name', 'number', 'status'] as const;

/** The container states `--filter ctr-status=` accepts (libpod's list). */
const CTR_STATUS_VALUES = ['created', 'running', 'paused', 'stopped', 'exited', 'unknown'];

export interface PodPsOptions {
  filters: readonly string[];
  latest: boolean;
  sort: string;
  now?: number;
  proc?: HostProc;
}

/** Podman's ListPodContainer. */
export interface PodContainerJson {
  Id: string;
  Names: string;
  Status: string;
  RestartCount: number;
}

/** Podman's ListPodsReport (`pod ps --format json`), keys in its order. */
export interface PodPsJson {
  Cgroup: string;
  Containers: PodContainerJson[];
  Created: string;
  Id: string;
  InfraId: string;
  Name: string;
  Namespace: string;
  Networks: string[];
  Status: string;
  Labels: Record<string, string>;
}

export function podPsJson(v: PodView): PodPsJson {
  return {
    Cgroup: '',
    Containers: v.members.map((m) => ({ Id: m.rec.id, Names: m.rec.name, Status: m.status, RestartCount: m.rec.restartCount ?? 0 })),
    Created: v.pod.created,
    Id: v.pod.id,
    InfraId: v.pod.infraId ?? '',
    Name: v.pod.name,
    Namespace: '',
    // Podman lists the infra's named networks; pasta, slirp4netns, host and none have none.
    Networks: podNetworks(v),
    Status: v.status,
    Labels: { ...v.pod.labels },
  };
}

/** What templates see: Podman's ListPodReporter (IDs cut to 12 unless --no-trunc). */
export class PodPsRow {
  constructor(
    readonly json: PodPsJson,
    private readonly noTrunc: boolean,
    private readonly now: number,
  ) {}

  private cut(id: string): string {
    return this.noTrunc ? id : id.slice(0, 12);
  }
  get ID(): string {
    return this.cut(this.json.Id);
  }
  get Id(): string {
    return this.ID;
  }
  get Name(): string {
    return this.json.Name;
  }
  get Status(): string {
    return this.json.Status;
  }
  /** "5 minutes ago". */
  get Created(): string {
    return `${humanDuration(Math.max(0, this.now - Date.parse(this.json.Created)))} ago`;
  }
  get InfraID(): string {
    return this.json.InfraId === '' ? '' : this.cut(this.json.InfraId);
  }
  get InfraId(): string {
    return this.InfraID;
  }
  get NumberOfContainers(): number {
    return this.json.Containers.length;
  }
  get Containers(): PodContainerJson[] {
    return this.json.Containers;
  }
  get ContainerIds(): string {
    return this.json.Containers.map((c) => this.cut(c.Id)).join(',');
  }
  get ContainerNames(): string {
    return this.json.Containers.map((c) => c.Names).join(',');
  }
  get ContainerStatuses(): string {
    return this.json.Containers.map((c) => c.Status).join(',');
  }
  get Restarts(): string {
    return String(this.json.Containers.reduce((n, c) => n + c.RestartCount, 0));
  }
  get Labels(): Map<string, string> {
    return new Map(Object.entries(this.json.Labels));
  }
  Label(name: string): string {
    return this.json.Labels[name] ?? '';
  }
  get Networks(): string {
    return this.json.Networks.join(',');
  }
  get Cgroup(): string {
    return this.json.Cgroup;
  }
  get Namespace(): string {
    return this.json.Namespace;
  }
}

type PodPredicate = (v: PodView) => boolean;

/** Podman's FilterID: a hex value is an ID prefix, anything else an unanchored regex. */
function idMatcher(values: string[], key: string): (id: string) => boolean {
  const tests = values.map((v) => (/^[0-9a-fA-F]+$/.test(v) ? (id: string) => id.startsWith(v.toLowerCase()) : regexTest(v, key)));
  return (id) => tests.some((t) => t(id));
}

function regexTest(value: string, key: string): (s: string) => boolean {
  let re: RegExp;
  try {
    re = new RegExp(value);
  } catch (err) {
    throw new UsageError(`invalid ${key} filter "${value}": ${(err as Error).message}`);
  }
  return (s) => re.test(s);
}

/** `--filter key=value` split by key, with Podman's message for a missing `=`. */
export function parsePodFilterArgs(args: readonly string[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const a of args) {
    const eq = a.indexOf('=');
    if (eq < 0) throw new UsageError(`filter input must be in the form of filter=value: ${a} is invalid`);
    const key = a.slice(0, eq);
    out.set(key, [...(out.get(key) ?? []), a.slice(eq + 1)]);
  }
  return out;
}

/**
 * One predicate from `pod ps --filter` arguments, with libpod's semantics: values of a
 * key are OR'ed (label: all of them must match), keys are AND'ed. Bad keys and values
 * are usage errors, raised before any pod is looked at.
 */
export function buildPodFilter(args: readonly string[], now = Date.now()): PodPredicate {
  const preds: PodPredicate[] = [];
  for (const [key, values] of parsePodFilterArgs(args)) {
    switch (key) {
      case 'id': {
        const m = idMatcher(values, key);
        preds.push((v) => m(v.pod.id));
        break;
      }
      case 'name': {
        const tests = values.map((x) => regexTest(x, key));
        preds.push((v) => tests.some((t) => t(v.pod.name)));
        break;
      }
      case 'label':
        preds.push((v) => matchLabels(v.pod.labels, values));
        break;
      case 'label!':
        preds.push((v) => !matchLabels(v.pod.labels, values));
        break;
      case 'status':
        for (const s of values) {
          if (!(POD_STATUS_FILTER_VALUES as readonly string[]).includes(s)) throw new UsageError(`${s} is not a valid pod status`);
        }
        preds.push((v) => values.includes(v.status.toLowerCase()));
        break;
      case 'ctr-names': {
        const tests = values.map((x) => regexTest(x, key));
        preds.push((v) => v.members.some((m) => tests.some((t) => t(m.rec.name))));
        break;
      }
      case 'ctr-ids': {
        const m = idMatcher(values, key);
        preds.push((v) => v.members.some((c) => m(c.rec.id)));
        break;
      }
      case 'ctr-number':
        // libpod: a value that is not a number matches nothing (no error).
        preds.push((v) => values.some((x) => /^[+-]?\d+$/.test(x) && Number(x) === v.members.length));
        break;
      case 'ctr-status': {
        for (const s of values) {
          if (!CTR_STATUS_VALUES.includes(s)) throw new UsageError(`${s} is not a valid status`);
        }
        const wanted = values.map((s) => (s === 'stopped' ? 'exited' : s));
        preds.push((v) => v.members.some((m) => wanted.includes(m.status)));
        break;
      }
      case 'until': {
        const times = values.map((s) => parseTimeFilter(s, now));
        preds.push((v) => times.some((u) => Date.parse(v.pod.created) < u));
        break;
      }
      case 'network':
        // Only named networks count (pasta, slirp4netns, host and none are none).
        preds.push((v) => podNetworks(v).some((n) => values.includes(n)));
        break;
      default:
        throw new UsageError(`${key} is an invalid filter`);
    }
  }
  return (v) => preds.every((p) => p(v));
}

export function sortPodRows(rows: PodPsRow[], by: string): PodPsRow[] {
  const cmp = (x: string | number, y: string | number): number => (x < y ? -1 : x > y ? 1 : 0);
  const out = [...rows];
  switch (by) {
    case 'created':
      // Newest first, as Podman sorts pods.
      return out.sort((a, b) => cmp(Date.parse(b.json.Created), Date.parse(a.json.Created)));
    case 'id':
      return out.sort((a, b) => cmp(a.json.Id, b.json.Id));
    case 'name':
      return out.sort((a, b) => cmp(a.json.Name, b.json.Name));
    case 'number':
      return out.sort((a, b) => cmp(a.json.Containers.length, b.json.Containers.length));
    case 'status':
      return out.sort((a, b) => cmp(a.json.Status, b.json.Status));
    default:
      throw new UsageError('invalid option for --sort, options are: created, id, name, number, or status');
  }
}

/** The pods `pod ps` prints, in order. */
export function listPodRows(ctx: Context, o: PodPsOptions & { noTrunc: boolean }): PodPsRow[] {
  const now = o.now ?? Date.now();
  if (!(POD_PS_SORT_KEYS as readonly string[]).includes(o.sort)) sortPodRows([], o.sort);
  const filter = buildPodFilter(o.filters, now);
  // --latest ignores the filters, as Podman's does.
  const views = o.latest ? [podView(ctx, latestPod(ctx), undefined, o.proc)] : podViews(ctx, o.proc).filter(filter);
  const rows = views.map((v) => new PodPsRow(podPsJson(v), o.noTrunc, now));
  return sortPodRows(rows, o.sort);
}

/** Column names by template field (Podman's, for the default table and `table ...` templates). */
export const POD_PS_HEADERS: Record<string, string> = {
  Id: 'POD ID',
  NumberOfContainers: '# OF CONTAINERS',
  InfraID: 'INFRA ID',
  ContainerIds: 'IDS',
  ContainerNames: 'NAMES',
  ContainerStatuses: 'STATUS',
  Namespace: 'NAMESPACES',
};

/** Podman's podPsFormat: the default row; container columns replace the count. */
export function podPsFormat(o: { ctrIds: boolean; ctrNames: boolean; ctrStatus: boolean; ns: boolean }): string {
  const row = ['{{.Id}}', '{{.Name}}', '{{.Status}}', '{{.Created}}', '{{.InfraID}}'];
  if (o.ctrIds) row.push('{{.ContainerIds}}');
  if (o.ctrNames) row.push('{{.ContainerNames}}');
  if (o.ctrStatus) row.push('{{.ContainerStatuses}}');
  if (o.ns) row.push('{{.Cgroup}}', '{{.Namespace}}');
  if (!o.ctrIds && !o.ctrNames && !o.ctrStatus) row.push('{{.NumberOfContainers}}');
  return row.join('\t');
}

/** The user networks the pod's infra is on, by name. */
export function podNetworks(v: PodView): string[] {
  const infra = v.members.find((m) => m.rec.id === v.pod.infraId)?.rec;
  return Object.keys(infra?.networks ?? {});
}
