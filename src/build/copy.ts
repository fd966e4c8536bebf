// COPY and ADD: what they take (the context, another stage or image, a local tarball
// ADD unpacks), where it lands (a directory when the destination ends in "/", when
// there are several sources, or when it is a directory in the image), with --chown
// and --chmod; and the digest of the sources that goes into the step's cache key.
import { createReadStream, statSync } from 'node:fs';
import { join, posix } from 'node:path';
import type { Instruction } from './parse.js';
import { ContainerfileError } from './parse.js';
import { copyTar, digestEntries, fileHead, planContextCopy, type CopyEntry, type IgnoreMatcher } from './context.js';
import type { FromContainer, Unpack } from './steps.js';
import { expand, words, type Vars } from './expand.js';
import { detectCompression } from '../storage/compression.js';
import { TpodError } from '../errors.js';
import { isUrl, urlFileName, type Download } from './fetch-url.js';

export interface CopyInputs {
  contextDir: string | undefined;
  ignored: IgnoreMatcher;
  vars: Vars;
  escape: string;
  file: string;
  workdir: string;
  /** Whether a container path is a directory in the parent image. */
  isDirInImage: (p: string) => boolean;
  /** --from: the image a stage name, index or image reference stands for, and its "is a directory" test. */
  fromImage: (ref: string) => Promise<{ id: string; isDir: (p: string) => boolean }>;
  /** ADD of a URL: downloads it into a directory the build removes at its end. */
  download?: (url: string, checksum: string | undefined) => Promise<Download>;
  /** --timestamp: the mtime a downloaded file gets instead of its Last-Modified. */
  timestamp?: number | undefined;
}

export interface CopyPlan {
  /** Container user the copied files belong to ("0:0" without --chown). */
  owner: string;
  work: Array<Unpack | FromContainer>;
  /** Context entries alone (no --from, no tarball): can be a layer by themselves. */
  entries?: CopyEntry[];
  /** Identifies the sources' content for the cache key. */
  digest: string;
}

/** A local file ADD unpacks: a tar, plain or compressed with what tpod reads. */
export function isArchive(head: Buffer): boolean {
  if (detectCompression(head) !== 'none') return true;
  return head.length >= 262 && head.subarray(257, 262).toString('latin1') === 'ustar';
}

/** Parses --chmod (octal). */
export function parseChmod(v: string, file: string, line: number): number {
  if (!/^[0-7]{3,4}$/.test(v)) throw new ContainerfileError(file, line, `invalid --chmod "${v}": an octal mode is wanted`);
  return parseInt(v, 8);
}

function destDirs(dest: string): Array<{ path: string; mode: number }> {
  const rel = posix.normalize(dest).replace(/^\/+/, '').replace(/\/+$/, '');
  return rel === '' ? [] : [{ path: rel, mode: 0o755 }];
}

export async function planCopy(i: Instruction, inp: CopyInputs): Promise<CopyPlan> {
  const x = (s: string): string => expand(s, inp.vars, inp.escape);
  for (const f of i.flags) {
    if (!['from', 'chown', 'chmod', 'link', ...(i.keyword === 'ADD' ? ['checksum'] : [])].includes(f.name)) throw new ContainerfileError(inp.file, i.line, `unknown flag --${f.name} for ${i.keyword}`);
  }
  const list = i.json ? i.json.map(x) : words(x(i.args));
  if (list.length < 2) throw new ContainerfileError(inp.file, i.line, `${i.keyword} requires at least two arguments`);
  if (i.heredocs.length > 0) return planWithHeredocs(i, inp, list, x);
  return planList(i, inp, list, x);
}

/**
 * Heredoc sources (`COPY <<EOF /dest`) become files named after their marker, mode 0644
 * (or --chmod), their variables expanded unless the marker is quoted; other sources
 * are copied as usual beside them.
 */
async function planWithHeredocs(i: Instruction, inp: CopyInputs, list: string[], x: (s: string) => string): Promise<CopyPlan> {
  const rawDest = list[list.length - 1]!;
  const sources = list.slice(0, -1);
  const dest = posix.resolve(inp.workdir || '/', rawDest);
  const intoDir = rawDest.endsWith('/') || sources.length > 1 || inp.isDirInImage(dest);
  const chmodText = i.flags.find((f) => f.name === 'chmod')?.value;
  const mode = chmodText !== undefined ? parseChmod(x(chmodText), inp.file, i.line) : 0o644;
  const docs = [...i.heredocs];
  const entries: CopyEntry[] = [];
  const rest: string[] = [];
  for (const s of sources) {
    if (!s.startsWith('<<')) {
      rest.push(s);
      continue;
    }
    const doc = docs.shift();
    if (!doc) throw new ContainerfileError(inp.file, i.line, `${i.keyword}: no heredoc body for ${s}`);
    const data = Buffer.from(doc.quoted ? doc.body : x(doc.body));
    const path = (intoDir ? posix.join(dest, posix.basename(doc.name)) : dest).replace(/^\/+/, '');
    if (path === '') throw new TpodError('EUSAGE', 'cannot copy a file over "/"');
    entries.push({ path, host: '', type: 'file', mode, size: data.length, mtime: new Date(), data });
  }
  const digest = digestEntries(entries);
  const docsWork: Unpack = { tar: () => copyTar(entries), at: '/', keepOwners: false };
  if (rest.length === 0) {
    const chown = i.flags.find((f) => f.name === 'chown')?.value;
    return { owner: chown !== undefined ? x(chown) : '0:0', work: [docsWork], entries, digest };
  }
  const p = await planList(i, inp, [...rest, intoDir ? `${dest.replace(/\/+$/, '')}/` : rawDest], x);
  return { ...p, work: [...p.work, docsWork], ...(p.entries ? { entries: [...p.entries, ...entries] } : {}), digest: `${p.digest};heredocs:${digest}` };
}

