import { describe, expect, it } from 'vitest';
import { connectOptions, dockerNetwork, ipRangeText, libpodNetworkName, networkConnectBody, networkCreateBody, networkCreateOptions, networkFilters } from '../../../../src/api/docker/networks.js';
import { defaultNetwork, type NetworkRecord } from '../../../../src/network/networks.js';

const rec: NetworkRecord = {
  name: 'proj_default',
  id: 'a'.repeat(64),
  driver: 'bridge',
  network_interface: 'podman1',
  created: '2024-03-01T10:20:30.123456789Z',
  subnets: [{ subnet: '10.89.1.0/24', gateway: '10.89.1.1' }],
  ipv6_enabled: false,
  internal: false,
  dns_enabled: true,
  labels: { 'com.docker.compose.project': 'proj' },
  options: { isolate: 'true', mtu: '1400' },
  ipam_options: { driver: 'host-local' },
};

describe('networks in Docker shape', () => {
  it("gives Docker's NetworkResource: IPAM driver default, isolate hidden, mtu under Docker's name", () => {
    expect(dockerNetwork(rec, {}, true)).toMatchObject({
      Name: 'proj_default',
      Id: rec.id,
      Created: rec.created,
      Scope: 'local',
      Driver: 'bridge',
      EnableIPv6: false,
      IPAM: { Driver: 'default', Options: {}, Config: [{ Subnet: '10.89.1.0/24', Gateway: '10.89.1.1' }] },
      Internal: false,
      Attachable: false,
      Containers: {},
      Options: { 'com.docker.network.driver.mtu': '1400' },
      Labels: { 'com.docker.compose.project': 'proj' },
    });
    expect((dockerNetwork(rec, {}, true).IPAM as { Config: object[] }).Config[0]).not.toHaveProperty('IPRange');
  });
  it('lists running members by id, their address as a CIDR', () => {
    const members = { c1: { name: 'web', interfaces: { eth0: { subnets: [{ ipnet: '10.89.1.5/24', gateway: '10.89.1.1' }], mac_address: 'aa:bb:cc:dd:ee:ff' } } } };
    expect(dockerNetwork(rec, members, true).Containers).toEqual({ c1: { Name: 'web', EndpointID: '', MacAddress: 'aa:bb:cc:dd:ee:ff', IPv4Address: '10.89.1.5/24', IPv6Address: '' } });
  });
  it('shows the default network as "bridge" in lists, and by the name it was asked by', () => {
    expect(dockerNetwork(defaultNetwork(), {}, true).Name).toBe('bridge');
    expect(dockerNetwork(defaultNetwork(), {}, false).Name).toBe('podman');
    expect(libpodNetworkName('bridge')).toBe('podman');
    expect(libpodNetworkName('other')).toBe('other');
  });
  it('gives a lease range back as the CIDR it came from (compose compares IPRange)', () => {
    expect(ipRangeText({ subnet: '172.16.238.0/24', gateway: '172.16.238.1', lease_range: { start_ip: '172.16.238.1', end_ip: '172.16.238.254' } })).toBe('172.16.238.0/24');
    expect(ipRangeText({ subnet: '10.89.0.0/24', lease_range: { start_ip: '10.89.0.128', end_ip: '10.89.0.254' } })).toBe('10.89.0.128/25');
    expect(ipRangeText({ subnet: '10.89.0.0/24', lease_range: { start_ip: '10.89.0.10', end_ip: '10.89.0.20' } })).toBe('10.89.0.10-10.89.0.20');
    expect(ipRangeText({ subnet: '10.89.0.0/24' })).toBeUndefined();
  });
  it("maps a create body to tpod's options, warning about options it leaves out", () => {
    const b = networkCreateBody.parse({
      Name: 'n',
      CheckDuplicate: true,
      Driver: 'bridge',
      Internal: true,
      IPAM: { Driver: 'default', Config: [{ Subnet: '10.5.0.0/24', Gateway: '10.5.0.1', IPRange: '10.5.0.128/25' }], Options: {} },
      EnableIPv6: false,
      Options: { 'com.docker.network.driver.mtu': '1400', 'com.docker.network.bridge.name': 'br0' },
      Labels: { a: 'b' },
    });
    expect(networkCreateOptions(b)).toEqual({
      options: { name: 'n', driver: 'bridge', subnets: ['10.5.0.0/24'], gateways: ['10.5.0.1'], ipRanges: ['10.5.0.128/25'], internal: true, ipv6: false, labels: { a: 'b' }, options: { mtu: '1400' }, ipamDriver: 'host-local' },
      warning: '"com.docker.network.bridge.name: br0" is not a recognized option',
    });
    // docker-compose 1.29 sends what it leaves unset as null.
    const compose = networkCreateBody.parse({
      Name: 'proj_back', Driver: null, Options: null, IPAM: { Driver: null, Config: [{ Subnet: '10.77.0.0/24', IPRange: null, Gateway: null, AuxiliaryAddresses: null }], Options: null },
      CheckDuplicate: true, Internal: false, Labels: { 'com.docker.compose.network': 'back' }, EnableIPv6: false, Attachable: null, Scope: null, Ingress: null,
    });
    expect(networkCreateOptions(compose).options).toMatchObject({ driver: 'bridge', subnets: ['10.77.0.0/24'], gateways: [], ipRanges: [], ipamDriver: 'host-local' });
    expect(networkCreateOptions(networkCreateBody.parse({ Name: 'm', IPAM: null, Labels: null })).options).toMatchObject({ driver: 'bridge', subnets: [], labels: {}, ipamDriver: 'host-local' });
  });
  it('refuses what Docker refuses: no name, a pre-defined name, a gateway without its subnet', () => {
    expect(() => networkCreateOptions(networkCreateBody.parse({ Name: '' }))).toThrow(/name is required/);
    expect(() => networkCreateOptions(networkCreateBody.parse({ Name: 'bridge' }))).toThrow(/pre-defined/);
    expect(() => networkCreateOptions(networkCreateBody.parse({ Name: 'x', IPAM: { Config: [{ Gateway: '10.0.0.1' }] } }))).toThrow(/needs a Subnet/);
    expect(() => networkCreateOptions(networkCreateBody.parse({ Name: 'x', IPAM: { Config: [{ Subnet: '10.0.0.0/24' }, { Subnet: '10.0.1.0/24', Gateway: '10.0.1.1' }] } }))).toThrow(/Gateway/);
  });
  it('maps a connect body: aliases, the IPv4 address either way, a MAC', () => {
    expect(connectOptions(networkConnectBody.parse({ Container: 'c', EndpointConfig: { Aliases: ['a'], IPAMConfig: { IPv4Address: '10.1.0.5' }, MacAddress: 'AA:BB:CC:DD:EE:FF' } }))).toEqual({ aliases: ['a'], ip: '10.1.0.5', mac: 'aa:bb:cc:dd:ee:ff' });
    expect(connectOptions(networkConnectBody.parse({ Container: 'c', EndpointConfig: { IPAddress: '10.1.0.6' } }))).toEqual({ ip: '10.1.0.6' });
    expect(connectOptions(networkConnectBody.parse({ Container: 'c' }))).toEqual({});
    expect(() => connectOptions(networkConnectBody.parse({ Container: 'c', EndpointConfig: { IPAMConfig: { IPv4Address: '10.1' } } }))).toThrow(/invalid IPv4/);
  });
  it("filters by Docker's keys: names as shown (bridge), type, scope; the rest to tpod's filter", () => {
    const def = defaultNetwork();
    const f = networkFilters({ name: ['^bridge$'] });
    expect([f.keep(def), f.keep(rec)]).toEqual([true, false]);
    const t = networkFilters({ type: ['custom'] });
    expect([t.keep(def), t.keep(rec)]).toEqual([false, true]);
    expect(networkFilters({ label: ['a=b'], dangling: ['1'], driver: ['bridge'], id: ['ab'] }).engine).toEqual(['label=a=b', 'dangling=true', 'driver=bridge', 'id=ab']);
    expect(() => networkFilters({ type: ['weird'] })).toThrow(/type/);
    expect(() => networkFilters({ colour: ['x'] })).toThrow(/colour/);
  });
});
