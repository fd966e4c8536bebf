// `tpod volume ...`: the engine side (options in, reports out). Volumes are local
// directories of the user's (src/storage/volumes.ts); which containers use one is read
// from the containers' records.
import { statSync } from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import type { Context } from './context.js';
import { TpodError, UsageError } from '../errors.js';
import { listContainers } from '../storage/containers.js';
import {
  createVolume,
  deleteVolumes,
  findVolume,
  listVolumes,
  NoSuchVolumeError,
  readVolume,
  volumeDataPath,
  type VolumeRecord,
} from '../storage/volumes.js';
import { volumesOf } from './container-volumes.js';

/** `volume inspect` / `volume ls --format json`: Podman's InspectVolumeData. */
export interface VolumeView {
  Name: string;
  Driver: string;
  Mountpoint: string;
  CreatedAt: string;
  Labels: Record<string, string>;
  Scope: 'local';
  Options: Record<string, string>;
  UID?: number;
  GID?: number;
  Anonymous?: boolean;
  MountCount: number;
  NeedsCopyUp?: boolean;
  NeedsChown?: boolean;
}

export function volumeView(ctx: Context, v: VolumeRecord): VolumeView {
  const view: VolumeView = {
    Name: v.name,
    Driver: v.driver,
    Mountpoint: volumeDataPath(ctx, v.name),
    CreatedAt: v.createdAt,
    Labels: v.labels,
    Scope: 'local',
    Options: v.options,
    MountCount: 0,
  };
  if (v.uid !== undefined) view.UID = v.uid;
  if (v.gid !== undefined) view.GID = v.gid;
  if (v.anonymous) view.Anonymous = true;
  if (v.needsCopyUp) view.NeedsCopyUp = true;
  if (v.needsChown) view.NeedsChown = true;
  // JSON leaves zero values out (Go's omitempty); templates still see them as Go does.
  for (const [k, zero] of [['UID', 0], ['GID', 0], ['Anonymous', false], ['NeedsCopyUp', false], ['NeedsChown', false]] as const) {
    if (!(k in view)) Object.defineProperty(view, k, { value: zero, enumerable: false });
  }
  return view;
}

/** Which containers use each volume (by name). */
export function volumeUsers(ctx: Context): Map<string, string[]> {
  const users = new Map<string, string[]>();
  for (const c of listContainers(ctx)) {
    for (const v of new Set(volumesOf(c))) users.set(v, [...(users.get(v) ?? []), c.id]);
  }
  return users;
}

// ---- create ----------------------------------------------------------------------

export interface VolumeCreateOptions {
  name?: string | undefined;
  driver?: string | undefined;
  labels: Record<string, string>;
  /** `--opt KEY=VALUE`, as given. */
  opts: string[];
  ignore: boolean;
}

/** The local driver's options, checked as Podman's ParseVolumeOptions does. */
export function parseVolumeOpts(opts: string[]): { options: Record<string, string>; uid?: number; gid?: number } {
  const options: Record<string, string> = {};
  let uid: number | undefined;
  let gid: number | undefined;
  const kv = opts.map((o) => {
    const eq = o.indexOf('=');
    return eq < 0 ? [o, ''] : [o.slice(0, eq), o.slice(eq + 1)];
  }) as Array<[string, string]>;
  const type = kv.find(([k]) => k.toLowerCase() === 'type')?.[1];
  for (const [key, value] of kv) {
    switch (key.toLowerCase()) {
      case 'device':
        if (type?.toLowerCase() === 'bind') {
          try {
            statSync(value);
          } catch (err) {
            const why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (err as Error).message;
            throw new TpodError('EUSAGE', `invalid volume option ${key} for driver 'local': stat ${value}: ${why}`);
          }
        }
        options[key] = value;
        break;
      case 'o': {
        const rest: string[] = [];
        for (const o of value.split(',').filter((x) => x !== '')) {
          const [k, v] = o.split('=', 2) as [string, string | undefined];
          const n = v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined;
          if (k.toLowerCase() === 'uid' || k.toLowerCase() === 'gid') {
            if (n === undefined) throw new UsageError(`cannot convert ${k} ${v ?? ''} to integer`);
            if (k.toLowerCase() === 'uid') uid = n;
            else gid = n;
          }
          rest.push(o);
        }
        options[key] = rest.join(',');
        break;
      }
      case 'type':
      case 'copy':
      case 'nocopy':
      case 'size':
      case 'inodes':
      case 'noquota':
        options[key] = value;
        break;
      default:
        throw new UsageError(`unrecognized volume option "${key}" is not supported with local driver: invalid argument`);
    }
  }
  const out: { options: Record<string, string>; uid?: number; gid?: number } = { options };
  if (uid !== undefined) out.uid = uid;
  if (gid !== undefined) out.gid = gid;
  return out;
}

