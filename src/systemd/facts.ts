// From tpod's records to what the unit generator needs (src/systemd/generate.ts), and
// the environment the units are written for: this tpod's path, its global flags.
import type { Context } from '../engine/context.js';
import type { ContainerRecord } from '../storage/containers.js';
import type { PodRecord } from '../storage/pods.js';
import { DEFAULT_STOP_TIMEOUT } from '../runtime/lifecycle-options.js';
import { monitorPidFile } from './run-options.js';
import { escapeSpecifiers } from './unit-file.js';
import type { ContainerFacts, GenerateEnv, PodFacts } from './generate.js';

export function containerFacts(ctx: Context, rec: ContainerRecord): ContainerFacts {
  const f: ContainerFacts = {
    id: rec.id,
    name: rec.name,
    stopTimeout: rec.stopTimeout ?? DEFAULT_STOP_TIMEOUT,
    rm: rec.rm,
    monitorPidFile: monitorPidFile(ctx, rec.id, rec.options?.systemd),
  };
  if (rec.restartPolicy) f.restartPolicy = rec.restartPolicy;
  const o = rec.options;
  if (o?.createCommand) f.createCommand = o.createCommand;
  if (o) {
    f.positional = [o.image, ...o.command];
    f.env = o.env;
  }
  return f;
}

export function podFacts(ctx: Context, pod: PodRecord, members: ContainerRecord[]): PodFacts {
  const infraRec = members.find((m) => m.id === pod.infraId);
  const p: PodFacts = {
    id: pod.id,
    name: pod.name,
    members: members.filter((m) => m.id !== pod.infraId).map((m) => containerFacts(ctx, m)),
  };
  // The infra's --infra-conmon-pidfile is its own --conmon-pidfile (src/pod/create.ts).
  if (infraRec) p.infra = containerFacts(ctx, infraRec);
  if (pod.createCommand) p.createCommand = pod.createCommand;
  return p;
}

/** The global flags this tpod runs with, for units that must reach the same storage. */
export function globalFlags(ctx: Context): string[] {
  const g: string[] = [];
  if (ctx.globals.root !== undefined) g.push('--root', ctx.paths.root);
  if (ctx.globals.runroot !== undefined) g.push('--runroot', ctx.paths.runroot);
  if (ctx.globals.storageDriver !== undefined) g.push('--storage-driver', ctx.globals.storageDriver);
  if (ctx.globals.runtime !== undefined) g.push('--runtime', ctx.globals.runtime);
  return g;
}

/** %t/... when the runroot lies below the manager's runtime dir (the user's XDG_RUNTIME_DIR). */
export function runrootInRuntimeDir(runroot: string, runtimeDir: string | undefined): string | undefined {
  if (!runtimeDir) return undefined;
  const base = runtimeDir.replace(/\/+$/, '');
  if (runroot === base) return '%t';
  if (runroot.startsWith(base + '/')) return `%t/${escapeSpecifiers(runroot.slice(base.length + 1))}`;
  return undefined;
}

export function generateEnv(ctx: Context, executable: string[], version: string): GenerateEnv {
  const env: GenerateEnv = { executable, version, globals: globalFlags(ctx), runroot: ctx.paths.runroot };
  const t = runrootInRuntimeDir(ctx.paths.runroot, process.env.XDG_RUNTIME_DIR);
  if (t !== undefined) env.runrootInRuntimeDir = t;
  return env;
}
