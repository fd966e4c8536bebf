// `run`/`create --pull=missing|always|never|newer`: the image lookup of the run path,
// wrapped so a missing (or, by policy, any) image is pulled first, in this process
// (layer extraction joins the user namespace by itself). The hot path of a run whose
// image is present costs nothing more than the lookup it already did.
import type { Context } from '../engine/context.js';
import { TpodError, UsageError } from '../errors.js';
import type { PullReporter } from './pull-progress.js';

export type PullPolicy = 'missing' | 'always' | 'never' | 'newer';

/** Podman's spellings (containers/common's ParsePullPolicy). */
export function parsePullPolicy(v: string | undefined): PullPolicy {
  if (v === undefined) return 'missing';
  switch (v.toLowerCase()) {
    case 'missing':
    case 'ifmissing':
    case 'ifnotpresent':
      return 'missing';
    case 'always':
    case 'true':
      return 'always';
    case 'never':
    case 'false':
      return 'never';
    case 'newer':
    case 'ifnewer':
      return 'newer';
    default:
      throw new UsageError(`invalid pull policy "${v}": want always, missing, never or newer`);
  }
}

export interface PullFlags {
  policy: PullPolicy;
  tlsVerify?: boolean | undefined;
  authfile?: string | undefined;
  platform?: string | undefined;
  quiet?: boolean;
  /** Where the pull's progress goes (the CLI's stderr). */
  reporter?: PullReporter;
}

interface Lookup<T> {
  findImage(ctx: Context, nameOrId: string): Promise<T>;
}

/** Pulls `reference` in this process (progress to `flags.reporter`); resolves to the image ID. */
export async function pullNow(ctx: Context, reference: string, flags: PullFlags): Promise<string> {
  const { pullImage } = await import('./pull.js');
  const { hostPlatform, parsePlatform } = await import('./registry/manifest.js');
  const r = await pullImage(ctx, {
    reference,
    platform: flags.platform !== undefined ? parsePlatform(flags.platform) : hostPlatform(),
    ...(flags.reporter && !flags.quiet ? { reporter: flags.reporter } : {}),
    ...(flags.tlsVerify !== undefined ? { tlsVerify: flags.tlsVerify } : {}),
    ...(flags.authfile !== undefined ? { authfile: flags.authfile } : {}),
  });
  return r.image.id;
}

/** The store's lookup with the pull policy applied. */
export function withPullPolicy<S extends Lookup<T>, T>(store: S, flags: PullFlags, pull: typeof pullNow = pullNow): S {
  const findImage = async (ctx: Context, nameOrId: string): Promise<T> => {
    const local = async (): Promise<T | undefined> => {
      try {
        return await store.findImage(ctx, nameOrId);
      } catch (err) {
        if (err instanceof TpodError && err.code === 'ENOIMAGE') return undefined;
        throw err;
      }
    };
    switch (flags.policy) {
      case 'never':
        return store.findImage(ctx, nameOrId);
      case 'missing': {
        const found = await local();
        if (found !== undefined) return found;
        break;
      }
      case 'newer': {
        const found = await local();
        if (found !== undefined) {
          try {
            const id = await pull(ctx, nameOrId, flags);
            return await store.findImage(ctx, id);
          } catch (err) {
            ctx.log.warn(`checking for a newer ${nameOrId} failed, using the local image: ${(err as Error).message}`);
            return found;
          }
        }
        break;
      }
      case 'always':
        break;
    }
    const id = await pull(ctx, nameOrId, flags);
    return store.findImage(ctx, id);
  };
  return { ...store, findImage };
}
