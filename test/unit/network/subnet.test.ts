import { describe, it, expect } from 'vitest';
import { checkSubnet, freeSubnet, nextFreeAddress, parseCidr } from '../../../src/network/subnet.js';

const c = (s: string) => parseCidr(s)!;

describe('subnets', () => {
  it('parses IPv4 CIDRs and refuses anything else', () => {
    expect(c('10.89.3.0/24')).toEqual({ base: (10 << 24 >>> 0) + (89 << 16) + (3 << 8), prefix: 24 });
    for (const bad of ['10.89.0.0/33', '10.89.0/24', '300.1.1.1/8', 'fd00::/64', 'x']) expect(parseCidr(bad)).toBeUndefined();
  });

  it('picks the first 10.89.N.0/24 nothing overlaps, as Podman\'s pool does', () => {
    expect(freeSubnet([])).toEqual(c('10.89.0.0/24'));
    expect(freeSubnet([c('10.89.0.0/24'), c('10.89.1.0/24')])).toEqual(c('10.89.2.0/24'));
    // A host route over part of the pool pushes past it.
    expect(freeSubnet([c('10.89.0.0/23')])).toEqual(c('10.89.2.0/24'));
    expect(() => freeSubnet([c('10.89.0.0/16')])).toThrow(/no free subnet|could not find a free subnet/);
  });

  it('checks --subnet, --gateway and --ip-range', () => {
    expect(checkSubnet('10.90.0.0/24', undefined, undefined, [])).toEqual({ subnet: '10.90.0.0/24', gateway: '10.90.0.1' });
    expect(() => checkSubnet('10.90.0.5/24', undefined, undefined, [])).toThrow(/not a network address: did you mean 10.90.0.0\/24/);
    expect(() => checkSubnet('10.90.0.0/24', undefined, undefined, [c('10.90.0.0/16')])).toThrow(/already used/);
    expect(() => checkSubnet('10.90.0.0/24', '10.91.0.1', undefined, [])).toThrow(/gateway 10.91.0.1 not in subnet/);
    expect(() => checkSubnet('bogus', undefined, undefined, [])).toThrow(/invalid subnet "bogus"/);
    expect(checkSubnet('10.90.0.0/24', '10.90.0.254', '10.90.0.128/25', []).lease_range).toEqual({ start_ip: '10.90.0.128', end_ip: '10.90.0.254' });
    expect(checkSubnet('10.90.0.0/24', undefined, '10.90.0.10-10.90.0.20', []).lease_range).toEqual({ start_ip: '10.90.0.10', end_ip: '10.90.0.20' });
    expect(() => checkSubnet('10.90.0.0/24', undefined, '10.91.0.0/25', [])).toThrow(/not inside subnet/);
  });

  it('hands out the lowest free address, never the gateway, within the lease range', () => {
    const spec = { subnet: '10.90.0.0/24', gateway: '10.90.0.1' };
    expect(nextFreeAddress(spec, new Set())).toBe('10.90.0.2');
    expect(nextFreeAddress(spec, new Set(['10.90.0.2', '10.90.0.3']))).toBe('10.90.0.4');
    expect(nextFreeAddress({ ...spec, lease_range: { start_ip: '10.90.0.10', end_ip: '10.90.0.11' } }, new Set(['10.90.0.10']))).toBe('10.90.0.11');
    expect(nextFreeAddress({ subnet: '10.90.0.0/30', gateway: '10.90.0.1' }, new Set(['10.90.0.2']))).toBeUndefined();
  });
});
