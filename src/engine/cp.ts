// `tpod cp`: files between the host and containers (and between containers), as a tar
// stream from `tpod-helper mktar` into `tpod-helper untar`. Both run chrooted: in a
// container's own view of itself when it runs (its mount namespace: volumes and tmpfs
// included, without /proc and /sys), else in its mounted rootfs with its volumes and
// binds mounted in place; on the host side, in the directory the host path names. No
// path a container controls is ever resolved outside that container.
//
// Where things land follows Podman (docker cp): into an existing directory under the
// source's name (its contents for "SRC/."), else as the destination's name in its
// parent, which must exist.
import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, posix, resolve } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Context } from './context.js';
import { TpodError } from '../errors.js';
import { containerDirs, findContainer, type ContainerRecord } from '../storage/containers.js';
import { layerDiffPath } from '../storage/layers.js';
import { mountSteps, unmountStep, type DriverName } from '../storage/driver.js';
import { volumeDataPath, readVolume } from '../storage/volumes.js';
import { exitOf, HelperReport, spawnTarHelper, type HelperPlace } from '../storage/tar-helper.js';
import { liveState } from './state.js';

/** One side of a copy: `CTR:PATH`, a host path, or `-` (a tar stream). */
export type CpArg = { kind: 'container'; container: string; path: string } | { kind: 'host'; path: string } | { kind: 'stream' };

/** Podman's reading of an argument: `-`, a path ("/", "." first), or CONTAINER:PATH. */
export function parseCpArg(arg: string): CpArg {
  if (arg === '-') return { kind: 'stream' };
  const colon = arg.indexOf(':');
  if (colon > 0 && !arg.startsWith('/') && !arg.startsWith('.')) return { kind: 'container', container: arg.slice(0, colon), path: arg.slice(colon + 1) };
  return { kind: 'host', path: arg };
}

export interface CpOptions {
  /** -a (default): copied files belong to the destination container's user. */
  archive: boolean;
  /** Let a directory replace a file and the reverse. */
  overwrite: boolean;
  /** -L: a host source that is a symlink is copied as what it points to, under the link's name. */
  followLink?: boolean;
  stdin: Readable;
  stdout: Writable;
}

/** Where a copy reads or writes: the helper's arguments and what to undo afterwards. */
export interface Side {
  place: HelperPlace;
  /** --ctr-pid/--bind/--at arguments and the root (for a container), or the host dir. */
  args: string[];
  root: string | undefined;
  workdir: string;
  /** The container path the root stands for ('' for the container's own root), for messages. */
  base: string;
  /** The container's user, for -a (as the namespace the helper runs in sees it). */
  owner: { uid: number; gid: number };
  /** The container's root user, as the same namespace sees it (the API's default owner). */
  rootOwner: { uid: number; gid: number };
  name: string;
  release(): Promise<void>;
}

interface SpecBits {
  cwd: string;
  uid: number;
  gid: number;
  uidMap?: Array<{ containerID: number; hostID: number; size: number }>;
  gidMap?: Array<{ containerID: number; hostID: number; size: number }>;
}

function specBits(ctx: Context, rec: ContainerRecord): SpecBits {
  try {
    const spec = JSON.parse(readFileSync(`${containerDirs(ctx, rec.id).userdata}/config.json`, 'utf8')) as {
      process?: { cwd?: string; user?: { uid?: number; gid?: number } };
      linux?: { uidMappings?: SpecBits['uidMap']; gidMappings?: SpecBits['gidMap'] };
    };
    return {
      cwd: spec.process?.cwd ?? '/',
      uid: spec.process?.user?.uid ?? 0,
      gid: spec.process?.user?.gid ?? 0,
      ...(spec.linux?.uidMappings ? { uidMap: spec.linux.uidMappings } : {}),
      ...(spec.linux?.gidMappings ? { gidMap: spec.linux.gidMappings } : {}),
    };
  } catch {
    return { cwd: '/', uid: 0, gid: 0 };
  }
}

function mapId(id: number, m: SpecBits['uidMap']): number {
  const e = m?.find((x) => id >= x.containerID && id < x.containerID + x.size);
  return e ? e.hostID + (id - e.containerID) : id;
}

/** A container's mount: where its content lives on the host and where the container sees it. */
interface CtrMount { source: string; destination: string }

