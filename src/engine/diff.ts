// `tpod diff`: what a container changed over its image (its upper directory), or what an
// image's top layer changed over the layers below. The changed tree is listed by
// `tpod-helper mktar --whiteouts --list` (chrooted into it, headers only): a whiteout is
// a deletion, anything else that the layers below have is a change, the rest additions.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import type { Context } from './context.js';
import { TpodError } from '../errors.js';
import { packTree } from '../storage/tar-helper.js';
import { containerDirs, findContainer } from '../storage/containers.js';
import { layerDiffPath } from '../storage/layers.js';
import { lookupInLayers } from '../runtime/user.js';
import { INIT_PATH } from '../runtime/spec.js';

export interface DiffReport {
  changed: string[];
  added: string[];
  deleted: string[];
}

/** The entries of a `--whiteouts --list` tar, as paths and whiteouts. */
async function listTree(ctx: Context, dir: string): Promise<string[]> {
  const { namespacePlace } = await import('../rootless/join.js');
  const { Parser } = await import('tar');
  const names: string[] = [];
  const stream = new PassThrough();
  const parser = new Parser({ onReadEntry: (e: { path: string; resume(): void }) => { names.push(e.path); e.resume(); } } as unknown as ConstructorParameters<typeof Parser>[0]);
  const parsed = new Promise<void>((resolve, reject) => {
    parser.on('end', () => resolve());
    parser.on('error', reject);
  });
  stream.pipe(parser);
  await packTree(await namespacePlace(ctx), dir, stream, () => undefined, { whiteouts: true, list: true });
  stream.end();
  await parsed;
  return names;
}

/**
 * What the runtime makes as mount points or the engine provides: never reported, as in
 * Podman's diff (its initInodes), so a container that wrote nothing shows nothing.
 */
const INIT_INODES = new Set(['/dev', '/etc/hostname', '/etc/hosts', '/etc/resolv.conf', '/proc', '/run', '/run/notify', '/run/.containerenv', '/run/secrets', INIT_PATH, '/sys', '/etc/mtab']);

/** Sorts the tree's entries into Podman's three lists, judging against `lowerTopFirst`. */
export function classify(names: string[], lowerTopFirst: string[], exists: (path: string) => boolean = (p) => lookupInLayers(lowerTopFirst, p).kind !== 'missing', skip: Set<string> = new Set()): DiffReport {
  const out: DiffReport = { changed: [], added: [], deleted: [] };
  for (const raw of names) {
    const name = raw.replace(/\/$/, '');
    const slash = name.lastIndexOf('/');
    const base = name.slice(slash + 1);
    const parent = slash < 0 ? '' : name.slice(0, slash);
    if (base === '.wh..wh..opq') continue;
    if (base.startsWith('.wh.')) {
      const gone = `${parent === '' ? '' : `/${parent}`}/${base.slice(4)}`;
      if (!INIT_INODES.has(gone) && !skip.has(gone)) out.deleted.push(gone);
      continue;
    }
    const path = `/${name}`;
    if (INIT_INODES.has(path) || skip.has(path)) continue;
    (exists(path) ? out.changed : out.added).push(path);
  }
  for (const k of ['changed', 'added', 'deleted'] as const) out[k].sort();
  return out;
}

export async function diffContainer(ctx: Context, nameOrId: string): Promise<DiffReport> {
  const rec = findContainer(ctx, nameOrId);
  if (rec.driver === 'vfs') throw new TpodError('EUSAGE', 'diff of a vfs container is not supported: vfs keeps no layer of the container\'s changes');
  const lowers = [...rec.layers].reverse().map((d) => layerDiffPath(ctx.paths, d));
  // The container's own mount points (volumes, binds, tmpfs) are not its changes either.
  const dirs = containerDirs(ctx, rec.id);
  let mounts: string[] = [];
  try {
    mounts = (JSON.parse(readFileSync(join(dirs.userdata, 'config.json'), 'utf8')) as { mounts?: Array<{ destination: string }> }).mounts?.map((m) => m.destination) ?? [];
  } catch {
    /* no spec: nothing more to leave out */
  }
  return classify(await listTree(ctx, dirs.upper), lowers, undefined, new Set(mounts));
}

export async function diffImage(ctx: Context, nameOrId: string): Promise<DiffReport> {
  const store = await import('../image/store.js');
  const image = await store.findImage(ctx, nameOrId);
  const layers = image.layers;
  if (layers.length === 0) return { changed: [], added: [], deleted: [] };
  const top = layerDiffPath(ctx.paths, layers[layers.length - 1]!);
  const lowers = layers.slice(0, -1).reverse().map((d) => layerDiffPath(ctx.paths, d));
  return classify(await listTree(ctx, top), lowers);
}
