// Starting tpod-monitor for a container and following it through create and start.
// The monitor detaches at once (its first process exits 0); from then on tpod hears from
// it only on the sync descriptor (see protocol.ts), and can let go of it at any time.
import { spawn } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { basename } from 'node:path';
import { TpodError } from '../errors.js';
import { helperPath } from '../util/helpers.js';
import { IN_USERNS_ENV } from '../rootless/join.js';
import { LineSplitter, START_BYTE, parseSyncLine, type ExitReport, type SyncMessage, type SyncStage } from './protocol.js';

export type SdNotifyMode = 'conmon' | 'container' | 'ignore';

export interface MonitorOptions {
  containerId: string;
  bundle: string;
  /** Path of crun/runc (or a stand-in). */
  runtime: string;
  /** Global runtime options, before the verb: ['--root', dir]. */
  runtimeArgs?: readonly string[];
  pidFile: string;
  /** <runroot>/exits/<id> */
  exitFile: string;
  /** Omitted: no log (log driver "none"). */
  logPath?: string;
  /** Bytes; the log starts over empty once it would grow past this. */
  logSizeMax?: number;
  /** Its directory must be private (0700); created so when missing. */
  attachSocket?: string;
  /** Where the runtime hands over the pty for `terminal`; beside the attach socket by default. */
  consoleSocket?: string;
  terminal?: boolean;
  /** Keep the container's stdin open (-i). */
  stdin?: boolean;
  /** Run when the container exited, in place of the monitor: ['tpod', 'container', 'cleanup', id]. */
  exitCommand?: readonly string[];
  /** The pause process: the monitor (and so the runtime and exit command) joins its user+mount namespaces. */
  joinPid?: number;
  sdNotify?: SdNotifyMode;
  /** Host path of the socket tpod mounts into the container for sdNotify 'container'. */
  containerNotifySocket?: string;
}

export interface SpawnMonitorOptions {
  monitorPath?: string;
  env?: NodeJS.ProcessEnv;
  /** How long `runtime create` (and later start) may take. */
  timeoutMs?: number;
  /**
   * A command the monitor is started through, which execs it with the descriptors intact:
   * ['tpod-helper', 'nsexec', '--pid', P, <mount steps>, '--'] mounts the rootfs and
   * starts the monitor in one spawn.
   */
  wrapper?: readonly string[];
}

/** Descriptor numbers the monitor gets the sync and start pipes on. */
export const SYNC_FD = 3;
export const START_FD = 4;

const DEFAULT_TIMEOUT_MS = 60_000;

/** The monitor's argv (without argv[0]) for OPTS. Pure, so tests can check it. */
export function monitorArgv(o: MonitorOptions, fds: { sync?: number; start?: number } = { sync: SYNC_FD, start: START_FD }): string[] {
  const a = ['--id', o.containerId, '--bundle', o.bundle, '--runtime', o.runtime];
  for (const r of o.runtimeArgs ?? []) a.push('--runtime-arg', r);
  a.push('--pid-file', o.pidFile, '--exit-file', o.exitFile);
  if (o.logPath !== undefined) a.push('--log-path', o.logPath);
  if (o.logSizeMax !== undefined && o.logSizeMax > 0) a.push('--log-size-max', String(Math.floor(o.logSizeMax)));
  if (o.attachSocket !== undefined) a.push('--attach-socket', o.attachSocket);
  if (o.consoleSocket !== undefined) a.push('--console-socket', o.consoleSocket);
  if (o.terminal) a.push('--terminal');
  if (o.stdin) a.push('--stdin');
  const [cmd, ...args] = o.exitCommand ?? [];
  if (cmd !== undefined) {
    a.push('--exit-command', cmd);
    for (const x of args) a.push('--exit-command-arg', x);
  }
  if (fds.sync !== undefined) a.push('--sync-fd', String(fds.sync));
  if (fds.start !== undefined) a.push('--start-fd', String(fds.start));
  if (o.joinPid !== undefined) a.push('--join-pid', String(o.joinPid));
  if (o.sdNotify !== undefined) a.push('--sdnotify', o.sdNotify);
  if (o.containerNotifySocket !== undefined) a.push('--container-notify-socket', o.containerNotifySocket);
  return a;
}

