import { describe, it, expect } from 'vitest';
import { buildHosts, buildResolvConf, checkDnsServers, hostsAddressOf, parseAddHost, withHostsName, withoutHostsName } from '../../../src/network/etc-files.js';

describe('/etc/hosts', () => {
  it('lists --add-host first, then localhost, the container and host.containers.internal', () => {
    expect(buildHosts({ hostname: 'abc', name: 'web', ownIP: '10.0.2.100', hostAddress: '10.0.2.2', extraHosts: [['db', '10.1.1.1']] })).toBe(
      '10.1.1.1\tdb\n' +
        '127.0.0.1\tlocalhost localhost.localdomain localhost4 localhost4.localdomain4\n' +
        '::1\tlocalhost localhost.localdomain localhost6 localhost6.localdomain6\n' +
        '10.0.2.100\tabc web\n' +
        '10.0.2.2\thost.containers.internal\n',
    );
  });
  it('uses 127.0.1.1 without an address and the host\'s file with its network', () => {
    expect(buildHosts({ hostname: 'h', name: 'h' })).toMatch(/127\.0\.1\.1\th\n$/);
    expect(buildHosts({ hostname: 'h', name: 'n', hostHosts: '1.2.3.4 srv' })).toBe('1.2.3.4 srv\n127.0.1.1\th n\n');
  });
  it('reads --add-host HOST:IP, IPv6 and host-gateway', () => {
    expect(parseAddHost('db:10.0.0.5')).toEqual(['db', '10.0.0.5']);
    expect(parseAddHost('db=10.0.0.5')).toEqual(['db', '10.0.0.5']);
    expect(parseAddHost('v6:::1')).toEqual(['v6', '::1']);
    expect(parseAddHost('v6:[fd00::1]')).toEqual(['v6', 'fd00::1']);
    expect(parseAddHost('gw:host-gateway')).toEqual(['gw', 'host-gateway']);
    expect(() => parseAddHost('nohost')).toThrow('expected HOST:IP');
    expect(() => parseAddHost('db:999.1.1.1')).toThrow('"999.1.1.1" is not an IP address');
    expect(() => parseAddHost('bad_name:1.1.1.1')).toThrow('"bad_name" is not a valid host name');
  });
});

describe('/etc/resolv.conf', () => {
  const host = 'search example.org\nnameserver 10.9.9.9\nnameserver 127.0.0.53\noptions edns0\n';
  it('puts the helper\'s resolver first and leaves out loopback ones', () => {
    expect(buildResolvConf({ hostText: host, hostNetwork: false, helperDns: '10.0.2.3' })).toBe(
      'search example.org\nnameserver 10.0.2.3\nnameserver 10.9.9.9\noptions edns0\n',
    );
  });
  it('keeps the host\'s file with the host\'s network', () => {
    expect(buildResolvConf({ hostText: host, hostNetwork: true })).toBe(host);
  });
  it('takes systemd-resolved\'s upstream list, else the helper\'s forwarder, for a stub-only host', () => {
    const stub = 'nameserver 127.0.0.53\noptions edns0\n';
    expect(buildResolvConf({ hostText: stub, upstreamText: 'nameserver 9.9.9.9\n', hostNetwork: false })).toBe('nameserver 9.9.9.9\noptions edns0\n');
    expect(buildResolvConf({ hostText: stub, hostNetwork: false, fallbackDns: '192.0.2.1' })).toBe('nameserver 192.0.2.1\noptions edns0\n');
  });
  it('applies --dns, --dns-search (. for none) and --dns-option', () => {
    expect(buildResolvConf({ hostText: host, hostNetwork: false, dns: ['1.1.1.1'], search: ['a.test', 'b.test'], options: ['ndots:2'] })).toBe(
      'search a.test b.test\nnameserver 1.1.1.1\noptions ndots:2\n',
    );
    expect(buildResolvConf({ hostText: host, hostNetwork: true, search: ['.'] })).toBe('nameserver 10.9.9.9\nnameserver 127.0.0.53\noptions edns0\n');
  });
  it('checks --dns values', () => {
    expect(() => checkDnsServers(['none'])).not.toThrow();
    expect(() => checkDnsServers(['1.1.1.1', 'x'])).toThrow('invalid --dns "x": not an IP address');
  });
});

describe('names of containers sharing a network (pod members)', () => {
  const infra = '127.0.0.1\tlocalhost\n192.0.2.2\tweb abc123-infra\n192.0.2.1\thost.containers.internal\n';

  it('a member gets a line at the address of the namespace owner; once', () => {
    const ip = hostsAddressOf(infra, 'abc123-infra');
    expect(ip).toBe('192.0.2.2');
    const one = withHostsName(infra, ip!, 'db');
    expect(one).toBe(infra + '192.0.2.2\tdb\n');
    expect(withHostsName(one, ip!, 'db')).toBe(one);
    expect(withHostsName('127.0.0.1 a', '10.0.0.1', 'b')).toBe('127.0.0.1 a\n10.0.0.1\tb\n');
  });

  it('removing a member drops only its own line (not the owner line or --add-host entries naming it too)', () => {
    const text = withHostsName(withHostsName(infra, '192.0.2.2', 'db'), '192.0.2.2', 'cache');
    expect(withoutHostsName(text, 'db')).toBe(withHostsName(infra, '192.0.2.2', 'cache'));
    expect(withoutHostsName(infra, 'abc123-infra')).toBe(infra);
    expect(hostsAddressOf(infra, 'nobody')).toBeUndefined();
  });
});