export async function createVolumeFromOptions(ctx: Context, o: VolumeCreateOptions): Promise<VolumeRecord> {
  if (o.driver !== undefined && o.driver !== 'local' && o.driver !== '') {
    throw new TpodError('EUSAGE', `error looking up volume plugin ${o.driver}: plugin not found`);
  }
  const parsed = parseVolumeOpts(o.opts);
  return createVolume(ctx, {
    ...(o.name !== undefined ? { name: o.name } : {}),
    labels: o.labels,
    options: parsed.options,
    ...(parsed.uid !== undefined ? { uid: parsed.uid } : {}),
    ...(parsed.gid !== undefined ? { gid: parsed.gid } : {}),
    ignoreExisting: o.ignore,
  });
}

// ---- list and filters ------------------------------------------------------------

function labelMatches(labels: Record<string, string>, spec: string): boolean {
  const eq = spec.indexOf('=');
  if (eq < 0) return spec in labels;
  return labels[spec.slice(0, eq)] === spec.slice(eq + 1);
}

/** Podman's volume filters: name (a regular expression), label, driver, dangling, opt, anonymous, until. */
export function volumeFilter(ctx: Context, filters: readonly string[]): (v: VolumeRecord) => boolean {
  const byKey = new Map<string, string[]>();
  for (const f of filters) {
    const eq = f.indexOf('=');
    if (eq <= 0) throw new UsageError(`invalid filter "${f}": want KEY=VALUE`);
    const key = f.slice(0, eq);
    if (!['name', 'label', 'label!', 'driver', 'dangling', 'opt', 'anonymous', 'until', 'scope'].includes(key)) {
      throw new UsageError(`"${key}" is an invalid volume filter`);
    }
    byKey.set(key, [...(byKey.get(key) ?? []), f.slice(eq + 1)]);
  }
  let users: Map<string, string[]> | undefined;
  const used = (name: string): boolean => ((users ??= volumeUsers(ctx)).get(name)?.length ?? 0) > 0;
  const preds: Array<(v: VolumeRecord) => boolean> = [];
  for (const [key, values] of byKey) {
    switch (key) {
      case 'name': {
        const res = values.map((v) => new RegExp(v));
        preds.push((v) => res.some((r) => r.test(v.name)));
        break;
      }
      case 'label':
        preds.push((v) => values.every((l) => labelMatches(v.labels, l)));
        break;
      case 'label!':
        preds.push((v) => values.every((l) => !labelMatches(v.labels, l)));
        break;
      case 'driver':
        preds.push((v) => values.includes(v.driver));
        break;
      case 'scope':
        preds.push(() => values.includes('local'));
        break;
      case 'opt':
        preds.push((v) => values.some((o) => Object.entries(v.options).some(([k, val]) => o === k || o === `${k}=${val}`)));
        break;
      case 'anonymous':
        preds.push((v) => values.some((a) => (a === 'true') === (v.anonymous === true)));
        break;
      case 'dangling':
        preds.push((v) => values.some((d) => {
          if (d !== 'true' && d !== 'false') throw new UsageError(`invalid dangling filter value "${d}"`);
          return (d === 'true') !== used(v.name);
        }));
        break;
      case 'until': {
        const limits = values.map((u) => untilTime(u));
        preds.push((v) => limits.every((t) => Date.parse(v.createdAt) < t));
        break;
      }
    }
  }
  return (v) => preds.every((p) => p(v));
}

