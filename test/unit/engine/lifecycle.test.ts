import { describe, it, expect } from 'vitest';
import { join } from 'node:path';
import { createContext } from '../../../src/engine/context.js';
import { parseRestartPolicy, parseSignal, parseTimeout } from '../../../src/runtime/lifecycle-options.js';
import { DetachMatcher, parseDetachKeys } from '../../../src/engine/attach.js';
import { parseGoDuration, parseLogTime, selectEntries } from '../../../src/engine/logs.js';
import { restartDelayMs, shouldRestart } from '../../../src/engine/cleanup.js';
import { execProcess, mergeEnv } from '../../../src/engine/exec.js';
import { monitorOptionsFor } from '../../../src/engine/launch.js';
import { runtimeBaseArgs, runtimeDeleteCommand, runtimeKillCommand } from '../../../src/engine/runtime-of.js';
import { logLines } from '../../../src/monitor/log-file.js';
import type { ContainerRecord } from '../../../src/storage/containers.js';

const rec = (extra: Partial<ContainerRecord> = {}): ContainerRecord => ({
  id: 'a'.repeat(64), name: 'c', image: 'busybox', imageId: 'f'.repeat(64), imageName: 'busybox', command: ['sh'],
  created: '2024-01-01T00:00:00Z', state: 'running', runtime: 'crun', driver: 'overlay', layers: [], hostname: 'h',
  network: 'none', rm: false, tty: false, interactive: false, ...extra,
});

describe('--restart', () => {
  it('takes Podman\'s policies', () => {
    expect(parseRestartPolicy('no')).toEqual({ name: 'no' });
    expect(parseRestartPolicy('always')).toEqual({ name: 'always' });
    expect(parseRestartPolicy('unless-stopped')).toEqual({ name: 'unless-stopped' });
    expect(parseRestartPolicy('on-failure')).toEqual({ name: 'on-failure' });
    expect(parseRestartPolicy('on-failure:3')).toEqual({ name: 'on-failure', maxRetries: 3 });
  });
  it('refuses the rest with a message naming the value', () => {
    expect(() => parseRestartPolicy('sometimes')).toThrow(/invalid restart policy "sometimes"/);
    expect(() => parseRestartPolicy('always:3')).toThrow(/takes no retry count/);
    expect(() => parseRestartPolicy('on-failure:x')).toThrow(/invalid restart policy/);
  });
  it('restarts on failure up to the limit, always unless stopped by the user', () => {
    const onFail = rec({ restartPolicy: { name: 'on-failure', maxRetries: 2 } });
    expect(shouldRestart(onFail, 1)).toBe(true);
    expect(shouldRestart(onFail, 0)).toBe(false);
    expect(shouldRestart({ ...onFail, restartCount: 2 }, 1)).toBe(false);
    expect(shouldRestart(rec({ restartPolicy: { name: 'on-failure' }, restartCount: 99 }), 1)).toBe(true);
    expect(shouldRestart(rec({ restartPolicy: { name: 'always' } }), 0)).toBe(true);
    expect(shouldRestart(rec({ restartPolicy: { name: 'always' }, stoppedByUser: true }), 0)).toBe(false);
    expect(shouldRestart(rec({ restartPolicy: { name: 'unless-stopped' }, stoppedByUser: true }), 1)).toBe(false);
    expect(shouldRestart(rec(), 1)).toBe(false);
  });
  it('backs off in a crash loop, up to 5 s', () => {
    expect(restartDelayMs(0)).toBe(0);
    expect(restartDelayMs(1)).toBe(100);
    expect(restartDelayMs(3)).toBe(700);
    expect(restartDelayMs(50)).toBe(4900);
  });
});

