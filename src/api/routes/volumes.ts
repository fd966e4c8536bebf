// /volumes: list, create, inspect, remove and prune, over the same store as `tpod volume`.
import { lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ApiCall, Route } from '../http.js';
import { ApiError } from '../errors.js';
import { dockerVolume, volumeCreateBody, volumeCreateOptions, volumeFilters } from '../docker/volumes.js';

async function list(call: ApiCall): Promise<void> {
  const { listVolumeViews } = await import('../../engine/volumes.js');
  const views = listVolumeViews(call.ctx, volumeFilters(call.filters()));
  call.send(200, { Volumes: views.map(dockerVolume), Warnings: [] });
}

async function create(call: ApiCall): Promise<void> {
  const { createVolumeFromOptions, volumeView } = await import('../../engine/volumes.js');
  const body = await call.json(volumeCreateBody, { optional: true });
  const rec = await createVolumeFromOptions(call.ctx, volumeCreateOptions(body));
  call.send(201, dockerVolume(volumeView(call.ctx, rec)));
}

async function inspect(call: ApiCall): Promise<void> {
  const { volumeView } = await import('../../engine/volumes.js');
  const { findVolume } = await import('../../storage/volumes.js');
  call.send(200, dockerVolume(volumeView(call.ctx, findVolume(call.ctx, call.param('name')))));
}

async function remove(call: ApiCall): Promise<void> {
  const { removeVolumesByName } = await import('../../engine/volumes.js');
  const { readVolume } = await import('../../storage/volumes.js');
  const name = call.param('name');
  // Docker's force only forgives a missing volume; one in use stays (Podman's compat API
  // keeps its own force, which removes the containers, away from it for that reason).
  const force = call.flag('force');
  if (!readVolume(call.ctx, name) && force) return;
  const [report] = await removeVolumesByName(call.ctx, [name], { force: false });
  if (report?.error) throw report.error;
}

/** Bytes under PATH (best effort: what the user cannot read is not counted). */
function sizeOf(path: string): number {
  let total = 0;
  const walk = (p: string, depth: number): void => {
    let st;
    try {
      st = lstatSync(p);
    } catch {
      return;
    }
    if (!st.isDirectory()) {
      total += st.size;
      return;
    }
    if (depth > 256) return;
    let names: string[] = [];
    try {
      names = readdirSync(p);
    } catch {
      return;
    }
    for (const n of names) walk(join(p, n), depth + 1);
  };
  walk(path, 0);
  return total;
}

async function prune(call: ApiCall): Promise<void> {
  const { prunableVolumes } = await import('../../engine/volumes.js');
  const { deleteVolumes, volumeDataPath } = await import('../../storage/volumes.js');
  const filters = call.filters();
  // API 1.42's "all" (named volumes too) is what 1.41 always did: every unused volume goes.
  delete filters.all;
  for (const k of Object.keys(filters)) if (k !== 'label' && k !== 'label!' && k !== 'until') throw new ApiError(400, `invalid filter '${k}'`);
  const names = prunableVolumes(call.ctx, volumeFilters(filters));
  const sizes = new Map(names.map((n) => [n, sizeOf(volumeDataPath(call.ctx, n))]));
  const removed = await deleteVolumes(call.ctx, names);
  call.send(200, { VolumesDeleted: removed, SpaceReclaimed: removed.reduce((s, n) => s + (sizes.get(n) ?? 0), 0) });
}

export const volumeRoutes: Route[] = [
  { method: 'GET', path: '/volumes', handler: list },
  { method: 'POST', path: '/volumes/create', handler: create },
  { method: 'POST', path: '/volumes/prune', handler: prune },
  { method: 'GET', path: '/volumes/:name', handler: inspect },
  { method: 'DELETE', path: '/volumes/:name', handler: remove },
];
