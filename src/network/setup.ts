// Bringing a container's network up and down. Up is a list of tpod-helper nsexec steps
// that run in the same spawn as the rootfs mount, before the runtime runs:
//
//   --netns <runroot>/netns/<id>          a namespace with lo up, bound on a file
//   --pasta pasta --config-net --netns FILE -t .. -u .. -T none -U none -P PIDFILE
//   --slirp4netns PIDFILE LOG slirp4netns --configure ... --netns-type=path FILE tap0
//   --slirp-api SOCKET {"execute":"add_hostfwd",...}   (one per published port)
//
// Down: unmounting and removing the file makes pasta quit (it watches the file);
// slirp4netns quits when its exit pipe closes (held by the monitor, or by the helper
// that waits for `runtime run`); and the helper's pid, checked to be ours, gets
// SIGTERM in case anything kept either alive.
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Context } from '../engine/context.js';
import { TpodError } from '../errors.js';
import type { NsStep } from '../rootless/join.js';
import { ensurePrivateDir } from '../storage/paths.js';
import { findContainer, type ContainerRecord } from '../storage/containers.js';
import { isUserMode, parseSlirpOptions, slirpAddresses } from './mode.js';
import { checkPortsFree, type PortMapping } from './ports.js';
import { helperBinary, networkConfig } from './plan.js';
import { defaultRoute } from './host.js';

const SEP = '\x1f';

/** What bringing a network up needs of a record (run has it before the record exists). */
export type NetworkedRecord = Pick<ContainerRecord, 'id' | 'network' | 'netns' | 'networkOptions' | 'ports'>;

export interface HelperFiles {
  pid: string;
  log: string;
  sock: string;
  /** pasta started in the background: the pid of the process that daemonizes. */
  launch: string;
}

/**
 * <runroot>/net/<name>.{pid,log,sock,launch}, named after the namespace file (which
 * exists before the container's id when `run` starts pasta early): short enough for a
 * socket path.
 */
export function helperFiles(ctx: Context, rec: Pick<ContainerRecord, 'id' | 'netns'>): HelperFiles {
  const base = join(ctx.paths.runroot, 'net', rec.netns ? basename(rec.netns).slice(0, 40) : rec.id.slice(0, 32));
  return { pid: `${base}.pid`, log: `${base}.log`, sock: `${base}.sock`, launch: `${base}.launch` };
}

function hasAny(options: string[], flags: string[]): boolean {
  return options.some((o) => flags.includes(o.split('=')[0]!));
}

/** pasta's -t/-u specs for the published ports ("127.0.0.1/8080:80", "8000-8010:80-90"). */
export function pastaPortArgs(ports: PortMapping[], user: string[]): string[] {
  const args: string[] = [];
  for (const proto of ['tcp', 'udp'] as const) {
    const flag = proto === 'tcp' ? '-t' : '-u';
    const mine = ports.filter((p) => p.protocol === proto);
    for (const p of mine) {
      const span = (s: number): string => (p.range > 1 ? `${s}-${s + p.range - 1}` : `${s}`);
      args.push(flag, `${p.hostIP ? `${p.hostIP}/` : ''}${span(p.hostPort)}:${span(p.containerPort)}`);
    }
    // Without a spec pasta forwards every port bound in the namespace ("auto").
    if (mine.length === 0 && !hasAny(user, [flag, proto === 'tcp' ? '--tcp-ports' : '--udp-ports'])) args.push(flag, 'none');
  }
  if (!hasAny(user, ['-T', '--tcp-ns'])) args.push('-T', 'none');
  if (!hasAny(user, ['-U', '--udp-ns'])) args.push('-U', 'none');
  return args;
}

export function pastaArgs(binary: string, netns: string, files: HelperFiles, rec: Pick<ContainerRecord, 'ports' | 'networkOptions'>, dnsForward?: string): string[] {
  const user = rec.networkOptions ?? [];
  const args = [binary, '--config-net', '--quiet', '--netns', netns, '--pid', files.pid];
  if (dnsForward && !hasAny(user, ['--dns-forward'])) args.push('--dns-forward', dnsForward);
  return [...args, ...user, ...pastaPortArgs(rec.ports ?? [], user)];
}

export function slirpArgs(binary: string, netns: string, files: HelperFiles, rec: Pick<ContainerRecord, 'ports' | 'networkOptions'>): string[] {
  const o = parseSlirpOptions(rec.networkOptions ?? []);
  const args = [binary, '--configure', `--mtu=${o.mtu}`];
  if (!o.allowHostLoopback) args.push('--disable-host-loopback');
  args.push('--enable-sandbox', '--enable-seccomp');
  if (o.cidr) args.push(`--cidr=${o.cidr}`);
  if (o.enableIPv6) args.push('--enable-ipv6');
  if (o.outboundAddr) args.push(`--outbound-addr=${o.outboundAddr}`);
  if (o.outboundAddr6) args.push(`--outbound-addr6=${o.outboundAddr6}`);
  if ((rec.ports ?? []).length > 0) args.push(`--api-socket=${files.sock}`);
  args.push('--netns-type=path', netns, 'tap0');
  return args;
}