function mountsOf(ctx: Context, rec: ContainerRecord): CtrMount[] {
  const out: CtrMount[] = [];
  const opts = rec.options;
  for (const b of opts?.volumes ?? []) out.push({ source: b.source, destination: b.destination });
  for (const v of opts?.namedVolumes ?? []) {
    const vol = v.name !== undefined ? readVolume(ctx, v.name) : undefined;
    if (!vol || vol.options.type === 'tmpfs') continue;
    out.push({ source: vol.options.type === 'bind' && vol.options.device ? vol.options.device : volumeDataPath(ctx, vol.name), destination: v.destination });
  }
  return out;
}

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** PATH's trailing "/" or "/." (which say "a directory" and "its contents"), kept across rewriting. */
function trailerOf(path: string): string {
  if (path.endsWith('/.')) return '/.';
  return path.endsWith('/') && path !== '/' ? '/' : '';
}

/**
 * The deepest mount that holds the container path ABS, by its components, as Podman
 * picks it for a container that is not running: a file copied to a volume mounted
 * inside another volume lands in the inner one, and nothing is made in the outer.
 */
export function mountFor<M extends { destination: string }>(mounts: M[], abs: string): M | undefined {
  let best: M | undefined;
  for (const m of mounts) {
    const d = posix.resolve('/', m.destination);
    if (d !== '/' && abs !== d && !abs.startsWith(`${d}/`)) continue;
    if (!best || d.length > posix.resolve('/', best.destination).length) best = m;
  }
  return best;
}

/**
 * A container as one side of a copy of PATH, and PATH as that side sees it. A running
 * container is seen from inside (its mount namespace); a stopped one through the mount
 * that holds PATH (a volume's or bind's host directory, chrooted into), else through
 * its mounted rootfs with its mounts bound in place.
 */
export async function containerSide(ctx: Context, rec: ContainerRecord, path: string): Promise<{ side: Side; path: string }> {
  const { namespacePlace, runInNamespaceChecked } = await import('../rootless/join.js');
  const place = await namespacePlace(ctx);
  const bits = specBits(ctx, rec);
  const live = liveState(ctx, rec);
  const none = async (): Promise<void> => undefined;
  if ((live.status === 'running' || live.status === 'paused') && rec.pid !== undefined) {
    // Its own view: a keep-id container's user namespace is joined too, so ids are its own.
    return { side: { place, args: ['--ctr-pid', String(rec.pid)], root: undefined, workdir: bits.cwd, base: '', owner: { uid: bits.uid, gid: bits.gid }, rootOwner: { uid: 0, gid: 0 }, name: rec.name, release: none }, path };
  }
  const owner = { uid: mapId(bits.uid, bits.uidMap), gid: mapId(bits.gid, bits.gidMap) };
  const rootOwner = { uid: mapId(0, bits.uidMap), gid: mapId(0, bits.gidMap) };
  const mounts = mountsOf(ctx, rec);
  const abs = posix.resolve(bits.cwd, path === '' ? '.' : path);
  // A file bound over a file is no root to chroot into: the rootfs view has it in place.
  const holder = mountFor(mounts.filter((m) => isDir(m.source)), abs);
  if (holder) {
    const rest = abs.slice(posix.resolve('/', holder.destination).length);
    const trailer = trailerOf(path);
    const inMount = rest === '' ? (trailer === '/.' ? '/.' : '/') : rest + trailer;
    return { side: { place, args: [], root: holder.source, workdir: '/', base: posix.resolve('/', holder.destination), owner, rootOwner, name: rec.name, release: none }, path: inMount };
  }
  const dirs = containerDirs(ctx, rec.id);
  const driver = rec.driver as DriverName;
  await runInNamespaceChecked(ctx, [
    unmountStep(dirs.merged),
    ...mountSteps(driver, { lowerDirs: rec.layers.map((d) => layerDiffPath(ctx.paths, d)), upper: dirs.upper, work: dirs.work, merged: dirs.merged, layersDir: ctx.paths.layers }),
  ], [], 'mounting the container filesystem');
  const binds: string[] = [];
  for (const m of mounts) binds.push('--bind', `${m.source}@${m.destination}`);
  return {
    side: {
      place,
      args: binds,
      root: dirs.merged,
      workdir: bits.cwd,
      base: '',
      owner,
      rootOwner,
      name: rec.name,
      release: async () => {
        await runInNamespaceChecked(ctx, [unmountStep(dirs.merged)], [], 'unmounting the container filesystem').catch((e: Error) => ctx.log.warn(e.message));
      },
    },
    path,
  };
}

