// Exec through the API: create a session, start it with its output on the hijacked
// connection (frames without a terminal, raw with one) and the client's stdin to the
// process, inspect it for its exit code (the docker CLI asks right after the stream
// ends), resize its terminal. The process runs through the engine's exec, with pipes.
import type { PipedExec } from '../../engine/exec.js';
import type { Duplex, Readable } from 'node:stream';
import { z } from 'zod';
import type { ApiCall, Route } from '../http.js';
import { ApiError } from '../errors.js';
import { TpodError } from '../../errors.js';
import { createSession, endSession, execInspect, getSession, type ExecConfig, type ExecSession } from '../exec-sessions.js';
import { StreamOut, STDERR, STDOUT, streamContentType } from '../stream-frames.js';
import { runningContainer, stdinRelay } from '../stream-util.js';

const strings = z.array(z.string()).nullish();
const flag = z.boolean().nullish();

export const execCreateSchema = z
  .object({
    AttachStdin: flag,
    AttachStdout: flag,
    AttachStderr: flag,
    DetachKeys: z.string().nullish(),
    Tty: flag,
    Env: strings,
    Cmd: strings,
    Privileged: flag,
    User: z.string().nullish(),
    WorkingDir: z.string().nullish(),
    ConsoleSize: z.array(z.number().int().nonnegative()).nullish(),
  })
  .passthrough();

const execStartSchema = z.object({ Detach: flag, Tty: flag, ConsoleSize: z.array(z.number().int().nonnegative()).nullish() }).passthrough();

/** Docker's exec create body -> the session's settings. */
export function execConfigFromBody(b: z.infer<typeof execCreateSchema>): ExecConfig {
  const cmd = b.Cmd ?? [];
  if (cmd.length === 0) throw new ApiError(400, 'No exec command specified');
  if (b.WorkingDir && !b.WorkingDir.startsWith('/')) throw new ApiError(400, `WorkingDir: "${b.WorkingDir}" must be an absolute path`);
  const env: Array<[string, string]> = [];
  for (const e of b.Env ?? []) {
    const i = e.indexOf('=');
    // NAME without a value: nothing to take it from on the service's side.
    if (i > 0) env.push([e.slice(0, i), e.slice(i + 1)]);
  }
  return {
    cmd,
    env,
    ...(b.User ? { user: b.User } : {}),
    ...(b.WorkingDir ? { workdir: b.WorkingDir } : {}),
    privileged: b.Privileged === true,
    tty: b.Tty === true,
    attachStdin: b.AttachStdin === true,
    attachStdout: b.AttachStdout === true,
    attachStderr: b.AttachStderr === true,
    detachKeys: b.DetachKeys ?? '',
  };
}

async function execCreate(call: ApiCall): Promise<void> {
  const rec = await runningContainer(call.ctx, call.param('id'));
  const config = execConfigFromBody(await call.json(execCreateSchema));
  const s = createSession(rec.id, config);
  call.send(201, { Id: s.id });
}

/** Copies a process's output to the client; a client that is behind holds the process back. */
function relay(src: Readable | null, type: typeof STDOUT | typeof STDERR, out: StreamOut | undefined): void {
  if (!src) return;
  src.on('data', (d: Buffer) => {
    if (out && !out.write(type, d)) {
      src.pause();
      void out.drained().then(() => src.resume());
    }
  });
}

/** What the process's exit code is when the engine could not run it (126/127 as Docker's). */
function failedCode(err: unknown): number {
  return err instanceof TpodError ? err.exitCode : 125;
}

async function runSession(call: ApiCall, s: ExecSession, client: { out: StreamOut; io: Duplex } | undefined): Promise<number> {
  const out = client?.out;
  const { execWithPipes } = await import('../../engine/exec.js');
  const rec = await runningContainer(call.ctx, s.containerId);
  const c = s.config;
  let run: PipedExec | undefined;
  let wroteErr = false;
  const stop = (): void => {
    // Gone client: EOF on a pipe, SIGHUP through a terminal; output is read and dropped.
    run?.hangup();
  };
  call.signal.addEventListener('abort', stop, { once: true });
  try {
    const code = await execWithPipes(
      call.ctx,
      rec,
      { command: c.cmd, interactive: c.attachStdin && out !== undefined, tty: c.tty, env: c.env, ...(c.user ? { user: c.user } : {}), ...(c.workdir ? { workdir: c.workdir } : {}), privileged: c.privileged },
      (r) => {
        run = r;
        const p = r.child;
        s.resize = r.resize;
        s.child = p;
        if (p.pid !== undefined) s.pid = p.pid;
        relay(p.stdout, STDOUT, c.attachStdout ? out : undefined);
        relay(p.stderr, STDERR, c.attachStderr ? out : undefined);
        p.stderr?.once('data', () => (wroteErr = true));
        p.stdin?.on('error', () => {});
        if (p.stdin && client && c.attachStdin) stdinRelay(client.io, c.detachKeys, (d) => p.stdin!.write(d), () => p.stdin!.end(), () => client.out.end());
        if (call.signal.aborted) stop();
      },
    );
    return code;
  } catch (err) {
    if (out && !wroteErr) out.write(STDERR, `${(err as Error).message}\n`);
    return failedCode(err);
  } finally {
    call.signal.removeEventListener('abort', stop);
  }
}

async function execStart(call: ApiCall): Promise<void> {
  const s = getSession(call.param('id'));
  const body = await call.json(execStartSchema, { optional: true });
  if (s.state !== 'created') throw new ApiError(409, `exec session ${s.id} has already been started`);
  // Checked before the stream opens, so the client gets a status it can read.
  await runningContainer(call.ctx, s.containerId);
  s.state = 'running';
  if (body.Detach === true) {
    void runSession(call, s, undefined).then((code) => endSession(s, code));
    call.send(200);
    return;
  }
  const tty = body.Tty ?? s.config.tty;
  const io = call.hijack(streamContentType(tty, call.version));
  const out = new StreamOut(io, !tty);
  const code = await runSession(call, s, { out, io });
  // Recorded before the stream ends: the client inspects the session for it next.
  endSession(s, code);
  await out.drained();
  out.end();
}

async function execJson(call: ApiCall): Promise<void> {
  call.send(200, execInspect(getSession(call.param('id'))));
}

async function execResize(call: ApiCall): Promise<void> {
  const s = getSession(call.param('id'));
  const h = call.int('h');
  const w = call.int('w');
  if (h === undefined || w === undefined || h < 0 || w < 0) throw new ApiError(400, 'resize: h and w must be given as non-negative integers');
  if (s.state !== 'running') throw new ApiError(409, `exec session ${s.id} is not running: cannot resize`);
  if (!s.config.tty) return call.send(200);
  s.resize?.(h, w);
  call.send(200);
}

export const execRoutes: Route[] = [
  { method: 'POST', path: '/containers/:id/exec', handler: execCreate },
  { method: 'POST', path: '/exec/:id/start', handler: execStart },
  { method: 'POST', path: '/exec/:id/resize', handler: execResize },
  { method: 'GET', path: '/exec/:id/json', handler: execJson },
];
