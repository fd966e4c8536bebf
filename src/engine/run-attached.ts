// Attached `tpod run` through the monitor, as Podman does it: create, start under the
// monitor with this process attached to its socket, relay stdio, then clean up here
// (the monitor gets no exit command unless a restart policy needs one). Slower than
// the one-spawn path in run.ts, but the output reaches the log and the container can
// be attached to, stopped and restarted like a detached one.
import type { Context } from './context.js';
import type { RunOptions } from '../runtime/options.js';
import type { AttachConnection } from '../monitor/attach-client.js';
import { prepareContainer, type ImageAccess } from './create.js';
import { startContainer } from './start.js';
import { readContainer, removeContainer } from '../storage/containers.js';
import { runStartFailure } from '../errors.js';
import { connectAttach, relayAttach } from './attach.js';
import { attachSocketPath } from './state.js';
import { cleanupContainer } from './exit-command.js';
import { outcomeCode, signalProxy } from './start-attached.js';

export async function runAttachedViaMonitor(ctx: Context, opts: RunOptions, images: ImageAccess): Promise<number> {
  const { ensurePause } = await import('../rootless/pause.js');
  const pause = ensurePause(ctx);
  pause.catch(() => undefined);
  const p = await prepareContainer(ctx, opts, images, { forRun: false, checkPorts: true });
  const id = p.record.id;
  let conn: AttachConnection | undefined;
  try {
    if (p.startFailure) throw p.startFailure;
    await pause;
    const r = await startContainer(ctx, id, {
      noExitCommand: true,
      beforeStart: async () => {
        conn = await connectAttach(attachSocketPath(ctx, id));
      },
    });
    if ('handle' in r) r.handle.release();
  } catch (err) {
    if (opts.rm) await removeContainer(ctx, id).catch(() => undefined);
    throw runStartFailure(err);
  }
  const rec = readContainer(ctx, id)!;
  const out = await relayAttach(conn!, { stdin: opts.interactive, tty: opts.tty, onSignal: signalProxy(ctx, rec) });
  const code = await outcomeCode(ctx, rec, out);
  // With a restart policy the exit command cleans up (and restarts); else we do it here.
  if (!out.detached && (rec.restartPolicy?.name ?? 'no') === 'no') await cleanupContainer(ctx, id);
  return code;
}