export type Kind = 'dir' | 'file' | 'other' | 'missing';

export async function statIn(side: Side, path: string): Promise<{ type: Kind; parent: Kind; resolved: string }> {
  return parseCpStat(await runCpStat(side, path, false));
}

/** The path itself as lstat sees it (a link not followed), as the API's archive stat reports it. */
export interface LongStat {
  mode: number;
  size: number;
  mtimeSec: number;
  mtimeNsec: number;
}

export async function statInLong(side: Side, path: string): Promise<{ type: Kind; parent: Kind; resolved: string; lstat: LongStat | undefined }> {
  return parseCpStatLong(await runCpStat(side, path, true));
}

async function runCpStat(side: Side, path: string, long: boolean): Promise<string> {
  const child = spawnTarHelper('cpstat', [...side.args, '--at', side.workdir, ...(long ? ['--long'] : []), ...(side.root !== undefined ? [side.root] : []), path], side.place, ['ignore', 'pipe', 'pipe']);
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  const report = new HelperReport();
  child.stderr!.on('data', (d: Buffer) => report.take(d));
  const code = await exitOf(child);
  if (code !== 0) throw report.error(code, undefined, 'looking into the container');
  return out;
}

/** cpstat's "TYPE PARENT RESOLVED" line (the resolved path may hold spaces). */
export function parseCpStat(out: string): { type: Kind; parent: Kind; resolved: string } {
  const line = out.replace(/\n$/, '');
  const [type, parent] = line.split(' ', 2) as [Kind, Kind];
  return { type, parent, resolved: line.slice(type.length + parent.length + 2) };
}

/** cpstat --long: the first line, then "MODE SIZE MTIME NSEC" (or "-": missing) last. */
export function parseCpStatLong(out: string): { type: Kind; parent: Kind; resolved: string; lstat: LongStat | undefined } {
  const text = out.replace(/\n$/, '');
  const nl = text.lastIndexOf('\n');
  const first = parseCpStat(text.slice(0, nl));
  const m = /^([0-7]+) (\d+) (-?\d+) (\d+)$/.exec(text.slice(nl + 1));
  return { ...first, lstat: m ? { mode: parseInt(m[1]!, 8), size: Number(m[2]), mtimeSec: Number(m[3]), mtimeNsec: Number(m[4]) } : undefined };
}

/** A container path made absolute against the container's working directory. */
export function inContainer(side: Side, path: string): string {
  return posix.resolve(side.workdir, path === '' ? '.' : path);
}

function notFound(path: string, where: string): TpodError {
  return new TpodError('EUSAGE', `"${path}" could not be found on ${where}: no such file or directory`);
}

/** The tar of PATH on SIDE, named NAME (its contents when NAME is undefined). */
export function packer(side: Side, path: string, type: Kind, name: string | undefined): { child: ReturnType<typeof spawnTarHelper>; report: HelperReport; exited: Promise<number> } {
  const abs = inContainer(side, path);
  const what = type === 'file'
    ? ['--at', posix.dirname(abs), '--file', posix.basename(abs), '--name', name ?? posix.basename(abs)]
    : ['--at', abs, ...(name !== undefined ? ['--name', name] : [])];
  const child = spawnTarHelper('mktar', [...side.args, ...what, ...(side.root !== undefined ? [side.root] : [])], side.place, ['ignore', 'pipe', 'pipe']);
  const report = new HelperReport();
  child.stderr!.on('data', (d: Buffer) => report.take(d));
  return { child, report, exited: exitOf(child) };
}

