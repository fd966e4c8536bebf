// oci-archive (`skopeo copy ... oci-archive:`, `podman save --format oci-archive`): an
// OCI image layout in a tar. index.json points at manifests (or at an index, from
// which the host's platform is picked); every blob is checked against its descriptor's
// digest and size.
import { TpodError } from '../../errors.js';
import { normalizeLocalName, normalizeDockerName } from '../reference.js';
import { parseImageConfig } from '../config.js';
import type { ArchiveContents, ArchiveMember } from './contents.js';
import { MEDIA, type ArchiveImage, type ArchiveLayer } from './types.js';

interface Descriptor {
  mediaType?: string;
  digest: string;
  size?: number;
  annotations?: Record<string, string>;
  platform?: { os?: string; architecture?: string; variant?: string };
}

const REF_NAME = 'org.opencontainers.image.ref.name';
const CONTAINERD_NAME = 'io.containerd.image.name';

export function isOciArchive(archive: ArchiveContents): boolean {
  return archive.has('index.json');
}

/** Node's names for CPUs, in the OCI/Go spelling. */
export function ociArch(arch: string = process.arch): string {
  const map: Record<string, string> = { x64: 'amd64', ia32: '386', arm64: 'arm64', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' };
  return map[arch] ?? arch;
}

function isDescriptor(d: unknown): d is Descriptor {
  return typeof d === 'object' && d !== null && typeof (d as Descriptor).digest === 'string' && /^sha256:[a-f0-9]{64}$/.test((d as Descriptor).digest);
}

function blob(archive: ArchiveContents, d: Descriptor, what: string): ArchiveMember {
  const hex = d.digest.slice('sha256:'.length);
  const member = archive.require(`blobs/sha256/${hex}`, what);
  if (member.digest !== d.digest) {
    throw new TpodError('EDIGEST', `${archive.label}: ${what} ${d.digest} does not match its content (${member.digest})`);
  }
  if (typeof d.size === 'number' && d.size !== member.size) {
    throw new TpodError('EDIGEST', `${archive.label}: ${what} ${d.digest} is ${member.size} bytes, its descriptor says ${d.size}`);
  }
  return member;
}

function readBlobJson<T>(archive: ArchiveContents, d: Descriptor, what: string): { value: T; bytes: Buffer } {
  blob(archive, d, what);
  return archive.readJson<T>(`blobs/sha256/${d.digest.slice(7)}`, what);
}

interface IndexLike {
  mediaType?: string;
  manifests?: unknown;
  config?: unknown;
  layers?: unknown;
}

function isIndex(mediaType: string | undefined, doc: IndexLike): boolean {
  return mediaType === MEDIA.ociIndex || mediaType === MEDIA.dockerList || (mediaType === undefined && Array.isArray(doc.manifests) && doc.config === undefined);
}

/** From an index, the manifest for this host (linux/<arch>), or the only one. */
function pickPlatform(archive: ArchiveContents, list: Descriptor[]): Descriptor {
  const arch = ociArch();
  const match = list.find((d) => (d.platform?.os ?? 'linux') === 'linux' && d.platform?.architecture === arch);
  if (match) return match;
  if (list.length === 1 && !list[0]!.platform) return list[0]!;
  const have = list.map((d) => `${d.platform?.os ?? '?'}/${d.platform?.architecture ?? '?'}`).join(', ');
  throw new TpodError('EARCHIVE', `${archive.label}: no image for linux/${arch} in the archive's index (it has ${have || 'none'})`);
}

function namesOf(d: Descriptor, outer?: Descriptor): string[] {
  const ann = { ...(outer?.annotations ?? {}), ...(d.annotations ?? {}) };
  const full = ann[CONTAINERD_NAME];
  const ref = ann[REF_NAME];
  try {
    if (full) return [normalizeDockerName(full)];
    if (ref) return [normalizeLocalName(ref)];
  } catch {
    // A ref name that is only a tag, or not a valid name: the image stays unnamed.
  }
  return [];
}

function readManifest(archive: ArchiveContents, d: Descriptor, names: string[]): ArchiveImage {
  const label = archive.label;
  const { value: m, bytes: manifestBytes } = readBlobJson<IndexLike & { mediaType?: string }>(archive, d, 'manifest');
  const manifestType = m.mediaType ?? d.mediaType ?? MEDIA.ociManifest;
  if (!isDescriptor(m.config) || !Array.isArray(m.layers) || !m.layers.every(isDescriptor)) {
    throw new TpodError('EARCHIVE', `${label}: manifest ${d.digest} needs a config and a list of layer descriptors`);
  }
  const configMember = blob(archive, m.config, 'image config');
  const configBytes = archive.readBytes(`blobs/sha256/${m.config.digest.slice(7)}`, 'image config');
  const config = parseImageConfig(configBytes, `${label}: config ${m.config.digest}`);
  const descs = m.layers as Descriptor[];
  if (config.rootfs.diff_ids.length !== descs.length) {
    throw new TpodError('EARCHIVE', `${label}: manifest ${d.digest} has ${descs.length} layers but its config lists ${config.rootfs.diff_ids.length}`);
  }
  const layers: ArchiveLayer[] = descs.map((ld, i) => ({
    member: blob(archive, ld, 'layer'),
    diffId: config.rootfs.diff_ids[i]!,
    mediaType: ld.mediaType ?? MEDIA.ociLayer,
  }));
  return { names, config, configBytes, configDigest: configMember.digest, manifestBytes, manifestDigest: d.digest, manifestType, layers };
}

export function readOciArchive(archive: ArchiveContents): ArchiveImage[] {
  const label = archive.label;
  const { value: index } = archive.readJson<IndexLike>('index.json', 'index');
  if (typeof index !== 'object' || index === null || !Array.isArray(index.manifests) || !index.manifests.every(isDescriptor)) {
    throw new TpodError('EARCHIVE', `${label}: index.json has no list of manifest descriptors`);
  }
  const top = index.manifests as Descriptor[];
  if (top.length === 0) throw new TpodError('EARCHIVE', `${label}: index.json lists no images`);
  const images: ArchiveImage[] = [];
  for (const d of top) {
    const { value: doc } = readBlobJson<IndexLike>(archive, d, 'manifest');
    if (isIndex(d.mediaType ?? doc.mediaType, doc)) {
      const nested = doc;
      if (!Array.isArray(nested.manifests) || !nested.manifests.every(isDescriptor)) {
        throw new TpodError('EARCHIVE', `${label}: image index ${d.digest} has no list of manifests`);
      }
      const chosen = pickPlatform(archive, nested.manifests as Descriptor[]);
      images.push(readManifest(archive, chosen, namesOf(chosen, d)));
    } else {
      images.push(readManifest(archive, d, namesOf(d)));
    }
  }
  return images;
}
