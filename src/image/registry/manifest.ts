// Manifests from registries, checked enough that the puller can trust their shape:
// OCI image manifests and indexes, Docker schema 2 manifests and manifest lists.
// Docker schema 1 (signed, no config blob) is refused with a clear message, as are
// artifacts whose layers are not container filesystems.
import { TpodError } from '../../errors.js';

export const MT = {
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerSchema1: 'application/vnd.docker.distribution.manifest.v1+json',
  dockerSchema1Signed: 'application/vnd.docker.distribution.manifest.v1+prettyjws',
} as const;

/** What pull asks for, best first. */
export const ACCEPT_MANIFESTS = [MT.ociIndex, MT.dockerList, MT.ociManifest, MT.dockerManifest, MT.dockerSchema1Signed, MT.dockerSchema1];

/** Layer media types that are tar streams, and how they are compressed. */
const LAYER_TYPES: Record<string, 'gzip' | 'zstd' | 'none'> = {
  'application/vnd.oci.image.layer.v1.tar': 'none',
  'application/vnd.oci.image.layer.v1.tar+gzip': 'gzip',
  'application/vnd.oci.image.layer.v1.tar+zstd': 'zstd',
  'application/vnd.oci.image.layer.nondistributable.v1.tar': 'none',
  'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip': 'gzip',
  'application/vnd.oci.image.layer.nondistributable.v1.tar+zstd': 'zstd',
  'application/vnd.docker.image.rootfs.diff.tar.gzip': 'gzip',
  'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip': 'gzip',
  // Some tools write these for uncompressed Docker layers.
  'application/vnd.docker.image.rootfs.diff.tar': 'none',
};

/** The largest manifest accepted, as containers/image has it. */
export const MAX_MANIFEST = 4 * 1024 * 1024;
/** The largest image config accepted. */
export const MAX_CONFIG = 8 * 1024 * 1024;
/** A layer descriptor claiming more than this is not believed. */
const MAX_BLOB = 2 ** 45;

const DIGEST = /^sha256:[a-f0-9]{64}$/;

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: Platform;
}

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

export interface ImageManifest {
  kind: 'image';
  mediaType: string;
  config: Descriptor;
  layers: Array<Descriptor & { compression: 'gzip' | 'zstd' | 'none' }>;
}

export interface IndexManifest {
  kind: 'index';
  mediaType: string;
  manifests: Descriptor[];
}

export type Manifest = ImageManifest | IndexManifest;

function bad(label: string, why: string): TpodError {
  return new TpodError('EREGISTRY', `${label}: invalid manifest: ${why}`);
}

function descriptor(v: unknown, label: string, what: string): Descriptor {
  if (typeof v !== 'object' || v === null) throw bad(label, `${what} is not an object`);
  const d = v as { mediaType?: unknown; digest?: unknown; size?: unknown; platform?: unknown };
  if (typeof d.digest !== 'string') throw bad(label, `${what} has no digest`);
  if (!DIGEST.test(d.digest)) {
    if (/^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/.test(d.digest)) throw bad(label, `${what} uses the digest algorithm of "${d.digest.split(':')[0]}", which tpod does not support (only sha256)`);
    throw bad(label, `${what} has an invalid digest "${d.digest}"`);
  }
  if (typeof d.size !== 'number' || !Number.isSafeInteger(d.size) || d.size < 0 || d.size > MAX_BLOB) throw bad(label, `${what} has an invalid size`);
  const out: Descriptor = { mediaType: typeof d.mediaType === 'string' ? d.mediaType : '', digest: d.digest, size: d.size };
  if (typeof d.platform === 'object' && d.platform !== null) {
    const p = d.platform as { os?: unknown; architecture?: unknown; variant?: unknown };
    if (typeof p.os === 'string' && typeof p.architecture === 'string') {
      out.platform = { os: p.os, architecture: p.architecture };
      if (typeof p.variant === 'string' && p.variant !== '') out.platform.variant = p.variant;
    }
  }
  return out;
}

/**
 * Parses manifest bytes. `contentType` is the registry's Content-Type; the body's own
 * mediaType wins when present (some registries answer with a generic type).
 */
