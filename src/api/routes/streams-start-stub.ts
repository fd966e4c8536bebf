// TEMPORARY (api-streams): the least of start, inspect and wait that the docker CLI needs
// to drive attach, logs and exec, until the api-containers branch brings the real ones.
// Routes another module serves already are left out (see stubRoutesBeside), so merging
// that branch needs no edit here; delete this file once it is in.
import type { ApiCall, Route } from '../http.js';
import { ApiError } from '../errors.js';

async function start(call: ApiCall): Promise<void> {
  const { findContainer } = await import('../../storage/containers.js');
  const { startContainer } = await import('../../engine/start.js');
  const { connectWaiting } = await import('../attach-hub.js');
  const rec = findContainer(call.ctx, call.param('id'));
  const r = await startContainer(call.ctx, rec.id, { beforeStart: () => connectWaiting(call.ctx, rec.id) });
  if ('handle' in r) r.handle.release();
  if (r.alreadyRunning) throw new ApiError(304, 'container already started');
}

async function inspect(call: ApiCall): Promise<void> {
  const { findContainer } = await import('../../storage/containers.js');
  const { liveState } = await import('../../engine/state.js');
  const rec = findContainer(call.ctx, call.param('id'));
  const ls = liveState(call.ctx, rec);
  call.send(200, {
    Id: rec.id,
    Name: `/${rec.name}`,
    Created: rec.created,
    Image: rec.imageId,
    State: { Status: ls.status, Running: ls.status === 'running', Paused: ls.status === 'paused', Restarting: false, Pid: ls.pid ?? 0, ExitCode: ls.exitCode ?? 0 },
    Config: { Tty: rec.tty, OpenStdin: rec.interactive, Image: rec.image, Cmd: rec.command },
    HostConfig: { AutoRemove: rec.rm },
  });
}

async function wait(call: ApiCall): Promise<void> {
  const { findContainer, readContainer } = await import('../../storage/containers.js');
  const { liveState } = await import('../../engine/state.js');
  const rec = findContainer(call.ctx, call.param('id'));
  const out = call.stream(200, 'application/json');
  for (let delay = 20; !call.signal.aborted; delay = Math.min(delay * 2, 250)) {
    const cur = readContainer(call.ctx, rec.id);
    const ls = cur ? liveState(call.ctx, cur) : undefined;
    if (!ls || ls.status === 'exited' || ls.status === 'unknown') {
      out.end(`${JSON.stringify({ StatusCode: ls?.exitCode ?? 0, Error: null })}\n`);
      return;
    }
    await new Promise((r) => setTimeout(r, delay));
  }
  out.end();
}

const stub: Route[] = [
  { method: 'POST', path: '/containers/:id/start', handler: start },
  { method: 'GET', path: '/containers/:id/json', handler: inspect },
  { method: 'POST', path: '/containers/:id/wait', handler: wait },
];

/** The stub's routes that none of OTHERS serves. */
export function stubRoutesBeside(others: readonly Route[]): Route[] {
  return stub.filter((r) => !others.some((o) => o.method === r.method && o.path === r.path));
}
