// `-u name[:group]` and the image's User, resolved to numeric ids from the container's
// own /etc/passwd and /etc/group. The files are read from the image's layer dirs on the
// host (no mount, no spawn on the hot path): the merged view is computed here, top
// layer first, honouring overlay whiteouts (char 0:0) and symlinks, which are resolved
// inside the rootfs, never on the host.
import { readOr } from '../util/read-or.js';
import { closeSync, fstatSync, lstatSync, readFileSync, readlinkSync, type Stats } from 'node:fs';
import { native } from '../util/native.js';
import { join } from 'node:path';
import { TpodError } from '../errors.js';

const MAX_SYMLINKS = 40;

function isWhiteout(st: Stats): boolean {
  return st.isCharacterDevice() && st.rdev === 0;
}

/** The two calls the lookup makes; tests replace them to fake whiteouts (mknod needs privilege). */
export interface LayerFs {
  lstat(p: string): Stats;
  readlink(p: string): string;
}

const realFs: LayerFs = { lstat: (p) => lstatSync(p), readlink: (p) => readlinkSync(p) };

/** Thrown inside the lookup when a layer cannot be read (EACCES...): the answer is unknown. */
class Undecidable extends Error {}

function lstatOrUndefined(fs: LayerFs, p: string): Stats | undefined {
  try {
    return fs.lstat(p);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    // Unreadable is not absent: a dir of a subordinate id may hide what is there.
    throw new Undecidable();
  }
}

/**
 * Finds `comps` (already resolved, symlink-free parents) in the merged view. In each layer
 * the parents are checked one by one with lstat so that a lower layer's symlink at a
 * parent position is never followed on the host.
 */
function findEntry(fs: LayerFs, layers: string[], comps: string[]): { path: string; st: Stats; layer: string } | undefined {
  for (const layer of layers) {
    let present = true;
    for (let i = 1; i < comps.length; i++) {
      const st = lstatOrUndefined(fs, join(layer, ...comps.slice(0, i)));
      if (!st) {
        present = false;
        break;
      }
      // A whiteout or a non-directory here hides the path in this and every lower layer.
      if (isWhiteout(st) || !st.isDirectory()) return undefined;
    }
    if (!present) continue;
    const path = join(layer, ...comps);
    const st = lstatOrUndefined(fs, path);
    if (!st) continue;
    if (isWhiteout(st)) return undefined;
    return { path, st, layer };
  }
  return undefined;
}

export type LayerLookup =
  /** `path` is `rel` (symlink-free) below the layer directory `layer`. */
  | { kind: 'found'; path: string; st: Stats; layer: string; rel: string }
  | { kind: 'missing' }
  /** The path crosses something the layers do not decide (a mount, a symlink loop). */
  | { kind: 'unknown' };

/**
 * Looks `ctrPath` up in the union of `layers` (top layer first), resolving symlinks inside
 * the rootfs. `covered(p)` names container paths that something other than the layers
 * provides (mounts): reaching one gives 'unknown'.
 * Known gap: opaque directories (an xattr Node cannot read) are not honoured.
 */
export function lookupInLayers(layers: string[], ctrPath: string, fs: LayerFs = realFs, covered: (p: string) => boolean = () => false): LayerLookup {
  try {
    return lookup(layers, ctrPath, fs, covered);
  } catch (err) {
    if (err instanceof Undecidable) return { kind: 'unknown' };
    throw err;
  }
}

function lookup(layers: string[], ctrPath: string, fs: LayerFs, covered: (p: string) => boolean): LayerLookup {
  let pending = ctrPath.split('/').filter((c) => c !== '' && c !== '.');
  let resolved: string[] = [];
  let hops = 0;
  while (pending.length > 0) {
    const comp = pending.shift()!;
    if (comp === '..') {
      resolved.pop(); // ".." at the root stays at the root, as in the kernel
      continue;
    }
    const candidate = [...resolved, comp];
    if (covered('/' + candidate.join('/'))) return { kind: 'unknown' };
    const found = findEntry(fs, layers, candidate);
    if (!found) return { kind: 'missing' };
    if (found.st.isSymbolicLink()) {
      if (++hops > MAX_SYMLINKS) return { kind: 'unknown' };
      const target = fs.readlink(found.path);
      if (target.startsWith('/')) resolved = [];
      pending = [...target.split('/').filter((c) => c !== '' && c !== '.'), ...pending];
      continue;
    }
    if (pending.length > 0 && !found.st.isDirectory()) return { kind: 'missing' };
    resolved = candidate;
    if (pending.length === 0) return { kind: 'found', path: found.path, st: found.st, layer: found.layer, rel: candidate.join('/') };
  }
  return { kind: 'unknown' }; // "/" itself
}

/** The host path of a regular file at `ctrPath` in the layers, or undefined. */
export function findInLayers(layers: string[], ctrPath: string, fs: LayerFs = realFs): string | undefined {
  const r = lookupInLayers(layers, ctrPath, fs);
  return r.kind === 'found' && r.st.isFile() ? r.path : undefined;
}

export interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  home: string;
  shell: string;
}

