// top's /proc reading and psgo-style cells, and the cgroup checks of pause/stats, on
// crafted /proc and /sys trees.
import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { containerProcesses, parseDescriptors, goDuration, parseIdMap, toInside, topContext, topTable, DEFAULT_DESCRIPTORS } from '../../../src/engine/top.js';
import { requireContainerCgroup, readCgroupStats, unifiedCgroupOf } from '../../../src/engine/cgroups.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tpod-top-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function proc(root: string, pid: number, o: { ns: string; ppid: number; nspid: number; uid: number; cmd: string; start: number; utime?: number; tty?: number }): void {
  const d = join(root, String(pid));
  mkdirSync(join(d, 'ns'), { recursive: true });
  symlinkSync(o.ns, join(d, 'ns', 'pid'));
  const comm = o.cmd.split('\0')[0]!.split('/').pop()!;
  // Fields 3.. of /proc/PID/stat: state ppid pgrp session tty_nr ... utime(14) stime(15) ... nice(19) ... starttime(22) vsize(23) rss(24)
  const f = ['S', o.ppid, pid, pid, o.tty ?? 0, -1, 0, 0, 0, 0, 0, o.utime ?? 0, 0, 0, 0, 20, 0, 1, 0, o.start, 2048 * 1024, 100];
  writeFileSync(join(d, 'stat'), `${pid} (${comm}) ${f.join(' ')}\n`);
  writeFileSync(join(d, 'status'), `Name:\t${comm}\nUid:\t${o.uid}\t${o.uid}\t${o.uid}\t${o.uid}\nGid:\t${o.uid}\t${o.uid}\t${o.uid}\t${o.uid}\nNSpid:\t${pid}\t${o.nspid}\n`);
  writeFileSync(join(d, 'cmdline'), o.cmd);
}

describe('top', () => {
  it('finds the processes of the init pid namespace, with their pids as the container sees them', () => {
    const root = join(dir, 'proc');
    proc(root, 500, { ns: 'pid:[1]', ppid: 490, nspid: 1, uid: 1001, cmd: 'sleep\x001000\x00', start: 1000 });
    proc(root, 510, { ns: 'pid:[1]', ppid: 500, nspid: 6, uid: 100998, cmd: 'sh\x00', start: 2000, utime: 150, tty: (136 << 8) | 2 });
    proc(root, 600, { ns: 'pid:[2]', ppid: 1, nspid: 600, uid: 1001, cmd: 'other\x00', start: 1 });
    writeFileSync(join(root, 'stat'), 'cpu 1 2 3\nbtime 1000\n');
    writeFileSync(join(root, '500', 'uid_map'), '         0       1001          1\n         1     100000      65536\n');
    writeFileSync(join(root, '500', 'gid_map'), '         0       1001          1\n         1     100000      65536\n');
    mkdirSync(join(root, '500', 'root', 'etc'), { recursive: true });
    writeFileSync(join(root, '500', 'root', 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/sh\nwww:x:999:999::/:/bin/false\n');
    const src = { root, now: () => (1000 + 30) * 1000 };
    const procs = containerProcesses(500, src);
    expect(procs.map((p) => [p.pid, p.ppid, p.hostPid])).toEqual([[1, 0, 500], [6, 1, 510]]);
    const c = topContext(500, src);
    const t = topTable(procs, DEFAULT_DESCRIPTORS, c);
    expect(t.headers).toEqual(['USER', 'PID', 'PPID', '%CPU', 'ELAPSED', 'TTY', 'TIME', 'COMMAND']);
    expect(t.rows[0]).toEqual(['root', '1', '0', '0.000', '20s', '?', '0s', 'sleep 1000 ']);
    // Started 20 s after boot, 10 s ago, 1.5 s of CPU: 15 %.
    expect(t.rows[1]).toEqual(['www', '6', '1', '15.000', '10s', 'pts/2', '1.5s', 'sh ']);
  });

  it('takes psgo descriptors, AIX codes and commas; anything else goes to ps(1)', () => {
    expect(parseDescriptors([])).toEqual(DEFAULT_DESCRIPTORS);
    expect(parseDescriptors(['pid', 'user,args'])).toEqual(['pid', 'user', 'args']);
    expect(parseDescriptors(['%p', '%C'])).toEqual(['pid', 'pcpu']);
    expect(parseDescriptors(['-ef'])).toBeUndefined();
    expect(parseDescriptors(['pid', 'bogus'])).toBeUndefined();
  });

  it("formats durations as Go's time.Duration does", () => {
    expect(goDuration(0)).toBe('0s');
    expect(goDuration(1_500_000)).toBe('1.5s');
    expect(goDuration(766_000)).toBe('766ms');
    expect(goDuration(123_250_000)).toBe('2m3.25s');
    expect(goDuration(3_600_000_000)).toBe('1h0m0s');
  });

  it('maps host ids back into the container, unmapped ids to nobody', () => {
    const m = parseIdMap('0 1001 1\n1 100000 65536\n');
    expect(toInside(1001, m)).toBe(0);
    expect(toInside(100000, m)).toBe(1);
    expect(toInside(5, m)).toBe(65534);
  });
});

describe('pause/stats cgroup checks', () => {
  function roots(mountinfo: string): { proc: string; sys: string } {
    const p = join(dir, 'proc');
    mkdirSync(join(p, 'self'), { recursive: true });
    writeFileSync(join(p, 'self', 'mountinfo'), mountinfo);
    return { proc: p, sys: join(dir, 'sys') };
  }
  const v1 = '30 25 0:26 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n';
  const v2 = '30 25 0:26 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n';

  it('refuses on cgroup v1 and hybrid hosts, saying why', () => {
    expect(() => requireContainerCgroup('pause', 'id', 1, roots(v1))).toThrow(/pause is not supported for rootless containers on this host: it needs cgroup v2/);
    expect(() => requireContainerCgroup('stats', 'id', 1, roots(v1))).toThrow(/stats are not supported/);
  });

  it('refuses on cgroup v2 when the container has no writable group of its own', () => {
    const r = roots(v2);
    mkdirSync(join(r.proc, '7'));
    writeFileSync(join(r.proc, '7', 'cgroup'), '0::/user.slice/session-1.scope\n');
    expect(() => requireContainerCgroup('pause', 'abc', 7, r)).toThrow(/no cgroup v2 group of its own/);
    expect(() => requireContainerCgroup('pause', 'abc', undefined, r)).toThrow(/no cgroup v2 group of its own/);
  });

  it('accepts a delegated group named after the container and reads its stats', () => {
    const r = roots(v2);
    mkdirSync(join(r.proc, '7'));
    writeFileSync(join(r.proc, '7', 'cgroup'), '0::/user.slice/tpod-abc.scope\n');
    const cg = join(r.sys, 'fs/cgroup/user.slice/tpod-abc.scope');
    mkdirSync(cg, { recursive: true });
    writeFileSync(join(cg, 'cgroup.freeze'), '0\n');
    writeFileSync(join(cg, 'memory.current'), '4096\n');
    writeFileSync(join(cg, 'memory.max'), 'max\n');
    writeFileSync(join(cg, 'pids.current'), '3\n');
    writeFileSync(join(cg, 'cpu.stat'), 'usage_usec 2500\nuser_usec 2000\n');
    expect(unifiedCgroupOf(7, r)).toBe('/user.slice/tpod-abc.scope');
    const access = requireContainerCgroup('pause', 'abc', 7, r);
    expect(access.dir).toBe(cg);
    expect(readCgroupStats(cg)).toEqual({ memoryBytes: 4096, memoryLimit: undefined, cpuUsec: 2500, pids: 3 });
  });
});
