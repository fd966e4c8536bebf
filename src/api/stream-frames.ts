// Docker's stream format for logs, attach and exec: without a terminal, stdout and
// stderr share one connection as frames (8-byte header: stream type, three zero bytes,
// big-endian uint32 length, then the payload); with a terminal everything is stdout and
// goes raw. StreamOut writes either way and tells a slow or vanished reader apart.
import type { Writable } from 'node:stream';

export const STDIN = 0;
export const STDOUT = 1;
export const STDERR = 2;
export type StreamType = typeof STDIN | typeof STDOUT | typeof STDERR;

export const MULTIPLEXED = 'application/vnd.docker.multiplexed-stream';
export const RAW = 'application/vnd.docker.raw-stream';

/** The 8-byte header of one frame. */
export function frameHeader(type: StreamType, length: number): Buffer {
  const h = Buffer.alloc(8);
  h[0] = type;
  h.writeUInt32BE(length, 4);
  return h;
}

/** One frame: header and payload. */
export function encodeFrame(type: StreamType, payload: Buffer | string): Buffer {
  const data = typeof payload === 'string' ? Buffer.from(payload) : payload;
  return Buffer.concat([frameHeader(type, data.length), data]);
}

/** Splits a multiplexed byte stream back into frames (what docker-modem's demuxStream does). */
export class FrameReader {
  #buf: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Array<{ type: number; payload: Buffer }> {
    this.#buf = this.#buf.length === 0 ? chunk : Buffer.concat([this.#buf, chunk]);
    const out: Array<{ type: number; payload: Buffer }> = [];
    while (this.#buf.length >= 8) {
      const len = this.#buf.readUInt32BE(4);
      if (this.#buf.length < 8 + len) break;
      out.push({ type: this.#buf[0]!, payload: this.#buf.subarray(8, 8 + len) });
      this.#buf = this.#buf.subarray(8 + len);
    }
    return out;
  }

  /** Bytes of an unfinished frame. */
  get pending(): number {
    return this.#buf.length;
  }
}

/** The content type Docker answers a stream with: multiplexed only from API 1.42 on. */
export function streamContentType(tty: boolean, apiVersion: string): string {
  if (tty) return RAW;
  const [maj = 1, min = 0] = apiVersion.split('.').map(Number);
  return maj > 1 || (maj === 1 && min >= 42) ? MULTIPLEXED : RAW;
}

/** The output side of a log, attach or exec stream. */
export class StreamOut {
  #closed = false;

  constructor(
    readonly out: Writable,
    /** Frames (no terminal) or raw bytes (terminal). */
    readonly multiplexed: boolean,
  ) {
    const gone = (): void => {
      this.#closed = true;
    };
    out.once('close', gone);
    out.once('error', gone);
  }

  /** The reader went away: nothing written goes anywhere. */
  get closed(): boolean {
    return this.#closed || this.out.destroyed || this.out.writableEnded;
  }

  /** False when the data had to be buffered: wait for drained() before more. */
  write(type: typeof STDOUT | typeof STDERR, data: Buffer | string): boolean {
    if (this.closed) return true;
    const len = typeof data === 'string' ? Buffer.byteLength(data) : data.length;
    if (len === 0) return true;
    return this.out.write(this.multiplexed ? encodeFrame(type, data) : data);
  }

  /** Resolves once buffered output went out, or the reader is gone. */
  drained(): Promise<void> {
    if (this.closed || !this.out.writableNeedDrain) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        this.out.off('drain', done);
        this.out.off('close', done);
        resolve();
      };
      this.out.on('drain', done);
      this.out.on('close', done);
    });
  }

  /** A sink for one stream type, in the shape the monitor's attach client takes. */
  sink(type: typeof STDOUT | typeof STDERR): { write(data: Buffer): boolean; once(event: 'drain', l: () => void): unknown } {
    return {
      write: (data) => this.write(type, data),
      once: (_event, l) => void this.drained().then(l),
    };
  }

  end(): void {
    if (!this.closed) this.out.end();
  }
}
