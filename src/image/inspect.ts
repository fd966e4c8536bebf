// The Podman-shaped views of a stored image: `image inspect` objects and the rows of
// `images` (one per name, as Podman lists them).
import type { Context } from '../engine/context.js';
import type { ImageConfig } from './types.js';
import { readImageConfig, readImageManifest, layerDiffDir, type StoredImage } from './store.js';
import { splitStoredName } from './reference.js';

/** What Podman counts as an image's size: layers, config, and the manifest (stored twice). */
export function imageSize(img: StoredImage): number {
  return img.size + (img.configSize ?? 0) + 2 * (img.manifestSize ?? 0);
}

export interface ImageInspect {
  Id: string;
  Digest: string;
  RepoTags: string[];
  RepoDigests: string[];
  Parent: string;
  Comment: string;
  Created: string;
  Config: Record<string, unknown>;
  Version: string;
  Author: string;
  Architecture: string;
  Os: string;
  Size: number;
  VirtualSize: number;
  GraphDriver: { Name: string; Data: Record<string, string> };
  RootFS: { Type: string; Layers: string[] };
  Labels: Record<string, string> | null;
  Annotations: Record<string, string>;
  ManifestType: string;
  User: string;
  History: NonNullable<ImageConfig['history']>;
  NamesHistory: string[];
}

function manifestAnnotations(bytes: Buffer | undefined): Record<string, string> {
  if (!bytes) return {};
  try {
    const m = JSON.parse(bytes.toString('utf8')) as { annotations?: Record<string, string> };
    return m.annotations && typeof m.annotations === 'object' ? m.annotations : {};
  } catch {
    return {};
  }
}

/** Drops empty fields from the config body, as Go's omitempty does. */
function compactConfig(body: ImageConfig['config']): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(body ?? {})) {
    if (v === undefined || v === null || v === '') continue;
    if (Array.isArray(v) && v.length === 0) continue;
    if (typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 0) continue;
    out[k] = v;
  }
  return out;
}

export async function inspectImage(ctx: Context, img: StoredImage): Promise<ImageInspect> {
  const config = await readImageConfig(ctx, img.id);
  const history = config.history ?? [];
  const layers = img.layers;
  const dirs = [...layers].reverse().map((d) => layerDiffDir(ctx, d));
  const data: Record<string, string> = {};
  if (dirs.length > 1) data.LowerDir = dirs.slice(1).join(':');
  if (dirs.length > 0) data.UpperDir = dirs[0]!;
  const size = imageSize(img);
  return {
    Id: img.id,
    Digest: img.manifestDigest,
    RepoTags: repoTags(img.names),
    RepoDigests: [...img.digests],
    Parent: '',
    Comment: history[history.length - 1]?.comment ?? '',
    Created: config.created ?? img.created,
    Config: compactConfig(config.config),
    Version: (config as { docker_version?: string }).docker_version ?? '',
    Author: config.author ?? '',
    Architecture: config.architecture,
    Os: config.os,
    Size: size,
    VirtualSize: size,
    GraphDriver: { Name: ctx.globals.storageDriver ?? 'overlay', Data: data },
    RootFS: { Type: 'layers', Layers: [...layers] },
    Labels: config.config?.Labels ?? null,
    Annotations: manifestAnnotations(readImageManifest(ctx, img.id)),
    ManifestType: img.manifestType,
    User: config.config?.User ?? '',
    History: history,
    NamesHistory: [...img.namesHistory],
  };
}

/** `images --format json`: one object per row, as Podman's ImageSummary. */
export interface ImageSummaryJson {
  Id: string;
  ParentId: string;
  RepoTags: null;
  RepoDigests: string[];
  Size: number;
  SharedSize: number;
  VirtualSize: number;
  Labels: Record<string, string> | null;
  Containers: number;
  Dangling?: true;
  Names?: string[];
  Digest: string;
  History?: string[];
  Created: number;
  CreatedAt: string;
}

export interface ImageRow {
  image: StoredImage;
  repository: string;
  tag: string;
  labels: Record<string, string> | null;
  containers: number;
}

/** The names that carry a tag: a name by digest (repo@sha256:..., kept by a pull by digest) is not a tag. */
export function repoTags(names: string[]): string[] {
  return names.filter((n) => !n.includes('@'));
}

/**
 * One row per tagged name, as Podman lists RepoTags; an image without one gets a single
 * row: the repository of a name by digest if it has one, else `<none>`.
 */
export function imageRows(img: StoredImage, labels: Record<string, string> | null, containers: number): ImageRow[] {
  const tagged = repoTags(img.names);
  if (tagged.length === 0) {
    const digested = img.names[0];
    return [{ image: img, repository: digested ? splitStoredName(digested).repository : '<none>', tag: '<none>', labels, containers }];
  }
  return tagged.map((n) => {
    const { repository, tag } = splitStoredName(n);
    return { image: img, repository, tag, labels, containers };
  });
}

function createdSeconds(img: StoredImage): number {
  const t = Date.parse(img.created);
  return Number.isFinite(t) ? Math.floor(t / 1000) : 0;
}

export function summaryJson(row: ImageRow): ImageSummaryJson {
  const img = row.image;
  const size = imageSize(img);
  const secs = createdSeconds(img);
  const out: ImageSummaryJson = {
    Id: img.id,
    ParentId: '',
    RepoTags: null,
    RepoDigests: [...img.digests],
    Size: size,
    SharedSize: 0,
    VirtualSize: size,
    Labels: row.labels,
    Containers: row.containers,
    Digest: img.manifestDigest,
    Created: secs,
    CreatedAt: new Date(secs * 1000).toISOString().replace('.000Z', 'Z'),
  };
  if (img.names.length === 0) out.Dangling = true;
  if (img.names.length > 0) out.Names = [...img.names];
  if (img.namesHistory.length > 0) out.History = [...img.namesHistory];
  // Podman's field order: Dangling and Names sit after Containers.
  const { Digest, History, Created, CreatedAt, ...head } = out;
  return { ...head, Digest, ...(History ? { History } : {}), Created, CreatedAt } as ImageSummaryJson;
}

/** Go's time.Time String() for a UTC time, to the second: "2024-01-02 03:04:05 +0000 UTC". */
export function goTimeString(secs: number): string {
  return new Date(secs * 1000).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' +0000 UTC');
}

export { createdSeconds };
