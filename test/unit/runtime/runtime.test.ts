import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync, readFileSync, chmodSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import {
  detectCgroupLayout,
  chooseRuntime,
  crunRefuses,
  runtimeRunCommand,
  runtimeErrorFromLog,
  kindOf,
  mapRuntimeError,
  type CgroupLayout,
  type HostRoots,
} from '../../../src/runtime/runtime.js';

const V1_LINES = [
  '31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755',
  '32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu',
  '35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory',
];
const UNIFIED = '41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw';
const PURE_V2 = '30 23 0:27 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime - cgroup2 cgroup2 rw';

describe('detectCgroupLayout', () => {
  let dir: string;
  let roots: HostRoots;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tpod-cg-'));
    roots = { proc: join(dir, 'proc'), sys: join(dir, 'sys') };
    mkdirSync(join(roots.proc, 'self'), { recursive: true });
    mkdirSync(join(roots.sys, 'fs/cgroup/unified'), { recursive: true });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const host = (lines: string[], controllers?: string): void => {
    writeFileSync(join(roots.proc, 'self/mountinfo'), lines.join('\n') + '\n');
    if (controllers !== undefined) writeFileSync(join(roots.sys, 'fs/cgroup/unified/cgroup.controllers'), controllers);
  };

  it('sees a hybrid host with controllers in cgroup2 (crun refuses it)', () => {
    host([...V1_LINES, UNIFIED], 'hugetlb\n');
    const l = detectCgroupLayout(roots);
    expect(l).toEqual({ mode: 'hybrid', unifiedPath: '/sys/fs/cgroup/unified', unifiedControllers: ['hugetlb'] });
    expect(crunRefuses(l)).toBe(true);
  });
  it('sees a hybrid host with an empty cgroup2 (crun is fine)', () => {
    host([...V1_LINES, UNIFIED], '\n');
    const l = detectCgroupLayout(roots);
    expect(l).toEqual({ mode: 'hybrid', unifiedPath: '/sys/fs/cgroup/unified', unifiedControllers: [] });
    expect(crunRefuses(l)).toBe(false);
  });
  it('sees pure v2', () => {
    host([PURE_V2]);
    expect(detectCgroupLayout(roots)).toEqual({ mode: 'v2' });
  });
  it('sees pure v1', () => {
    host(V1_LINES);
    expect(detectCgroupLayout(roots)).toEqual({ mode: 'v1' });
  });
});

