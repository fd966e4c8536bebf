// Published ports: `-p [IP:][HOSTPORT:]CONTAINERPORT[/PROTO]` parsed into mappings, the
// image's EXPOSEd ports for -P, free host ports picked for 0 / omitted ones, and the
// checks that must fail before anything starts (a port in use, a privileged port).
// Shown in `ps` ("127.0.0.1:8080->80/tcp") and `inspect` (NetworkSettings.Ports).
import { isIP } from 'node:net';
import { readFileSync } from 'node:fs';
import { TpodError, UsageError } from '../errors.js';

export type { PortMapping, PortProtocol } from './port-format.js';
import type { PortMapping, PortProtocol } from './port-format.js';

const PROTOCOLS: PortProtocol[] = ['tcp', 'udp', 'sctp'];

function bad(spec: string, why: string): UsageError {
  return new UsageError(`invalid -p "${spec}": ${why}`);
}

/** "80" or "80-90" -> [start, count]; WHAT names the part for the message. */
function parseRange(text: string, what: string, spec: string, allowZero: boolean): [number, number] {
  const m = /^(\d+)(?:-(\d+))?$/.exec(text);
  if (!m) throw bad(spec, `${what} "${text}" is not a port number or range (e.g. 8080 or 8000-8010)`);
  const start = Number(m[1]);
  const end = m[2] === undefined ? start : Number(m[2]);
  for (const p of [start, end]) {
    if (p > 65535 || (p === 0 && !(allowZero && m[2] === undefined))) {
      throw bad(spec, `${what} ${p} is out of range (1-65535${allowZero ? ', or 0 for a free port' : ''})`);
    }
  }
  if (end < start) throw bad(spec, `${what} range "${text}" ends before it starts`);
  return [start, end - start + 1];
}

/**
 * One -p value. The host IP may be IPv6 in brackets ("[::1]:8080:80"); protocols may be
 * listed ("53/tcp,udp"); a host range must be as long as the container range, and a
 * container range without host ports gets free host ports one by one.
 */
export function parsePublish(spec: string): PortMapping[] {
  if (spec.trim() === '') throw bad(spec, 'it is empty');
  let rest = spec;
  let protos: PortProtocol[] = ['tcp'];
  const slash = rest.lastIndexOf('/');
  if (slash >= 0) {
    const p = rest.slice(slash + 1);
    rest = rest.slice(0, slash);
    const list = p.split(',').map((x) => x.trim().toLowerCase());
    for (const x of list) {
      if (!(PROTOCOLS as string[]).includes(x)) throw bad(spec, `unknown protocol "${x}" (use tcp, udp or sctp)`);
    }
    protos = [...new Set(list)] as PortProtocol[];
  }
  let hostIP = '';
  if (rest.startsWith('[')) {
    const close = rest.indexOf(']');
    if (close < 0) throw bad(spec, 'the host IP "[" has no closing "]"');
    hostIP = rest.slice(1, close);
    if (isIP(hostIP) !== 6) throw bad(spec, `host IP "${hostIP}" is not an IPv6 address`);
    if (rest[close + 1] !== ':') throw bad(spec, 'a ":" must follow the host IP');
    rest = rest.slice(close + 2);
    if (!rest.includes(':')) throw bad(spec, 'with a host IP, give HOST-PORT:CONTAINER-PORT (the host port may be empty)');
  }
  const parts = rest.split(':');
  if (parts.length > 3) throw bad(spec, 'too many ":" (expected [IP:][HOST-PORT:]CONTAINER-PORT[/PROTOCOL])');
  const containerText = parts[parts.length - 1]!;
  let hostText = parts.length >= 2 ? parts[parts.length - 2]! : '';
  if (parts.length === 3) {
    if (hostIP !== '') throw bad(spec, 'too many ":" after the host IP');
    hostIP = parts[0]!;
    if (hostIP !== '' && isIP(hostIP) === 0) throw bad(spec, `host IP "${hostIP}" is not an IP address`);
  }
  if (containerText === '') throw bad(spec, 'the container port is missing');
  const [cStart, cCount] = parseRange(containerText, 'container port', spec, false);
  if (hostIP === '0.0.0.0') hostIP = '';
  hostText = hostText.trim();
  const out: PortMapping[] = [];
  for (const protocol of protos) {
    if (hostText === '' || hostText === '0') {
      // Free host ports, picked one by one later.
      for (let i = 0; i < cCount; i++) out.push({ hostIP, hostPort: 0, containerPort: cStart + i, protocol, range: 1 });
      continue;
    }
    const [hStart, hCount] = parseRange(hostText, 'host port', spec, true);
    if (hCount !== cCount) {
      if (hCount === 1 && cCount > 1) throw bad(spec, `host port ${hostText} is one port but container ports ${containerText} are ${cCount}: give a host range of the same size`);
      if (cCount !== 1) throw bad(spec, `host ports ${hostText} (${hCount}) and container ports ${containerText} (${cCount}) differ in number`);
    }
    // Podman: a host range onto one container port publishes the first host port only.
    out.push({ hostIP, hostPort: hStart, containerPort: cStart, protocol, range: cCount });
  }
  return out;
}

