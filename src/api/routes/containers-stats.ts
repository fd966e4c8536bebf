// GET /containers/{id}/top and /stats. top reads the container's processes as `tpod top`
// does (psgo's descriptors; other ps_args run ps(1) inside the container). stats reads the
// container's cgroup v2 group as `tpod stats` does; where the user has no delegated
// cgroup it adds up the container's processes from /proc instead, so clients still get
// Docker's stats JSON (no memory limit then: the host's memory).
import { readFileSync, readlinkSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import type { ApiCall, Route } from '../http.js';
import { ApiError } from '../errors.js';
import { TpodError } from '../../errors.js';
import type { Context } from '../../engine/context.js';
import type { ContainerRecord } from '../../storage/containers.js';
import { containerOf } from './containers.js';

const HZ = 100;

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** Docker's ps_args split into table columns: the last column keeps its spaces. */
export function psTable(text: string): { Titles: string[]; Processes: string[][] } {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const titles = (lines.shift() ?? '').trim().split(/\s+/);
  const processes = lines.map((l) => {
    const f = l.trim().split(/\s+/);
    return [...f.slice(0, titles.length - 1), f.slice(titles.length - 1).join(' ')];
  });
  return { Titles: titles, Processes: processes };
}

async function psInContainer(ctx: Context, pid: number, psArgs: string[]): Promise<string> {
  const { readPausePid } = await import('../../rootless/pause.js');
  const { runInNamespace } = await import('../../rootless/join.js');
  const ns = (p: number | undefined, kind: string): string | undefined => {
    try {
      return p === undefined ? undefined : readlinkSync(`/proc/${p}/ns/${kind}`);
    } catch {
      return undefined;
    }
  };
  // A keep-id container has a user namespace of its own, nested in the pause one.
  const ownUserns = ns(pid, 'user') !== ns(readPausePid(ctx), 'user');
  const cmd = ['nsenter', '-t', String(pid), ...(ownUserns ? ['-U', '--preserve-credentials'] : []), '-m', '-p', '--', 'ps', ...psArgs];
  const r = await runInNamespace(ctx, [], cmd, { capture: true });
  if (r.code !== 0) throw new TpodError('ERUNTIME', `ps(1) failed with exit code ${r.code}, output: ${(r.stdout + r.stderr).trim()}`);
  return r.stdout;
}

async function top(call: ApiCall): Promise<void> {
  const rec = await containerOf(call);
  const { liveState } = await import('../../engine/state.js');
  const ls = liveState(call.ctx, rec);
  if (ls.status !== 'running' || ls.pid === undefined) throw new ApiError(409, `Container ${rec.id} is not running`);
  const raw = (call.query.get('ps_args') ?? '').trim();
  // Docker's default is ps -ef; psgo's default columns say the same.
  const args = raw === '' || raw === '-ef' ? [] : raw.split(/\s+/);
  const t = await import('../../engine/top.js');
  const descriptors = t.parseDescriptors(args);
  if (descriptors === undefined) {
    call.send(200, psTable(await psInContainer(call.ctx, ls.pid, args)));
    return;
  }
  const { headers, rows } = t.topTable(t.containerProcesses(ls.pid), descriptors, t.topContext(ls.pid));
  call.send(200, { Titles: headers, Processes: rows });
}

// ---- stats ---------------------------------------------------------------------------

export interface Sample {
  /** ns of CPU the container used. */
  cpuNs: number;
  /** ns of CPU the whole host used (Docker's system_cpu_usage). */
  systemNs: number;
  memory: number;
  memoryLimit: number;
  memoryStat: Record<string, number>;
  pids: number;
  networks: Record<string, Record<string, number>>;
  read: string;
}

/** /proc/stat's first line, all jiffies, as ns. */
export function systemCpuNs(procStat: string): number {
  const f = /^cpu\s+(.*)$/m.exec(procStat)?.[1]?.trim().split(/\s+/).map(Number) ?? [];
  return (f.slice(0, 8).reduce((a, b) => a + (Number.isFinite(b) ? b : 0), 0) * 1e9) / HZ;
}

/** /proc/PID/net/dev as Docker's networks (lo left out). */
export function netDev(text: string): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const line of text.split('\n').slice(2)) {
    const m = /^\s*([^:]+):\s*(.*)$/.exec(line);
    if (!m || m[1] === 'lo') continue;
    const v = m[2]!.trim().split(/\s+/).map(Number);
    out[m[1]!] = { rx_bytes: v[0] ?? 0, rx_packets: v[1] ?? 0, rx_errors: v[2] ?? 0, rx_dropped: v[3] ?? 0, tx_bytes: v[8] ?? 0, tx_packets: v[9] ?? 0, tx_errors: v[10] ?? 0, tx_dropped: v[11] ?? 0 };
  }
  return out;
}