export function unpacker(side: Side, dir: string, o: { chown?: { uid: number; gid: number }; overwrite: boolean }): { child: ReturnType<typeof spawnTarHelper>; report: HelperReport; exited: Promise<number> } {
  const args = [
    ...side.args,
    '--at', dir,
    '--plain',
    ...(o.chown ? ['--chown', `${o.chown.uid}:${o.chown.gid}`] : ['--owners']),
    ...(o.overwrite ? [] : ['--no-replace']),
    ...(side.root !== undefined ? [side.root] : []),
  ];
  const child = spawnTarHelper('untar', args, side.place, ['pipe', 'ignore', 'pipe']);
  const report = new HelperReport();
  child.stderr!.on('data', (d: Buffer) => report.take(d));
  child.stdin!.on('error', () => undefined);
  return { child, report, exited: exitOf(child) };
}

/**
 * Where a copy into SIDE lands: the directory to unpack in, and the name to give the
 * source. A destination that is a symlink lands where it points, made if missing.
 */
async function destination(side: Side, dest: string, shown: string, srcName: string | undefined, srcIsDir: boolean, where: string): Promise<{ dir: string; name: string | undefined }> {
  const abs = inContainer(side, dest);
  const st = await statIn(side, dest);
  if (st.type === 'dir') return { dir: abs, name: srcName };
  if (dest.endsWith('/') || st.parent !== 'dir') throw notFound(shown, where);
  if (st.type === 'file' && srcIsDir) throw new TpodError('EUSAGE', 'destination must be a directory when copying a directory');
  if (st.type === 'other') throw new TpodError('EUSAGE', `invalid destination: "${shown}" must be a directory or a regular file`);
  const target = st.resolved.startsWith('/') ? st.resolved : abs;
  return { dir: posix.dirname(target), name: posix.basename(target) };
}

async function hostSide(ctx: Context, dir: string): Promise<Side> {
  const { namespacePlace } = await import('../rootless/join.js');
  // Host files are the user's own: namespace root is the user, so owners come out as 0.
  return { place: await namespacePlace(ctx), args: [], root: dir, workdir: '/', base: '', owner: { uid: 0, gid: 0 }, rootOwner: { uid: 0, gid: 0 }, name: 'the host', release: async () => undefined };
}

/** Runs a packer into an unpacker, reporting the side that failed. */
async function transfer(
  from: ReturnType<typeof packer>,
  to: ReturnType<typeof unpacker>,
  wording: { source: string; target: string },
): Promise<void> {
  const piped = pipeline(from.child.stdout!, to.child.stdin!).then(() => undefined, () => undefined);
  const [fromCode, toCode] = await Promise.all([from.exited, to.exited, piped]);
  if (toCode !== 0) throw cpError(to.report, toCode, wording.target);
  if (fromCode !== 0) throw cpError(from.report, fromCode, wording.source);
}

export function cpError(report: HelperReport, code: number, targetDir: string): TpodError {
  const f = report.failureOf();
  if (f?.kind === 'exists') {
    // A directory entry is named "foo/" in the archive; Podman names the path without it.
    const entry = f.entry.replace(/\/+$/, '');
    return new TpodError('EUSAGE', `copying: error creating "${posix.join(targetDir, entry)}": ${entry}: file exists`);
  }
  if (f?.kind === 'archive' && f.entry === '-') return new TpodError('EUSAGE', 'source must be a (compressed) tar archive when copying from stdin');
  return report.error(code, undefined, 'copying');
}

