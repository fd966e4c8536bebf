import { describe, it, expect } from 'vitest';
import { allocateAttachments, randomMac } from '../../../src/network/bridge-plan.js';
import { attachScript, dnsRecordText, upstreamResolvers, vethName } from '../../../src/network/bridge.js';
import { forwardsOf } from '../../../src/network/bridge-ports.js';
import { buildNetworkRecord } from '../../../src/network/network-create.js';
import type { ContainerRecord } from '../../../src/storage/containers.js';

const net = (name: string, subnet?: string) => buildNetworkRecord({ name, ...(subnet ? { subnets: [subnet] } : {}) }, [], [], new Date(0));
const on = (id: string, networks: ContainerRecord['networks']) => ({ id, name: `c-${id}`, networks }) as ContainerRecord;

describe('addresses on user networks', () => {
  it('gives the lowest free address per network, --ip and --mac-address on the first', () => {
    const a = net('a', '10.89.5.0/24');
    const b = net('b', '10.89.6.0/24');
    const taken = [on('x', { a: { ip: '10.89.5.2', mac: '02:00:00:00:00:01', interface: 'eth0' } })];
    const got = allocateAttachments([a, b], taken, { aliases: ['db'] });
    expect(got.a).toMatchObject({ ip: '10.89.5.3', interface: 'eth0', aliases: ['db'] });
    expect(got.b).toMatchObject({ ip: '10.89.6.2', interface: 'eth1' });
    const fixed = allocateAttachments([a], taken, { staticIp: '10.89.5.50', mac: '02:11:22:33:44:55' });
    expect(fixed.a).toMatchObject({ ip: '10.89.5.50', mac: '02:11:22:33:44:55' });
    expect(() => allocateAttachments([a], taken, { staticIp: '10.89.5.2' })).toThrow('already allocated');
    expect(() => allocateAttachments([a], taken, { staticIp: '10.89.5.1' })).toThrow('gateway');
    expect(() => allocateAttachments([a], taken, { staticIp: '10.90.0.2' })).toThrow('not in any subnet');
  });

  it('makes locally administered unicast MACs', () => {
    const mac = randomMac(() => Buffer.from([0xff, 1, 2, 3, 4, 5]));
    expect(mac).toBe('fe:01:02:03:04:05');
  });
});

describe('rootless namespace wiring', () => {
  it('names veths within 15 characters and scripts a bridge, a veth and the route', () => {
    expect(vethName('0123456789abcdef', 1)).toBe('veth012345671');
    expect(vethName('0123456789abcdef', 1).length).toBeLessThanOrEqual(15);
    const a = net('a', '10.89.5.0/24');
    const rec = { id: '0123456789abcdef', netns: '/run/x/netns-1', networks: { a: { ip: '10.89.5.2', mac: '02:00:00:00:00:02', interface: 'eth0' } } };
    const s = attachScript('/run/x/rootless-netns', rec, [a]);
    // The rootless side is quoted once more (it runs under nsenter ... sh -ec).
    expect(s).toMatch(/ip link add '\\''podman1'\\'' type bridge/);
    expect(s).toMatch(/peer name '\\''eth0'\\'' address '\\''02:00:00:00:00:02'\\'' netns '\\''\/run\/x\/netns-1'\\''/);
    expect(s).toMatch(/ip route add default via '\\''10\.89\.5\.1'\\''/);
    expect(s).toContain('MASQUERADE');
    const internal = buildNetworkRecord({ name: 'i', subnets: ['10.89.9.0/24'], internal: true }, [], [], new Date(0));
    const si = attachScript('/ns', { ...rec, networks: { i: rec.networks.a } }, [internal]);
    expect(si).not.toContain('default via');
    expect(si).not.toContain('MASQUERADE');
  });

  it('forwards each published port to the container address through a DNAT rule', () => {
    expect(forwardsOf([{ hostIP: '', hostPort: 8080, containerPort: 80, protocol: 'tcp', range: 2 }], '10.89.0.2')).toEqual([
      { proto: 'tcp', hostIP: '', hostPort: 8080, rule: ['PREROUTING', '-i', 'tap0', '-p', 'tcp', '--dport', '8080', '-j', 'DNAT', '--to-destination', '10.89.0.2:80'] },
      { proto: 'tcp', hostIP: '', hostPort: 8081, rule: ['PREROUTING', '-i', 'tap0', '-p', 'tcp', '--dport', '8081', '-j', 'DNAT', '--to-destination', '10.89.0.2:81'] },
    ]);
  });
});

describe('tpod-dns records', () => {
  it('lists each container of the network with its name, aliases and short id', () => {
    const a = net('a', '10.89.5.0/24');
    const text = dnsRecordText(a, [
      on('aaaaaaaaaaaabbbb', { a: { ip: '10.89.5.2', mac: 'm', interface: 'eth0', aliases: ['www'] } }),
      on('cccccccccccc', { b: { ip: '10.89.6.2', mac: 'm', interface: 'eth0' } }),
    ]);
    expect(text).toBe('subnet 10.89.5.0/24\n10.89.5.2 c-aaaaaaaaaaaabbbb www aaaaaaaaaaaa\n');
  });

  it('asks slirp4netns first, then the host resolvers it can reach', () => {
    expect(upstreamResolvers('nameserver 127.0.0.53\n')).toEqual(['10.0.2.3']);
    expect(upstreamResolvers('nameserver 10.255.255.53\nnameserver ::1\nnameserver 1.1.1.1\nnameserver 8.8.8.8\n')).toEqual(['10.0.2.3', '10.255.255.53', '1.1.1.1']);
  });
});