describe('signals and timeouts', () => {
  it('reads names with or without SIG, any case, numbers and real-time signals', () => {
    expect(parseSignal('TERM')).toBe(15);
    expect(parseSignal('sigkill')).toBe(9);
    expect(parseSignal('SIGUSR1')).toBe(10);
    expect(parseSignal('1')).toBe(1);
    expect(parseSignal('RTMIN+3')).toBe(37);
    expect(parseSignal('SIGRTMAX')).toBe(64);
  });
  it('refuses unknown signals', () => {
    expect(() => parseSignal('NOPE')).toThrow('invalid signal: NOPE');
    expect(() => parseSignal('0')).toThrow('invalid signal: 0');
    expect(() => parseSignal('65')).toThrow('valid signals are 1 through 64');
    expect(() => parseSignal('-65')).toThrow('valid signals are 1 through 64');
    expect(() => parseSignal("''")).toThrow("invalid signal: ''");
    expect(() => parseSignal('-')).toThrow(/^invalid signal: $/);
  });
  it("drops a leading '-', as Podman does (kill -s -HUP)", () => {
    expect(parseSignal('-HUP')).toBe(1);
    expect(parseSignal('-9')).toBe(9);
    expect(() => parseSignal('-SIGBADSIG')).toThrow(/^invalid signal: SIGBADSIG$/);
    expect(() => parseSignal('-0')).toThrow(/^invalid signal: 0$/);
  });
  it('timeouts are whole seconds', () => {
    expect(parseTimeout('0', '--time')).toBe(0);
    expect(parseTimeout('30', '--time')).toBe(30);
    expect(() => parseTimeout('-1', '--time')).toThrow(/invalid --time "-1"/);
    expect(() => parseTimeout('1.5', '--time')).toThrow(/whole number/);
  });
});

describe('detach keys', () => {
  it('parses ctrl- keys and plain characters', () => {
    expect(parseDetachKeys('ctrl-p,ctrl-q')).toEqual([16, 17]);
    expect(parseDetachKeys('a,ctrl-@,ctrl-[')).toEqual([97, 0, 27]);
    expect(parseDetachKeys('')).toEqual([]);
    expect(() => parseDetachKeys('ctrl-1')).toThrow(/invalid detach keys/);
    expect(() => parseDetachKeys('shift-a')).toThrow(/invalid detach keys/);
  });
  it('holds a started sequence back and detaches when it completes', () => {
    const m = new DetachMatcher([16, 17]);
    expect(m.push(Buffer.from('ab\x10'))).toEqual({ forward: Buffer.from('ab'), detach: false });
    expect(m.push(Buffer.from('\x11rest'))).toEqual({ forward: Buffer.from(''), detach: true });
  });
  it('passes a sequence that does not complete through unchanged', () => {
    const m = new DetachMatcher([16, 17]);
    expect(m.push(Buffer.from('\x10x'))).toEqual({ forward: Buffer.from('\x10x'), detach: false });
    expect(m.push(Buffer.from('\x10\x10\x11'))).toEqual({ forward: Buffer.from('\x10'), detach: true });
  });
  it('no keys: everything passes', () => {
    expect(new DetachMatcher([]).push(Buffer.from('\x10\x11'))).toEqual({ forward: Buffer.from('\x10\x11'), detach: false });
  });
});

describe('logs', () => {
  const now = Date.parse('2024-05-01T12:00:00Z');
  it('reads Go durations', () => {
    expect(parseGoDuration('10m')).toBe(600_000);
    expect(parseGoDuration('1h30m')).toBe(5_400_000);
    expect(parseGoDuration('1.5s')).toBe(1500);
    expect(parseGoDuration('250ms')).toBe(250);
    expect(parseGoDuration('10')).toBeUndefined();
    expect(parseGoDuration('10x')).toBeUndefined();
  });
  it('reads --since/--until as durations, Unix times and dates', () => {
    expect(parseLogTime('10m', '--since', now)).toBe(BigInt(now - 600_000) * 1_000_000n);
    expect(parseLogTime('1714564800.5', '--since', now)).toBe(1714564800_500_000_000n);
    expect(parseLogTime('2024-05-01T12:00:00.000000001Z', '--since', now)).toBe(BigInt(now) * 1_000_000n + 1n);
    expect(parseLogTime('2024-05-01T12:00:00Z', '--since', now)).toBe(BigInt(now) * 1_000_000n);
    expect(() => parseLogTime('yesterday', '--since', now)).toThrow(/invalid --since "yesterday"/);
  });
  const file = [
    '2024-05-01T12:00:00.000000000Z stdout F one',
    '2024-05-01T12:00:01.000000000Z stderr F two',
    '2024-05-01T12:00:02.000000000Z stdout P thr',
    '2024-05-01T12:00:02.500000000Z stdout F ee',
    '2024-05-01T12:00:03.000000000Z stdout F four',
  ].join('\n');
  it('tails whole lines of both streams', () => {
    const e = logLines(file);
    expect(selectEntries(e, { tail: 2 }).map((x) => x.text)).toEqual(['three', 'four']);
    expect(selectEntries(e, { tail: 0 })).toEqual([]);
    expect(selectEntries(e, { tail: -1 })).toHaveLength(4);
  });
  it('filters by time (a joined line keeps its first piece\'s time)', () => {
    const e = logLines(file);
    const at = (s: string): bigint => BigInt(Date.parse(s)) * 1_000_000n;
    expect(selectEntries(e, { since: at('2024-05-01T12:00:01Z') }).map((x) => x.text)).toEqual(['two', 'three', 'four']);
    expect(selectEntries(e, { until: at('2024-05-01T12:00:02Z') }).map((x) => x.text)).toEqual(['one', 'two', 'three']);
  });
});