function memoryStat(text: string | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of (text ?? '').split('\n')) {
    const [k, v] = line.split(' ');
    if (k && v && /^\d+$/.test(v)) out[k] = Number(v);
  }
  return out;
}

async function sample(ctx: Context, rec: ContainerRecord): Promise<Sample | undefined> {
  const { liveState } = await import('../../engine/state.js');
  const ls = liveState(ctx, rec);
  const read_ = new Date().toISOString();
  const systemNs = systemCpuNs(read('/proc/stat') ?? '');
  if (ls.status !== 'running' || ls.pid === undefined) return undefined;
  const pid = ls.pid;
  const networks = netDev(read(`/proc/${pid}/net/dev`) ?? '');
  const { requireContainerCgroup, readCgroupStats } = await import('../../engine/cgroups.js');
  try {
    const cg = requireContainerCgroup('stats', rec.id, pid);
    const s = readCgroupStats(cg.dir);
    return { cpuNs: s.cpuUsec * 1000, systemNs, memory: s.memoryBytes, memoryLimit: s.memoryLimit ?? totalmem(), memoryStat: memoryStat(read(join(cg.dir, 'memory.stat'))), pids: s.pids, networks, read: read_ };
  } catch (err) {
    if (!(err instanceof TpodError)) throw err;
  }
  // No cgroup of its own: the container's processes, added up.
  const { containerProcesses } = await import('../../engine/top.js');
  let procs: Awaited<ReturnType<typeof containerProcesses>> = [];
  try {
    procs = containerProcesses(pid);
  } catch {
    return undefined; // it ended meanwhile
  }
  const ticks = procs.reduce((n, p) => n + p.utime + p.stime, 0);
  const rss = procs.reduce((n, p) => n + p.rssKiB * 1024, 0);
  return { cpuNs: (ticks * 1e9) / HZ, systemNs, memory: rss, memoryLimit: rec.options?.resources.memory || totalmem(), memoryStat: {}, pids: procs.length, networks, read: read_ };
}

const ZERO_TIME = '0001-01-01T00:00:00Z';

/** Docker's stats JSON from this sample and the one before it. */
export function statsJson(rec: ContainerRecord, cur: Sample | undefined, pre: Sample | undefined, onlineCpus: number): Record<string, unknown> {
  const cpu = (s: Sample | undefined): Record<string, unknown> => ({
    cpu_usage: { total_usage: s?.cpuNs ?? 0, usage_in_kernelmode: 0, usage_in_usermode: 0 },
    system_cpu_usage: s?.systemNs ?? 0,
    online_cpus: s ? onlineCpus : 0,
    throttling_data: { periods: 0, throttled_periods: 0, throttled_time: 0 },
  });
  return {
    read: cur?.read ?? ZERO_TIME,
    preread: pre?.read ?? ZERO_TIME,
    pids_stats: cur ? { current: cur.pids } : {},
    blkio_stats: { io_service_bytes_recursive: null, io_serviced_recursive: null, io_queue_recursive: null, io_service_time_recursive: null, io_wait_time_recursive: null, io_merged_recursive: null, io_time_recursive: null, sectors_recursive: null },
    num_procs: 0,
    storage_stats: {},
    cpu_stats: cpu(cur),
    precpu_stats: cpu(pre),
    memory_stats: cur ? { usage: cur.memory, stats: cur.memoryStat, limit: cur.memoryLimit } : {},
    name: `/${rec.name}`,
    id: rec.id,
    ...(cur ? { networks: cur.networks } : {}),
  };
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done(): void {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}

async function stats(call: ApiCall): Promise<void> {
  const rec = await containerOf(call);
  const stream = call.flag('stream', true);
  const oneShot = call.flag('one-shot');
  if (oneShot && stream) throw new ApiError(400, 'cannot have stream=true and one-shot=true');
  const ncpu = cpus().length;
  let pre: Sample | undefined;
  let cur = await sample(call.ctx, rec);
  if (!stream) {
    // Docker's answer carries the CPU use over the last second (precpu), unless one-shot.
    if (!oneShot && cur) {
      await pause(1000, call.signal);
      pre = cur;
      cur = await sample(call.ctx, rec);
    }
    call.send(200, statsJson(rec, cur, pre, ncpu));
    return;
  }
  const out = call.stream(200, 'application/json');
  for (;;) {
    out.write(JSON.stringify(statsJson(rec, cur, pre, ncpu)) + '\n');
    // A container that is not running gets one answer; a running one until it stops.
    if (!cur) break;
    await pause(1000, call.signal);
    if (call.signal.aborted) break;
    pre = cur;
    cur = await sample(call.ctx, rec);
  }
  out.end();
}

export const containerStatsRoutes: Route[] = [
  { method: 'GET', path: '/containers/:id/top', handler: top },
  { method: 'GET', path: '/containers/:id/stats', handler: stats },
];
