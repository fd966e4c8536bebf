// The OCI runtime a container was created with, and the command lines tpod and its
// monitor run it with for detached containers (create/start by the monitor; kill,
// delete, exec by tpod). The global flags match src/runtime/runtime.ts, except that
// the runtime's messages go to stderr, where the monitor (or tpod) reads them.
import { join } from 'node:path';
import type { Context } from './context.js';
import type { ContainerRecord } from '../storage/containers.js';
import { kindOf, pathFinder, selectRuntime, type RuntimeInfo } from '../runtime/runtime.js';

/** The runtime a container was created with (by name), else this host's choice. */
export function runtimeFor(ctx: Context, rec: Pick<ContainerRecord, 'runtime'>): RuntimeInfo {
  const name = rec.runtime;
  const path = name.includes('/') ? name : pathFinder()(name);
  if (path) return { name, path, kind: kindOf(path) };
  return selectRuntime(ctx).runtime;
}

export interface RuntimeDirs {
  stateRoot: string;
  /** --runtime-flag values (each becomes --VALUE). */
  extra?: readonly string[] | undefined;
}

export function runtimeGlobalsFor(ctx: Context, _id: string): RuntimeDirs {
  return { stateRoot: join(ctx.paths.runroot, 'runtime'), ...(ctx.globals.runtimeFlags ? { extra: ctx.globals.runtimeFlags } : {}) };
}

/** Flags before the verb. */
export function runtimeBaseArgs(rt: RuntimeInfo, d: RuntimeDirs): string[] {
  // Rootless without delegated cgroups: crun must not try to create any; runc in a user
  // namespace detects rootless mode and skips cgroups it cannot write.
  const extra = (d.extra ?? []).map((f) => (f.startsWith('-') ? f : `--${f}`));
  return rt.kind === 'crun' ? ['--root', d.stateRoot, '--cgroup-manager=disabled', ...extra] : ['--root', d.stateRoot, ...extra];
}

export function runtimeDeleteCommand(rt: RuntimeInfo, d: RuntimeDirs, id: string): string[] {
  return [rt.path, ...runtimeBaseArgs(rt, d), 'delete', '--force', id];
}

export function runtimeKillCommand(rt: RuntimeInfo, d: RuntimeDirs, id: string, signal: number, all = false): string[] {
  const a = [rt.path, ...runtimeBaseArgs(rt, d), 'kill'];
  if (all) a.push('--all');
  a.push(id, String(signal));
  return a;
}

export interface ExecProcessOptions {
  tty: boolean;
  detach: boolean;
  /** A process.json (OCI process) written by tpod: env, user, cwd, args in one place. */
  processFile: string;
  pidFile?: string;
  consoleSocket?: string;
}

export function runtimeExecCommand(rt: RuntimeInfo, d: RuntimeDirs, id: string, o: ExecProcessOptions): string[] {
  const a = [rt.path, ...runtimeBaseArgs(rt, d), 'exec', '--process', o.processFile];
  if (o.tty) a.push('--tty');
  if (o.detach) a.push('--detach');
  if (o.pidFile) a.push('--pid-file', o.pidFile);
  if (o.consoleSocket) a.push('--console-socket', o.consoleSocket);
  a.push(id);
  return a;
}
