// Auto-update policies and the labels that carry them, with Podman's spellings:
// `io.containers.autoupdate=registry|image|local|disabled`, the unit from
// `PODMAN_SYSTEMD_UNIT` (set by `create` from the environment systemd gives the unit),
// and an optional per-container auth file.
import { TpodError } from '../errors.js';
import { formatReference, parseRemoteReference, qualify, type Reference } from '../image/reference.js';

export const AUTOUPDATE_LABEL = 'io.containers.autoupdate';
export const AUTHFILE_LABEL = 'io.containers.autoupdate.authfile';
/** The label (and environment variable) naming the systemd unit that runs a container. */
export const UNIT_LABEL = 'PODMAN_SYSTEMD_UNIT';

export type Policy = 'registry' | 'local';

/** Label values; `image` is the old spelling of `registry`, kept as Podman keeps it. */
const POLICIES: Record<string, Policy | 'disabled'> = {
  '': 'disabled',
  disabled: 'disabled',
  image: 'registry',
  registry: 'registry',
  local: 'local',
};

/** The policy a label value asks for; undefined for `disabled` (or empty). */
export function lookupPolicy(value: string): Policy | undefined {
  const p = Object.prototype.hasOwnProperty.call(POLICIES, value) ? POLICIES[value] : undefined;
  if (p === undefined) {
    const valid = Object.keys(POLICIES).filter((k) => k !== '').sort().map((k) => `"${k}"`).join(' ');
    throw new TpodError('ECONFIG', `invalid auto-update policy "${value}": valid policies are [${valid}]`);
  }
  return p === 'disabled' ? undefined : p;
}

/**
 * The registry policy needs to know where to look: a name with a registry and a tag,
 * no digest (a digest never moves, an ID names no repository). Podman refuses the
 * same names at create time.
 */
export function registryReference(rawName: string): Reference {
  let raw;
  try {
    raw = parseRemoteReference(rawName);
  } catch (err) {
    throw new TpodError('EINVALIDREF', `enforcing fully-qualified docker transport reference for auto updates: ${(err as Error).message}`, { cause: err });
  }
  if (raw.domain === undefined) {
    throw new TpodError('EINVALIDREF', `auto updates require fully-qualified image references (with a registry, e.g. quay.io/podman/stable:latest): "${rawName}"`);
  }
  if (raw.digest !== undefined) throw new TpodError('EINVALIDREF', `auto updates require fully-qualified image references without digest: "${rawName}"`);
  if (raw.tag === undefined) throw new TpodError('EINVALIDREF', `auto updates require fully-qualified image references (no tag): "${rawName}"`);
  return qualify(raw, raw.domain);
}

/** `quay.io/x:1` as pull stores it (`docker.io/busybox` gains `library/`). */
export function registryName(rawName: string): string {
  return formatReference(registryReference(rawName));
}

const TRANSPORTS = ['docker', 'docker-archive', 'oci-archive', 'oci', 'dir', 'containers-storage', 'docker-daemon'];

/**
 * What Podman checks at create for a container labelled for registry updates: the image
 * must come by the docker transport, by a fully-qualified name.
 */
export function checkAutoUpdateCreate(labels: Record<string, string> | undefined, image: string): void {
  const value = labels?.[AUTOUPDATE_LABEL];
  // Only the registry policy is checked here; an unknown policy is auto-update's to report.
  if (value !== 'registry' && value !== 'image') return;
  const colon = image.indexOf(':');
  const transport = colon > 0 ? image.slice(0, colon) : '';
  if (TRANSPORTS.includes(transport) && !image.slice(colon + 1).match(/^\d/)) {
    if (transport !== 'docker') throw new TpodError('EINVALIDREF', `auto updates require the docker image transport but image is of transport "${transport}"`);
    image = image.slice(colon + 1).replace(/^\/\//, '');
  }
  let raw;
  try {
    raw = parseRemoteReference(image);
  } catch {
    return; // an ID or a bad name: the image lookup says what is wrong
  }
  if (raw.domain === undefined) throw new TpodError('EINVALIDREF', `short name: auto updates require fully-qualified image reference: "${image}"`);
}
