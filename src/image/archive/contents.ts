// The outer tar of an image archive (docker-archive or oci-archive), read once from a
// file or stdin into a private work directory. Members are stored under flat names
// (never at the archive's own paths, so a hostile member name cannot write anywhere)
// and hashed on the way, so blobs named by digest are verified without a second read.
// Symlinks between members (docker-archive uses them to share layers) are kept as
// aliases and resolved inside the archive only.
import { createHash } from 'node:crypto';
import { createWriteStream, createReadStream, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Parser, type ReadEntry } from 'tar';
import { TpodError } from '../../errors.js';
import { peekStream, detectCompression, decompressorFor } from '../../storage/compression.js';
import * as zlib from 'node:zlib';

export interface ArchiveMember {
  /** Where the member's bytes are on disk. */
  file: string;
  size: number;
  /** "sha256:<hex>" of the bytes. */
  digest: string;
}

/** Normalises a member name: `./a//b` -> `a/b`; undefined when it climbs out or is absolute. */
export function memberName(raw: string): string | undefined {
  if (raw.startsWith('/')) return undefined;
  const parts = raw.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..') || parts.length === 0) return undefined;
  return parts.join('/');
}

export class ArchiveContents {
  readonly members = new Map<string, ArchiveMember>();
  readonly links = new Map<string, string>();

  constructor(readonly label: string) {}

  /** Finds a member by name, following links within the archive (at most 16). */
  get(name: string): ArchiveMember | undefined {
    let n = memberName(name);
    for (let hops = 0; n !== undefined && hops < 16; hops++) {
      const m = this.members.get(n);
      if (m) return m;
      n = this.links.get(n);
    }
    return undefined;
  }

  has(name: string): boolean {
    return this.get(name) !== undefined;
  }

  /** A member that must exist; `what` names it in the error. */
  require(name: string, what: string): ArchiveMember {
    const m = this.get(name);
    if (!m) throw new TpodError('EARCHIVE', `${this.label}: ${what} "${name}" is missing from the archive`);
    return m;
  }

  readBytes(name: string, what: string, maxBytes = 16 << 20): Buffer {
    const m = this.require(name, what);
    if (m.size > maxBytes) throw new TpodError('EARCHIVE', `${this.label}: ${what} "${name}" is too large (${m.size} bytes)`);
    return readFileSync(m.file);
  }

  readJson<T>(name: string, what: string): { value: T; bytes: Buffer } {
    const bytes = this.readBytes(name, what);
    try {
      return { value: JSON.parse(bytes.toString('utf8')) as T, bytes };
    } catch (err) {
      throw new TpodError('EARCHIVE', `${this.label}: ${what} "${name}" is not valid JSON: ${(err as Error).message}`, { cause: err });
    }
  }

  open(member: ArchiveMember): Readable {
    return createReadStream(member.file, { highWaterMark: 1 << 20 });
  }
}

/**
 * Reads an archive stream (plain or gzip) into `workDir`. A truncated or non-tar stream
 * is an EARCHIVE error.
 */
export async function readArchive(source: Readable, workDir: string, label: string): Promise<ArchiveContents> {
  const contents = new ArchiveContents(label);
  const writes: Promise<void>[] = [];
  let n = 0;

  const onEntry = (entry: ReadEntry): void => {
    const name = memberName(entry.path);
    if (name === undefined) {
      entry.resume();
      return;
    }
    if (entry.type === 'SymbolicLink' || entry.type === 'Link') {
      const raw = entry.linkpath ?? '';
      // Symlinks resolve against the member's directory, hardlinks against the root.
      const target = entry.type === 'SymbolicLink' && !raw.startsWith('/') ? posix.join(posix.dirname(name), raw) : raw;
      const t = memberName(posix.normalize(target));
      if (t !== undefined) contents.links.set(name, t);
      entry.resume();
      return;
    }
    if (entry.type !== 'File' && entry.type !== 'OldFile' && entry.type !== 'ContiguousFile') {
      entry.resume();
      return;
    }
    const file = join(workDir, `member-${n++}`);
    const hash = createHash('sha256');
    let size = 0;
    // One consumer only: a Minipass entry hands data buffered before the listener was
    // attached to the first consumer, so hashing sits in the pipe, not beside it.
    const tee = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        hash.update(chunk);
        size += chunk.length;
        cb(null, chunk);
      },
    });
    const out = createWriteStream(file, { mode: 0o600 });
    writes.push(
      pipeline(entry as unknown as NodeJS.ReadableStream, tee, out).then(() => {
        contents.members.set(name, { file, size, digest: `sha256:${hash.digest('hex')}` });
      }),
    );
  };

  const parser = new Parser({ strict: true, onReadEntry: onEntry } as ConstructorParameters<typeof Parser>[0]);
  try {
    const { head, stream } = await peekStream(source);
    const kind = detectCompression(head);
    if (head.length === 0) throw new TpodError('EARCHIVE', `${label}: the archive is empty`);
    const stages: NodeJS.ReadWriteStream[] = [];
    if (kind === 'gzip') stages.push(zlib.createGunzip());
    else if (kind === 'zstd') throw new TpodError('EARCHIVE', `${label}: zstd-compressed archives are not supported; decompress it first`);
    else if (kind !== 'none') stages.push(decompressorFor(kind)!());
    await pipeline([stream, ...stages, parser] as unknown as ReadonlyArray<NodeJS.ReadableStream | NodeJS.WritableStream | NodeJS.ReadWriteStream>);
    await Promise.all(writes);
  } catch (err) {
    await Promise.allSettled(writes);
    if (err instanceof TpodError) throw err;
    const msg = ((err as Error).message ?? String(err)).replace(/^TAR_\w+: /, '');
    throw new TpodError('EARCHIVE', `${label}: not a valid image archive: ${msg}`, { cause: err });
  }
  return contents;
}
