// `tpod run -d`: create the container, start it under its monitor, print its id. The
// monitor keeps it; this process exits at once.
import type { Context } from './context.js';
import type { RunOptions } from '../runtime/options.js';
import { prepareContainer, type ImageAccess } from './create.js';
import { startContainer } from './start.js';
import { removeContainer } from '../storage/containers.js';
import { runStartFailure } from '../errors.js';

export async function runDetached(ctx: Context, opts: RunOptions, images: ImageAccess): Promise<string> {
  // Joining (or creating) the pause process overlaps with writing the bundle.
  const { ensurePause } = await import('../rootless/pause.js');
  const pause = ensurePause(ctx);
  pause.catch(() => undefined); // awaited below; not an unhandled rejection meanwhile
  const p = await prepareContainer(ctx, opts, images, { forRun: false, checkPorts: true, startNetwork: true });
  try {
    if (p.startFailure) throw p.startFailure;
    await pause;
    const r = await startContainer(ctx, p.record.id, p.networkStarted ? { networkStarted: p.networkStarted } : {});
    if ('handle' in r) r.handle.release();
  } catch (err) {
    // A network started early is not the created container's to keep.
    if (p.networkStarted) {
      const { releaseNetwork } = await import('../network/setup.js');
      await p.networkStarted.catch(() => undefined).then(() => releaseNetwork(ctx, p.record));
    }
    // --rm also when the container never ran; otherwise it stays, created, as with Podman.
    if (opts.rm) await removeContainer(ctx, p.record.id).catch(() => undefined);
    // Created but not started: Podman's run exits 126 (127 when something was not found).
    throw runStartFailure(err);
  }
  return p.record.id;
}
