// `tpod image history`: one row per history entry of the image config, newest first,
// with the size of the layer each entry made. An entry gets an image ID where a stored
// image ends with exactly the layers up to that point (its "parent" images), each ID
// used once, as Podman's layer-tree lookup does; the others are <missing>.
import type { Context } from '../engine/context.js';
import type { ImageConfig } from './types.js';
import { readLayer } from '../storage/layers.js';
import { listImages, readImageConfig, resolveImage, type StoredImage } from './store.js';
import { NoSuchImageError } from '../errors.js';

export interface HistoryEntry {
  /** Full image ID or "<missing>". */
  id: string;
  created: Date | undefined;
  /** The config's own timestamp text (nanoseconds kept), for JSON. */
  createdText: string | undefined;
  createdBy: string;
  size: number;
  comment: string;
}

/** The history rows of `img`, given its config, every stored image and the layer sizes. */
export function buildHistory(img: StoredImage, config: ImageConfig, images: StoredImage[], layerSize: (diffId: string) => number): HistoryEntry[] {
  const history = config.history ?? [];
  const byChain = new Map<string, string[]>();
  for (const other of images) {
    const key = other.layers.join(',');
    byChain.set(key, [...(byChain.get(key) ?? []), other.id]);
  }
  // The image itself comes first among images with the same layers.
  const own = byChain.get(img.layers.join(','));
  if (own) byChain.set(img.layers.join(','), [img.id, ...own.filter((i) => i !== img.id)]);
  const used = new Set<string>();
  const out: HistoryEntry[] = [];
  let layer = img.layers.length - 1;
  for (let x = history.length - 1; x >= 0; x--) {
    const h = history[x]!;
    const t = h.created !== undefined ? new Date(h.created) : undefined;
    const entry: HistoryEntry = {
      id: x === history.length - 1 ? img.id : '<missing>',
      created: t && !Number.isNaN(t.getTime()) ? t : undefined,
      createdText: h.created,
      createdBy: h.created_by ?? '',
      size: 0,
      comment: h.comment ?? '',
    };
    if (layer >= 0) {
      const diffId = img.layers[layer]!;
      if (h.empty_layer !== true) entry.size = layerSize(diffId);
      const ids = byChain.get(img.layers.slice(0, layer + 1).join(','));
      const first = ids?.[0];
      if (first !== undefined && !used.has(first)) {
        entry.id = first;
        used.add(first);
      }
      if (h.empty_layer !== true) layer--;
    }
    out.push(entry);
  }
  return out;
}

export async function imageHistory(ctx: Context, nameOrId: string): Promise<{ image: StoredImage; entries: HistoryEntry[] }> {
  const images = await listImages(ctx);
  const r = resolveImage(images, nameOrId);
  if (!r) throw new NoSuchImageError(nameOrId);
  const config = await readImageConfig(ctx, r.image.id);
  const entries = buildHistory(r.image, config, images, (d) => readLayer(ctx.paths, d)?.size ?? 0);
  return { image: r.image, entries };
}
