// `tpod run` attached: create the container, then ONE spawn that does everything inside
// the user namespace:
//
//   tpod-helper nsexec --pid PAUSE <mount rootfs> --after-umount MERGED [--after-rmtree DIR]
//     -- RUNTIME --root <runroot>/runtime --log <file> run --bundle <userdata> <id>
//
// stdio is inherited, so a terminal works with -t (crun/runc `run` in the foreground
// handle the pty); tpod ignores terminal signals while it waits (the helper forwards
// them) and exits with the container's exit code. The runtime's own error, if any, is
// read from its log file and mapped to Podman's 125/126/127.
import { existsSync, mkdirSync, readFileSync, rmSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { isatty } from 'node:tty';
import type { Context } from './context.js';
import type { RunOptions } from '../runtime/options.js';
import { prepareContainer, type ImageAccess, type PreparedContainer } from './create.js';
import { runtimeRunCommand, runtimeErrorFromLog, mapRuntimeError, commandNotFoundText, commandNotExecutableText } from '../runtime/runtime.js';
import { forgetContainer, updateContainer } from '../storage/containers.js';
import { mountSteps, unmountStep } from '../storage/driver.js';
import { anonymousVolumes, removeVolumes, volumeStartSteps, volumesStarted } from './container-volumes.js';
import { runInNamespace, type NsStep } from '../rootless/join.js';
import { ensurePause } from '../rootless/pause.js';
import { ensurePrivateDir } from '../storage/paths.js';
import { networkReleaseSteps, networkSetupSteps, prepareNetworkLaunch, releaseNetwork, waitPastaStep } from '../network/setup.js';
import { unshareHostsName } from '../network/plan.js';
import { attachedOutput, type OutputSink } from './run-output.js';
import { logPath } from './state.js';
import { runStartFailure, TpodError } from '../errors.js';

/** The runtime's state dir (tmpfs, per boot) and where it logs, per container. */
export function runtimePaths(ctx: Context, id: string): { stateRoot: string; logFile: string } {
  return { stateRoot: join(ctx.paths.runroot, 'runtime'), logFile: join(ctx.paths.runroot, 'runtime-logs', `${id}.json`) };
}

/** Everything the helper does for an attached run, in order. */
export function attachedRunSteps(ctx: Context, p: PreparedContainer, rm: boolean): NsStep[] {
  // The network comes up first, so a failed network step leaves no mount behind (a
  // leftover namespace file is what runContainer releases), and goes when the runtime
  // returns: removing the namespace file stops pasta, and slirp4netns' exit pipe closes
  // with the helper. pasta started early (prepareContainer) is only waited for.
  const steps = [
    ...(p.networkStarted ? waitPastaStep(ctx, p.record) : networkSetupSteps(ctx, p.record)),
    ...mountSteps(p.driver, { lowerDirs: p.lowerDirs, upper: p.dirs.upper, work: p.dirs.work, merged: p.dirs.merged, layersDir: ctx.paths.layers }),
    ...volumeStartSteps(ctx, p.record, p.dirs.merged, join(p.dirs.userdata, 'config.json')),
    ...networkReleaseSteps(p.record, true),
  ];
  steps.push(unmountStep(p.dirs.merged, true));
  // The upper dir holds files owned by subordinate ids: only namespace root removes them.
  if (rm) steps.push({ kind: 'rmtree', arg: p.dirs.dir, after: true });
  return steps;
}

function readAndRemove(path: string): string {
  let text = '';
  try {
    text = readFileSync(path, 'utf8');
    unlinkSync(path);
  } catch {
    /* no log: the runtime had nothing to say */
  }
  return text;
}

/**
 * crun and runc in the foreground put tpod's stdin into raw mode for -t: it must be a
 * terminal. Without one, the container runs without a pty rather than failing.
 */
export function terminalMode(opts: RunOptions, stdinIsTTY: boolean): { tty: boolean; warning?: string } {
  if (!opts.tty || stdinIsTTY) return { tty: opts.tty };
  return { tty: false, warning: 'the input device is not a TTY: running the container without a pseudo-TTY (-t ignored)' };
}

/**
 * SINK (a library caller): the container's output goes there instead of tpod's stdio, stdin
 * is closed, and nothing of this process (LISTEN_FDS) is handed on.
 */
export async function runContainer(ctx: Context, given: RunOptions, images: ImageAccess, stdinIsTTY = isatty(0), sink?: OutputSink): Promise<number> {
  if (given.detach) {
    const { runDetached } = await import('./run-detached.js');
    process.stdout.write(`${await runDetached(ctx, given, images)}\n`);
    return 0;
  }
  // A restart policy needs the monitor and its exit command. Otherwise the one-spawn path
  // below is kept: measured here it is ~0.6x Podman's run, the monitor path ~0.9x.
  // TPOD_RUN_VIA_MONITOR=1 forces the monitor path (for comparing the two).
  if (sink === undefined && ((given.restartPolicy && given.restartPolicy.name !== 'no') || process.env.TPOD_RUN_VIA_MONITOR === '1')) {
    const { runAttachedViaMonitor } = await import('./run-attached.js');
    return runAttachedViaMonitor(ctx, given, images);
  }
  const term = terminalMode(given, sink === undefined && stdinIsTTY);
  if (term.warning) ctx.log.warn(term.warning);
  const opts: RunOptions = { ...given, tty: term.tty };
  // Socket activation: the LISTEN_FDS descriptors go to the container (unless --preserve-fds says otherwise).
  const listenFds = Number(process.env.LISTEN_FDS ?? '');
  if (sink === undefined && opts.preserveFds === undefined && Number.isInteger(listenFds) && listenFds > 0) opts.preserveFds = listenFds;
  // Joining (or creating) the pause process overlaps with writing the bundle.
  const pausePid = ensurePause(ctx);
  pausePid.catch(() => undefined); // awaited below; not an unhandled rejection meanwhile
  const p = await prepareContainer(ctx, opts, images, { forRun: true, checkPorts: true, startNetwork: true });
  const { id, name } = p.record;
  if (p.missingCommand !== undefined || p.directoryCommand !== undefined) {
    const err = p.missingCommand !== undefined
      ? mapRuntimeError(p.runtime, commandNotFoundText(p.runtime, p.missingCommand))
      : mapRuntimeError(p.runtime, commandNotExecutableText(p.runtime, p.directoryCommand!));
    if (p.networkStarted) await p.networkStarted.catch(() => undefined).then(() => releaseNetwork(ctx, p.record));
    // Nothing was mounted: the dir holds only files tpod wrote, which Node can remove.
    if (opts.rm) {
      await forgetContainer(ctx, id, name, async (d) => rmSync(d.dir, { recursive: true, force: true }));
      unshareHostsName(ctx, p.record);
      await removeVolumes(ctx, anonymousVolumes(p.record));
    }
    else await updateContainer(ctx, id, { state: 'exited', exitCode: err.exitCode, finishedAt: new Date().toISOString() });
    throw err;
  }
  if (p.startFailure) {
    // Created, never started (Podman's start-time checks): kept as created unless --rm.
    if (opts.rm) {
      await forgetContainer(ctx, id, name, async (d) => rmSync(d.dir, { recursive: true, force: true }));
      unshareHostsName(ctx, p.record);
    } else await updateContainer(ctx, id, { state: 'created', startedAt: undefined, monitorPid: undefined, monitorStartTime: undefined, bootId: undefined });
    throw p.startFailure;
  }
  // Podman prints the ID when neither stdout nor stderr is shown (--attach stdin).
  if (opts.attach !== undefined && !opts.attach.includes('stdout') && !opts.attach.includes('stderr')) process.stdout.write(`${id}\n`);
  let code: number;
  let failure: Error | undefined;
  try {
    await pausePid;
    const rt = runtimePaths(ctx, id);
    ensurePrivateDir(rt.stateRoot, ctx.uid);
    mkdirSync(join(ctx.paths.runroot, 'runtime-logs'), { recursive: true, mode: 0o700 });
    await prepareNetworkLaunch(ctx, p.record, { checkPorts: false });
    if (p.record.network === 'bridge') await (await import('../network/bridge.js')).attachBridges(ctx, p.record);
    // The namespace file must be bound before the helper's runtime joins it.
    if (p.networkStarted) await p.networkStarted;
    // The pid file tells a runtime that failed (bad flags, say) from a container that exited.
    const pidFile = join(ctx.paths.runroot, 'runtime-logs', `${id}.pid`);
    const command = runtimeRunCommand(p.runtime, { ...rt, extra: ctx.globals.runtimeFlags }, p.dirs.userdata, id, { preserveFds: opts.preserveFds, pidFile });
    const keepsLog = p.record.logDriver !== 'none' && p.record.logDriver !== 'passthrough';
    const output = attachedOutput(opts, keepsLog ? p.record.logPath ?? logPath(ctx, id) : undefined, sink);
    const { containerEvent } = await import('./events.js');
    await containerEvent(ctx, p.record, 'init');
    await containerEvent(ctx, p.record, 'start');
    // --timeout: the container is killed once it ran that long (Podman's exit code -1).
    let timedOut = false;
    const timer = opts.timeout === undefined ? undefined : setTimeout(() => {
      timedOut = true;
      void import('./stop.js').then((s) => s.signalContainer(ctx, p.record, 9)).catch(() => undefined);
    }, opts.timeout * 1000);
    // Without -i the container reads from /dev/null, as with Podman; with -t the
    // runtime needs the terminal on its stdin.
    const r = await runInNamespace(ctx, attachedRunSteps(ctx, p, opts.rm), command, { stdio: output.stdio, onSpawn: (c) => output.wire(c) }).finally(() => {
      if (timer) clearTimeout(timer);
    });
    await output.finish();
    code = timedOut ? -1 : r.code;
    await volumesStarted(ctx, p.record);
    const logged = runtimeErrorFromLog(readAndRemove(rt.logFile));
    const started = existsSync(pidFile);
    rmSync(pidFile, { force: true });
    if (code !== 0 && !timedOut && (logged !== undefined || !started)) {
      const mapped = runStartFailure(mapRuntimeError(p.runtime, logged ?? `exit status ${code}`));
      failure = mapped;
      code = mapped.exitCode;
    }
  } catch (err) {
    failure = runStartFailure(err);
    code = (failure as TpodError).exitCode;
  }
  // The helper's after-steps removed the namespace file unless a step failed half-way;
  // the helper's pid file goes either way.
  await releaseNetwork(ctx, p.record);
  if (p.record.network === 'bridge') await (await import('../network/bridge.js')).releaseBridges(ctx, p.record);
  const { containerEvent } = await import('./events.js');
  if (!failure) await containerEvent(ctx, p.record, 'died', { exitCode: code });
  // --rm also when the container failed to start; the helper already removed the dir.
  if (opts.rm) {
    await forgetContainer(ctx, id, name);
    unshareHostsName(ctx, p.record);
    await removeVolumes(ctx, anonymousVolumes(p.record));
    await containerEvent(ctx, p.record, 'remove');
  } else await updateContainer(ctx, id, { state: 'exited', exitCode: code, finishedAt: new Date().toISOString() });
  // No monitor ran the clean-up here: a pod with --exit-policy stop is this run's to stop.
  if (p.record.pod) await (await import('./exit-command.js')).applyExitPolicy(ctx, p.record);
  if (failure) throw failure;
  // A container killed by --timeout: -1 recorded, 255 for the shell (as Podman).
  return code < 0 ? 255 : code;
}
