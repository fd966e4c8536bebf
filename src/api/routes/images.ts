// The image endpoints that read and change the local store: list, inspect, history,
// tag, remove, prune. Names may hold slashes (127.0.0.1:5000/library/busybox), so the
// per-image endpoints come in through one wildcard route and are told apart here by
// their last path element, as Docker's router does with {name:.*}/json.
import type { ApiCall, Route } from '../http.js';
import { ApiError } from '../errors.js';
import { dockerName, historyItems, imageInspect, imageSummary, type DockerImageSummary } from '../image-json.js';
import { splitVersion } from '../server.js';
import type { ImageShape } from '../../image/intermediate.js';
import { TpodError } from '../../errors.js';

/** Docker's filters as tpod's `KEY=VALUE` strings. */
function filterList(call: ApiCall, allowed: readonly string[]): string[] {
  const out: string[] = [];
  for (const [k, vs] of Object.entries(call.filters())) {
    if (!allowed.includes(k)) throw new ApiError(400, `invalid filter '${k}'`);
    for (const v of vs) out.push(`${k}=${v}`);
  }
  return out;
}

async function shapes(call: ApiCall): Promise<ImageShape[]> {
  const { listImages, readImageConfig } = await import('../../image/store.js');
  return Promise.all((await listImages(call.ctx)).map(async (i) => ({ id: i.id, names: i.names, config: await readImageConfig(call.ctx, i.id).catch(() => undefined) })));
}

async function list(call: ApiCall): Promise<void> {
  const { listImageRows } = await import('../../image/list.js');
  const { parentOf } = await import('../../image/intermediate.js');
  const { repoTags } = await import('../../image/inspect.js');
  const filters = filterList(call, ['dangling', 'label', 'label!', 'reference', 'before', 'since', 'until', 'id']);
  // Docker's old `filter` query: a reference.
  const legacy = call.query.get('filter');
  if (legacy) filters.push(`reference=${legacy}`);
  const rows = await listImageRows(call.ctx, { filters, sort: 'created', noTrunc: true, all: call.flag('all') });
  const all = await shapes(call);
  const out = new Map<string, DockerImageSummary>();
  for (const row of rows) {
    const img = row.image;
    const tagged = repoTags(img.names).length > 0;
    const tag = tagged ? `${row.Repository}:${row.Tag}` : undefined;
    const have = out.get(img.id);
    if (have) {
      if (tag !== undefined && !have.RepoTags.includes(tag)) have.RepoTags.push(tag);
      continue;
    }
    const shape = all.find((s) => s.id === img.id);
    out.set(img.id, imageSummary(img, {
      tags: tag !== undefined ? [tag] : [],
      size: row.VirtualSize,
      labels: Object.fromEntries(row.Labels),
      containers: row.Containers,
      parentId: shape ? parentOf(shape, all)?.id : undefined,
    }));
  }
  call.send(200, [...out.values()]);
}

async function inspect(call: ApiCall, name: string): Promise<void> {
  const { findImage, readImageConfig } = await import('../../image/store.js');
  const { inspectImage } = await import('../../image/inspect.js');
  const { parentOf } = await import('../../image/intermediate.js');
  const img = await findImage(call.ctx, name);
  const config = await readImageConfig(call.ctx, img.id);
  const all = await shapes(call);
  const parent = parentOf({ id: img.id, names: img.names, config }, all);
  call.send(200, imageInspect(await inspectImage(call.ctx, img), config, parent?.id));
}

async function history(call: ApiCall, name: string): Promise<void> {
  const { imageHistory } = await import('../../image/history.js');
  const { listImages } = await import('../../image/store.js');
  const { repoTags } = await import('../../image/inspect.js');
  const { entries } = await imageHistory(call.ctx, name);
  const images = await listImages(call.ctx);
  call.send(200, historyItems(entries, (id) => repoTags(images.find((i) => i.id === id)?.names ?? [])));
}

async function tag(call: ApiCall, name: string): Promise<void> {
  const { tagImage } = await import('../../image/store.js');
  const repo = call.query.get('repo');
  if (!repo) throw new ApiError(400, 'repo is required');
  const t = call.query.get('tag');
  const target = dockerName(t ? `${repo}:${t}` : repo);
  await tagImage(call.ctx, name, [target]);
  call.send(201);
}

