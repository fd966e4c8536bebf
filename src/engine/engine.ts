// The library's front door (`import { Engine } from "tpod"`): one Engine per storage
// root, holding its own context (paths, host environment, logger), so two engines in one
// process never see each other's images or containers. Methods take option objects and
// resolve to plain reports; every failure is a TpodError with a stable `code`. Nothing
// here prints or exits: log lines go to the caller's `onLog`, container output to the
// report. Built on the same engine functions the CLI calls.
import { createContext, isLogLevel, Logger, type Context, type GlobalOptions } from './context.js';
import { hostEnv } from '../storage/paths.js';
import { TpodError, UsageError } from '../errors.js';
import { runFlags } from './run-request.js';
import { podOps } from '../pod/ops.js';
import type {
  AttachedRunResult,
  ContainerSummary,
  ContainersOptions,
  DetachedRunResult,
  EngineOptions,
  ImageSummary,
  LogsRequestOptions,
  PulledImage,
  PullRequestOptions,
  RemoveRequestOptions,
  RunRequest,
  StopRequestOptions,
} from './engine-types.js';

/** A TpodError for anything that is not one already (a bug below, say). */
function typed(err: unknown): TpodError {
  if (err instanceof TpodError) return err;
  const e = err as Error;
  return new TpodError('EINTERNAL', e?.message ?? String(err), { cause: err });
}

export class Engine {
  /** The context every call uses; internal (the CLI builds its own). */
  readonly #ctx: Context;

  private constructor(ctx: Context) {
    this.#ctx = ctx;
  }

  /**
   * Opens the engine for a storage root. Nothing is created until something is stored;
   * the package's native helpers must be there (npm run build).
   */
  static async open(options: EngineOptions = {}): Promise<Engine> {
    try {
      if (options.logLevel !== undefined && !isLogLevel(options.logLevel)) throw new UsageError(`logLevel "${String(options.logLevel)}" is not one of trace, debug, info, warn, error`);
      for (const k of ['root', 'runroot', 'volumePath'] as const) {
        const v = options[k];
        if (v !== undefined && (typeof v !== 'string' || !v.startsWith('/'))) throw new UsageError(`${k} must be an absolute path`);
      }
      const globals: GlobalOptions = {
        root: options.root,
        runroot: options.runroot,
        storageDriver: options.storageDriver,
        runtime: options.runtime,
        runtimeFlags: options.runtimeFlags,
        volumePath: options.volumePath,
        logLevel: options.logLevel,
      };
      const host = hostEnv();
      if (options.env) host.env = { ...options.env };
      else host.env = { ...host.env };
      const onLog = options.onLog ?? (() => undefined);
      // The front door sits above src/pod/: it gives the engine its pod operations.
      const ctx: Context = { ...createContext(globals, host, new Logger(options.logLevel ?? 'warn', onLog, false)), pods: podOps };
      const { helperDir } = await import('../util/helpers.js');
      helperDir();
      return new Engine(ctx);
    } catch (err) {
      throw typed(err);
    }
  }

