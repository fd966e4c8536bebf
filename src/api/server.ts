// The Docker-compatible API server: one Node http server over the engine, routed with
// find-my-way. It counts what is in flight (requests and open streams) and closes itself
// once nothing was for the idle time, as `podman system service --time` does: the
// containers keep running under their own monitors.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import FindMyWay from 'find-my-way';
import type { Context } from '../engine/context.js';
import { ApiCall, type Route, type Upgraded } from './http.js';
import { errorAnswer } from './errors.js';
import { API_VERSION } from './version.js';

/** /v1.41/containers/json -> { version: '1.41', path: '/containers/json' }. */
export function splitVersion(url: string): { version: string | undefined; path: string } {
  const m = /^\/v(\d+\.\d+)(\/.*)?$/.exec(url);
  if (!m) return { version: undefined, path: url };
  return { version: m[1], path: m[2] ?? '/' };
}

export interface ServiceOptions {
  /** Seconds without a request or stream before the server closes; 0: never. */
  idleSeconds: number;
  /**
   * What to do when the idle time ran out; by default the server closes. A handler takes
   * its place (the service hands its socket to tpod-apid instead).
   */
  onIdle?: () => void;
  /** --cors: the Access-Control-Allow-Origin every answer carries. */
  cors?: string;
  /** Told of a request that failed on the server's side (500), for the service's log. */
  onError?: (err: unknown, where: string) => void;
}

type Found = { handler: (call: ApiCall) => Promise<void>; params: Record<string, string | undefined> };

export class ApiServer {
  readonly server: Server;
  readonly #router = FindMyWay({ ignoreTrailingSlash: true, caseSensitive: true });
  #active = 0;
  #idleTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly ctx: Context,
    routes: readonly Route[],
    readonly options: ServiceOptions,
  ) {
    for (const r of routes) {
      this.#router.on(r.method, r.path, r.handler as never);
      // A HEAD is answered by its GET unless it has its own route (Docker's _ping does).
      if (r.method === 'GET' && !routes.some((o) => o.method === 'HEAD' && o.path === r.path)) this.#router.on('HEAD', r.path, r.handler as never);
    }
    this.server = createServer({ keepAliveTimeout: 5000 });
    this.server.on('request', (req: IncomingMessage, res: ServerResponse) => this.#dispatch(req, res, undefined));
    this.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.#dispatch(req, undefined, { socket, head }));
    this.#armIdle();
  }

  /** Requests and streams in flight. */
  get active(): number {
    return this.#active;
  }

  #find(method: string, path: string): Found | undefined {
    const f = this.#router.find(method as never, path);
    if (!f) return undefined;
    return { handler: f.handler as unknown as Found['handler'], params: f.params };
  }

  #dispatch(req: IncomingMessage, res: ServerResponse | undefined, upgraded: Upgraded | undefined): void {
    this.#begin();
    if (this.options.cors !== undefined && res) {
      res.setHeader('Access-Control-Allow-Origin', this.options.cors);
      res.setHeader('Access-Control-Allow-Headers', 'Authorization, Accept, Content-Type, X-Registry-Auth, X-Registry-Config');
    }
    let finished = false;
    const done = (): void => {
      if (finished) return;
      finished = true;
      this.#end();
    };
    const url = new URL(req.url ?? '/', 'http://d');
    const { version, path } = splitVersion(url.pathname);
    const abort = new AbortController();
    const sock = res ? res.socket : upgraded!.socket;
    // A client that hangs up mid-answer makes writes fail with EPIPE: that ends this
    // call (through 'close'), never the service.
    if (upgraded) upgraded.socket.on('error', (err) => this.ctx.log.debug(`client connection: ${err.message}`));
    sock?.once('close', () => {
      abort.abort();
      done();
    });
    const call = new ApiCall(this.ctx, req, {}, url.searchParams, version ?? API_VERSION, res, upgraded, abort.signal, done);
    const found = this.#find(req.method ?? 'GET', path);
    if (!found) {
      call.send(404, { message: `page not found` });
      return;
    }
    Object.assign(call.params, found.params);
    found.handler(call).then(
      () => {
        if (!call.answered) call.send(204);
      },
      (err: unknown) => {
        const { status, message } = errorAnswer(err);
        if (status >= 500) this.options.onError?.(err, `${req.method} ${path}`);
        if (!call.answered) call.send(status, { message });
        else {
          // The status line went out: the stream can only end.
          if (res) res.end();
          else upgraded!.socket.end();
          done();
        }
      },
    );
  }

  #begin(): void {
    this.#active++;
    if (this.#idleTimer) clearTimeout(this.#idleTimer);
    this.#idleTimer = undefined;
  }

  #end(): void {
    this.#active--;
    if (this.#active === 0) this.#armIdle();
  }

  #armIdle(): void {
    if (this.options.idleSeconds <= 0) return;
    this.#idleTimer = setTimeout(() => {
      if (this.#active > 0) return;
      if (this.options.onIdle) this.options.onIdle();
      else this.close();
    }, this.options.idleSeconds * 1000);
  }

  close(): void {
    if (this.#idleTimer) clearTimeout(this.#idleTimer);
    this.server.close();
    this.server.closeAllConnections();
  }
}
