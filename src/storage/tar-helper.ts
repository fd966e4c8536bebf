// Spawning `tpod-helper untar|retar|mktar`, the native steps that read and write layer
// content chrooted into the layer directory (helpers/tar/), and reading what they say.
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { TpodError, type ErrorCode } from '../errors.js';
import { helperPath } from '../util/helpers.js';

/**
 * Where the helper may chroot: joining the pause process's namespaces (`nsPid`), from
 * inside them already (neither), or under a command prefix that makes a user
 * namespace of its own (`wrap`, e.g. ['unshare', '-Ur'] in tests; owners are lost).
 */
export interface HelperPlace {
  nsPid?: number | undefined;
  wrap?: string[] | undefined;
}

export function spawnTarHelper(verb: 'untar' | 'retar' | 'mktar' | 'cpstat', args: string[], place: HelperPlace, stdio: StdioOptions): ChildProcess {
  const helper = helperPath('tpod-helper');
  const full = [verb, ...(place.nsPid !== undefined ? ['--pid', String(place.nsPid)] : []), ...args];
  const [cmd, ...pre] = place.wrap && place.wrap.length > 0 ? [...place.wrap, helper] : [helper];
  return spawn(cmd!, [...pre, ...full], { stdio });
}

/** What the helper said on stderr: skipped entries, and its error if it failed. */
export class HelperReport {
  readonly skipped: { path: string; why: string }[] = [];
  /** untar: the mode the archive gave the layer's root ("./"), when it lists it. */
  rootMode: number | undefined;
  private failure: { kind: string; entry: string; message: string } | undefined;
  private other: string[] = [];
  private rest = '';

  constructor(private readonly onSkip?: (path: string, why: string) => void) {}

  take(chunk: Buffer): void {
    this.rest += chunk.toString('utf8');
    for (let nl = this.rest.indexOf('\n'); nl >= 0; nl = this.rest.indexOf('\n')) {
      this.line(this.rest.slice(0, nl));
      this.rest = this.rest.slice(nl + 1);
    }
  }

  private line(line: string): void {
    const f = line.split('\t');
    if (f[0] === 'skip' && f.length >= 3) {
      if (this.skipped.length < 1000) this.skipped.push({ path: f[1]!, why: f.slice(2).join('\t') });
      this.onSkip?.(f[1]!, f.slice(2).join('\t'));
    } else if (f[0] === 'root' && f.length === 2 && /^[0-7]+$/.test(f[1]!)) {
      this.rootMode = parseInt(f[1]!, 8);
    } else if (f[0] === 'error' && f.length >= 4) {
      this.failure = { kind: f[1]!, entry: f[2]!, message: f.slice(3).join('\t') };
    } else if (line.trim() !== '' && this.other.length < 20) {
      this.other.push(line.replace(/^tpod-helper: /, ''));
    }
  }

  /** What the helper said when it failed ("error" line), if it said it that way. */
  failureOf(): { kind: string; entry: string; message: string } | undefined {
    if (this.rest !== '') this.line(this.rest);
    this.rest = '';
    return this.failure;
  }

  /** The error for a helper that exited with `code`, worded for the layer `label`. */
  error(code: number | null, label: string | undefined, what: string): TpodError {
    if (this.rest !== '') this.line(this.rest);
    this.rest = '';
    const where = label ? ` ${label}` : '';
    const f = this.failure;
    if (!f) return new TpodError('EHELPER', `${what}${where}: ${this.other.join('; ') || `tpod-helper exited with code ${code}`}`);
    // Unsafe entries read as a sentence ("entry "x" has a path that climbs out"),
    // failures of the step as a cause ("entry "x": cannot create it: ...").
    const entry = f.entry === '-' ? '' : f.kind === 'unsafe' ? `entry "${f.entry}" ` : `entry "${f.entry}": `;
    const codes: Record<string, ErrorCode> = { unsafe: 'EUNSAFEARCHIVE', archive: 'EARCHIVE', owner: 'EROOTLESS', entry: 'EARCHIVE' };
    if (f.kind === 'unsafe') return new TpodError('EUNSAFEARCHIVE', `refusing archive${label ? ` in layer ${label}` : ''}: ${entry}${f.message}`);
    if (f.kind === 'owner') {
      return new TpodError('EROOTLESS', `layer${where}: ${entry}${f.message}; add a range for your user to /etc/subuid and /etc/subgid`);
    }
    if (f.kind === 'archive' && f.entry === '-') return new TpodError('EARCHIVE', `layer${where} is not a valid tar stream: ${f.message}`);
    return new TpodError(codes[f.kind] ?? 'EARCHIVE', `layer${where}: ${entry}${f.message}`);
  }
}

/** Resolves to the exit status (128+N for a signal), rejects when it cannot start. */
export function exitOf(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    child.on('error', (e) => reject(new TpodError('EHELPER', `cannot run tpod-helper: ${e.message}`, { cause: e })));
    child.on('close', (code, signal) => resolve(code ?? (signal ? 128 + 9 : 1)));
  });
}

/**
 * Writes a tar of the contents of `root` to `out` (left open), read by `tpod-helper
 * mktar` chrooted into `root`: nothing a symlink in the tree names is read outside it.
 * `mtime` (seconds) replaces every entry's mtime.
 */
export async function packTree(place: HelperPlace, root: string, out: Writable, onSkip: (path: string, why: string) => void, opts: { whiteouts?: boolean; list?: boolean; mtime?: number } = {}): Promise<void> {
  const child = spawnTarHelper('mktar', [...(opts.whiteouts ? ['--whiteouts'] : []), ...(opts.list ? ['--list'] : []), ...(opts.mtime !== undefined ? ['--mtime', String(Math.trunc(opts.mtime))] : []), root], place, ['ignore', 'pipe', 'pipe']);
  const exited = exitOf(child);
  const report = new HelperReport(onSkip);
  child.stderr!.on('data', (d: Buffer) => report.take(d));
  const copied = pipeline(child.stdout!, out, { end: false }).then(() => undefined, (e: unknown) => e);
  const [code, copyError] = await Promise.all([exited, copied]);
  if (code !== 0) throw report.error(code, undefined, 'reading the files for the archive');
  if (copyError) throw new TpodError('ESTORAGE', `writing the archive: ${(copyError as Error).message}`, { cause: copyError });
}
