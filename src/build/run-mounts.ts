// What RUN --mount needs on the host for one step, and its clean-up:
// - bind: a context path (read-only, or a throw-away copy with rw), or a path in a
//   stage or image, whose layers are mounted with a throw-away upper dir;
// - cache: a directory under the store that outlives the build (keyed by id, else by
//   target, and by owner, as buildah keys it), locked for the step with sharing=locked;
// - tmpfs: a tmpfs; secret: a copy of the secret in the step's scratch dir, bound
//   read-only, or its value in the step's environment.
// None of it is in the committed layer: mounts are not in the container's upper dir,
// and the mount points the runtime had to create there are removed before the commit.
import { createHash } from 'node:crypto';
import { chmodSync, cpSync, existsSync, mkdirSync, readFileSync, realpathSync, statSync, writeFileSync } from 'node:fs';
import { join, posix, relative, sep, isAbsolute } from 'node:path';
import type { Context } from '../engine/context.js';
import type { BindMount, TmpfsMount } from '../runtime/mounts.js';
import type { BuildSecret, RunMount } from './run-flags.js';
import { TpodError } from '../errors.js';

export interface MountSources {
  contextDir: string | undefined;
  secrets: ReadonlyMap<string, BuildSecret>;
  /** The image a `from=` names (a stage before this one, or an image), its layers top first. */
  image: (ref: string) => Promise<{ id: string; layers: string[] }>;
}

export interface StepMounts {
  binds: BindMount[];
  tmpfs: TmpfsMount[];
  env: Array<[string, string]>;
  /** Undoes what was set up (unmounts, unlocks, deletes scratch); call once the step is over. */
  release: () => Promise<void>;
}

/** Where cache mounts live: per user, as the store is, kept between builds. */
export function cacheMountRoot(ctx: Context): string {
  return join(ctx.paths.root, 'cache-mounts');
}

/** The directory name of a cache: the id (else the target) and the owner, hashed so no name can climb out. */
export function cacheDirName(m: { id?: string | undefined; target: string; uid: number; gid: number }): string {
  return createHash('sha256').update(`${m.id ?? m.target}:${m.uid}:${m.gid}`).digest('hex').slice(0, 16);
}

function notFound(what: string): TpodError {
  return new TpodError('EUSAGE', `${what}: no such file or directory`);
}

/** `source` under `root` with symlinks resolved, refused when it leaves `root`. */
export function pathUnder(root: string, source: string, what: string): string {
  const abs = join(root, posix.normalize(`/${source}`));
  let real: string;
  try {
    real = realpathSync(abs);
  } catch {
    throw notFound(`${what} "${source}"`);
  }
  const realRoot = realpathSync(root);
  const rel = relative(realRoot, real);
  if (rel.startsWith(`..${sep}`) || rel === '..' || isAbsolute(rel)) throw new TpodError('EUSAGE', `${what} "${source}" is outside of ${root}`);
  return real;
}

/** The part of a step's cache key the mounts add: what a bind shows (content digest or image) and which images they use. */
export async function mountsCacheKey(mounts: RunMount[], src: MountSources): Promise<string> {
  const parts: string[] = [];
  for (const m of mounts) {
    if ((m.type === 'bind' || m.type === 'cache') && m.from !== undefined) parts.push(`${m.type}:${m.target}:from:${(await src.image(m.from)).id}`);
    else if (m.type === 'bind' && src.contextDir !== undefined) {
      const { planContextCopy } = await import('./context.js');
      try {
        const c = planContextCopy(src.contextDir, () => false, { sources: [m.source === '' ? '.' : m.source], dest: '/m/', isDirInImage: () => true });
        parts.push(`bind:${m.target}:${c.digest}`);
      } catch {
        parts.push(`bind:${m.target}:missing`);
      }
    }
  }
  return parts.join('\n');
}

