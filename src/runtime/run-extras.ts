// More of Podman's container-creation flags, checked: the log driver and its options,
// --tz, --unsetenv(-all), --hostuser, --group-add, --systemd, --http-proxy, --attach,
// --preserve-fds, --timeout (the flags themselves are declared in cli/run-flags.ts).
import { existsSync, realpathSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { UsageError } from '../errors.js';
import { fromHumanSize } from '../util/units.js';
import { parseUlimit, type Ulimit } from './ulimit.js';

export const LOG_DRIVER_NAMES = ['k8s-file', 'json-file', 'none', 'passthrough'] as const;
export type LogDriver = (typeof LOG_DRIVER_NAMES)[number];
export type AttachStream = 'stdin' | 'stdout' | 'stderr';
export type SystemdMode = 'true' | 'false' | 'always';

export interface LogConfig {
  driver: LogDriver;
  /** --log-opt path=: where the k8s-file log goes instead of the container's directory. */
  path?: string;
  /** --log-opt max-size=: bytes. */
  size?: number;
  tag?: string;
  /** Other --log-opt KEY=VALUE, kept for inspect. */
  options?: Record<string, string>;
}

export interface RunExtras {
  log?: LogConfig;
  /** --tz: a zone under /usr/share/zoneinfo, or "local" (the host's /etc/localtime). */
  tz?: string;
  unsetEnv?: string[];
  unsetEnvAll?: boolean;
  /** --hostuser: host users (names or uids) added to the container's /etc/passwd. */
  hostUsers?: string[];
  /** --group-add: group names or gids added to the process, or keep-groups. */
  groupAdd?: string[];
  systemdMode?: SystemdMode;
  /** --http-proxy (default true): the host's proxy variables reach the container. */
  httpProxy?: boolean;
  /** --attach: which streams a foreground run shows (all by default). */
  attach?: AttachStream[];
  /** --preserve-fds N: descriptors 3 .. 3+N-1 of tpod go to the container's process. */
  preserveFds?: number;
  /** --timeout: seconds the container may run before it is killed. */
  timeout?: number;
  /** --ulimit: rlimits over the default RLIMIT_NOFILE. */
  ulimits?: Ulimit[];
}

export interface RawRunExtras {
  logDriver?: string | undefined;
  logOpt?: string[] | undefined;
  tz?: string | undefined;
  unsetenv?: string[] | undefined;
  unsetenvAll?: boolean | undefined;
  hostuser?: string[] | undefined;
  groupAdd?: string[] | undefined;
  systemd?: string | undefined;
  httpProxy?: boolean | undefined;
  attach?: string[] | undefined;
  preserveFds?: string | undefined;
  timeout?: string | undefined;
  ulimit?: string[] | undefined;
}

/** --log-driver and --log-opt, with Podman's errors. */
export function parseLogConfig(driver: string | undefined, opts: string[] = [], defaultDriver: LogDriver = 'k8s-file'): LogConfig {
  if (driver !== undefined && !(LOG_DRIVER_NAMES as readonly string[]).includes(driver)) {
    if (driver === 'journald') throw new UsageError('tpod has no journald log driver: use k8s-file (the default), json-file, none or passthrough');
    throw new UsageError('running container create option: invalid log driver: invalid argument');
  }
  const out: LogConfig = { driver: (driver as LogDriver | undefined) ?? defaultDriver };
  for (const o of opts) {
    const eq = o.indexOf('=');
    if (eq < 0) throw new UsageError('invalid log option, must be in key=value format');
    const key = o.slice(0, eq).toLowerCase();
    const value = o.slice(eq + 1);
    if (key === 'path') {
      if (!isAbsolute(value)) throw new UsageError(`invalid log option path "${value}": it must be an absolute path`);
      out.path = value;
    } else if (key === 'max-size') {
      const n = fromHumanSize(value);
      if (n === undefined) throw new UsageError(`invalid size: '${value}'`);
      out.size = n;
    } else if (key === 'tag') {
      out.tag = value;
    } else {
      out.options = { ...out.options, [key]: value };
    }
  }
  return out;
}

/** --tz: the zone file to bind at /etc/localtime. */
export function zoneFile(tz: string, zoneinfo = '/usr/share/zoneinfo'): string {
  if (tz === 'local') return realpathSync('/etc/localtime');
  if (tz.includes('..') || isAbsolute(tz) || !existsSync(join(zoneinfo, tz))) {
    throw new UsageError(`running container create option: finding timezone: unknown time zone ${tz}`);
  }
  return realpathSync(join(zoneinfo, tz));
}

function nonNegativeInt(raw: string, flag: string, kind: 'ParseUint' | 'ParseInt' = 'ParseUint'): number {
  if (!/^\d+$/.test(raw)) throw new UsageError(`invalid argument "${raw}" for "${flag}" flag: strconv.${kind}: parsing "${raw}": invalid syntax`);
  return Number(raw);
}

export function parseRunExtras(raw: RawRunExtras, defaultLogDriver: LogDriver = 'k8s-file'): RunExtras {
  const out: RunExtras = {};
  if (raw.logDriver !== undefined || (raw.logOpt?.length ?? 0) > 0) out.log = parseLogConfig(raw.logDriver, raw.logOpt ?? [], defaultLogDriver);
  if (raw.tz !== undefined && raw.tz !== '') {
    zoneFile(raw.tz);
    out.tz = raw.tz;
  }
  if ((raw.unsetenv?.length ?? 0) > 0) out.unsetEnv = raw.unsetenv!;
  if (raw.unsetenvAll) out.unsetEnvAll = true;
  if ((raw.hostuser?.length ?? 0) > 0) out.hostUsers = raw.hostuser!;
  if ((raw.groupAdd?.length ?? 0) > 0) {
    const groups = raw.groupAdd!.flatMap((g) => g.split(',')).filter((g) => g !== '');
    if (groups.includes('keep-groups') && groups.length > 1) throw new UsageError("the '--group-add keep-groups' option is not allowed with any other --group-add options");
    out.groupAdd = groups;
  }
  if (raw.systemd !== undefined) {
    const v = raw.systemd.toLowerCase();
    if (v !== 'true' && v !== 'false' && v !== 'always') throw new UsageError(`invalid value "${raw.systemd}" systemd option requires "true, false, always"`);
    out.systemdMode = v;
  }
  if (raw.httpProxy === false) out.httpProxy = false;
  if ((raw.attach?.length ?? 0) > 0) {
    const streams = raw.attach!.flatMap((a) => a.split(',')).map((a) => a.toLowerCase());
    for (const s of streams) if (s !== 'stdin' && s !== 'stdout' && s !== 'stderr') throw new UsageError(`invalid stream "${s}" for --attach - must be one of stdin, stdout, or stderr: invalid argument`);
    out.attach = [...new Set(streams as AttachStream[])];
    if (out.log?.driver === 'passthrough') throw new UsageError('cannot specify --attach with --log-driver=passthrough: invalid argument');
  }
  if (raw.preserveFds !== undefined) {
    const n = nonNegativeInt(raw.preserveFds, '--preserve-fds');
    if (n > 0) out.preserveFds = n;
  }
  if (raw.timeout !== undefined) {
    const n = nonNegativeInt(raw.timeout, '--timeout');
    if (n > 0) out.timeout = n;
  }
  if ((raw.ulimit?.length ?? 0) > 0) out.ulimits = raw.ulimit!.map(parseUlimit);
  return out;
}

/** The proxy variables Podman passes from the host when --http-proxy is on (the default). */
export const PROXY_VARS = ['http_proxy', 'https_proxy', 'ftp_proxy', 'no_proxy', 'HTTP_PROXY', 'HTTPS_PROXY', 'FTP_PROXY', 'NO_PROXY'];

