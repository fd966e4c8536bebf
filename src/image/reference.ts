// Image references: parsing names the way the distribution grammar does, and normalising
// them the way Podman does. Two defaults exist: names given to tag/import/commit
// without a registry live under `localhost/`; names written by other tools into
// archives (docker-archive RepoTags) are Docker names and live under `docker.io/`.
import { TpodError } from '../errors.js';

export interface Reference {
  /** Registry host[:port], e.g. "docker.io", "localhost", "127.0.0.1:5000". */
  domain: string;
  /** Repository path below the domain, e.g. "library/busybox". */
  path: string;
  tag?: string;
  /** "sha256:<hex>" */
  digest?: string;
}

/** A parsed name that may still lack a domain (a short name). */
export interface RawReference {
  domain?: string;
  path: string;
  tag?: string;
  digest?: string;
}

export const DEFAULT_TAG = 'latest';

const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;
/** Docker's limit on `domain/path`. */
const MAX_REPOSITORY = 255;
const DOMAIN = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?))*(?::[0-9]+)?$|^\[[0-9a-fA-F:]+\](?::[0-9]+)?$/;

function invalid(input: string, why: string): TpodError {
  return new TpodError('EINVALIDREF', `invalid reference format: ${why}: "${input}"`);
}

/** Splits `[domain/]path[:tag][@digest]` and checks each part. Throws EINVALIDREF. */
export function parseReference(input: string): RawReference {
  if (input === '') throw invalid(input, 'empty name');
  if (input.length > MAX_REPOSITORY + 128 + 72) throw invalid(input, 'name too long');
  let rest = input;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) throw invalid(input, 'invalid digest (want sha256:<64 hex digits>)');
  }
  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw invalid(input, 'invalid tag');
  }
  let domain: string | undefined;
  const slash = rest.indexOf('/');
  if (slash > 0) {
    const first = rest.slice(0, slash);
    // Docker's rule: the first component is a registry when it looks like a host.
    if (first.includes('.') || first.includes(':') || first === 'localhost' || first !== first.toLowerCase()) {
      if (!DOMAIN.test(first)) throw invalid(input, 'invalid registry host');
      domain = first;
      rest = rest.slice(slash + 1);
    }
  }
  if (rest === '') throw invalid(input, 'empty repository name');
  for (const c of rest.split('/')) {
    if (c !== c.toLowerCase()) throw invalid(input, 'repository name must be lowercase');
    if (!COMPONENT.test(c)) throw invalid(input, 'invalid repository name');
  }
  if ((domain === undefined ? rest.length : domain.length + 1 + rest.length) > MAX_REPOSITORY) {
    throw invalid(input, `repository name must not be more than ${MAX_REPOSITORY} characters`);
  }
  const r: RawReference = { path: rest };
  if (domain !== undefined) r.domain = domain;
  if (tag !== undefined) r.tag = tag;
  if (digest !== undefined) r.digest = digest;
  return r;
}

/**
 * Fills in the domain (and `library/` for single-component Docker Hub names) and the
 * default tag when there is no digest.
 */
export function normalizeReference(input: string, defaultDomain: 'localhost' | 'docker.io'): Reference {
  const raw = parseReference(input);
  let domain = raw.domain ?? defaultDomain;
  let path = raw.path;
  if (domain === 'index.docker.io') domain = 'docker.io';
  if (domain === 'docker.io' && !path.includes('/')) path = `library/${path}`;
  const ref: Reference = { domain, path };
  if (raw.tag !== undefined) ref.tag = raw.tag;
  if (raw.digest !== undefined) ref.digest = raw.digest;
  if (ref.tag === undefined && ref.digest === undefined) ref.tag = DEFAULT_TAG;
  return ref;
}

/** A name as Podman stores names given to tag/import: `foo` -> `localhost/foo:latest`. */
export function normalizeLocalName(input: string): string {
  return formatReference(normalizeReference(input, 'localhost'));
}

/** A Docker-style name from an archive: `busybox` -> `docker.io/library/busybox:latest`. */
export function normalizeDockerName(input: string): string {
  return formatReference(normalizeReference(input, 'docker.io'));
}

export function repository(ref: Pick<Reference, 'domain' | 'path'>): string {
  return `${ref.domain}/${ref.path}`;
}

export function formatReference(ref: Reference): string {
  let s = repository(ref);
  if (ref.tag !== undefined) s += `:${ref.tag}`;
  if (ref.digest !== undefined) s += `@${ref.digest}`;
  return s;
}

/** Splits a stored, fully qualified name into repository and tag ("<none>" when absent). */
export function splitStoredName(name: string): { repository: string; tag: string } {
  const at = name.indexOf('@');
  const base = at >= 0 ? name.slice(0, at) : name;
  const lastSlash = base.lastIndexOf('/');
  const colon = base.lastIndexOf(':');
  if (colon > lastSlash) return { repository: base.slice(0, colon), tag: base.slice(colon + 1) };
  return { repository: base, tag: '<none>' };
}

