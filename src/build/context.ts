// The build context: which files a COPY or ADD takes from it (.containerignore or
// .dockerignore, with Docker's semantics and negations, through @balena/dockerignore),
// a digest of their content and metadata for the layer cache, and the tar stream that
// carries them into the build container (owners 0:0; the unpacker applies --chown).
import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, readlinkSync, realpathSync, openSync, readSync, closeSync, type Stats } from 'node:fs';
import { join, posix, relative, resolve, sep } from 'node:path';
import { Readable } from 'node:stream';
import dockerignore, { type Ignore } from '@balena/dockerignore';
import { Header, Pax } from 'tar';
import { TpodError } from '../errors.js';

// The package is CommonJS (module.exports = factory) with an ES-style `export default` in its types.
const ignoreFactory = ((dockerignore as unknown as { default?: unknown }).default ?? dockerignore) as unknown as () => Ignore;

export interface IgnoreMatcher {
  (rel: string): boolean;
  /**
   * Whether to look inside an ignored directory at all: buildah does only when the
   * text of a `!` pattern starts with the directory's path, so `!*\/x` does not bring
   * back files of an ignored directory.
   */
  descendInto?: (dir: string) => boolean;
}

/** The context's ignore rules: .containerignore first, else .dockerignore, else none. */
export function loadIgnore(contextDir: string, read: (p: string) => string | undefined = readOptional): IgnoreMatcher {
  const text = read(join(contextDir, '.containerignore')) ?? read(join(contextDir, '.dockerignore'));
  if (text === undefined) return () => false;
  return ignoreMatcher(text);
}

/** --ignorefile: the rules of that file (it must exist). */
export function ignoreFileMatcher(path: string): IgnoreMatcher {
  const text = readOptional(path);
  if (text === undefined) throw new TpodError('EUSAGE', `open ${path}: no such file or directory`);
  return ignoreMatcher(text);
}

export function ignoreMatcher(text: string): IgnoreMatcher {
  const lines = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
  const ig = ignoreFactory().add(lines);
  const matcher: IgnoreMatcher = (rel) => rel !== '' && ig.ignores(rel);
  const exceptions = lines.filter((l) => l.startsWith('!')).map((l) => posix.normalize(l.slice(1).trim()).replace(/^\/+|\/+$/g, ''));
  matcher.descendInto = (dir) => {
    const d = dir.replace(/^\/+|\/+$/g, '');
    return exceptions.some((e) => `${e}/`.startsWith(d));
  };
  return matcher;
}

function readOptional(p: string): string | undefined {
  try {
    return readFileSync(p, 'utf8');
  } catch {
    return undefined;
  }
}

/** One thing to copy: where it lands (container path without the leading "/") and what it is on the host. */
export interface CopyEntry {
  path: string;
  host: string;
  type: 'file' | 'dir' | 'symlink';
  mode: number;
  size: number;
  mtime: Date;
  linkname?: string;
  /** The file's content when it is not read from `host` (a heredoc of COPY). */
  data?: Buffer;
  /** "dev:ino" of a file with more than one link: later entries of the same file become hardlinks to the first. */
  inode?: string | undefined;
}

export interface ContextCopy {
  entries: CopyEntry[];
  /** sha256 over every entry's path, type, mode and content: the cache sees any change. */
  digest: string;
}

