// Is the container's command certainly missing from its rootfs? Answered from the image
// layers before the runtime starts, so the common typo gets Podman's exit code 127 and
// one clean message instead of the runtime's own line on the container's stderr. Only a
// certain "missing" counts: anything a mount could provide, or that the layers cannot
// decide, is left to the runtime.
import { posix } from 'node:path';
import type { OciSpec } from './spec.js';
import { lookupInLayers, type LayerFs } from './user.js';

/** p is a mount point, inside one, or a parent the runtime creates for one. */
function touchesMount(p: string, dests: string[]): boolean {
  return dests.some((d) => d === '/' || p === d || p.startsWith(d + '/') || d.startsWith(p + '/'));
}

export function commandCertainlyMissing(spec: OciSpec, layersTopFirst: string[], fs?: LayerFs): boolean {
  const arg0 = spec.process.args[0];
  if (arg0 === undefined || arg0 === '') return false;
  const dests = spec.mounts.map((m) => m.destination);
  const covered = (p: string): boolean => touchesMount(p, dests);
  let candidates: string[];
  if (arg0.includes('/')) {
    candidates = [posix.resolve(spec.process.cwd, arg0)];
  } else {
    const path = spec.process.env.find((e) => e.startsWith('PATH='))?.slice(5);
    if (path === undefined) return false;
    const dirs = path.split(':');
    // A relative PATH entry depends on the working directory at exec time: undecidable here.
    if (dirs.some((d) => !d.startsWith('/'))) return false;
    candidates = dirs.map((d) => posix.join(d, arg0));
  }
  return candidates.every((c) => lookupInLayers(layersTopFirst, c, fs, covered).kind === 'missing');
}

/** The command is a path to a directory in the layers (`run IMAGE /etc`): it cannot be executed. */
export function commandIsDirectory(spec: OciSpec, layersTopFirst: string[], fs?: LayerFs): boolean {
  const arg0 = spec.process.args[0];
  if (arg0 === undefined || !arg0.includes('/')) return false;
  const dests = spec.mounts.map((m) => m.destination);
  // A mount below the path (/etc/hosts under /etc) leaves it a directory; one at or above it decides.
  const r = lookupInLayers(layersTopFirst, posix.resolve(spec.process.cwd, arg0), fs, (p) => dests.some((d) => d === '/' || p === d || p.startsWith(`${d}/`)));
  return r.kind === 'found' && r.st.isDirectory();
}
