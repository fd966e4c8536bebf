// Where the service listens: the default unix socket under the runtime directory, a
// unix:// or tcp:// URI given on the command line, or a socket systemd passed in
// (socket activation: LISTEN_PID/LISTEN_FDS, the first passed descriptor is 3).
import { chmodSync, lstatSync, mkdirSync, unlinkSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Server } from 'node:net';
import { UsageError } from '../errors.js';

export type Listen = { kind: 'unix'; path: string } | { kind: 'tcp'; host: string; port: number } | { kind: 'fd'; fd: number };

/** The socket systemd handed over, when it was handed to this process. */
export function activationFd(env: NodeJS.ProcessEnv, pid = process.pid): number | undefined {
  if (env.LISTEN_PID === undefined || Number(env.LISTEN_PID) !== pid) return undefined;
  const n = Number(env.LISTEN_FDS ?? 0);
  return Number.isInteger(n) && n >= 1 ? 3 : undefined;
}

/**
 * Drops LISTEN_PID/LISTEN_FDS/LISTEN_FDNAMES once the service took its socket (as
 * go-systemd's activation.Listeners does for Podman): the engine hands those on to the
 * containers it starts, and a container the API starts must not get the API's socket.
 */
export function forgetActivation(env: NodeJS.ProcessEnv): void {
  for (const k of ['LISTEN_PID', 'LISTEN_FDS', 'LISTEN_FDNAMES']) {
    delete env[k];
    delete process.env[k];
  }
}

/** unix:///path, unix:path, tcp://host:port or tcp:host:port. */
export function parseListenUri(uri: string): Listen {
  const unix = /^unix:(?:\/\/)?(\/[^/].*)$/.exec(uri);
  if (unix) return { kind: 'unix', path: unix[1]! };
  const tcp = /^tcp:(?:\/\/)?(\[[^\]]+\]|[^:/]*):(\d+)\/?$/.exec(uri);
  if (tcp) {
    const port = Number(tcp[2]);
    if (port < 1 || port > 65535) throw new UsageError(`${uri}: port out of range`);
    return { kind: 'tcp', host: (tcp[1] || '127.0.0.1').replace(/^\[|\]$/g, ''), port };
  }
  // Podman's words: the scheme is what comes before the first colon, if anything does.
  const scheme = /^([A-Za-z][\w+.-]*):/.exec(uri)?.[1] ?? '';
  throw new UsageError(`API Service endpoint scheme "${scheme}" is not supported. Try tcp://${uri} or unix:/${uri}`);
}

/**
 * Listens as asked. A unix socket's directory is made 0700 and the socket 0600 (created
 * under a umask, so it is never reachable by others even for a moment); a socket file
 * left by a service that ended is replaced.
 */
export async function listenOn(server: Server, where: Listen): Promise<void> {
  if (where.kind === 'unix') {
    mkdirSync(dirname(where.path), { recursive: true, mode: 0o700 });
    try {
      if (lstatSync(where.path).isSocket()) unlinkSync(where.path);
    } catch {
      /* none there */
    }
  }
  const old = where.kind === 'unix' ? process.umask(0o177) : undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      const done = (): void => {
        server.off('error', reject);
        resolve();
      };
      if (where.kind === 'unix') server.listen(where.path, done);
      else if (where.kind === 'tcp') server.listen(where.port, where.host, done);
      else server.listen({ fd: where.fd }, done);
    });
  } finally {
    if (old !== undefined) process.umask(old);
  }
  if (where.kind === 'unix') chmodSync(where.path, 0o600);
}
