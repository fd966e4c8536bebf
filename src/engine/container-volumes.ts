// A container's volumes, from create to removal:
// - create: --volumes-from copies another container's mounts, the image's VOLUMEs get
//   anonymous volumes (or tmpfs, or nothing: --image-volume), anonymous volumes get
//   their names, named volumes that do not exist yet are made;
// - the spec: each volume becomes a bind of its data dir (or its device, or a tmpfs);
// - start: a volume's first use copies the image's content in and gives it to the
//   container's user (tpod-helper --volume-init), ':U' chowns (--chown-tree);
// - removal: anonymous volumes go with the container (rm -v, --rm).
import { readdirSync, readFileSync } from 'node:fs';
import type { Context } from './context.js';
import { TpodError, UsageError } from '../errors.js';
import type { RunOptions } from '../runtime/options.js';
import type { VolumeMount } from '../runtime/mounts.js';
import type { OciMount } from '../runtime/spec.js';
import type { ImageConfigBody } from '../image/types.js';
import type { NsStep } from '../rootless/join.js';
import type { ContainerRecord } from '../storage/containers.js';
import { createVolume, deleteVolumes, readVolume, updateVolume, volumeDataPath, type VolumeRecord } from '../storage/volumes.js';

/** Every container path some mount of `opts` covers. */
function mountedPaths(opts: RunOptions): Set<string> {
  return new Set([
    ...opts.volumes.map((m) => m.destination),
    ...opts.tmpfs.map((m) => m.destination),
    ...(opts.namedVolumes ?? []).map((m) => m.destination),
    ...(opts.imageMounts ?? []).map((m) => m.destination),
    ...(opts.devpts ?? []).map((m) => m.destination),
  ]);
}

/** `--volumes-from CTR[:ro|rw]`: CTR's binds and volumes where opts has nothing. */
function volumesFrom(ctx: Context, opts: RunOptions, find: (nameOrId: string) => ContainerRecord): RunOptions {
  const out: RunOptions = { ...opts, volumes: [...opts.volumes], namedVolumes: [...(opts.namedVolumes ?? [])] };
  for (const spec of opts.volumesFrom ?? []) {
    const [name, mode, extra] = spec.split(':');
    if (extra !== undefined || (mode !== undefined && mode !== 'ro' && mode !== 'rw' && mode !== 'z')) {
      throw new UsageError(`invalid options "${mode}" in --volumes-from ${spec}: only ro, rw and z are allowed`);
    }
    const from = find(name!).options;
    const taken = mountedPaths(out);
    const ro = mode === 'ro' ? true : mode === 'rw' ? false : undefined;
    for (const b of from?.volumes ?? []) {
      if (!taken.has(b.destination)) out.volumes.push(ro === undefined ? b : { ...b, readOnly: ro });
    }
    for (const v of from?.namedVolumes ?? []) {
      // The other container's volumes are shared, anonymous ones too: they stay its own.
      if (!taken.has(v.destination) && v.name !== undefined) {
        const { anonymous: _a, ...shared } = v;
        out.namedVolumes!.push(ro === undefined ? shared : { ...shared, readOnly: ro });
      }
    }
  }
  return out;
}

/** The image's VOLUMEs that nothing else mounts, as --image-volume says. */
function imageVolumes(opts: RunOptions, config: ImageConfigBody | undefined): RunOptions {
  const mode = opts.imageVolumeMode ?? 'bind';
  const dests = Object.keys(config?.Volumes ?? {}).map((d) => (d.length > 1 ? d.replace(/\/+$/, '') : d));
  if (mode === 'ignore' || dests.length === 0) return opts;
  const taken = mountedPaths(opts);
  const out: RunOptions = { ...opts, tmpfs: [...opts.tmpfs], namedVolumes: [...(opts.namedVolumes ?? [])] };
  for (const d of dests) {
    if (!d.startsWith('/') || taken.has(d)) continue;
    if (mode === 'tmpfs') out.tmpfs.push({ destination: d, options: ['rw', 'nosuid', 'nodev'] });
    else out.namedVolumes!.push({ destination: d, readOnly: false, options: [], anonymous: true });
    taken.add(d);
  }
  return out;
}