export function parseManifest(bytes: Buffer, contentType: string | undefined, label: string): Manifest {
  let j: unknown;
  try {
    j = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    throw bad(label, `not JSON (${(err as Error).message})`);
  }
  if (typeof j !== 'object' || j === null || Array.isArray(j)) throw bad(label, 'not a JSON object');
  const m = j as { schemaVersion?: unknown; mediaType?: unknown; config?: unknown; layers?: unknown; manifests?: unknown; fsLayers?: unknown };
  const headerType = (contentType ?? '').split(';')[0]!.trim();
  let mediaType = typeof m.mediaType === 'string' && m.mediaType !== '' ? m.mediaType : headerType;
  if (m.schemaVersion === 1 || mediaType === MT.dockerSchema1 || mediaType === MT.dockerSchema1Signed || m.fsLayers !== undefined) {
    throw new TpodError('EREGISTRY', `${label}: the image uses the Docker schema 1 manifest format, which is deprecated and not supported; push it again with a current tool`);
  }
  if (m.schemaVersion !== 2) throw bad(label, `unsupported schemaVersion ${JSON.stringify(m.schemaVersion)}`);
  // OCI allows mediaType to be absent: tell index from image by their fields.
  if (mediaType === '' || mediaType === 'application/json' || mediaType === 'application/octet-stream') {
    mediaType = Array.isArray(m.manifests) ? MT.ociIndex : MT.ociManifest;
  }
  if (mediaType === MT.ociIndex || mediaType === MT.dockerList) {
    if (!Array.isArray(m.manifests)) throw bad(label, 'an index without "manifests"');
    return { kind: 'index', mediaType, manifests: m.manifests.map((d, i) => descriptor(d, label, `manifests[${i}]`)) };
  }
  if (mediaType !== MT.ociManifest && mediaType !== MT.dockerManifest) {
    throw new TpodError('EREGISTRY', `${label}: unsupported manifest media type "${mediaType}"`);
  }
  const config = descriptor(m.config, label, 'config');
  if (config.mediaType !== MT.ociConfig && config.mediaType !== MT.dockerConfig && config.mediaType !== '') {
    throw new TpodError('EREGISTRY', `${label}: not a container image: its config has media type "${config.mediaType}" (an OCI artifact?)`);
  }
  if (!Array.isArray(m.layers)) throw bad(label, 'no "layers"');
  const layers = m.layers.map((v, i) => {
    const d = descriptor(v, label, `layers[${i}]`);
    const compression = LAYER_TYPES[d.mediaType];
    if (compression === undefined) throw new TpodError('EREGISTRY', `${label}: unsupported layer media type "${d.mediaType}" (layer ${i + 1})`);
    return { ...d, compression };
  });
  return { kind: 'image', mediaType, config, layers };
}

export interface PlatformWanted {
  os: string;
  architecture: string;
  variant?: string;
}

/** Node's process.arch in OCI terms. */
export function hostPlatform(arch: string = process.arch): PlatformWanted {
  const map: Record<string, PlatformWanted> = {
    x64: { os: 'linux', architecture: 'amd64' },
    arm64: { os: 'linux', architecture: 'arm64', variant: 'v8' },
    arm: { os: 'linux', architecture: 'arm', variant: 'v7' },
    ia32: { os: 'linux', architecture: '386' },
    ppc64: { os: 'linux', architecture: 'ppc64le' },
    s390x: { os: 'linux', architecture: 's390x' },
    riscv64: { os: 'linux', architecture: 'riscv64' },
  };
  return map[arch] ?? { os: 'linux', architecture: arch };
}

/** Parses `os/arch[/variant]` (--platform). */
export function parsePlatform(s: string): PlatformWanted {
  const parts = s.split('/');
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => p === '')) {
    throw new TpodError('EUSAGE', `invalid platform "${s}": want OS/ARCH[/VARIANT], e.g. linux/arm64`);
  }
  const p: PlatformWanted = { os: parts[0]!, architecture: normalizeArch(parts[1]!) };
  if (parts[2] !== undefined) p.variant = parts[2];
  return p;
}

/** Common spellings of architectures (Docker accepts these too). */
export function normalizeArch(a: string): string {
  const m: Record<string, string> = { x86_64: 'amd64', 'x86-64': 'amd64', aarch64: 'arm64', armhf: 'arm', armel: 'arm', i386: '386', i686: '386' };
  return m[a] ?? a;
}

/** arm64's default variant is v8: a manifest without a variant matches it and vice versa. */
function variantMatches(want: PlatformWanted, have: Platform): boolean {
  if (want.variant === undefined) return true;
  if (have.variant === want.variant) return true;
  if (want.architecture === 'arm64' && want.variant === 'v8' && have.variant === undefined) return true;
  if (want.architecture === 'arm' && want.variant === 'v7' && have.variant === undefined) return false;
  return false;
}

export function formatPlatform(p: { os: string; architecture: string; variant?: string | undefined }): string {
  return `${p.os}/${p.architecture}${p.variant ? `/${p.variant}` : ''}`;
}

/** The instance of an index for a platform; throws when there is none. */
export function choosePlatform(index: IndexManifest, want: PlatformWanted, label: string): Descriptor {
  const images = index.manifests.filter((d) => d.mediaType !== MT.ociIndex && d.mediaType !== MT.dockerList);
  const hit = images.find((d) => d.platform && d.platform.os === want.os && d.platform.architecture === want.architecture && variantMatches(want, d.platform))
    // A wanted variant the index does not list: an entry without one is a fair match.
    ?? images.find((d) => d.platform && d.platform.os === want.os && d.platform.architecture === want.architecture && d.platform.variant === undefined);
  if (!hit) {
    const have = images.map((d) => (d.platform ? formatPlatform(d.platform) : 'unknown')).join(', ');
    throw new TpodError('EREGISTRY', `${label}: no image in the manifest list for ${formatPlatform(want)} (it has: ${have || 'nothing'})`);
  }
  return hit;
}
