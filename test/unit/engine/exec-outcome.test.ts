import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { createContext, type Context } from '../../../src/engine/context.js';
import { exitFilePath, type HostProc } from '../../../src/engine/state.js';
import { endedUnderExec, execOutcome, runFacts, runtimeStraysGone, type AfterFailure, type InitState, type RunFacts } from '../../../src/engine/exec-outcome.js';
import { TpodError } from '../../../src/errors.js';
import { createContainer, removeContainer, updateContainer, type ContainerRecord } from '../../../src/storage/containers.js';

const crun = { name: 'crun', path: '/usr/bin/crun', kind: 'crun' as const };
const STATE_ERROR = 'can only create exec sessions on running containers: container state improper';

async function thrown(p: Promise<unknown>): Promise<TpodError> {
  try {
    await p;
  } catch (err) {
    return err as TpodError;
  }
  throw new Error('expected an error');
}

describe('execOutcome', () => {
  const never: AfterFailure = {
    ended: async () => {
      throw new Error('the container was looked at although the runtime did not fail');
    },
    settled: async () => {
      throw new Error('the runtime\'s processes were waited for although it did not fail');
    },
  };
  const ended: AfterFailure = { ended: async () => true, settled: async () => {} };
  const running: AfterFailure = { ended: async () => false, settled: async () => {} };

  it('returns the process\'s own code when the runtime logged nothing, 137 for a process the end killed', async () => {
    expect(await execOutcome(crun, 0, undefined, never)).toBe(0);
    expect(await execOutcome(crun, 1, undefined, never)).toBe(1);
    expect(await execOutcome(crun, 137, undefined, never)).toBe(137);
  });

  it('a silent 255 is Podman\'s state error when the container ended, the process\'s own 255 when it runs on', async () => {
    const e = await thrown(execOutcome(crun, 255, undefined, ended));
    expect(e).toMatchObject({ code: 'ECTRSTATE', exitCode: 125, message: STATE_ERROR });
    expect(await execOutcome(crun, 255, undefined, running)).toBe(255);
  });

  it('a runtime error from a container that ended under the exec is Podman\'s state error, whatever the runtime said', async () => {
    for (const msg of ['setns `mnt`: Bad file descriptor', 'fail startup', 'write to sync socket: Broken pipe', 'open `/proc/42/ns/mnt`: No such file or directory']) {
      const e = await thrown(execOutcome(crun, 255, msg, ended));
      expect(e, msg).toMatchObject({ code: 'ECTRSTATE', exitCode: 125, message: STATE_ERROR });
    }
  });

  it('the runtime saying the container is not running needs no look at the container', async () => {
    const e = await thrown(execOutcome(crun, 1, 'the container `abc` is not running', { ...ended, ended: never.ended }));
    expect(e).toMatchObject({ code: 'ECTRSTATE', exitCode: 125 });
  });

  it('fails only once the runtime\'s processes are gone (their errors come before tpod\'s)', async () => {
    const order: string[] = [];
    const after: AfterFailure = {
      ended: async () => (order.push('looked'), true),
      settled: () => new Promise((r) => setTimeout(() => (order.push('settled'), r()), 20)),
    };
    await thrown(execOutcome(crun, 255, undefined, after).finally(() => order.push('failed')));
    expect(order).toEqual(['looked', 'settled', 'failed']);
  });

  it('reports the runtime\'s own error while the container runs on', async () => {
    expect(await thrown(execOutcome(crun, 1, 'setns `mnt`: Bad file descriptor', running))).toMatchObject({
      code: 'ERUNTIME',
      exitCode: 125,
      message: 'crun: setns `mnt`: Bad file descriptor: OCI runtime error',
    });
    expect(await thrown(execOutcome(crun, 1, 'executable file `nope` not found in $PATH: No such file or directory', running))).toMatchObject({ exitCode: 127 });
  });
});

/** Facts that change as the polls go: one entry per look (the last one repeats). */
function scripted(steps: Array<{ known?: boolean; init: InitState }>): RunFacts & { looks: number } {
  const f = {
    looks: 0,
    endKnown: () => steps[Math.min(f.looks, steps.length - 1)]!.known === true,
    init: () => {
      const s = steps[Math.min(f.looks, steps.length - 1)]!;
      f.looks++;
      return s.init;
    },
  };
  return f;
}

/** A clock that moves only when the decision sleeps. */
function clock(): { now: () => number; sleep: (ms: number) => Promise<void>; slept: number[] } {
  let t = 0;
  const slept: number[] = [];
  return { now: () => t, sleep: async (ms) => void (slept.push(ms), (t += ms)), slept };
}

describe('endedUnderExec', () => {
  it('an init alive and not exiting once the runtime failed: not the end, decided at the first look', async () => {
    const c = clock();
    expect(await endedUnderExec(scripted([{ init: 'alive' }]), c)).toBe(false);
    expect(c.slept).toEqual([]);
  });

  it('an end already recorded: ended, without waiting', async () => {
    const c = clock();
    expect(await endedUnderExec(scripted([{ known: true, init: 'alive' }]), c)).toBe(true);
    expect(c.slept).toEqual([]);
  });

  it('an init that is exiting or gone: waits, polling, until the end is recorded', async () => {
    const c = clock();
    const f = scripted([{ init: 'exiting' }, { init: 'exiting' }, { init: 'gone' }, { init: 'gone' }, { known: true, init: 'gone' }]);
    expect(await endedUnderExec(f, c)).toBe(true);
    expect(c.slept).toEqual([5, 10, 20, 40]);
  });

  it('an init exiting whose end is not recorded in time: ended all the same, after the bound', async () => {
    const c = clock();
    expect(await endedUnderExec(scripted([{ init: 'exiting' }]), { ...c, timeoutMs: 1000 })).toBe(true);
    expect(c.now()).toBe(1000);
  });

  it('no init recorded: only a recorded end within the bound counts', async () => {
    const c = clock();
    expect(await endedUnderExec(scripted([{ init: 'unknown' }]), { ...c, timeoutMs: 300 })).toBe(false);
    expect(c.now()).toBe(300);
    expect(await endedUnderExec(scripted([{ init: 'unknown' }, { known: true, init: 'unknown' }]), clock())).toBe(true);
  });
});

