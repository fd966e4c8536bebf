// One request as an endpoint sees it: its parameters, its body checked against a schema,
// and one way to answer whether the client asked for a plain response or to take the
// connection over (attach and exec upgrade it to a raw stream, as Docker does).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Duplex, type Writable } from 'node:stream';
import type { ZodType } from 'zod';
import type { Context } from '../engine/context.js';
import { ApiError } from './errors.js';

const MAX_JSON_BODY = 16 * 1024 * 1024;

/** A request that upgraded: Node hands over the socket and no response object. */
export interface Upgraded {
  socket: Duplex;
  head: Buffer;
}

export class ApiCall {
  /** Set once a status line went out: errors after it can only end the stream. */
  answered = false;
  readonly #done: () => void;

  constructor(
    readonly ctx: Context,
    readonly req: IncomingMessage,
    readonly params: Record<string, string | undefined>,
    readonly query: URLSearchParams,
    /** The API version the client asked for (from /v1.NN/), or the server's own. */
    readonly version: string,
    readonly res: ServerResponse | undefined,
    readonly upgraded: Upgraded | undefined,
    /** Aborted when the client goes away. */
    readonly signal: AbortSignal,
    done: () => void,
  ) {
    this.#done = done;
  }

  param(name: string): string {
    const v = this.params[name];
    if (v === undefined || v === '') throw new ApiError(400, `missing ${name}`);
    return decodeURIComponent(v);
  }

  /** A query flag as Docker clients send them: 1/true/yes, 0/false/no, or absent. */
  flag(name: string, dflt = false): boolean {
    const v = this.query.get(name);
    if (v === null || v === '') return dflt;
    if (/^(1|true|yes)$/i.test(v)) return true;
    if (/^(0|false|no)$/i.test(v)) return false;
    throw new ApiError(400, `query parameter ${name}: "${v}" is not a boolean`);
  }

  int(name: string): number | undefined {
    const v = this.query.get(name);
    if (v === null || v === '') return undefined;
    if (!/^-?\d+$/.test(v)) throw new ApiError(400, `query parameter ${name}: "${v}" is not an integer`);
    return Number(v);
  }

  /** Docker's `filters` query: JSON of {key: [values]} or {key: {value: true}}. */
  filters(): Record<string, string[]> {
    const raw = this.query.get('filters');
    if (raw === null || raw === '') return {};
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      throw new ApiError(400, 'filters: not valid JSON');
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new ApiError(400, 'filters: want an object of lists');
    const out: Record<string, string[]> = {};
    for (const [k, v] of Object.entries(parsed as Record<string, unknown>)) {
      if (Array.isArray(v)) out[k] = v.map(String);
      else if (v !== null && typeof v === 'object') out[k] = Object.keys(v as object).filter((x) => (v as Record<string, unknown>)[x] === true);
      else throw new ApiError(400, `filters: ${k} wants a list`);
    }
    return out;
  }

  /** The whole body (bounded: a JSON body larger than this is a client's mistake). */
  async body(limit = MAX_JSON_BODY): Promise<Buffer> {
    if (this.upgraded) return this.#upgradedBody(limit);
    const parts: Buffer[] = [];
    let size = 0;
    for await (const chunk of this.req) {
      size += (chunk as Buffer).length;
      if (size > limit) throw new ApiError(413, 'request body too large');
      parts.push(chunk as Buffer);
    }
    return Buffer.concat(parts);
  }