/** Every -p value, with the same host port claimed twice refused. */
export function parsePublishList(specs: string[]): PortMapping[] {
  const all = specs.flatMap(parsePublish);
  const seen = new Map<string, string>();
  for (const m of all) {
    if (m.hostPort === 0) continue;
    for (let i = 0; i < m.range; i++) {
      const key = `${m.protocol}/${m.hostPort + i}`;
      const other = seen.get(key);
      const me = `${m.hostIP || '0.0.0.0'}`;
      if (other !== undefined && (other === me || other === '0.0.0.0' || me === '0.0.0.0')) {
        throw new UsageError(`host port ${m.hostPort + i}/${m.protocol} is published twice`);
      }
      seen.set(key, me);
    }
  }
  return all;
}

/** -P: the image's ExposedPorts ("80/tcp", "53/udp", "8080"), each on a free host port. */
export function exposedMappings(exposed: Record<string, object> | undefined, already: PortMapping[]): PortMapping[] {
  const out: PortMapping[] = [];
  for (const key of Object.keys(exposed ?? {})) {
    const [portText = '', protoText = 'tcp'] = key.split('/');
    const proto = protoText.toLowerCase() as PortProtocol;
    if (!PROTOCOLS.includes(proto)) continue;
    const m = /^(\d+)(?:-(\d+))?$/.exec(portText);
    if (!m) continue;
    const start = Number(m[1]);
    const end = m[2] === undefined ? start : Number(m[2]);
    for (let p = start; p <= end && p <= 65535; p++) {
      if (p < 1) continue;
      const taken = [...already, ...out].some((x) => x.protocol === proto && p >= x.containerPort && p < x.containerPort + x.range);
      if (!taken) out.push({ hostIP: '', hostPort: 0, containerPort: p, protocol: proto, range: 1 });
    }
  }
  return out;
}

// ---- host checks ---------------------------------------------------------------------

/** net.ipv4.ip_unprivileged_port_start: ports below it need privileges we do not have. */
export function unprivilegedPortStart(read: (p: string) => string = (p) => readFileSync(p, 'utf8')): number {
  try {
    const n = Number(read('/proc/sys/net/ipv4/ip_unprivileged_port_start').trim());
    return Number.isInteger(n) && n >= 0 ? n : 1024;
  } catch {
    return 1024;
  }
}

/** Refuses host ports a rootless helper cannot bind, naming the sysctl and its value. */
export function checkPrivilegedPorts(ports: PortMapping[], start: number): void {
  for (const m of ports) {
    if (m.hostPort !== 0 && m.hostPort < start) {
      throw new TpodError(
        'ENETWORK',
        `cannot publish privileged port ${m.hostPort}/${m.protocol} without root: net.ipv4.ip_unprivileged_port_start is ${start}; ` +
          `choose a host port >= ${start}, or lower it (sysctl -w net.ipv4.ip_unprivileged_port_start=${m.hostPort})`,
      );
    }
  }
}

