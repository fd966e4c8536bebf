// Published ports of containers on user networks. The rootless namespace's slirp4netns
// forwards host port P to its own tap address (add_hostfwd through its API socket, at
// any time), and a DNAT rule in the namespace sends what arrives on tap0 for P on to
// the container's address and port. What was added for a container is kept in
// <runroot>/net/ports/<id>.json so its end takes exactly that away.
import { createConnection } from 'node:net';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Context } from '../engine/context.js';
import { TpodError } from '../errors.js';
import { writeJsonAtomic } from '../storage/atomic.js';
import { ensurePrivateDir } from '../storage/paths.js';
import type { ContainerRecord } from '../storage/containers.js';
import type { PortMapping } from './port-format.js';

/** slirp4netns' own address in the namespace (its tap0). */
export const SLIRP_TAP_ADDRESS = '10.0.2.100';

export interface Forward {
  /** slirp4netns' id of the host forward. */
  id: number;
  proto: 'tcp' | 'udp';
  hostPort: number;
  /** The iptables rule (after -t nat -A/-D), to delete it again. */
  rule: string[];
}

/** One request to slirp4netns' API socket; resolves with its "return" value. */
export function slirpRequest(sock: string, req: object, timeoutMs = 10_000): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const c = createConnection(sock);
    let text = '';
    const timer = setTimeout(() => {
      c.destroy();
      reject(new TpodError('ENETWORK', 'slirp4netns did not answer its API request'));
    }, timeoutMs);
    c.on('connect', () => c.end(JSON.stringify(req)));
    c.on('data', (d) => (text += d.toString()));
    c.on('error', (e) => {
      clearTimeout(timer);
      reject(new TpodError('ENETWORK', `slirp4netns API: ${e.message}`));
    });
    c.on('close', () => {
      clearTimeout(timer);
      try {
        const r = JSON.parse(text) as { return?: Record<string, unknown>; error?: { desc?: string } };
        if (r.error) reject(new TpodError('ENETWORK', r.error.desc ?? 'slirp4netns refused the request'));
        else resolve(r.return ?? {});
      } catch {
        reject(new TpodError('ENETWORK', `slirp4netns API: unexpected answer ${JSON.stringify(text)}`));
      }
    });
  });
}

/** The single-port forwards of REC's mappings to ADDRESS (its address on its first network). */
export function forwardsOf(ports: PortMapping[], address: string): Array<{ proto: 'tcp' | 'udp'; hostIP: string; hostPort: number; rule: string[] }> {
  const out: Array<{ proto: 'tcp' | 'udp'; hostIP: string; hostPort: number; rule: string[] }> = [];
  for (const p of ports) {
    if (p.protocol !== 'tcp' && p.protocol !== 'udp') throw new TpodError('ENETWORK', `publishing ${p.protocol} ports on user networks is not supported: use tcp or udp`);
    for (let i = 0; i < p.range; i++) {
      const hostPort = p.hostPort + i;
      out.push({
        proto: p.protocol,
        hostIP: p.hostIP,
        hostPort,
        rule: ['PREROUTING', '-i', 'tap0', '-p', p.protocol, '--dport', String(hostPort), '-j', 'DNAT', '--to-destination', `${address}:${p.containerPort + i}`],
      });
    }
  }
  return out;
}

function recordFile(ctx: Context, id: string): string {
  return join(ctx.paths.runroot, 'net', 'ports', `${id}.json`);
}

type Iptables = (args: string[]) => Promise<void>;

/** Adds REC's forwards; what got added is recorded before anything else can fail. */
export async function publishPorts(ctx: Context, sock: string, rec: Pick<ContainerRecord, 'id' | 'ports' | 'networks'>, iptables: Iptables): Promise<void> {
  const first = Object.values(rec.networks ?? {})[0];
  if (!first || !rec.ports || rec.ports.length === 0) return;
  ensurePrivateDir(join(ctx.paths.runroot, 'net', 'ports'), ctx.uid);
  const done: Forward[] = [];
  const save = (): void => writeJsonAtomic(recordFile(ctx, rec.id), done);
  for (const f of forwardsOf(rec.ports, first.ip)) {
    await iptables(['-t', 'nat', '-A', ...f.rule]);
    done.push({ id: -1, proto: f.proto, hostPort: f.hostPort, rule: f.rule });
    save();
    const hostAddr = f.hostIP === '' ? '0.0.0.0' : f.hostIP;
    if (hostAddr.includes(':')) throw new TpodError('ENETWORK', 'ports of containers on user networks are published on IPv4 host addresses only');
    const r = await slirpRequest(sock, {
      execute: 'add_hostfwd',
      arguments: { proto: f.proto, host_addr: hostAddr, host_port: f.hostPort, guest_addr: SLIRP_TAP_ADDRESS, guest_port: f.hostPort },
    }).catch((err: Error) => {
      throw new TpodError('ENETWORK', `cannot publish port ${f.hostPort}/${f.proto}: ${err.message}`);
    });
    done[done.length - 1]!.id = typeof r.id === 'number' ? r.id : -1;
    save();
  }
}

/** Takes REC's forwards away again (quietly: the namespace may be gone already). */
export async function unpublishPorts(ctx: Context, sock: string, id: string, iptables: Iptables): Promise<void> {
  let done: Forward[] = [];
  try {
    done = JSON.parse(readFileSync(recordFile(ctx, id), 'utf8')) as Forward[];
  } catch {
    return;
  }
  for (const f of done) {
    if (f.id >= 0) await slirpRequest(sock, { execute: 'remove_hostfwd', arguments: { id: f.id } }).catch(() => undefined);
    await iptables(['-t', 'nat', '-D', ...f.rule]).catch(() => undefined);
  }
  rmSync(recordFile(ctx, id), { force: true });
}
