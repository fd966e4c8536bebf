// Exec sessions of the API: created by POST /containers/{id}/exec, run by
// POST /exec/{id}/start, looked at by GET /exec/{id}/json. They live in the service's
// memory (a CLI exec needs none: it is one process), and ended ones are dropped after a
// while so a long-lived service does not grow.
import { randomBytes } from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import { ApiError } from './errors.js';

export interface ExecConfig {
  cmd: string[];
  env: Array<[string, string]>;
  user?: string;
  workdir?: string;
  privileged: boolean;
  tty: boolean;
  attachStdin: boolean;
  attachStdout: boolean;
  attachStderr: boolean;
  detachKeys: string;
}

export interface ExecSession {
  id: string;
  containerId: string;
  config: ExecConfig;
  state: 'created' | 'running' | 'exited';
  exitCode?: number;
  pid?: number;
  /** The runtime's process while it runs (for resize and cleanup). */
  child?: ChildProcess;
  /** A terminal session's resize, once it runs. */
  resize?: (rows: number, cols: number) => void;
  endedAt?: number;
}

/** How long an ended session stays inspectable (the docker CLI asks right after the stream ends). */
const KEEP_ENDED_MS = 10 * 60_000;
const sessions = new Map<string, ExecSession>();

function prune(now: number): void {
  for (const [id, s] of sessions) if (s.endedAt !== undefined && now - s.endedAt > KEEP_ENDED_MS) sessions.delete(id);
}

export function createSession(containerId: string, config: ExecConfig): ExecSession {
  prune(Date.now());
  const s: ExecSession = { id: randomBytes(32).toString('hex'), containerId, config, state: 'created' };
  sessions.set(s.id, s);
  return s;
}

/** The session by its full id or a unique prefix; 404 as Docker answers otherwise. */
export function getSession(id: string): ExecSession {
  const exact = sessions.get(id);
  if (exact) return exact;
  const found = id.length >= 3 ? [...sessions.values()].filter((s) => s.id.startsWith(id)) : [];
  if (found.length === 1) return found[0]!;
  throw new ApiError(404, `no such exec session: ${id}`);
}

export function endSession(s: ExecSession, exitCode: number): void {
  s.state = 'exited';
  s.exitCode = exitCode;
  s.endedAt = Date.now();
  delete s.child;
  delete s.resize;
}

/** Sessions of one container (its inspect lists them as ExecIDs). */
export function sessionsOf(containerId: string): ExecSession[] {
  return [...sessions.values()].filter((s) => s.containerId === containerId);
}

/** Docker's ExecInspect for a session. */
export function execInspect(s: ExecSession): Record<string, unknown> {
  const [entrypoint = '', ...args] = s.config.cmd;
  return {
    ID: s.id,
    Running: s.state === 'running',
    ExitCode: s.state === 'exited' ? (s.exitCode ?? null) : s.state === 'created' ? 0 : null,
    ProcessConfig: { tty: s.config.tty, entrypoint, arguments: args, privileged: s.config.privileged, user: s.config.user ?? '' },
    OpenStdin: s.config.attachStdin,
    OpenStderr: s.config.attachStderr,
    OpenStdout: s.config.attachStdout,
    CanRemove: s.state === 'exited',
    ContainerID: s.containerId,
    DetachKeys: s.config.detachKeys,
    Pid: s.pid ?? 0,
  };
}
