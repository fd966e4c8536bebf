// `tpod image prune`: removes dangling images (no name), or with `all` every image no
// container uses. An image a container was created from is never removed. Filters:
// label=KEY[=VALUE], label!=KEY[=VALUE], until=TIMESTAMP|DURATION.
import type { Context } from '../engine/context.js';
import { TpodError, UsageError } from '../errors.js';
import { WorkDir } from '../storage/workdir.js';
import { imageUsers, listImages, readImageConfig, removeImage, repairStore, type StoredImage } from './store.js';
import { imageSize } from './inspect.js';
import { intermediateImages } from './intermediate.js';

export interface PruneOptions {
  all: boolean;
  filters: string[];
  /** Now, for `until` durations (tests). */
  now?: number;
}

export interface PruneReport {
  removed: string[];
  /** Bytes the removed images took (their layers may be shared with others). */
  size: number;
}

/** Go's time.ParseDuration subset: "10m", "1h30m", "45s", "2h". */
export function parseGoDuration(s: string): number | undefined {
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g;
  const unit: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let total = 0;
  let consumed = 0;
  for (const m of s.matchAll(re)) {
    if (m.index !== consumed) return undefined;
    total += Number(m[1]) * unit[m[2]!]!;
    consumed += m[0].length;
  }
  return consumed === s.length && consumed > 0 ? total : undefined;
}

/** until=: a Unix time (seconds, with fraction), an RFC 3339 date, or a duration ago. */
export function parseUntil(value: string, now: number): number {
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value) * 1000;
  const d = parseGoDuration(value);
  if (d !== undefined) return now - d;
  const t = Date.parse(value);
  if (!Number.isNaN(t)) return t;
  throw new UsageError(`invalid until filter value "${value}": want a timestamp, a date or a duration (10m, 2h)`);
}

type Labels = Record<string, string>;
type Predicate = (img: StoredImage, labels: Labels) => boolean;

function labelMatch(spec: string): (labels: Labels) => boolean {
  const eq = spec.indexOf('=');
  const key = eq >= 0 ? spec.slice(0, eq) : spec;
  const val = eq >= 0 ? spec.slice(eq + 1) : undefined;
  return (labels) => key in labels && (val === undefined || labels[key] === val);
}

export function pruneFilters(filters: string[], now: number): Predicate[] {
  const out: Predicate[] = [];
  for (const f of filters) {
    const eq = f.indexOf('=');
    if (eq < 0) throw new UsageError(`invalid filter "${f}": want KEY=VALUE`);
    let key = f.slice(0, eq);
    const value = f.slice(eq + 1);
    const negate = key.endsWith('!');
    if (negate) key = key.slice(0, -1);
    switch (key) {
      case 'label': {
        const m = labelMatch(value);
        out.push(negate ? (_i, l) => !m(l) : (_i, l) => m(l));
        break;
      }
      case 'until': {
        if (negate) throw new UsageError(`unsupported image filter "${key}!"`);
        const t = parseUntil(value, now);
        out.push((i) => Date.parse(i.created) < t);
        break;
      }
      default:
        throw new UsageError(`unsupported image filter "${key}${negate ? '!' : ''}"`);
    }
  }
  return out;
}

export async function pruneImages(ctx: Context, opts: PruneOptions): Promise<PruneReport> {
  const preds = pruneFilters(opts.filters, opts.now ?? Date.now());
  await repairStore(ctx);
  const report: PruneReport = { removed: [], size: 0 };
  const trash = await WorkDir.create(ctx, 'trash');
  try {
    // Without --all, as Podman: dangling images (untagged, no child) go, round after
    // round, so a build's step images stay while the image built from them is there.
    for (;;) {
      const before = report.removed.length;
      await pruneRound(ctx, opts, preds, report, trash);
      if (opts.all || report.removed.length === before) break;
    }
  } finally {
    await trash.dispose(ctx).catch((e: Error) => ctx.log.warn(`removed layers will be deleted later: ${e.message}`));
  }
  return report;
}

async function pruneRound(ctx: Context, opts: PruneOptions, preds: ReturnType<typeof pruneFilters>, report: PruneReport, trash: WorkDir): Promise<void> {
  const images = await listImages(ctx);
  const users = imageUsers(ctx);
  const intermediate = opts.all ? new Set<string>() : intermediateImages(await Promise.all(images.map(async (i) => ({ id: i.id, names: i.names, config: await readImageConfig(ctx, i.id).catch(() => undefined) }))));
  for (const img of images) {
    if ((users.get(img.id)?.length ?? 0) > 0) continue;
    if (!opts.all && (img.names.length > 0 || intermediate.has(img.id))) continue;
    if (preds.length > 0) {
      let labels: Labels = {};
      try {
        labels = (await readImageConfig(ctx, img.id)).config?.Labels ?? {};
      } catch {
        labels = {};
      }
      if (!preds.every((p) => p(img, labels))) continue;
    }
    try {
      // removeImage checks again under the store lock that no container uses it.
      const r = await removeImage(ctx, img.id, { force: true, trash });
      if (r.deleted) {
        report.removed.push(r.deleted);
        report.size += imageSize(img);
      }
    } catch (err) {
      // Gone or taken into use since the listing: not an error for prune.
      if (err instanceof TpodError && (err.code === 'ENOIMAGE' || err.code === 'EIMAGEINUSE')) continue;
      throw err;
    }
  }
}
