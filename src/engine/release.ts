// What a container's end leaves to release: its rootfs mount, its network (namespace
// file and helper) and the runtime's state, in one tpod-helper spawn when there is
// anything to do; and the exit file of a previous run before a new one starts.
import { existsSync, rmSync } from 'node:fs';
import type { Context } from './context.js';
import { containerDirs, type ContainerRecord } from '../storage/containers.js';
import { join } from 'node:path';
import { runtimeStateExists, exitFilePath, attachSocketPath } from './state.js';
import { defaultMonitorPidFile } from '../systemd/run-options.js';
import type { NsStep } from '../rootless/join.js';
import { runtimeFor, runtimeDeleteCommand, runtimeGlobalsFor } from './runtime-of.js';

/**
 * Unmounts the rootfs and deletes the runtime's state for the container. Spawns one
 * tpod-helper only when there is something to do: after a reboot the pause process
 * (and with it every mount) and the runtime state are gone already.
 */
export async function releaseContainerResources(ctx: Context, rec: ContainerRecord, opts: { keepMount?: boolean; removeDir?: boolean } = {}): Promise<void> {
  const { insideNamespace, runInNamespaceChecked } = await import('../rootless/join.js');
  const { readPausePid } = await import('../rootless/pause.js');
  const dirs = containerDirs(ctx, rec.id);
  const hasState = runtimeStateExists(ctx, rec.id);
  const namespaceAlive = insideNamespace() || readPausePid(ctx) !== undefined;
  const steps: NsStep[] = opts.keepMount || !namespaceAlive ? [] : [{ kind: 'umount', arg: dirs.merged }];
  // The network goes with every end, restarts included (a restart brings it up anew).
  const { networkReleaseSteps, settleNetworkLaunch, stopNetworkHelper } = await import('../network/setup.js');
  await settleNetworkLaunch(ctx, rec);
  if (rec.netns && existsSync(rec.netns)) {
    if (namespaceAlive) steps.push(...networkReleaseSteps(rec));
    else rmSync(rec.netns, { force: true }); // no namespace, no mount: only the file is left
  }
  stopNetworkHelper(ctx, rec);
  const command = hasState ? runtimeDeleteCommand(runtimeFor(ctx, rec), runtimeGlobalsFor(ctx, rec.id), rec.id) : [];
  // --rm: the same spawn removes the directory (files owned by subordinate ids need
  // namespace root), after the runtime let go of it.
  if (opts.removeDir && existsSync(dirs.dir)) steps.push({ kind: 'rmtree', arg: dirs.dir, after: command.length > 0 });
  if (steps.length > 0 || command.length > 0) {
    try {
      await runInNamespaceChecked(ctx, steps, command, `clean up container ${rec.id.slice(0, 12)}`);
    } catch (err) {
      // A runtime that already forgot the container is fine; anything else is worth a word.
      if (runtimeStateExists(ctx, rec.id) || (opts.removeDir && existsSync(dirs.dir))) throw err;
    }
  }
  // The last container on user networks takes the rootless namespace with it.
  if (rec.network === 'bridge') await (await import('../network/bridge.js')).releaseBridges(ctx, rec);
}

/** Exit file of the previous run: gone before a new run so it cannot be mistaken for this one's. */
export function clearExitFile(ctx: Context, rec: ContainerRecord): void {
  const f = rec.exitFile ?? exitFilePath(ctx, rec.id);
  if (existsSync(f)) rmSync(f, { force: true });
}

/**
 * The per-boot files of a container outside its directory: its attach socket's
 * directory, the runtime's log, the monitor pid file tpod writes, and (unless KEEP_EXIT:
 * a removed --rm container's code stays for `wait` a while) its exit file.
 */
export function removeRunFiles(ctx: Context, rec: ContainerRecord, keepExit = false): void {
  const paths = [join(ctx.paths.runroot, 'runtime-logs', `${rec.id}.json`), join(attachSocketPath(ctx, rec.id), '..'), defaultMonitorPidFile(ctx, rec.id)];
  if (!keepExit) paths.push(rec.exitFile ?? exitFilePath(ctx, rec.id));
  for (const p of paths) rmSync(p, { recursive: true, force: true });
}
