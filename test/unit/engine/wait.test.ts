import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { mkdtempSync, rmSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { createContext, type Context } from '../../../src/engine/context.js';
import { exitFilePath, identify, withRunExit } from '../../../src/engine/state.js';
import { waitContainer } from '../../../src/engine/wait.js';
import { createContainer, readContainer, removeContainer, updateContainer, type ContainerRecord } from '../../../src/storage/containers.js';

let dir: string;
let ctx: Context;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tpod-wait-'));
  ctx = createContext({ root: join(dir, 'root'), runroot: join(dir, 'run'), logLevel: 'error' });
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const RUN_A = '2024-05-01T10:00:00.000Z';
const RUN_B = '2024-05-01T10:00:01.000Z';

/** A running container whose "monitor" is this test process: alive for as long as the test runs. */
async function running(extra: Partial<ContainerRecord> = {}): Promise<ContainerRecord> {
  const me = identify(process.pid)!;
  return createContainer(
    ctx,
    undefined,
    (c) => ({
      id: c.id, name: c.name, image: 'busybox', imageId: 'f'.repeat(64), imageName: 'localhost/busybox:latest',
      command: ['sleep', '100'], created: RUN_A, state: 'running', runtime: 'runc', driver: 'overlay',
      layers: [], hostname: c.id.slice(0, 12), network: 'none', rm: false, tty: false, interactive: false,
      monitorPid: me.pid, monitorStartTime: me.startTime, bootId: me.bootId, startedAt: RUN_A, ...extra,
    }),
    async (d) => rmSync(d.dir, { recursive: true, force: true }),
  );
}

function writeExit(id: string, text: string): void {
  mkdirSync(join(dir, 'run', 'exits'), { recursive: true });
  writeFileSync(exitFilePath(ctx, id), text);
}

describe('wait', () => {
  it('returns the code of the run it waited for when the policy has started the next one', async () => {
    const r = await running({ restartPolicy: { name: 'always' } });
    const code = waitContainer(ctx, r.id, ['stopped'], 10);
    // What the exit command writes when it restarts: the next run, the old run's end listed.
    const ended = withRunExit(readContainer(ctx, r.id)!, 7, RUN_B);
    await updateContainer(ctx, r.id, { startedAt: RUN_B, lastExits: ended.lastExits! });
    expect(await code).toBe(7);
  });

  it('a created container (never run, or its start failed) answers at once, as Podman does', async () => {
    const r = await running({ state: 'created' });
    expect(await waitContainer(ctx, r.id)).toBe(0);
    await updateContainer(ctx, r.id, { exitCode: 127 });
    expect(await waitContainer(ctx, r.id)).toBe(127);
  });

  it('a run whose end is recorded already: its code', async () => {
    const r = await running();
    await updateContainer(ctx, r.id, { state: 'exited', exitCode: 3 });
    expect(await waitContainer(ctx, r.id)).toBe(3);
  });

  it('the policy is about to restart it: the exit file says how this run ended', async () => {
    const r = await running({ restartPolicy: { name: 'on-failure' } });
    writeExit(r.id, '5\n');
    expect(await waitContainer(ctx, r.id)).toBe(5);
    expect(readContainer(ctx, r.id)!.state).toBe('running'); // left to the exit command, which restarts it
  });

  it('records the end itself when it gets there before the exit command', async () => {
    const r = await running();
    writeExit(r.id, '4\n');
    expect(await waitContainer(ctx, r.id)).toBe(4);
    expect(readContainer(ctx, r.id)).toMatchObject({ state: 'exited', exitCode: 4, lastExits: [{ startedAt: RUN_A, exitCode: 4 }] });
    expect(readContainer(ctx, r.id)!.monitorPid).toBeUndefined();
  });

  it('a --rm container removed meanwhile: the code its exit file kept', async () => {
    const r = await running({ rm: true });
    const code = waitContainer(ctx, r.id, ['stopped'], 10);
    writeExit(r.id, '6\n');
    await removeContainer(ctx, r.id, async (d) => rmSync(d.dir, { recursive: true, force: true }));
    expect(await code).toBe(6);
  });
});

describe('lastExits', () => {
  it('newest first, one entry per run, the last 8 runs', () => {
    let rec = { startedAt: 't0' } as ContainerRecord;
    for (let i = 0; i < 10; i++) rec = withRunExit({ ...rec, startedAt: `t${i}` }, i, `f${i}`);
    expect(rec.lastExits!.map((e) => e.exitCode)).toEqual([9, 8, 7, 6, 5, 4, 3, 2]);
    rec = withRunExit(rec, 42, 'again');
    expect(rec.lastExits![0]).toEqual({ startedAt: 't9', exitCode: 42, finishedAt: 'again' });
    expect(rec.lastExits).toHaveLength(8);
  });
});
