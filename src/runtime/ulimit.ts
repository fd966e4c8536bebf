// --ulimit NAME=SOFT[:HARD] as Podman (docker/go-units) reads it: the rlimit's short
// name, -1 for unlimited, the hard limit the soft one when not given.
import { UsageError } from '../errors.js';

export interface Ulimit {
  /** RLIMIT_NOFILE, ... */
  type: string;
  soft: number;
  hard: number;
}

const NAMES: Record<string, string> = {
  core: 'RLIMIT_CORE', cpu: 'RLIMIT_CPU', data: 'RLIMIT_DATA', fsize: 'RLIMIT_FSIZE', locks: 'RLIMIT_LOCKS',
  memlock: 'RLIMIT_MEMLOCK', msgqueue: 'RLIMIT_MSGQUEUE', nice: 'RLIMIT_NICE', nofile: 'RLIMIT_NOFILE',
  nproc: 'RLIMIT_NPROC', rss: 'RLIMIT_RSS', rtprio: 'RLIMIT_RTPRIO', rttime: 'RLIMIT_RTTIME',
  sigpending: 'RLIMIT_SIGPENDING', stack: 'RLIMIT_STACK', as: 'RLIMIT_AS',
};

// The OCI spec's "unlimited": RLIM_INFINITY as an unsigned 64-bit number.
const UNLIMITED = 18446744073709551615;

function limit(v: string, spec: string): number {
  if (v === '-1') return UNLIMITED;
  if (!/^\d+$/.test(v)) throw new UsageError(`invalid ulimit argument: ${spec}: strconv.ParseInt: parsing "${v}": invalid syntax`);
  return Number(v);
}

export function parseUlimit(spec: string): Ulimit {
  const eq = spec.indexOf('=');
  if (eq < 0) throw new UsageError(`invalid ulimit argument: ${spec}`);
  const name = spec.slice(0, eq);
  const type = NAMES[name];
  if (type === undefined) throw new UsageError(`invalid ulimit argument: ${spec}: invalid ulimit type: ${name}`);
  const parts = spec.slice(eq + 1).split(':');
  if (parts.length > 2) throw new UsageError(`invalid ulimit argument: ${spec}: too many limit value arguments - ${spec.slice(eq + 1)}, can only have up to two, \`soft[:hard]\``);
  const soft = limit(parts[0]!, spec);
  const hard = parts[1] !== undefined ? limit(parts[1], spec) : soft;
  if (soft > hard) throw new UsageError(`invalid ulimit argument: ${spec}: ulimit soft limit must be less than or equal to hard limit: ${soft} > ${hard}`);
  return { type, soft, hard };
}

/** The default limits with the given ones over them (the last one of a kind wins). */
export function mergeUlimits(defaults: Ulimit[], given: Ulimit[] | undefined): Ulimit[] {
  const out = new Map(defaults.map((u) => [u.type, u]));
  for (const u of given ?? []) out.set(u.type, u);
  return [...out.values()];
}
