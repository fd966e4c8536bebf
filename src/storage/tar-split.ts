// tar-split: what it takes to rebuild a layer's tar byte for byte from its extracted
// directory. While a layer is extracted, every byte of the uncompressed stream that is
// not the content of a regular file on disk (headers, PAX records, padding, whiteout
// entries, the end-of-archive blocks) is recorded verbatim; file contents are recorded
// as "N bytes of <path>". `save` and `push` then rebuild the exact tar, so its digest is
// the diff ID the image config names and the image keeps its ID.
//
// The record is gzip'd JSON lines: {"r":"<base64>"} raw bytes, {"f":"<path>","s":N} the
// first N bytes of <layer dir>/<path>. Rebuilding checks the result's digest; a layer
// changed on disk (or an archive whose paths the extraction resolved differently) is an
// error, never a silently different tar.
import { createHash } from 'node:crypto';
import { closeSync, constants, createReadStream, createWriteStream, fstatSync, openSync, readSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { once } from 'node:events';
import * as zlib from 'node:zlib';
import { TpodError } from '../errors.js';

/** One step of the rebuild: raw bytes, or bytes from a file of the layer directory. */
export type SplitRecord = { r: string } | { f: string; s: number };

const BLOCK = 512;
const REGULAR = new Set(['0', '\0', '7']);

function cstring(buf: Buffer, start: number, len: number): string {
  const end = buf.indexOf(0, start);
  return buf.toString('utf8', start, end < 0 || end > start + len ? start + len : end);
}

/** A numeric header field: octal text, or base-256 when the top bit of the first byte is set. */
export function headerNumber(buf: Buffer, start: number, len: number): number {
  const first = buf[start]!;
  if (first & 0x80) {
    let n = first & 0x7f;
    for (let i = 1; i < len; i++) n = n * 256 + buf[start + i]!;
    return n;
  }
  const text = buf.toString('latin1', start, start + len).replace(/[\0 ]+$/g, '').trim();
  return text === '' ? 0 : parseInt(text, 8);
}

/** PAX records "LEN key=value\n", as far as they parse. */
export function parsePax(data: Buffer): Map<string, string> {
  const out = new Map<string, string>();
  let pos = 0;
  while (pos < data.length) {
    const sp = data.indexOf(0x20, pos);
    if (sp < 0) break;
    const len = parseInt(data.toString('latin1', pos, sp), 10);
    if (!Number.isFinite(len) || len <= 0 || pos + len > data.length) break;
    const rec = data.toString('utf8', sp + 1, pos + len - 1);
    const eq = rec.indexOf('=');
    if (eq > 0) out.set(rec.slice(0, eq), rec.slice(eq + 1));
    pos += len;
  }
  return out;
}

/** The layer-relative path an archive name lands at (as extraction resolves it). */
export function splitPath(name: string): string {
  return name.split('/').filter((p) => p !== '' && p !== '.').join('/');
}

type State = 'header' | 'meta' | 'raw' | 'file' | 'trailer';

/**
 * Passes a plain tar stream through unchanged and calls `emit` with the records that
 * rebuild it. Raw bytes are merged into as few records as possible.
 */
export class TarSplitRecorder extends Transform {
  private state: State = 'header';
  private readonly header = Buffer.alloc(BLOCK);
  private headerFill = 0;
  private remaining = 0;
  private padding = 0;
  private raw: Buffer[] = [];
  private rawLen = 0;
  private meta: Buffer[] = [];
  private metaType = '';
  private zeroBlocks = 0;
  private paxPath: string | undefined;
  private paxSize: number | undefined;
  private longName: string | undefined;
  private globalPath: string | undefined;

  constructor(private readonly onRecord: (rec: SplitRecord) => void) {
    super();
  }

  private pushRaw(b: Buffer): void {
    if (b.length === 0) return;
    this.raw.push(Buffer.from(b));
    this.rawLen += b.length;
    if (this.rawLen >= 1 << 16) this.flushRaw();
  }

  private flushRaw(): void {
    if (this.rawLen === 0) return;
    this.onRecord({ r: Buffer.concat(this.raw).toString('base64') });
    this.raw = [];
    this.rawLen = 0;
  }

  private onHeader(h: Buffer): void {
    this.pushRaw(h);
    if (h.every((b) => b === 0)) {
      if (++this.zeroBlocks >= 2) this.state = 'trailer';
      return;
    }
    this.zeroBlocks = 0;
    const type = String.fromCharCode(h[156]!);
    let size = headerNumber(h, 124, 12);
    const isMeta = type === 'x' || type === 'g' || type === 'L' || type === 'K' || type === 'X' || type === 'N';
    if (!isMeta && this.paxSize !== undefined) size = this.paxSize;
    this.remaining = size;
    this.padding = (BLOCK - (size % BLOCK)) % BLOCK;
    if (isMeta) {
      this.metaType = type;
      this.meta = [];
      this.state = size > 0 ? 'meta' : 'header';
      if (size === 0) this.endMeta();
      return;
    }
    let name = this.paxPath ?? this.longName ?? this.globalPath;
    if (name === undefined) {
      name = cstring(h, 0, 100);
      const magic = h.toString('latin1', 257, 262);
      const prefix = magic === 'ustar' ? cstring(h, 345, 155) : '';
      if (prefix !== '') name = `${prefix}/${name}`;
    }
    this.paxPath = undefined;
    this.paxSize = undefined;
    this.longName = undefined;
    const path = splitPath(name);
    const base = path.slice(path.lastIndexOf('/') + 1);
    if (REGULAR.has(type) && size > 0 && !base.startsWith('.wh.')) {
      this.flushRaw();
      this.onRecord({ f: path, s: size });
      this.state = 'file';
    } else {
      this.state = size + this.padding > 0 ? 'raw' : 'header';
      this.remaining = size + this.padding;
      this.padding = 0;
    }
  }

  private endMeta(): void {
    const data = Buffer.concat(this.meta);
    this.meta = [];
    if (this.metaType === 'x' || this.metaType === 'X') {
      const pax = parsePax(data);
      const p = pax.get('path');
      if (p !== undefined) this.paxPath = p;
      const s = pax.get('size');
      if (s !== undefined && /^\d+$/.test(s)) this.paxSize = Number(s);
    } else if (this.metaType === 'g') {
      const p = parsePax(data).get('path');
      if (p !== undefined) this.globalPath = p;
    } else if (this.metaType === 'L' || this.metaType === 'N') {
      const nul = data.indexOf(0);
      this.longName = data.toString('utf8', 0, nul < 0 ? data.length : nul);
    }
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    let pos = 0;
    while (pos < chunk.length) {
      switch (this.state) {
        case 'header': {
          const n = Math.min(BLOCK - this.headerFill, chunk.length - pos);
          chunk.copy(this.header, this.headerFill, pos, pos + n);
          this.headerFill += n;
          pos += n;
          if (this.headerFill === BLOCK) {
            this.headerFill = 0;
            this.onHeader(this.header);
          }
          break;
        }
        case 'meta': {
          const n = Math.min(this.remaining + this.padding, chunk.length - pos);
          const part = chunk.subarray(pos, pos + n);
          this.pushRaw(part);
          const dataPart = part.subarray(0, Math.max(0, Math.min(n, this.remaining)));
          if (dataPart.length > 0) this.meta.push(Buffer.from(dataPart));
          const fromData = Math.min(n, this.remaining);
          this.remaining -= fromData;
          this.padding -= n - fromData;
          pos += n;
          if (this.remaining === 0 && this.padding === 0) {
            this.endMeta();
            this.state = 'header';
          }
          break;
        }
        case 'file': {
          const n = Math.min(this.remaining, chunk.length - pos);
          this.remaining -= n;
          pos += n;
          if (this.remaining === 0) {
            this.remaining = this.padding;
            this.padding = 0;
            this.state = this.remaining > 0 ? 'raw' : 'header';
          }
          break;
        }
        case 'raw': {
          const n = Math.min(this.remaining, chunk.length - pos);
          this.pushRaw(chunk.subarray(pos, pos + n));
          this.remaining -= n;
          pos += n;
          if (this.remaining === 0) this.state = 'header';
          break;
        }
        case 'trailer':
          this.pushRaw(chunk.subarray(pos));
          pos = chunk.length;
          break;
      }
    }
    cb(null, chunk);
  }

  override _flush(cb: TransformCallback): void {
    // A partial header block at the end is kept too: the rebuild must match byte for byte.
    if (this.headerFill > 0) this.pushRaw(this.header.subarray(0, this.headerFill));
    this.flushRaw();
    cb();
  }
}

/**
 * A recorder writing the gzip'd records to `file`. `done()` resolves once the file is
 * complete (call it after the tar stream has ended).
 */
export function recordTarSplit(file: string): { stream: TarSplitRecorder; done: () => Promise<void>; abort: () => void } {
  const gz = zlib.createGzip({ level: 1 });
  const out = createWriteStream(file, { mode: 0o600 });
  gz.pipe(out);
  const stream = new TarSplitRecorder((rec) => gz.write(JSON.stringify(rec) + '\n'));
  return {
    stream,
    done: async () => {
      gz.end();
      await once(out, 'close');
    },
    abort: () => {
      gz.destroy();
      out.destroy();
    },
  };
}

/** Reads a layer's records. */
export async function* readTarSplit(file: string): AsyncGenerator<SplitRecord> {
  const input = createReadStream(file).pipe(zlib.createGunzip());
  let rest = '';
  for await (const chunk of input) {
    rest += (chunk as Buffer).toString('utf8');
    let nl: number;
    while ((nl = rest.indexOf('\n')) >= 0) {
      const line = rest.slice(0, nl);
      rest = rest.slice(nl + 1);
      if (line !== '') yield JSON.parse(line) as SplitRecord;
    }
  }
  if (rest.trim() !== '') yield JSON.parse(rest) as SplitRecord;
}

/**
 * Opens a layer file for reading without following symlinks anywhere in its path: the
 * layer's own symlinks must never make a rebuild read outside the layer directory.
 */
function openInLayer(diffDir: string, rel: string): number {
  const full = join(diffDir, rel);
  let real: string;
  try {
    real = realpathSync(full);
  } catch (err) {
    throw new TpodError('ESTORAGE', `layer file ${rel} is missing: ${(err as Error).message}`, { cause: err });
  }
  if (real !== join(realpathSync(diffDir), rel)) throw new TpodError('ESTORAGE', `layer file ${rel} is reached through a symlink; refusing to read it`);
  const fd = openSync(full, constants.O_RDONLY | constants.O_NOFOLLOW);
  if (!fstatSync(fd).isFile()) {
    closeSync(fd);
    throw new TpodError('ESTORAGE', `layer file ${rel} is no longer a regular file`);
  }
  return fd;
}

export interface RebuildOptions {
  /** The layer's extracted directory. */
  diffDir: string;
  /** Its records (tar-split.json.gz). */
  splitFile: string;
  /** The digest the rebuilt tar must have; checked when the stream ends. */
  diffId: string;
  label: string;
}

/** The layer's original tar stream; errors (EDIGEST) when it does not hash to diffId. */
export function rebuildLayerTar(opts: RebuildOptions): Readable {
  const hash = createHash('sha256');
  async function* gen(): AsyncGenerator<Buffer> {
    const buf = Buffer.allocUnsafe(1 << 20);
    for await (const rec of readTarSplit(opts.splitFile)) {
      if ('r' in rec) {
        const b = Buffer.from(rec.r, 'base64');
        hash.update(b);
        yield b;
        continue;
      }
      const fd = openInLayer(opts.diffDir, rec.f);
      try {
        let left = rec.s;
        while (left > 0) {
          const n = readSync(fd, buf, 0, Math.min(buf.length, left), null);
          if (n === 0) throw new TpodError('EDIGEST', `layer ${opts.label}: file ${rec.f} is shorter than when it was stored`);
          const part = Buffer.from(buf.subarray(0, n));
          hash.update(part);
          left -= n;
          yield part;
        }
      } finally {
        closeSync(fd);
      }
    }
    const got = `sha256:${hash.digest('hex')}`;
    if (got !== opts.diffId) {
      throw new TpodError('EDIGEST', `layer ${opts.label}: the rebuilt tar has digest ${got}, not ${opts.diffId}: the layer changed on disk, or its archive had entries its extraction could not keep`);
    }
  }
  return Readable.from(gen(), { objectMode: false });
}