async function planList(i: Instruction, inp: CopyInputs, list: string[], x: (s: string) => string): Promise<CopyPlan> {
  const flag = (n: string): string | undefined => {
    const f = i.flags.find((g) => g.name === n);
    return f === undefined ? undefined : x(f.value ?? '');
  };
  const rawDest = list[list.length - 1]!;
  const sources = list.slice(0, -1);
  const dest = posix.resolve(inp.workdir || '/', rawDest) + (rawDest.endsWith('/') && rawDest !== '/' ? '/' : '');
  const owner = flag('chown') ?? '0:0';
  const chmodText = flag('chmod');
  const chmod = chmodText !== undefined ? parseChmod(chmodText, inp.file, i.line) : undefined;
  const from = flag('from');

  if (from !== undefined) {
    const img = await inp.fromImage(from);
    const work: Array<Unpack | FromContainer> = [];
    const intoDir = rawDest.endsWith('/') || sources.length > 1 || sources.some((s) => img.isDir(s));
    if ((intoDir || !inp.isDirInImage(posix.dirname(dest))) && !inp.isDirInImage(dest)) {
      const dirs = destDirs(intoDir ? dest : posix.dirname(dest));
      if (dirs.length > 0) work.push({ tar: () => copyTar([], dirs), at: '/', keepOwners: false });
    }
    for (const s of sources) {
      const abs = posix.resolve('/', s);
      work.push({ image: img.id, path: img.isDir(abs) ? `${abs}/.` : abs, dest: intoDir ? `${dest.replace(/\/+$/, '')}/` : dest });
    }
    if (chmod !== undefined) throw new ContainerfileError(inp.file, i.line, `--chmod with --from is not supported yet`);
    return { owner, work, digest: `from:${img.id}:${JSON.stringify(sources)}` };
  }

  const urls = sources.filter(isUrl);
  const locals = sources.filter((s) => !isUrl(s));
  if (urls.length > 0 && i.keyword === 'COPY') throw new TpodError('EUSAGE', "source can't be a URL for COPY");
  const checksum = flag('checksum');
  if (checksum !== undefined && locals.length > 0) throw new TpodError('EUSAGE', 'checksum flag is not supported for local sources');
  const downloaded: CopyEntry[] = [];
  for (const u of urls) {
    if (!inp.download) throw new TpodError('EINTERNAL', 'ADD of a URL without a downloader');
    const intoDir = rawDest.endsWith('/') || sources.length > 1 || inp.isDirInImage(dest);
    const base = posix.normalize(dest).replace(/^\/+/, '').replace(/\/+$/, '');
    const path = intoDir ? posix.join(base, urlFileName(u)) : base;
    if (path === '' || path === '.') throw new TpodError('EUSAGE', `cannot copy "${u}" over "/"`);
    const d = await inp.download(u, checksum);
    downloaded.push({ path, host: d.path, type: 'file', mode: chmod ?? 0o600, size: d.size, mtime: inp.timestamp !== undefined ? new Date(inp.timestamp * 1000) : d.mtime });
  }
  if (locals.length === 0) {
    return { owner, work: [{ tar: () => copyTar(downloaded), at: '/', keepOwners: false }], entries: downloaded, digest: `url:${digestEntries(downloaded)}:${downloaded.map((e) => e.mtime.getTime()).join(',')}` };
  }
  if (inp.contextDir === undefined) throw new TpodError('EUSAGE', `building at STEP "${i.text}": no build context (the Containerfile came from stdin without a context directory)`);
  const root = inp.contextDir;
  const archives: string[] = [];
  const plain: string[] = [];
  for (const s of locals) {
    if (i.keyword === 'ADD' && !/[*?[]/.test(s)) {
      const host = join(root, posix.normalize(`/${s}`));
      try {
        if (statSync(host).isFile() && isArchive(fileHead(host))) {
          archives.push(host);
          continue;
        }
      } catch {
        /* missing: planContextCopy says so */
      }
    }
    plain.push(s);
  }
  const work: Array<Unpack | FromContainer> = [];
  let digest = '';
  let entries: CopyEntry[] | undefined;
  if (plain.length > 0 || downloaded.length > 0) {
    const c = plain.length > 0 ? planContextCopy(root, inp.ignored, { sources: plain, dest: sources.length > 1 && !dest.endsWith('/') ? `${dest}/` : dest, isDirInImage: inp.isDirInImage, chmod }) : { entries: [], digest: '' };
    const all = [...c.entries, ...downloaded];
    entries = all;
    digest += c.digest + (downloaded.length > 0 ? `;url:${digestEntries(downloaded)}` : '');
    work.push({ tar: () => copyTar(all), at: '/', keepOwners: false });
  }
  if (archives.length > 0) {
    const dirs = inp.isDirInImage(dest) ? [] : destDirs(dest);
    if (dirs.length > 0) work.push({ tar: () => copyTar([], dirs), at: '/', keepOwners: false });
    const { createHash } = await import('node:crypto');
    for (const a of archives) {
      const h = createHash('sha256');
      for await (const chunk of createReadStream(a)) h.update(chunk as Buffer);
      digest += `;archive:${h.digest('hex')}`;
      work.push({ tar: () => createReadStream(a), at: dest.replace(/\/+$/, '') || '/', keepOwners: true });
    }
  }
  return { owner, work, ...(archives.length === 0 && entries ? { entries } : {}), digest };
}
