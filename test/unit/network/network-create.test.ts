import { describe, it, expect } from 'vitest';
import { buildNetworkRecord } from '../../../src/network/network-create.js';
import { defaultNetwork } from '../../../src/network/networks.js';
import { parseCidr } from '../../../src/network/subnet.js';

const now = new Date('2026-01-02T03:04:05Z');

describe('network create', () => {
  it('names and numbers a network as Podman does, with a free subnet and DNS on', () => {
    const rec = buildNetworkRecord({}, [defaultNetwork()], [], now);
    expect(rec).toMatchObject({
      name: 'podman1',
      driver: 'bridge',
      network_interface: 'podman1',
      created: '2026-01-02T03:04:05.000Z',
      subnets: [{ subnet: '10.89.0.0/24', gateway: '10.89.0.1' }],
      ipv6_enabled: false,
      internal: false,
      dns_enabled: true,
      ipam_options: { driver: 'host-local' },
    });
    expect(rec.id).toMatch(/^[0-9a-f]{64}$/);
    expect(rec.labels).toBeUndefined();
    const second = buildNetworkRecord({ name: 'b' }, [defaultNetwork(), rec], [], now);
    expect(second.network_interface).toBe('podman2');
    expect(second.subnets[0]!.subnet).toBe('10.89.1.0/24');
  });

  it('skips subnets the host uses', () => {
    expect(buildNetworkRecord({ name: 'x' }, [], [parseCidr('10.89.0.0/24')!], now).subnets[0]!.subnet).toBe('10.89.1.0/24');
  });

  it('keeps labels, options, --internal and --disable-dns', () => {
    const rec = buildNetworkRecord({ name: 'x', labels: { a: 'b' }, options: { mtu: '1400' }, internal: true, disableDns: true }, [], [], now);
    expect(rec).toMatchObject({ labels: { a: 'b' }, options: { mtu: '1400' }, internal: true, dns_enabled: false });
  });

  it('refuses bad input with a message that says what is wrong', () => {
    const existing = [defaultNetwork(), buildNetworkRecord({ name: 'taken' }, [], [], now)];
    expect(() => buildNetworkRecord({ name: 'taken' }, existing, [], now)).toThrow('network name taken already used: network already exists');
    expect(() => buildNetworkRecord({ name: 'podman' }, existing, [], now)).toThrow(/already used/);
    expect(() => buildNetworkRecord({ name: 'bad/name' }, [], [], now)).toThrow(/invalid/);
    expect(() => buildNetworkRecord({ name: 'x', driver: 'macvlan' }, [], [], now)).toThrow(/unsupported driver macvlan/);
    expect(() => buildNetworkRecord({ name: 'x', options: { foo: '1' } }, [], [], now)).toThrow(/unsupported bridge network option foo/);
    expect(() => buildNetworkRecord({ name: 'x', options: { mtu: 'big' } }, [], [], now)).toThrow(/invalid value/);
    expect(() => buildNetworkRecord({ name: 'x', gateways: ['10.1.1.1'] }, [], [], now)).toThrow(/needs a --subnet/);
    expect(() => buildNetworkRecord({ name: 'x', subnets: ['10.89.0.0/24'] }, existing, [], now)).toThrow(/already used/);
    for (const f of [() => buildNetworkRecord({ name: 'taken' }, existing, [], now), () => buildNetworkRecord({ name: 'x', subnets: ['nope'] }, [], [], now)]) {
      try {
        f();
      } catch (e) {
        expect((e as { exitCode: number }).exitCode).toBe(125);
      }
    }
  });
});