  /**
   * An upgrading request's body (exec start sends one) is not parsed by Node: it is the
   * first Content-Length bytes on the socket; what follows is the client's stream.
   */
  async #upgradedBody(limit: number): Promise<Buffer> {
    const up = this.upgraded!;
    const want = Number(this.req.headers['content-length'] ?? 0);
    if (!Number.isInteger(want) || want < 0 || want > limit) throw new ApiError(400, 'bad Content-Length');
    let got = up.head;
    while (got.length < want) {
      const chunk = await new Promise<Buffer | null>((resolve) => {
        const onData = (c: Buffer): void => {
          up.socket.pause();
          cleanup();
          resolve(c);
        };
        const onEnd = (): void => {
          cleanup();
          resolve(null);
        };
        const cleanup = (): void => {
          up.socket.off('data', onData);
          up.socket.off('end', onEnd);
          up.socket.off('close', onEnd);
        };
        up.socket.on('data', onData);
        up.socket.once('end', onEnd);
        up.socket.once('close', onEnd);
        up.socket.resume();
      });
      if (chunk === null) throw new ApiError(400, 'body ended early');
      got = Buffer.concat([got, chunk]);
    }
    up.head = got.subarray(want);
    return got.subarray(0, want);
  }

  /** The JSON body, checked against SCHEMA: a bad one is a 400 naming the field. */
  async json<T>(schema: ZodType<T>, options: { optional?: boolean } = {}): Promise<T> {
    const raw = (await this.body()).toString('utf8').trim();
    let value: unknown;
    if (raw === '') {
      if (!options.optional) throw new ApiError(400, 'a JSON body is required');
      value = {};
    } else {
      try {
        value = JSON.parse(raw);
      } catch (err) {
        throw new ApiError(400, `body is not valid JSON: ${(err as Error).message}`);
      }
    }
    const r = schema.safeParse(value);
    if (!r.success) {
      const first = r.error.issues[0];
      const field = first && first.path.length > 0 ? first.path.join('.') : 'body';
      throw new ApiError(400, `${field}: ${first?.message ?? 'invalid'}`);
    }
    return r.data;
  }

  /** A JSON answer. */
  send(status: number, body?: unknown, headers: Record<string, string> = {}): void {
    const text = body === undefined ? '' : JSON.stringify(body);
    const h: Record<string, string> = { ...headers };
    if (body !== undefined) h['Content-Type'] = 'application/json';
    h['Content-Length'] = String(Buffer.byteLength(text));
    this.#head(status, h);
    if (this.res) this.res.end(text);
    else if (this.upgraded) this.upgraded.socket.end(text);
    this.#done();
  }

  /** A streamed answer (pull progress, logs, events): write to it, end it when done. */
  stream(status: number, contentType: string): Writable {
    if (!this.res) return this.hijack(contentType);
    this.#head(status, { 'Content-Type': contentType });
    this.res.flushHeaders();
    this.res.once('close', () => this.#done());
    return this.res;
  }

  /**
   * Takes the connection over for a raw two-way stream (attach, exec start). A client that
   * asked to upgrade gets 101; one that did not gets 200 and the stream as the body.
   */
  hijack(contentType = 'application/vnd.docker.raw-stream'): Duplex {
    if (this.upgraded) {
      const { socket, head } = this.upgraded;
      this.answered = true;
      socket.write(`HTTP/1.1 101 UPGRADED\r\nContent-Type: ${contentType}\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n`);
      if (head.length > 0) socket.unshift(head);
      socket.once('close', () => this.#done());
      return socket;
    }
    const res = this.res!;
    this.#head(200, { 'Content-Type': contentType });
    res.flushHeaders();
    res.once('close', () => this.#done());
    return Duplex.from({ readable: this.req, writable: res });
  }

  #head(status: number, headers: Record<string, string>): void {
    this.answered = true;
    if (this.res) {
      this.res.writeHead(status, headers);
      return;
    }
    const lines = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('');
    this.upgraded!.socket.write(`HTTP/1.1 ${status} ${statusText(status)}\r\n${lines}Connection: close\r\n\r\n`);
  }
}

function statusText(status: number): string {
  return ({ 200: 'OK', 201: 'Created', 204: 'No Content', 304: 'Not Modified', 400: 'Bad Request', 404: 'Not Found', 409: 'Conflict', 500: 'Internal Server Error' } as Record<number, string>)[status] ?? 'Status';
}

export type Handler = (call: ApiCall) => Promise<void>;

export interface Route {
  method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE';
  /** find-my-way syntax, without the /v1.NN prefix: /containers/:id/json. */
  path: string;
  handler: Handler;
}
