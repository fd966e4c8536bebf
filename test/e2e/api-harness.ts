// The API service for an e2e test file: `tpod system service --time 0` on the env's own
// default socket, the DOCKER_HOST that reaches it, and the docker CLI run against it.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { onPath, run, tpodBin, until, type RunOptions, type RunResult, type TpodEnv } from './harness.js';

export interface Service {
  socket: string;
  dockerHost: string;
  child: ChildProcess;
  /** What the service wrote on stderr so far (its log). */
  log: () => string;
}

/** The env's default service socket. */
export function socketOf(env: TpodEnv): string {
  return join(env.runtimeDir, 'tpod', 'tpod.sock');
}

/** Starts the service and resolves once it answers _ping. */
export async function startService(env: TpodEnv, args: string[] = ['--time', '0']): Promise<Service> {
  const socket = socketOf(env);
  const child = spawn(tpodBin(), ['system', 'service', ...args], { env: env.vars, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (b: Buffer) => (err += b.toString()));
  await until(`the service answers on ${socket}\n${err}`, async () => existsSync(socket) && (await apiRequest(socket, 'GET', '/_ping').catch(() => undefined))?.status === 200);
  return { socket, dockerHost: `unix://${socket}`, child, log: () => err };
}

export async function stopService(s: Service | undefined): Promise<void> {
  if (!s || s.child.exitCode !== null) return;
  const gone = new Promise<void>((r) => s.child.once('exit', () => r()));
  s.child.kill('SIGTERM');
  await gone;
}

/** For a test file: a service over the env's store for all its tests. */
export function useService(get: () => TpodEnv): { readonly service: Service } {
  let current: Service | undefined;
  beforeAll(async () => {
    current = await startService(get());
  }, 60_000);
  afterAll(async () => {
    await stopService(current);
  });
  return {
    get service(): Service {
      if (!current) throw new Error('useService(): only inside tests');
      return current;
    },
  };
}

export interface ApiResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  json: () => unknown;
}

/** One plain HTTP request over the unix socket. */
export function apiRequest(socket: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiResponse> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body));
    const req = request({ socketPath: socket, method, path, headers: { ...(data ? { 'Content-Type': 'application/json', 'Content-Length': String(data.length) } : {}), ...headers } }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => {
        const text = Buffer.concat(parts).toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text, json: () => JSON.parse(text) });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(data);
  });
}

/** The docker CLI (this kind of machine ships it as /usr/local/bin/docker); on CI it must be there. */
export function dockerCli(): string {
  const p = onPath('docker');
  if (!p) throw new Error('the docker CLI is not on PATH (this kind of machine ships it as /usr/local/bin/docker)');
  return p;
}

/** Runs `docker ARGS...` against the service, with a private DOCKER_CONFIG. */
export function docker(s: Service, args: string[], opts: RunOptions): Promise<RunResult> {
  return run(dockerCli(), args, { ...opts, extraEnv: { DOCKER_HOST: s.dockerHost, DOCKER_CONFIG: join(opts.env.home, '.docker'), ...opts.extraEnv } });
}
