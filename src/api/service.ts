// `tpod system service`: the API server on its socket, until it has been idle for the
// time given. The CLI and this share one engine and one store, under the same locks.
import type { Context } from '../engine/context.js';
import { ApiServer } from './server.js';
import { activationFd, listenOn, parseListenUri, type Listen } from './listen.js';
import { routes } from './routes/index.js';
import { serviceSocketPath } from '../storage/paths.js';

export interface ServiceRequest {
  /** unix:///path or tcp://host:port; default: the socket systemd passed, else the default socket. */
  uri?: string;
  idleSeconds: number;
}

export interface RunningService {
  server: ApiServer;
  where: Listen;
  /** Resolves once the server closed (idle time ran out, or close()). */
  closed: Promise<void>;
}

export function serviceAddress(ctx: Context, uri: string | undefined): Listen {
  if (uri !== undefined && uri !== '') return parseListenUri(uri);
  const fd = activationFd(ctx.host.env);
  if (fd !== undefined) return { kind: 'fd', fd };
  return { kind: 'unix', path: serviceSocketPath(ctx.host) };
}

export async function startService(ctx: Context, r: ServiceRequest): Promise<RunningService> {
  const where = serviceAddress(ctx, r.uri);
  const server = new ApiServer(ctx, routes, {
    idleSeconds: r.idleSeconds,
    onError: (err, what) => ctx.log.error(`${what}: ${(err as Error)?.stack ?? String(err)}`),
  });
  const closed = new Promise<void>((resolve) => server.server.once('close', () => resolve()));
  await listenOn(server.server, where);
  ctx.log.info(`API service listening on ${where.kind === 'unix' ? `unix://${where.path}` : where.kind === 'tcp' ? `tcp://${where.host}:${where.port}` : `fd ${where.fd}`}`);
  return { server, where, closed };
}