/** `tpod cp SRC DEST`. */
export async function copy(ctx: Context, src: CpArg, dest: CpArg, o: CpOptions): Promise<void> {
  if (src.kind !== 'container' && dest.kind !== 'container') throw new TpodError('EUSAGE', 'copying between two host paths is not supported: one side must be CONTAINER:PATH');
  if (src.kind === 'stream' && dest.kind === 'stream') throw new TpodError('EUSAGE', 'only one side can be a stream');
  const release: Side[] = [];
  const shownIn = (side: Side, dir: string): string => (side.base === '' ? dir : posix.join(side.base, dir));
  try {
    if (src.kind === 'container') {
      const fromRec = findContainer(ctx, src.container);
      const { side: from, path: srcPath } = await containerSide(ctx, fromRec, src.path);
      release.push(from);
      const st = await statIn(from, srcPath);
      if (st.type === 'missing' || st.type === 'other') throw notFound(src.path, `container ${from.name}`);
      const contents = src.path.endsWith('/.') && st.type === 'dir';
      const srcName = contents ? undefined : posix.basename(posix.resolve(specBits(ctx, fromRec).cwd, src.path === '' ? '.' : src.path));
      if (dest.kind === 'stream') {
        const p = packer(from, srcPath, st.type, srcName);
        await pipeline(p.child.stdout!, o.stdout, { end: false });
        const code = await p.exited;
        if (code !== 0) throw cpError(p.report, code, '/');
        return;
      }
      if (dest.kind === 'host') {
        const path = resolve(dest.path);
        let hostDir: string;
        let name: string | undefined;
        if (existsSync(path) && statSync(path).isDirectory()) {
          hostDir = path;
          name = srcName;
        } else {
          if (existsSync(path) && !statSync(path).isFile()) throw new TpodError('EUSAGE', `invalid destination: "${dest.path}" must be a directory or a regular file`);
          if (dest.path.endsWith('/') || !existsSync(dirname(path))) throw notFound(dest.path, 'the host');
          if (existsSync(path) && st.type === 'dir') throw new TpodError('EUSAGE', 'destination must be a directory when copying a directory');
          hostDir = dirname(path);
          name = basename(path);
        }
        const to = await hostSide(ctx, hostDir);
        // Files taken out of a container belong to the user who takes them.
        await transfer(packer(from, srcPath, st.type, name ?? srcName), unpacker(to, '/', { chown: { uid: 0, gid: 0 }, overwrite: o.overwrite }), { source: src.path, target: '/' });
        return;
      }
      const { side: to, path: destPath } = await containerSide(ctx, findContainer(ctx, dest.container), dest.path);
      release.push(to);
      const d = await destination(to, destPath, dest.path, srcName, st.type === 'dir', `container ${to.name}`);
      await transfer(packer(from, srcPath, st.type, d.name), unpacker(to, d.dir, { ...(o.archive ? { chown: to.owner } : {}), overwrite: o.overwrite }), { source: src.path, target: shownIn(to, d.dir) });
      return;
    }
    // Into a container, from the host or a stream.
    if (dest.kind !== 'container') throw new TpodError('EUSAGE', 'internal: no container side');
    const { side: to, path: destPath } = await containerSide(ctx, findContainer(ctx, dest.container), dest.path);
    release.push(to);
    if (src.kind === 'stream') {
      const st = await statIn(to, destPath);
      if (st.type !== 'dir') throw new TpodError('EUSAGE', 'destination must be a directory when copying from stdin');
      const { peekStream, detectCompression, decompressorFor } = await import('../storage/compression.js');
      const { head, stream } = await peekStream(o.stdin, 512);
      const kind = detectCompression(head);
      const u = unpacker(to, inContainer(to, destPath), { ...(o.archive ? { chown: to.owner } : {}), overwrite: o.overwrite });
      const stages: NodeJS.ReadWriteStream[] = kind === 'none' ? [] : [decompressorFor(kind)!()];
      const fed = pipeline([stream, ...stages, u.child.stdin!] as unknown as ReadonlyArray<NodeJS.ReadableStream | NodeJS.WritableStream | NodeJS.ReadWriteStream>).then(() => undefined, () => undefined);
      const [code] = await Promise.all([u.exited, fed]);
      if (code !== 0) throw cpError(u.report, code, shownIn(to, inContainer(to, destPath)));
      return;
    }
    const given = resolve(src.path);
    let hostPath = given;
    let hst;
    try {
      if (o.followLink) hostPath = realpathSync(given);
      hst = statSync(hostPath);
    } catch {
      throw new TpodError('EUSAGE', `"${given}" could not be found on the host`);
    }
    const contents = src.path.endsWith('/.') && hst.isDirectory();
    const srcName = contents ? undefined : basename(given);
    const d = await destination(to, destPath, dest.path, srcName, hst.isDirectory(), `container ${to.name}`);
    const from = await hostSide(ctx, hst.isDirectory() ? hostPath : dirname(hostPath));
    const type: Kind = hst.isDirectory() ? 'dir' : 'file';
    const p = type === 'dir' ? packer(from, '/', 'dir', d.name) : packer(from, `/${basename(hostPath)}`, 'file', d.name);
    await transfer(p, unpacker(to, d.dir, { ...(o.archive ? { chown: to.owner } : {}), overwrite: o.overwrite }), { source: src.path, target: shownIn(to, d.dir) });
  } finally {
    for (const s of release.reverse()) await s.release();
  }
}
