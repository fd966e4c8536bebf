// `tpod ps`: the records read once, each container's live state from cheap host reads
// (src/engine/state.ts: no process spawned, no lock taken), then filters, sorting and
// Podman 4.3's row fields. Kept free of heavy imports: ps is on the hot path.
import type { Context } from './context.js';
import { NoSuchPodError, UsageError } from '../errors.js';
import { findContainer, scanContainers, containerDirs, type BrokenContainer, type ContainerRecord } from '../storage/containers.js';
import { findPod, listPods } from '../storage/pods.js';
import { liveState, type HostProc } from './state.js';
import { treeSize } from '../storage/tree-size.js';
import { buildContainerFilter, containerLabels, type ContainerView } from './container-filters.js';
import { compactSize, containerStatus, humanDuration } from '../util/units.js';
import { formatPorts, jsonPorts } from '../network/port-format.js';

export const PS_SORT_KEYS = ['command', 'created', 'id', 'image', 'names', 'runningfor', 'size', 'status'] as const;
export type PsSortKey = (typeof PS_SORT_KEYS)[number];

export interface PsOptions {
  all: boolean;
  filters: readonly string[];
  /** -n N: the N most recently created (all states). */
  last?: number | undefined;
  /** -l: the most recently created one (all states). */
  latest: boolean;
  noTrunc: boolean;
  size: boolean;
  sort: string;
  /** --pod: fill in PodName (Podman looks pod names up only then). */
  pod?: boolean;
  now?: number;
  proc?: HostProc;
}

/** Go's zero time as unix seconds (Podman prints it for times that never happened). */
export const GO_ZERO_UNIX = -62135596800;

/** Podman's `ps --format json` element, keys in its order. */
export interface PsJson {
  AutoRemove: boolean;
  Command: string[];
  CreatedAt: string;
  Exited: boolean;
  ExitedAt: number;
  ExitCode: number;
  Id: string;
  Image: string;
  ImageID: string;
  IsInfra: boolean;
  Labels: Record<string, string> | null;
  Mounts: string[];
  Names: string[];
  Namespaces: Record<string, string>;
  Networks: string[];
  Pid: number;
  Pod: string;
  PodName: string;
  Ports: ReturnType<typeof jsonPorts>;
  Restarts: number;
  Size: { RootFsSize: number; RwSize: number } | null;
  StartedAt: number;
  State: string;
  Status: string;
  Created: number;
}

/** The INIT_PATH prefix --init adds (src/runtime/spec.ts) is not the user's command. */
export function userCommand(rec: ContainerRecord): string[] {
  const c = rec.command;
  if (c[0] === '/run/podman-init' && c[1] === '--') return c.slice(2);
  return c;
}

function unixSeconds(iso: string | undefined): number {
  if (iso === undefined) return GO_ZERO_UNIX;
  const t = Date.parse(iso);
  return Number.isNaN(t) ? GO_ZERO_UNIX : Math.floor(t / 1000);
}


/** The row templates see: Podman's psReporter fields and methods. */
export class PsRow {
  constructor(
    readonly view: ContainerView,
    readonly json: PsJson,
    private readonly noTrunc: boolean,
    private readonly now: number,
  ) {}

