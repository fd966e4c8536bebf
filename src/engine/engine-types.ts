// The library's public types (src/engine/engine.ts): self-contained, so the declarations
// a library user's compiler reads stop here.

/** Podman's --log-level names. */
export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'warning' | 'error' | 'fatal' | 'panic';

export interface EngineOptions {
  /** Persistent storage (images, layers, containers). Default: $XDG_DATA_HOME/tpod/storage, as the CLI. */
  root?: string;
  /** Per-boot state (pause process, locks, exit files). Default: $XDG_RUNTIME_DIR/tpod, as the CLI. */
  runroot?: string;
  /** overlay, fuse-overlayfs or vfs; default: what the storage root already uses, else the best that works. */
  storageDriver?: string;
  /** OCI runtime: crun, runc or a path; default: crun where it works, else runc. */
  runtime?: string;
  /** Extra global flags for the OCI runtime ("debug" becomes --debug). */
  runtimeFlags?: string[];
  /** Where volumes live; default: ROOT/volumes. */
  volumePath?: string;
  /** The host environment the engine reads (XDG dirs, registries.conf, auth); default: process.env when opened. */
  env?: Record<string, string | undefined>;
  /** Messages at or above this level reach onLog (default warn). */
  logLevel?: LogLevel;
  /** Receives the engine's log lines (logrus format, as the CLI prints them). Default: dropped. */
  onLog?: (line: string) => void;
}

export interface PullRequestOptions {
  /** false: plain http / unverified TLS allowed; true: always verified; default: registries.conf decides. */
  tlsVerify?: boolean;
  /** An auth.json to read credentials from. */
  authfile?: string;
  /** OS/ARCH[/VARIANT] of a multi-platform image; default: this machine's. */
  platform?: string;
  /** Used instead of the auth files. */
  credentials?: { username: string; password: string };
}

export interface PulledImage {
  id: string;
  /** The fully qualified name it was stored under. */
  name: string;
}

export interface ImageSummary {
  /** Full image ID (hex, without "sha256:"). */
  id: string;
  /** Fully qualified names, e.g. "docker.io/library/busybox:latest". */
  names: string[];
  /** Repository digests ("NAME@sha256:..."). */
  digests: string[];
  /** ISO time the image was created. */
  created: string;
  /** Uncompressed size in bytes. */
  size: number;
}

export interface RunRequest {
  image: string;
  /** The command; default: the image's. */
  command?: string[];
  name?: string;
  /** Variables for the container, as an object or NAME=VALUE strings. */
  env?: Record<string, string> | string[];
  /** Start in the background under its monitor and resolve to `{ id }`. */
  detach?: boolean;
  /** Remove the container once it exited (detached: its monitor does, after this program ended too). */
  remove?: boolean;
  /** Network mode: pasta, slirp4netns, none, host... (default as the CLI: pasta where installed). */
  network?: string;
  workdir?: string;
  user?: string;
  /** Replaces the image's entrypoint (an empty array: none). */
  entrypoint?: string[];
  labels?: Record<string, string>;
  /** -v specs: HOST-DIR:CONTAINER-DIR[:OPTIONS], VOLUME:DIR, or DIR for an anonymous volume. */
  volumes?: string[];
  /** -p specs: [IP:][HOST-PORT:]CONTAINER-PORT[/PROTOCOL]. */
  publish?: string[];
  /**
   * When to pull the image first: never (default: a missing image rejects with ENOIMAGE,
   * and run touches no registry), missing, always, newer.
   */
  pull?: 'never' | 'missing' | 'always' | 'newer';
  /** For a pull that run does. */
  tlsVerify?: boolean;
}

export interface AttachedRunResult {
  /** The container's exit code (255 when killed by a timeout, as the CLI). */
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface DetachedRunResult {
  /** Full container ID. */
  id: string;
}

export interface ContainersOptions {
  /** Every container, not only running ones. */
  all?: boolean;
  /** Podman's ps filters: name=, id=, status=, label=, ancestor=, exited=... */
  filters?: string[];
}

export interface ContainerSummary {
  /** Full container ID. */
  id: string;
  names: string[];
  image: string;
  imageId: string;
  command: string[];
  /** created, running, paused, stopping, exited, unknown. */
  state: string;
  /** Podman's human status ("Up 3 seconds", "Exited (0) 2 minutes ago"). */
  status: string;
  exitCode: number;
  /** ISO time of creation. */
  created: string;
  /** Unix seconds; 0 when it never started / never exited. */
  startedAt: number;
  exitedAt: number;
  autoRemove: boolean;
  pid: number;
  labels: Record<string, string>;
  pod: string;
}

export interface LogsRequestOptions {
  /** Only the last N lines. */
  tail?: number;
  /** Prefix each line with its time (RFC 3339, nanoseconds). */
  timestamps?: boolean;
}

export interface StopRequestOptions {
  /** Seconds between the stop signal and SIGKILL; default: the container's stop timeout (10). */
  timeout?: number;
}

export interface RemoveRequestOptions {
  /** Stop a running container first. */
  force?: boolean;
  /** Seconds before SIGKILL when force stops it. */
  timeout?: number;
  /** Remove its anonymous volumes too. */
  volumes?: boolean;
}
