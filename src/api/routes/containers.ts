// The container lifecycle endpoints: create, list, inspect, start, stop, restart, kill,
// pause, unpause, wait, remove, rename and prune. Each calls the engine function the CLI
// command of the same name calls, so a container made here is an ordinary tpod container.
// top and stats are in containers-stats.ts.
import type { ApiCall, Route } from '../http.js';
import { ApiError, errorAnswer } from '../errors.js';
import { TpodError } from '../../errors.js';
import type { Context } from '../../engine/context.js';
import type { ContainerRecord } from '../../storage/containers.js';

/** The container the :id parameter names, or Docker's 404. */
export async function containerOf(call: ApiCall): Promise<ContainerRecord> {
  const id = call.param('id');
  const { findContainer } = await import('../../storage/containers.js');
  try {
    return findContainer(call.ctx, id);
  } catch (err) {
    if (err instanceof TpodError && err.code === 'ENOCONTAINER') throw new ApiError(404, `No such container: ${id}`);
    throw err;
  }
}

async function statusOf(ctx: Context, rec: ContainerRecord): Promise<import('../../engine/state.js').LiveState> {
  const { liveState } = await import('../../engine/state.js');
  return liveState(ctx, rec);
}

const isUp = (s: string): boolean => s === 'running' || s === 'paused' || s === 'stopping';

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

async function create(call: ApiCall): Promise<void> {
  const { createBodySchema, createFlags } = await import('../container-create.js');
  const body = await call.json(createBodySchema);
  const name = call.query.get('name')?.replace(/^\//, '');
  const { flags, warnings } = createFlags(body, name ?? undefined);
  const { parseRunOptions, realHost } = await import('../../runtime/options.js');
  // No host environment: a bare NAME in Env was dropped, and nothing reads the service's.
  const opts = parseRunOptions(flags, { ...realHost(), env: {} });
  const store = await import('../../image/store.js');
  try {
    await store.findImage(call.ctx, opts.image);
  } catch (err) {
    // The docker CLI pulls on this 404 and asks again.
    if (err instanceof TpodError && err.code === 'ENOIMAGE') throw new ApiError(404, `No such image: ${opts.image}`);
    throw err;
  }
  const { prepareContainer } = await import('../../engine/create.js');
  const p = await prepareContainer(call.ctx, opts, store, { forRun: false });
  call.send(201, { Id: p.record.id, Warnings: warnings });
}

async function list(call: ApiCall): Promise<void> {
  const limit = call.int('limit');
  const size = call.flag('size');
  const filters = Object.entries(call.filters()).flatMap(([k, vs]) => vs.map((v) => `${k}=${v}`));
  const { listPsRows } = await import('../../engine/ps.js');
  const last = limit !== undefined && limit > 0 ? limit : undefined;
  const rows = await listPsRows(call.ctx, { all: call.flag('all'), filters, latest: false, last, noTrunc: true, size, sort: 'created' });
  const { containerSummary } = await import('../container-json.js');
  // Docker lists newest first.
  call.send(200, rows.reverse().map((r) => containerSummary(r, r.json.Size ? { rw: r.json.Size.RwSize, rootfs: r.json.Size.RootFsSize } : undefined)));
}

async function inspect(call: ApiCall): Promise<void> {
  const rec = await containerOf(call);
  const { viewOf } = await import('../../engine/ps.js');
  const { inspectContainer, cmdAndEntrypoint } = await import('../../engine/container-inspect.js');
  const podman = await inspectContainer(call.ctx, viewOf(call.ctx, rec), { size: call.flag('size') });
  let image;
  try {
    const store = await import('../../image/store.js');
    image = (await store.readImageConfig(call.ctx, rec.imageId.replace(/^sha256:/, ''))).config;
  } catch {
    /* the image may be gone: what the record knows */
  }
  const { dockerInspect } = await import('../container-json.js');
  call.send(200, dockerInspect(podman, rec, cmdAndEntrypoint(rec, image).entrypoint));
}

/** Starts REC; attach requests that came first are connected before its process runs. */
async function startRec(ctx: Context, rec: ContainerRecord): Promise<boolean> {
  const { startContainer } = await import('../../engine/start.js');
  const { connectWaiting } = await import('../attach-hub.js');
  if (!isUp((await statusOf(ctx, rec)).status)) await portsReleased(rec);
  const r = await startContainer(ctx, rec.id, { beforeStart: () => connectWaiting(ctx, rec.id) });
  if ('handle' in r) r.handle.release();
  return !r.alreadyRunning;
}

async function start(call: ApiCall): Promise<void> {
  const rec = await containerOf(call);
  if (!(await startRec(call.ctx, rec))) call.send(304);
}

/** ?t=: seconds before SIGKILL; negative waits (nearly) for ever, as Docker's -1. */
function stopTimeout(call: ApiCall): { timeout?: number } {
  const t = call.int('t') ?? call.int('timeout');
  if (t === undefined) return {};
  return { timeout: t < 0 ? 2 ** 31 / 1000 : t };
}

async function stop(call: ApiCall): Promise<void> {
  const rec = await containerOf(call);
  if (!isUp((await statusOf(call.ctx, rec)).status)) {
    call.send(304);
    return;
  }
  const { stopContainer } = await import('../../engine/stop.js');
  await stopContainer(call.ctx, rec.id, stopTimeout(call));
}

async function restart(call: ApiCall): Promise<void> {
  const rec = await containerOf(call);
  const { stopContainer } = await import('../../engine/stop.js');
  await stopContainer(call.ctx, rec.id, stopTimeout(call));
  await startRec(call.ctx, rec);
}

/**
 * The stopped run's network helper may hold the published ports a moment after the
 * container ended: the start's own check would say "address already in use".
 */
async function portsReleased(rec: ContainerRecord, timeoutMs = 10_000): Promise<void> {
  if (!rec.ports || rec.ports.length === 0) return;
  const { checkPortsFree } = await import('../../network/ports.js');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await checkPortsFree(rec.ports);
      return;
    } catch (err) {
      if (!(err instanceof TpodError) || Date.now() > deadline) return; // the start says why
      await sleep(20);
    }
  }
}