const GLOB = /[*?[]/;

function globRegex(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const close = pattern.indexOf(']', i);
      if (close < 0) re += '\\[';
      else {
        re += `[${pattern.slice(i + 1, close).replace(/^!/, '^').replace(/\\/g, '\\\\')}]`;
        i = close;
      }
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** Everything under `dir` (relative to the context), ignored entries left out; a directory stays when something below it is kept. */
function walk(root: string, rel: string, ignored: IgnoreMatcher, out: Array<{ rel: string; st: Stats }>): boolean {
  let kept = false;
  const names = readdirSync(join(root, rel)).sort();
  for (const name of names) {
    const r = rel === '' ? name : `${rel}/${name}`;
    const st = lstatSync(join(root, r));
    if (st.isDirectory()) {
      if (ignored.descendInto && ignored(r) && !ignored.descendInto(r)) continue;
      const at = out.length;
      const below = walk(root, r, ignored, out);
      if (below || !ignored(r)) {
        out.splice(at, 0, { rel: r, st });
        kept = true;
      }
    } else if (!ignored(r)) {
      out.push({ rel: r, st });
      kept = true;
    }
  }
  return kept;
}

/** A source path made relative to the context; ".." may not leave it, nor a symlink on the way. */
function contextRel(root: string, src: string): string {
  const abs = resolve(root, `.${posix.sep}${posix.normalize(`/${src}`)}`);
  const rel = relative(root, abs).split(sep).join('/');
  let real: string;
  try {
    real = realpathSync(abs);
  } catch {
    return rel;
  }
  const realRoot = realpathSync(root);
  if (real !== realRoot && !real.startsWith(realRoot + sep)) throw new TpodError('EUSAGE', `"${src}" is outside the build context`);
  return rel;
}

export interface CopyRequest {
  sources: string[];
  /** Absolute container path. */
  dest: string;
  /** Whether a container path is a directory in the image (for a single file to a path without "/"). */
  isDirInImage: (p: string) => boolean;
  chmod?: number | undefined;
}

/** The entries a COPY of `req.sources` from the context places, and their digest. */
export function planContextCopy(root: string, ignored: IgnoreMatcher, req: CopyRequest): ContextCopy {
  const matches: Array<{ rel: string; st: Stats }> = [];
  let all: Array<{ rel: string; st: Stats }> | undefined;
  for (const src of req.sources) {
    const rel = contextRel(root, src);
    if (GLOB.test(rel)) {
      all ??= (() => {
        const list: Array<{ rel: string; st: Stats }> = [];
        walk(root, '', ignored, list);
        return list;
      })();
      const re = globRegex(rel);
      const found = all.filter((e) => re.test(e.rel));
      if (found.length === 0) throw new TpodError('EUSAGE', `checking on sources under "${root}": no items matching glob "${src}" copied (all ignored or none found)`);
      matches.push(...found);
      continue;
    }
    let st: Stats;
    try {
      st = lstatSync(join(root, rel));
      if (st.isSymbolicLink()) st = lstatSync(realpathSync(join(root, rel)));
    } catch {
      throw new TpodError('EUSAGE', `checking on sources under "${root}": copier: stat: "/${rel}": no such file or directory`);
    }
    if (rel !== '' && ignored(rel)) throw new TpodError('EUSAGE', `checking on sources under "${root}": copier: stat: "/${rel}": no such file or directory`);
    matches.push({ rel, st });
  }
  const dest = req.dest;
  const many = matches.length > 1 || req.sources.length > 1;
  const destIsDir = dest.endsWith('/') || many || matches.some((m) => m.st.isDirectory()) || req.isDirInImage(dest);
  const base = posix.normalize(dest).replace(/^\/+/, '').replace(/\/+$/, '');
  const entries: CopyEntry[] = [];
  const add = (path: string, host: string, st: Stats): void => {
    const type = st.isDirectory() ? 'dir' : st.isSymbolicLink() ? 'symlink' : 'file';
    const mode = req.chmod !== undefined && type !== 'symlink' ? req.chmod : st.mode & 0o7777;
    const e: CopyEntry = { path, host, type, mode, size: type === 'file' ? st.size : 0, mtime: st.mtime };
    if (type === 'symlink') e.linkname = readlinkSync(host);
    if (type === 'file' && st.nlink > 1) e.inode = `${st.dev}:${st.ino}`;
    entries.push(e);
  };
  for (const m of matches) {
    const host = join(root, m.rel);
    if (m.st.isDirectory()) {
      const list: Array<{ rel: string; st: Stats }> = [];
      walk(root, m.rel, ignored, list);
      for (const e of list) add(posix.join(base, e.rel.slice(m.rel === '' ? 0 : m.rel.length + 1)), join(root, e.rel), e.st);
      continue;
    }
    const name = destIsDir ? posix.join(base, posix.basename(m.rel)) : base;
    if (name === '') throw new TpodError('EUSAGE', 'cannot copy a file over "/"');
    add(name, host, m.st);
  }
  return { entries, digest: digestEntries(entries) };
}

export function digestEntries(entries: CopyEntry[]): string {
  const h = createHash('sha256');
  for (const e of entries) {
    h.update(`${e.path}\0${e.type}\0${e.mode.toString(8)}\0${e.size}\0${e.linkname ?? ''}\0`);
    if (e.type === 'file') h.update(e.data ?? readFileSync(e.host));
  }
  return `sha256:${h.digest('hex')}`;
}

/** The first bytes of a host file (ADD: is it an archive?). */
export function fileHead(path: string, n = 512): Buffer {
  const fd = openSync(path, 'r');
  try {
    const b = Buffer.alloc(n);
    const got = readSync(fd, b, 0, n, 0);
    return b.subarray(0, got);
  } finally {
    closeSync(fd);
  }
}

function header(e: { path: string; type: 'File' | 'Directory' | 'SymbolicLink' | 'Link'; mode: number; size: number; mtime: Date; linkpath?: string | undefined }, owner: { uid: number; gid: number }): Buffer[] {
  const data = { path: e.path, mode: e.mode, uid: owner.uid, gid: owner.gid, size: e.size, mtime: e.mtime, type: e.type, linkpath: e.linkpath ?? '', uname: '', gname: '' };
  const h = new Header(data);
  const needPax = h.encode();
  if (!needPax) return [h.block!];
  const pax = new Pax({ path: e.path, ...(e.linkpath ? { linkpath: e.linkpath } : {}), mtime: e.mtime });
  const h2 = new Header({ ...data, path: e.path.slice(-99), linkpath: (e.linkpath ?? '').slice(-99) });
  h2.encode();
  return [pax.encode(), h2.block!];
}

/** A tar of `entries` (owned by `owner`, 0:0 by default) for the unpacker; `dirs` are made first (the destination's missing parents); `mtime` (seconds) for every entry with --timestamp. */
export function copyTar(entries: CopyEntry[], dirs: Array<{ path: string; mode: number }> = [], owner = { uid: 0, gid: 0 }, mtime?: number): Readable {
  const fixed = mtime !== undefined ? new Date(mtime * 1000) : undefined;
  if (fixed) entries = entries.map((e) => ({ ...e, mtime: fixed }));
  function* gen(): Generator<Buffer> {
    const now = fixed ?? new Date();
    // Hardlinked context files stay one file in the layer, as buildah copies them.
    const firstPath = new Map<string, string>();
    for (const d of dirs) yield* header({ path: `${d.path}/`, type: 'Directory', mode: d.mode, size: 0, mtime: now }, owner);
    for (const e of entries) {
      if (e.type === 'dir') yield* header({ path: `${e.path}/`, type: 'Directory', mode: e.mode, size: 0, mtime: e.mtime }, owner);
      else if (e.type === 'symlink') yield* header({ path: e.path, type: 'SymbolicLink', mode: 0o777, size: 0, mtime: e.mtime, linkpath: e.linkname }, owner);
      else if (e.inode !== undefined && firstPath.has(e.inode)) {
        yield* header({ path: e.path, type: 'Link', mode: e.mode, size: 0, mtime: e.mtime, linkpath: firstPath.get(e.inode) }, owner);
      } else {
        if (e.inode !== undefined) firstPath.set(e.inode, e.path);
        const body = e.data ?? readFileSync(e.host);
        yield* header({ path: e.path, type: 'File', mode: e.mode, size: body.length, mtime: e.mtime }, owner);
        yield body;
        const pad = (512 - (body.length % 512)) % 512;
        if (pad > 0) yield Buffer.alloc(pad);
      }
    }
    yield Buffer.alloc(1024);
  }
  return Readable.from(gen(), { objectMode: false });
}
