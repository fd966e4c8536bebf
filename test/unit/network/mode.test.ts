import { describe, it, expect } from 'vitest';
import { parseNetworkFlag, parseSlirpOptions, slirpAddresses } from '../../../src/network/mode.js';

describe('--network', () => {
  it('reads every mode', () => {
    expect(parseNetworkFlag(undefined)).toEqual({ mode: 'default', options: [] });
    expect(parseNetworkFlag('private')).toEqual({ mode: 'default', options: [] });
    expect(parseNetworkFlag('none')).toEqual({ mode: 'none', options: [] });
    expect(parseNetworkFlag('host')).toEqual({ mode: 'host', options: [] });
    expect(parseNetworkFlag('pasta')).toEqual({ mode: 'pasta', options: [] });
    expect(parseNetworkFlag('pasta:--mtu,1500,--no-map-gw')).toEqual({ mode: 'pasta', options: ['--mtu', '1500', '--no-map-gw'] });
    expect(parseNetworkFlag('slirp4netns:allow_host_loopback=true')).toEqual({ mode: 'slirp4netns', options: ['allow_host_loopback=true'] });
    expect(parseNetworkFlag('container:web')).toEqual({ mode: 'container', options: [], target: 'web' });
    expect(parseNetworkFlag('ns:/run/netns/x')).toEqual({ mode: 'ns', options: [], target: '/run/netns/x' });
    expect(parseNetworkFlag('bridge')).toEqual({ mode: 'bridge', options: [], target: 'podman' });
    expect(parseNetworkFlag('net1,net2')).toEqual({ mode: 'bridge', options: [], target: 'net1,net2' });
  });
  it('refuses what it cannot do, saying what it can', () => {
    expect(() => parseNetworkFlag('a,,b')).toThrow('an empty network name');
    expect(() => parseNetworkFlag('a,a')).toThrow('named twice');
    expect(() => parseNetworkFlag('foo:bar')).toThrow('unknown network mode "foo"');
    expect(() => parseNetworkFlag('container:')).toThrow('needs a container name or ID');
    expect(() => parseNetworkFlag('ns:relative')).toThrow('must be absolute');
  });
  it('keeps pasta options that would take over its namespace or pid file out of the user\'s hands', () => {
    expect(() => parseNetworkFlag('pasta:--netns,/proc/1/ns/net')).toThrow('option "--netns" is set by tpod itself');
    expect(() => parseNetworkFlag('pasta:-P,/tmp/x')).toThrow('option "-P" is set by tpod itself');
    expect(() => parseNetworkFlag('pasta:--no-netns-quit')).toThrow('set by tpod itself');
  });
});

describe('slirp4netns options', () => {
  it('reads Podman\'s option names', () => {
    expect(parseSlirpOptions([])).toEqual({ allowHostLoopback: false, enableIPv6: false, mtu: 65520 });
    expect(parseSlirpOptions(['allow_host_loopback=true', 'mtu=1500', 'cidr=10.5.0.0/24', 'enable_ipv6=true', 'outbound_addr=eth0', 'port_handler=slirp4netns'])).toEqual({
      allowHostLoopback: true,
      enableIPv6: true,
      mtu: 1500,
      cidr: '10.5.0.0/24',
      outboundAddr: 'eth0',
    });
  });
  it('says what is wrong with an option', () => {
    expect(() => parseSlirpOptions(['allow_host_loopback=yes'])).toThrow('allow_host_loopback=yes: expected true or false');
    expect(() => parseSlirpOptions(['mtu=10'])).toThrow('mtu=10: expected a number from 68 to 65521');
    expect(() => parseSlirpOptions(['cidr=10.0.2.0'])).toThrow('cidr=10.0.2.0');
    expect(() => parseSlirpOptions(['port_handler=rootlesskit'])).toThrow('port_handler=rootlesskit is not available');
    expect(() => parseSlirpOptions(['nope=1'])).toThrow('unknown option "nope"');
  });
  it('derives the container, gateway and DNS addresses from the network', () => {
    expect(slirpAddresses()).toEqual({ ip: '10.0.2.100', gateway: '10.0.2.2', dns: '10.0.2.3', prefix: 24 });
    expect(slirpAddresses('10.5.1.0/24')).toEqual({ ip: '10.5.1.100', gateway: '10.5.1.2', dns: '10.5.1.3', prefix: 24 });
  });
});
