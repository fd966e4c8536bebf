// Joining a container's stdio through its monitor's attach socket: output to our
// stdout/stderr, our stdin to the container (-i), terminal size and raw mode (-t), and
// the detach keys (ctrl-p,ctrl-q by default), which are ours, not the monitor's: on
// them tpod leaves and the container keeps running.
import { TpodError, UsageError } from '../errors.js';
import { AttachConnection } from '../monitor/attach-client.js';

export const DEFAULT_DETACH_KEYS = 'ctrl-p,ctrl-q';

/** "ctrl-p,ctrl-q" -> [0x10, 0x11]; "a,ctrl-@,ctrl-[" as Docker/Podman read them. Empty: none. */
export function parseDetachKeys(spec: string): number[] {
  if (spec === '') return [];
  const out: number[] = [];
  for (const part of spec.split(',')) {
    const key = part.trim();
    if (key.length === 1) {
      out.push(key.charCodeAt(0));
      continue;
    }
    const m = /^ctrl-(.)$/i.exec(key);
    if (m) {
      const c = m[1]!;
      const lower = c.toLowerCase();
      if (lower >= 'a' && lower <= 'z') out.push(lower.charCodeAt(0) - 96);
      else if (c === '@') out.push(0);
      else if (c === '[') out.push(27);
      else if (c === '\\') out.push(28);
      else if (c === ']') out.push(29);
      else if (c === '^') out.push(30);
      else if (c === '_') out.push(31);
      else throw new UsageError(`invalid detach keys "${spec}": unknown key "${key}"`);
      continue;
    }
    throw new UsageError(`invalid detach keys "${spec}": unknown key "${key}"`);
  }
  return out;
}

/**
 * Watches stdin for the detach sequence. Bytes that start the sequence are held back
 * until it is clear whether it completes; if it does not, they are passed on.
 */
export class DetachMatcher {
  private held: number[] = [];
  constructor(private readonly keys: number[]) {}

  /** Returns what to forward, and whether the sequence completed (then nothing after it is forwarded). */
  push(chunk: Buffer): { forward: Buffer; detach: boolean } {
    if (this.keys.length === 0) return { forward: chunk, detach: false };
    const out: number[] = [];
    for (const b of chunk) {
      if (b === this.keys[this.held.length]) {
        this.held.push(b);
        if (this.held.length === this.keys.length) return { forward: Buffer.from(out), detach: true };
        continue;
      }
      out.push(...this.held);
      this.held = [];
      if (b === this.keys[0]) this.held.push(b);
      else out.push(b);
    }
    return { forward: Buffer.from(out), detach: false };
  }
}

export interface AttachSessionOptions {
  /** Forward our stdin to the container. */
  stdin: boolean;
  /** The container has a terminal: our terminal goes raw and its size follows ours. */
  tty: boolean;
  detachKeys?: string;
  /** Called for SIGINT/SIGTERM/... when stdin is not a raw terminal (Podman's --sig-proxy). */
  onSignal?: (sig: NodeJS.Signals) => void;
}

export interface AttachOutcome {
  /** The container's exit code, when it exited while we were attached. */
  exitCode?: number;
  detached: boolean;
}

/** Connects to the attach socket with our stdout/stderr as the sinks. */
export async function connectAttach(socketPath: string): Promise<AttachConnection> {
  // The streams themselves, so a reader that is behind holds the container back.
  return AttachConnection.connect(socketPath, { stdout: process.stdout, stderr: process.stderr });
}

/** Relays until the container exits, the monitor goes away, or the user detaches. */
export async function relayAttach(conn: AttachConnection, o: AttachSessionOptions): Promise<AttachOutcome> {
  const keys = parseDetachKeys(o.detachKeys ?? DEFAULT_DETACH_KEYS);
  const matcher = new DetachMatcher(keys);
  const stdin = process.stdin;
  const raw = o.tty && o.stdin && stdin.isTTY === true;
  let detached = false;
  const cleanups: Array<() => void> = [];

  if (o.tty && process.stdout.isTTY) {
    const size = (): void => conn.resize(process.stdout.rows ?? 24, process.stdout.columns ?? 80);
    size();
    process.stdout.on('resize', size);
    cleanups.push(() => process.stdout.removeListener('resize', size));
  }
  if (o.stdin) {
    if (raw) {
      stdin.setRawMode(true);
      cleanups.push(() => stdin.setRawMode(false));
    }
    const onData = (chunk: Buffer): void => {
      const r = matcher.push(chunk);
      if (r.forward.length > 0) conn.writeStdin(r.forward);
      if (r.detach) {
        detached = true;
        conn.detach();
      }
    };
    const onEnd = (): void => {
      if (!o.tty) conn.closeStdin();
    };
    stdin.on('data', onData);
    stdin.on('end', onEnd);
    stdin.on('error', onEnd);
    cleanups.push(() => {
      stdin.removeListener('data', onData);
      stdin.removeListener('end', onEnd);
      stdin.pause();
      // Let the process exit although stdin was read from.
      (stdin as unknown as { unref?: () => void }).unref?.();
      stdin.destroy();
    });
  }
  if (!raw && o.onSignal) {
    const sigs: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'];
    const handler = (s: NodeJS.Signals): void => o.onSignal?.(s);
    for (const s of sigs) process.on(s, handler);
    cleanups.push(() => {
      for (const s of sigs) process.removeListener(s, handler);
    });
  }
  try {
    const code = await conn.done;
    const out: AttachOutcome = { detached };
    if (code !== undefined && !detached) out.exitCode = code;
    return out;
  } finally {
    for (const c of cleanups.reverse()) c();
  }
}

/** The error for attaching to a container that does not run. */
export function notRunningError(what: string): TpodError {
  return new TpodError('ERUNTIME', `you can only attach to running containers: ${what} is not running`);
}