async function remove(call: ApiCall, name: string): Promise<void> {
  const store = await import('../../image/store.js');
  const { WorkDir } = await import('../../storage/workdir.js');
  const ctx = call.ctx;
  const force = call.flag('force');
  const parents = !call.flag('noprune');
  await store.repairStore(ctx);
  const trash = await WorkDir.create(ctx, 'trash');
  const disposeTrash = (): Promise<void> => trash.dispose(ctx).catch((e: Error) => ctx.log.warn(`removed layers will be deleted later: ${e.message}`));
  try {
    const r = await store.removeImage(ctx, name, { force, trash, parents }).catch(async (err: unknown) => {
      // force: the containers using the image go first, as Podman's compat API does.
      if (!force || !(err instanceof TpodError) || err.exitCode !== store.RMI_EXIT.inUse) throw err;
      const { removeImageUsers } = await import('../../engine/remove.js');
      await removeImageUsers(ctx, store.resolveImage(await store.listImages(ctx), name)?.image.id ?? name);
      return store.removeImage(ctx, name, { force: true, trash, parents });
    });
    const out: Array<Record<string, string>> = r.untagged.map((n) => ({ Untagged: n }));
    if (r.deleted) out.push({ Deleted: `sha256:${r.deleted}` });
    for (const p of r.parents ?? []) out.push({ Deleted: `sha256:${p}` });
    // Removed layers hold files of the namespace's ids: dispose deletes them as its root,
    // before the answer, so a client that saw it sees the space freed.
    await disposeTrash();
    call.send(200, out);
  } finally {
    await disposeTrash();
  }
}

async function prune(call: ApiCall): Promise<void> {
  const { pruneImages } = await import('../../image/prune.js');
  const raw = call.filters();
  let all = false;
  const filters: string[] = [];
  for (const [k, vs] of Object.entries(raw)) {
    if (k === 'dangling') {
      // dangling=false: every image no container uses (docker image prune -a).
      for (const v of vs) {
        if (!/^(true|false|1|0)$/i.test(v)) throw new ApiError(400, `invalid filter 'dangling=${v}'`);
        all = /^(false|0)$/i.test(v);
      }
      continue;
    }
    if (!['label', 'label!', 'until'].includes(k)) throw new ApiError(400, `invalid filter '${k}'`);
    for (const v of vs) filters.push(`${k}=${v}`);
  }
  const r = await pruneImages(call.ctx, { all, filters });
  call.send(200, { ImagesDeleted: r.removed.length > 0 ? r.removed.map((id) => ({ Deleted: `sha256:${id}` })) : null, SpaceReclaimed: r.size });
}

/** The image name and the action of /images/NAME[/ACTION], decoded, from the raw path. */
export function splitImagePath(pathname: string, actions: readonly string[]): { name: string; action: string | undefined } {
  const rest = splitVersion(pathname).path.replace(/^\/images\//, '').replace(/\/+$/, '');
  const slash = rest.lastIndexOf('/');
  const last = slash >= 0 ? rest.slice(slash + 1) : undefined;
  const [raw, action] = last !== undefined && actions.includes(last) ? [rest.slice(0, slash), last] : [rest, undefined];
  let name: string;
  try {
    name = decodeURIComponent(raw);
  } catch {
    throw new ApiError(400, `bad image name in path: ${raw}`);
  }
  if (name === '') throw new ApiError(400, 'missing image name');
  return { name, action };
}

function pathOf(call: ApiCall): string {
  return new URL(call.req.url ?? '/', 'http://d').pathname;
}

async function getImage(call: ApiCall): Promise<void> {
  const { name, action } = splitImagePath(pathOf(call), ['json', 'history', 'get']);
  switch (action) {
    case 'json':
      return inspect(call, name);
    case 'history':
      return history(call, name);
    case 'get': {
      const { saveToClient } = await import('./images-transfer.js');
      return saveToClient(call, [name]);
    }
    default:
      throw new ApiError(404, 'page not found');
  }
}

async function postImage(call: ApiCall): Promise<void> {
  const { name, action } = splitImagePath(pathOf(call), ['tag', 'push']);
  switch (action) {
    case 'tag':
      return tag(call, name);
    case 'push': {
      const { push } = await import('./images-transfer.js');
      return push(call, name);
    }
    default:
      throw new ApiError(404, 'page not found');
  }
}

async function deleteImage(call: ApiCall): Promise<void> {
  return remove(call, splitImagePath(pathOf(call), []).name);
}

export const imageRoutes: Route[] = [
  { method: 'GET', path: '/images/json', handler: list },
  { method: 'POST', path: '/images/prune', handler: prune },
  { method: 'GET', path: '/images/*', handler: getImage },
  { method: 'POST', path: '/images/*', handler: postImage },
  { method: 'DELETE', path: '/images/*', handler: deleteImage },
];
