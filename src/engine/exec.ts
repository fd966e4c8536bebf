// `tpod exec`: one more process in a running container, through `runtime exec` inside
// the user namespace with tpod's stdio (one spawn). The process starts from the
// container's own OCI process (capabilities, rlimits, no-new-privileges), with the
// command, environment, user and working directory of the exec. Exit codes: the
// process's own, 126/127 when it cannot be run or found, 125 for engine errors and for a
// container that ended under the exec (exec-outcome.ts says which a failure was).
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { ChildProcess, StdioOptions } from 'node:child_process';
import type { Context } from './context.js';
import { UsageError } from '../errors.js';
import { containerDirs, type ContainerRecord } from '../storage/containers.js';
import { ensurePrivateDir } from '../storage/paths.js';
import { layerDiffPath } from '../storage/layers.js';
import { resolveUserInLayers } from '../runtime/user.js';
import { commandNotFoundText, mapRuntimeError, runtimeErrorFromLog, runtimeGlobalArgs } from '../runtime/runtime.js';
import { commandCertainlyMissing } from '../runtime/command.js';
import { liveState } from './state.js';
import { endedUnderExec, execOutcome, notRunning, runFacts, runtimeStraysGone } from './exec-outcome.js';
import { runtimeFor } from './runtime-of.js';

export interface ExecOptions {
  command: string[];
  interactive: boolean;
  tty: boolean;
  detach: boolean;
  env: Array<[string, string]>;
  user?: string;
  workdir?: string;
  privileged?: boolean;
}

interface OciProcess {
  terminal?: boolean;
  user: { uid: number; gid: number; additionalGids?: number[]; umask?: number };
  args: string[];
  env?: string[];
  cwd: string;
  [k: string]: unknown;
}

/** Later entries win; NAME=VALUE strings in first-seen order. */
export function mergeEnv(base: string[], extra: Array<[string, string]>): string[] {
  const map = new Map<string, string>();
  for (const e of base) {
    const i = e.indexOf('=');
    if (i > 0) map.set(e.slice(0, i), e.slice(i + 1));
  }
  for (const [k, v] of extra) map.set(k, v);
  return [...map].map(([k, v]) => `${k}=${v}`);
}

/** The exec's OCI process, from the container's own. */
export function execProcess(base: OciProcess, o: ExecOptions, user?: { uid: number; gid: number; additionalGids: number[]; home: string }): OciProcess {
  const p: OciProcess = { ...base, args: o.command, terminal: o.tty, cwd: o.workdir ?? base.cwd };
  let env = base.env ?? [];
  if (user) {
    p.user = { uid: user.uid, gid: user.gid, additionalGids: user.additionalGids };
    env = mergeEnv(env, [['HOME', user.home]]);
  }
  p.env = mergeEnv(env, o.env);
  // The console size is set by the runtime from the terminal it was given.
  delete p.consoleSize;
  return p;
}

export async function execInContainer(ctx: Context, rec: ContainerRecord, o: ExecOptions, stdinIsTTY: boolean): Promise<{ code: number; sessionId?: string }> {
  let tty = o.tty;
  if (tty && !o.detach && !stdinIsTTY && liveState(ctx, rec).status === 'running' && o.command.length > 0) {
    ctx.log.warn('the input device is not a TTY: running the process without a pseudo-TTY (-t ignored)');
    tty = false;
  }
  const stdin = o.detach ? 'ignore' : o.interactive || tty ? 'inherit' : 'ignore';
  return runExec(ctx, rec, { ...o, tty }, o.detach ? ['ignore', 'ignore', 'pipe'] : [stdin, 'inherit', 'inherit']);
}

/** An exec run by execWithPipes, as its caller sees it once it started. */
export interface PipedExec {
  child: ChildProcess;
  /** Sets the terminal's size (TTY only; a no-op otherwise). */
  resize(rows: number, cols: number): void;
  /** The caller's client left: a terminal is hung up (SIGHUP), a pipe's stdin ends. */
  hangup(): void;
}

/**
 * For a caller with streams of its own (the API service): the process's stdin (with
 * INTERACTIVE), stdout and stderr are pipes, handed over in ONSPAWN; resolves with its
 * exit code. With TTY the process gets a terminal that tpod-helper ptyexec holds and
 * relays to the pipes (stderr is then only the runtime's).
 */
