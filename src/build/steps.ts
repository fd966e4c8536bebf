// The steps that change files, as engine operations on a build container made from the
// step's parent image: RUN runs like `tpod run` (same runtime, monitor-less attached
// path, overlay), COPY/ADD unpack a tar into the container's rootfs through the
// chrooted tar helper (`tpod cp`'s path), then the container's upper dir is committed
// as the step's layer and the container goes, also when the step fails.
import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import { PassThrough } from 'node:stream';
import type { Context } from '../engine/context.js';
import type { ImageAccess } from '../engine/create.js';
import type { ImageWrite } from '../engine/commit.js';
import { EXIT_CANNOT_INVOKE, TpodError } from '../errors.js';

export interface ContainerSettings {
  env: Array<[string, string]>;
  user?: string | undefined;
  network?: string | undefined;
  volumes?: string[] | undefined;
  /** RUN --mount: binds and tmpfs made for the step. */
  binds?: import('../runtime/mounts.js').BindMount[] | undefined;
  tmpfs?: import('../runtime/mounts.js').TmpfsMount[] | undefined;
  /** Instead of the image's WorkingDir (which a WORKDIR step names but need not have made). */
  workdir?: string | undefined;
  /** --logfile: the command's stdout and stderr go here instead of the build's own. */
  output?: import('../engine/run-output.js').OutputSink | undefined;
  /** The build's flags for its RUN containers (--ulimit, --security-opt, --dns*, --add-host). */
  flags?: BuildRunFlags | undefined;
}

export type BuildRunFlags = Pick<import('../runtime/options.js').RawRunFlags, 'ulimit' | 'securityOpt' | 'dns' | 'dnsSearch' | 'dnsOption' | 'addHost'>;

async function runOptions(parent: string, command: string[], s: ContainerSettings): Promise<import('../runtime/options.js').RunOptions> {
  const { parseRunOptions } = await import('../runtime/options.js');
  const opts = parseRunOptions({
    ...(s.flags ?? {}),
    image: parent,
    command,
    entrypoint: '',
    env: s.env.map(([k, v]) => `${k}=${v}`),
    logDriver: 'passthrough',
    // VOLUME paths stay part of the container's filesystem: a later step's changes there are kept.
    imageVolume: 'ignore',
    ...(s.user !== undefined ? { user: s.user } : {}),
    ...(s.network !== undefined ? { network: s.network } : {}),
    ...(s.workdir !== undefined ? { workdir: s.workdir } : {}),
    ...(s.volumes !== undefined ? { volume: s.volumes } : {}),
  });
  opts.volumes.push(...(s.binds ?? []));
  opts.tmpfs.push(...(s.tmpfs ?? []));
  return opts;
}

async function removeBuildContainer(ctx: Context, id: string): Promise<void> {
  const { removeContainers } = await import('../engine/remove.js');
  try {
    await removeContainers(ctx, [id], { force: true, depend: false, ignore: true });
  } catch (err) {
    ctx.log.debug(`build: could not remove container ${id.slice(0, 12)}: ${(err as Error).message}`);
  }
}

async function commit(ctx: Context, id: string, w: ImageWrite): Promise<string> {
  const { findContainer } = await import('../storage/containers.js');
  const { commitWithConfig } = await import('../engine/commit.js');
  return commitWithConfig(ctx, findContainer(ctx, id), w);
}

/** What a failed RUN throws: the step and the command's exit code (the build's exit code too). */
export class StepFailedError extends TpodError {
  constructor(step: string, code: number) {
    super('ERUNTIME', `building at STEP "${step}": while running runtime: exit status ${code}`, { exitCode: code });
    this.name = 'StepFailedError';
  }
}

/**
 * RUN: the command in a container of `parent`; its changes become the image `w` describes.
 * `beforeCommit` gets the container's ID once the command succeeded.
 */
export async function runStep(ctx: Context, images: ImageAccess, parent: string, command: string[], s: ContainerSettings, stepText: string, w: ImageWrite, beforeCommit?: (id: string) => Promise<void>): Promise<string> {
  const { runContainer } = await import('../engine/run.js');
  const opts = await runOptions(parent, command, s);
  opts.rm = false;
  const name = `tpod-build-${randomBytes(6).toString('hex')}`;
  opts.name = name;
  let id: string | undefined;
  const { listContainers } = await import('../storage/containers.js');
  try {
    let code: number;
    try {
      code = await runContainer(ctx, opts, images, false, s.output);
    } catch (err) {
      // buildah runs the runtime from a child that exits 1 when the runtime fails (bad --runtime-flag, say).
      if (err instanceof TpodError && err.exitCode !== 125) throw new StepFailedError(stepText, err.code === 'ERUNTIME' && err.exitCode === EXIT_CANNOT_INVOKE ? 1 : err.exitCode);
      throw err;
    } finally {
      id = listContainers(ctx).find((r) => r.name === name)?.id;
    }
    if (code !== 0) throw new StepFailedError(stepText, code);
    if (!id) throw new TpodError('EINTERNAL', 'the build container is gone');
    await beforeCommit?.(id);
    return await commit(ctx, id, w);
  } finally {
    if (id) await removeBuildContainer(ctx, id);
  }
}

export interface Unpack {
  /** A tar stream (plain or gzip/zstd); unpacked at `at` (a directory that exists). */
  tar: () => Readable;
  at: string;
  /** Keep the archive's owners (ADD of a tarball); otherwise owners become the container user's. */
  keepOwners: boolean;
}

export interface FromContainer {
  image: string;
  path: string;
  dest: string;
}

/** COPY/ADD: the tars (or copies out of another image) into a container of `parent`, committed as `w`. */
export async function copyStep(ctx: Context, images: ImageAccess, parent: string, owner: string, work: Array<Unpack | FromContainer>, w: ImageWrite): Promise<string> {
  const { prepareContainer } = await import('../engine/create.js');
  const { copy } = await import('../engine/cp.js');
  const ids: string[] = [];
  try {
    const p = await prepareContainer(ctx, await runOptions(parent, ['/copy'], { env: [], user: owner, network: 'none', workdir: '/' }), images, { forRun: false });
    ids.push(p.record.id);
    if (p.startFailure) throw p.startFailure;
    for (const u of work) {
      if ('tar' in u) {
        await copy(ctx, { kind: 'stream' }, { kind: 'container', container: p.record.id, path: u.at }, { archive: !u.keepOwners, overwrite: true, stdin: u.tar(), stdout: new PassThrough() });
        continue;
      }
      const src = await prepareContainer(ctx, await runOptions(u.image, ['/copy'], { env: [], network: 'none' }), images, { forRun: false });
      ids.push(src.record.id);
      await copy(ctx, { kind: 'container', container: src.record.id, path: u.path }, { kind: 'container', container: p.record.id, path: u.dest }, { archive: true, overwrite: true, stdin: new PassThrough(), stdout: new PassThrough() });
    }
    return await commit(ctx, p.record.id, w);
  } finally {
    for (const id of ids.reverse()) await removeBuildContainer(ctx, id);
  }
}
