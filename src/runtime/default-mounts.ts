// containers-mounts.conf(5), as --default-mounts-file names it: one HOST:CONTAINER pair
// a line (# comments), host directories every container (and every build step) sees,
// read-only; a pair whose host path is missing is skipped, as Podman does.
import type { BindMount } from './mounts.js';

export function parseMountsConf(text: string, exists: (p: string) => boolean): BindMount[] {
  const out: BindMount[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const colon = line.indexOf(':');
    const source = colon < 0 ? line : line.slice(0, colon);
    const destination = colon < 0 ? line : line.slice(colon + 1);
    if (!source.startsWith('/') || !destination.startsWith('/') || !exists(source)) continue;
    out.push({ source, destination, readOnly: true, options: ['rbind'] });
  }
  return out;
}
