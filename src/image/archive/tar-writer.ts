// A small streaming tar writer: ustar headers, with PAX records for what ustar cannot
// hold (long or non-ASCII names and link targets, large sizes, ids and times). Used for
// the outer tar of saved archives and for `export`. Bodies are streamed with
// backpressure and checked against the size their header promised.
import type { Readable, Writable } from 'node:stream';
import { once } from 'node:events';
import { TpodError } from '../../errors.js';

export type TarEntryType = 'file' | 'dir' | 'symlink' | 'link' | 'char' | 'block' | 'fifo';

export interface TarHeader {
  name: string;
  type: TarEntryType;
  mode: number;
  size?: number;
  uid?: number;
  gid?: number;
  /** Seconds since the epoch. */
  mtime?: number;
  linkname?: string;
  devmajor?: number;
  devminor?: number;
  uname?: string;
  gname?: string;
}

const TYPEFLAG: Record<TarEntryType, string> = { file: '0', link: '1', symlink: '2', char: '3', block: '4', dir: '5', fifo: '6' };
const BLOCK = 512;

function fitsOctal(n: number, width: number): boolean {
  // width includes the terminating NUL.
  return Number.isInteger(n) && n >= 0 && n < 8 ** (width - 1);
}

function writeOctal(buf: Buffer, off: number, width: number, n: number): void {
  buf.write(n.toString(8).padStart(width - 1, '0') + '\0', off, width, 'latin1');
}

function writeString(buf: Buffer, off: number, width: number, s: string): void {
  Buffer.from(s, 'utf8').copy(buf, off, 0, width);
}

function isAscii(s: string): boolean {
  return /^[\x20-\x7e]*$/.test(s);
}

/** Splits a name into ustar prefix (<=155 bytes) and name (<=100 bytes), if it can be. */
export function splitUstarName(name: string): { prefix: string; name: string } | undefined {
  if (Buffer.byteLength(name) <= 100) return { prefix: '', name };
  for (let i = name.length - 1; i > 0; i--) {
    if (name[i] !== '/') continue;
    const prefix = name.slice(0, i);
    const rest = name.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(rest) <= 100 && rest !== '') return { prefix, name: rest };
    if (Buffer.byteLength(prefix) <= 155) break;
  }
  return undefined;
}

function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let len = Buffer.byteLength(body) + 1;
  while (String(len).length + Buffer.byteLength(body) !== len) len = String(len).length + Buffer.byteLength(body);
  return `${len}${body}`;
}

function ustarBlock(h: TarHeader, name: string, prefix: string, linkname: string, size: number, typeflag: string): Buffer {
  const b = Buffer.alloc(BLOCK);
  writeString(b, 0, 100, name);
  writeOctal(b, 100, 8, h.mode & 0o7777);
  writeOctal(b, 108, 8, fitsOctal(h.uid ?? 0, 8) ? h.uid ?? 0 : 0);
  writeOctal(b, 116, 8, fitsOctal(h.gid ?? 0, 8) ? h.gid ?? 0 : 0);
  writeOctal(b, 124, 12, fitsOctal(size, 12) ? size : 0);
  const mtime = Math.floor(h.mtime ?? 0);
  writeOctal(b, 136, 12, fitsOctal(mtime, 12) ? mtime : 0);
  b.fill(0x20, 148, 156);
  b.write(typeflag, 156, 1, 'latin1');
  writeString(b, 157, 100, linkname);
  b.write('ustar\x0000', 257, 8, 'latin1');
  writeString(b, 265, 32, h.uname ?? '');
  writeString(b, 297, 32, h.gname ?? '');
  if (h.type === 'char' || h.type === 'block') {
    writeOctal(b, 329, 8, h.devmajor ?? 0);
    writeOctal(b, 337, 8, h.devminor ?? 0);
  }
  writeString(b, 345, 155, prefix);
  let sum = 0;
  for (const byte of b) sum += byte;
  b.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8, 'latin1');
  return b;
}

/** The header block(s) of an entry: a PAX extended header first when ustar cannot hold it. */
export function encodeHeader(h: TarHeader): Buffer {
  const size = h.type === 'file' ? h.size ?? 0 : 0;
  let name = h.name;
  if (h.type === 'dir' && !name.endsWith('/')) name += '/';
  const pax: string[] = [];
  let split = isAscii(name) ? splitUstarName(name) : undefined;
  if (!split) {
    pax.push(paxRecord('path', name));
    split = { prefix: '', name: Buffer.from(name).subarray(0, 100).toString('latin1').replace(/[^\x20-\x7e]/g, '_') };
  }
  let linkname = h.linkname ?? '';
  if (linkname !== '' && (!isAscii(linkname) || Buffer.byteLength(linkname) > 100)) {
    pax.push(paxRecord('linkpath', linkname));
    linkname = linkname.slice(0, 100).replace(/[^\x20-\x7e]/g, '_');
  }
  if (!fitsOctal(size, 12)) pax.push(paxRecord('size', String(size)));
  if (!fitsOctal(h.uid ?? 0, 8)) pax.push(paxRecord('uid', String(h.uid)));
  if (!fitsOctal(h.gid ?? 0, 8)) pax.push(paxRecord('gid', String(h.gid)));
  const mtime = Math.floor(h.mtime ?? 0);
  if (!fitsOctal(mtime, 12)) pax.push(paxRecord('mtime', String(mtime)));
  const main = ustarBlock(h, split.name, split.prefix, linkname, size, TYPEFLAG[h.type]);
  if (pax.length === 0) return main;
  const data = Buffer.from(pax.join(''), 'utf8');
  const paxName = `PaxHeaders/${split.name}`.slice(0, 100);
  const paxHeader = ustarBlock({ name: paxName, type: 'file', mode: 0o644, mtime: h.mtime ?? 0 }, paxName, '', '', data.length, 'x');
  return Buffer.concat([paxHeader, data, Buffer.alloc(padding(data.length)), main]);
}

export function padding(size: number): number {
  return (BLOCK - (size % BLOCK)) % BLOCK;
}

/** Writes a tar stream to `out`, one entry at a time. */
export class TarWriter {
  private bytes = 0;

  constructor(private readonly out: Writable) {}

  /** Bytes written so far. */
  get written(): number {
    return this.bytes;
  }

  private async write(b: Buffer): Promise<void> {
    if (b.length === 0) return;
    this.bytes += b.length;
    if (!this.out.write(b)) {
      // 'error' rejects the wait, so a dead destination (EPIPE, ENOSPC) ends the save.
      await once(this.out, 'drain');
    }
  }

  /** Adds an entry; a file's body must be exactly h.size bytes. */
  async add(h: TarHeader, body?: Buffer | Readable): Promise<void> {
    const size = h.type === 'file' ? h.size ?? (Buffer.isBuffer(body) ? body.length : 0) : 0;
    await this.write(encodeHeader({ ...h, size }));
    if (h.type !== 'file' || size === 0) return;
    let got = 0;
    if (Buffer.isBuffer(body)) {
      got = body.length;
      if (got === size) await this.write(body);
    } else if (body) {
      for await (const chunk of body) {
        const c = chunk as Buffer;
        got += c.length;
        if (got > size) break;
        await this.write(c);
      }
    }
    if (got !== size) throw new TpodError('ESTORAGE', `${h.name}: expected ${size} bytes, read ${got}${got > size ? '+' : ''}: the file changed while it was written`);
    await this.write(Buffer.alloc(padding(size)));
  }

  /** Writes the end-of-archive blocks (the stream itself is ended by the caller). */
  async finish(): Promise<void> {
    await this.write(Buffer.alloc(2 * BLOCK));
  }
}