export async function execWithPipes(ctx: Context, rec: ContainerRecord, o: Omit<ExecOptions, 'detach'>, onSpawn: (run: PipedExec) => void): Promise<number> {
  const stdio: StdioOptions = [o.interactive || o.tty ? 'pipe' : 'ignore', 'pipe', 'pipe'];
  if (o.tty) stdio.push('pipe');
  const r = await runExec(ctx, rec, { ...o, detach: false }, stdio, (child) => {
    const control = o.tty ? (child.stdio[3] as import('node:stream').Writable | null) : null;
    control?.on('error', () => {});
    onSpawn({
      child,
      resize: (rows, cols) => void control?.write(`${rows} ${cols}\n`),
      hangup: () => {
        child.stdin?.end();
        control?.end();
      },
    });
  }, o.tty);
  return r.code;
}

async function runExec(ctx: Context, rec: ContainerRecord, o: ExecOptions, stdio: StdioOptions, onSpawn?: (child: ChildProcess) => void, pty = false): Promise<{ code: number; sessionId?: string }> {
  if (o.command.length === 0) throw new UsageError('must provide a non-empty command to start an exec session');
  const ls = liveState(ctx, rec);
  if (ls.status !== 'running') throw notRunning();
  const tty = o.tty;
  const dirs = containerDirs(ctx, rec.id);
  const spec = JSON.parse(readFileSync(join(dirs.userdata, 'config.json'), 'utf8')) as { process: OciProcess; mounts?: Array<{ destination: string; source?: string }> };
  spec.mounts ??= [];
  const layers = [dirs.upper, ...[...rec.layers].reverse().map((d) => layerDiffPath(ctx.paths, d))];
  // The passwd and group the container sees: tpod's generated ones (keep-id, --hostuser) where bound.
  const bound = (dest: string): string | undefined => spec.mounts!.find((m) => m.destination === dest && m.source)?.source;
  const user = o.user === undefined ? undefined : resolveUserInLayers(o.user, layers, { passwd: bound('/etc/passwd'), group: bound('/etc/group') });
  const proc = execProcess(spec.process, { ...o, tty }, user);

  const rt = runtimeFor(ctx, rec);
  // A command that is certainly not there fails as the runtime would, without a spawn
  // (and without the runtime's own copy of the message on stderr).
  if (commandCertainlyMissing({ ...spec, process: proc } as unknown as Parameters<typeof commandCertainlyMissing>[0], layers)) {
    throw mapRuntimeError(rt, commandNotFoundText(rt, o.command[0]!));
  }
  const execDir = join(ctx.paths.runroot, 'exec');
  ensurePrivateDir(execDir, ctx.uid);
  mkdirSync(join(ctx.paths.runroot, 'runtime-logs'), { recursive: true, mode: 0o700 });
  const sessionId = randomBytes(32).toString('hex');
  const processFile = join(execDir, `${sessionId}.json`);
  const logFile = join(ctx.paths.runroot, 'runtime-logs', `exec-${sessionId}.json`);
  writeFileSync(processFile, JSON.stringify(proc), { mode: 0o600 });
  const cmd = [rt.path, ...runtimeGlobalArgs(rt, { stateRoot: join(ctx.paths.runroot, 'runtime'), logFile }), 'exec', '--process', processFile];
  // A terminal for a caller without one: the runtime sends the pty to ptyexec, which
  // waits for the process as its subreaper (conmon's way, which crun and runc both take).
  const sock = join(execDir, `${sessionId.slice(0, 16)}.sock`);
  const pidFile = join(execDir, `${sessionId}.pid`);
  if (pty) cmd.push('--detach', '--console-socket', sock, '--pid-file', pidFile);
  else if (o.detach) cmd.push('--detach');
  cmd.push(rec.id);
  const wrap = pty ? ['ptyexec', '--socket', sock, '--pid-file', pidFile, '--control-fd', '3'] : undefined;
  const { runInNamespace } = await import('../rootless/join.js');
  try {
    const r = await runInNamespace(ctx, [], cmd, { stdio, ...(onSpawn ? { onSpawn } : {}), ...(wrap ? { wrap } : {}) });
    let logged: string | undefined;
    try {
      logged = runtimeErrorFromLog(readFileSync(logFile, 'utf8'));
    } catch {
      /* nothing logged */
    }
    const code = await execOutcome(rt, r.code, logged, {
      ended: () => endedUnderExec(runFacts(ctx, rec)),
      settled: () => runtimeStraysGone(processFile),
    });
    return o.detach ? { code, sessionId } : { code };
  } finally {
    rmSync(processFile, { force: true });
    rmSync(logFile, { force: true });
    if (pty) rmSync(pidFile, { force: true });
  }
}
