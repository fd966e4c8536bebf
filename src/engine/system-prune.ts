// `tpod system prune`: what each prune command removes, in Podman's order: pods that
// stopped, containers that do not run, then (with --volumes) the volumes no container
// uses any more, then dangling images (every unused one with --all). Each part reports
// what it removed and what it could not; one failure does not stop the rest.
import type { Context } from './context.js';
import { TpodError } from '../errors.js';
import { containerDirs } from '../storage/containers.js';
import { volumeDataPath } from '../storage/volumes.js';
import { treeSize } from '../storage/tree-size.js';

export interface SystemPruneOptions {
  all: boolean;
  volumes: boolean;
  /** label=..., until=...: given to each part, as Podman does. */
  filters: readonly string[];
}

export interface SystemPruneReport {
  pods: string[];
  containers: string[];
  volumes: string[];
  images: string[];
  /** Bytes freed: the removed containers' own layers, volumes' content and images. */
  reclaimed: number;
  errors: TpodError[];
}

/** Removes the pods pod prune would, reporting each pod's id or error (given by the caller: pods sit above the engine). */
export type PodPruner = () => Promise<Array<{ id: string; error?: TpodError }>>;

const FILTER_KEYS = ['label', 'until'];

/** Podman's filters for system prune; anything else is refused before anything is removed. */
export function checkPruneFilters(filters: readonly string[]): void {
  for (const f of filters) {
    const eq = f.indexOf('=');
    const key = eq > 0 ? f.slice(0, eq) : f;
    if (eq <= 0 || !FILTER_KEYS.includes(key)) throw new TpodError('EUSAGE', `${key} is an invalid filter`);
  }
}

export async function systemPrune(ctx: Context, o: SystemPruneOptions, prunePods: PodPruner): Promise<SystemPruneReport> {
  checkPruneFilters(o.filters);
  const { pruneFilters, pruneImages } = await import('../image/prune.js');
  pruneFilters([...o.filters], Date.now());
  const out: SystemPruneReport = { pods: [], containers: [], volumes: [], images: [], reclaimed: 0, errors: [] };

  for (const r of await prunePods()) {
    if (r.error) out.errors.push(r.error);
    else out.pods.push(r.id);
  }

  const { listContainers } = await import('../storage/containers.js');
  const sizes = new Map(listContainers(ctx).map((r) => [r.id, treeSize(containerDirs(ctx, r.id).upper)]));
  const { pruneContainers } = await import('./remove.js');
  for (const r of await pruneContainers(ctx, o.filters)) {
    if (r.error) out.errors.push(r.error);
    else {
      out.containers.push(r.input);
      out.reclaimed += sizes.get(r.id ?? r.input) ?? 0;
    }
  }

  if (o.volumes) {
    const { prunableVolumes, pruneVolumes } = await import('./volumes.js');
    const volumeSizes = new Map(prunableVolumes(ctx, o.filters).map((n) => [n, treeSize(volumeDataPath(ctx, n))]));
    out.volumes = await pruneVolumes(ctx, o.filters);
    for (const n of out.volumes) out.reclaimed += volumeSizes.get(n) ?? 0;
  }

  const images = await pruneImages(ctx, { all: o.all, filters: [...o.filters] });
  out.images = images.removed;
  out.reclaimed += images.size;
  return out;
}
