// Flags about a container's life rather than its spec: --restart, --stop-signal,
// --stop-timeout, and signal names as `kill -s` and `stop` take them.
import { constants } from 'node:os';
import { UsageError } from '../errors.js';
import type { RestartPolicy } from '../storage/containers.js';

/** --restart: no | on-failure[:N] | always | unless-stopped (Podman's names). */
export function parseRestartPolicy(raw: string): RestartPolicy {
  const m = /^(no|on-failure|always|unless-stopped)(?::(\d+))?$/.exec(raw.trim());
  if (!m) throw new UsageError(`invalid restart policy "${raw}": use no, on-failure[:max-retries], always or unless-stopped`);
  const name = m[1] as RestartPolicy['name'];
  if (m[2] !== undefined && name !== 'on-failure') {
    throw new UsageError(`restart policy "${name}" takes no retry count; only on-failure does`);
  }
  const p: RestartPolicy = { name };
  if (m[2] !== undefined) p.maxRetries = Number(m[2]);
  return p;
}

const SIGRTMIN = 34;
const SIGRTMAX = 64;

/**
 * A signal by name (TERM, SIGTERM, sigterm, RTMIN+3) or number, as its number, read as
 * Podman reads it: a leading '-' is dropped (-HUP, -9), 0 and unknown names are "invalid
 * signal: X", numbers past SIGRTMAX "valid signals are 1 through 64".
 */
export function parseSignal(raw: string): number {
  const s = raw.startsWith('-') ? raw.slice(1) : raw;
  if (/^[+-]?\d+$/.test(s)) {
    const n = Number(s);
    if (n === 0) throw new UsageError(`invalid signal: ${s}`);
    if (n >= 1 && n <= SIGRTMAX) return n;
    throw new UsageError(`valid signals are 1 through ${SIGRTMAX}`);
  }
  const name = s.toUpperCase().replace(/^SIG/, '');
  const rt = /^RTM(IN|AX)([+-]\d+)?$/.exec(name);
  if (rt) {
    const n = (rt[1] === 'IN' ? SIGRTMIN : SIGRTMAX) + Number(rt[2] ?? 0);
    if (n >= SIGRTMIN && n <= SIGRTMAX) return n;
    throw new UsageError(`invalid signal: ${s}`);
  }
  const n = name === '' ? undefined : (constants.signals as Record<string, number | undefined>)[`SIG${name}`];
  if (n === undefined) throw new UsageError(`invalid signal: ${s}`);
  return n;
}

/** --stop-timeout / stop -t: whole seconds, 0 or more. */
export function parseTimeout(raw: string, flag: string): number {
  if (!/^\d+$/.test(raw.trim())) throw new UsageError(`invalid ${flag} "${raw}": expected a whole number of seconds`);
  return Number(raw.trim());
}

/** Podman's default stop timeout. */
export const DEFAULT_STOP_TIMEOUT = 10;
