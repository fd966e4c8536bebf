// A library run request (src/engine/engine.ts) as the CLI's run flags, so one parser
// (parseRunOptions) checks both.
import { UsageError } from '../errors.js';
import type { RawRunFlags } from '../runtime/options.js';
import type { RunRequest } from './engine-types.js';

function envList(env: RunRequest['env']): string[] | undefined {
  if (env === undefined) return undefined;
  if (Array.isArray(env)) {
    // A bare NAME would read the host's value: the library passes only what it is given.
    for (const e of env) if (!e.includes('=')) throw new UsageError(`env "${e}": want NAME=VALUE`);
    return env;
  }
  return Object.entries(env).map(([k, v]) => `${k}=${v}`);
}

function labelList(labels: Record<string, string> | undefined): string[] | undefined {
  return labels === undefined ? undefined : Object.entries(labels).map(([k, v]) => `${k}=${v}`);
}

/** The CLI's flag set for a run request (the same parser checks both). */
export function runFlags(r: RunRequest): RawRunFlags {
  if (typeof r.image !== 'string' || r.image === '') throw new UsageError('run: an image is required');
  if (r.command !== undefined && (!Array.isArray(r.command) || r.command.some((c) => typeof c !== 'string'))) throw new UsageError('run: command must be an array of strings');
  return {
    image: r.image,
    command: r.command ?? [],
    name: r.name,
    rm: r.remove === true,
    detach: r.detach === true,
    env: envList(r.env),
    network: r.network,
    workdir: r.workdir,
    user: r.user,
    entrypoint: r.entrypoint === undefined ? undefined : JSON.stringify(r.entrypoint),
    label: labelList(r.labels),
    volume: r.volumes,
    publish: r.publish,
  };
}

