// `pull docker-archive:PATH` / `oci-archive:PATH` (and `run`/`create` of such a name):
// the archive is loaded as `tpod load` does, with Podman's copy lines and its pull
// event (the name as given), not load's "loadfromarchive".
import { createReadStream, statSync } from 'node:fs';
import type { Context } from '../engine/context.js';
import { TpodError } from '../errors.js';
import { recordEvent } from '../storage/events.js';
import type { PullReporter } from './pull-progress.js';
import type { StoredImage } from './store.js';

const ARCHIVE_TRANSPORT = /^(docker-archive|oci-archive):(.+)$/;

/** The archive a pull reference names, or undefined when it names a registry image. */
export function archiveReference(reference: string): { transport: string; path: string } | undefined {
  const m = ARCHIVE_TRANSPORT.exec(reference);
  if (!m) return undefined;
  let path = m[2]!;
  // PATH:REFERENCE picks an image of a multi-image archive; tpod takes the first one.
  if (!isFile(path) && path.lastIndexOf(':') > 0 && isFile(path.slice(0, path.lastIndexOf(':')))) path = path.slice(0, path.lastIndexOf(':'));
  return { transport: m[1]!, path };
}

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

export async function pullArchive(ctx: Context, reference: string, reporter: PullReporter): Promise<{ image: StoredImage; name: string }> {
  const ref = archiveReference(reference)!;
  if (!isFile(ref.path)) throw new TpodError('EARCHIVE', `${reference}: ${ref.path}: no such file`);
  reporter.note('Getting image source signatures');
  const { loadArchive } = await import('./load.js');
  const loaded = await loadArchive(ctx, createReadStream(ref.path, { highWaterMark: 1 << 20 }), { label: ref.path, preserveOwner: true, event: false });
  const first = loaded[0];
  if (!first) throw new TpodError('EARCHIVE', `${reference}: the archive holds no image`);
  for (const l of first.image.layers) reporter.note(`Copying blob ${l.slice(7, 19)} done`);
  reporter.note(`Copying config ${first.image.id.slice(0, 12)} done`);
  reporter.note('Writing manifest to image destination');
  await recordEvent(ctx, { Name: reference, Status: 'pull', Type: 'image' });
  return { image: first.image, name: first.names[0] ?? first.image.id };
}
