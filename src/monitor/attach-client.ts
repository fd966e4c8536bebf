// A client of the monitor's attach socket: the container's output as it happens, stdin
// to it, terminal resizes. Detach keys (ctrl-p ctrl-q) are the caller's: it stops
// forwarding and calls detach(); the container keeps running.
import { closeSync, openSync } from 'node:fs';
import { createConnection, type Socket } from 'node:net';
import { basename, dirname } from 'node:path';
import { TpodError } from '../errors.js';
import { AttachFrame, FrameDecoder, encodeFrame, encodeResize } from './protocol.js';

/** sun_path holds 108 bytes with its NUL. */
const SUN_PATH_MAX = 107;

/**
 * Where output goes. A write that returns false (the reader is behind) pauses the
 * socket until 'drain': the monitor then stops reading the container, which waits, so
 * nothing piles up in memory on either side.
 */
export interface AttachSink {
  write(data: Buffer): boolean;
  once(event: 'drain', listener: () => void): unknown;
}

export interface AttachHandlers {
  stdout?: AttachSink | ((data: Buffer) => void);
  stderr?: AttachSink | ((data: Buffer) => void);
}

export class AttachConnection {
  /** The container's exit code once it exited; undefined when the connection ended otherwise (detach, killed monitor). */
  readonly done: Promise<number | undefined>;
  private exitCode: number | undefined;

  private constructor(
    private readonly socket: Socket,
    handlers: AttachHandlers,
  ) {
    const decoder = new FrameDecoder();
    let waiting = 0;
    const deliver = (to: AttachHandlers['stdout'], data: Buffer): void => {
      if (to === undefined) return;
      if (typeof to === 'function') return void to(data);
      if (to.write(data)) return;
      waiting++;
      socket.pause();
      to.once('drain', () => {
        if (--waiting === 0) socket.resume();
      });
    };
    socket.on('data', (chunk: Buffer) => {
      for (const f of decoder.push(chunk)) {
        if (f.type === AttachFrame.STDOUT) deliver(handlers.stdout, f.payload);
        else if (f.type === AttachFrame.STDERR) deliver(handlers.stderr, f.payload);
        else if (f.type === AttachFrame.EXIT) this.exitCode = Number(f.payload.toString());
      }
    });
    this.done = new Promise((resolve) => {
      socket.on('close', () => resolve(this.exitCode));
      socket.on('error', () => {});
    });
  }

  static async connect(path: string, handlers: AttachHandlers = {}): Promise<AttachConnection> {
    // Long paths go through the directory's descriptor, as the monitor binds them.
    let dirfd: number | undefined;
    let target = path;
    if (Buffer.byteLength(path) > SUN_PATH_MAX) {
      dirfd = openSync(dirname(path), 'r');
      target = `/proc/self/fd/${dirfd}/${basename(path)}`;
    }
    try {
      const socket = await new Promise<Socket>((resolve, reject) => {
        const s = createConnection({ path: target });
        s.once('connect', () => resolve(s));
        s.once('error', reject);
      });
      return new AttachConnection(socket, handlers);
    } catch (err) {
      throw new TpodError('ERUNTIME', `cannot attach to the container (${path}): ${(err as Error).message}`, { cause: err });
    } finally {
      if (dirfd !== undefined) closeSync(dirfd);
    }
  }

  writeStdin(data: Buffer | string): void {
    this.socket.write(encodeFrame(AttachFrame.STDIN, data));
  }

  /** The container's stdin reaches EOF (pipes only; a terminal has no separate EOF). */
  closeStdin(): void {
    this.socket.write(encodeFrame(AttachFrame.STDIN_EOF));
  }

  resize(rows: number, cols: number): void {
    this.socket.write(encodeResize(rows, cols));
  }

  /** Leaves without touching the container. */
  detach(): void {
    this.socket.end();
  }
}
