// The output of a foreground `run` without the monitor (run.ts's one-spawn path): the
// container's stdout and stderr reach the terminal (the streams --attach names, all by
// default) and its k8s-file log, as conmon would write it, so `logs` shows a foreground
// run too. A pty (-t) and the passthrough driver hand the streams over as they are;
// --preserve-fds passes descriptors 3 .. 3+N-1 on.
import { closeSync, openSync, writeSync } from 'node:fs';
import type { ChildProcess, StdioOptions } from 'node:child_process';
import type { RunOptions } from '../runtime/options.js';
import { goTimeJson, nowNs } from '../storage/events.js';

/** Appends k8s-file entries: "TIME STREAM F line" for whole lines, P for a piece whose end follows. */
export class K8sFileWriter {
  private fd: number | undefined;
  constructor(path: string) {
    this.fd = openSync(path, 'a', 0o600);
  }
  write(stream: 'stdout' | 'stderr', chunk: Buffer): void {
    if (this.fd === undefined) return;
    const time = goTimeJson(nowNs());
    const parts: Buffer[] = [];
    let start = 0;
    for (let nl = chunk.indexOf(0x0a); nl >= 0; nl = chunk.indexOf(0x0a, start)) {
      parts.push(Buffer.from(`${time} ${stream} F `), chunk.subarray(start, nl + 1));
      start = nl + 1;
    }
    if (start < chunk.length) parts.push(Buffer.from(`${time} ${stream} P `), chunk.subarray(start), Buffer.from('\n'));
    writeSync(this.fd, Buffer.concat(parts));
  }
  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

export interface AttachedOutput {
  stdio: StdioOptions;
  /** Connects the spawned helper's piped streams. */
  wire(child: ChildProcess): void;
  /** Waits until both streams have ended and closes the log. */
  finish(): Promise<void>;
}

/** Where a library caller's attached run sends the container's output instead of tpod's own stdio. */
export interface OutputSink {
  stdout(chunk: Buffer): void;
  stderr(chunk: Buffer): void;
}

/** LOG_PATH undefined: no log (none, passthrough, or a pty). SINK: the output goes there, stdin is closed. */
export function attachedOutput(opts: RunOptions, logPath: string | undefined, sink?: OutputSink): AttachedOutput {
  const shows = (s: 'stdout' | 'stderr'): boolean => opts.attach === undefined || opts.attach.includes(s);
  const stdin = sink === undefined && (opts.interactive || opts.tty || opts.attach?.includes('stdin') === true) ? 'inherit' : 'ignore';
  const extra = Array.from({ length: opts.preserveFds ?? 0 }, (_x, i) => 3 + i);
  const passthrough = sink === undefined && (opts.tty || opts.log?.driver === 'passthrough' || logPath === undefined);
  if (passthrough) {
    return {
      stdio: [stdin, shows('stdout') ? 'inherit' : 'ignore', shows('stderr') ? 'inherit' : 'ignore', ...extra],
      wire: () => undefined,
      finish: async () => undefined,
    };
  }
  const log = logPath === undefined || opts.log?.driver === 'passthrough' ? undefined : new K8sFileWriter(logPath);
  const ended: Array<Promise<void>> = [];
  const write = (stream: 'stdout' | 'stderr', chunk: Buffer): void => {
    if (sink) sink[stream](chunk);
    else process[stream].write(chunk);
  };
  return {
    stdio: [stdin, 'pipe', 'pipe', ...extra],
    wire(child) {
      for (const stream of ['stdout', 'stderr'] as const) {
        const src = child[stream];
        if (!src) continue;
        ended.push(new Promise((resolve) => src.on('end', resolve).on('error', () => resolve())));
        src.on('data', (chunk: Buffer) => {
          log?.write(stream, chunk);
          if (shows(stream)) write(stream, chunk);
        });
      }
    },
    async finish() {
      await Promise.all(ended);
      log?.close();
    },
  };
}
