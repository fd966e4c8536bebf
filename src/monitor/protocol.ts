// How tpod and tpod-monitor talk: the one place the Node side defines it. The C side is
// helpers/monitor/sync.h; test/unit/monitor/monitor-real.test.ts runs the real monitor
// against this file, so a change on one side that the other does not follow fails there.
//
// Sync protocol, version 1
//   --sync-fd N   monitor -> tpod: one JSON object per line, each {"version":1,"type":...}
//       monitor  {pid}                     detached; pid is the monitor's (kill it on timeout)
//       created  {pid}                     `runtime create` succeeded; the container's init pid
//       started  {}                        `runtime start` succeeded
//       exited   {exitCode, oomKilled}     the container exited (if tpod still listens)
//       error    {stage, message}          final; stage create | start | monitor, message is
//                                          the runtime's own stderr text where it said something
//   --start-fd N  tpod -> monitor: after "created", one byte. START_BYTE makes the monitor
//       run `runtime start` (conmon leaves that to podman; doing it in the monitor saves
//       tpod a process on the hot path). EOF or any other byte aborts: the monitor runs
//       `runtime delete --force` and exits without exit file or exit command. Attach
//       clients that connect before the start byte see the container's first output.
//
// Exit file: "<code>\n" then "oom\n" if the container was OOM-killed; 128+N for signal N.
//
// Attach socket (unix stream): frames of 1 type byte, 4-byte big-endian length, payload.
//   client -> monitor: STDIN data, STDIN_EOF, RESIZE (rows, cols as 2-byte big-endian)
//   monitor -> client: STDOUT, STDERR (a terminal is all stdout), EXIT (decimal code), EOF
import { TpodError } from '../errors.js';

export const MONITOR_PROTOCOL_VERSION = 1;
export const START_BYTE = 'S';

export type SyncStage = 'create' | 'start' | 'monitor';

export type SyncMessage =
  | { type: 'monitor'; pid: number }
  | { type: 'created'; pid: number }
  | { type: 'started' }
  | { type: 'exited'; exitCode: number; oomKilled: boolean }
  | { type: 'error'; stage: SyncStage; message: string };

function malformed(line: string, why: string): TpodError {
  const shown = line.length > 200 ? `${line.slice(0, 200)}...` : line;
  return new TpodError('EINTERNAL', `tpod-monitor sent a malformed sync message (${why}): ${shown}`);
}

function isPid(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v > 0;
}

/** Parses one line from the sync descriptor. Throws on anything the protocol does not allow. */
export function parseSyncLine(line: string): SyncMessage {
  let data: unknown;
  try {
    data = JSON.parse(line);
  } catch {
    throw malformed(line, 'not JSON');
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw malformed(line, 'not an object');
  const o = data as Record<string, unknown>;
  if (o.version !== MONITOR_PROTOCOL_VERSION) {
    throw new TpodError('EHELPER', `tpod-monitor speaks protocol version ${String(o.version)}, this tpod speaks ${MONITOR_PROTOCOL_VERSION}: reinstall tpod so both come from the same build`);
  }
  switch (o.type) {
    case 'monitor':
    case 'created':
      if (!isPid(o.pid)) throw malformed(line, 'no valid pid');
      return { type: o.type, pid: o.pid };
    case 'started':
      return { type: 'started' };
    case 'exited':
      if (typeof o.exitCode !== 'number' || !Number.isInteger(o.exitCode) || o.exitCode < 0 || o.exitCode > 255 || typeof o.oomKilled !== 'boolean') {
        throw malformed(line, 'bad exit report');
      }
      return { type: 'exited', exitCode: o.exitCode, oomKilled: o.oomKilled };
    case 'error':
      if ((o.stage !== 'create' && o.stage !== 'start' && o.stage !== 'monitor') || typeof o.message !== 'string') {
        throw malformed(line, 'bad error report');
      }
      return { type: 'error', stage: o.stage, message: o.message };
    default:
      throw malformed(line, 'unknown type');
  }
}

/** The line the monitor would send for MSG (tests use it to play the monitor's part). */
export function serializeSyncMessage(msg: SyncMessage): string {
  return `${JSON.stringify({ version: MONITOR_PROTOCOL_VERSION, ...msg })}\n`;
}

/** Splits a byte stream into lines; keeps a partial last line until its newline comes. */
export class LineSplitter {
  private rest = '';
  push(chunk: string): string[] {
    const parts = (this.rest + chunk).split('\n');
    this.rest = parts.pop() ?? '';
    return parts.filter((l) => l.length > 0);
  }
  /** Whatever came after the last newline (a monitor that died mid-line). */
  get pending(): string {
    return this.rest;
  }
}

// ---- exit file -------------------------------------------------------------------

export interface ExitReport {
  exitCode: number;
  oomKilled: boolean;
}

/** Reads the monitor's exit file; undefined when it is not a complete exit file. */
export function parseExitFile(text: string): ExitReport | undefined {
  const lines = text.split('\n');
  const code = lines[0] ?? '';
  if (!/^\d{1,3}$/.test(code) || Number(code) > 255 || !text.endsWith('\n')) return undefined;
  return { exitCode: Number(code), oomKilled: lines.slice(1).includes('oom') };
}

export function formatExitFile(r: ExitReport): string {
  return `${r.exitCode}\n${r.oomKilled ? 'oom\n' : ''}`;
}

// ---- attach socket frames --------------------------------------------------------

export const AttachFrame = {
  STDIN: 0,
  STDOUT: 1,
  STDERR: 2,
  EXIT: 3,
  STDIN_EOF: 4,
  RESIZE: 5,
} as const;
export type AttachFrameType = (typeof AttachFrame)[keyof typeof AttachFrame];

export const ATTACH_HEADER_SIZE = 5;
/** The monitor drops a client whose frame claims more than this. */
export const ATTACH_MAX_FRAME = 1 << 20;

export function encodeFrame(type: AttachFrameType, payload: Buffer | string = Buffer.alloc(0)): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const header = Buffer.alloc(ATTACH_HEADER_SIZE);
  header[0] = type;
  header.writeUInt32BE(body.length, 1);
  return Buffer.concat([header, body]);
}

export function encodeResize(rows: number, cols: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt16BE(Math.max(0, Math.min(0xffff, rows)), 0);
  b.writeUInt16BE(Math.max(0, Math.min(0xffff, cols)), 2);
  return encodeFrame(AttachFrame.RESIZE, b);
}

export interface DecodedFrame {
  type: number;
  payload: Buffer;
}

/** Reassembles frames from socket chunks. */
export class FrameDecoder {
  private buf: Buffer = Buffer.alloc(0);
  push(chunk: Buffer): DecodedFrame[] {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    const out: DecodedFrame[] = [];
    while (this.buf.length >= ATTACH_HEADER_SIZE) {
      const len = this.buf.readUInt32BE(1);
      if (this.buf.length < ATTACH_HEADER_SIZE + len) break;
      out.push({ type: this.buf[0]!, payload: this.buf.subarray(ATTACH_HEADER_SIZE, ATTACH_HEADER_SIZE + len) });
      this.buf = this.buf.subarray(ATTACH_HEADER_SIZE + len);
    }
    return out;
  }
}