export interface GroupEntry {
  name: string;
  gid: number;
  members: string[];
}

function num(s: string | undefined): number | undefined {
  if (s === undefined || !/^\d+$/.test(s)) return undefined;
  const n = Number(s);
  return n <= 0xffffffff ? n : undefined;
}

export function parsePasswd(text: string): PasswdEntry[] {
  const out: PasswdEntry[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const f = line.split(':');
    const uid = num(f[2]);
    const gid = num(f[3]);
    if (!f[0] || uid === undefined || gid === undefined) continue;
    out.push({ name: f[0], uid, gid, home: f[5] || '/', shell: f[6] ?? '' });
  }
  return out;
}

export function parseGroup(text: string): GroupEntry[] {
  const out: GroupEntry[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const f = line.split(':');
    const gid = num(f[2]);
    if (!f[0] || gid === undefined) continue;
    out.push({ name: f[0], gid, members: (f[3] ?? '').split(',').map((m) => m.trim()).filter((m) => m !== '') });
  }
  return out;
}

export interface ResolvedUser {
  uid: number;
  gid: number;
  additionalGids: number[];
  /** From passwd; "/" when the user has no entry. */
  home: string;
  /** The passwd name, when there is one. */
  name?: string;
}

export interface UserFiles {
  /** undefined: the container has no /etc/passwd. */
  passwd?: string | undefined;
  group?: string | undefined;
}

/**
 * Resolves `user[:group]` (names or numbers) as runc and Podman do: a number not in
 * passwd is used as is with gid 0; a name must exist. Without an explicit group the
 * user's supplementary groups come from /etc/group.
 */
export function resolveUser(spec: string | undefined, files: UserFiles): ResolvedUser {
  const passwd = files.passwd === undefined ? [] : parsePasswd(files.passwd);
  const groups = files.group === undefined ? [] : parseGroup(files.group);
  const s = spec ?? '';
  const colon = s.indexOf(':');
  const userPart = colon < 0 ? s : s.slice(0, colon);
  const groupPart = colon < 0 ? undefined : s.slice(colon + 1);

  let entry: PasswdEntry | undefined;
  let uid: number;
  let gid = 0;
  if (userPart === '') {
    uid = 0;
    entry = passwd.find((p) => p.uid === 0);
  } else {
    const n = num(userPart);
    entry = n === undefined ? passwd.find((p) => p.name === userPart) : passwd.find((p) => p.uid === n);
    if (n === undefined && !entry) {
      throw new TpodError('EUSAGE', `unable to find user ${userPart}: no matching entries in passwd file`);
    }
    uid = n ?? entry!.uid;
  }
  if (entry) gid = entry.gid;

  let additionalGids: number[] = [];
  if (groupPart !== undefined && groupPart !== '') {
    const n = num(groupPart);
    if (n !== undefined) gid = n;
    else {
      const g = groups.find((x) => x.name === groupPart);
      if (!g) throw new TpodError('EUSAGE', `unable to find group ${groupPart}: no matching entries in group file`);
      gid = g.gid;
    }
  } else if (entry) {
    const name = entry.name;
    additionalGids = [...new Set(groups.filter((g) => g.members.includes(name) && g.gid !== gid).map((g) => g.gid))];
  }
  const r: ResolvedUser = { uid, gid, additionalGids, home: entry?.home ?? '/' };
  if (entry) r.name = entry.name;
  return r;
}

/** passwd and group files larger than this are not read (a hostile image's). */
const MAX_ID_FILE = 16 << 20;

/**
 * Reads `rel` below the layer directory `layer` with openat2(RESOLVE_BENEATH |
 * RESOLVE_NO_SYMLINKS): the lookup above resolved the symlinks inside the rootfs, and the
 * kernel now refuses any path that would leave the layer, whatever changed meanwhile.
 */
export function readBeneath(layer: string, rel: string): string | undefined {
  const fd = native().openBeneath(layer, rel);
  if (fd < 0) return undefined;
  try {
    if (fstatSync(fd).size > MAX_ID_FILE) return undefined;
    return readFileSync(fd, 'utf8');
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/** The text of the regular file at `ctrPath` in the layers (top first), or undefined. */
export function readInLayers(layers: string[], ctrPath: string, fs: LayerFs = realFs, read: (layer: string, rel: string) => string | undefined = readBeneath): string | undefined {
  const r = lookupInLayers(layers, ctrPath, fs);
  return r.kind === 'found' && r.st.isFile() ? read(r.layer, r.rel) : undefined;
}

/** Reads the container's passwd and group (files bound over them, else its layers, top first) and resolves `spec`. */
export function resolveUserInLayers(spec: string | undefined, layersTopFirst: string[], bound: { passwd?: string | undefined; group?: string | undefined } = {}): ResolvedUser {
  return resolveUser(spec, {
    passwd: readOr(bound.passwd, undefined) ?? readInLayers(layersTopFirst, '/etc/passwd'),
    group: readOr(bound.group, undefined) ?? readInLayers(layersTopFirst, '/etc/group'),
  });
}
