// Launching a container under its monitor: one spawn,
//
//   tpod-helper nsexec --pid PAUSE --umount MERGED <mount rootfs> -- tpod-monitor ...
//
// mounts the rootfs inside the pause process's namespaces and becomes the monitor, which
// detaches, runs `runtime create`, reports, and on tpod's go runs `runtime start`. The
// callers (start, the restart policy) hold the container's lock and write the record
// before they let go of it, so the exit command of a container that ends at once
// (`container cleanup`, which takes the same lock) always finds it marked running.
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import type { Context } from './context.js';
import { containerDirs, type ContainerRecord } from '../storage/containers.js';
import { ensurePrivateDir } from '../storage/paths.js';
import { writeFileAtomic } from '../storage/atomic.js';
import { layerDiffPath } from '../storage/layers.js';
import { mountSteps, unmountStep } from '../storage/driver.js';
import { helperPath } from '../util/helpers.js';
import { selfCommand } from '../util/self.js';
import { mapRuntimeError } from '../runtime/runtime.js';
import { withListenEnv } from '../runtime/spec.js';
import { engineConfig } from '../util/containers-conf.js';
import { MonitorRuntimeError, spawnMonitor, type MonitorHandle, type MonitorOptions } from '../monitor/spawn.js';
import { IN_USERNS_ENV, insideNamespace, nsexecArgs } from '../rootless/join.js';
import { attachSocketPath, exitFilePath, identify, logPath } from './state.js';
import { clearExitFile, releaseContainerResources } from './release.js';
import { runtimeBaseArgs, runtimeFor, runtimeGlobalsFor } from './runtime-of.js';
import { networkSetupSteps, prepareNetworkLaunch, waitNetworkReady } from '../network/setup.js';
import { ensureNotifyDir, notifySocketPath, recordMonitorPid } from '../systemd/run-options.js';
import { volumeStartSteps, volumesStarted } from './container-volumes.js';

export interface LaunchOptions {
  /** Restarts by the restart policy count up; a user start begins again at 0. */
  restartCount?: number;
  /** The rootfs is still mounted (a restart from the exit command). */
  mounted?: boolean;
  /**
   * Without the exit command (an attached run that cleans up itself): if tpod is killed,
   * reconcile() does the clean-up later. A restart policy always keeps it.
   */
  noExitCommand?: boolean;
  /** Runs once the container is created and before it starts: attach clients connect here. */
  beforeStart?: (handle: MonitorHandle) => Promise<void>;
  /** `run` launched pasta already (src/network/setup.ts startNetworkEarly): only wait for it. */
  networkStarted?: Promise<void>;
  /** A pod's infra: its pause process needs no network; members wait for pasta before they run. */
  deferNetworkReady?: boolean;
}

export interface Launched {
  record: ContainerRecord;
  handle: MonitorHandle;
}

/** The exit command the monitor runs in its place once the container ended. */
export function exitCommand(ctx: Context, id: string): string[] {
  const a = [...selfCommand(), '--root', ctx.paths.root, '--runroot', ctx.paths.runroot];
  if (ctx.globals.logLevel) a.push('--log-level', ctx.globals.logLevel);
  a.push('container', 'cleanup', id);
  return a;
}

/** Everything the monitor needs for REC, without the runtime choice itself. */
export function monitorOptionsFor(ctx: Context, rec: ContainerRecord, runtimePath: string, runtimeArgs: string[]): MonitorOptions {
  const dirs = containerDirs(ctx, rec.id);
  const o: MonitorOptions = {
    containerId: rec.id,
    bundle: dirs.userdata,
    runtime: runtimePath,
    runtimeArgs,
    pidFile: join(dirs.userdata, 'pidfile'),
    exitFile: exitFilePath(ctx, rec.id),
    // none and passthrough keep no log file.
    ...(rec.logDriver === 'none' || rec.logDriver === 'passthrough' ? {} : { logPath: rec.logPath ?? logPath(ctx, rec.id) }),
    attachSocket: attachSocketPath(ctx, rec.id),
    terminal: rec.tty,
    stdin: rec.interactive,
    exitCommand: exitCommand(ctx, rec.id),
  };
  const size = rec.options?.log?.size ?? engineConfig(ctx).logSizeMax;
  if (size !== undefined && size > 0) o.logSizeMax = size;
  const sdNotify = rec.options?.systemd?.sdNotify;
  if (sdNotify !== undefined) o.sdNotify = sdNotify;
  if (sdNotify === 'container') o.containerNotifySocket = notifySocketPath(ctx, rec.id);
  return o;
}

/** Socket activation: this start's LISTEN_* in the spec (rewritten only when they change). */
function refreshListenEnv(specFile: string): void {
  let spec: { process?: { env?: string[] } };
  try {
    spec = JSON.parse(readFileSync(specFile, 'utf8')) as typeof spec;
  } catch {
    return;
  }
  const env = spec.process?.env;
  if (!env) return;
  const next = withListenEnv(env, process.env);
  if (next.length === env.length && next.every((e, i) => e === env[i])) return;
  spec.process!.env = next;
  writeFileAtomic(specFile, JSON.stringify(spec, null, 2) + '\n');
}

