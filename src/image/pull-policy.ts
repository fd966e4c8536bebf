// `run`/`create --pull=missing|always|never|newer`: the image lookup of the run path,
// wrapped so a missing (or, by policy, any) image is pulled first. The pull runs as a
// `tpod pull` inside the user namespace (layers are extracted as namespace root), with
// its progress on our stderr and its image ID read from its stdout; the hot path of a
// run whose image is present costs nothing more than the lookup it already did.
import { spawn } from 'node:child_process';
import type { Context } from '../engine/context.js';
import { TpodError, UsageError } from '../errors.js';

/** Set for a pull whose stderr is piped to a terminal by run/create: its width. */
export const PULL_COLUMNS_ENV = 'TPOD_PULL_COLUMNS';

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
  tlsVerify?: string | boolean | undefined;
  authfile?: string | undefined;
  platform?: string | undefined;
  quiet?: boolean;
}

interface Lookup<T> {
  findImage(ctx: Context, nameOrId: string): Promise<T>;
}

/** Runs `tpod pull` in the namespace; resolves to the image ID it printed. */
export async function pullInNamespace(ctx: Context, reference: string, flags: PullFlags): Promise<string> {
  const { ensurePause } = await import('../rootless/pause.js');
  const { nsexecArgs, insideNamespace, IN_USERNS_ENV } = await import('../rootless/join.js');
  const { selfCommand } = await import('../util/self.js');
  const { helperPath } = await import('../util/helpers.js');
  const g = ctx.globals;
  const argv = [...selfCommand(), '--root', ctx.paths.root, '--runroot', ctx.paths.runroot];
  if (g.logLevel) argv.push('--log-level', g.logLevel);
  argv.push('pull');
  if (flags.quiet) argv.push('--quiet');
  if (flags.tlsVerify !== undefined) argv.push(`--tls-verify=${String(flags.tlsVerify)}`);
  if (flags.authfile !== undefined) argv.push('--authfile', flags.authfile);
  if (flags.platform !== undefined) argv.push('--platform', flags.platform);
  argv.push('--', reference);
  const pid = insideNamespace() ? undefined : await ensurePause(ctx);
  const args = nsexecArgs(pid, [], argv);
  ctx.log.debug(`pulling ${reference}: tpod-helper ${args.join(' ')}`);
  // Progress keeps its terminal form though it reaches us through a pipe: the pull
  // prints its error as "Error: ..." last, which we hold back and raise as ours.
  const env: NodeJS.ProcessEnv = { ...process.env, [IN_USERNS_ENV]: '1' };
  if (process.stderr.isTTY) env[PULL_COLUMNS_ENV] = String(process.stderr.columns || 80);
  return new Promise((resolve, reject) => {
    const child = spawn(helperPath('tpod-helper'), args, { stdio: ['ignore', 'pipe', 'pipe'], env });
    let out = '';
    let pending = '';
    const errorLines: string[] = [];
    const take = (line: string): void => {
      if (errorLines.length > 0 || line.startsWith('Error: ')) errorLines.push(line.replace(/^Error: /, '').replace(/\n$/, ''));
      else process.stderr.write(line);
    };
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      pending += d.toString();
      for (let nl = pending.indexOf('\n'); nl >= 0; nl = pending.indexOf('\n')) {
        take(pending.slice(0, nl + 1));
        pending = pending.slice(nl + 1);
      }
    });
    child.on('error', (e) => reject(new TpodError('EHELPER', `cannot start tpod-helper: ${e.message}`, { cause: e })));
    child.on('close', (code) => {
      if (pending !== '') take(pending);
      const id = out.trim().split('\n').pop() ?? '';
      if (code !== 0) reject(new TpodError('EREGISTRY', errorLines.join('\n') || `pulling ${reference} failed (exit code ${code})`, { exitCode: code ?? 125 }));
      else if (!/^[a-f0-9]{64}$/.test(id)) reject(new TpodError('EINTERNAL', `pulling ${reference}: no image ID in the output of tpod pull`));
      else resolve(id);
    });
  });
}

/** The store's lookup with the pull policy applied. */
export function withPullPolicy<S extends Lookup<T>, T>(store: S, flags: PullFlags, pull: typeof pullInNamespace = pullInNamespace): S {
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