async function kill(call: ApiCall): Promise<void> {
  const rec = await containerOf(call);
  const { parseSignal } = await import('../../runtime/lifecycle-options.js');
  const sig = parseSignal(call.query.get('signal') || 'KILL');
  if (!isUp((await statusOf(call.ctx, rec)).status)) throw new ApiError(409, `Container ${rec.id} is not running`);
  const { killContainer } = await import('../../engine/stop.js');
  await killContainer(call.ctx, rec.id, sig);
}

function pauser(verb: 'pause' | 'unpause'): (call: ApiCall) => Promise<void> {
  return async (call) => {
    const rec = await containerOf(call);
    const status = (await statusOf(call.ctx, rec)).status;
    if (verb === 'pause' && status !== 'running') throw new ApiError(409, `Container ${rec.id} is not running`);
    if (verb === 'unpause' && status !== 'paused') throw new ApiError(409, `Container ${rec.id} is not paused`);
    const { pauseContainer } = await import('../../engine/pause.js');
    await pauseContainer(call.ctx, rec.id, verb);
  };
}

const WAIT_CONDITIONS = ['not-running', 'next-exit', 'removed'] as const;
type WaitCondition = (typeof WAIT_CONDITIONS)[number];

/**
 * Until REC reaches CONDITION, then its exit code. A removed container's code comes from
 * the exit file its clean-up leaves (run --rm waits with condition=removed).
 */
export async function waitFor(ctx: Context, rec: ContainerRecord, condition: WaitCondition, signal: AbortSignal): Promise<number> {
  const { readContainer } = await import('../../storage/containers.js');
  const { liveState } = await import('../../engine/state.js');
  const { waitContainer, removedExitCode } = await import('../../engine/wait.js');
  const run = rec.startedAt;
  let sawRun = false;
  let lastCode: number | undefined;
  for (let delay = 5; ; delay = Math.min(delay * 2, 100)) {
    if (signal.aborted) throw new ApiError(499, 'client went away');
    const cur = readContainer(ctx, rec.id);
    if (!cur) return removedExitCode(ctx, rec.id) ?? lastCode ?? 0;
    const ls = liveState(ctx, cur);
    if (isUp(ls.status) || cur.startedAt !== run) sawRun = true;
    if (ls.status === 'exited' && ls.exitCode !== undefined) lastCode = ls.exitCode;
    const over = !isUp(ls.status);
    if ((condition === 'not-running' && over) || (condition === 'next-exit' && sawRun && over)) {
      try {
        // Records the end (unless the exit command did) and gives this run's code.
        return await waitContainer(ctx, rec.id, ['stopped']);
      } catch (err) {
        if (err instanceof TpodError && err.code === 'ENOCONTAINER') return removedExitCode(ctx, rec.id) ?? lastCode ?? 0;
        throw err;
      }
    }
    await sleep(delay);
  }
}