  get ID(): string {
    return this.noTrunc ? this.json.Id : this.json.Id.slice(0, 12);
  }
  get Id(): string {
    return this.json.Id;
  }
  get Image(): string {
    return this.json.Image;
  }
  get ImageID(): string {
    return this.noTrunc ? this.json.ImageID : this.json.ImageID.slice(0, 12);
  }
  get Command(): string {
    const c = this.json.Command.join(' ');
    return !this.noTrunc && c.length > 17 ? `${c.slice(0, 17)}...` : c;
  }
  get Created(): Date {
    return new Date(this.view.rec.created);
  }
  get CreatedAt(): string {
    return this.json.CreatedAt;
  }
  get CreatedHuman(): string {
    return `${humanDuration(Math.max(0, this.now - Date.parse(this.view.rec.created)))} ago`;
  }
  get RunningFor(): string {
    return this.CreatedHuman;
  }
  /** Podman 4.3: "Up 5 seconds ago", "Exited (3) 2 minutes ago", "Created". */
  get State(): string {
    const v = this.view;
    if (v.broken !== undefined) return `Broken: corrupt record (${v.broken})`;
    const s = containerStatus({ state: v.status, startedAt: v.startedAt, exitedAt: v.finishedAt, exitCode: v.exitCode }, this.now);
    return v.status === 'running' ? `${s} ago` : s;
  }
  get Status(): string {
    return this.State;
  }
  get Names(): string {
    return this.json.Names[0] ?? '';
  }
  get Ports(): string {
    return formatPorts(this.view.rec.ports);
  }
  get Networks(): string {
    return this.json.Networks.join(',');
  }
  get Mounts(): string[] {
    return this.json.Mounts;
  }
  get Labels(): Map<string, string> {
    return new Map(Object.entries(this.json.Labels ?? {}));
  }
  /** Podman 5's `{{.Label "key"}}`. */
  Label(name: string): string {
    return this.json.Labels?.[name] ?? '';
  }
  get Pod(): string {
    return this.noTrunc ? this.json.Pod : this.json.Pod.slice(0, 12);
  }
  get PodName(): string {
    return this.json.PodName;
  }
  get Pid(): number {
    return this.json.Pid;
  }
  get ExitCode(): number {
    return this.json.ExitCode;
  }
  get Exited(): boolean {
    return this.json.Exited;
  }
  get ExitedAt(): number {
    return this.json.ExitedAt;
  }
  get StartedAt(): number {
    return this.json.StartedAt;
  }
  get AutoRemove(): boolean {
    return this.json.AutoRemove;
  }
  get IsInfra(): boolean {
    return this.json.IsInfra;
  }
  get Restarts(): number {
    return this.json.Restarts;
  }
  get Namespaces(): Record<string, string> {
    return {};
  }
  get Size(): string {
    const s = this.json.Size;
    if (!s) return '';
    return `${compactSize(s.RwSize, 3)} (virtual ${compactSize(s.RootFsSize, 3)})`;
  }
}

/** A pod member publishes nothing itself: it shows the ports its pod's infra container publishes, as Podman's ps does. */
export function withPodPorts(rec: ContainerRecord, recs: readonly ContainerRecord[]): ContainerRecord {
  if (rec.pod === undefined || rec.isInfra || (rec.ports && rec.ports.length > 0)) return rec;
  const infra = recs.find((r) => r.isInfra === true && r.pod === rec.pod);
  return infra?.ports && infra.ports.length > 0 ? { ...rec, ports: infra.ports } : rec;
}

/** A broken container as ps shows it: its id, its names, "broken", and nothing made up beyond that. */
export function brokenView(b: BrokenContainer): ContainerView {
  const rec: ContainerRecord = {
    id: b.id, name: b.names[0] ?? '', image: '', imageId: '', imageName: '', command: [], created: b.created, state: 'created',
    runtime: '', driver: '', layers: [], hostname: '', network: '', rm: false, tty: false, interactive: false,
  };
  return { rec, status: 'unknown', broken: b.problem };
}

/** The live view of one record (no writes, no spawns). */
export function viewOf(ctx: Context, rec: ContainerRecord, proc?: HostProc): ContainerView {
  const ls = liveState(ctx, rec, proc);
  return { rec, status: ls.status, pid: ls.pid, exitCode: ls.exitCode, startedAt: ls.startedAt, finishedAt: ls.finishedAt, oomKilled: ls.oomKilled };
}

export function psJson(v: ContainerView, now: number, size?: { RootFsSize: number; RwSize: number }, podName = ''): PsJson {
  const { rec } = v;
  const labels = containerLabels(rec);
  const exited = v.status === 'exited';
  const created = Date.parse(rec.created);
  const json: PsJson = {
    AutoRemove: rec.rm,
    Command: userCommand(rec),
    CreatedAt: `${humanDuration(Math.max(0, now - created))} ago`,
    Exited: exited,
    ExitedAt: exited ? unixSeconds(v.finishedAt) : GO_ZERO_UNIX,
    ExitCode: v.exitCode ?? 0,
    Id: rec.id,
    Image: rec.imageName,
    ImageID: rec.imageId.replace(/^sha256:/, ''),
    IsInfra: rec.isInfra === true,
    Labels: Object.keys(labels).length > 0 ? labels : null,
    Mounts: (rec.options?.volumes ?? []).map((m) => m.destination),
    Names: [rec.name],
    Namespaces: {},
    Networks: [],
    Pid: v.status === 'running' || v.status === 'paused' || v.status === 'stopping' ? v.pid ?? 0 : 0,
    Pod: rec.pod ?? '',
    PodName: podName,
    Ports: jsonPorts(rec.ports),
    Restarts: rec.restartCount ?? 0,
    Size: size ?? null,
    StartedAt: v.status === 'created' || v.broken !== undefined ? GO_ZERO_UNIX : unixSeconds(v.startedAt),
    State: v.broken !== undefined ? 'broken' : v.status,
    Status: '',
    Created: Math.floor(created / 1000),
  };
  return json;
}

