import { describe, it, expect } from 'vitest';
import { parseDefaultRoute } from '../../../src/network/host.js';

const ROUTE = `Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT
eth1\t00000000\t0101A8C0\t0003\t0\t0\t200\t00000000\t0\t0\t0
eth0\t00000000\t010200C0\t0003\t0\t0\t100\t00000000\t0\t0\t0
eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0
`;

describe('default route', () => {
  it('picks the lowest-metric IPv4 default route and decodes its gateway', () => {
    expect(parseDefaultRoute(ROUTE)).toEqual({ iface: 'eth0', gateway: '192.0.2.1' });
  });
  it('has none without a default route', () => {
    expect(parseDefaultRoute(ROUTE.split('\n').filter((l) => !l.includes('\t00000000\t0')).join('\n'))).toBeUndefined();
    expect(parseDefaultRoute('')).toBeUndefined();
  });
});