export interface ResolvedVolumes {
  opts: RunOptions;
  /** Volumes made for this container: removed again if it cannot be created. */
  created: string[];
}

/** Resolves and makes the container's volumes (before its record is written). */
export async function resolveVolumes(ctx: Context, opts: RunOptions, config: ImageConfigBody | undefined): Promise<ResolvedVolumes> {
  if (opts.imageMounts && opts.imageMounts.length > 0) {
    throw new TpodError('EUSAGE', `--mount type=image (${opts.imageMounts[0]!.destination}) is not supported yet`);
  }
  let o = opts;
  if (o.volumesFrom && o.volumesFrom.length > 0) {
    const { findContainer } = await import('../storage/containers.js');
    o = volumesFrom(ctx, o, (n) => findContainer(ctx, n));
  }
  o = imageVolumes(o, config);
  const created: string[] = [];
  const named: VolumeMount[] = [];
  try {
    for (const v of o.namedVolumes ?? []) {
      if (v.name === undefined) {
        const rec = await createVolume(ctx, { anonymous: true });
        created.push(rec.name);
        named.push({ ...v, name: rec.name, anonymous: true });
      } else {
        if (!readVolume(ctx, v.name)) {
          await createVolume(ctx, { name: v.name, ignoreExisting: true });
          created.push(v.name);
        }
        named.push(v);
      }
    }
  } catch (err) {
    await removeVolumes(ctx, created);
    throw err;
  }
  if (named.length > 0) o = { ...o, namedVolumes: named };
  return { opts: o, created };
}

/** Removes volumes by name (made for a container that never was, or its anonymous ones); warns on failure. */
export async function removeVolumes(ctx: Context, names: string[]): Promise<void> {
  if (names.length === 0) return;
  await deleteVolumes(ctx, names).catch((e: Error) => ctx.log.warn(`removing volumes ${names.join(', ')}: ${e.message}`));
}

/** `-o o=uid=1,size=2m,...` split into mount options. */
function mountOptionsOf(v: VolumeRecord): string[] {
  return (v.options.o ?? '').split(',').filter((x) => x !== '' && x !== 'nocopy');
}

/** The OCI mounts of the container's volumes. */
export function volumeMounts(ctx: Context, opts: RunOptions): OciMount[] {
  const out: OciMount[] = [];
  for (const v of opts.namedVolumes ?? []) {
    const rec = v.name !== undefined ? readVolume(ctx, v.name) : undefined;
    if (!rec) throw new TpodError('ENOVOLUME', `no volume with name "${v.name}" found: no such volume`);
    const rw = v.readOnly ? 'ro' : 'rw';
    if (rec.options.type === 'tmpfs') {
      out.push({ destination: v.destination, type: 'tmpfs', source: 'tmpfs', options: [rw, 'nosuid', 'nodev', ...mountOptionsOf(rec), ...v.options] });
      continue;
    }
    const source = rec.options.type === 'bind' && rec.options.device ? rec.options.device : volumeDataPath(ctx, rec.name);
    const propagation = v.options.some((o) => /^r?(private|shared|slave|unbindable)$/.test(o)) ? [] : ['rprivate'];
    out.push({ destination: v.destination, type: 'bind', source, options: ['rbind', ...v.options, ...propagation, rw] });
  }
  for (const d of opts.devpts ?? []) out.push({ destination: d.destination, type: 'devpts', source: 'devpts', options: d.options });
  return out;
}