async function wait(call: ApiCall): Promise<void> {
  const condition = (call.query.get('condition') || 'not-running') as WaitCondition;
  if (!WAIT_CONDITIONS.includes(condition)) throw new ApiError(400, `condition: "${condition}" is not one of ${WAIT_CONDITIONS.join(', ')}`);
  const rec = await containerOf(call);
  // The headers go first: the docker CLI waits for them before it starts the container.
  const out = call.stream(200, 'application/json');
  let answer: unknown;
  try {
    answer = { StatusCode: await waitFor(call.ctx, rec, condition, call.signal), Error: null };
  } catch (err) {
    if (call.signal.aborted) {
      out.end();
      return;
    }
    answer = { StatusCode: -1, Error: { Message: errorAnswer(err).message } };
  }
  out.end(JSON.stringify(answer) + '\n');
}

async function remove(call: ApiCall): Promise<void> {
  const rec = await containerOf(call);
  const force = call.flag('force');
  if (!force && isUp((await statusOf(call.ctx, rec)).status)) {
    throw new ApiError(409, `You cannot remove a running container ${rec.id}. Stop the container before attempting removal or force remove`);
  }
  const { removeContainers } = await import('../../engine/remove.js');
  // Docker's force kills at once (SIGKILL), where `tpod rm -f` stops with the timeout.
  const [r] = await removeContainers(call.ctx, [rec.id], { force, depend: false, volumes: call.flag('v'), ...(force ? { timeout: 0 } : {}) });
  if (r?.error) {
    if (r.error.code === 'ENOCONTAINER') return; // removed meanwhile (--rm)
    throw r.error;
  }
}

async function rename(call: ApiCall): Promise<void> {
  const rec = await containerOf(call);
  const name = call.query.get('name')?.replace(/^\//, '');
  if (!name) throw new ApiError(400, 'name: a new name is required');
  const { checkContainerName } = await import('../../runtime/options.js');
  checkContainerName(name);
  const { renameContainer } = await import('../../engine/rename.js');
  await renameContainer(call.ctx, rec.id, name);
}

async function prune(call: ApiCall): Promise<void> {
  const filters = Object.entries(call.filters()).flatMap(([k, vs]) => vs.map((v) => `${k}=${v}`));
  const { listContainers, containerDirs } = await import('../../storage/containers.js');
  const { treeSize } = await import('../../storage/tree-size.js');
  const { liveState } = await import('../../engine/state.js');
  // What each candidate holds, measured before it goes.
  const sizes = new Map<string, number>();
  for (const rec of listContainers(call.ctx)) if (!isUp(liveState(call.ctx, rec).status)) sizes.set(rec.id, treeSize(containerDirs(call.ctx, rec.id).upper));
  const { pruneContainers } = await import('../../engine/remove.js');
  const reports = await pruneContainers(call.ctx, filters);
  const deleted = reports.filter((r) => !r.error && r.id).map((r) => r.id!);
  call.send(200, { ContainersDeleted: deleted.length > 0 ? deleted : null, SpaceReclaimed: deleted.reduce((n, id) => n + (sizes.get(id) ?? 0), 0) });
}

export const containerRoutes: Route[] = [
  { method: 'POST', path: '/containers/create', handler: create },
  { method: 'GET', path: '/containers/json', handler: list },
  { method: 'POST', path: '/containers/prune', handler: prune },
  { method: 'GET', path: '/containers/:id/json', handler: inspect },
  { method: 'POST', path: '/containers/:id/start', handler: start },
  { method: 'POST', path: '/containers/:id/stop', handler: stop },
  { method: 'POST', path: '/containers/:id/restart', handler: restart },
  { method: 'POST', path: '/containers/:id/kill', handler: kill },
  { method: 'POST', path: '/containers/:id/pause', handler: pauser('pause') },
  { method: 'POST', path: '/containers/:id/unpause', handler: pauser('unpause') },
  { method: 'POST', path: '/containers/:id/wait', handler: wait },
  { method: 'DELETE', path: '/containers/:id', handler: remove },
  { method: 'POST', path: '/containers/:id/rename', handler: rename },
];
