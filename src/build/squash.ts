// --squash and --squash-all, as Podman asks buildah for them: --squash (buildah's
// --layers=false) makes the stage's new layers one layer over its base's; --squash-all
// makes the whole image one layer. History is what buildah writes then: the base's
// entries (none with --squash-all), one entry per step marked empty_layer, and the last
// step's entry carrying the layer. The layer is the new layers applied in order to one
// directory (`untar --stack`: a later whiteout removes an earlier file), packed again.
import { PassThrough } from 'node:stream';
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import type { Context } from '../engine/context.js';
import type { ImageConfig } from '../image/types.js';
import type { HistoryEntry } from '../engine/commit.js';

export type SquashMode = 'new' | 'all';

export interface SquashPlan {
  /** Layers kept as they are (the base's with --squash). */
  keep: string[];
  /** Layers that become the one new layer, bottom first. */
  merge: string[];
  /** History before the last entry. */
  history: HistoryEntry[];
  /** The last step's entry (empty_layer left to the writer). */
  last: HistoryEntry;
}

/** What a squashed image of `top` (built from `base`, undefined for scratch) keeps and merges. */
export function squashPlan(base: ImageConfig | undefined, top: ImageConfig, mode: SquashMode): SquashPlan {
  const baseLayers = mode === 'all' ? 0 : base?.rootfs.diff_ids.length ?? 0;
  const ids = top.rootfs.diff_ids;
  const added = (top.history ?? []).slice(base?.history?.length ?? 0).map((h) => {
    const e: HistoryEntry = { ...h };
    delete e.empty_layer;
    return e;
  });
  const last = added.pop() ?? { ...(top.created !== undefined ? { created: top.created } : {}) };
  return {
    keep: ids.slice(0, baseLayers),
    merge: ids.slice(baseLayers),
    history: [...(mode === 'all' ? [] : base?.history ?? []), ...added.map((e) => ({ ...e, empty_layer: true }))],
    last,
  };
}

/** Writes the squashed image of `topId`; returns its ID. */
export async function squashImage(ctx: Context, store: typeof import('../image/store.js'), baseId: string | undefined, topId: string, mode: SquashMode, time: { created?: string; layerMtime?: number } = {}): Promise<string> {
  const top = await store.readImageConfig(ctx, topId);
  const base = baseId !== undefined ? await store.readImageConfig(ctx, baseId) : undefined;
  const plan = squashPlan(base, top, mode);
  const { commitWithConfig, writeConfigImage } = await import('../engine/commit.js');
  const write = {
    base: { ...top, rootfs: { type: 'layers' as const, diff_ids: plan.keep }, history: plan.history },
    body: top.config ?? {},
    entry: plan.last,
    names: [],
    author: top.author,
    ...time,
  };
  if (plan.merge.length === 0) return writeConfigImage(ctx, write);
  const { namespacePlace } = await import('../rootless/join.js');
  const { packTree } = await import('../storage/tar-helper.js');
  const { extractLayer } = await import('../storage/extract.js');
  const { WorkDir } = await import('../storage/workdir.js');
  const place = await namespacePlace(ctx);
  const skip = (p: string, why: string): void => ctx.log.debug(`squash: left out ${p} (${why})`);
  const work = await WorkDir.create(ctx, 'work');
  try {
    const root = join(work.path, 'squash');
    mkdirSync(root, { mode: 0o755 });
    for (const d of plan.merge) {
      const s = new PassThrough({ highWaterMark: 1 << 20 });
      const packed = packTree(place, store.layerDiffDir(ctx, d), s, skip, { whiteouts: true }).then(() => s.end(), (e: unknown) => {
        s.destroy(e as Error);
        throw e;
      });
      await extractLayer(s, root, { preserveOwner: true, stack: true, label: `of the squash (${d.slice(7, 19)})`, ...place });
      await packed;
    }
    // With --squash-all nothing lies below: whiteouts would hide nothing.
    return await commitWithConfig(ctx, {
      tar: () => {
        const s = new PassThrough({ highWaterMark: 1 << 20 });
        packTree(place, root, s, skip, { whiteouts: mode === 'new', ...(time.layerMtime !== undefined ? { mtime: time.layerMtime } : {}) }).then(() => s.end(), (e: unknown) => s.destroy(e as Error));
        return s;
      },
    }, write);
  } finally {
    await work.dispose(ctx);
  }
}
