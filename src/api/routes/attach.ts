// POST /containers/{id}/attach and /resize: the container's stdio through its monitor's
// attach socket on the hijacked connection (frames without a terminal, raw with one),
// the client's stdin to the container, until the container exits or the client leaves
// (which never stops the container). An attach to a created container waits for the
// start endpoint (the docker CLI's `run` attaches first), see attach-hub.ts.
import type { ApiCall, Route } from '../http.js';
import { ApiError } from '../errors.js';
import type { Context } from '../../engine/context.js';
import type { ContainerRecord } from '../../storage/containers.js';
import type { AttachConnection, AttachHandlers } from '../../monitor/attach-client.js';
import { StreamOut, STDERR, STDOUT, streamContentType } from '../stream-frames.js';
import { stdinRelay } from '../stream-util.js';

/** How often a waiting attach looks whether its container was started elsewhere (the CLI) or removed. */
const WAIT_POLL_MS = 250;

type Status = 'running' | 'created' | 'gone' | 'other';

async function statusOf(ctx: Context, id: string): Promise<Status> {
  const { readContainer } = await import('../../storage/containers.js');
  const { liveState } = await import('../../engine/state.js');
  const rec = readContainer(ctx, id);
  if (!rec) return 'gone';
  const s = liveState(ctx, rec).status;
  return s === 'running' ? 'running' : s === 'created' ? 'created' : 'other';
}

/**
 * A connection once the container runs: at once when it does, else when this service
 * starts it (connected before its process runs, so no output is missed). Undefined when
 * the client left, or the container ended or went away before.
 */
async function connectWhenRunning(ctx: Context, rec: ContainerRecord, handlers: AttachHandlers, signal: AbortSignal): Promise<AttachConnection | undefined> {
  const { AttachConnection } = await import('../../monitor/attach-client.js');
  const { attachSocketPath } = await import('../../engine/state.js');
  const { awaitStart } = await import('../attach-hub.js');
  const direct = (): Promise<AttachConnection> => AttachConnection.connect(attachSocketPath(ctx, rec.id), handlers);
  if ((await statusOf(ctx, rec.id)) === 'running') return direct();
  const stopWaiting = new AbortController();
  const onAbort = (): void => stopWaiting.abort();
  signal.addEventListener('abort', onAbort, { once: true });
  const started = awaitStart(rec.id, stopWaiting.signal, handlers).catch(() => undefined);
  let timer: NodeJS.Timeout | undefined;
  // Started by someone else (tpod start), ended or removed meanwhile: stop waiting.
  const elsewhere = new Promise<'running' | 'ended'>((resolve) => {
    const look = async (): Promise<void> => {
      const s = await statusOf(ctx, rec.id);
      if (s === 'created') timer = setTimeout(() => void look(), WAIT_POLL_MS);
      else resolve(s === 'running' ? 'running' : 'ended');
    };
    timer = setTimeout(() => void look(), WAIT_POLL_MS);
  });
  try {
    const first = await Promise.race([started, elsewhere]);
    if (first === undefined) return undefined;
    if (first === 'ended') return undefined;
    if (first === 'running') {
      stopWaiting.abort();
      // The start endpoint may have connected us at the same moment.
      const conn = await Promise.race([started, new Promise<undefined>((r) => setTimeout(() => r(undefined), 0))]);
      return conn ?? (await direct().catch(() => undefined));
    }
    return first;
  } finally {
    clearTimeout(timer);
    signal.removeEventListener('abort', onAbort);
    stopWaiting.abort();
  }
}

async function writeLogs(call: ApiCall, rec: ContainerRecord, out: StreamOut, stdout: boolean, stderr: boolean): Promise<void> {
  const { containerLogs } = await import('../../engine/logs.js');
  if (rec.logDriver === 'none' || rec.logDriver === 'passthrough') return;
  await containerLogs(call.ctx, rec, { follow: false, timestamps: false, signal: call.signal }, {
    stdout: (t) => (stdout ? out.write(STDOUT, t) : true),
    stderr: (t) => (stderr ? out.write(STDERR, t) : true),
    drained: () => out.drained(),
  });
}

async function attach(call: ApiCall): Promise<void> {
  const { findContainer } = await import('../../storage/containers.js');
  const rec = findContainer(call.ctx, call.param('id'));
  const stream = call.flag('stream');
  const logs = call.flag('logs');
  const wantStdin = call.flag('stdin');
  const wantStdout = call.flag('stdout');
  const wantStderr = call.flag('stderr');
  const detachKeys = call.query.get('detachKeys') ?? '';
  if (detachKeys !== '') {
    const { parseDetachKeys } = await import('../../engine/attach.js');
    try {
      parseDetachKeys(detachKeys);
    } catch (err) {
      throw new ApiError(400, (err as Error).message);
    }
  }
  const status = await statusOf(call.ctx, rec.id);
  if (stream && status === 'other' && !logs) throw new ApiError(409, `you can only attach to running containers: container ${rec.id} is not running`);
  const io = call.hijack(streamContentType(rec.tty, call.version));
  const out = new StreamOut(io, !rec.tty);
  try {
    if (logs) await writeLogs(call, rec, out, wantStdout, wantStderr);
    if (!stream || call.signal.aborted || status === 'other') return;
    const handlers: AttachHandlers = {
      ...(wantStdout ? { stdout: out.sink(STDOUT) } : {}),
      ...(wantStderr ? { stderr: out.sink(STDERR) } : {}),
    };
    const conn = await connectWhenRunning(call.ctx, rec, handlers, call.signal);
    if (!conn) return;
    // Docker closes the container's stdin when the client's ends only for StdinOnce
    // containers, which is what `docker run -i` (attached) creates: the attach that came
    // before the start. An attach to a running container leaves stdin open for the next.
    const stdinOnce = !rec.tty && status === 'created';
    // The client leaving detaches; the container keeps running.
    const leave = (): void => conn.detach();
    call.signal.addEventListener('abort', leave, { once: true });
    if (call.signal.aborted) leave();
    if (wantStdin) {
      stdinRelay(
        io,
        detachKeys,
        (d) => conn.writeStdin(d),
        () => {
          if (stdinOnce) conn.closeStdin();
        },
        leave,
      );
    }
    await conn.done;
    call.signal.removeEventListener('abort', leave);
  } finally {
    await out.drained();
    out.end();
  }
}

async function resize(call: ApiCall): Promise<void> {
  const { findContainer } = await import('../../storage/containers.js');
  const { AttachConnection } = await import('../../monitor/attach-client.js');
  const { attachSocketPath } = await import('../../engine/state.js');
  const rec = findContainer(call.ctx, call.param('id'));
  const h = call.int('h');
  const w = call.int('w');
  if (h === undefined || w === undefined || h < 0 || w < 0) throw new ApiError(400, 'resize: h and w must be given as non-negative integers');
  if ((await statusOf(call.ctx, rec.id)) !== 'running') throw new ApiError(409, `container ${rec.id} is not running`);
  if (!rec.tty) return call.send(200);
  // A short-lived attach client: the monitor sets the terminal's size for any of them.
  const conn = await AttachConnection.connect(attachSocketPath(call.ctx, rec.id));
  conn.resize(h, w);
  conn.detach();
  await conn.done;
  call.send(200);
}

export const attachRoutes: Route[] = [
  { method: 'POST', path: '/containers/:id/attach', handler: attach },
  { method: 'POST', path: '/containers/:id/resize', handler: resize },
];
