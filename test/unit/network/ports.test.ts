import { describe, it, expect } from 'vitest';
import {
  assignHostPorts,
  checkPortsFree,
  checkPrivilegedPorts,
  exposedMappings,
  parsePublish,
  parsePublishList,
  unprivilegedPortStart,
  type PortMapping,
} from '../../../src/network/ports.js';
import { foldRanges, formatPorts, inspectPorts, jsonPorts, portLines } from '../../../src/network/port-format.js';

const m = (x: Partial<PortMapping>): PortMapping => ({ hostIP: '', hostPort: 0, containerPort: 80, protocol: 'tcp', range: 1, ...x });

describe('-p parsing', () => {
  it('reads every documented shape', () => {
    expect(parsePublish('80')).toEqual([m({})]);
    expect(parsePublish('8080:80')).toEqual([m({ hostPort: 8080 })]);
    expect(parsePublish('127.0.0.1:8080:80')).toEqual([m({ hostIP: '127.0.0.1', hostPort: 8080 })]);
    expect(parsePublish('127.0.0.1::80')).toEqual([m({ hostIP: '127.0.0.1' })]);
    expect(parsePublish('127.0.0.1:0:80/udp')).toEqual([m({ hostIP: '127.0.0.1', protocol: 'udp' })]);
    expect(parsePublish('0.0.0.0:8080:80')).toEqual([m({ hostPort: 8080 })]);
    expect(parsePublish('[::1]:8080:80')).toEqual([m({ hostIP: '::1', hostPort: 8080 })]);
    expect(parsePublish('53:53/tcp,udp')).toEqual([m({ hostPort: 53, containerPort: 53 }), m({ hostPort: 53, containerPort: 53, protocol: 'udp' })]);
    expect(parsePublish('8000-8002:80-82')).toEqual([m({ hostPort: 8000, range: 3 })]);
    expect(parsePublish('80/SCTP')).toEqual([m({ protocol: 'sctp' })]);
  });
  it('gives a container range without host ports one free port each', () => {
    expect(parsePublish('80-81')).toEqual([m({}), m({ containerPort: 81 })]);
  });
  it('says which part of a malformed -p is wrong', () => {
    expect(() => parsePublish('')).toThrow('invalid -p "": it is empty');
    expect(() => parsePublish('abc')).toThrow('container port "abc" is not a port number or range');
    expect(() => parsePublish('8080:')).toThrow('the container port is missing');
    expect(() => parsePublish('x:80')).toThrow('host port "x" is not a port number or range');
    expect(() => parsePublish('1.2.3:8080:80')).toThrow('host IP "1.2.3" is not an IP address');
    expect(() => parsePublish('80/xyz')).toThrow('unknown protocol "xyz" (use tcp, udp or sctp)');
    expect(() => parsePublish('70000:80')).toThrow('host port 70000 is out of range');
    expect(() => parsePublish('8080:0')).toThrow('container port 0 is out of range');
    expect(() => parsePublish('90-80')).toThrow('container port range "90-80" ends before it starts');
    expect(() => parsePublish('8000-8002:80-81')).toThrow('host ports 8000-8002 (3) and container ports 80-81 (2) differ in number');
    expect(() => parsePublish('8000:80-81')).toThrow('host port 8000 is one port but container ports 80-81 are 2');
    expect(() => parsePublish('1:2:3:4')).toThrow('too many ":"');
    expect(() => parsePublish('[::1:8080:80')).toThrow('has no closing "]"');
    expect(() => parsePublish('[1.2.3.4]:8080:80')).toThrow('host IP "1.2.3.4" is not an IPv6 address');
  });
  it('refuses the same host port twice', () => {
    expect(() => parsePublishList(['8080:80', '8080:81'])).toThrow('host port 8080/tcp is published twice');
    expect(() => parsePublishList(['127.0.0.1:8080:80', '8080:81'])).toThrow('published twice');
    expect(parsePublishList(['127.0.0.1:8080:80', '127.0.0.2:8080:81'])).toHaveLength(2);
    expect(parsePublishList(['8080:80', '8080:80/udp'])).toHaveLength(2);
  });
  it('publishes the image\'s exposed ports for -P, skipping those already published', () => {
    const got = exposedMappings({ '80/tcp': {}, '53/udp': {}, '9000': {}, 'bad/x': {} }, [m({ hostPort: 8080 })]);
    expect(got).toHaveLength(2);
    expect(got).toContainEqual(m({ containerPort: 53, protocol: 'udp' }));
    expect(got).toContainEqual(m({ containerPort: 9000 }));
  });
});

