// State that survives corruption and kill -9, end to end, as the unprivileged user:
// a corrupt record among good ones never breaks the commands on the others, and a
// `run -d` killed with SIGKILL at any moment leaves nothing that `rm -af` does not
// clean: no process, no mount, no network helper, no record.
import { expect, it, beforeAll } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeE2E, useEnv, tpod, tpodOk, tpodBin, busyboxImage, envProcesses, findPauses, mountsUnder, pausePid, until, type TpodEnv } from './harness.js';

function ls(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
  }
}

const store = (env: TpodEnv): string => join(env.dataHome, 'tpod', 'containers');
const runroot = (env: TpodEnv): string => join(env.runtimeDir, 'tpod');

/** Everything a container can leave: processes, mounts, helpers, records, names, runtime state. */
function leftovers(env: TpodEnv): Record<string, unknown[]> {
  const pause = pausePid(env);
  return {
    processes: envProcesses(env, findPauses(env)).filter((p) => {
      try {
        return !/\) Z /.test(readFileSync(`/proc/${p}/stat`, 'utf8'));
      } catch {
        return false;
      }
    }).map((p) => `${p} ${readFileSync(`/proc/${p}/cmdline`, 'utf8').replace(/\0/g, ' ').slice(0, 120)}`),
    mounts: pause ? mountsUnder(pause, store(env)) : [],
    records: ls(store(env)).filter((n) => /^[0-9a-f]{64}$/.test(n)),
    names: ls(join(store(env), 'names')),
    runtime: ls(join(runroot(env), 'runtime')),
    netns: ls(join(runroot(env), 'netns')),
    helpers: ls(join(runroot(env), 'net')).filter((n) => n.endsWith('.pid')),
  };
}

describeE2E('a corrupt record among good ones', () => {
  const t = useEnv('corrupt');
  let img: string;

  beforeAll(async () => {
    img = await busyboxImage(t.env);
  });

  it('never stops commands on the others: ps -a lists it as broken, inspect says what is wrong, rm -f removes it', async () => {
    const env = t.env;
    await tpodOk(['create', '--name', 'good1', img, 'true'], { env });
    const running = (await tpodOk(['run', '-d', '--name', 'good2', img, 'sleep', '1000'], { env })).stdout.trim();
    const bad = (await tpodOk(['run', '-d', '--name', 'bad', img, 'sleep', '1000'], { env })).stdout.trim();
    const badPid = Number((await tpodOk(['inspect', '--format', '{{.State.Pid}}', 'bad'], { env })).stdout.trim());
    // What a full disk leaves: the record cut in half.
    const file = join(store(env), bad, 'container.json');
    const text = readFileSync(file, 'utf8');
    writeFileSync(file, text.slice(0, text.length >> 1));

    const ps = await tpodOk(['ps', '-a', '--format', '{{.Names}}|{{.Status}}'], { env });
    const lines = ps.stdout.trim().split('\n').sort();
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^bad\|Broken: corrupt record \(.+\)$/);
    expect(lines[1]).toBe('good1|Created');
    expect(lines[2]).toMatch(/^good2\|Up /);
    const json = JSON.parse((await tpodOk(['ps', '-a', '--format', 'json'], { env })).stdout) as Array<{ Id: string; State: string }>;
    expect(json.find((c) => c.Id === bad)?.State).toBe('broken');
    // Without -a only running ones, as always.
    expect((await tpodOk(['ps', '--format', '{{.Names}}'], { env })).stdout).toBe('good2\n');

    const inspect = await tpod(['inspect', 'bad'], { env });
    expect(inspect.code).toBe(125);
    expect(inspect.stderr).toMatch(new RegExp(`container ${bad} is broken: its record .*container\\.json is corrupt \\(.+\\); remove it with "tpod rm -f ${bad.slice(0, 12)}"`));
    expect((await tpodOk(['inspect', '--format', '{{.Name}}', 'good1'], { env })).stdout).toBe('good1\n');
    await tpodOk(['system', 'df'], { env });
    await tpodOk(['pod', 'ps'], { env });
    await tpodOk(['stop', '-t', '0', 'good2'], { env });
    await tpodOk(['start', 'good2'], { env });
    // A new container is made and removed beside it; the broken one keeps its name.
    await tpodOk(['run', '--rm', img, 'true'], { env });
    const taken = await tpod(['create', '--name', 'bad', img, 'true'], { env });
    expect(taken.code).toBe(125);
    expect(taken.stderr).toMatch(/the container name "bad" is already in use/);

    const noForce = await tpod(['rm', 'bad'], { env });
    expect(noForce.code).toBe(2);
    expect(noForce.stderr).toMatch(/is broken: .*removed only with --force/);
    const rm = await tpodOk(['rm', '-f', 'bad'], { env });
    expect(rm.stdout.trim()).toBe('bad');
    // Its processes went with it, though its record could not say which they were.
    await until('the broken container\'s process is gone', () => !existsSync(`/proc/${badPid}`) || /\) Z /.test(readFileSync(`/proc/${badPid}/stat`, 'utf8')), 15_000);
    expect(ls(store(env))).not.toContain(bad);
    expect((await tpodOk(['ps', '-a', '--format', '{{.Names}}'], { env })).stdout.trim().split('\n').sort()).toEqual(['good1', 'good2']);
    expect(running).toMatch(/^[0-9a-f]{64}$/);
    await tpodOk(['rm', '-af', '-t', '0'], { env });
  });

  it('a half-written record (valid JSON, fields missing) is broken too, not a crash', async () => {
    const env = t.env;
    await tpodOk(['create', '--name', 'half', img, 'true'], { env });
    await tpodOk(['create', '--name', 'whole', img, 'true'], { env });
    const id = (await tpodOk(['inspect', '--format', '{{.Id}}', 'half'], { env })).stdout.trim();
    writeFileSync(join(store(env), id, 'container.json'), JSON.stringify({ id, name: 'half' }));
    const ps = await tpodOk(['ps', '-a', '--format', '{{.Names}} {{.State}}'], { env });
    expect(ps.stdout).toMatch(/^half Broken: corrupt record \(it has no "created"|^half Broken: corrupt record \(it has no creation time/m);
    expect(ps.stdout).toMatch(/^whole Created$/m);
    await tpodOk(['rm', '-af'], { env });
    expect(leftovers(env).records).toEqual([]);
  });
});

