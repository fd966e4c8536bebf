// Races between lifecycle commands, each tried many times: what the user sees once a
// command returned must be what is recorded, a stop must win over the restart policy,
// and nothing of a container may outlive it. Each case is bounded (a few seconds on a
// busy 2-core machine) and never relies on a sleep being long enough: it polls for
// states, and random pauses only vary the moment two commands meet.
import { expect, it, afterEach, beforeAll } from 'vitest';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeE2E, tpod, tpodBin, tpodOk, useEnv, busyboxImage, envProcesses, monitorsOf as envMonitorsOf, pausePid, type RunResult, sleep, until } from './harness.js';

interface Rec {
  id: string;
  name: string;
  state: string;
  exitCode?: number;
  restartCount?: number;
  startedAt?: string;
  stoppedByUser?: boolean;
  pod?: string;
}

describeE2E('lifecycle races', () => {
  const t = useEnv('races');
  let img: string;
  const ok = (args: string[]) => tpodOk(args, { env: t.env });
  const run = (args: string[]) => tpod(args, { env: t.env });
  const runD = async (args: string[]): Promise<string> => (await ok(['run', '-d', ...args])).stdout.trim();
  const containersDir = () => join(t.env.dataHome, 'tpod', 'containers');
  const record = (id: string): Rec | undefined => {
    try {
      return JSON.parse(readFileSync(join(containersDir(), id, 'container.json'), 'utf8')) as Rec;
    } catch {
      return undefined;
    }
  };
  const status = async (id: string) => (await ok(['inspect', '--format', '{{.State.Status}}', id])).stdout.trim();
  /** Command lines of this env's processes (the pause process excepted). */
  const processes = (): string[] =>
    envProcesses(t.env)
      .map((p) => {
        try {
          return readFileSync(`/proc/${p}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
        } catch {
          return '';
        }
      })
      .filter((c) => c !== '');
  /** A monitor keeps the container, or runs its exit command (which may restart it). */
  const monitorsOf = (id: string) => envMonitorsOf(t.env, id);
  /** Polls until no process of the env (or none naming MATCH) is left; names them when some stay. */
  const processesEnd = async (what: string, match = ''): Promise<void> => {
    const left = () => processes().filter((c) => c.includes(match));
    try {
      await until(what, () => left().length === 0);
    } catch (err) {
      throw new Error(`${(err as Error).message}; still running:\n${left().join('\n')}`);
    }
  };
  /** Mount points under the env in the pause process's mount namespace. */
  const mounts = (): string[] => {
    const pause = pausePid(t.env);
    if (!pause) return [];
    return readFileSync(`/proc/${pause}/mountinfo`, 'utf8')
      .split('\n')
      .map((l) => l.split(' ')[4] ?? '')
      .filter((m) => m.startsWith(t.env.base));
  };
  /** Everything left once every container is gone: processes, mounts, per-container files. */
  const leftovers = () => {
    const runroot = join(t.env.runtimeDir, 'tpod');
    const list = (d: string) => (existsSync(d) ? readdirSync(d) : []);
    return {
      processes: processes(),
      mounts: mounts(),
      containerDirs: list(containersDir()).filter((n) => n !== 'names'),
      names: list(join(containersDir(), 'names')),
      runtimeState: list(join(runroot, 'runtime')),
      exec: list(join(runroot, 'exec')),
      runtimeLogs: list(join(runroot, 'runtime-logs')),
      netns: list(join(runroot, 'netns')),
    };
  };
  const NONE = { processes: [], mounts: [], containerDirs: [], names: [], runtimeState: [], exec: [], runtimeLogs: [], netns: [] };
  const removeAll = async () => {
    await ok(['rm', '-a', '-f', '-t', '0']);
    await processesEnd('every process of the removed containers to end');
  };
  const noStackTrace = (r: RunResult) => expect(r.stderr).not.toMatch(/^\s+at /m);
  const random = (ms: number) => Math.floor(Math.random() * ms);

  beforeAll(async () => {
    img = await busyboxImage(t.env);
  });
  // A failed case must not leave containers that make the next one fail too.
  afterEach(async () => {
    await run(['pod', 'rm', '-a', '-f', '-t', '0']);
    await run(['rm', '-a', '-f', '-t', '0']);
  });

  it('stop and kill while the restart policy restarts it: stopped once the command returns, and it stays stopped', async () => {
    const id = await runD(['--restart', 'always', img, 'sh', '-c', 'sleep 0.05']);
    for (let i = 0; i < 6; i++) {
      if (i > 0) await ok(['start', id]); // a start by the user turns the policy on again
      const target = 1 + (i % 2);
      await until(`restart ${target}`, () => (record(id)?.restartCount ?? 0) >= target);
      await sleep(random(150)); // meet the policy at another moment of its cycle each time
      const verb = i % 2 === 0 ? ['stop', '-t', '0', id] : ['kill', id];
      const r = await run(verb);
      expect(r.code, `${verb[0]} #${i}: ${r.stderr}`).toBe(0);
      const rec = record(id)!;
      expect(rec.state, `${verb[0]} #${i} returned`).toBe('exited');
      expect(rec.stoppedByUser).toBe(true);
      expect(await status(id)).toBe('exited');
      // Once no monitor of it is left, nothing can restart it any more.
      await until('its monitors and exit commands to end', () => monitorsOf(id).length === 0);
      expect(record(id)).toMatchObject({ state: 'exited', restartCount: rec.restartCount, startedAt: rec.startedAt });
    }
    await removeAll();
    expect(leftovers()).toEqual(NONE);
  });

  it('rm -f while it starts: removed when rm returns, and nothing of it is left', async () => {
    for (let i = 0; i < 6; i++) {
      const id = (await ok(['create', img, 'sleep', '1000'])).stdout.trim();
      const [start, rm] = await Promise.all([run(['start', id]), sleep(i * 40).then(() => run(['rm', '-f', '-t', '0', id]))]);
      expect(rm.code, rm.stderr).toBe(0);
      noStackTrace(start);
      if (start.code !== 0) {
        expect(start.code).toBe(125);
        expect(start.stderr).toBe(`Error: no container with name or ID "${id}" found: no such container\n`);
      }
      expect(record(id)).toBeUndefined();
      expect((await run(['inspect', id])).code).toBe(125);
      await processesEnd(`every process of ${id.slice(0, 12)} to end`, id);
    }
    expect(leftovers()).toEqual(NONE);
  });

  it('ps and rm of other containers while one starts: the start is not taken for an orphan of a killed command', async () => {
    // ps, create/run and rm clean up after killed commands (orphans.ts); a container whose
    // runtime state exists while its record still says created is one, unless its start is
    // still at work. Two `ps` loops and one create/rm -f loop run through each start.
    for (let i = 0; i < 6; i++) {
      const id = (await ok(['create', img, 'sleep', '1000'])).stdout.trim();
      let done = false;
      const others: RunResult[] = [];
      const loop = async (cmds: () => Promise<RunResult[]>) => {
        while (!done) others.push(...(await cmds()));
      };
      const churn = async () => {
        const c = await run(['create', img, 'true']);
        return [c, await run(['rm', '-f', '-t', '0', c.stdout.trim()])];
      };
      const loops = [loop(async () => [await run(['ps', '-a'])]), loop(async () => [await run(['ps', '-a'])]), loop(churn)];
      const start = await sleep(random(200)).then(() => run(['start', id]));
      done = true;
      await Promise.all(loops);
      expect(start.code, `start #${i}: ${start.stderr}`).toBe(0);
      for (const r of others) expect(r.code, r.stderr).toBe(0);
      expect(record(id)?.state, `start #${i}`).toBe('running');
      expect(await status(id)).toBe('running');
      expect((await ok(['exec', id, 'true'])).code).toBe(0);
      await ok(['rm', '-f', '-t', '0', id]);
    }
    await processesEnd('every process of the removed containers to end');
    expect(leftovers()).toEqual(NONE);
  });

  it('two starts of the same container at once: both succeed, one run, one monitor', async () => {
    const id = (await ok(['create', img, 'sleep', '1000'])).stdout.trim();
    for (let i = 0; i < 6; i++) {
      const [a, b] = await Promise.all([run(['start', id]), run(['start', id])]);
      expect([a.code, b.code], a.stderr + b.stderr).toEqual([0, 0]);
      expect(a.stdout + b.stdout).toBe(`${id}\n${id}\n`);
      expect(record(id)?.state).toBe('running');
      expect(monitorsOf(id)).toHaveLength(1);
      await ok(['stop', '-t', '0', id]);
      await until('the monitor to end', () => monitorsOf(id).length === 0);
    }
    await removeAll();
    expect(leftovers()).toEqual(NONE);
  });

  it('run --name X twice at once: exactly one wins, the other gets Podman\'s error and leaves nothing', async () => {
    for (let i = 0; i < 5; i++) {
      const name = `dup${i}`;
      const both = await Promise.all([0, 1].map(() => run(['run', '-d', '--name', name, img, 'sleep', '1000'])));
      const won = both.filter((r) => r.code === 0);
      const lost = both.filter((r) => r.code !== 0);
      expect(won, both.map((r) => r.stderr).join('')).toHaveLength(1);
      const id = won[0]!.stdout.trim();
      expect(lost[0]!.code).toBe(125);
      expect(lost[0]!.stderr).toBe(
        `Error: the container name "${name}" is already in use by ${id}. You have to remove that container to be able to reuse that name: that name is already in use\n`,
      );
      expect((await ok(['ps', '-a', '--format', '{{.ID}} {{.Names}}'])).stdout).toBe(`${id.slice(0, 12)} ${name}\n`);
      expect(readdirSync(containersDir()).filter((n) => n !== 'names')).toEqual([id]);
      await ok(['rm', '-f', '-t', '0', name]);
      await processesEnd('its processes to end');
    }
    expect(leftovers()).toEqual(NONE);
  });

  it('wait on a container that exited before wait looked: its exit code, with or without --rm', async () => {
    for (let i = 0; i < 10; i++) {
      const rm = i % 2 === 1 ? ['--rm'] : [];
      const id = await runD([...rm, img, 'sh', '-c', `exit ${i + 1}`]);
      if (i % 3 === 2) await until('the end to be recorded', () => (rm.length > 0 ? !record(id) : record(id)?.state === 'exited'));
      expect((await ok(['wait', id])).stdout, `run ${i}`).toBe(`${i + 1}\n`);
    }
    await processesEnd('the clean-ups to end');
    await removeAll();
    expect(leftovers()).toEqual(NONE);
  });

  it('wait returns the exit code of the run it waited for, even when the policy has started the next run', async () => {
    // Each run numbers itself and ends only when the test lets it: run N exits with N+10.
    const gate = join(t.env.base, 'gate');
    mkdirSync(gate);
    chmodSync(gate, 0o777);
    const script = 'n=$(( $(cat /x/n 2>/dev/null || echo 0) + 1 )); echo $n > /x/n; while [ ! -e /x/go$n ]; do sleep 0.02; done; exit $((n + 10))';
    const id = await runD(['--restart', 'always', '-v', `${gate}:/x`, img, 'sh', '-c', script]);
    for (let n = 1; n <= 3; n++) {
      // The record knows run N (the restart that started it is recorded).
      await until(`run ${n}`, () => record(id)?.state === 'running' && record(id)?.restartCount === n - 1 && existsSync(join(gate, 'n')) && readFileSync(join(gate, 'n'), 'utf8') === `${n}\n`);
      const w = spawn(tpodBin(), ['--log-level', 'debug', 'wait', id], { env: t.env.vars, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      w.stdout.on('data', (b: Buffer) => (out += b.toString()));
      w.stderr.on('data', (b: Buffer) => (err += b.toString()));
      const done = new Promise<number | null>((r) => w.on('close', (code) => r(code)));
      // Once wait said which run it waits for, that run may end and the next one start.
      await until('wait to look at the container', () => /waiting for .* run started at /.test(err));
      writeFileSync(join(gate, `go${n}`), '');
      expect(await done, err).toBe(0);
      expect(out).toBe(`${n + 10}\n`);
    }
    await ok(['stop', '-t', '0', id]);
    await removeAll();
    expect(leftovers()).toEqual(NONE);
  });

  it('exec into a container that is exiting: the exec\'s own code or a clear error, no hang, nothing left', async () => {
    for (let i = 0; i < 4; i++) {
      const id = await runD([img, 'sh', '-c', 'echo ready; while [ ! -e /tmp/die ]; do sleep 0.02; done']);
      await until('ready', async () => (await ok(['logs', id])).stdout === 'ready\n');
      // The first exec ends the container while it still runs; the others meet its end.
      const execs = await Promise.all([
        run(['exec', id, 'sh', '-c', 'touch /tmp/die; sleep 30']),
        ...[0, 1, 2].map((j) => sleep(j * 30 + random(60)).then(() => run(['exec', id, 'true']))),
      ]);
      for (const r of execs) {
        noStackTrace(r);
        expect(r.timedOut).toBe(false);
        expect([0, 125, 137], r.stderr).toContain(r.code);
        // The runtime may have said it first; tpod's own line is Podman's.
        if (r.code === 125) expect(r.stderr.trimEnd().split('\n').pop()).toBe('Error: can only create exec sessions on running containers: container state improper');
      }
      expect(execs[0]!.code, execs[0]!.stderr).not.toBe(0); // its `sleep 30` ended with the container
      expect((await ok(['wait', id])).stdout).toBe('0\n');
    }
    await removeAll();
    expect(leftovers()).toEqual(NONE);
  });

  it('pod stop while a member restarts: every container of the pod is stopped when it returns, and stays so', async () => {
    await ok(['pod', 'create', '--name', 'rp']);
    const member = await runD(['--pod', 'rp', '--restart', 'always', img, 'sh', '-c', 'sleep 0.05']);
    for (let i = 0; i < 4; i++) {
      if (i > 0) await ok(['pod', 'start', 'rp']);
      await until('a restart', () => (record(member)?.restartCount ?? 0) >= 1 + (i % 2));
      await sleep(random(150));
      await ok(['pod', 'stop', '-t', '0', 'rp']);
      const ids = readdirSync(containersDir()).filter((n) => n !== 'names');
      for (const c of ids) expect(record(c)?.state, `${record(c)?.name} after pod stop #${i}`).toBe('exited');
      const rec = record(member)!;
      await until('the monitors to end', () => ids.every((c) => monitorsOf(c).length === 0));
      expect(record(member)).toMatchObject({ state: 'exited', restartCount: rec.restartCount, startedAt: rec.startedAt });
    }
    await ok(['pod', 'rm', '-f', 'rp']);
    await processesEnd('every process of the pod to end');
    expect(leftovers()).toEqual(NONE);
  });

  it('logs -f when the container exits between two reads: every line once, in order, and it ends', async () => {
    for (let i = 0; i < 8; i++) {
      const lines = 10 + i * 25;
      const pause = i % 2 === 0 ? '' : `sleep 0.${i};`;
      const script = `i=0; while [ $i -lt ${lines} ]; do echo line$i; i=$((i + 1)); done; ${pause} printf end`;
      const id = await runD([img, 'sh', '-c', script]);
      const r = await run(['logs', '-f', id]);
      expect(r.code, r.stderr).toBe(0);
      const want = Array.from({ length: lines }, (_, k) => `line${k}\n`).join('') + 'end';
      expect(r.stdout.replace(/\n$/, ''), `run ${i}`).toBe(want);
    }
    await removeAll();
    expect(leftovers()).toEqual(NONE);
  });
});