function untilTime(u: string): number {
  if (/^\d+$/.test(u)) return Number(u) * 1000;
  const d = /^(\d+)([smhd])$/.exec(u);
  if (d) return Date.now() - Number(d[1]) * { s: 1e3, m: 6e4, h: 3.6e6, d: 8.64e7 }[d[2] as 's' | 'm' | 'h' | 'd'];
  const t = Date.parse(u);
  if (Number.isNaN(t)) throw new UsageError(`invalid until filter "${u}"`);
  return t;
}

export function listVolumeViews(ctx: Context, filters: readonly string[]): VolumeView[] {
  const pred = volumeFilter(ctx, filters);
  return listVolumes(ctx).filter(pred).map((v) => volumeView(ctx, v));
}

// ---- remove and prune -----------------------------------------------------------

export interface VolumeRmReport {
  input: string;
  error?: TpodError;
}

export interface VolumeRmOptions {
  force: boolean;
  /** Seconds to wait when stopping the containers that use a volume (with force). */
  timeout?: number | undefined;
}

/** `volume rm`: each name on its own (Podman's exit codes: 1 no such volume, 2 in use). */
export async function removeVolumesByName(ctx: Context, names: string[], o: VolumeRmOptions): Promise<VolumeRmReport[]> {
  const reports: VolumeRmReport[] = [];
  for (const name of names) {
    try {
      if (!readVolume(ctx, name)) {
        if (!o.force) reports.push({ input: name, error: new TpodError('ENOVOLUME', new NoSuchVolumeError(name).message, { exitCode: 1 }) });
        continue;
      }
      const users = volumeUsers(ctx).get(name) ?? [];
      if (users.length > 0) {
        if (!o.force) {
          throw new TpodError('EVOLUMEINUSE', `volume ${name} is being used by the following container(s): ${users.join(', ')}: volume is being used`, { exitCode: 2 });
        }
        const { removeContainers } = await import('./remove.js');
        const removed = await removeContainers(ctx, users, { force: true, depend: true, ignore: true, ...(o.timeout !== undefined ? { timeout: o.timeout } : {}) });
        const failed = removed.find((r) => r.error);
        if (failed?.error) throw failed.error;
      }
      await deleteVolumes(ctx, [name]);
      reports.push({ input: name });
    } catch (err) {
      if (!(err instanceof TpodError)) throw err;
      reports.push({ input: name, error: err });
    }
  }
  return reports;
}

/** The volumes `volume prune` would remove: unused, matching the filters. */
export function prunableVolumes(ctx: Context, filters: readonly string[]): string[] {
  const users = volumeUsers(ctx);
  const pred = volumeFilter(ctx, filters);
  return listVolumes(ctx).filter((v) => !users.has(v.name) && pred(v)).map((v) => v.name);
}

export async function pruneVolumes(ctx: Context, filters: readonly string[]): Promise<string[]> {
  return deleteVolumes(ctx, prunableVolumes(ctx, filters));
}

// ---- export, import, mount ---------------------------------------------------------

/** `volume export`: a tar of the volume's content, read chrooted into it. */
export async function exportVolume(ctx: Context, name: string, out: Writable): Promise<void> {
  const v = findVolume(ctx, name);
  const { namespacePlace } = await import('../rootless/join.js');
  const { packTree } = await import('../storage/tar-helper.js');
  const skipped: string[] = [];
  await packTree(await namespacePlace(ctx), volumeDataPath(ctx, v.name), out, (p, why) => skipped.push(`${p} (${why})`));
  if (skipped.length > 0) ctx.log.warn(`left out of the archive: ${skipped.join(', ')}`);
}

/** `volume import`: a tar (plain or compressed) unpacked into the volume, chrooted into it. */
export async function importVolume(ctx: Context, name: string, source: Readable): Promise<void> {
  const v = findVolume(ctx, name);
  const { namespacePlace } = await import('../rootless/join.js');
  const { extractLayer } = await import('../storage/extract.js');
  await extractLayer(source, volumeDataPath(ctx, v.name), { preserveOwner: true, plainFiles: true, label: `of the archive for volume ${name}`, ...(await namespacePlace(ctx)) });
}
