// `tpod system service`: the API server on its socket, until it has been idle for the
// time given. The CLI and this share one engine and one store, under the same locks.
//
// With --time 0 (never end) an idle server would keep Node's ~40 MiB resident for
// nothing: after WORKER_IDLE_S without a request it becomes tpod-apid in the same
// process (execve, keeping the listening socket), which holds the socket in well under
// a megabyte and starts a server again, socket-activated, when a client connects.
import type { Context } from '../engine/context.js';
import { ApiServer } from './server.js';
import { activationFd, forgetActivation, listenOn, parseListenUri, type Listen } from './listen.js';
import { routes } from './routes/index.js';
import { serviceSocketPath } from '../storage/paths.js';

/** Seconds a --time 0 server stays loaded without requests before it hands over. */
export const WORKER_IDLE_S = 5;

/** Set by tpod-apid in the servers it starts: they end when idle, and it waits again. */
export const WAITER_ENV = 'TPOD_API_WAITER';

export interface ServiceRequest {
  /** unix:///path or tcp://host:port; default: the socket systemd passed, else the default socket. */
  uri?: string;
  idleSeconds: number;
  /** --cors: Access-Control-Allow-Origin for every answer. */
  cors?: string;
}

export interface RunningService {
  server: ApiServer;
  where: Listen;
  /** Resolves once the server closed (idle time ran out, or close()). */
  closed: Promise<void>;
}

export function serviceAddress(ctx: Context, uri: string | undefined): Listen {
  // A server tpod-apid started takes the socket it was handed, whatever it was first told.
  const fd = activationFd(ctx.host.env);
  if (fd !== undefined && (ctx.host.env[WAITER_ENV] === '1' || uri === undefined || uri === '')) return { kind: 'fd', fd };
  if (uri !== undefined && uri !== '') return parseListenUri(uri);
  return { kind: 'unix', path: serviceSocketPath(ctx.host) };
}

/** The listening descriptor of SERVER (libuv's handle keeps it). */
function listeningFd(server: ApiServer): number | undefined {
  const fd = (server.server as unknown as { _handle?: { fd?: number } })._handle?.fd;
  return typeof fd === 'number' && fd >= 0 ? fd : undefined;
}

/**
 * Becomes tpod-apid, keeping the socket; returns only when that cannot be done (the
 * server then simply stays up).
 */
async function handOver(ctx: Context, server: ApiServer): Promise<void> {
  const fd = listeningFd(server);
  if (fd === undefined) return;
  const { helperPath } = await import('../util/helpers.js');
  const { selfCommand } = await import('../util/self.js');
  const { globalFlags } = await import('../rootless/join.js');
  const { native } = await import('../util/native.js');
  server.server.closeAllConnections();
  const apid = helperPath('tpod-apid');
  const argv = [apid, String(fd), ...selfCommand(), ...globalFlags(ctx), 'system', 'service', '--time', '0'];
  const env = Object.entries(process.env).flatMap(([k, v]) => (v === undefined || k === 'LISTEN_PID' || k === 'LISTEN_FDS' ? [] : [`${k}=${v}`]));
  const err = native().execve(apid, argv, env, fd);
  ctx.log.warn(`cannot hand the idle service to ${apid} (errno ${err}): it stays loaded`);
}

export async function startService(ctx: Context, r: ServiceRequest): Promise<RunningService> {
  const where = serviceAddress(ctx, r.uri);
  forgetActivation(ctx.host.env);
  if (r.cors !== undefined) ctx.log.debug(`CORS Headers were set to ${JSON.stringify(r.cors)}`);
  const worker = ctx.host.env[WAITER_ENV] === '1';
  const forever = r.idleSeconds === 0 && !worker;
  let server: ApiServer;
  server = new ApiServer(ctx, routes, {
    idleSeconds: r.idleSeconds === 0 ? WORKER_IDLE_S : r.idleSeconds,
    ...(forever ? { onIdle: () => void handOver(ctx, server) } : {}),
    ...(r.cors !== undefined ? { cors: r.cors } : {}),
    onError: (err, what) => ctx.log.error(`${what}: ${(err as Error)?.stack ?? String(err)}`),
  });
  const closed = new Promise<void>((resolve) => server.server.once('close', () => resolve()));
  await listenOn(server.server, where);
  ctx.log.info(`API service listening on ${where.kind === 'unix' ? `unix://${where.path}` : where.kind === 'tcp' ? `tcp://${where.host}:${where.port}` : `fd ${where.fd}`}`);
  return { server, where, closed };
}
