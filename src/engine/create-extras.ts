// What create does for Podman's extra flags: --hostuser's passwd lines, --group-add's
// gids, --systemd's mode, and the checks Podman makes when the container starts (a
// --workdir that the image lacks). Pure functions over the image's files, so they are
// tested without containers.
import { TpodError, EXIT_CANNOT_INVOKE } from '../errors.js';
import type { RunOptions } from '../runtime/options.js';
import { lookupInLayers, parseGroup, parsePasswd, type PasswdEntry } from '../runtime/user.js';

/** Where the container gets mounts: binds, named and anonymous volumes, tmpfs. */
function mountDestinations(opts: RunOptions): string[] {
  return [...opts.volumes, ...(opts.namedVolumes ?? []), ...opts.tmpfs].map((m) => m.destination);
}

/** A failure Podman reports when the container starts: `run` exits 126 for it. */
export function startFailure(message: string): TpodError {
  return new TpodError('ERUNTIME', message, { exitCode: EXIT_CANNOT_INVOKE });
}

/** --hostuser NAME|UID: the host's passwd lines for them, appended to the image's passwd. */
export function hostUserLines(hostPasswd: string, imagePasswd: string | undefined, users: string[]): { passwd?: string; missing?: string } {
  const host = parsePasswd(hostPasswd);
  const image = imagePasswd === undefined ? [] : parsePasswd(imagePasswd);
  const lines: string[] = [];
  for (const u of users) {
    const e: PasswdEntry | undefined = /^\d+$/.test(u) ? host.find((x) => x.uid === Number(u)) : host.find((x) => x.name === u);
    if (!e) return { missing: u };
    if (image.some((x) => x.name === e.name) || lines.some((l) => l.startsWith(`${e.name}:`))) continue;
    lines.push(`${e.name}:x:${e.uid}:${e.gid}::${e.home}:${e.shell || '/bin/sh'}`);
  }
  if (lines.length === 0) return {};
  const p = imagePasswd ?? '';
  return { passwd: `${p}${p === '' || p.endsWith('\n') ? '' : '\n'}${lines.join('\n')}\n` };
}

/** --group-add: gids (numbers, or names in the image's /etc/group); keep-groups adds none. */
export function groupAddGids(groups: string[] | undefined, imageGroup: string | undefined): number[] {
  const out: number[] = [];
  const entries = imageGroup === undefined ? [] : parseGroup(imageGroup);
  for (const g of groups ?? []) {
    if (g === 'keep-groups') continue;
    if (/^\d+$/.test(g)) {
      out.push(Number(g));
      continue;
    }
    const e = entries.find((x) => x.name === g);
    if (!e) throw startFailure(`unable to find group ${g}: no matching entries in group file`);
    out.push(e.gid);
  }
  return out;
}

/** --systemd: always, or true (the default) when the command is init or systemd. */
export function systemdOn(mode: RunOptions['systemdMode'], args: string[]): boolean {
  if (mode === 'always') return true;
  if (mode === 'false') return false;
  const cmd = args[0] ?? '';
  return /(^|\/)(init|systemd)$/.test(cmd) && (cmd.startsWith('/') || cmd === 'init' || cmd === 'systemd');
}

/**
 * A --workdir that neither the image nor a mount provides: Podman refuses it at start
 * (a workdir from the image is created instead).
 */
export function missingWorkdir(opts: RunOptions, layersTopFirst: string[]): string | undefined {
  const w = opts.workdir;
  if (w === undefined || w === '/') return undefined;
  const mounts = mountDestinations(opts);
  // A mount at or below a path makes the runtime create it.
  const covered = (p: string): boolean => mounts.some((m) => m === p || m.startsWith(`${p}/`));
  return lookupInLayers(layersTopFirst, w, undefined, covered).kind === 'missing' ? w : undefined;
}

/**
 * keep-id: the user's home inside the container, as Podman picks it. Their host home
 * when the image has that directory or a volume is mounted there; otherwise the
 * container's working directory, so $HOME and ~ name a directory that exists.
 */
export function keepIdHome(hostHome: string, opts: RunOptions, imageWorkdir: string | undefined, layersTopFirst: string[]): string {
  const mounts = mountDestinations(opts);
  const clean = (p: string): string => p.replace(/\/+$/, '') || '/';
  if (mounts.some((m) => clean(m) === clean(hostHome))) return hostHome;
  const found = lookupInLayers(layersTopFirst, hostHome);
  if (found.kind === 'found' && found.st.isDirectory()) return hostHome;
  return opts.workdir ?? (imageWorkdir || '/');
}
