// Shapes shared by the image store and its users (run/create, inspect, save).
// OCI image config as stored (application/vnd.oci.image.config.v1+json).

export interface ImageConfigBody {
  User?: string;
  ExposedPorts?: Record<string, object>;
  Env?: string[];
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
  Volumes?: Record<string, object>;
  WorkingDir?: string;
  Labels?: Record<string, string>;
  StopSignal?: string;
  /** Build-time only (SHELL, ONBUILD, HEALTHCHECK): kept in the config as Docker's format has them. */
  Shell?: string[];
  OnBuild?: string[] | null;
  Healthcheck?: { Test?: string[]; Interval?: number; Timeout?: number; StartPeriod?: number; Retries?: number };
}

export interface ImageConfig {
  created?: string;
  author?: string;
  architecture: string;
  os: string;
  variant?: string;
  config?: ImageConfigBody;
  rootfs: { type: 'layers'; diff_ids: string[] };
  history?: Array<{ created?: string; created_by?: string; empty_layer?: boolean; comment?: string; author?: string }>;
}

/** tpod's record of an image: images/<id>/image.json. id = hex of the config digest. */
export interface ImageRecord {
  id: string;
  /** Fully qualified names, e.g. "docker.io/library/busybox:latest", "localhost/foo:latest". */
  names: string[];
  /** Repo digests, e.g. "docker.io/library/busybox@sha256:…". */
  digests: string[];
  /** Digest of the manifest the image came with (or the one tpod wrote for it). */
  manifestDigest: string;
  /** Layer diff IDs ("sha256:…"), bottom first, as in config.rootfs.diff_ids. */
  layers: string[];
  created: string;
  /** Sum of the uncompressed layer sizes. */
  size: number;
}

/** tpod's record of an extracted layer: layers/<hex of diff id>/layer.json beside diff/. */
export interface LayerRecord {
  diffId: string;
  /** Compressed digests this layer is known by (blobs that decompress to it). */
  compressedDigests: string[];
  size: number;
  /** Set once extraction finished; a layer dir without it is a leftover to remove. */
  complete: boolean;
  /**
   * The mode the layer's tar gives "/", null when it does not list it (absent in records
   * written before tpod kept it). A container's "/" takes the topmost listed one.
   */
  rootMode?: number | null;
}
