// The container lifecycle under tpod-monitor, end to end: the real binary as an
// unprivileged user, the real monitor, the runtime tpod picks here (and runc by name).
import { expect, it, beforeAll } from 'vitest';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeE2E, tpod, tpodBin, tpodOk, useEnv, busyboxImage, envProcesses, monitorsOf, pausePid, type TpodEnv, sleep, until } from './harness.js';

interface Record {
  id: string;
  state: string;
  exitCode?: number;
  monitorPid?: number;
  pid?: number;
  restartCount?: number;
  startedAt?: string;
}

function record(env: TpodEnv, id: string): Record | undefined {
  try {
    return JSON.parse(readFileSync(join(env.dataHome, 'tpod', 'containers', id, 'container.json'), 'utf8')) as Record;
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}


/** `sh` as pid 1 ignores SIGTERM unless it traps it: these exit on it, or refuse it. */
const TRAPS_TERM = ['sh', '-c', 'trap "exit 0" TERM; echo ready; while :; do sleep 0.1; done'];
const IGNORES_TERM = ['sh', '-c', 'trap "" TERM; echo ready; while :; do sleep 0.1; done'];

describeE2E('container lifecycle (monitor)', () => {
  const t = useEnv('lifecycle');
  let img: string;
  /**
   * A directory bind-mounted at /x and a shell loop that waits for /x/go (and removes
   * it, so a restarted container waits again): the container goes on when the test says,
   * never after a sleep that may or may not be long enough.
   */
  const gate = (name: string) => {
    const dir = join(t.env.base, `gate-${name}`);
    mkdirSync(dir);
    chmodSync(dir, 0o777);
    return { dir, script: 'while [ ! -e /x/go ]; do sleep 0.02; done; rm -f /x/go', open: () => writeFileSync(join(dir, 'go'), '') };
  };
  const ok = (args: string[], input?: string) => tpodOk(args, { env: t.env, ...(input !== undefined ? { input } : {}) });
  const runD = async (args: string[]): Promise<string> => (await ok(['run', '-d', ...args])).stdout.trim();

  beforeAll(async () => {
    img = await busyboxImage(t.env);
  });

  it('run -d prints the id and returns at once; wait prints the exit code', async () => {
    const g = gate('wait');
    const id = await runD(['-v', `${g.dir}:/x`, img, 'sh', '-c', `${g.script}; exit 3`]);
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    expect(record(t.env, id)?.state).toBe('running');
    g.open();
    const w = await ok(['wait', id]);
    expect(w.stdout).toBe('3\n');
    await until('the clean-up to record the end', () => record(t.env, id)?.state === 'exited');
    expect(record(t.env, id)).toMatchObject({ state: 'exited', exitCode: 3 });
  });

  it('wait --condition running returns once it runs; several containers, one line each', async () => {
    const g = gate('running');
    const a = await runD(['-v', `${g.dir}:/x`, img, 'sh', '-c', `${g.script}; exit 1`]);
    const b = await runD([img, 'sh', '-c', 'exit 2']);
    expect((await ok(['wait', '--condition', 'running', a])).stdout).toBe('0\n');
    g.open();
    expect((await ok(['wait', a, b])).stdout).toBe('1\n2\n');
    const missing = await tpod(['wait', 'no-such-ctr'], { env: t.env });
    expect(missing.code).toBe(125);
    expect(missing.stderr).toBe('Error: no container with name or ID "no-such-ctr" found: no such container\n');
  });

  it('logs: k8s-file content, stdout and stderr apart, --tail, -t, --since/--until, several containers', async () => {
    const before = Date.now();
    const id = await runD(['--name', 'logs1', img, 'sh', '-c', 'echo one; echo two >&2; echo three']);
    await ok(['wait', id]);
    const after = Date.now();
    const file = readFileSync(join(t.env.dataHome, 'tpod', 'containers', id, 'userdata', 'ctr.log'), 'utf8');
    const lines = file.trim().split('\n');
    expect(lines).toHaveLength(3);
    for (const l of lines) expect(l).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}[+-]\d\d:\d\d (stdout|stderr) F \w+$/);
    // stdout and stderr are separate pipes: their order in the file is not fixed.
    expect(lines.filter((l) => / stderr F two$/.test(l))).toHaveLength(1);
    const r = await ok(['logs', 'logs1']);
    expect(r.stdout).toBe('one\nthree\n');
    expect(r.stderr).toBe('two\n');
    // --tail counts the lines of both streams, in the file's order.
    const last = await ok(['logs', '--tail', '1', 'logs1']);
    expect(last.stdout + last.stderr).toBe(`${lines[2]!.split(' ').slice(3).join(' ')}\n`);
    expect((await ok(['logs', '--tail', '0', 'logs1'])).stdout).toBe('');
    expect((await ok(['logs', '-t', 'logs1'])).stdout).toMatch(/^\d{4}-\d\d-\d\dT\S+ one\n\S+ three\n$/);
    // Time windows from instants this test recorded, not from how long the run took.
    const unix = (ms: number): string => (ms / 1000).toFixed(3);
    expect((await ok(['logs', '--until', unix(before - 1), 'logs1'])).stdout).toBe('');
    expect((await ok(['logs', '--since', unix(after + 1), 'logs1'])).stdout).toBe('');
    expect((await ok(['logs', '--since', unix(before - 1), '--until', unix(after + 1), 'logs1'])).stdout).toBe('one\nthree\n');
    expect((await ok(['logs', '--since', '1h', 'logs1'])).stdout).toBe('one\nthree\n');
    const other = await runD([img, 'echo', 'four']);
    await ok(['wait', other]);
    const both = await ok(['logs', 'logs1', other]);
    expect(both.stdout).toBe(`${id.slice(0, 12)} one\n${id.slice(0, 12)} three\n${other.slice(0, 12)} four\n`);
  });

  it('logs -f follows new output and ends when the container exits', async () => {
    // The container says its second line only once the test saw the first one come out
    // of logs -f: following is proven by order, not by how long it took.
    const g = gate('logs');
    const id = await runD(['-v', `${g.dir}:/x`, img, 'sh', '-c', `echo first; ${g.script}; echo second`]);
    const f = spawn(tpodBin(), ['logs', '-f', id], { env: t.env.vars, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    f.stdout.on('data', (b: Buffer) => (out += b.toString()));
    const code = new Promise<number | null>((r) => f.on('close', (c) => r(c)));
    await until('the first line through logs -f', () => out === 'first\n');
    g.open();
    expect(await code).toBe(0);
    expect(out).toBe('first\nsecond\n');
  });

  it('stop: the stop signal ends a container that handles it', async () => {
    const id = await runD(['--name', 'stoppable', img, ...TRAPS_TERM]);
    await until('ready', async () => (await ok(['logs', id])).stdout.includes('ready'));
    const r = await ok(['stop', 'stoppable']);
    expect(r.stdout).toBe('stoppable\n');
    expect(r.stderr).toBe(''); // no "resorting to SIGKILL": the stop signal did it (exit code 0, not 137)
    expect(record(t.env, id)).toMatchObject({ state: 'exited', exitCode: 0 });
    // Stopping a stopped container is fine.
    expect((await ok(['stop', id])).code).toBe(0);
  });

  it('stop -t 1: SIGKILL after the timeout for a container that ignores SIGTERM', async () => {
    const id = await runD([img, ...IGNORES_TERM]);
    await until('ready', async () => (await ok(['logs', id])).stdout.includes('ready'));
    const started = Date.now();
    const r = await ok(['stop', '-t', '1', id]);
    // It waited the 1 s it was given (not the default 10), then killed.
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(r.stderr).toMatch(/StopSignal SIGTERM failed to stop container \S+ in 1 seconds, resorting to SIGKILL/);
    expect(record(t.env, id)).toMatchObject({ state: 'exited', exitCode: 137 });
  });

  it('--stop-signal is the signal stop sends', async () => {
    const id = await runD(['--stop-signal', 'USR1', img, 'sh', '-c', 'trap "exit 11" USR1; echo ready; while :; do sleep 0.1; done']);
    await until('ready', async () => (await ok(['logs', id])).stdout.includes('ready'));
    await ok(['stop', id]);
    expect(record(t.env, id)?.exitCode).toBe(11);
  });

  it('kill -s sends that signal; killing a stopped container is an error', async () => {
    const id = await runD([img, 'sh', '-c', 'trap "exit 7" HUP; echo ready; while :; do sleep 0.1; done']);
    await until('ready', async () => (await ok(['logs', id])).stdout.includes('ready'));
    expect((await ok(['kill', '-s', 'HUP', id])).stdout).toBe(`${id}\n`);
    expect((await ok(['wait', id])).stdout).toBe('7\n');
    const again = await tpod(['kill', id], { env: t.env });
    expect(again.code).toBe(125);
    expect(again.stderr).toMatch(/container state improper/);
    const bad = await tpod(['kill', '-s', 'NOPE', id], { env: t.env });
    expect(bad.code).toBe(125);
    expect(bad.stderr).toBe('Error: invalid signal: NOPE\n');
  });

  it('restart stops and starts again; start of an exited container runs it again', async () => {
    const id = await runD([img, ...TRAPS_TERM]);
    await until('ready', async () => (await ok(['logs', id])).stdout.includes('ready'));
    const firstMonitor = record(t.env, id)!.monitorPid;
    expect((await ok(['restart', '-t', '2', id])).stdout).toBe(`${id}\n`);
    const rec = record(t.env, id)!;
    expect(rec.state).toBe('running');
    expect(rec.monitorPid).not.toBe(firstMonitor);
    await until('ready twice', async () => (await ok(['logs', id])).stdout === 'ready\nready\n');
    await ok(['stop', id]);
    expect((await ok(['start', id])).stdout).toBe(`${id}\n`);
    await until('ready three times', async () => (await ok(['logs', id])).stdout === 'ready\nready\nready\n');
    await ok(['stop', id]);
  });

  it('--restart=on-failure:2 restarts exactly twice', async () => {
    const id = await runD(['--restart', 'on-failure:2', img, 'sh', '-c', 'echo try; exit 1']);
    expect((await ok(['wait', id])).stdout).toBe('1\n');
    const rec = await until('the last clean-up', () => {
      const r = record(t.env, id);
      return r?.state === 'exited' ? r : undefined;
    });
    expect(rec.restartCount).toBe(2);
    expect((await ok(['logs', id])).stdout).toBe('try\ntry\ntry\n');
    // Success does not restart.
    const good = await runD(['--restart', 'on-failure', img, 'true']);
    expect((await ok(['wait', good])).stdout).toBe('0\n');
    await until('recorded', () => record(t.env, good)?.state === 'exited');
    expect(record(t.env, good)?.restartCount).toBe(0);
  });

  it('--restart=always restarts until stopped', async () => {
    const id = await runD(['--restart', 'always', img, 'sh', '-c', 'echo up; sleep 0.2']);
    await until('two restarts', () => (record(t.env, id)?.restartCount ?? 0) >= 2, 60_000);
    await ok(['stop', '-t', '0', id]);
    const rec = record(t.env, id)!;
    expect(rec.state).toBe('exited');
    // Once no monitor of it is left (none runs its exit command), nothing can restart it.
    await until('its monitors to end', () => monitorsOf(t.env, id).length === 0);
    expect(record(t.env, id)?.state).toBe('exited');
    expect(record(t.env, id)?.restartCount).toBe(rec.restartCount);
  });

  it('--rm with -d removes the container once it exited; --rm conflicts with --restart', async () => {
    const id = await runD(['--rm', img, 'sh', '-c', 'exit 4']);
    expect((await ok(['wait', id])).stdout).toBe('4\n');
    await until('removal', () => !existsSync(join(t.env.dataHome, 'tpod', 'containers', id)));
    const bad = await tpod(['run', '-d', '--rm', '--restart', 'always', img, 'true'], { env: t.env });
    expect(bad.code).toBe(125);
    expect(bad.stderr).toBe('Error: the --rm option conflicts with --restart\n');
  });

  it('exec: exit code, -e, -u, -w, -i with stdin, 127 and 126', async () => {
    const id = await runD(['--name', 'execd', img, 'sleep', '1000']);
    const code = await tpod(['exec', 'execd', 'sh', '-c', 'exit 6'], { env: t.env });
    expect(code.code).toBe(6);
    const env = await ok(['exec', '-e', 'FOO=bar', 'execd', 'sh', '-c', 'echo $FOO']);
    expect(env.stdout).toBe('bar\n');
    const user = await ok(['exec', '-u', 'nobody', '-w', '/tmp', 'execd', 'sh', '-c', 'id -u; pwd']);
    expect(user.stdout).toBe('65534\n/tmp\n');
    const cat = await ok(['exec', '-i', 'execd', 'cat'], 'piped in\n');
    expect(cat.stdout).toBe('piped in\n');
    const noStdin = await ok(['exec', 'execd', 'cat'], 'not passed\n');
    expect(noStdin.stdout).toBe('');
    const nf = await tpod(['exec', 'execd', 'no-such-command'], { env: t.env });
    expect(nf.code).toBe(127);
    const ne = await tpod(['exec', 'execd', '/etc/passwd'], { env: t.env });
    expect(ne.code).toBe(126);
    const d = await ok(['exec', '-d', 'execd', 'sh', '-c', 'echo detached > /tmp/d']);
    expect(d.stdout).toMatch(/^[0-9a-f]{64}\n$/);
    await until('the detached exec', async () => (await tpod(['exec', 'execd', 'cat', '/tmp/d'], { env: t.env })).stdout === 'detached\n');
    await ok(['stop', '-t', '0', id]);
    const stopped = await tpod(['exec', 'execd', 'true'], { env: t.env });
    expect(stopped.code).toBe(125);
    expect(stopped.stderr).toMatch(/can only create exec sessions on running containers/);
  });

  it('start -a shows the output and exits with the code; start -ai passes stdin', async () => {
    const id = (await ok(['create', img, 'sh', '-c', 'echo from-start; exit 9'])).stdout.trim();
    const r = await tpod(['start', '-a', id], { env: t.env });
    expect(r.stdout).toBe('from-start\n');
    expect(r.code).toBe(9);
    const cat = (await ok(['create', '-i', img, 'cat'])).stdout.trim();
    const ci = await tpod(['start', '-ai', cat], { env: t.env, input: 'to cat\n' });
    expect(ci.stdout).toBe('to cat\n');
    expect(ci.code).toBe(0);
  });

  it('attach sees what the container says from then on, and its exit code', async () => {
    const g = gate('attach');
    const id = await runD(['-v', `${g.dir}:/x`, img, 'sh', '-c', `${g.script}; echo late; exit 5`]);
    const a = spawn(tpodBin(), ['--log-level', 'debug', 'attach', id], { env: t.env.vars, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    a.stdout.on('data', (b: Buffer) => (out += b.toString()));
    a.stderr.on('data', (b: Buffer) => (err += b.toString()));
    const code = new Promise<number | null>((r) => a.on('close', (c) => r(c)));
    // The container speaks only once attach is connected.
    await until('attach to connect', () => err.includes(`attached to container ${id.slice(0, 12)}`));
    g.open();
    expect(await code).toBe(5);
    expect(out).toBe('late\n');
    const notRunning = await tpod(['attach', id], { env: t.env });
    expect(notRunning.code).toBe(125);
  });

  it('an attached run is seen running and can be stopped from another tpod; with --restart it goes through the monitor', async () => {
    const child = spawn(tpodBin(), ['run', '--name', 'attached', img, 'sh', '-c', 'trap "exit 5" TERM; while :; do sleep 0.1; done'], { env: t.env.vars, stdio: 'ignore' });
    const exited = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
    await until('running', async () => (await ok(['ps', '--format', '{{.Names}}'])).stdout.includes('attached'));
    await ok(['stop', 'attached']);
    expect(await exited).toBe(5);
    expect(recordByName(t.env, 'attached')).toMatchObject({ state: 'exited', exitCode: 5 });
    const r = await tpod(['run', '--restart', 'on-failure:1', '--name', 'attached-restart', img, 'sh', '-c', 'echo run; exit 3'], { env: t.env });
    expect(r.stdout).toBe('run\n');
    expect(r.code).toBe(3);
    const rec = await until('the restart to finish', () => {
      const x = recordByName(t.env, 'attached-restart');
      return x?.state === 'exited' && x.restartCount === 1 ? x : undefined;
    });
    expect(rec.exitCode).toBe(3);
    expect((await ok(['logs', 'attached-restart'])).stdout).toBe('run\nrun\n');
  });

  it('containers keep running after the starting shell exits; no tpod process stays behind', async () => {
    // A shell in its own session runs tpod and exits, as a login shell closing would.
    const child = spawn('setsid', ['sh', '-c', `"${tpodBin()}" run -d --name survivor ${img} sleep 1000 > /dev/null`], { env: t.env.vars, stdio: 'ignore' });
    await new Promise((r) => child.on('close', r));
    await sleep(300); // not a wait for anything: a chance for a wrong end (SIGHUP) to show
    const rec = recordByName(t.env, 'survivor');
    expect(rec?.state).toBe('running');
    expect(alive(rec!.pid!)).toBe(true);
    expect(alive(rec!.monitorPid!)).toBe(true);
    const nodes = envProcesses(t.env)
      .map((p) => {
        try {
          return readFileSync(`/proc/${p}/cmdline`, 'utf8').replace(/\0/g, ' ');
        } catch {
          return '';
        }
      })
      .filter((cmd) => /tpod\.js|^node /.test(cmd));
    expect(nodes).toEqual([]);
    await ok(['stop', '-t', '0', 'survivor']);
  });

  it('a monitor killed with SIGKILL: the container is reported exited, rm -f works', async () => {
    const id = await runD(['--name', 'orphan', img, 'sleep', '1000']);
    const rec = record(t.env, id)!;
    process.kill(rec.monitorPid!, 'SIGKILL');
    await until('the monitor to die', () => !alive(rec.monitorPid!));
    const ps = await ok(['ps', '-a', '--format', '{{.Names}} {{.Status}}']);
    expect(ps.stdout).toMatch(/^orphan Exited \(-1\)/m);
    const rm = await tpod(['rm', '-f', 'orphan'], { env: t.env });
    expect(rm.code).toBe(0);
    expect(existsSync(join(t.env.dataHome, 'tpod', 'containers', id))).toBe(false);
    // What the dead monitor kept is cleaned: the container's process is gone too.
    await until('the container process to go', () => !alive(rec.pid!));
  });

  it('after a reboot (pause process, every process and the runtime dir gone) ps -a says exited and start works', async () => {
    const id = await runD(['--name', 'rebooted', img, 'sh', '-c', 'echo boot; sleep 1000']);
    await until('boot', async () => (await ok(['logs', id])).stdout === 'boot\n');
    const pause = pausePid(t.env);
    const procs = envProcesses(t.env);
    for (const p of [...procs, ...(pause ? [pause] : [])]) {
      try {
        process.kill(p, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    await until('every process to die', () => ![...procs, ...(pause ? [pause] : [])].some(alive));
    rmSync(join(t.env.runtimeDir, 'tpod'), { recursive: true, force: true });
    const ps = await ok(['ps', '-a', '--format', '{{.Names}} {{.Status}}']);
    expect(ps.stdout).toMatch(/^rebooted Exited/m);
    expect(ps.stdout).not.toMatch(/Up /);
    await ok(['start', 'rebooted']);
    await until('boot again', async () => (await ok(['logs', id])).stdout === 'boot\nboot\n');
    await ok(['stop', '-t', '0', 'rebooted']);
  });
});

function recordByName(env: TpodEnv, name: string): Record | undefined {
  const dir = join(env.dataHome, 'tpod', 'containers');
  for (const id of readdirSync(dir)) {
    const r = record(env, id) as (Record & { name?: string }) | undefined;
    if (r?.name === name) return r;
  }
  return undefined;
}

describeE2E('container lifecycle with --runtime runc', () => {
  const t = useEnv('lifecycle-runc');
  let img: string;
  const ok = (args: string[], input?: string) => tpodOk(['--runtime', 'runc', ...args], { env: t.env, ...(input !== undefined ? { input } : {}) });

  beforeAll(async () => {
    img = await busyboxImage(t.env);
  });

  it('run -d, logs, exec, stop, start, wait, --rm', async () => {
    const id = (await ok(['run', '-d', img, ...TRAPS_TERM])).stdout.trim();
    await until('ready', async () => (await ok(['logs', id])).stdout.includes('ready'));
    expect((await ok(['exec', id, 'sh', '-c', 'echo in runc'])).stdout).toBe('in runc\n');
    const nf = await tpod(['--runtime', 'runc', 'exec', id, 'no-such-command'], { env: t.env });
    expect(nf.code).toBe(127);
    await ok(['stop', id]);
    expect(record(t.env, id)).toMatchObject({ state: 'exited', exitCode: 0 });
    await ok(['start', id]);
    await ok(['kill', '-s', 'TERM', id]);
    expect((await ok(['wait', id])).stdout).toBe('0\n');
    const rm = (await ok(['run', '-d', '--rm', img, 'sh', '-c', 'exit 2'])).stdout.trim();
    expect((await ok(['wait', rm])).stdout).toBe('2\n');
    await until('removal', () => !existsSync(join(t.env.dataHome, 'tpod', 'containers', rm)));
    const missing = await tpod(['--runtime', 'runc', 'run', '-d', img, 'no-such-command'], { env: t.env });
    expect(missing.code).toBe(127);
  });
});