/** Sets up the mounts of one RUN (in order; what failed half-way is undone). */
export async function prepareRunMounts(ctx: Context, mounts: RunMount[], src: MountSources): Promise<StepMounts> {
  const { WorkDir } = await import('../storage/workdir.js');
  const { runInNamespaceChecked } = await import('../rootless/join.js');
  const work = await WorkDir.create(ctx, 'work');
  const undo: Array<() => Promise<void>> = [async () => work.dispose(ctx)];
  const out: StepMounts = {
    binds: [],
    tmpfs: [],
    env: [],
    release: async () => {
      for (const u of undo.splice(0).reverse()) {
        try {
          await u();
        } catch (err) {
          ctx.log.debug(`build: releasing a RUN mount: ${(err as Error).message}`);
        }
      }
    },
  };
  const chown = async (path: string, uid: number, gid: number): Promise<void> => {
    if (uid !== 0 || gid !== 0) await runInNamespaceChecked(ctx, [], ['chown', `${uid}:${gid}`, path], `changing the owner of ${path}`);
  };
  const bind = (source: string, destination: string, readOnly: boolean, options: string[]): void => {
    const propagation = options.some((o) => /^r?(shared|private|slave)$/.test(o));
    out.binds.push({ source, destination, readOnly, options: ['rbind', ...options, ...(propagation ? [] : ['rprivate'])] });
  };
  let n = 0;
  const mountImage = async (ref: string): Promise<string> => {
    const img = await src.image(ref);
    const base = join(work.path, `image-${n++}`);
    const merged = join(base, 'merged');
    mkdirSync(merged, { recursive: true });
    if (img.layers.length === 0) return merged;
    const { chooseDriver, mountSteps, unmountStep } = await import('../storage/driver.js');
    const { driver } = await chooseDriver(ctx);
    mkdirSync(join(base, 'upper'));
    mkdirSync(join(base, 'work'));
    const spec = { lowerDirs: [...img.layers].reverse(), upper: join(base, 'upper'), work: join(base, 'work'), merged, layersDir: ctx.paths.layers };
    await runInNamespaceChecked(ctx, mountSteps(driver, spec), [], `mounting ${ref}`);
    if (driver !== 'vfs') undo.push(async () => void (await runInNamespaceChecked(ctx, [unmountStep(merged)], [], `unmounting ${ref}`)));
    return merged;
  };
  /** `source` in image `ref`, its symlinks resolved inside the image. */
  const inImage = async (ref: string, source: string, what: string): Promise<string> => {
    const merged = await mountImage(ref);
    const rel = posix.normalize(`/${source}`);
    if (rel === '/') return merged;
    const { lookupInLayers } = await import('../runtime/user.js');
    const r = lookupInLayers((await src.image(ref)).layers, rel);
    if (r.kind !== 'found') throw notFound(`${what} "${source}" in ${ref}`);
    return join(merged, r.rel);
  };

  try {
    for (const m of mounts) {
      switch (m.type) {
        case 'bind': {
          let source: string;
          if (m.from !== undefined) source = await inImage(m.from, m.source, 'bind source');
          else {
            if (src.contextDir === undefined) throw new TpodError('EUSAGE', 'context directory for current run invocation is not configured');
            source = pathUnder(src.contextDir, m.source, 'bind source');
            if (m.readWrite) {
              // Writes go to a copy: the context stays as it is.
              const copy = join(work.path, `bind-${n++}`);
              cpSync(source, copy, { recursive: true, verbatimSymlinks: true });
              source = copy;
            }
          }
          bind(source, m.target, !m.readWrite, m.options);
          break;
        }
        case 'cache': {
          let root: string;
          // An image's files are mounted in the namespace only: resolved in its layers.
          if (m.from !== undefined) root = await inImage(m.from, m.source, 'cache source');
          else {
            const top = cacheMountRoot(ctx);
            mkdirSync(top, { recursive: true, mode: 0o700 });
            const name = cacheDirName(m);
            root = join(top, name);
            if (m.sharing !== 'shared') {
              // private is served as locked: one step at a time has the cache.
              const { FileLock } = await import('../storage/lock.js');
              const lock = await FileLock.acquire(join(top, `${name}.lock`), { timeoutMs: 3_600_000 });
              undo.push(async () => lock.release());
            }
            if (!existsSync(root)) {
              mkdirSync(root);
              chmodSync(root, m.mode);
              await chown(root, m.uid, m.gid);
            }
          }
          bind(m.source === '' || m.from !== undefined ? root : pathUnder(root, m.source, 'cache source'), m.target, !m.readWrite, m.options);
          break;
        }
        case 'tmpfs': {
          const has = (o: string): boolean => m.options.includes(o);
          out.tmpfs.push({ destination: m.target, options: [...(has('ro') ? [] : ['rw']), ...m.options, ...['nosuid', 'nodev'].filter((o) => !has(o))] });
          break;
        }
        case 'secret': {
          const s = src.secrets.get(m.id);
          if (!s) {
            if (m.required) throw new TpodError('EUSAGE', `secret required but no secret with id "${m.id}" found`);
            break;
          }
          let data: Buffer;
          if (s.type === 'env') data = Buffer.from(process.env[s.source] ?? '');
          else {
            try {
              data = readFileSync(s.source);
            } catch (err) {
              throw new TpodError('EUSAGE', `reading file for secret ID ${m.id}: ${(err as Error).message}`, { cause: err });
            }
          }
          if (m.env !== undefined) out.env.push([m.env, data.toString('utf8')]);
          if (m.target === undefined) break;
          const file = join(work.path, `secret-${n++}`);
          writeFileSync(file, data, { mode: 0o600 });
          chmodSync(file, m.mode);
          await chown(file, m.uid, m.gid);
          bind(file, m.target, true, []);
          break;
        }
      }
    }
  } catch (err) {
    await out.release();
    throw err;
  }
  return out;
}