/** The runtime failed to create or start the container; `runtimeMessage` is what it said. */
export class MonitorRuntimeError extends TpodError {
  constructor(
    readonly stage: SyncStage,
    readonly runtimeMessage: string,
  ) {
    super('ERUNTIME', runtimeMessage);
    this.name = 'MonitorRuntimeError';
  }
}

/** The monitor did not report in time (a hung runtime). */
export class MonitorTimeoutError extends TpodError {
  constructor(message: string) {
    super('ERUNTIME', message);
    this.name = 'MonitorTimeoutError';
  }
}

/** Go's strconv.Quote, undone: enough for logrus' msg="..." values. */
function unquoteGo(s: string): string {
  return s.replace(/\\(["\\nt])/g, (_, c: string) => (c === 'n' ? '\n' : c === 't' ? '\t' : c));
}

/**
 * The runtime's stderr as one readable message. runc logs through logrus
 * (`time="..." level=error msg="..."`): keep the error-level messages; crun and the
 * rest speak plain text, kept as it is.
 */
export function runtimeErrorText(raw: string): string {
  const errors: string[] = [];
  let structured = false;
  for (const line of raw.split('\n')) {
    const m = /^time="[^"]*" level=(\w+) msg="((?:[^"\\]|\\.)*)"/.exec(line);
    if (!m) continue;
    structured = true;
    if (m[1] === 'error' || m[1] === 'fatal') errors.push(unquoteGo(m[2]!));
  }
  if (structured && errors.length > 0) return errors.join('\n');
  return raw.trim();
}

/** Reads sync messages as they come; one reader per monitor. */
class SyncReader {
  private readonly queue: SyncMessage[] = [];
  private failure: Error | undefined;
  private ended = false;
  private wake: (() => void) | undefined;
  private readonly lines = new LineSplitter();

  constructor(stream: Readable) {
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      try {
        for (const line of this.lines.push(chunk)) this.queue.push(parseSyncLine(line));
      } catch (err) {
        this.failure ??= err as Error;
      }
      this.poke();
    });
    const end = (): void => {
      this.ended = true;
      this.poke();
    };
    stream.on('end', end);
    stream.on('close', end);
    stream.on('error', end);
  }

  private poke(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  /** The next message; undefined once the monitor closed the descriptor. */
  async next(timeoutMs: number, waitingFor: string): Promise<SyncMessage | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const msg = this.queue.shift();
      if (msg) return msg;
      if (this.failure) throw this.failure;
      if (this.ended) return undefined;
      const left = deadline - Date.now();
      if (left <= 0) throw new MonitorTimeoutError(`timed out after ${Math.round(timeoutMs / 1000)}s waiting for ${waitingFor}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
    }
  }
}

/** A running monitor whose container has been created. */
export class MonitorHandle {
  private released = false;

  constructor(
    readonly monitorPid: number,
    readonly containerPid: number,
    private readonly reader: SyncReader,
    private readonly syncStream: Readable,
    private readonly startStream: Writable,
    private readonly timeoutMs: number,
  ) {}

  /** Tells the monitor to start the container; resolves once the runtime started it. */
  async start(): Promise<void> {
    this.startStream.end(START_BYTE);
    const msg = await this.expect('the container to start');
    if (msg.type === 'started') return;
    throw unexpected(msg, 'started');
  }

  /** Makes the monitor delete the created container and exit, without exit file or exit command. */
  async abort(): Promise<void> {
    this.startStream.end();
    try {
      // It answers with error(start, "aborted") and closes; either way it is going.
      await this.reader.next(this.timeoutMs, 'the monitor to abort');
    } catch {
      /* the monitor is on its way out regardless */
    }
    this.release();
  }

  /**
   * Waits for the container to exit (foreground `run`). Undefined when the monitor went
   * away without saying (killed): the caller then reads the exit file or reports unknown.
   */
  async waitExit(): Promise<ExitReport | undefined> {
    const msg = await this.reader.next(2 ** 31 - 1, 'the container to exit');
    this.release();
    if (msg === undefined) return undefined;
    if (msg.type === 'exited') return { exitCode: msg.exitCode, oomKilled: msg.oomKilled };
    throw unexpected(msg, 'exited');
  }

  /** Lets go of the monitor: it keeps the container; this process may exit. */
  release(): void {
    if (this.released) return;
    this.released = true;
    this.syncStream.destroy();
    this.startStream.destroy();
  }

  private async expect(what: string): Promise<SyncMessage> {
    const msg = await this.reader.next(this.timeoutMs, what);
    if (msg === undefined) throw new TpodError('EHELPER', `tpod-monitor exited before reporting ${what}`);
    return msg;
  }
}

function unexpected(msg: SyncMessage, wanted: string): TpodError {
  if (msg.type === 'error') return new MonitorRuntimeError(msg.stage, runtimeErrorText(msg.message));
  return new TpodError('EINTERNAL', `tpod-monitor sent "${msg.type}" where "${wanted}" was due`);
}

/**
 * Spawns the monitor for a container and waits until the runtime created it (or failed).
 * Then call start() (after setting up the network and attaching), or abort().
 */
export async function spawnMonitor(opts: MonitorOptions, so: SpawnMonitorOptions = {}): Promise<MonitorHandle> {
  const timeoutMs = so.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const path = so.monitorPath ?? helperPath('tpod-monitor');
  const env = { ...(so.env ?? process.env) };
  // The exit command runs inside the pause process's namespaces when the monitor joined
  // them: tell tpod there not to join again (see src/rootless/join.ts).
  if (opts.joinPid !== undefined) env[IN_USERNS_ENV] = '1';
  const [wrapCmd, ...wrapArgs] = so.wrapper ?? [];
  const argv = wrapCmd === undefined ? monitorArgv(opts) : [...wrapArgs, path, ...monitorArgv(opts)];
  const child = spawn(wrapCmd ?? path, argv, { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'], env });
  const syncStream = child.stdio[SYNC_FD] as Readable;
  const startStream = child.stdio[START_FD] as Writable;
  // The monitor may close the start pipe first (an error report); a write then fails quietly.
  startStream.on('error', () => {});
  const reader = new SyncReader(syncStream);

  let stderr = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (d: string) => {
    if (stderr.length < 8192) stderr += d;
  });
  const exited = new Promise<number>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve(code ?? 128 + (signal ? 1 : 0)));
  });

  const giveUp = (): void => {
    syncStream.destroy();
    startStream.destroy();
  };

  // 1. The first process sets up (log, sockets, namespaces) and exits: 0 once detached.
  let code: number;
  try {
    code = await exited;
  } catch (err) {
    giveUp();
    throw new TpodError('EHELPER', `cannot run ${basename(path)}: ${(err as Error).message}`, { cause: err });
  }
  if (code !== 0) {
    giveUp();
    const text = stderr.trim().replace(/^tpod-(monitor|helper): /gm, '');
    throw new TpodError('EHELPER', `tpod-monitor failed: ${text || `exit code ${code}`}`);
  }
  child.stderr!.destroy();

  // 2. The detached monitor introduces itself, then reports the runtime's create.
  let monitorPid: number | undefined;
  try {
    const hello = await reader.next(timeoutMs, 'tpod-monitor to start');
    if (hello === undefined) throw new TpodError('EHELPER', 'tpod-monitor exited before reporting');
    if (hello.type !== 'monitor') throw unexpected(hello, 'monitor');
    monitorPid = hello.pid;
    const created = await reader.next(timeoutMs, `the OCI runtime to create container ${opts.containerId}`);
    if (created === undefined) throw new TpodError('EHELPER', 'tpod-monitor exited before reporting whether the container was created');
    if (created.type !== 'created') throw unexpected(created, 'created');
    return new MonitorHandle(monitorPid, created.pid, reader, syncStream, startStream, timeoutMs);
  } catch (err) {
    // A hung runtime: SIGTERM makes the monitor kill it and give up.
    if (monitorPid !== undefined && err instanceof MonitorTimeoutError) {
      try {
        process.kill(monitorPid, 'SIGTERM');
      } catch {
        /* already gone */
      }
    }
    giveUp();
    throw err;
  }
}