  /** The storage root and run root in use. */
  get paths(): { root: string; runroot: string } {
    return { root: this.#ctx.paths.root, runroot: this.#ctx.paths.runroot };
  }

  async #call<T>(fn: (ctx: Context) => Promise<T>): Promise<T> {
    try {
      return await fn(this.#ctx);
    } catch (err) {
      throw typed(err);
    }
  }

  /** Pulls REF from its registry (registries.conf applies, as for the CLI). */
  pull(ref: string, o: PullRequestOptions = {}): Promise<PulledImage> {
    return this.#call(async (ctx) => {
      if (typeof ref !== 'string' || ref === '') throw new UsageError('pull: an image reference is required');
      const { pullImage } = await import('../image/pull.js');
      const { hostPlatform, parsePlatform } = await import('../image/registry/manifest.js');
      const r = await pullImage(ctx, {
        reference: ref,
        platform: o.platform !== undefined ? parsePlatform(o.platform) : hostPlatform(),
        ...(o.tlsVerify !== undefined ? { tlsVerify: o.tlsVerify } : {}),
        ...(o.authfile !== undefined ? { authfile: o.authfile } : {}),
        ...(o.credentials !== undefined ? { credentials: o.credentials } : {}),
      });
      return { id: r.image.id, name: r.name };
    });
  }

  /** The stored images, newest first. */
  images(): Promise<ImageSummary[]> {
    return this.#call(async (ctx) => {
      const { listImages } = await import('../image/store.js');
      return (await listImages(ctx)).map((i) => ({ id: i.id, names: [...i.names], digests: [...i.digests], created: i.created, size: i.size }));
    });
  }

  /**
   * Creates and starts a container. Attached (default) it resolves once the container
   * exited, with its exit code and output; detached, once it runs, with its ID. A command
   * that cannot be run rejects (ECMDNOTFOUND, ECMDNOTEXEC), as a missing image does (ENOIMAGE).
   */
  run(r: RunRequest & { detach: true }): Promise<DetachedRunResult>;
  run(r: RunRequest & { detach?: false | undefined }): Promise<AttachedRunResult>;
  run(r: RunRequest): Promise<AttachedRunResult | DetachedRunResult>;
  run(r: RunRequest): Promise<AttachedRunResult | DetachedRunResult> {
    return this.#call(async (ctx) => {
      if (r === null || typeof r !== 'object') throw new UsageError('run: options are required');
      const { parseRunOptions, realHost } = await import('../runtime/options.js');
      const opts = parseRunOptions(runFlags(r), { ...realHost(), env: ctx.host.env });
      const store = await import('../image/store.js');
      const { parsePullPolicy, withPullPolicy } = await import('../image/pull-policy.js');
      // The image first (pulled as the policy says, once): a missing one rejects before
      // any process starts; the run then finds it in the store.
      await withPullPolicy(store, { policy: parsePullPolicy(r.pull ?? 'never'), tlsVerify: r.tlsVerify, quiet: true }).findImage(ctx, opts.image);
      const images = store;
      if (opts.detach) {
        const { runDetached } = await import('./run-detached.js');
        return { id: await runDetached(ctx, opts, images) };
      }
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      const { runContainer } = await import('./run.js');
      const exitCode = await runContainer(ctx, opts, images, false, { stdout: (c) => out.push(c), stderr: (c) => err.push(c) });
      return { exitCode, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') };
    });
  }

  /** Containers, oldest first: running ones, or all with `{ all: true }`. */
  containers(o: ContainersOptions = {}): Promise<ContainerSummary[]> {
    return this.#call(async (ctx) => {
      const { listPsRows } = await import('./ps.js');
      const rows = await listPsRows(ctx, { all: o.all === true, filters: o.filters ?? [], latest: false, noTrunc: true, size: false, sort: 'created' });
      return rows.map(({ json: j }) => ({
        id: j.Id,
        names: [...j.Names],
        image: j.Image,
        imageId: j.ImageID,
        command: [...j.Command],
        state: j.State,
        status: j.Status,
        exitCode: j.ExitCode,
        created: j.CreatedAt,
        startedAt: j.StartedAt,
        exitedAt: j.ExitedAt,
        autoRemove: j.AutoRemove,
        pid: j.Pid,
        labels: { ...(j.Labels ?? {}) },
        pod: j.Pod,
      }));
    });
  }

  /** What the container wrote, stdout and stderr lines in the order they came. */
  logs(nameOrId: string, o: LogsRequestOptions = {}): Promise<string> {
    return this.#call(async (ctx) => {
      const { findContainer } = await import('../storage/containers.js');
      const { containerLogs } = await import('./logs.js');
      const rec = findContainer(ctx, nameOrId);
      let text = '';
      const add = (t: string): void => {
        text += t;
      };
      await containerLogs(ctx, rec, { follow: false, timestamps: o.timestamps === true, ...(o.tail !== undefined ? { tail: o.tail } : {}) }, { stdout: add, stderr: add });
      return text;
    });
  }

  /** Stops a container (its stop signal, SIGKILL after the timeout); one not running is fine. */
  stop(nameOrId: string, o: StopRequestOptions = {}): Promise<{ id: string }> {
    return this.#call(async (ctx) => {
      if (o.timeout !== undefined && (!Number.isInteger(o.timeout) || o.timeout < 0)) throw new UsageError('stop: timeout must be a whole number of seconds');
      const { findContainer } = await import('../storage/containers.js');
      const { stopContainer } = await import('./stop.js');
      const id = findContainer(ctx, nameOrId).id;
      await stopContainer(ctx, id, o.timeout === undefined ? {} : { timeout: o.timeout });
      return { id };
    });
  }

  /** Removes a container; a running one only with `{ force: true }`. */
  remove(nameOrId: string, o: RemoveRequestOptions = {}): Promise<{ id: string }> {
    return this.#call(async (ctx) => {
      const { removeContainers } = await import('./remove.js');
      const reports = await removeContainers(ctx, [nameOrId], { force: o.force === true, depend: false, timeout: o.timeout, volumes: o.volumes === true });
      const r = reports[0];
      if (r?.error) throw r.error;
      return { id: r?.id ?? nameOrId };
    });
  }
}

