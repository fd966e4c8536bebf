// Running things inside the pause process's namespaces: build `tpod-helper nsexec`
// command lines, run them, and re-execute tpod itself there for heavy, rare work.
import { spawn, type StdioOptions } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import type { Context } from '../engine/context.js';
import { TpodError } from '../errors.js';
import { helperPath } from '../util/helpers.js';
import { ensurePause } from './pause.js';
import { selfCommand } from '../util/self.js';
import type { HelperPlace } from '../storage/tar-helper.js';

export type NsStepKind = 'chdir' | 'overlay' | 'fuse-overlay' | 'vfs-apply' | 'umount' | 'rmtree' | 'netns' | 'pasta' | 'pasta-bg' | 'wait-pasta' | 'slirp4netns' | 'slirp-api' | 'volume-init' | 'chown-tree';

export interface NsStep {
  kind: NsStepKind;
  arg: string;
  /** Run after the command exits (the helper then forks instead of exec'ing). */
  after?: boolean;
}

/** Marks a process started by tpod inside the namespace; such a process never re-execs. */
export const IN_USERNS_ENV = 'TPOD_IN_USERNS';

export function insideNamespace(): boolean {
  return process.env[IN_USERNS_ENV] === '1';
}

export function nsexecArgs(pid: number | undefined, steps: NsStep[], command: string[] = []): string[] {
  const args = ['nsexec'];
  if (pid !== undefined) args.push('--pid', String(pid));
  for (const s of steps) args.push(s.after ? `--after-${s.kind}` : `--${s.kind}`, s.arg);
  if (command.length > 0) args.push('--', ...command);
  return args;
}

export interface NsRunOptions {
  stdio?: StdioOptions;
  env?: NodeJS.ProcessEnv;
  /** Collect stdout/stderr instead of passing them through. */
  capture?: boolean;
  input?: string | Buffer;
  /** Called with the helper process once spawned (to read its piped output). */
  onSpawn?: (child: import('node:child_process').ChildProcess) => void;
  /** tpod-helper arguments that run the nsexec command line under them (ptyexec ... --). */
  wrap?: string[];
}

export interface NsRunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Exit statuses of signals, as a shell reports them. */
function statusOf(code: number | null, signal: NodeJS.Signals | null): number {
  if (code !== null) return code;
  const signals: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGTERM: 15 };
  return 128 + (signal ? signals[signal] ?? 1 : 1);
}

/**
 * Runs steps (and a command) in the namespaces. While it runs, tpod ignores the signals a
 * terminal sends: the helper is in the same process group and forwards them.
 */
export async function runInNamespace(ctx: Context, steps: NsStep[], command: string[] = [], opts: NsRunOptions = {}): Promise<NsRunResult> {
  const pid = insideNamespace() ? undefined : await ensurePause(ctx);
  const args = nsexecArgs(pid, steps, command);
  ctx.log.debug(`tpod-helper ${args.join(' ')}`);
  const stdio: StdioOptions = opts.capture ? ['pipe', 'pipe', 'pipe'] : opts.stdio ?? 'inherit';
  const ignore = (): void => {};
  const forwarded: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT'];
  return new Promise((resolve, reject) => {
    const helper = helperPath('tpod-helper');
    const child = spawn(helper, opts.wrap ? [...opts.wrap, '--', helper, ...args] : args, { stdio, env: opts.env ?? process.env });
    opts.onSpawn?.(child);
    const forward = (sig: NodeJS.Signals): void => {
      child.kill(sig);
    };
    // SIGINT/SIGQUIT from a terminal reach the whole process group already; sent to tpod
    // alone (kill -INT PID, no terminal), they are passed on like the others.
    const fromTerminal = process.stdin.isTTY === true;
    for (const s of forwarded) process.on(s, fromTerminal && (s === 'SIGINT' || s === 'SIGQUIT') ? ignore : forward);
    let stdout = '';
    let stderr = '';
    if (opts.capture) {
      child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
      // The step may finish without reading its input.
      child.stdin?.on('error', () => undefined);
      child.stdin?.end(opts.input ?? '');
    }
    const done = (): void => {
      for (const s of forwarded) {
        process.removeListener(s, ignore);
        process.removeListener(s, forward);
      }
    };
    child.on('error', (e) => {
      done();
      reject(new TpodError('EHELPER', `cannot start tpod-helper: ${e.message}`, { cause: e }));
    });
    child.on('close', (code, signal) => {
      done();
      resolve({ code: statusOf(code, signal), stdout, stderr });
    });
  });
}

/**
 * Where tpod-helper steps that chroot into layer or rootfs content run: joined to the
 * pause process, or right here when this process is inside the namespace already.
 */
export async function namespacePlace(ctx: Context): Promise<HelperPlace> {
  return insideNamespace() ? {} : { nsPid: await ensurePause(ctx) };
}

/** Like runInNamespace with captured output, failing with the helper's message. */
export async function runInNamespaceChecked(ctx: Context, steps: NsStep[], command: string[] = [], what = 'namespace step', input?: string | Buffer): Promise<string> {
  const r = await runInNamespace(ctx, steps, command, { capture: true, ...(input !== undefined ? { input } : {}) });
  if (r.code !== 0) {
    const detail = r.stderr.trim().replace(/^tpod-helper: /gm, '') || `exit code ${r.code}`;
    throw new TpodError('EHELPER', `${what}: ${detail}`);
  }
  return r.stdout;
}

/** The global options that make another tpod process use this one's store and settings. */
export function globalFlags(ctx: Context): string[] {
  const g = ctx.globals;
  const globals = ['--root', ctx.paths.root, '--runroot', ctx.paths.runroot];
  if (g.logLevel) globals.push('--log-level', g.logLevel);
  if (g.runtime) globals.push('--runtime', g.runtime);
  if (g.storageDriver) globals.push('--storage-driver', g.storageDriver);
  for (const f of g.runtimeFlags ?? []) globals.push(`--runtime-flag=${f}`);
  if (g.eventsBackend) globals.push('--events-backend', g.eventsBackend);
  if (g.volumePath) globals.push('--volumepath', g.volumePath);
  if (g.defaultMountsFile) globals.push('--default-mounts-file', g.defaultMountsFile);
  return globals;
}

/**
 * Runs this same tpod command again inside the namespace, as namespace root, and returns
 * its exit code. Paths are passed explicitly: inside, the uid reads 0, which would
 * otherwise change where the runtime directory falls back to.
 */
export async function reexecInNamespace(ctx: Context, argv: string[]): Promise<number> {
  const globals = globalFlags(ctx);
  const env = { ...process.env, [IN_USERNS_ENV]: '1' };
  // Joining the mount namespace moves to "/": go back, so relative paths (-o x.tar) work.
  // A working directory the user cannot enter (runuser from /root) is skipped, not fatal.
  const cwd = process.cwd();
  const steps: NsStep[] = cwd !== '/' && canEnter(cwd) ? [{ kind: 'chdir', arg: cwd }] : [];
  const r = await runInNamespace(ctx, steps, [...selfCommand(), ...globals, ...argv], { env });
  return r.code;
}

function canEnter(dir: string): boolean {
  try {
    accessSync(dir, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
