// `tpod load`: a docker-archive or oci-archive (plain or gzip, from a file or stdin)
// into the store. The archive is read once into a work directory, every blob checked
// against its digest, then each image stored with addImage. Any failure leaves the
// store as it was: extraction happens in the work directory, which is removed.
import type { Readable } from 'node:stream';
import type { Context } from '../engine/context.js';
import { TpodError } from '../errors.js';
import { WorkDir } from '../storage/workdir.js';
import { readArchive, type ArchiveContents } from './archive/contents.js';
import { isDockerArchive, readDockerArchive } from './archive/docker.js';
import { isOciArchive, readOciArchive } from './archive/oci.js';
import type { ArchiveImage } from './archive/types.js';
import { addImage, repairStore, type AddImageOptions, type StoredImage } from './store.js';
import { recordEvent } from '../storage/events.js';

export interface LoadOptions {
  /** Name of the source in messages (the file name, or "stdin"). */
  label: string;
  preserveOwner: boolean;
  place?: AddImageOptions['place'];
  /** false: no "loadfromarchive" event (a pull from an archive records its own). */
  event?: boolean;
}

export interface LoadedImage {
  image: StoredImage;
  /** Names the archive gave it (what `Loaded image:` prints). */
  names: string[];
}

export async function loadArchive(ctx: Context, source: Readable, opts: LoadOptions): Promise<LoadedImage[]> {
  return loadContents(ctx, (work) => readArchive(source, work, opts.label), opts);
}

/** `load -i DIR`: an OCI layout directory (as `save --format oci-dir` writes). */
export async function loadLayoutDir(ctx: Context, dir: string, opts: LoadOptions): Promise<LoadedImage[]> {
  const { readLayoutDir } = await import('./archive/layout-dir.js');
  return loadContents(ctx, async () => readLayoutDir(dir, opts.label), opts);
}

async function loadContents(ctx: Context, read: (workDir: string) => Promise<ArchiveContents>, opts: LoadOptions): Promise<LoadedImage[]> {
  await repairStore(ctx);
  const work = await WorkDir.create(ctx, 'work');
  try {
    const archive = await read(work.path);
    let images: ArchiveImage[];
    if (isOciArchive(archive)) images = readOciArchive(archive);
    else if (isDockerArchive(archive)) images = readDockerArchive(archive);
    else throw new TpodError('EARCHIVE', `${opts.label}: not an image archive: it has neither manifest.json (docker-archive) nor index.json (oci-archive)`);
    const loaded: LoadedImage[] = [];
    for (const img of images) {
      const layers = img.layers.map((l, i) => ({
        diffId: l.diffId,
        digest: l.member.digest,
        label: `${i + 1}/${img.layers.length} (${l.member.digest.slice(7, 19)})`,
        open: () => archive.open(l.member),
      }));
      const image = await addImage(
        ctx,
        { configBytes: img.configBytes, manifestBytes: img.manifestBytes, manifestDigest: img.manifestDigest, manifestType: img.manifestType, names: img.names },
        layers,
        { preserveOwner: opts.preserveOwner, ...(opts.place ? { place: opts.place } : {}), work },
      );
      loaded.push({ image, names: img.names });
    }
    // Podman's event for a load: no ID, the archive's path.
    if (opts.event !== false) await recordEvent(ctx, { Name: opts.label, Status: 'loadfromarchive', Type: 'image' });
    return loaded;
  } finally {
    await work.dispose(ctx);
  }
}
