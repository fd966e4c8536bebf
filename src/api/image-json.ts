// tpod's image records in the shapes of Docker's Engine API (ImageSummary, the image
// inspect object, history items), and the small parsers the image endpoints share
// (names the Docker way, X-Registry-Auth). Pure: the routes read the store and hand over.
import type { StoredImage } from '../image/store.js';
import type { ImageConfig } from '../image/types.js';
import type { HistoryEntry } from '../image/history.js';
import type { ImageInspect } from '../image/inspect.js';
import type { Credentials } from '../image/auth-file.js';
import { normalizeDockerName, parseReference } from '../image/reference.js';
import { ApiError } from './errors.js';

export interface DockerImageSummary {
  Id: string;
  ParentId: string;
  RepoTags: string[];
  RepoDigests: string[];
  Created: number;
  Size: number;
  SharedSize: number;
  VirtualSize: number;
  Labels: Record<string, string>;
  Containers: number;
}

function createdSecs(iso: string | undefined): number {
  const t = iso === undefined ? NaN : Date.parse(iso);
  return Number.isFinite(t) ? Math.floor(t / 1000) : 0;
}

/**
 * One image of GET /images/json. `tags`: the names to show (all the image's tags, or the
 * ones a reference filter matched); an untagged image shows `<none>:<none>` as Docker did.
 */
export function imageSummary(img: StoredImage, o: { tags: string[]; size: number; labels: Record<string, string> | null | undefined; containers: number; parentId?: string | undefined; created?: string | undefined }): DockerImageSummary {
  return {
    Id: `sha256:${img.id}`,
    ParentId: o.parentId !== undefined ? `sha256:${o.parentId}` : '',
    RepoTags: o.tags.length > 0 ? o.tags : ['<none>:<none>'],
    RepoDigests: img.digests.length > 0 ? [...img.digests] : img.names.length === 0 && img.manifestDigest ? [`<none>@${img.manifestDigest}`] : [],
    Created: createdSecs(o.created ?? img.created),
    Size: o.size,
    SharedSize: -1,
    VirtualSize: o.size,
    Labels: o.labels ?? {},
    Containers: o.containers,
  };
}

/** Go's zero-valued container config fields, as Docker writes an image's Config. */
function dockerConfig(body: ImageConfig['config']): Record<string, unknown> {
  const c = body ?? {};
  return {
    Hostname: '',
    Domainname: '',
    User: c.User ?? '',
    AttachStdin: false,
    AttachStdout: false,
    AttachStderr: false,
    ...(c.ExposedPorts && Object.keys(c.ExposedPorts).length > 0 ? { ExposedPorts: c.ExposedPorts } : {}),
    Tty: false,
    OpenStdin: false,
    StdinOnce: false,
    Env: c.Env ?? [],
    Cmd: c.Cmd ?? null,
    ...(c.Healthcheck ? { Healthcheck: c.Healthcheck } : {}),
    Image: '',
    Volumes: c.Volumes && Object.keys(c.Volumes).length > 0 ? c.Volumes : null,
    WorkingDir: c.WorkingDir ?? '',
    Entrypoint: c.Entrypoint ?? null,
    OnBuild: c.OnBuild ?? null,
    Labels: c.Labels ?? {},
    ...(c.StopSignal ? { StopSignal: c.StopSignal } : {}),
    ...(c.Shell ? { Shell: c.Shell } : {}),
  };
}

/** GET /images/{name}/json: Docker's ImageInspect from tpod's (Podman-shaped) inspect. */
export function imageInspect(i: ImageInspect, config: ImageConfig, parentId?: string): Record<string, unknown> {
  const cfg = dockerConfig(config.config);
  return {
    Id: `sha256:${i.Id}`,
    RepoTags: i.RepoTags,
    RepoDigests: i.RepoDigests,
    Parent: parentId !== undefined ? `sha256:${parentId}` : '',
    Comment: i.Comment,
    Created: i.Created,
    Container: '',
    ContainerConfig: cfg,
    DockerVersion: i.Version,
    Author: i.Author,
    Config: cfg,
    Architecture: i.Architecture,
    ...(config.variant ? { Variant: config.variant } : {}),
    Os: i.Os,
    Size: i.Size,
    VirtualSize: i.VirtualSize,
    GraphDriver: i.GraphDriver,
    RootFS: { Type: 'layers', Layers: i.RootFS.Layers },
    Metadata: { LastTagTime: '0001-01-01T00:00:00Z' },
  };
}

