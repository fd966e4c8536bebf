// `tpod top`: the processes of a running container, read from the host's /proc without
// joining anything: a process belongs to the container when its pid namespace
// (/proc/PID/ns/pid) is the container init's. The user owns the user namespace those
// processes live in, so the kernel lets it read them. Columns follow psgo, which Podman
// uses (USER PID PPID %CPU ELAPSED TTY TIME COMMAND by default); descriptors psgo does
// not know make Podman run ps(1) inside the container instead, and so does tpod.
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { TpodError } from '../errors.js';

/** Clock ticks per second (USER_HZ): 100 on every Linux architecture tpod runs on. */
const HZ = 100;

export interface ProcSource {
  root: string;
  now(): number;
}

export const HOST_PROC: ProcSource = { root: '/proc', now: () => Date.now() };

export interface ProcInfo {
  hostPid: number;
  pid: number;
  ppid: number;
  hostPpid: number;
  uid: number;
  ruid: number;
  gid: number;
  rgid: number;
  comm: string;
  args: string;
  state: string;
  ttyNr: number;
  utime: number;
  stime: number;
  nice: number;
  pgid: number;
  startTicks: number;
  vszKiB: number;
  rssKiB: number;
}

/** Descriptor -> header, as psgo names them (AIX codes accepted too). */
export const DESCRIPTORS: Record<string, string> = {
  args: 'COMMAND',
  comm: 'COMMAND',
  etime: 'ELAPSED',
  group: 'GROUP',
  hgroup: 'HGROUP',
  hpid: 'HPID',
  huser: 'HUSER',
  nice: 'NI',
  pcpu: '%CPU',
  pgid: 'PGID',
  pid: 'PID',
  ppid: 'PPID',
  rgroup: 'RGROUP',
  ruser: 'RUSER',
  rss: 'RSS',
  state: 'STATE',
  stime: 'STIME',
  time: 'TIME',
  tty: 'TTY',
  user: 'USER',
  vsz: 'VSZ',
};

const AIX: Record<string, string> = {
  '%C': 'pcpu', '%G': 'group', '%P': 'ppid', '%U': 'user', '%a': 'args', '%c': 'comm', '%g': 'rgroup',
  '%n': 'nice', '%p': 'pid', '%r': 'pgid', '%t': 'etime', '%u': 'ruser', '%x': 'time', '%y': 'tty', '%z': 'vsz',
};

export const DEFAULT_DESCRIPTORS = ['user', 'pid', 'ppid', 'pcpu', 'etime', 'tty', 'time', 'args'];

/** The descriptors asked for, or undefined when one is not psgo's (then ps(1) runs). */
export function parseDescriptors(args: string[]): string[] | undefined {
  if (args.length === 0) return DEFAULT_DESCRIPTORS;
  const out: string[] = [];
  for (const a of args.flatMap((x) => x.split(',')).filter((x) => x !== '')) {
    const d = AIX[a] ?? a;
    if (!(d in DESCRIPTORS)) return undefined;
    out.push(d);
  }
  return out.length > 0 ? out : DEFAULT_DESCRIPTORS;
}

/** Go's time.Duration String() for a whole number of microseconds ("0s", "1.5s", "2m3.25s", "1h0m0s"). */
export function goDuration(us: number): string {
  us = Math.max(0, Math.round(us));
  if (us === 0) return '0s';
  if (us < 1000) return `${us}µs`;
  if (us < 1_000_000) return `${trimFrac(us / 1000)}ms`;
  const h = Math.floor(us / 3_600_000_000);
  const m = Math.floor((us % 3_600_000_000) / 60_000_000);
  const s = (us % 60_000_000) / 1_000_000;
  const sec = `${trimFrac(s)}s`;
  if (h > 0) return `${h}h${m}m${sec}`;
  if (m > 0) return `${m}m${sec}`;
  return sec;
}