/**
 * Mounts the rootfs and starts the container under a new monitor. Does not write the
 * record: the caller holds the container's lock and persists the returned one.
 */
export async function launchContainer(ctx: Context, rec: ContainerRecord, lo: LaunchOptions = {}): Promise<Launched> {
  const rt = runtimeFor(ctx, rec);
  const rd = runtimeGlobalsFor(ctx, rec.id);
  ensurePrivateDir(ctx.paths.runroot, ctx.uid);
  ensurePrivateDir(rd.stateRoot, ctx.uid);
  ensurePrivateDir(join(ctx.paths.runroot, 'exits'), ctx.uid);
  ensurePrivateDir(join(ctx.paths.runroot, 'attach'), ctx.uid);
  clearExitFile(ctx, rec);

  const dirs = containerDirs(ctx, rec.id);
  refreshListenEnv(join(dirs.userdata, 'config.json'));
  // A pod member joins its infra's namespaces, whose /proc paths change with each infra start.
  if (rec.pod && !rec.isInfra) (await import('./pod-member.js')).refreshMemberNamespaces(ctx, rec);
  const inside = insideNamespace();
  let pausePid: number | undefined;
  if (!inside) {
    const { ensurePause } = await import('../rootless/pause.js');
    pausePid = await ensurePause(ctx);
  }
  // An early pasta holds the published ports itself: no port check then.
  if (lo.networkStarted) await lo.networkStarted;
  else await prepareNetworkLaunch(ctx, rec);
  if (rec.network === 'bridge') await (await import('../network/bridge.js')).attachBridges(ctx, rec);
  const mount = lo.mounted
    ? []
    : [
        unmountStep(dirs.merged), // a stale mount from a run whose clean-up never came
        ...mountSteps(rec.driver as Parameters<typeof mountSteps>[0], {
          lowerDirs: rec.layers.map((d) => layerDiffPath(ctx.paths, d)),
          upper: dirs.upper,
          work: dirs.work,
          merged: dirs.merged,
          layersDir: ctx.paths.layers,
        }),
      ];
  // Then the volumes' first use (copy-up, chown) and ':U', on the mounted rootfs; the
  // network comes up in the same spawn, after them and before the runtime.
  const steps = [
    ...mount,
    ...volumeStartSteps(ctx, rec, dirs.merged, join(dirs.userdata, 'config.json')),
    ...(lo.networkStarted ? [] : networkSetupSteps(ctx, rec, { background: true })),
  ];
  const wrapper = pausePid === undefined && steps.length === 0 ? undefined : [helperPath('tpod-helper'), ...nsexecArgs(pausePid, steps), '--'];
  const mo = monitorOptionsFor(ctx, rec, rt.path, runtimeBaseArgs(rt, rd));
  if (mo.sdNotify === 'container') ensureNotifyDir(ctx, rec.id); // runroot is tmpfs: gone after a reboot
  if (lo.noExitCommand && (rec.restartPolicy?.name ?? 'no') === 'no') delete mo.exitCommand;
  // The monitor (and its exit command) live inside the namespaces: tpod there must not join again.
  const env = { ...process.env, [IN_USERNS_ENV]: '1' };

  let handle: MonitorHandle;
  try {
    handle = await spawnMonitor(mo, { env, ...(wrapper ? { wrapper } : {}) });
  } catch (err) {
    await releaseQuietly(ctx, rec);
    if (err instanceof MonitorRuntimeError) throw mapRuntimeError(rt, err.runtimeMessage);
    throw err;
  }
  try {
    if (!lo.deferNetworkReady) await waitNetworkReady(ctx, rec); // pasta set up while the runtime created the container
    if (lo.beforeStart) await lo.beforeStart(handle);
    await handle.start();
  } catch (err) {
    await handle.abort();
    await releaseQuietly(ctx, rec);
    if (err instanceof MonitorRuntimeError) throw mapRuntimeError(rt, err.runtimeMessage);
    throw err;
  }
  // For PIDFile= of systemd units: written before this tpod exits.
  recordMonitorPid(ctx, rec.id, rec.options?.systemd, handle.monitorPid);
  await volumesStarted(ctx, rec);
  const me = identify(handle.monitorPid);
  const next: ContainerRecord = {
    ...rec,
    state: 'running',
    startedAt: new Date().toISOString(),
    monitorPid: handle.monitorPid,
    pid: handle.containerPid,
    exitFile: mo.exitFile,
    logPath: mo.logPath!,
    restartCount: lo.restartCount ?? 0,
    stoppedByUser: false,
    oomKilled: false,
  };
  // A monitor that is already gone (the container exited and its clean-up finished in a
  // flash) has no identity left: the exit file then tells the story.
  if (me) {
    next.monitorStartTime = me.startTime;
    next.bootId = me.bootId;
  } else {
    delete next.monitorStartTime;
  }
  delete next.exitCode;
  return { record: next, handle };
}

async function releaseQuietly(ctx: Context, rec: ContainerRecord): Promise<void> {
  try {
    await releaseContainerResources(ctx, rec);
  } catch (err) {
    ctx.log.debug(`releasing ${rec.id.slice(0, 12)} after a failed start: ${(err as Error).message}`);
  }
}