describe('exec process', () => {
  const base = {
    terminal: false, user: { uid: 0, gid: 0 }, args: ['sh'], env: ['PATH=/bin', 'HOME=/root', 'A=1'], cwd: '/',
    capabilities: { bounding: ['CAP_CHOWN'] }, noNewPrivileges: true, consoleSize: { height: 1, width: 2 },
  };
  it('merges the environment, later values winning', () => {
    expect(mergeEnv(['A=1', 'B=2'], [['A', 'x'], ['C', '3']])).toEqual(['A=x', 'B=2', 'C=3']);
  });
  it("starts from the container's process and takes the exec's command, env, dir and user", () => {
    const p = execProcess(base, { command: ['id'], interactive: false, tty: true, detach: false, env: [['A', '2']], workdir: '/tmp' }, {
      uid: 65534, gid: 65534, additionalGids: [], home: '/home/nobody',
    });
    expect(p).toMatchObject({ args: ['id'], terminal: true, cwd: '/tmp', user: { uid: 65534, gid: 65534 }, noNewPrivileges: true, capabilities: base.capabilities });
    expect(p.env).toEqual(['PATH=/bin', 'HOME=/home/nobody', 'A=2']);
    expect(p.consoleSize).toBeUndefined();
    const same = execProcess(base, { command: ['true'], interactive: false, tty: false, detach: false, env: [] });
    expect(same.user).toEqual({ uid: 0, gid: 0 });
    expect(same.cwd).toBe('/');
  });
});

describe('monitor and runtime command lines', () => {
  const ctx = createContext({ root: '/data/tpod', runroot: '/run/tpod' });
  it('gives the monitor the log, exit file, attach socket and the exit command', () => {
    const o = monitorOptionsFor(ctx, rec({ tty: true, interactive: true }), '/usr/bin/crun', ['--root', '/run/tpod/runtime']);
    const id = 'a'.repeat(64);
    expect(o).toMatchObject({
      containerId: id,
      bundle: join('/data/tpod/containers', id, 'userdata'),
      exitFile: join('/run/tpod/exits', id),
      logPath: join('/data/tpod/containers', id, 'userdata', 'ctr.log'),
      terminal: true,
      stdin: true,
    });
    expect(o.attachSocket!.startsWith('/run/tpod/attach/')).toBe(true);
    expect(o.exitCommand!.slice(-7)).toEqual(['--root', '/data/tpod', '--runroot', '/run/tpod', 'container', 'cleanup', id]);
  });
  it('speaks each runtime\'s dialect', () => {
    const crun = { name: 'crun', path: '/usr/bin/crun', kind: 'crun' as const };
    const runc = { name: 'runc', path: '/usr/bin/runc', kind: 'runc' as const };
    const d = { stateRoot: '/run/tpod/runtime' };
    expect(runtimeBaseArgs(crun, d)).toEqual(['--root', '/run/tpod/runtime', '--cgroup-manager=disabled']);
    expect(runtimeBaseArgs(runc, d)).toEqual(['--root', '/run/tpod/runtime']);
    expect(runtimeKillCommand(runc, d, 'x', 15)).toEqual(['/usr/bin/runc', '--root', '/run/tpod/runtime', 'kill', 'x', '15']);
    expect(runtimeDeleteCommand(crun, d, 'x').slice(-3)).toEqual(['delete', '--force', 'x']);
  });
});