describe('runFacts', () => {
  let dir: string;
  let ctx: Context;
  const stats = new Map<number, string>();
  const exits = new Map<string, { text: string; mtime: Date }>();
  const proc: HostProc = { stat: (pid) => stats.get(pid), bootId: () => 'boot-a', exitFile: (p) => exits.get(p) };
  // /proc/<pid>/stat: state is field 3, the PF_* flags field 9, the start time field 22.
  const statLine = (pid: number, state: string, flags: number, start = '500') =>
    `${pid} (sh) ${[state, '1', pid, pid, '0', '-1', flags, '0', '0', '0', '0', '0', '0', '0', '0', '20', '0', '1', '0', start, '1000', '100'].join(' ')}\n`;
  const MONITOR = 4242;
  const INIT = 4250;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tpod-exec-outcome-'));
    ctx = createContext({ root: join(dir, 'root'), runroot: join(dir, 'run'), logLevel: 'error' });
    stats.clear();
    exits.clear();
    stats.set(MONITOR, statLine(MONITOR, 'S', 0x400000, '777'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const running = (): Promise<ContainerRecord> =>
    createContainer(
      ctx,
      undefined,
      (c) => ({
        id: c.id, name: c.name, image: 'busybox', imageId: 'f'.repeat(64), imageName: 'localhost/busybox:latest',
        command: ['sleep', '100'], created: '2024-05-01T10:00:00.000Z', state: 'running', runtime: 'crun', driver: 'overlay',
        layers: [], hostname: c.id.slice(0, 12), network: 'none', rm: false, tty: false, interactive: false,
        monitorPid: MONITOR, monitorStartTime: '777', bootId: 'boot-a', pid: INIT, startedAt: '2024-05-01T10:00:00.000Z',
      }),
      async (d) => rmSync(d.dir, { recursive: true, force: true }),
    );

  it('tells the init alive, exiting (PF_EXITING), a zombie or gone', async () => {
    const rec = await running();
    const f = runFacts(ctx, rec, proc);
    stats.set(INIT, statLine(INIT, 'S', 0x400100));
    expect(f.init()).toBe('alive');
    stats.set(INIT, statLine(INIT, 'D', 0x400104));
    expect(f.init()).toBe('exiting');
    stats.set(INIT, statLine(INIT, 'Z', 0x400104));
    expect(f.init()).toBe('gone');
    stats.delete(INIT);
    expect(f.init()).toBe('gone');
    const { pid: _, ...noPid } = rec;
    expect(runFacts(ctx, noPid, proc).init()).toBe('unknown');
  });

  it('knows the end from the exit file, the monitor, another run or the removal', async () => {
    const rec = await running();
    const f = runFacts(ctx, rec, proc);
    expect(f.endKnown()).toBe(false);
    exits.set(exitFilePath(ctx, rec.id), { text: '0\n', mtime: new Date() });
    expect(f.endKnown()).toBe(true);
    exits.clear();
    stats.delete(MONITOR);
    expect(f.endKnown()).toBe(true);
    stats.set(MONITOR, statLine(MONITOR, 'S', 0x400000, '777'));
    await updateContainer(ctx, rec.id, { startedAt: '2024-05-01T10:00:05.000Z' });
    expect(f.endKnown()).toBe(true);
    await updateContainer(ctx, rec.id, { startedAt: rec.startedAt! });
    expect(f.endKnown()).toBe(false);
    await removeContainer(ctx, rec.id, async (d) => rmSync(d.dir, { recursive: true, force: true }));
    expect(f.endKnown()).toBe(true);
  });
});

describe('runtimeStraysGone', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'tpod-proc-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));
  const fakeProcess = (pid: number, argv: string[]) => {
    mkdirSync(join(root, String(pid)));
    writeFileSync(join(root, String(pid), 'cmdline'), argv.join('\0') + '\0');
  };
  const MARK = '/run/user/1000/tpod/exec/abc.json';

  it('returns at once when no process names the exec\'s process file', async () => {
    fakeProcess(10, ['crun', 'exec', '--process', '/run/user/1000/tpod/exec/other.json', 'id']);
    mkdirSync(join(root, 'self'));
    const t0 = Date.now();
    await runtimeStraysGone(MARK, { procRoot: root, timeoutMs: 5000 });
    expect(Date.now() - t0).toBeLessThan(1000);
  });

  it('waits for a fork of the runtime that still runs, and gives up after the bound', async () => {
    fakeProcess(11, ['crun', '--root', '/r', 'exec', '--process', MARK, 'id']);
    setTimeout(() => rmSync(join(root, '11'), { recursive: true }), 50);
    await runtimeStraysGone(MARK, { procRoot: root, timeoutMs: 5000 });
    expect(existsSync(join(root, '11'))).toBe(false); // it returned only once the fork was gone
    fakeProcess(12, ['crun', 'exec', '--process', MARK, 'id']);
    const t0 = Date.now();
    await runtimeStraysGone(MARK, { procRoot: root, timeoutMs: 100 });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(100);
  });
});
