// `start -a` / `attach` / attached `run` through the monitor: connect to the attach
// socket (before the start, so no output is missed), relay, and come back with the
// container's exit code, or 0 when the user detached.
import { constants } from 'node:os';
import type { Context } from './context.js';
import type { AttachConnection } from '../monitor/attach-client.js';
import { readContainer, type ContainerRecord } from '../storage/containers.js';
import { connectAttach, relayAttach, type AttachOutcome } from './attach.js';
import { startContainer } from './start.js';
import { attachSocketPath, liveState, UNKNOWN_EXIT_CODE } from './state.js';
import { signalContainer, waitForExit } from './stop.js';

export interface AttachedOptions {
  stdin: boolean;
  detachKeys?: string | undefined;
  sigProxy?: boolean;
}

/** After the relay: the exit code to return (the exit file when the socket said nothing). */
export async function outcomeCode(ctx: Context, rec: ContainerRecord, out: AttachOutcome): Promise<number> {
  if (out.detached) return 0;
  if (out.exitCode !== undefined) return out.exitCode;
  const ls = await waitForExit(ctx, rec, 2_000);
  return ls?.exitCode ?? UNKNOWN_EXIT_CODE;
}

export function signalProxy(ctx: Context, rec: ContainerRecord): (sig: NodeJS.Signals) => void {
  return (sig) => {
    const n = constants.signals[sig];
    if (n !== undefined) signalContainer(ctx, rec, n).catch((e: Error) => ctx.log.debug(`proxying ${sig}: ${e.message}`));
  };
}

export async function startAttached(ctx: Context, id: string, o: AttachedOptions): Promise<number> {
  let conn: AttachConnection | undefined;
  const r = await startContainer(ctx, id, {
    beforeStart: async () => {
      conn = await connectAttach(attachSocketPath(ctx, id));
    },
  });
  const rec = r.record;
  if (!('handle' in r)) {
    // Already running: attach to it as `tpod attach` would.
    conn = await connectAttach(attachSocketPath(ctx, id));
  } else {
    r.handle.release();
  }
  const out = await relayAttach(conn!, {
    stdin: o.stdin,
    tty: rec.tty,
    detachKeys: o.detachKeys,
    ...(o.sigProxy !== false ? { onSignal: signalProxy(ctx, rec) } : {}),
  });
  return outcomeCode(ctx, readContainer(ctx, id) ?? rec, out);
}

/** `tpod attach`: join a running container. */
export async function attachRunning(ctx: Context, id: string, o: AttachedOptions): Promise<number> {
  const rec = readContainer(ctx, id);
  const { notRunningError } = await import('./attach.js');
  if (!rec) throw notRunningError(id);
  const ls = liveState(ctx, rec);
  if (ls.status !== 'running') throw notRunningError(rec.id.slice(0, 12));
  const conn = await connectAttach(attachSocketPath(ctx, id));
  ctx.log.debug(`attached to container ${rec.id.slice(0, 12)}`);
  const out = await relayAttach(conn, {
    stdin: o.stdin,
    tty: rec.tty,
    detachKeys: o.detachKeys,
    ...(o.sigProxy !== false ? { onSignal: signalProxy(ctx, rec) } : {}),
  });
  return outcomeCode(ctx, rec, out);
}
