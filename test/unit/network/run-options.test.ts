// The network flags as `run` parses them, and what reaches the OCI spec.
import { describe, it, expect } from 'vitest';
import { parseRunOptions, type HostAccess, type RawRunFlags } from '../../../src/runtime/options.js';
import { buildSpec, type SpecInput } from '../../../src/runtime/spec.js';

const host: HostAccess = { env: {}, cwd: '/', readFile: () => '', stat: () => undefined };
const parse = (f: Partial<RawRunFlags>) => parseRunOptions({ image: 'busybox', command: ['true'], ...f }, host);

function spec(f: Partial<RawRunFlags>, extra: Partial<SpecInput> = {}) {
  return buildSpec({
    id: 'a'.repeat(64),
    image: undefined,
    opts: parse(f),
    user: { uid: 0, gid: 0, additionalGids: [], home: '/root', name: 'root' },
    rootfs: '/c/merged',
    hostname: 'h',
    files: { hosts: '/c/hosts', hostname: '/c/hostname', resolvConf: '/c/resolv.conf' },
    nofile: { soft: 1024, hard: 1024 },
    cgroupV2: false,
    capLastCap: 40,
    applyResources: false,
    ...extra,
  });
}

describe('run network flags', () => {
  it('parses --network, -p, -P, DNS and hosts flags', () => {
    const o = parse({
      network: 'slirp4netns:allow_host_loopback=true',
      publish: ['127.0.0.1:8080:80', '53/udp'],
      publishAll: true,
      dns: ['1.1.1.1,8.8.8.8'],
      dnsSearch: ['example.org'],
      dnsOption: ['ndots:2'],
      addHost: ['db:10.0.0.5'],
    });
    expect(o.network).toBe('slirp4netns');
    expect(o.networkOptions).toEqual(['allow_host_loopback=true']);
    expect(o.publish).toHaveLength(2);
    expect(o.publishAll).toBe(true);
    expect(o.dns).toEqual(['1.1.1.1', '8.8.8.8']);
    expect(o.dnsSearch).toEqual(['example.org']);
    expect(o.dnsOption).toEqual(['ndots:2']);
    expect(o.addHosts).toEqual([['db', '10.0.0.5']]);
    expect(parse({ network: 'container:web' })).toMatchObject({ network: 'container', networkTarget: 'web' });
  });
  it('refuses contradictions before anything is created', () => {
    expect(() => parse({ noHosts: true, addHost: ['a:1.1.1.1'] })).toThrow('--no-hosts and --add-host cannot be set together');
    expect(() => parse({ network: 'container:web', dns: ['1.1.1.1'] })).toThrow('cannot be used with --network container:');
    expect(() => parse({ publish: ['8080:abc'] })).toThrow('invalid -p "8080:abc"');
    expect(() => parse({ dns: ['nope'] })).toThrow('invalid --dns "nope"');
  });
});

describe('the spec\'s network', () => {
  it('joins the bound namespace file', () => {
    const s = spec({ network: 'pasta' }, { netnsPath: '/run/tpod/netns/x' });
    expect(s.linux.namespaces).toContainEqual({ type: 'network', path: '/run/tpod/netns/x' });
    expect(s.linux.sysctl).toEqual({ 'net.ipv4.ping_group_range': '0 0' });
    expect(s.mounts.find((m) => m.destination === '/sys')?.type).toBe('sysfs');
  });
  it('uses the host\'s network through container: of a host-network container', () => {
    const s = spec({ network: 'container:web' }, { hostNetwork: true });
    expect(s.linux.namespaces.some((n) => n.type === 'network')).toBe(false);
    expect(s.mounts.find((m) => m.destination === '/sys')?.type).toBe('bind');
  });
  it('leaves the image\'s /etc/hosts and resolv.conf without generated ones', () => {
    const s = spec({ noHosts: true, dns: ['none'] }, { files: { hostname: '/c/hostname' } });
    expect(s.mounts.map((m) => m.destination)).not.toContain('/etc/hosts');
    expect(s.mounts.map((m) => m.destination)).not.toContain('/etc/resolv.conf');
    expect(s.mounts.map((m) => m.destination)).toContain('/etc/hostname');
  });
});