/**
 * The mount points the runtime made for the step's mounts (paths the parent image does
 * not have): the created target and the created directories above it, deepest first,
 * relative to the root. `lookup` resolves a path in the parent image.
 */
export function createdMountPoints(targets: string[], lookup: (p: string) => { kind: string; rel?: string; isDir?: boolean }): string[] {
  const out: string[] = [];
  for (const t of targets) {
    const comps = t.split('/').filter((c) => c !== '');
    let k = comps.length;
    let base = '';
    let known = true;
    for (; k > 0; k--) {
      const r = lookup(`/${comps.slice(0, k).join('/')}`);
      if (r.kind === 'unknown') known = false;
      if (r.kind !== 'missing') {
        if (r.kind === 'found' && k < comps.length && !r.isDir) known = false;
        base = r.rel ?? comps.slice(0, k).join('/');
        break;
      }
    }
    // A path the image's layers cannot settle (too many symlinks, ...) is left alone.
    if (!known) continue;
    for (let j = comps.length; j > k; j--) out.push(posix.join(base, ...comps.slice(k, j)));
  }
  return [...new Set(out)].sort((a, b) => b.split('/').length - a.split('/').length);
}

// Removes each path (relative to $1) if it is an empty directory or an empty file,
// never through a symlink the step may have planted on the way.
const REMOVE_SCRIPT = `set -f
root=$1; shift
for p in "$@"; do
  cur=$root; ok=1; IFS=/
  for c in $p; do cur=$cur/$c; if [ -h "$cur" ]; then ok=0; break; fi; done
  unset IFS
  [ $ok = 1 ] || continue
  if [ -d "$cur" ]; then rmdir "$cur" 2>/dev/null || true
  elif [ -f "$cur" ] && [ ! -s "$cur" ]; then rm -f "$cur"
  fi
done`;

/** Takes the mount points the runtime created out of a build container's upper dir before its commit. */
export async function removeMountPoints(ctx: Context, upper: string, paths: string[]): Promise<void> {
  if (paths.length === 0) return;
  try {
    if (!statSync(upper).isDirectory()) return;
  } catch {
    return; // vfs keeps no upper dir
  }
  const { runInNamespaceChecked } = await import('../rootless/join.js');
  await runInNamespaceChecked(ctx, [], ['sh', '-c', REMOVE_SCRIPT, 'sh', upper, ...paths], 'removing the mount points of the step');
}

export interface MountedRun {
  store: import('../engine/create.js').ImageAccess;
  parent: string;
  /** The parent image's layers, top first: which mount points the runtime made. */
  parentLayers: string[];
  command: string[];
  env: Array<[string, string]>;
  network: string | undefined;
  /** --logfile: where the command's output goes. */
  output?: import('../engine/run-output.js').OutputSink | undefined;
  flags?: import('./steps.js').BuildRunFlags | undefined;
  stepText: string;
  write: import('../engine/commit.js').ImageWrite;
}

/** A RUN with mounts: set up, run, mount points out of the layer, commit, tear down. */
export async function runWithMounts(ctx: Context, r: MountedRun, mounts: RunMount[], src: MountSources): Promise<string> {
  const { runStep } = await import('./steps.js');
  const { lookupInLayers } = await import('../runtime/user.js');
  const { containerDirs } = await import('../storage/containers.js');
  const sm = await prepareRunMounts(ctx, mounts, src);
  try {
    const settings = { env: [...r.env, ...sm.env], network: r.network, binds: sm.binds, tmpfs: sm.tmpfs, output: r.output, flags: r.flags };
    return await runStep(ctx, r.store, r.parent, r.command, settings, r.stepText, r.write, async (id) => {
      const targets = [...sm.binds.map((b) => b.destination), ...sm.tmpfs.map((t) => t.destination)];
      const created = createdMountPoints(targets, (p) => {
        const f = lookupInLayers(r.parentLayers, p);
        return f.kind === 'found' ? { kind: f.kind, rel: f.rel, isDir: f.st.isDirectory() } : { kind: f.kind };
      });
      await removeMountPoints(ctx, containerDirs(ctx, id).upper, created);
    });
  } finally {
    await sm.release();
  }
}