describeE2E('kill -9 of run -d at any moment', () => {
  const t = useEnv('killed');
  let img: string;

  beforeAll(async () => {
    img = await busyboxImage(t.env);
  });

  it('leaves nothing once rm -af has run: no process, mount, network helper or record', async () => {
    const env = t.env;
    // How long a whole `run -d` takes here, measured by this test, sets the range of kill moments.
    const t0 = Date.now();
    await tpodOk(['run', '-d', '--name', 'measure', img, 'sleep', '1000'], { env });
    const whole = Date.now() - t0;
    await tpodOk(['rm', '-f', '-t', '0', 'measure'], { env });
    expect(leftovers(env)).toMatchObject({ records: [], runtime: [], netns: [], mounts: [] });

    const rounds = 16;
    for (let i = 0; i < rounds; i++) {
      // Spread over the whole run: 0 .. 1.2 x its measured length.
      const delay = Math.floor(((i + Math.random()) / rounds) * whole * 1.2);
      const child = spawn(tpodBin(), ['run', '-d', '--name', `k${i}`, img, 'sleep', '1000'], { env: env.vars, stdio: 'ignore' });
      const closed = new Promise((r) => child.once('close', r));
      await new Promise((r) => setTimeout(r, delay));
      child.kill('SIGKILL');
      await closed;
    }
    // Another command in between sees a consistent store (the broken runs are created or running containers).
    const ps = await tpodOk(['ps', '-a', '--format', '{{.Names}} {{.State}}'], { env });
    for (const line of ps.stdout.trim().split('\n').filter((l) => l !== '')) expect(line).toMatch(/^k\d+ (Created|Up .*)$/);

    await tpodOk(['rm', '-af', '-t', '0'], { env });
    // Monitors run their exit command after their container is killed: give them a moment (bounded).
    await until('nothing left', () => {
      const l = leftovers(env);
      return Object.values(l).every((v) => v.length === 0) ? l : undefined;
    }, 30_000).catch(() => undefined);
    expect(leftovers(env)).toEqual({ processes: [], mounts: [], records: [], names: [], runtime: [], netns: [], helpers: [] });
  }, 300_000);
});

describeE2E('twenty concurrent run -d and rm -f on the same names', () => {
  const t = useEnv('crowd');
  let img: string;

  beforeAll(async () => {
    img = await busyboxImage(t.env);
  });

  it('each run either wins its name or gets Podman\'s error, and the store stays consistent', async () => {
    const env = t.env;
    const names = ['n0', 'n1', 'n2', 'n3', 'n4'];
    const jobs: Array<Promise<{ kind: string; name: string; code: number; stderr: string }>> = [];
    for (let i = 0; i < 20; i++) {
      const name = names[i % names.length]!;
      const kind = i % 2 === 0 ? 'run' : 'rm';
      const argv = kind === 'run' ? ['run', '-d', '--name', name, img, 'sleep', '1000'] : ['rm', '-f', '-t', '0', name];
      jobs.push(tpod(argv, { env }).then((r) => ({ kind, name, code: r.code, stderr: r.stderr })));
    }
    const results = await Promise.all(jobs);
    for (const r of results) {
      if (r.kind === 'rm') {
        expect(r.code, r.stderr).toBe(0);
      } else if (r.code !== 0) {
        expect(r.code, r.stderr).toBe(125);
        expect(r.stderr).toMatch(new RegExp(`the container name "${r.name}" is already in use by [0-9a-f]{64}\\. You have to remove that container to be able to reuse that name: that name is already in use`));
      }
    }
    // A consistent store: every record whole, each name once, names and records agree.
    const ps = await tpodOk(['ps', '-a', '--format', '{{.ID}} {{.Names}} {{.State}}'], { env });
    const rows = ps.stdout.trim().split('\n').filter((l) => l !== '');
    for (const row of rows) expect(row).toMatch(/^[0-9a-f]{12} n\d (Created|Up .*|Exited .*)$/);
    const listed = rows.map((r) => r.split(' ')[1]);
    expect(new Set(listed).size).toBe(listed.length);
    expect(leftovers(env).names).toEqual([...listed].sort());
    expect(leftovers(env).records).toHaveLength(listed.length);
    for (const n of listed) expect((await tpod(['inspect', '--format', '{{.Name}}', n!], { env })).stdout.trim()).toBe(n);

    await tpodOk(['rm', '-af', '-t', '0'], { env });
    await until('nothing left', () => {
      const l = leftovers(env);
      return Object.values(l).every((v) => v.length === 0) ? l : undefined;
    }, 30_000).catch(() => undefined);
    expect(leftovers(env)).toEqual({ processes: [], mounts: [], records: [], names: [], runtime: [], netns: [], helpers: [] });
  }, 300_000);
});
