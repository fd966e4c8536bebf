// containers.conf, read from the same files as Podman, later files winning:
// /usr/share/containers/containers.conf, /etc/containers/containers.conf,
// /etc/containers/containers.conf.d/*.conf, then the user's $XDG_CONFIG_HOME/containers/
// containers.conf and its .d dir. $CONTAINERS_CONF replaces that list;
// $CONTAINERS_CONF_OVERRIDE is read last. network/config.ts reads the network keys;
// this module the engine's:
//
//   [engine]      runtime = "crun"; [engine.runtimes] NAME = ["/path/to/it", ...]
//                 events_logger = "file" | "none" | "journald"
//                 events_logfile_path = "/path"; events_logfile_max_size = 4750 | "1m"
//                 volume_path = "/path"; image_volume_mode = "bind" | "tmpfs" | "ignore"
//   [containers]  log_driver = "k8s-file" | "json-file" | "none" | "passthrough"
//                 log_size_max = -1 | 1048576
//                 base_hosts_file = "/etc/hosts" | "image" | "none"
//                 host_containers_internal_ip = "10.0.0.1"
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { TpodError } from '../errors.js';
import { parseToml, type TomlTable, type TomlValue } from './toml.js';

export interface ConfigSources {
  env: NodeJS.ProcessEnv;
  /** $XDG_CONFIG_HOME/containers */
  userConfigDir: string;
  readFile(path: string): string | undefined;
  listDir(path: string): string[];
}

export function realSources(env: NodeJS.ProcessEnv, userConfigDir: string): ConfigSources {
  return {
    env,
    userConfigDir,
    readFile: (p) => {
      try {
        return readFileSync(p, 'utf8');
      } catch {
        return undefined;
      }
    },
    listDir: (p) => {
      try {
        return readdirSync(p);
      } catch {
        return [];
      }
    },
  };
}

/** The files, in the order they are applied. */
export function configFiles(src: ConfigSources): string[] {
  const dropIns = (dir: string): string[] => src.listDir(dir).filter((f) => f.endsWith('.conf')).sort().map((f) => join(dir, f));
  const files = src.env.CONTAINERS_CONF
    ? [src.env.CONTAINERS_CONF]
    : [
        '/usr/share/containers/containers.conf',
        '/etc/containers/containers.conf',
        ...dropIns('/etc/containers/containers.conf.d'),
        join(src.userConfigDir, 'containers.conf'),
        ...dropIns(join(src.userConfigDir, 'containers.conf.d')),
      ];
  if (src.env.CONTAINERS_CONF_OVERRIDE) files.push(src.env.CONTAINERS_CONF_OVERRIDE);
  return files;
}

export function tomlTable(t: TomlTable, name: string): TomlTable {
  const v = t[name];
  return v !== undefined && typeof v === 'object' && !Array.isArray(v) ? v : {};
}

export function tomlStrings(v: TomlValue | undefined, file: string, key: string): string[] | undefined {
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw new TpodError('ECONFIG', `${file}: ${key} must be an array of strings`);
  return v as string[];
}

export function parseConfigText(text: string, file: string): TomlTable {
  try {
    return parseToml(text, file);
  } catch (err) {
    throw new TpodError('ECONFIG', `reading ${file}: ${(err as Error).message}`, { cause: err });
  }
}

export type EventsLogger = 'file' | 'journald' | 'none';
export const LOG_DRIVERS = ['k8s-file', 'json-file', 'none', 'passthrough', 'journald'] as const;
export type LogDriverName = (typeof LOG_DRIVERS)[number];

export interface EngineConfig {
  runtime?: string;
  /** [engine.runtimes]: a runtime's name to the paths to try. */
  runtimes: Record<string, string[]>;
  eventsLogger?: EventsLogger;
  eventsLogfilePath?: string;
  /** Bytes; the file is cut in half when an event would make it larger. */
  eventsLogfileMaxSize?: number;
  volumePath?: string;
  /** [engine] image_volume_mode: what an image's VOLUMEs become without --image-volume. */
  imageVolumeMode?: 'bind' | 'tmpfs' | 'ignore';
  logDriver?: LogDriverName;
  logSizeMax?: number;
  baseHostsFile?: string;
  hostContainersInternalIp?: string;
  /** [containers] userns: the default --userns. */
  userns?: string;
  /** [engine] infra_image: the pods' infra image. */
  infraImage?: string;
}