type Binder = (protocol: 'tcp' | 'udp', hostIP: string, port: number) => Promise<number>;

/** Binds and releases at once: the port the kernel gave (port 0 picks a free one). */
export const bindProbe: Binder = async (protocol, hostIP, port) => {
  if (protocol === 'udp') {
    const dgram = await import('node:dgram');
    const type = hostIP.includes(':') ? 'udp6' : 'udp4';
    const sock = dgram.createSocket({ type, reuseAddr: false });
    return new Promise((resolve, reject) => {
      sock.once('error', (e) => {
        sock.close();
        reject(e);
      });
      sock.bind({ port, address: hostIP || (type === 'udp6' ? '::' : '0.0.0.0'), exclusive: true }, () => {
        const got = sock.address().port;
        sock.close(() => resolve(got));
      });
    });
  }
  const net = await import('node:net');
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    // Without a host IP both families are claimed, as pasta binds 0.0.0.0 and ::.
    srv.listen({ port, host: hostIP || undefined, exclusive: true }, () => {
      const a = srv.address();
      const got = typeof a === 'object' && a ? a.port : port;
      srv.close(() => resolve(got));
    });
  });
};

function inUse(m: PortMapping, port: number, err: NodeJS.ErrnoException): TpodError {
  const where = `${m.hostIP === '' ? '0.0.0.0' : m.hostIP}:${port}`;
  const why = err.code === 'EADDRINUSE' ? 'address already in use' : err.code === 'EADDRNOTAVAIL' ? 'cannot assign requested address' : err.code === 'EACCES' ? 'permission denied' : err.message;
  return new TpodError('ENETWORK', `cannot publish ${where}/${m.protocol}: listen ${m.protocol} ${where}: bind: ${why}`, { cause: err });
}

/**
 * Picks free host ports for mappings that have none (one port each). The returned
 * list is what the container keeps: restarts publish the same ports again.
 */
export async function assignHostPorts(ports: PortMapping[], bind: Binder = bindProbe): Promise<PortMapping[]> {
  const out: PortMapping[] = [];
  const taken = new Set(ports.filter((p) => p.hostPort !== 0).flatMap((p) => Array.from({ length: p.range }, (_, i) => `${p.protocol}/${p.hostPort + i}`)));
  for (const m of ports) {
    if (m.hostPort !== 0) {
      out.push(m);
      continue;
    }
    if (m.protocol === 'sctp') throw new TpodError('ENETWORK', `cannot publish ${m.containerPort}/sctp: rootless networking (pasta, slirp4netns) forwards only tcp and udp`);
    let port = 0;
    for (let tries = 0; tries < 20; tries++) {
      try {
        port = await bind(m.protocol, m.hostIP, 0);
      } catch (err) {
        throw inUse(m, 0, err as NodeJS.ErrnoException);
      }
      if (!taken.has(`${m.protocol}/${port}`)) break;
    }
    taken.add(`${m.protocol}/${port}`);
    out.push({ ...m, hostPort: port });
  }
  return out;
}

/** Fails with "address already in use" for the first host port something else holds. */
export async function checkPortsFree(ports: PortMapping[], bind: Binder = bindProbe): Promise<void> {
  for (const m of ports) {
    if (m.protocol === 'sctp') throw new TpodError('ENETWORK', `cannot publish ${m.hostPort}/sctp: rootless networking (pasta, slirp4netns) forwards only tcp and udp`);
    for (let i = 0; i < m.range; i++) {
      const port = m.hostPort + i;
      try {
        await bind(m.protocol, m.hostIP, port);
      } catch (err) {
        throw inUse(m, port, err as NodeJS.ErrnoException);
      }
    }
  }
}
