// Intermediate images, as libimage defines them: untagged images with a child. A child
// has the parent's layers (and at most one more) and the parent's history plus one
// entry: what each step of a build makes from the step before. `tpod images` hides them
// unless -a, as Podman does.
import { createHash } from 'node:crypto';
import type { ImageConfig } from './types.js';

export interface ImageShape {
  id: string;
  names: readonly string[];
  config: Pick<ImageConfig, 'rootfs' | 'history'> | undefined;
}

type Entry = NonNullable<ImageConfig['history']>[number];

/** One history entry as libimage compares them (created as a time, not as text). */
function entryKey(e: Entry): string {
  const t = e.created !== undefined ? Date.parse(e.created) : NaN;
  return JSON.stringify([e.created === undefined ? null : Number.isNaN(t) ? e.created : t, e.created_by ?? '', e.author ?? '', e.comment ?? '', e.empty_layer === true]);
}

function shapeKey(diffIds: readonly string[], history: readonly Entry[]): string {
  const h = createHash('sha256');
  h.update(JSON.stringify(diffIds));
  for (const e of history) h.update(`\n${entryKey(e)}`);
  return h.digest('hex');
}

/** IDs of the untagged images that have a child among `images`. */
export function intermediateImages(images: readonly ImageShape[]): Set<string> {
  // What each image's parent would look like: its history less the last entry, over its
  // layers or its layers less the top one.
  const parentsWanted = new Map<string, Set<string>>();
  for (const img of images) {
    const history = img.config?.history ?? [];
    const ids = img.config?.rootfs.diff_ids ?? [];
    if (history.length === 0) continue;
    const parentHistory = history.slice(0, -1);
    for (const layers of ids.length > 0 ? [ids, ids.slice(0, -1)] : [ids]) {
      const k = shapeKey(layers, parentHistory);
      const set = parentsWanted.get(k) ?? new Set<string>();
      set.add(img.id);
      parentsWanted.set(k, set);
    }
  }
  const out = new Set<string>();
  for (const img of images) {
    if (img.names.length > 0 || !img.config) continue;
    const children = parentsWanted.get(shapeKey(img.config.rootfs.diff_ids, img.config.history ?? []));
    if (children && [...children].some((c) => c !== img.id)) out.add(img.id);
  }
  return out;
}

/** The image `child` was made from among `images` (a build step's parent), if there. */
export function parentOf(child: ImageShape, images: readonly ImageShape[]): ImageShape | undefined {
  const history = child.config?.history ?? [];
  if (history.length === 0) return undefined;
  const ids = child.config!.rootfs.diff_ids;
  const wanted = new Set((ids.length > 0 ? [ids, ids.slice(0, -1)] : [ids]).map((l) => shapeKey(l, history.slice(0, -1))));
  return images.find((i) => i.id !== child.id && i.config !== undefined && wanted.has(shapeKey(i.config.rootfs.diff_ids, i.config.history ?? [])));
}

/**
 * The parents `rmi` removes with an image, as libimage does: the parent when it is
 * untagged and has no other child (nor a container, `inUse`), then its parent so.
 */
export function danglingParents(removed: ImageShape, remaining: readonly ImageShape[], inUse: (id: string) => boolean): string[] {
  const out: string[] = [];
  let left = [...remaining];
  let child = removed;
  for (;;) {
    const p = parentOf(child, left);
    if (!p || p.names.length > 0 || inUse(p.id)) return out;
    left = left.filter((i) => i.id !== p.id);
    if (intermediateImages(left.concat([p])).has(p.id)) return out;
    out.push(p.id);
    child = p;
  }
}
