import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { mkdtempSync, rmSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { createContext, type Context } from '../../../src/engine/context.js';
import {
  liveState,
  parseProcStat,
  processAlive,
  identify,
  exitFilePath,
  UNKNOWN_EXIT_CODE,
  type HostProc,
} from '../../../src/engine/state.js';
import { reconcile } from '../../../src/engine/reconcile.js';
import { createContainer, readContainer, updateContainer, type ContainerRecord } from '../../../src/storage/containers.js';

// /proc/<pid>/stat as the kernel writes it: comm in parentheses (may hold spaces and ')'),
// then state, and the start time as field 22.
function statLine(pid: number, comm: string, state: string, startTime: string): string {
  const fields = [state, '1', String(pid), String(pid), '0', '-1', '4194560', '0', '0', '0', '0', '0', '0', '0', '0', '20', '0', '1', '0', startTime, '1000', '100'];
  return `${pid} (${comm}) ${fields.join(' ')}\n`;
}

class FakeProc implements HostProc {
  stats = new Map<number, string>();
  exits = new Map<string, { text: string; mtime: Date }>();
  boot = 'boot-a';
  stat(pid: number): string | undefined {
    return this.stats.get(pid);
  }
  bootId(): string {
    return this.boot;
  }
  exitFile(path: string): { text: string; mtime: Date } | undefined {
    return this.exits.get(path);
  }
}

let dir: string;
let ctx: Context;
let proc: FakeProc;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tpod-state-'));
  ctx = createContext({ root: join(dir, 'root'), runroot: join(dir, 'run'), logLevel: 'error' });
  proc = new FakeProc();
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function newRecord(extra: Partial<ContainerRecord> = {}): Promise<ContainerRecord> {
  return createContainer(
    ctx,
    undefined,
    (c) => ({
      id: c.id, name: c.name, image: 'busybox', imageId: 'f'.repeat(64), imageName: 'localhost/busybox:latest',
      command: ['sleep', '100'], created: new Date().toISOString(), state: 'created', runtime: 'runc', driver: 'overlay',
      layers: [], hostname: c.id.slice(0, 12), network: 'none', rm: false, tty: false, interactive: false, ...extra,
    }),
    async (d) => rmSync(d.dir, { recursive: true, force: true }),
  );
}

const RUNNING = { state: 'running' as const, monitorPid: 4242, monitorStartTime: '777', bootId: 'boot-a', pid: 4250, startedAt: '2024-05-01T10:00:00.000Z' };

describe('parseProcStat', () => {
  it('reads state and start time past a comm holding spaces and parentheses', () => {
    expect(parseProcStat(statLine(5, 'a) b (c', 'S', '123456'))).toEqual({ state: 'S', flags: 4194560, startTime: '123456', comm: 'a) b (c' });
  });
  it('refuses truncated text', () => {
    expect(parseProcStat('5 (x) S 1 2')).toBeUndefined();
    expect(parseProcStat('garbage')).toBeUndefined();
  });
});

describe('processAlive', () => {
  it('is true for the same pid, start time and boot', () => {
    proc.stats.set(10, statLine(10, 'tpod-monitor', 'S', '99'));
    const id = identify(10, proc)!;
    expect(id).toEqual({ pid: 10, startTime: '99', bootId: 'boot-a' });
    expect(processAlive(id, proc)).toBe(true);
  });
  it('guards against pid reuse: another start time is another process', () => {
    proc.stats.set(10, statLine(10, 'bash', 'S', '500'));
    expect(processAlive({ pid: 10, startTime: '99', bootId: 'boot-a' }, proc)).toBe(false);
  });
  it('counts zombies as dead', () => {
    proc.stats.set(10, statLine(10, 'tpod-monitor', 'Z', '99'));
    expect(processAlive({ pid: 10, startTime: '99', bootId: 'boot-a' }, proc)).toBe(false);
  });
  it('guards against a reboot: another boot id is another process', () => {
    proc.stats.set(10, statLine(10, 'tpod-monitor', 'S', '99'));
    proc.boot = 'boot-b';
    expect(processAlive({ pid: 10, startTime: '99', bootId: 'boot-a' }, proc)).toBe(false);
  });
});

describe('liveState', () => {
  it('a created record is created; an exited one keeps its code', async () => {
    const c = await newRecord();
    expect(liveState(ctx, c, proc).status).toBe('created');
    const e = { ...c, state: 'exited' as const, exitCode: 3 };
    expect(liveState(ctx, e, proc)).toMatchObject({ status: 'exited', exitCode: 3 });
  });

  it('running while the monitor lives and no exit file exists', async () => {
    const r = await newRecord(RUNNING);
    proc.stats.set(4242, statLine(4242, 'tpod-monitor', 'S', '777'));
    expect(liveState(ctx, r, proc)).toMatchObject({ status: 'running', pid: 4250, monitorAlive: true });
  });

  it('the exit file wins, even while the monitor runs the exit command', async () => {
    const r = await newRecord(RUNNING);
    proc.stats.set(4242, statLine(4242, 'node', 'S', '777'));
    const when = new Date('2024-05-01T10:00:05.000Z');
    proc.exits.set(exitFilePath(ctx, r.id), { text: '137\noom\n', mtime: when });
    expect(liveState(ctx, r, proc)).toMatchObject({ status: 'exited', exitCode: 137, oomKilled: true, finishedAt: when.toISOString(), monitorAlive: true });
  });

  it('a monitor killed with SIGKILL (gone, no exit file) is exited with an unknown code, never running forever', async () => {
    const r = await newRecord(RUNNING);
    const ls = liveState(ctx, r, proc);
    expect(ls.status).toBe('exited');
    expect(ls.exitCode).toBe(UNKNOWN_EXIT_CODE);
    expect(ls.pid).toBeUndefined();
  });

  it('after a reboot the same pid and start time do not count', async () => {
    const r = await newRecord(RUNNING);
    proc.stats.set(4242, statLine(4242, 'tpod-monitor', 'S', '777'));
    proc.boot = 'boot-b';
    expect(liveState(ctx, r, proc).status).toBe('exited');
  });

  it('a half-written exit file is not an exit', async () => {
    const r = await newRecord(RUNNING);
    proc.stats.set(4242, statLine(4242, 'tpod-monitor', 'S', '777'));
    proc.exits.set(exitFilePath(ctx, r.id), { text: '1', mtime: new Date() });
    expect(liveState(ctx, r, proc).status).toBe('running');
  });
});

describe('reconcile', () => {
  it('records the end of a container whose monitor died, and cleans up once', async () => {
    const r = await newRecord(RUNNING);
    const when = new Date('2024-05-01T10:00:05.000Z');
    proc.exits.set(exitFilePath(ctx, r.id), { text: '2\n', mtime: when });
    const cleaned: string[] = [];
    const clean = async (_c: Context, rec: ContainerRecord): Promise<void> => void cleaned.push(rec.id);
    const out = await reconcile(ctx, r, { proc, clean });
    expect(out).toMatchObject({ state: 'exited', exitCode: 2, finishedAt: when.toISOString() });
    expect(out.monitorPid).toBeUndefined();
    expect(out.pid).toBeUndefined();
    expect(readContainer(ctx, r.id)).toMatchObject({ state: 'exited', exitCode: 2 });
    expect(cleaned).toEqual([r.id]);
    // The second time there is nothing left to do.
    await reconcile(ctx, readContainer(ctx, r.id)!, { proc, clean });
    expect(cleaned).toEqual([r.id]);
  });

  it('leaves the record alone while the monitor (exit command) still lives', async () => {
    const r = await newRecord(RUNNING);
    proc.stats.set(4242, statLine(4242, 'node', 'S', '777'));
    proc.exits.set(exitFilePath(ctx, r.id), { text: '0\n', mtime: new Date() });
    let cleaned = 0;
    const out = await reconcile(ctx, r, { proc, clean: async () => void cleaned++ });
    expect(out.state).toBe('exited');
    expect(readContainer(ctx, r.id)!.state).toBe('running');
    expect(cleaned).toBe(0);
  });

  it('does not touch a record another command restarted meanwhile', async () => {
    const r = await newRecord(RUNNING);
    await updateContainer(ctx, r.id, { monitorPid: 5000, monitorStartTime: '900' });
    proc.stats.set(5000, statLine(5000, 'tpod-monitor', 'S', '900'));
    let cleaned = 0;
    const out = await reconcile(ctx, r, { proc, clean: async () => void cleaned++ });
    expect(out.monitorPid).toBe(5000);
    expect(readContainer(ctx, r.id)!.state).toBe('running');
    expect(cleaned).toBe(0);
  });

  it('removes a --rm container whose monitor died', async () => {
    const r = await newRecord({ ...RUNNING, rm: true });
    const removed: string[] = [];
    await reconcile(ctx, r, { proc, clean: async () => {}, remove: async (_c, rec) => void removed.push(rec.id) });
    expect(removed).toEqual([r.id]);
  });

  it('a failing clean-up still records the end (and warns)', async () => {
    const r = await newRecord(RUNNING);
    mkdirSync(join(dir, 'run'), { recursive: true });
    const out = await reconcile(ctx, r, { proc, clean: async () => { throw new Error('umount: busy'); } });
    expect(out).toMatchObject({ state: 'exited', exitCode: UNKNOWN_EXIT_CODE });
  });
});