/** One add_hostfwd request per published port (slirp4netns forwards single ports). */
export function slirpForwards(rec: Pick<ContainerRecord, 'ports' | 'networkOptions'>): string[] {
  const guest = slirpAddresses(parseSlirpOptions(rec.networkOptions ?? []).cidr).ip;
  const out: string[] = [];
  for (const p of rec.ports ?? []) {
    for (let i = 0; i < p.range; i++) {
      out.push(
        JSON.stringify({
          execute: 'add_hostfwd',
          arguments: { proto: p.protocol, host_addr: p.hostIP || '0.0.0.0', host_port: p.hostPort + i, guest_addr: guest, guest_port: p.containerPort + i },
        }),
      );
    }
  }
  return out;
}

/** pasta's DNS forwarder is needed when the host names only loopback resolvers. */
export function pastaDnsForward(): string | undefined {
  let text = '';
  try {
    text = readFileSync('/etc/resolv.conf', 'utf8');
  } catch {
    return undefined;
  }
  const servers = [...text.matchAll(/^\s*nameserver\s+(\S+)/gm)].map((m) => m[1]!);
  if (servers.length === 0 || !servers.every((s) => s.startsWith('127.') || s === '::1')) return undefined;
  return defaultRoute()?.gateway;
}

/**
 * The nsexec steps that bring REC's own network up (none for host/container/ns).
 * BACKGROUND: pasta sets up while the runtime creates the container; waitNetworkReady()
 * then holds the start until it is done (the monitor path, where create and start are
 * two steps).
 */
export function networkSetupSteps(ctx: Context, rec: NetworkedRecord, opts: { background?: boolean } = {}): NsStep[] {
  // bridge: made and wired before the launch (src/network/bridge.ts attachBridges).
  if (!rec.netns || rec.network === 'bridge') return [];
  const steps: NsStep[] = [{ kind: 'netns', arg: rec.netns }];
  if (!isUserMode(rec.network)) return steps;
  const config = networkConfig(ctx);
  const binary = helperBinary(rec.network, config);
  const files = helperFiles(ctx, rec);
  if (rec.network === 'pasta') {
    const args = pastaArgs(binary, rec.netns, files, rec, pastaDnsForward());
    if (opts.background) {
      // A pid file left from an earlier run must not read as this pasta being ready.
      rmSync(files.pid, { force: true });
      steps.push({ kind: 'pasta-bg', arg: [files.launch, files.log, ...args].join(SEP) });
    } else {
      steps.push({ kind: 'pasta', arg: args.join(SEP) });
    }
  } else {
    steps.push({ kind: 'slirp4netns', arg: [files.pid, files.log, ...slirpArgs(binary, rec.netns, files, rec)].join(SEP) });
    for (const req of slirpForwards(rec)) steps.push({ kind: 'slirp-api', arg: `${files.sock}${SEP}${req}` });
  }
  return steps;
}

/** The step that holds a command until a background pasta is ready (after the rootfs mount). */
export function waitPastaStep(ctx: Context, rec: Pick<ContainerRecord, 'id' | 'netns' | 'network'>): NsStep[] {
  if (rec.network !== 'pasta') return [];
  const f = helperFiles(ctx, rec);
  return [{ kind: 'wait-pasta', arg: [f.pid, f.launch, f.log].join(SEP) }];
}

/** Steps that take the namespace file away (AFTER: once the command ended). */
export function networkReleaseSteps(rec: Pick<ContainerRecord, 'netns'>, after = false): NsStep[] {
  if (!rec.netns) return [];
  return [
    { kind: 'umount', arg: rec.netns, after },
    { kind: 'rmtree', arg: rec.netns, after },
  ];
}

/**
 * Checks before a start: the helper is installed, host ports are free, the container
 * whose network is joined runs. Makes the dirs the steps write into.
 */
export async function prepareNetworkLaunch(ctx: Context, rec: ContainerRecord, opts: { checkPorts?: boolean } = {}): Promise<void> {
  if (rec.netns) ensurePrivateDir(join(ctx.paths.runroot, 'netns'), ctx.uid);
  if (isUserMode(rec.network)) {
    helperBinary(rec.network, networkConfig(ctx));
    ensurePrivateDir(join(ctx.paths.runroot, 'net'), ctx.uid);
    if (opts.checkPorts !== false && rec.ports && rec.ports.length > 0) await checkPortsFree(rec.ports);
  }
  if (rec.network.startsWith('ns:') && !existsSync(rec.network.slice(3))) {
    throw new TpodError('ENETWORK', `--network ${rec.network}: no such network namespace file`);
  }
  if (rec.network.startsWith('container:')) {
    const peer = findContainer(ctx, rec.network.slice('container:'.length));
    const { liveState } = await import('../engine/state.js');
    const s = liveState(ctx, peer).status;
    if (s !== 'running' && s !== 'paused') {
      throw new TpodError('ENETWORK', `cannot join the network of container ${peer.name}: it is not running (start it first)`);
    }
  }
}