/** The container's user (uid:gid) as the pause namespace sees it, from its spec. */
function userInNamespace(bundleConfig: string): { uid: number; gid: number } {
  try {
    const spec = JSON.parse(readFileSync(bundleConfig, 'utf8')) as {
      process?: { user?: { uid?: number; gid?: number } };
      linux?: { uidMappings?: Array<{ containerID: number; hostID: number; size: number }>; gidMappings?: Array<{ containerID: number; hostID: number; size: number }> };
    };
    const map = (id: number, m: Array<{ containerID: number; hostID: number; size: number }> | undefined): number => {
      const e = m?.find((x) => id >= x.containerID && id < x.containerID + x.size);
      return e ? e.hostID + (id - e.containerID) : id;
    };
    const uid = spec.process?.user?.uid ?? 0;
    const gid = spec.process?.user?.gid ?? 0;
    // keep-id containers have a user namespace of their own inside the pause one.
    return { uid: map(uid, spec.linux?.uidMappings), gid: map(gid, spec.linux?.gidMappings) };
  } catch {
    return { uid: 0, gid: 0 };
  }
}

/** nsexec steps for the start of REC (its rootfs mounted at `merged`). */
export function volumeStartSteps(ctx: Context, rec: ContainerRecord, merged: string, bundleConfig: string): NsStep[] {
  const opts = rec.options;
  if (!opts) return [];
  const steps: NsStep[] = [];
  const lazyUser = (() => {
    let u: { uid: number; gid: number } | undefined;
    return () => (u ??= userInNamespace(bundleConfig));
  })();
  for (const v of opts.namedVolumes ?? []) {
    const vol = v.name !== undefined ? readVolume(ctx, v.name) : undefined;
    if (!vol || vol.options.type === 'tmpfs' || vol.options.type === 'bind') continue;
    const flags = `${vol.needsChown ? 'o' : ''}${vol.needsCopyUp && !v.noCopy ? 'c' : ''}`;
    const owner = vol.uid !== undefined || vol.gid !== undefined ? { uid: vol.uid ?? 0, gid: vol.gid ?? 0 } : lazyUser();
    if (flags !== '') steps.push({ kind: 'volume-init', arg: [merged, v.destination, volumeDataPath(ctx, vol.name), `${owner.uid}:${owner.gid}`, flags].join('\x1f') });
    if (v.chown) steps.push({ kind: 'chown-tree', arg: `${lazyUser().uid}:${lazyUser().gid}\x1f${volumeDataPath(ctx, vol.name)}` });
  }
  for (const b of opts.volumes) {
    if (b.chown) steps.push({ kind: 'chown-tree', arg: `${lazyUser().uid}:${lazyUser().gid}\x1f${b.source}` });
  }
  return steps;
}

function isEmptyDir(path: string): boolean {
  try {
    return readdirSync(path).length === 0;
  } catch {
    return true;
  }
}

/** After a start: the first use of each volume is done (copy-up stays owed while it copied nothing). */
export async function volumesStarted(ctx: Context, rec: ContainerRecord): Promise<void> {
  for (const v of rec.options?.namedVolumes ?? []) {
    if (v.name === undefined) continue;
    const vol = readVolume(ctx, v.name);
    if (!vol || (!vol.needsChown && !vol.needsCopyUp)) continue;
    const copied = vol.needsCopyUp && !v.noCopy && !isEmptyDir(volumeDataPath(ctx, vol.name));
    await updateVolume(ctx, vol.name, (r) => {
      r.needsChown = false;
      if (copied) r.needsCopyUp = false;
    });
  }
}

/** The anonymous volumes of a container (removed with rm -v and --rm). */
export function anonymousVolumes(rec: ContainerRecord): string[] {
  return (rec.options?.namedVolumes ?? []).filter((v) => v.anonymous && v.name !== undefined).map((v) => v.name!);
}

/** Names of the volumes a container record uses. */
export function volumesOf(rec: ContainerRecord): string[] {
  return (rec.options?.namedVolumes ?? []).flatMap((v) => (v.name !== undefined ? [v.name] : []));
}