describe('display', () => {
  const ports = [m({ hostIP: '127.0.0.1', hostPort: 8080 }), m({ hostPort: 9000, containerPort: 90, protocol: 'udp' }), m({ hostPort: 9001, containerPort: 91, protocol: 'udp' })];
  it('prints ps PORTS as Podman does, folding consecutive ports', () => {
    expect(formatPorts(ports)).toBe('127.0.0.1:8080->80/tcp, 0.0.0.0:9000-9001->90-91/udp');
    expect(formatPorts(undefined)).toBe('');
    expect(foldRanges([m({ hostPort: 5, containerPort: 5 }), m({ hostPort: 7, containerPort: 6 })])).toHaveLength(2);
  });
  it('shapes inspect Ports with exposed ports nobody published as null', () => {
    expect(inspectPorts(ports, { '80/tcp': {}, '443': {} })).toEqual({
      '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '8080' }],
      '443/tcp': null,
      '90/udp': [{ HostIp: '', HostPort: '9000' }],
      '91/udp': [{ HostIp: '', HostPort: '9001' }],
    });
    expect(inspectPorts(undefined)).toEqual({});
  });
  it('prints port lines and ps JSON', () => {
    expect(portLines(ports)).toEqual(['80/tcp -> 127.0.0.1:8080', '90/udp -> 0.0.0.0:9000', '91/udp -> 0.0.0.0:9001']);
    expect(portLines(ports, { port: 91 })).toEqual(['0.0.0.0:9001']);
    expect(portLines(ports, { port: 80, protocol: 'udp' })).toEqual([]);
    expect(jsonPorts([ports[0]!])).toEqual([{ host_ip: '127.0.0.1', container_port: 80, host_port: 8080, range: 1, protocol: 'tcp' }]);
    expect(jsonPorts([])).toBeNull();
  });
});

describe('host checks', () => {
  it('reads net.ipv4.ip_unprivileged_port_start, 1024 when unreadable', () => {
    expect(unprivilegedPortStart(() => '80\n')).toBe(80);
    expect(unprivilegedPortStart(() => {
      throw new Error('no');
    })).toBe(1024);
  });
  it('refuses privileged host ports, naming the sysctl and its value', () => {
    expect(() => checkPrivilegedPorts([m({ hostPort: 80 })], 1024)).toThrow(
      'cannot publish privileged port 80/tcp without root: net.ipv4.ip_unprivileged_port_start is 1024',
    );
    expect(() => checkPrivilegedPorts([m({ hostPort: 80 })], 0)).not.toThrow();
    expect(() => checkPrivilegedPorts([m({ hostPort: 0 })], 1024)).not.toThrow();
  });
  it('reports a host port in use as "address already in use"', async () => {
    const busy = async (): Promise<number> => {
      throw Object.assign(new Error('listen EADDRINUSE'), { code: 'EADDRINUSE' });
    };
    await expect(checkPortsFree([m({ hostIP: '127.0.0.1', hostPort: 8080 })], busy)).rejects.toThrow(
      'cannot publish 127.0.0.1:8080/tcp: listen tcp 127.0.0.1:8080: bind: address already in use',
    );
    await expect(checkPortsFree([m({ hostPort: 8080, range: 2 })], async () => 0)).resolves.toBeUndefined();
  });
  it('checks every port of a range', async () => {
    const seen: number[] = [];
    await checkPortsFree([m({ hostPort: 8000, range: 3 })], async (_p, _ip, port) => {
      seen.push(port);
      return port;
    });
    expect(seen).toEqual([8000, 8001, 8002]);
  });
  it('picks free host ports, never one already claimed by the same container', async () => {
    const offers = [8080, 8081];
    const got = await assignHostPorts([m({ hostPort: 8080 }), m({ containerPort: 81 })], async () => offers.shift()!);
    expect(got.map((p) => p.hostPort)).toEqual([8080, 8081]);
  });
  it('refuses sctp, which pasta and slirp4netns cannot forward', async () => {
    await expect(assignHostPorts([m({ protocol: 'sctp' })], async () => 1)).rejects.toThrow('forwards only tcp and udp');
    await expect(checkPortsFree([m({ hostPort: 9, protocol: 'sctp' })], async () => 1)).rejects.toThrow('forwards only tcp and udp');
  });
  it('binds real loopback sockets to find a free port and to see one in use', async () => {
    const net = await import('node:net');
    const srv = net.createServer();
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const port = (srv.address() as { port: number }).port;
    try {
      await expect(checkPortsFree([m({ hostIP: '127.0.0.1', hostPort: port })])).rejects.toThrow('address already in use');
    } finally {
      await new Promise((r) => srv.close(r));
    }
    await expect(checkPortsFree([m({ hostIP: '127.0.0.1', hostPort: port })])).resolves.toBeUndefined();
    const [picked] = await assignHostPorts([m({ hostIP: '127.0.0.1', protocol: 'udp' })]);
    expect(picked!.hostPort).toBeGreaterThan(0);
  });
});
