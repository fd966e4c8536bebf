// ADD of an http(s) URL: the file is downloaded as is (a tarball is not unpacked, as
// Docker and buildah do), its Last-Modified as the mtime, checked against --checksum
// when given. Errors are worded as buildah words them.
import { createHash } from 'node:crypto';
import { createWriteStream, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join, posix } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { TpodError } from '../errors.js';

export function isUrl(source: string): boolean {
  return /^https?:\/\//i.test(source);
}

const DIGEST_HEX: Record<string, number> = { sha256: 64, sha384: 96, sha512: 128 };

/** --checksum's value checked as go-digest parses it ("invalid checksum flag: ..." otherwise). */
export function parseChecksum(value: string): { algorithm: string; hex: string } {
  const colon = value.indexOf(':');
  if (colon <= 0 || colon === value.length - 1) throw new TpodError('EUSAGE', 'invalid checksum flag: invalid checksum digest format');
  const algorithm = value.slice(0, colon);
  const hex = value.slice(colon + 1);
  const len = DIGEST_HEX[algorithm];
  if (len === undefined) throw new TpodError('EUSAGE', 'invalid checksum flag: unsupported digest algorithm');
  if (hex.length !== len || !/^[a-f0-9]+$/.test(hex)) throw new TpodError('EUSAGE', 'invalid checksum flag: invalid checksum digest length');
  return { algorithm, hex };
}

/** The name the file gets when it lands in a directory: the URL path's last element. */
export function urlFileName(url: string): string {
  const base = posix.basename(new URL(url).pathname);
  return base === '' ? '/' : decodeURIComponent(base);
}

/** The mtime a download gets: Last-Modified when the server sends one, else the epoch. */
export function lastModifiedTime(header: string | null | undefined, url: string): Date {
  if (!header) return new Date(0);
  const d = new Date(header);
  if (Number.isNaN(d.getTime())) throw new TpodError('EUSAGE', `parsing last-modified time "${header}": cannot parse it as RFC 1123 (${url})`);
  return d;
}

export interface Download {
  path: string;
  size: number;
  mtime: Date;
}

/** Downloads `url` into `dir` (under the name `file`), checked against `checksum` ("sha256:..."), when given. */
export async function downloadUrl(url: string, dir: string, file: string, checksum?: string): Promise<Download> {
  const want = checksum !== undefined ? parseChecksum(checksum) : undefined;
  let response: Response;
  try {
    response = await fetch(url, { redirect: 'follow' });
  } catch (err) {
    const cause = (err as { cause?: { message?: string } }).cause?.message ?? (err as Error).message;
    throw new TpodError('ENETWORK', `Get "${url}": ${cause}`, { cause: err });
  }
  if (response.status < 200 || response.status >= 400) {
    await response.body?.cancel();
    throw new TpodError('ENETWORK', `invalid response status ${response.status}`);
  }
  const mtime = lastModifiedTime(response.headers.get('last-modified'), url);
  const path = join(dir, file);
  const hash = createHash(want?.algorithm ?? 'sha256');
  let size = 0;
  const body = response.body ? Readable.fromWeb(response.body as import('node:stream/web').ReadableStream<Uint8Array>) : Readable.from([]);
  body.on('data', (c: Buffer) => {
    hash.update(c);
    size += c.length;
  });
  try {
    await pipeline(body, createWriteStream(path, { mode: 0o600 }));
  } catch (err) {
    throw new TpodError('ENETWORK', `writing content from "${url}": ${(err as Error).message}`, { cause: err });
  }
  if (want) {
    const got = hash.digest('hex');
    if (got !== want.hex) throw new TpodError('EDIGEST', `unexpected response digest for "${url}": ${want.algorithm}:${got}, want ${want.algorithm}:${want.hex}`);
  }
  return { path, size, mtime };
}

/** Where one build's downloads go (under the store's tmp dir, not a tmpfs), removed at its end. */
export class Downloads {
  private dir: string | undefined;
  private n = 0;

  constructor(private readonly under: string) {}

  async get(url: string, checksum: string | undefined): Promise<Download> {
    if (this.dir === undefined) {
      mkdirSync(this.under, { recursive: true, mode: 0o700 });
      this.dir = mkdtempSync(join(this.under, 'build-download-'));
    }
    return downloadUrl(url, this.dir, `${this.n++}`, checksum);
  }

  dispose(): void {
    if (this.dir !== undefined) rmSync(this.dir, { recursive: true, force: true });
    this.dir = undefined;
  }
}
