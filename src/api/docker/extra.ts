// Pure mappings for the endpoints of routes/extra.ts: a diff report as Docker's change
// list, a registry manifest as Docker's distribution answer.
import type { DiffReport } from '../../engine/diff.js';

/** Docker's change kinds (pkg/archive ChangeType). */
export const CHANGE_KIND = { modified: 0, added: 1, deleted: 2 } as const;

export interface DockerChange {
  Path: string;
  Kind: 0 | 1 | 2;
}

/** tpod's three lists as Docker's one list, sorted by path as Docker's is. */
export function dockerChanges(r: DiffReport): DockerChange[] {
  const out: DockerChange[] = [
    ...r.changed.map((Path) => ({ Path, Kind: CHANGE_KIND.modified })),
    ...r.added.map((Path) => ({ Path, Kind: CHANGE_KIND.added })),
    ...r.deleted.map((Path) => ({ Path, Kind: CHANGE_KIND.deleted })),
  ];
  return out.sort((a, b) => (a.Path < b.Path ? -1 : a.Path > b.Path ? 1 : 0));
}

export interface DockerPlatform {
  architecture: string;
  os: string;
  variant?: string;
}

export interface DistributionInspect {
  Descriptor: { mediaType: string; digest: string; size: number };
  Platforms: DockerPlatform[];
}

/**
 * GET /distribution/{name}/json: the manifest the registry serves under the name, and
 * the platforms it is for (an index's entries; an image's, from its config).
 */
export function distributionInspect(
  manifest: { mediaType: string; digest: string; size: number },
  platforms: Array<{ os: string; architecture: string; variant?: string | undefined }>,
): DistributionInspect {
  return {
    Descriptor: { mediaType: manifest.mediaType, digest: manifest.digest, size: manifest.size },
    Platforms: platforms.map((p) => ({ architecture: p.architecture, os: p.os, ...(p.variant ? { variant: p.variant } : {}) })),
  };
}
