import { describe, it, expect } from 'vitest';
import { allocateAttachment, freeInterfaceName } from '../../../src/network/bridge-plan.js';
import { bridgeRules, rootlessNetnsScript, vethName } from '../../../src/network/bridge.js';
import { interfaceScript, removeInterfaceScript } from '../../../src/network/bridge-live.js';
import { withNameserver, withOwnAddress, withoutNameserver, withoutOwnAddress } from '../../../src/network/etc-files.js';
import { buildNetworkRecord } from '../../../src/network/network-create.js';
import { nextFreeAddress } from '../../../src/network/subnet.js';
import type { ContainerRecord } from '../../../src/storage/containers.js';

const net = (name: string, subnet: string, internal = false) => buildNetworkRecord({ name, subnets: [subnet], internal }, [], [], new Date(0));
const on = (id: string, networks: ContainerRecord['networks']) => ({ id, name: `c-${id}`, networks }) as ContainerRecord;

describe('network connect: the new attachment', () => {
  it('takes the first free ethN', () => {
    expect(freeInterfaceName(undefined)).toBe('eth0');
    expect(freeInterfaceName({ a: { ip: '', mac: '', interface: 'eth0' }, b: { ip: '', mac: '', interface: 'eth2' } })).toBe('eth1');
  });

  it('hands out the address after the last one, so a freed address is not reused at once', () => {
    const spec = { subnet: '10.90.0.0/29', gateway: '10.90.0.1' };
    expect(nextFreeAddress(spec, new Set(), '10.90.0.3')).toBe('10.90.0.4');
    // Wraps around past the end of the range, skipping the gateway.
    expect(nextFreeAddress(spec, new Set(['10.90.0.2']), '10.90.0.6')).toBe('10.90.0.3');
    expect(nextFreeAddress(spec, new Set(), '192.168.0.1')).toBe('10.90.0.2');
    const a = net('a', '10.89.5.0/24');
    const got = allocateAttachment(a, [on('x', { a: { ip: '10.89.5.2', mac: 'm', interface: 'eth0' } })], { aliases: ['db'] }, 'eth1', '10.89.5.3');
    expect(got).toMatchObject({ ip: '10.89.5.4', interface: 'eth1', aliases: ['db'], gateway: '10.89.5.1', prefixLen: 24 });
    expect(allocateAttachment(a, [], { staticIp: '10.89.5.9', mac: '02:00:00:00:00:09' }, 'eth0')).toMatchObject({ ip: '10.89.5.9', mac: '02:00:00:00:00:09' });
    expect(() => allocateAttachment(a, [on('x', { a: { ip: '10.89.5.2', mac: 'm', interface: 'eth0' } })], { staticIp: '10.89.5.2' }, 'eth1')).toThrow('already allocated');
  });
});

describe('network connect: wiring scripts', () => {
  it('names the veth after the interface, so a disconnect of another network does not shift it', () => {
    expect(vethName('0123456789abcdef', 'eth2')).toBe('veth012345672');
    expect(vethName('0123456789abcdef', 2)).toBe('veth012345672');
  });

  it('adds the default route only when the container has none, and moves it on disconnect', () => {
    const a = net('a', '10.89.5.0/24');
    const s = interfaceScript(a, { ip: '10.89.5.7', mac: 'm', interface: 'eth1' });
    expect(s).toContain("ip addr add '10.89.5.7/24' brd + dev 'eth1'");
    expect(s).toContain("ip route show default | grep -q . || ip route add default via '10.89.5.1' dev 'eth1'");
    expect(interfaceScript(net('i', '10.89.6.0/24', true), { ip: '10.89.6.2', mac: 'm', interface: 'eth1' })).not.toContain('default');
    const r = removeInterfaceScript('eth0', [[a, { ip: '10.89.5.7', mac: 'm', interface: 'eth1' }]]);
    expect(r).toContain("ip link del 'eth0'");
    expect(r).toContain("ip route add default via '10.89.5.1' dev 'eth1'");
    expect(removeInterfaceScript('eth0', [])).not.toContain('route');
  });

  it('reload checks each rule before adding it', () => {
    const a = net('a', '10.89.5.0/24');
    const rules = bridgeRules(a, true).join('\n');
    expect(rules).toContain("iptables -C FORWARD -i 'podman1' -o 'podman1' -j ACCEPT 2>/dev/null || iptables -I FORWARD -i 'podman1' -o 'podman1' -j ACCEPT");
    expect(rules).toContain("iptables -t nat -C POSTROUTING -s '10.89.5.0/24' ! -d '10.89.5.0/24' -j MASQUERADE 2>/dev/null || iptables -t nat -A POSTROUTING");
    expect(bridgeRules(a, false).join('\n')).not.toContain('-C');
    expect(rootlessNetnsScript(true)).toContain('iptables -C FORWARD -i podman+ -o podman+ -j DROP 2>/dev/null || iptables -A FORWARD');
  });
});

describe('network connect: /etc files in place', () => {
  const hosts = '127.0.0.1\tlocalhost\n10.89.5.2\tabc web\n10.88.0.1\thost.containers.internal\n';

  it('adds and removes the container\'s own line for an address', () => {
    const added = withOwnAddress(hosts, '10.89.6.3', ['abc', 'web']);
    expect(added).toBe('127.0.0.1\tlocalhost\n10.89.5.2\tabc web\n10.89.6.3\tabc web\n10.88.0.1\thost.containers.internal\n');
    expect(withOwnAddress(added, '10.89.6.3', ['abc', 'web'])).toBe(added);
    expect(withoutOwnAddress(added, '10.89.5.2', ['abc', 'web'])).toBe('127.0.0.1\tlocalhost\n10.89.6.3\tabc web\n10.88.0.1\thost.containers.internal\n');
    expect(withOwnAddress('', '10.1.1.1', ['h', 'h'])).toBe('10.1.1.1\th\n');
  });

  it('adds and removes a network\'s name server', () => {
    const r = 'search dns.podman\nnameserver 10.89.5.1\noptions ndots:1\n';
    const added = withNameserver(r, '10.89.6.1');
    expect(added).toBe('search dns.podman\nnameserver 10.89.5.1\nnameserver 10.89.6.1\noptions ndots:1\n');
    expect(withNameserver(added, '10.89.6.1')).toBe(added);
    expect(withoutNameserver(added, '10.89.5.1')).toBe('search dns.podman\nnameserver 10.89.6.1\noptions ndots:1\n');
  });
});
