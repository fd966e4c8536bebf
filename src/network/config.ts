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
import { TpodError } from '../errors.js';
import { configFiles, parseConfigText, tomlStrings as strings, tomlTable as table, type ConfigSources } from '../util/containers-conf.js';

export { configFiles, realSources, type ConfigSources } from '../util/containers-conf.js';

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

/** Folds one file's settings over what earlier files said. */
export function applyConfigText(into: NetworkConfig, text: string, file: string): NetworkConfig {
  const doc = parseConfigText(text, file);
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