/** `sha256:<hex>` or bare hex: the hex part when the string can only be an image ID (prefix). */
export function idPrefixOf(input: string): string | undefined {
  const s = input.startsWith('sha256:') ? input.slice(7) : input;
  if (/^[a-f0-9]{3,64}$/.test(s)) return s;
  return undefined;
}

/**
 * Whether a stored (fully qualified) name answers to what the user typed. A name with a
 * registry must match exactly (after normalisation); a short name matches any stored
 * repository that ends in `/<name>` with the same tag, as Podman's local lookup does,
 * so `busybox` finds `docker.io/library/busybox:latest` and `localhost/busybox:latest`.
 */
export function nameMatches(stored: string, input: RawReference): boolean {
  const s = splitStoredName(stored);
  const tag = input.tag ?? (input.digest === undefined ? DEFAULT_TAG : undefined);
  if (tag !== undefined && s.tag !== tag) return false;
  if (input.domain !== undefined) {
    let path = input.path;
    let domain = input.domain;
    if (domain === 'index.docker.io') domain = 'docker.io';
    if (domain === 'docker.io' && !path.includes('/')) path = `library/${path}`;
    return s.repository === `${domain}/${path}`;
  }
  return s.repository.endsWith(`/${input.path}`);
}

// ---- references to registries (pull, push, login) ----------------------------------

/** `docker://NAME` is how Podman spells the registry transport; other transports are not registries. */
export function stripTransport(input: string): string {
  if (input.startsWith('docker://')) return input.slice('docker://'.length);
  const m = /^([a-z][a-z-]*):/.exec(input);
  if (m && ['oci', 'oci-archive', 'docker-archive', 'dir', 'containers-storage', 'docker-daemon'].includes(m[1]!)) {
    throw new TpodError('EINVALIDREF', `${input}: the ${m[1]} transport is not supported here: pull takes an image in a registry (use \`tpod load\` for archives)`);
  }
  return input;
}

/** Whether a name lacks a registry, so registries.conf decides where it comes from. */
export function isShortName(raw: RawReference): boolean {
  return raw.domain === undefined;
}

/**
 * Puts a parsed name under `domain` with Docker Hub's rules (`docker.io/busybox` ->
 * `docker.io/library/busybox`) and the default tag when it has no digest. A name with
 * both a tag and a digest keeps only the digest, as Podman does: the digest decides.
 */
export function qualify(raw: RawReference, domain: string): Reference {
  let d = raw.domain ?? domain;
  let path = raw.path;
  if (d === 'index.docker.io' || d === 'registry-1.docker.io') d = 'docker.io';
  if (d === 'docker.io' && !path.includes('/')) path = `library/${path}`;
  const ref: Reference = { domain: d, path };
  if (raw.digest !== undefined) ref.digest = raw.digest;
  else ref.tag = raw.tag ?? DEFAULT_TAG;
  return ref;
}

/** Parses what a user gives pull/run: an optional `docker://`, then a name. */
export function parseRemoteReference(input: string): RawReference {
  return parseReference(stripTransport(input));
}

/** `tag` or `@digest`, whichever the reference pulls by. */
export function referenceTarget(ref: Reference): string {
  return ref.digest ?? ref.tag ?? DEFAULT_TAG;
}

/**
 * The registry part of a login argument: `quay.io`, `https://quay.io/v2/`, or
 * `quay.io/ns/repo` (credentials scoped to a repository, as Podman allows).
 */
export function normalizeRegistryKey(input: string): string {
  let s = input.trim().replace(/^[a-z]+:\/\//, '');
  s = s.replace(/\/+$/, '');
  if (s.endsWith('/v1') || s.endsWith('/v2')) s = s.slice(0, -3);
  if (s === 'index.docker.io' || s === 'registry-1.docker.io') s = 'docker.io';
  if (s === '') throw new TpodError('EINVALIDREF', `invalid registry "${input}"`);
  const slash = s.indexOf('/');
  const host = slash < 0 ? s : s.slice(0, slash);
  if (!DOMAIN.test(host)) throw new TpodError('EINVALIDREF', `invalid registry "${input}"`);
  return s;
}

/** Which of NAMES the reference INPUT names (as resolveImage matches names), if any. */
export function matchedName(names: string[], input: string): string | undefined {
  let ref: RawReference;
  try {
    ref = parseReference(input);
  } catch {
    return undefined;
  }
  if (ref.digest !== undefined) return undefined;
  if (ref.domain === undefined) {
    const local = normalizeLocalName(input);
    if (names.includes(local)) return local;
  }
  return names.find((s) => nameMatches(s, ref));
}
