// What an archive reader hands to the store: verified config and manifest bytes, the
// names the archive gives the image, and where each layer's blob is.
import type { ImageConfig } from '../types.js';
import type { ArchiveMember } from './contents.js';

export interface ArchiveLayer {
  member: ArchiveMember;
  /** Uncompressed digest the config promises (config.rootfs.diff_ids[i]). */
  diffId: string;
  mediaType: string;
}

export interface ArchiveImage {
  /** Fully qualified names, normalised as Podman does for this archive format. */
  names: string[];
  config: ImageConfig;
  configBytes: Buffer;
  /** "sha256:<hex>" of configBytes; its hex is the image ID. */
  configDigest: string;
  manifestBytes: Buffer;
  manifestDigest: string;
  manifestType: string;
  layers: ArchiveLayer[];
}

export const MEDIA = {
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayer: 'application/vnd.oci.image.layer.v1.tar',
  ociLayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  ociLayerZstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayerGzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
} as const;