function trimFrac(n: number): string {
  return n.toFixed(6).replace(/\.?0+$/, '');
}

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** Parses /proc/PID/stat and /proc/PID/status into the fields top shows. */
export function parseProc(hostPid: number, stat: string, status: string, cmdline: string): ProcInfo | undefined {
  const close = stat.lastIndexOf(')');
  if (close < 0) return undefined;
  const comm = stat.slice(stat.indexOf('(') + 1, close);
  const f = stat.slice(close + 2).split(' ');
  // f[0] is field 3 (state).
  const num = (i: number): number => Number(f[i - 3] ?? 0);
  const line = (key: string): string[] => (new RegExp(`^${key}:\\s*(.*)$`, 'm').exec(status)?.[1] ?? '').split(/\s+/);
  const uids = line('Uid').map(Number);
  const gids = line('Gid').map(Number);
  const nspids = line('NSpid').map(Number);
  const args = cmdline === '' ? `[${comm}]` : cmdline.replace(/\0/g, ' ');
  return {
    hostPid,
    pid: nspids[nspids.length - 1] ?? hostPid,
    ppid: 0,
    hostPpid: num(4),
    ruid: uids[0] ?? 0,
    uid: uids[1] ?? 0,
    rgid: gids[0] ?? 0,
    gid: gids[1] ?? 0,
    comm,
    args,
    state: f[0] ?? '?',
    ttyNr: num(7),
    utime: num(14),
    stime: num(15),
    nice: num(19),
    pgid: num(5),
    startTicks: num(22),
    vszKiB: Math.floor(num(23) / 1024),
    rssKiB: num(24) * 4,
  };
}

/** Every process in the pid namespace of `initPid` (the container's processes). */
export function containerProcesses(initPid: number, src: ProcSource = HOST_PROC): ProcInfo[] {
  let ns: string;
  try {
    ns = readlinkSync(join(src.root, String(initPid), 'ns', 'pid'));
  } catch {
    throw new TpodError('ERUNTIME', `cannot read the processes of the container (pid ${initPid}): it is not running`);
  }
  const out: ProcInfo[] = [];
  for (const name of readdirSync(src.root)) {
    if (!/^\d+$/.test(name)) continue;
    const dir = join(src.root, name);
    try {
      if (readlinkSync(join(dir, 'ns', 'pid')) !== ns) continue;
    } catch {
      continue; // not ours to read, or gone
    }
    const stat = read(join(dir, 'stat'));
    const status = read(join(dir, 'status'));
    if (stat === undefined || status === undefined) continue;
    const p = parseProc(Number(name), stat, status, read(join(dir, 'cmdline')) ?? '');
    if (p) out.push(p);
  }
  const nsPid = new Map(out.map((p) => [p.hostPid, p.pid]));
  for (const p of out) p.ppid = nsPid.get(p.hostPpid) ?? 0;
  return out.sort((a, b) => a.pid - b.pid);
}

/** A uid_map/gid_map as seen from this process: inside -> outside ranges. */
export interface IdRange {
  inside: number;
  outside: number;
  size: number;
}

export function parseIdMap(text: string): IdRange[] {
  return text
    .split('\n')
    .map((l) => l.trim().split(/\s+/).map(Number))
    .filter((n) => n.length === 3 && n.every(Number.isFinite))
    .map(([inside, outside, size]) => ({ inside: inside!, outside: outside!, size: size! }));
}

/** An id as the host sees it -> as the container sees it (65534, "nobody", when unmapped). */
export function toInside(id: number, map: IdRange[]): number {
  const r = map.find((m) => id >= m.outside && id < m.outside + m.size);
  return r ? r.inside + (id - r.outside) : 65534;
}

export function namesFromFile(text: string | undefined): Map<number, string> {
  const m = new Map<number, string>();
  for (const line of (text ?? '').split('\n')) {
    const f = line.split(':');
    if (f.length >= 3 && f[0] && /^\d+$/.test(f[2]!) && !m.has(Number(f[2]))) m.set(Number(f[2]), f[0]);
  }
  return m;
}

