// Volumes between Docker's shapes and tpod's: the list/inspect object (Docker's
// types.Volume, as Podman's compat API fills it), the create body, the filters.
import { z } from 'zod';
import type { VolumeCreateOptions, VolumeView } from '../../engine/volumes.js';
import { ApiError } from '../errors.js';

/** POST /volumes/create (Docker's VolumeCreateBody). */
export const volumeCreateBody = z.object({
  Name: z.string().nullish(),
  Driver: z.string().nullish(),
  DriverOpts: z.record(z.string()).nullish(),
  Labels: z.record(z.string()).nullish(),
});
export type VolumeCreateBody = z.infer<typeof volumeCreateBody>;

export function volumeCreateOptions(b: VolumeCreateBody): VolumeCreateOptions {
  return {
    name: b.Name || undefined,
    driver: b.Driver || undefined,
    labels: { ...(b.Labels ?? {}) },
    opts: Object.entries(b.DriverOpts ?? {}).map(([k, v]) => `${k}=${v}`),
    // Docker answers a create of an existing name with that volume (compose relies on it).
    ignore: true,
  };
}

/** RFC 3339 to the second, as Docker and Podman's compat API print a volume's CreatedAt. */
export function dockerTime(iso: string): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return iso;
  return new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
}

/** Docker's types.Volume for tpod's view of a volume. */
export function dockerVolume(v: VolumeView): Record<string, unknown> {
  return {
    CreatedAt: dockerTime(v.CreatedAt),
    Driver: v.Driver,
    Labels: v.Labels ?? {},
    Mountpoint: v.Mountpoint,
    Name: v.Name,
    Options: v.Options ?? {},
    Scope: 'local',
  };
}

const VOLUME_FILTERS = new Set(['name', 'label', 'label!', 'driver', 'dangling', 'until']);

/** Docker's filters query to `volume ls --filter` strings (dangling takes 1/0 as well). */
export function volumeFilters(f: Record<string, string[]>): string[] {
  const out: string[] = [];
  for (const [k, values] of Object.entries(f)) {
    if (!VOLUME_FILTERS.has(k)) throw new ApiError(400, `invalid filter '${k}'`);
    for (const v of values) {
      if (k === 'dangling') {
        const b = /^(1|true)$/i.test(v) ? 'true' : /^(0|false)$/i.test(v) ? 'false' : undefined;
        if (b === undefined) throw new ApiError(400, `invalid filter 'dangling=${v}'`);
        out.push(`dangling=${b}`);
      } else out.push(`${k}=${v}`);
    }
  }
  return out;
}
