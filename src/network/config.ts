// Network settings from containers.conf, read from the same files as Podman, later
// files winning: /usr/share/containers/containers.conf, /etc/containers/containers.conf,
// /etc/containers/containers.conf.d/*.conf, then the user's $XDG_CONFIG_HOME/containers/
// containers.conf and its .d dir. $CONTAINERS_CONF replaces that list;
// $CONTAINERS_CONF_OVERRIDE is read last.
//
//   [network]    default_rootless_network_cmd = "pasta" | "slirp4netns"
//                pasta_options = ["--mtu", "1500"]
//   [engine]     network_cmd_options = ["allow_host_loopback=true"]   (slirp4netns)
//                network_cmd_path = "/usr/local/bin/slirp4netns"
//   [containers] dns_servers, dns_searches, dns_options, no_hosts
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { TpodError } from '../errors.js';
import { parseToml, type TomlTable, type TomlValue } from '../util/toml.js';

export interface NetworkConfig {
  defaultRootlessNetworkCmd?: 'pasta' | 'slirp4netns';
  pastaOptions?: string[];
  slirpOptions?: string[];
  slirpPath?: string;
  dnsServers?: string[];
  dnsSearches?: string[];
  dnsOptions?: string[];
  noHosts?: boolean;
}

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

function strings(v: TomlValue | undefined, file: string, key: string): string[] | undefined {
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw new TpodError('ECONFIG', `${file}: ${key} must be an array of strings`);
  return v as string[];
}

function table(t: TomlTable, name: string): TomlTable {
  const v = t[name];
  return v !== undefined && typeof v === 'object' && !Array.isArray(v) ? v : {};
}

/** Folds one file's settings over what earlier files said. */
export function applyConfigText(into: NetworkConfig, text: string, file: string): NetworkConfig {
  let doc: TomlTable;
  try {
    doc = parseToml(text, file);
  } catch (err) {
    throw new TpodError('ECONFIG', `reading ${file}: ${(err as Error).message}`, { cause: err });
  }
  const network = table(doc, 'network');
  const engine = table(doc, 'engine');
  const containers = table(doc, 'containers');
  const cmd = network.default_rootless_network_cmd;
  if (cmd !== undefined) {
    if (cmd !== 'pasta' && cmd !== 'slirp4netns') {
      throw new TpodError('ECONFIG', `${file}: default_rootless_network_cmd = ${JSON.stringify(cmd)}: use "pasta" or "slirp4netns"`);
    }
    into.defaultRootlessNetworkCmd = cmd;
  }
  const set = <K extends keyof NetworkConfig>(key: K, v: NetworkConfig[K] | undefined): void => {
    if (v !== undefined) into[key] = v;
  };
  set('pastaOptions', strings(network.pasta_options, file, 'pasta_options'));
  set('slirpOptions', strings(engine.network_cmd_options, file, 'network_cmd_options'));
  if (typeof engine.network_cmd_path === 'string' && engine.network_cmd_path !== '') into.slirpPath = engine.network_cmd_path;
  set('dnsServers', strings(containers.dns_servers, file, 'dns_servers'));
  set('dnsSearches', strings(containers.dns_searches, file, 'dns_searches'));
  set('dnsOptions', strings(containers.dns_options, file, 'dns_options'));
  if (typeof containers.no_hosts === 'boolean') into.noHosts = containers.no_hosts;
  return into;
}

const KEYS_RE = /^\s*(default_rootless_network_cmd|pasta_options|network_cmd_options|network_cmd_path|dns_servers|dns_searches|dns_options|no_hosts)\s*=/m;

export function readNetworkConfig(src: ConfigSources): NetworkConfig {
  const out: NetworkConfig = {};
  for (const f of configFiles(src)) {
    const text = src.readFile(f);
    // Most hosts have none of these files, or only commented examples (Podman's own
    // /usr/share/containers/containers.conf is 24 kB of them): parse only files that set
    // one of our keys.
    if (text === undefined || !KEYS_RE.test(text)) continue;
    applyConfigText(out, text, f);
  }
  return out;
}
