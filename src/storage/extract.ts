// Layer extraction: one layer blob (gzip, zstd or plain) hashed and decompressed here,
// then written to disk by `tpod-helper untar` (helpers/tar/untar.c) chrooted into the
// layer directory inside the user namespace. The kernel confines every path the
// archive names to that directory, whatever symlinks, whiteouts or PAX headers it
// plays with: the barrier is the chroot, not a model of the archive kept here.
//
// The same parse records the tar-split data (helpers/tar/split.h) that rebuilds the
// exact tar for save and push; it is gzip'd here into the layer's record file. Both
// digests (of the blob and of the plain tar, the diff ID) are computed on the way.
import { createWriteStream, lstatSync } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as zlib from 'node:zlib';
import { TpodError } from '../errors.js';
import { decompressorFor, detectCompression, HashStream, peekStream, type Compression } from './compression.js';
import { exitOf, HelperReport, spawnTarHelper, type HelperPlace } from './tar-helper.js';

export type { Compression } from './compression.js';

export interface ExtractOptions extends HelperPlace {
  /** Keep the archive's owners (needs the subordinate id range of the pause process). */
  preserveOwner: boolean;
  /** "sha256:<hex>" the uncompressed stream must hash to. */
  expectedDiffId?: string;
  /** "sha256:<hex>" the raw (possibly compressed) stream must hash to. */
  expectedDigest?: string;
  /** Name of the layer in messages, e.g. the blob's digest. */
  label?: string;
  /** Told about entries that were left out on purpose (device nodes, xattrs). */
  onSkip?: (path: string, why: string) => void;
  /** Where to write the gzip'd tar-split records that rebuild this exact tar. */
  tarSplitFile?: string;
  /** Not a layer (volume import, cp): `.wh.` names are plain files, no whiteouts. */
  plainFiles?: boolean;
  /** `dir` holds earlier layers already: whiteouts and opaque markers remove their files (a squash). */
  stack?: boolean;
}

export interface ExtractResult {
  diffId: string;
  /** Digest of the raw bytes as read (equals diffId for an uncompressed layer). */
  digest: string;
  /** Uncompressed size in bytes. */
  size: number;
  compressedSize: number;
  compression: Compression;
  /** The mode the archive gives the layer's root, or null when it does not list "./". */
  rootMode: number | null;
}

/**
 * Extracts one layer into `dir` (which should be empty). Throws EUNSAFEARCHIVE for an
 * archive that tries to leave it, EARCHIVE for a damaged stream or an entry that cannot
 * be made, EROOTLESS for owners the namespace does not map, EDIGEST when the digests
 * do not match; the caller then discards `dir`.
 */
export async function extractLayer(source: Readable, dir: string, opts: ExtractOptions): Promise<ExtractResult> {
  const label = opts.label;
  if (!lstatSync(dir).isDirectory()) throw new TpodError('ESTORAGE', `layer directory ${dir} is not a directory`);

  const { head, stream } = await peekStream(source);
  const compression = detectCompression(head);
  // A plain stream is hashed once: its digest is its diff ID (a pull hands over the
  // blob already gunzipped, its compressed digest checked on the way).
  const raw = new HashStream();
  const plain = compression === 'none' ? raw : new HashStream();
  const stages: NodeJS.ReadWriteStream[] = [raw];
  if (compression !== 'none') {
    const make = decompressorFor(compression);
    if (!make) throw new TpodError('EARCHIVE', `layer${label ? ` ${label}` : ''} is ${compression}-compressed, which this Node.js cannot decompress`);
    stages.push(make(), plain);
  }

  const args = [...(opts.preserveOwner ? ['--owners'] : []), ...(opts.tarSplitFile !== undefined ? ['--split'] : []), ...(opts.plainFiles ? ['--plain'] : []), ...(opts.stack ? ['--stack'] : []), dir];
  const child = spawnTarHelper('untar', args, opts, ['pipe', opts.tarSplitFile !== undefined ? 'pipe' : 'ignore', 'pipe']);
  const exited = exitOf(child);
  const report = new HelperReport(opts.onSkip);
  child.stderr!.on('data', (d: Buffer) => report.take(d));
  // The helper stops reading when it refuses an entry: that EPIPE is not the story.
  child.stdin!.on('error', () => undefined);
  const records = opts.tarSplitFile !== undefined
    ? pipeline(child.stdout!, zlib.createGzip({ level: 1 }), createWriteStream(opts.tarSplitFile, { mode: 0o600 })).then(() => undefined, (e: unknown) => e)
    : Promise.resolve(undefined);
  const fed = pipeline([stream, ...stages, child.stdin!] as unknown as ReadonlyArray<NodeJS.ReadableStream | NodeJS.WritableStream | NodeJS.ReadWriteStream>)
    .then(() => undefined, (e: unknown) => e);

  const [feedError, code, recordError] = await Promise.all([fed, exited, records]);
  if (feedError instanceof TpodError) throw feedError; // e.g. zstd's own message
  const zlibCode = (feedError as NodeJS.ErrnoException | undefined)?.code;
  if (feedError && zlibCode?.startsWith('Z_')) {
    throw new TpodError('EARCHIVE', `layer${label ? ` ${label}` : ''} is not valid ${compression} data: ${(feedError as Error).message}`, { cause: feedError });
  }
  if (code !== 0) throw report.error(code, label, 'extracting layer');
  if (feedError) throw new TpodError('EARCHIVE', `reading layer${label ? ` ${label}` : ''}: ${(feedError as Error).message}`, { cause: feedError });
  if (recordError) throw new TpodError('ESTORAGE', `writing the tar-split record of layer${label ? ` ${label}` : ''}: ${(recordError as Error).message}`, { cause: recordError });

  const diffId = plain.digest();
  const result: ExtractResult = {
    diffId,
    digest: plain === raw ? diffId : raw.digest(),
    size: plain.bytes,
    compressedSize: raw.bytes,
    compression,
    rootMode: report.rootMode ?? null,
  };
  if (opts.expectedDigest !== undefined && result.digest !== opts.expectedDigest) {
    throw new TpodError('EDIGEST', `layer${label ? ` ${label}` : ''}: digest mismatch: expected ${opts.expectedDigest}, got ${result.digest}`);
  }
  if (opts.expectedDiffId !== undefined && result.diffId !== opts.expectedDiffId) {
    throw new TpodError('EDIGEST', `layer${label ? ` ${label}` : ''}: uncompressed digest mismatch: the image config says ${opts.expectedDiffId}, the layer is ${result.diffId}`);
  }
  return result;
}