/** "1m", "4750", 4750 -> bytes (containers.conf's sizes, as Podman's units.FromHumanSize). */
export function parseConfigSize(v: TomlValue, file: string, key: string): number {
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  const m = typeof v === 'string' ? /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?\s*$/i.exec(v) : null;
  if (!m) throw new TpodError('ECONFIG', `${file}: ${key} = ${JSON.stringify(v)}: use a size in bytes, or with k, m or g`);
  const mult = { '': 1, k: 1e3, m: 1e6, g: 1e9, t: 1e12 }[m[2]!.toLowerCase() as '' | 'k' | 'm' | 'g' | 't'];
  return Math.round(Number(m[1]) * mult);
}

function str(v: TomlValue | undefined, file: string, key: string): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw new TpodError('ECONFIG', `${file}: ${key} must be a string`);
  return v;
}

/** Folds one file's engine settings over what earlier files said. */
export function applyEngineConfig(into: EngineConfig, doc: TomlTable, file: string): EngineConfig {
  const engine = tomlTable(doc, 'engine');
  const containers = tomlTable(doc, 'containers');
  const runtime = str(engine.runtime, file, 'runtime');
  if (runtime) into.runtime = runtime;
  for (const [name, paths] of Object.entries(tomlTable(engine, 'runtimes'))) {
    into.runtimes[name] = tomlStrings(paths, file, `runtimes.${name}`) ?? [];
  }
  const logger = str(engine.events_logger, file, 'events_logger');
  if (logger !== undefined) {
    if (logger !== 'file' && logger !== 'journald' && logger !== 'none') {
      throw new TpodError('ECONFIG', `${file}: events_logger = ${JSON.stringify(logger)}: use "file", "journald" or "none"`);
    }
    into.eventsLogger = logger;
  }
  const logfile = str(engine.events_logfile_path, file, 'events_logfile_path');
  if (logfile) into.eventsLogfilePath = logfile;
  if (engine.events_logfile_max_size !== undefined) into.eventsLogfileMaxSize = parseConfigSize(engine.events_logfile_max_size, file, 'events_logfile_max_size');
  const volumePath = str(engine.volume_path, file, 'volume_path');
  if (volumePath) into.volumePath = volumePath;
  const ivm = str(engine.image_volume_mode, file, 'image_volume_mode');
  if (ivm !== undefined) {
    if (ivm !== 'bind' && ivm !== 'tmpfs' && ivm !== 'ignore') throw new TpodError('ECONFIG', `${file}: image_volume_mode = ${JSON.stringify(ivm)}: use "bind", "tmpfs" or "ignore"`);
    into.imageVolumeMode = ivm;
  }
  const driver = str(containers.log_driver, file, 'log_driver');
  if (driver !== undefined) {
    if (!(LOG_DRIVERS as readonly string[]).includes(driver)) {
      throw new TpodError('ECONFIG', `${file}: log_driver = ${JSON.stringify(driver)}: use one of ${LOG_DRIVERS.join(', ')}`);
    }
    into.logDriver = driver as LogDriverName;
  }
  if (containers.log_size_max !== undefined) into.logSizeMax = parseConfigSize(containers.log_size_max, file, 'log_size_max');
  const hosts = str(containers.base_hosts_file, file, 'base_hosts_file');
  if (hosts !== undefined) into.baseHostsFile = hosts;
  const ip = str(containers.host_containers_internal_ip, file, 'host_containers_internal_ip');
  if (ip !== undefined) into.hostContainersInternalIp = ip;
  const userns = str(containers.userns, file, 'userns');
  if (userns !== undefined) into.userns = userns;
  const infraImage = str(engine.infra_image, file, 'infra_image');
  if (infraImage !== undefined) into.infraImage = infraImage;
  return into;
}

const KEYS_RE = /^\s*(runtime|runtimes|\[\s*engine\.runtimes\s*\]|events_logger|events_logfile_path|events_logfile_max_size|volume_path|image_volume_mode|log_driver|log_size_max|base_hosts_file|host_containers_internal_ip|userns|infra_image)\s*(=|$)/m;

export function readEngineConfig(src: ConfigSources): EngineConfig {
  const out: EngineConfig = { runtimes: {} };
  for (const f of configFiles(src)) {
    const text = src.readFile(f);
    // Podman's own /usr/share/containers/containers.conf is 24 kB of commented examples:
    // parse only files that set one of our keys.
    if (text === undefined || !KEYS_RE.test(text)) continue;
    applyEngineConfig(out, parseConfigText(text, f), f);
  }
  return out;
}

const cache = new WeakMap<object, EngineConfig>();

/** The engine settings for this process (read once per context). */
export function engineConfig(ctx: { host: { env: NodeJS.ProcessEnv }; paths: { configHome: string } }): EngineConfig {
  let c = cache.get(ctx);
  if (!c) {
    c = readEngineConfig(realSources(ctx.host.env, ctx.paths.configHome));
    cache.set(ctx, c);
  }
  return c;
}
