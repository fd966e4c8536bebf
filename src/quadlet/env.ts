// The QuadletEnv a `tpod quadlet ...` command works with, from its context.
import type { CommandClass } from 'clipanion';
import type { Context } from '../engine/context.js';
import { UsageError } from '../errors.js';
import { featuresFromCommands } from './features.js';
import type { QuadletEnv } from './manage.js';
import { realExecutableHost, tpodExecutable } from '../systemd/executable.js';

export function quadletEnv(ctx: Context, commands: CommandClass[], tpod?: string): QuadletEnv {
  const env = ctx.host.env;
  const genDirs = env.TPOD_USER_GENERATOR_DIRS;
  return {
    host: ctx.host,
    tpod: tpod ? [tpod] : tpodExecutable(realExecutableHost(env)),
    features: featuresFromCommands(commands),
    warn: (msg) => ctx.log.warn(msg),
    // Tests point this at an empty directory to act as a host without the generator.
    ...(genDirs !== undefined ? { generatorDirs: genDirs.split(':').filter(Boolean) } : {}),
  };
}

/** `--reload-systemd[=BOOL]` as Podman takes it (default true). */
export function parseBoolFlag(v: string | boolean | undefined, flag: string, dflt: boolean): boolean {
  if (v === undefined) return dflt;
  if (typeof v === 'boolean') return v;
  const lower = v.toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(lower)) return true;
  if (['false', '0', 'no', 'off'].includes(lower)) return false;
  throw new UsageError(`invalid value "${v}" for ${flag}: expected true or false`);
}
