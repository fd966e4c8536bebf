// Builds tar archives byte by byte, so tests can craft entries no well-behaved tool
// would write (absolute paths, "..", links out of the tree).
import { Header, type HeaderData } from 'tar';
import { gzipSync } from 'node:zlib';
import { createHash } from 'node:crypto';

export interface TarEntry {
  path: string;
  type?: HeaderData['type'];
  mode?: number;
  uid?: number;
  gid?: number;
  linkpath?: string;
  body?: string | Buffer;
  mtime?: Date;
}

export function file(path: string, body: string | Buffer = '', mode = 0o644): TarEntry {
  return { path, type: 'File', mode, body };
}
export function dir(path: string, mode = 0o755): TarEntry {
  return { path, type: 'Directory', mode };
}
export function symlink(path: string, linkpath: string): TarEntry {
  return { path, type: 'SymbolicLink', mode: 0o777, linkpath };
}
export function hardlink(path: string, linkpath: string): TarEntry {
  return { path, type: 'Link', mode: 0o644, linkpath };
}

/** A PAX extended header (`x`, or `g` for a global one) that applies to what follows. */
export function pax(records: Record<string, string | Buffer>, global = false): TarEntry {
  const parts: Buffer[] = [];
  for (const [k, v] of Object.entries(records)) {
    const body = Buffer.concat([Buffer.from(` ${k}=`), Buffer.from(v), Buffer.from('\n')]);
    // The length counts its own digits.
    let len = body.length + 1;
    while (String(len).length + body.length !== len) len = String(len).length + body.length;
    parts.push(Buffer.concat([Buffer.from(String(len)), body]));
  }
  return { path: global ? 'pax_global_header' : 'PaxHeader', type: global ? 'GlobalExtendedHeader' : 'ExtendedHeader', mode: 0o644, body: Buffer.concat(parts) };
}

const WITH_DATA = new Set(['File', 'ExtendedHeader', 'GlobalExtendedHeader']);

export function tarBytes(entries: TarEntry[]): Buffer {
  const blocks: Buffer[] = [];
  for (const e of entries) {
    const body = e.body === undefined ? Buffer.alloc(0) : Buffer.from(e.body);
    const h = new Header({
      path: e.path,
      type: e.type ?? 'File',
      mode: e.mode ?? 0o644,
      uid: e.uid ?? 0,
      gid: e.gid ?? 0,
      size: WITH_DATA.has(e.type ?? 'File') ? body.length : 0,
      mtime: e.mtime ?? new Date(1_600_000_000_000),
      linkpath: e.linkpath ?? '',
      uname: '',
      gname: '',
    });
    const block = Buffer.alloc(512);
    h.encode(block, 0);
    blocks.push(block);
    if (body.length > 0 && WITH_DATA.has(e.type ?? 'File')) {
      const padded = Buffer.alloc(Math.ceil(body.length / 512) * 512);
      body.copy(padded);
      blocks.push(padded);
    }
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

export function tarGz(entries: TarEntry[]): Buffer {
  return gzipSync(tarBytes(entries));
}

export function sha256(b: Buffer | string): string {
  return 'sha256:' + createHash('sha256').update(b).digest('hex');
}
