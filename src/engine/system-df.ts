// `tpod system df`: disk use of images, containers (their writable layers) and volumes,
// with what removing the unused ones would give back, in Podman's shape.
import type { Context } from './context.js';
import { listContainers, containerDirs, type ContainerRecord } from '../storage/containers.js';
import { listImages, imageUsers, type StoredImage } from '../image/store.js';
import { imageSize } from '../image/inspect.js';
import { liveState } from './state.js';
import { treeSize } from '../storage/tree-size.js';

export interface DfImage {
  image: StoredImage;
  size: number;
  containers: number;
}

export interface DfContainer {
  record: ContainerRecord;
  size: number;
  status: string;
  running: boolean;
  /** Named and anonymous volumes it uses (Podman's LOCAL VOLUMES). */
  volumes: number;
}

export interface DfVolume {
  name: string;
  size: number;
  links: number;
}

export interface DfReport {
  images: DfImage[];
  containers: DfContainer[];
  volumes: DfVolume[];
}

export interface DfSummaryRow {
  Type: string;
  Total: number;
  Active: number;
  RawSize: number;
  RawReclaimable: number;
}

export async function diskUsage(ctx: Context): Promise<DfReport> {
  const users = imageUsers(ctx);
  const images = (await listImages(ctx)).map((image) => ({ image, size: imageSize(image), containers: users.get(image.id)?.length ?? 0 }));
  const { listVolumes, volumeDataPath } = await import('../storage/volumes.js');
  const { volumeUsers } = await import('./volumes.js');
  const volumeLinks = volumeUsers(ctx);
  const perContainer = new Map<string, number>();
  for (const ids of volumeLinks.values()) for (const id of ids) perContainer.set(id, (perContainer.get(id) ?? 0) + 1);
  const containers = listContainers(ctx).map((record) => {
    const status = liveState(ctx, record).status;
    const running = status === 'running' || status === 'paused' || status === 'stopping';
    return { record, size: treeSize(containerDirs(ctx, record.id).upper), status, running, volumes: perContainer.get(record.id) ?? 0 };
  });
  const volumes = listVolumes(ctx).map((v) => ({ name: v.name, size: treeSize(volumeDataPath(ctx, v.name)), links: volumeLinks.get(v.name)?.length ?? 0 }));
  return { images, containers, volumes };
}

/** The three rows of the summary table. */
export function summarize(r: DfReport): DfSummaryRow[] {
  const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
  return [
    {
      Type: 'Images',
      Total: r.images.length,
      Active: r.images.filter((i) => i.containers > 0).length,
      RawSize: sum(r.images.map((i) => i.size)),
      RawReclaimable: sum(r.images.filter((i) => i.containers === 0).map((i) => i.size)),
    },
    {
      Type: 'Containers',
      Total: r.containers.length,
      Active: r.containers.filter((c) => c.running).length,
      RawSize: sum(r.containers.map((c) => c.size)),
      RawReclaimable: sum(r.containers.filter((c) => !c.running).map((c) => c.size)),
    },
    {
      Type: 'Local Volumes',
      Total: r.volumes.length,
      Active: r.volumes.filter((v) => v.links > 0).length,
      RawSize: sum(r.volumes.map((v) => v.size)),
      RawReclaimable: sum(r.volumes.filter((v) => v.links === 0).map((v) => v.size)),
    },
  ];
}
