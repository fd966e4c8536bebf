import { describe, it, expect } from 'vitest';
import { applyConfigText, configFiles, readNetworkConfig, type ConfigSources } from '../../../src/network/config.js';

function sources(files: Record<string, string>, env: NodeJS.ProcessEnv = {}): ConfigSources {
  return {
    env,
    userConfigDir: '/home/u/.config/containers',
    readFile: (p) => files[p],
    listDir: (d) => Object.keys(files).filter((f) => f.startsWith(d + '/')).map((f) => f.slice(d.length + 1)),
  };
}

describe('containers.conf network settings', () => {
  it('reads Podman\'s files in Podman\'s order, drop-ins sorted', () => {
    const src = sources({ '/etc/containers/containers.conf.d/b.conf': '', '/etc/containers/containers.conf.d/a.conf': '', '/etc/containers/containers.conf.d/x.txt': '' });
    expect(configFiles(src)).toEqual([
      '/usr/share/containers/containers.conf',
      '/etc/containers/containers.conf',
      '/etc/containers/containers.conf.d/a.conf',
      '/etc/containers/containers.conf.d/b.conf',
      '/home/u/.config/containers/containers.conf',
    ]);
    expect(configFiles(sources({}, { CONTAINERS_CONF: '/x.conf', CONTAINERS_CONF_OVERRIDE: '/y.conf' }))).toEqual(['/x.conf', '/y.conf']);
  });
  it('lets later files win', () => {
    const cfg = readNetworkConfig(
      sources({
        '/etc/containers/containers.conf': '[network]\ndefault_rootless_network_cmd = "slirp4netns"\npasta_options = ["--mtu", "1500"]\n',
        '/home/u/.config/containers/containers.conf': '[network]\ndefault_rootless_network_cmd = "pasta"\n[engine]\nnetwork_cmd_options = ["allow_host_loopback=true"]\n[containers]\ndns_servers = ["9.9.9.9"]\nno_hosts = true\n',
      }),
    );
    expect(cfg).toEqual({
      defaultRootlessNetworkCmd: 'pasta',
      pastaOptions: ['--mtu', '1500'],
      slirpOptions: ['allow_host_loopback=true'],
      dnsServers: ['9.9.9.9'],
      noHosts: true,
    });
  });
  it('names the file and the bad value', () => {
    expect(() => applyConfigText({}, '[network]\ndefault_rootless_network_cmd = "bridge"\n', '/c.conf')).toThrow(
      '/c.conf: default_rootless_network_cmd = "bridge": use "pasta" or "slirp4netns"',
    );
    expect(() => applyConfigText({}, '[network]\npasta_options = "x"\n', '/c.conf')).toThrow('/c.conf: pasta_options must be an array of strings');
    expect(() => applyConfigText({}, '[network\n', '/c.conf')).toThrow('reading /c.conf');
  });
  it('skips files that say nothing about networks without parsing them', () => {
    expect(readNetworkConfig(sources({ '/etc/containers/containers.conf': '[engine]\nruntime = "crun"\n[[[ not toml' }))).toEqual({});
  });
});
