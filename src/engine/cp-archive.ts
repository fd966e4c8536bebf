// The Docker API's container archive (what `docker cp` uses): a path's stat, a tar of
// it, and a tar unpacked into a container directory. The same sides and helpers as
// `tpod cp` (cp.ts): every path is resolved by the kernel inside the container's root,
// so no archive entry and no link in the container reaches the host.
import { posix } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Context } from './context.js';
import { TpodError } from '../errors.js';
import { findContainer } from '../storage/containers.js';
import { containerSide, cpError, inContainer, packer, statIn, statInLong, unpacker, type LongStat, type Side } from './cp.js';

/** What Docker's X-Docker-Container-Path-Stat says about a path (mode as st_mode here). */
export interface PathStat {
  name: string;
  size: number;
  mode: number;
  /** RFC 3339 with nanoseconds. */
  mtime: string;
  linkTarget: string;
}

/** A path that is not in the container: the API answers 404. */
export class NoSuchPathError extends TpodError {
  constructor(path: string, container: string) {
    super('EUSAGE', `Could not find the file ${path} in container ${container}`);
  }
}

/** The stat's name, as Docker takes it: the path's last component, "." for "DIR/.", "/" for the root. */
export function archiveName(path: string): string {
  if (path === '.' || path.endsWith('/.')) return '.';
  const stripped = path.replace(/\/+$/, '');
  if (stripped === '') return '/';
  return posix.basename(stripped);
}

function rfc3339Nano(sec: number, nsec: number): string {
  const iso = new Date(sec * 1000).toISOString().slice(0, 19);
  const frac = nsec > 0 ? `.${String(nsec).padStart(9, '0').replace(/0+$/, '')}` : '';
  return `${iso}${frac}Z`;
}

export function pathStat(path: string, l: LongStat, resolved: string, base: string): PathStat {
  const isLink = (l.mode & 0o170000) === 0o120000;
  return {
    name: archiveName(path),
    size: l.size,
    mode: l.mode,
    mtime: rfc3339Nano(l.mtimeSec, l.mtimeNsec),
    linkTarget: isLink ? (base === '' ? resolved : posix.join(base, resolved)) : '',
  };
}

async function withSide<T>(ctx: Context, container: string, path: string, fn: (side: Side, path: string, name: string) => Promise<T>): Promise<T> {
  const rec = findContainer(ctx, container);
  const { side, path: p } = await containerSide(ctx, rec, path);
  try {
    return await fn(side, p, rec.name);
  } finally {
    await side.release();
  }
}

/** The stat of PATH in CONTAINER (HEAD .../archive). */
export async function statContainerPath(ctx: Context, container: string, path: string): Promise<PathStat> {
  return withSide(ctx, container, path, async (side, p, name) => {
    const st = await statInLong(side, p);
    if (!st.lstat) throw new NoSuchPathError(path, name);
    return pathStat(path, st.lstat, st.resolved, side.base);
  });
}

/**
 * GET .../archive: BEGIN is called with the stat once the path is known to be there
 * (the response's head goes out then) and returns where the tar goes.
 */
export async function archiveFromContainer(ctx: Context, container: string, path: string, begin: (stat: PathStat) => Writable, signal?: AbortSignal): Promise<void> {
  await withSide(ctx, container, path, async (side, p, name) => {
    const st = await statInLong(side, p);
    if (!st.lstat || st.type === 'missing' || st.type === 'other') throw new NoSuchPathError(path, name);
    const stat = pathStat(path, st.lstat, st.resolved, side.base);
    const out = begin(stat);
    const pk = packer(side, p, st.type, stat.name === '/' ? '.' : stat.name);
    const kill = (): void => {
      pk.child.kill('SIGKILL');
    };
    signal?.addEventListener('abort', kill, { once: true });
    try {
      await pipeline(pk.child.stdout!, out, { end: false }).catch(() => undefined);
      const code = await pk.exited;
      if (code !== 0 && !signal?.aborted) throw cpError(pk.report, code, '/');
    } finally {
      signal?.removeEventListener('abort', kill);
    }
  });
}

export interface ExtractOptions {
  /** Docker's copyUIDGID: the container's user owns what lands; else its root does. */
  copyUidGid: boolean;
  /** Docker's noOverwriteDirNonDir: a directory and a non-directory never replace each other. */
  noOverwriteDirNonDir: boolean;
}

/** A directory of the container that is not one: the API answers 400. */
export class NotADirectoryError extends TpodError {
  constructor(path: string) {
    super('EUSAGE', `extraction point is not a directory: ${path}`);
  }
}

/** PUT .../archive: the tar (plain or compressed) unpacked in the container directory PATH. */
export async function extractToContainer(ctx: Context, container: string, path: string, tar: Readable, o: ExtractOptions): Promise<void> {
  await withSide(ctx, container, path, async (side, p, name) => {
    const st = await statIn(side, p);
    if (st.type === 'missing') throw new NoSuchPathError(path, name);
    if (st.type !== 'dir') throw new NotADirectoryError(path);
    const { peekStream, detectCompression, decompressorFor } = await import('../storage/compression.js');
    const { head, stream } = await peekStream(tar, 512);
    const kind = detectCompression(head);
    const dir = inContainer(side, p);
    const u = unpacker(side, dir, { chown: o.copyUidGid ? side.owner : side.rootOwner, overwrite: !o.noOverwriteDirNonDir });
    const stages: NodeJS.ReadWriteStream[] = kind === 'none' ? [] : [decompressorFor(kind)!()];
    const fed = pipeline([stream, ...stages, u.child.stdin!] as unknown as ReadonlyArray<NodeJS.ReadableStream | NodeJS.WritableStream | NodeJS.ReadWriteStream>).then(() => undefined, () => undefined);
    const [code] = await Promise.all([u.exited, fed]);
    if (code !== 0) throw cpError(u.report, code, side.base === '' ? dir : posix.join(side.base, dir));
  });
}
