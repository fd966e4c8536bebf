// docker-archive (`docker save`, `podman save`, `skopeo copy ... docker-archive:`):
// manifest.json lists each image's config file, layer tars and RepoTags. There is no
// registry manifest in it; like Podman, tpod writes a Docker schema 2 manifest for
// the image, so the image's digest matches the one Podman shows for the same archive.
import { createHash } from 'node:crypto';
import { TpodError } from '../../errors.js';
import { normalizeDockerName } from '../reference.js';
import { parseImageConfig } from '../config.js';
import type { ArchiveContents, ArchiveMember } from './contents.js';
import { MEDIA, type ArchiveImage } from './types.js';

interface DockerManifestEntry {
  Config?: unknown;
  RepoTags?: unknown;
  Layers?: unknown;
}

/** The digest a member's name promises: `<hex>.json`, `<hex>.tar`, `blobs/sha256/<hex>`. */
export function digestFromName(name: string): string | undefined {
  const m = /^(?:blobs\/sha256\/([a-f0-9]{64})|([a-f0-9]{64})\.(?:json|tar))$/.exec(name.replace(/^\.\//, ''));
  const hex = m?.[1] ?? m?.[2];
  return hex ? `sha256:${hex}` : undefined;
}

function verifyNamed(archive: ArchiveContents, name: string, member: ArchiveMember, what: string): void {
  const want = digestFromName(name);
  if (want !== undefined && member.digest !== want) {
    throw new TpodError('EDIGEST', `${archive.label}: ${what} "${name}" has digest ${member.digest}, not the ${want} its name promises`);
  }
}

export function isDockerArchive(archive: ArchiveContents): boolean {
  return archive.has('manifest.json');
}

export function readDockerArchive(archive: ArchiveContents): ArchiveImage[] {
  const label = archive.label;
  const { value: entries } = archive.readJson<unknown>('manifest.json', 'manifest');
  if (!Array.isArray(entries) || entries.length === 0) throw new TpodError('EARCHIVE', `${label}: manifest.json lists no images`);
  return entries.map((raw: DockerManifestEntry, i) => {
    const what = `image ${i + 1} in manifest.json`;
    if (typeof raw !== 'object' || raw === null || typeof raw.Config !== 'string' || !Array.isArray(raw.Layers) || !raw.Layers.every((l) => typeof l === 'string')) {
      throw new TpodError('EARCHIVE', `${label}: ${what} needs a Config file name and a list of Layers`);
    }
    const configName = raw.Config;
    const layerNames = raw.Layers as string[];
    const configMember = archive.require(configName, 'image config');
    verifyNamed(archive, configName, configMember, 'image config');
    const configBytes = archive.readBytes(configName, 'image config');
    const config = parseImageConfig(configBytes, `${label}: ${configName}`);
    const diffIds = config.rootfs.diff_ids;
    if (diffIds.length !== layerNames.length) {
      throw new TpodError('EARCHIVE', `${label}: ${what} has ${layerNames.length} layers but its config lists ${diffIds.length}`);
    }
    const layers = layerNames.map((name, j) => {
      const member = archive.require(name, 'layer');
      verifyNamed(archive, name, member, 'layer');
      return { member, diffId: diffIds[j]!, mediaType: MEDIA.dockerLayerGzip };
    });
    const repoTags = Array.isArray(raw.RepoTags) ? (raw.RepoTags as unknown[]).filter((t): t is string => typeof t === 'string') : [];
    const names: string[] = [];
    for (const t of repoTags) {
      const n = normalizeDockerName(t);
      if (!names.includes(n)) names.push(n);
    }
    const configDigest = configMember.digest;
    // Field order and media types as containers/image writes them, for the same digest.
    const manifest = {
      schemaVersion: 2,
      mediaType: MEDIA.dockerManifest,
      config: { mediaType: MEDIA.dockerConfig, size: configBytes.length, digest: configDigest },
      layers: layers.map((l) => ({ mediaType: l.mediaType, size: l.member.size, digest: l.member.digest })),
    };
    const manifestBytes = Buffer.from(JSON.stringify(manifest));
    return {
      names,
      config,
      configBytes,
      configDigest,
      manifestBytes,
      manifestDigest: `sha256:${createHash('sha256').update(manifestBytes).digest('hex')}`,
      manifestType: MEDIA.dockerManifest,
      layers,
    };
  });
}