function compare<T>(key: (x: T) => string | number): (a: T, b: T) => number {
  return (a, b) => {
    const x = key(a);
    const y = key(b);
    return x < y ? -1 : x > y ? 1 : 0;
  };
}

/** Podman's --sort orders (a stable sort, oldest first among equals). */
export function sortRows(rows: PsRow[], by: string): PsRow[] {
  if (!(PS_SORT_KEYS as readonly string[]).includes(by)) {
    throw new UsageError(`invalid argument "${by}" for "--sort" flag: "${by}" is not a valid value.  Choose from: "${PS_SORT_KEYS.join(', ')}"`);
  }
  const k = by as PsSortKey;
  const cmp: Record<PsSortKey, (a: PsRow, b: PsRow) => number> = {
    command: compare((r) => r.json.Command.join(' ')),
    created: compare((r) => Date.parse(r.view.rec.created)),
    id: compare((r) => r.json.Id),
    image: compare((r) => r.json.Image),
    names: compare((r) => r.json.Names[0] ?? ''),
    runningfor: compare((r) => r.json.StartedAt),
    size: compare((r) => r.json.Size?.RootFsSize ?? 0),
    status: compare((r) => r.json.State),
  };
  return [...rows].sort(cmp[k]);
}

/** The rows `tpod ps` prints, in order. */
export async function listPsRows(ctx: Context, o: PsOptions): Promise<PsRow[]> {
  if (o.latest && o.last !== undefined && o.last >= 0) throw new UsageError('last and latest are mutually exclusive');
  const now = o.now ?? Date.now();
  let { records: recs, broken } = scanContainers(ctx);
  // What killed commands left (orphan processes, mounts, network helpers) goes first.
  const { repairOrphans } = await import('./orphans.js');
  if (await repairOrphans(ctx, { wait: false, given: { records: recs, anyCorrupt: broken.length > 0 }, ...(o.proc ? { proc: o.proc } : {}) })) {
    ({ records: recs, broken } = scanContainers(ctx));
  }
  const byId = new Map(recs.map((r) => [r.id, r]));
  const filter = buildContainerFilter(o.filters, {
    find: (n) => {
      const hit = recs.find((r) => r.name === n) ?? byId.get(n);
      return hit ?? findContainer(ctx, n);
    },
    findPod: (n) => {
      try {
        return findPod(ctx, n).id;
      } catch (err) {
        if (err instanceof NoSuchPodError) return undefined;
        throw err;
      }
    },
  }, now);
  let views = recs.map((r) => viewOf(ctx, withPodPorts(r, recs), o.proc));
  // -l / -n look at every container, as Podman does; so does a status filter (as Docker).
  const everything = o.all || o.latest || (o.last !== undefined && o.last > 0) || o.filters.some((f) => f.startsWith('status='));
  if (!everything) views = views.filter((v) => v.status === 'running' || v.status === 'paused' || v.status === 'stopping');
  views = views.filter(filter);
  // A corrupt record never hides the others; -a lists it as broken (filters cannot match it).
  if (o.all && o.filters.length === 0 && !o.latest && !(o.last !== undefined && o.last > 0)) views.push(...broken.map(brokenView));
  const n = o.latest ? 1 : o.last !== undefined && o.last > 0 ? o.last : undefined;
  if (n !== undefined) {
    views = [...views].sort((a, b) => Date.parse(a.rec.created) - Date.parse(b.rec.created)).slice(-n);
  }
  let imageSizes: Map<string, number> | undefined;
  if (o.size) imageSizes = await imageSizesById(ctx);
  const podNames = o.pod && views.some((v) => v.rec.pod !== undefined) ? new Map(listPods(ctx).map((p) => [p.id, p.name])) : undefined;
  const rows = views.map((v) => {
    let size: { RootFsSize: number; RwSize: number } | undefined;
    if (imageSizes) {
      const rw = treeSize(containerDirs(ctx, v.rec.id).upper);
      size = { RootFsSize: (imageSizes.get(v.rec.imageId.replace(/^sha256:/, '')) ?? 0) + rw, RwSize: rw };
    }
    const json = psJson(v, now, size, v.rec.pod === undefined ? '' : podNames?.get(v.rec.pod) ?? '');
    const row = new PsRow(v, json, o.noTrunc, now);
    json.Status = row.Status;
    return row;
  });
  return sortRows(rows, o.sort);
}

async function imageSizesById(ctx: Context): Promise<Map<string, number>> {
  const { listImages } = await import('../image/store.js');
  const out = new Map<string, number>();
  for (const img of await listImages(ctx)) out.set(img.id.replace(/^sha256:/, ''), img.size);
  return out;
}