const HELPER_NAMES = new Set(['pasta', 'pasta.avx2', 'passt', 'passt.avx2', 'slirp4netns']);

/** The helper's pid from its pid file, if that process is still a network helper of ours for REC. */
export function helperPid(ctx: Context, rec: Pick<ContainerRecord, 'id' | 'netns'>): number | undefined {
  const files = helperFiles(ctx, rec);
  let pid: number;
  try {
    pid = Number(readFileSync(files.pid, 'utf8').trim());
  } catch {
    return undefined;
  }
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    const comm = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
    if (!HELPER_NAMES.has(comm) || statSync(`/proc/${pid}`).uid !== ctx.uid) return undefined;
    // A recycled pid would not name this container's namespace file.
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    if (rec.netns && !cmdline.includes(rec.netns)) return undefined;
  } catch {
    return undefined;
  }
  return pid;
}

/** Stops REC's helper if it still runs and removes its pid, log and socket files. */
export function stopNetworkHelper(ctx: Context, rec: Pick<ContainerRecord, 'id' | 'netns' | 'network'>): void {
  if (!isUserMode(rec.network)) return;
  const pid = helperPid(ctx, rec);
  if (pid !== undefined) {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      /* gone meanwhile */
    }
  }
  const files = helperFiles(ctx, rec);
  for (const f of [files.pid, files.log, files.sock, files.launch]) rmSync(f, { force: true });
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

function running(pid: number): boolean {
  const stat = readText(`/proc/${pid}/stat`);
  if (stat === undefined) return false;
  const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  return state !== 'Z' && state !== 'X';
}

/**
 * After a background pasta start: resolves once pasta wrote its pid file (it does when
 * the namespace is configured, as it daemonizes); fails with pasta's own message when
 * its launcher ended without one.
 */
export async function waitNetworkReady(ctx: Context, rec: Pick<ContainerRecord, 'id' | 'network' | 'netns'>, timeoutMs = 30_000): Promise<void> {
  if (rec.network !== 'pasta') return;
  const files = helperFiles(ctx, rec);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (/^\d+\n/.test(readText(files.pid) ?? '')) return;
    const launcher = Number(readText(files.launch)?.trim());
    if (Number.isInteger(launcher) && launcher > 0 && !running(launcher)) {
      if (/^\d+\n/.test(readText(files.pid) ?? '')) return;
      const said = (readText(files.log) ?? '').split('\n').filter((l) => l.trim() !== '' && !l.startsWith('Failed to send')).join('; ');
      throw new TpodError('ENETWORK', `pasta failed: ${said || 'it exited without a word'}`);
    }
    if (Date.now() > deadline) throw new TpodError('ENETWORK', `pasta did not set up the network in ${Math.round(timeoutMs / 1000)} s`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

/**
 * `run`: binds the namespace and launches pasta in a spawn of its own, without waiting
 * for pasta, so it sets up while tpod writes the container and mounts its rootfs.
 * Resolves once that spawn returned; waitNetworkReady() then waits for pasta itself.
 */
export async function startNetworkEarly(ctx: Context, rec: NetworkedRecord): Promise<void> {
  if (rec.netns) ensurePrivateDir(join(ctx.paths.runroot, 'netns'), ctx.uid);
  ensurePrivateDir(join(ctx.paths.runroot, 'net'), ctx.uid);
  const { runInNamespaceChecked } = await import('../rootless/join.js');
  await runInNamespaceChecked(ctx, networkSetupSteps(ctx, rec, { background: true }), [], 'set up the network');
}

/**
 * A pasta still starting in the background is waited for (bounded) before its network is
 * taken down: one that opened the namespace before the file went, and set up after,
 * would never see the file go and would linger.
 */
export async function settleNetworkLaunch(ctx: Context, rec: Pick<ContainerRecord, 'id' | 'netns' | 'network'>): Promise<void> {
  if (rec.network !== 'pasta') return;
  const files = helperFiles(ctx, rec);
  if (!existsSync(files.launch) || /^\d+\n/.test(readText(files.pid) ?? '')) return;
  await waitNetworkReady(ctx, rec, 10_000).catch(() => undefined);
}

/** Takes a network down wherever it got to (idempotent): the namespace file, then the helper. */
export async function releaseNetwork(ctx: Context, rec: Pick<ContainerRecord, 'id' | 'netns' | 'network'>): Promise<void> {
  await settleNetworkLaunch(ctx, rec);
  if (rec.netns && existsSync(rec.netns)) {
    const { runInNamespace } = await import('../rootless/join.js');
    await runInNamespace(ctx, networkReleaseSteps(rec), [], { capture: true }).catch(() => undefined);
  }
  stopNetworkHelper(ctx, rec);
}
