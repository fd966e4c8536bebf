// tar-split: what it takes to rebuild a layer's tar byte for byte from its extracted
// directory, so `save` and `push` send the exact tar whose digest the image config
// names. The records are written by the extraction itself (helpers/tar/untar.c, the
// same parse of each header) and replayed by `tpod-helper retar`, chrooted into the
// layer: a file the records name is looked up by the kernel inside the layer, never
// on the host. The result's digest is checked; a layer changed on disk is an error,
// never a silently different tar.
//
// Record files: tar-split.gz (gzip'd binary records, helpers/tar/split.h). Layers
// stored by earlier versions have tar-split.json.gz (gzip'd JSON lines: {"r":"<base64>"}
// raw bytes, {"f":"<path>","s":N} file data); they are converted on the fly.
import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as zlib from 'node:zlib';
import { TpodError } from '../errors.js';
import { exitOf, HelperReport, spawnTarHelper, type HelperPlace } from './tar-helper.js';

/** Beside diff/: the records, as the extraction writes them now. */
export const TAR_SPLIT_FILE = 'tar-split.gz';
/** What earlier versions wrote. */
export const TAR_SPLIT_JSON_FILE = 'tar-split.json.gz';

const MAGIC = Buffer.from('tpsplit1');

/** One record of the JSON form. */
export type JsonSplitRecord = { r: string } | { f: string; s: number };

/** The binary form of one JSON record. */
export function encodeRecord(rec: JsonSplitRecord): Buffer {
  if ('r' in rec) {
    const data = Buffer.from(rec.r, 'base64');
    const head = Buffer.alloc(5);
    head[0] = 0x72; // 'r'
    head.writeUInt32LE(data.length, 1);
    return Buffer.concat([head, data]);
  }
  const path = Buffer.from(rec.f, 'utf8');
  const head = Buffer.alloc(13);
  head[0] = 0x66; // 'f'
  head.writeBigUInt64LE(BigInt(rec.s), 1);
  head.writeUInt32LE(path.length, 9);
  return Buffer.concat([head, path]);
}

/** The JSON form converted to binary records, as a stream. */
async function* convertJson(file: string): AsyncGenerator<Buffer> {
  yield MAGIC;
  let rest = '';
  for await (const chunk of createReadStream(file).pipe(zlib.createGunzip())) {
    rest += (chunk as Buffer).toString('utf8');
    let nl: number;
    while ((nl = rest.indexOf('\n')) >= 0) {
      const line = rest.slice(0, nl);
      rest = rest.slice(nl + 1);
      if (line !== '') yield encodeRecord(JSON.parse(line) as JsonSplitRecord);
    }
  }
  if (rest.trim() !== '') yield encodeRecord(JSON.parse(rest) as JsonSplitRecord);
}

/** Whether the layer directory (holding diff/) has records of either form. */
export function hasTarSplit(layerDir: string): boolean {
  return existsSync(join(layerDir, TAR_SPLIT_FILE)) || existsSync(join(layerDir, TAR_SPLIT_JSON_FILE));
}

function recordStream(layerDir: string): Readable {
  const current = join(layerDir, TAR_SPLIT_FILE);
  if (existsSync(current)) return createReadStream(current).pipe(zlib.createGunzip());
  return Readable.from(convertJson(join(layerDir, TAR_SPLIT_JSON_FILE)), { objectMode: false });
}

export interface RebuildOptions extends HelperPlace {
  /** The layer's directory: diff/ and the record file. */
  layerDir: string;
  /** The digest the rebuilt tar must have; checked when the stream ends. */
  diffId: string;
  label: string;
}

/** The layer's original tar stream; errors (EDIGEST) when it does not hash to diffId. */
export function rebuildLayerTar(opts: RebuildOptions): Readable {
  async function* gen(): AsyncGenerator<Buffer> {
    const hash = createHash('sha256');
    const child = spawnTarHelper('retar', [join(opts.layerDir, 'diff')], opts, ['pipe', 'pipe', 'pipe']);
    const exited = exitOf(child);
    const report = new HelperReport();
    child.stderr!.on('data', (d: Buffer) => report.take(d));
    child.stdin!.on('error', () => undefined);
    const fed = pipeline(recordStream(opts.layerDir), child.stdin!).then(() => undefined, (e: unknown) => e);
    let finished = false;
    try {
      for await (const chunk of child.stdout!) {
        hash.update(chunk as Buffer);
        yield chunk as Buffer;
      }
      finished = true;
    } finally {
      // A consumer that stops early (a failed push) must not leave the helper behind.
      if (!finished && child.exitCode === null) child.kill('SIGKILL');
    }
    const [code, feedError] = await Promise.all([exited, fed]);
    if (code !== 0) throw report.error(code, opts.label, 'rebuilding the tar of layer');
    if (feedError) throw new TpodError('ESTORAGE', `layer ${opts.label}: reading its tar-split record: ${(feedError as Error).message}`, { cause: feedError });
    const got = `sha256:${hash.digest('hex')}`;
    if (got !== opts.diffId) {
      throw new TpodError('EDIGEST', `layer ${opts.label}: the rebuilt tar has digest ${got}, not ${opts.diffId}: the layer changed on disk, or its archive had entries its extraction could not keep`);
    }
  }
  return Readable.from(gen(), { objectMode: false });
}