/** GET /images/{name}/history: newest first, Tags on the entries that are named images. */
export function historyItems(entries: HistoryEntry[], tagsOf: (id: string) => string[]): Array<Record<string, unknown>> {
  return entries.map((e) => {
    const named = e.id !== '<missing>';
    const tags = named ? tagsOf(e.id) : [];
    return {
      Id: named ? `sha256:${e.id}` : '<missing>',
      Created: e.created ? Math.floor(e.created.getTime() / 1000) : 0,
      CreatedBy: e.createdBy,
      Tags: tags.length > 0 ? tags : null,
      Size: e.size,
      Comment: e.comment,
    };
  });
}

/**
 * A name a Docker client gives for something new (pull, tag, build -t): short names are
 * Docker Hub's, as Podman's compat API normalises them (`busybox` ->
 * `docker.io/library/busybox:latest`). Throws a 400 for a malformed one.
 */
export function dockerName(name: string): string {
  try {
    return normalizeDockerName(name);
  } catch (err) {
    throw new ApiError(400, `invalid reference format: ${name}: ${(err as Error).message.replace(/^invalid reference format: /, '')}`);
  }
}

/** fromImage + tag as the docker CLI sends them (the tag may be a digest, or empty). */
export function pullReference(fromImage: string, tag: string | undefined): string {
  if (tag === undefined || tag === '') return fromImage;
  let raw;
  try {
    raw = parseReference(fromImage);
  } catch {
    throw new ApiError(400, `invalid reference format: ${fromImage}`);
  }
  // fromImage already names a tag or digest: Docker ignores `tag` then.
  if (raw.tag !== undefined || raw.digest !== undefined) return fromImage;
  return tag.startsWith('sha256:') ? `${fromImage}@${tag}` : `${fromImage}:${tag}`;
}

/**
 * X-Registry-Auth: base64url (or plain base64) JSON {username, password, serveraddress,
 * identitytoken}. Absent, empty or `{}`: no credentials (the auth files decide).
 */
export function registryAuth(header: string | string[] | undefined): Credentials | undefined {
  const h = Array.isArray(header) ? header[0] : header;
  if (h === undefined || h.trim() === '') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(h.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('utf8'));
  } catch {
    throw new ApiError(400, 'X-Registry-Auth: not base64-encoded JSON');
  }
  if (parsed === null || typeof parsed !== 'object') return undefined;
  const a = parsed as { username?: unknown; password?: unknown; identitytoken?: unknown; auth?: unknown };
  let username = typeof a.username === 'string' ? a.username : '';
  let password = typeof a.password === 'string' ? a.password : '';
  if (username === '' && typeof a.auth === 'string' && a.auth !== '') {
    const plain = Buffer.from(a.auth, 'base64').toString('utf8');
    const colon = plain.indexOf(':');
    if (colon > 0) [username, password] = [plain.slice(0, colon), plain.slice(colon + 1)];
  }
  const token = typeof a.identitytoken === 'string' && a.identitytoken !== '' ? a.identitytoken : undefined;
  if (username === '' && token === undefined) return undefined;
  return { username, password, ...(token !== undefined ? { identityToken: token } : {}) };
}

/** X-Registry-Config (build): base64 JSON {registry: {username, password, ...}}. */
export function registryConfig(header: string | string[] | undefined): Map<string, Credentials> {
  const h = Array.isArray(header) ? header[0] : header;
  const out = new Map<string, Credentials>();
  if (h === undefined || h.trim() === '') return out;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(h.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('utf8'));
  } catch {
    throw new ApiError(400, 'X-Registry-Config: not base64-encoded JSON');
  }
  if (parsed === null || typeof parsed !== 'object') return out;
  for (const [server, v] of Object.entries(parsed as Record<string, unknown>)) {
    const c = registryAuth(Buffer.from(JSON.stringify(v)).toString('base64'));
    if (c) out.set(server.replace(/^https?:\/\//, '').replace(/\/.*$/, ''), c);
  }
  return out;
}

/** The name as the docker CLI shows it: Docker Hub's without `docker.io/` (and `library/`). */
export function familiarName(name: string): string {
  if (!name.startsWith('docker.io/')) return name;
  const rest = name.slice('docker.io/'.length);
  return rest.startsWith('library/') && !rest.slice('library/'.length).includes('/') ? rest.slice('library/'.length) : rest;
}