describe('chooseRuntime', () => {
  const hybrid: CgroupLayout = { mode: 'hybrid', unifiedPath: '/sys/fs/cgroup/unified', unifiedControllers: ['hugetlb'] };
  const both = (n: string): string | undefined => ({ crun: '/usr/bin/crun', runc: '/usr/bin/runc' })[n];
  const onlyCrun = (n: string): string | undefined => (n === 'crun' ? '/usr/bin/crun' : undefined);
  const onlyRunc = (n: string): string | undefined => (n === 'runc' ? '/usr/bin/runc' : undefined);
  const none = (): undefined => undefined;

  it('prefers crun', () => {
    expect(chooseRuntime(undefined, { mode: 'v2' }, both)).toEqual({ runtime: { name: 'crun', path: '/usr/bin/crun', kind: 'crun' } });
    expect(chooseRuntime(undefined, { mode: 'v1' }, both).runtime.name).toBe('crun');
    expect(chooseRuntime(undefined, { ...hybrid, unifiedControllers: [] }, both).runtime.name).toBe('crun');
  });
  it('falls back to runc with a one-line notice on a hybrid host crun refuses', () => {
    const c = chooseRuntime(undefined, hybrid, both);
    expect(c.runtime.name).toBe('runc');
    expect(c.notice).toMatch(/^crun cannot run on this host's hybrid cgroup setup .*hugetlb.*; using runc$/);
    expect(c.notice).not.toContain('\n');
  });
  it('says what to do when only crun is installed on such a host', () => {
    expect(() => chooseRuntime(undefined, hybrid, onlyCrun)).toThrow(/runc is not installed: install runc .*mount -t cgroup -o hugetlb/);
  });
  it('refuses crun asked for explicitly on such a host, naming the alternative', () => {
    expect(() => chooseRuntime('crun', hybrid, both)).toThrow(/use --runtime runc/);
  });
  it('uses runc when it is all there is', () => {
    expect(chooseRuntime(undefined, { mode: 'v2' }, onlyRunc).runtime.name).toBe('runc');
  });
  it('explains how to get a runtime when none is installed', () => {
    expect(() => chooseRuntime(undefined, { mode: 'v2' }, none)).toThrow(/no OCI runtime found: install crun or runc/);
    expect(() => chooseRuntime('youki', { mode: 'v2' }, none)).toThrow(/OCI runtime "youki" not found in \$PATH/);
    expect(() => chooseRuntime('/nonexistent/crun', { mode: 'v2' }, none)).toThrow(/not found or not executable/);
  });
  it('honours --runtime by name', () => {
    expect(chooseRuntime('runc', { mode: 'v2' }, both).runtime).toEqual({ name: 'runc', path: '/usr/bin/runc', kind: 'runc' });
  });
});

describe('runtime command lines and errors', () => {
  const g = { stateRoot: '/run/t/runtime', logFile: '/run/t/log' };
  it("speaks each runtime's dialect", () => {
    expect(runtimeRunCommand({ name: 'crun', path: '/usr/bin/crun', kind: 'crun' }, g, '/b', 'ID')).toEqual([
      '/usr/bin/crun', '--root', '/run/t/runtime', '--log=file:/run/t/log', '--log-format=json', '--cgroup-manager=disabled', 'run', '--bundle', '/b', 'ID',
    ]);
    expect(runtimeRunCommand({ name: 'runc', path: '/usr/bin/runc', kind: 'runc' }, g, '/b', 'ID')).toEqual([
      '/usr/bin/runc', '--root', '/run/t/runtime', '--log', '/run/t/log', '--log-format', 'json', 'run', '--bundle', '/b', 'ID',
    ]);
  });
  it('adds --runtime-flag values as --VALUE, and --preserve-fds and --pid-file to run', () => {
    expect(runtimeRunCommand({ name: 'crun', path: '/usr/bin/crun', kind: 'crun' }, { ...g, extra: ['debug', '--systemd-cgroup'] }, '/b', 'ID', { preserveFds: 2, pidFile: '/p' })).toEqual([
      '/usr/bin/crun', '--root', '/run/t/runtime', '--log=file:/run/t/log', '--log-format=json', '--cgroup-manager=disabled', '--debug', '--systemd-cgroup',
      'run', '--preserve-fds', '2', '--pid-file', '/p', '--bundle', '/b', 'ID',
    ]);
  });
  it('finds the error in the JSON log and ignores warnings', () => {
    const runcLog =
      '{"error":"no directory specified for memory.oom_control","level":"warning","msg":"unable to get oom kill count","time":"x"}\n' +
      '{"level":"error","msg":"runc run failed: unable to start container process: exec: \\"foo\\": executable file not found in $PATH","time":"x"}\n';
    expect(runtimeErrorFromLog(runcLog)).toBe('runc run failed: unable to start container process: exec: "foo": executable file not found in $PATH');
    expect(runtimeErrorFromLog('{"level":"warning","msg":"w"}\n')).toBeUndefined();
    expect(runtimeErrorFromLog('')).toBeUndefined();
  });
  it("maps errors to Podman's exit codes and words", () => {
    const crun = { name: 'crun', path: '/usr/bin/crun', kind: 'crun' as const };
    const nf = mapRuntimeError(crun, 'executable file `foo` not found in $PATH: No such file or directory');
    expect(nf.exitCode).toBe(127);
    expect(nf.message).toBe('crun: executable file `foo` not found in $PATH: No such file or directory: OCI runtime attempted to invoke a command that was not found');
    const pd = mapRuntimeError(crun, 'open executable: Permission denied');
    expect(pd.exitCode).toBe(126);
    expect(pd.message).toBe('crun: open executable: Permission denied: OCI permission denied');
    expect(mapRuntimeError(crun, 'something else broke').exitCode).toBe(125);
  });
  it('tells crun from runc by name, else by what a renamed copy says it is', () => {
    expect(kindOf('/usr/bin/crun', () => 'x')).toBe('crun');
    expect(kindOf('runc', () => 'crun version 1')).toBe('runc');
    expect(kindOf('/var/tmp/myruntime', () => 'crun version 1.8.1')).toBe('crun');
    expect(kindOf('/var/tmp/myruntime', () => 'runc version 1.1.5')).toBe('runc');
  });
  it('takes a runtime named in containers.conf [engine.runtimes] from the paths listed there', () => {
    const bin = mkdtempSync(join(tmpdir(), 'tpod-rt-'));
    try {
      const crun = join(bin, 'crun');
      writeFileSync(crun, '#!/bin/sh\n', { mode: 0o755 });
      const v1: CgroupLayout = { mode: 'v1' };
      const c = chooseRuntime('my_runtime', v1, () => undefined, { my_runtime: [join(bin, 'missing'), crun] });
      expect(c.runtime).toEqual({ name: 'my_runtime', path: crun, kind: 'crun' });
      expect(() => chooseRuntime('other', v1, () => undefined, { other: [join(bin, 'missing')] })).toThrow(/none of its paths/);
    } finally {
      rmSync(bin, { recursive: true, force: true });
    }
  });
});

describe('selectRuntime', async () => {
  const { selectRuntime } = await import('../../../src/runtime/runtime.js');
  const { createContext, Logger } = await import('../../../src/engine/context.js');
  it('says the hybrid-cgroup notice once per boot and caches the choice', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tpod-sel-'));
    try {
      const roots = { proc: join(dir, 'proc'), sys: join(dir, 'sys') };
      mkdirSync(join(roots.proc, 'self'), { recursive: true });
      mkdirSync(join(roots.sys, 'fs/cgroup/unified'), { recursive: true });
      writeFileSync(join(roots.proc, 'self/mountinfo'), [...V1_LINES, UNIFIED].join('\n'));
      writeFileSync(join(roots.sys, 'fs/cgroup/unified/cgroup.controllers'), 'hugetlb\n');
      const lines: string[] = [];
      const ctx = { ...createContext({ root: join(dir, 'root'), runroot: join(dir, 'run') }), log: new Logger('warn', (l) => lines.push(l), true) };
      // Any executable stands in for the runtimes.
      const find = (n: string): string | undefined => (n === 'crun' || n === 'runc' ? process.execPath : undefined);
      expect(selectRuntime(ctx, roots, find).runtime.name).toBe('runc');
      expect(selectRuntime(ctx, roots, find).runtime.name).toBe('runc');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^WARN\[0000\] crun cannot run on this host's hybrid cgroup setup .*; using runc$/);
      // Once the controllers are gone (the hugetlb fix), crun is chosen without a word.
      writeFileSync(join(roots.sys, 'fs/cgroup/unified/cgroup.controllers'), '');
      expect(selectRuntime(ctx, roots, find).runtime.name).toBe('crun');
      expect(lines).toHaveLength(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it('guards against a planted runtime.json: a cache others could write is not trusted, its runtime never run', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tpod-sel-'));
    try {
      const roots = { proc: join(dir, 'proc'), sys: join(dir, 'sys') };
      mkdirSync(join(roots.proc, 'self'), { recursive: true });
      mkdirSync(join(roots.sys, 'fs/cgroup/unified'), { recursive: true });
      writeFileSync(join(roots.proc, 'self/mountinfo'), [...V1_LINES, UNIFIED].join('\n'));
      writeFileSync(join(roots.sys, 'fs/cgroup/unified/cgroup.controllers'), '');
      const ctx = { ...createContext({ root: join(dir, 'root'), runroot: join(dir, 'run') }), log: new Logger('error', () => undefined) };
      const find = (n: string): string | undefined => (n === 'crun' ? process.execPath : undefined);
      // The cache as tpod writes it, for the key this host gives, pointing at an evil runtime.
      expect(selectRuntime(ctx, roots, find).runtime.path).toBe(process.execPath);
      const file = join(dir, 'run', 'runtime.json');
      const cache = JSON.parse(readFileSync(file, 'utf8')) as Record<string, { runtime: { path: string } }>;
      for (const v of Object.values(cache)) v.runtime.path = '/bin/sh';
      writeFileSync(file, JSON.stringify(cache));
      chmodSync(file, 0o666);
      expect(selectRuntime(ctx, roots, find).runtime.path).toBe(process.execPath);
      // Rebuilt, by tpod, private again.
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(readFileSync(file, 'utf8')).not.toContain('/bin/sh');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
