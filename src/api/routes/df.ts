// GET /system/df: disk use in Docker's shape, from the same report as `tpod system df`.
// The service runs outside the user namespace: container layers it cannot read (dirs
// of the namespace's other ids) are left out of their sizes, as `ps -s` does.
import type { ApiCall, Route } from '../http.js';
import { imageSummary } from '../image-json.js';
import type { DfReport } from '../../engine/system-df.js';
import type { ImageConfig } from '../../image/types.js';

/** Docker's DiskUsage object from tpod's report (labels by image ID). */
export function dockerDiskUsage(r: DfReport, labels: Map<string, Record<string, string> | null | undefined>, configs?: Map<string, ImageConfig | undefined>): Record<string, unknown> {
  const layers = new Map<string, number>();
  const images = r.images.map((i) => {
    for (const l of i.image.layers) layers.set(l, 0);
    return imageSummary(i.image, {
      tags: i.image.names.filter((n) => !n.includes('@')),
      size: i.size,
      labels: labels.get(i.image.id),
      containers: i.containers,
      created: configs?.get(i.image.id)?.created,
    });
  });
  const containers = r.containers.map((c) => ({
    Id: c.record.id,
    Names: [`/${c.record.name}`],
    Image: c.record.image,
    ImageID: `sha256:${c.record.imageId.replace(/^sha256:/, '')}`,
    Command: c.record.command.join(' '),
    Created: Math.floor(Date.parse(c.record.created) / 1000) || 0,
    State: c.status,
    Status: c.status,
    SizeRw: c.size,
    SizeRootFs: c.size + (r.images.find((i) => i.image.id === c.record.imageId.replace(/^sha256:/, ''))?.size ?? 0),
    Labels: c.record.labels ?? {},
    Mounts: [],
  }));
  const volumes = r.volumes.map((v) => ({
    Name: v.name,
    Driver: 'local',
    Mountpoint: '',
    Labels: {},
    Scope: 'local',
    Options: null,
    UsageData: { Size: v.size, RefCount: v.links },
  }));
  return {
    LayersSize: r.images.reduce((a, i) => a + i.image.size, 0),
    Images: images,
    Containers: containers,
    Volumes: volumes,
    BuildCache: [],
  };
}

async function df(call: ApiCall): Promise<void> {
  const { diskUsage } = await import('../../engine/system-df.js');
  const { readImageConfig, listImages } = await import('../../image/store.js');
  const { volumeDataPath } = await import('../../storage/volumes.js');
  const r = await diskUsage(call.ctx);
  const labels = new Map<string, Record<string, string> | null | undefined>();
  const configs = new Map<string, ImageConfig | undefined>();
  for (const i of await listImages(call.ctx)) {
    const c = await readImageConfig(call.ctx, i.id).catch(() => undefined);
    configs.set(i.id, c);
    labels.set(i.id, c?.config?.Labels);
  }
  const out = dockerDiskUsage(r, labels, configs);
  for (const v of out.Volumes as Array<{ Name: string; Mountpoint: string }>) v.Mountpoint = volumeDataPath(call.ctx, v.Name);
  call.send(200, out);
}

export const dfRoutes: Route[] = [{ method: 'GET', path: '/system/df', handler: df }];