function ttyName(nr: number): string {
  if (nr === 0) return '?';
  const major = (nr >> 8) & 0xfff;
  const minor = (nr & 0xff) | ((nr >> 12) & 0xfff00);
  if (major >= 136 && major <= 143) return `pts/${minor + (major - 136) * 256}`;
  if (major === 4) return minor < 64 ? `tty${minor}` : `ttyS${minor - 64}`;
  if (major === 5 && minor === 0) return 'tty';
  return '?';
}

export interface TopContext {
  uidMap: IdRange[];
  gidMap: IdRange[];
  users: Map<number, string>;
  groups: Map<number, string>;
  /** Boot time, ms since the epoch (btime of /proc/stat). */
  bootMs: number;
  nowMs: number;
}

/** Reads the container's id maps and passwd/group (through /proc/PID/root) and the boot time. */
export function topContext(initPid: number, src: ProcSource = HOST_PROC): TopContext {
  const dir = join(src.root, String(initPid));
  const btime = /^btime (\d+)$/m.exec(read(join(src.root, 'stat')) ?? '')?.[1];
  return {
    uidMap: parseIdMap(read(join(dir, 'uid_map')) ?? ''),
    gidMap: parseIdMap(read(join(dir, 'gid_map')) ?? ''),
    users: namesFromFile(read(join(dir, 'root', 'etc', 'passwd'))),
    groups: namesFromFile(read(join(dir, 'root', 'etc', 'group'))),
    bootMs: Number(btime ?? 0) * 1000,
    nowMs: src.now(),
  };
}

/** One cell of the table, psgo's way. */
export function cell(p: ProcInfo, d: string, c: TopContext): string {
  const name = (id: number, names: Map<number, string>): string => names.get(id) ?? String(id);
  const cpuTicks = p.utime + p.stime;
  const elapsedMs = Math.max(0, c.nowMs - (c.bootMs + (p.startTicks * 1000) / HZ));
  switch (d) {
    case 'user':
      return name(toInside(p.uid, c.uidMap), c.users);
    case 'ruser':
      return name(toInside(p.ruid, c.uidMap), c.users);
    case 'group':
      return name(toInside(p.gid, c.gidMap), c.groups);
    case 'rgroup':
      return name(toInside(p.rgid, c.gidMap), c.groups);
    case 'huser':
      return String(p.uid);
    case 'hgroup':
      return String(p.gid);
    case 'pid':
      return String(p.pid);
    case 'hpid':
      return String(p.hostPid);
    case 'ppid':
      return String(p.ppid);
    case 'pgid':
      return String(p.pgid);
    case 'nice':
      return String(p.nice);
    case 'pcpu':
      return (elapsedMs > 0 ? (cpuTicks / HZ / (elapsedMs / 1000)) * 100 : 0).toFixed(3);
    case 'etime':
      return goDuration(elapsedMs * 1000);
    case 'time':
      return goDuration((cpuTicks * 1_000_000) / HZ);
    case 'tty':
      return ttyName(p.ttyNr);
    case 'args':
      return p.args;
    case 'comm':
      return p.comm;
    case 'state':
      return p.state;
    case 'stime':
      return new Date(c.bootMs + (p.startTicks * 1000) / HZ).toISOString();
    case 'vsz':
      return String(p.vszKiB);
    case 'rss':
      return String(p.rssKiB);
    default:
      return '';
  }
}

export function topTable(procs: ProcInfo[], descriptors: string[], c: TopContext): { headers: string[]; rows: string[][] } {
  return {
    headers: descriptors.map((d) => DESCRIPTORS[d] ?? d.toUpperCase()),
    rows: procs.map((p) => descriptors.map((d) => cell(p, d, c))),
  };
}
