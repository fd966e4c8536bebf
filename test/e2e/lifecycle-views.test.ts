// The container views and removal, end to end as the unprivileged user: ps (columns,
// filters, -q/-l/-n/--no-trunc, JSON as data, Go templates), inspect, rm (per-container
// reports, -f of a running container, -a, --depend), rename, container prune/exists,
// rmi of an image in use, top, and the pause/stats refusal on hosts without delegated
// cgroup v2.
import { expect, it, beforeAll } from 'vitest';
import { readFileSync } from 'node:fs';
import { describeE2E, tpod, tpodOk, useEnv, busyboxImage, busyboxTarball, type RunResult } from './harness.js';

const HEADER = ['CONTAINER ID', 'IMAGE', 'COMMAND', 'CREATED', 'STATUS', 'PORTS', 'NAMES'];

/** Whether this host lets containers have a writable cgroup v2 group (then pause works). */
function cgroupV2Unified(): boolean {
  return / \/sys\/fs\/cgroup [^-]*- cgroup2 /.test(readFileSync('/proc/self/mountinfo', 'utf8'));
}

function lines(r: RunResult): string[] {
  return r.stdout.split('\n').filter((l) => l !== '');
}

describeE2E('container views: ps, inspect, rm, rename, prune, exists, top', () => {
  const t = useEnv('views');
  let img: string;
  let detached = true;
  const ok = (args: string[]) => tpodOk(args, { env: t.env });
  const run = (args: string[]) => tpod(args, { env: t.env });
  const names = async (args: string[]): Promise<string[]> => lines(await ok(['ps', '-a', '--format', '{{.Names}}', ...args]));

  beforeAll(async () => {
    img = await busyboxImage(t.env);
    // A second image of its own, with a label, for ancestor= and rmi.
    await ok(['import', '--change', 'LABEL origin=image', busyboxTarball(), 'localhost/labeled:1']);
    await ok(['create', '--name', 'c1', '--label', 'a=b', '-l', 'x=y', img, 'echo', 'hi']);
    await ok(['create', '--name', 'c2', 'localhost/labeled:1', 'true']);
    const ex = await run(['run', '--name', 'ex3', img, 'sh', '-c', 'exit 3']);
    expect(ex.code).toBe(3);
    const d = await run(['run', '-d', '--name', 'up1', img, 'sleep', '1000']);
    if (d.code !== 0 && /unknown flag|not supported/.test(d.stderr)) detached = false;
    else expect(d.code, d.stderr).toBe(0);
  });

  it("ps -a prints Podman's columns, one row per container, oldest first", async () => {
    const r = await ok(['ps', '-a']);
    const [head, ...rows] = lines(r);
    expect(head!.split(/ {2,}/)).toEqual(HEADER);
    expect(rows.map((l) => l.trim().split(/ {2,}/).pop())).toEqual(detached ? ['c1', 'c2', 'ex3', 'up1'] : ['c1', 'c2', 'ex3']);
    const c1 = rows[0]!.split(/ {2,}/);
    expect(c1[0]).toMatch(/^[0-9a-f]{12}$/);
    expect(c1[1]).toBe('localhost/busybox:latest');
    expect(c1[2]).toBe('echo hi');
    expect(c1[4]).toBe('Created');
    expect(rows[2]).toMatch(/Exited \(3\) .* ago/);
    if (detached) expect(rows[3]).toMatch(/ Up .* ago /);
  });

  it('ps without -a shows running containers only', async () => {
    expect(lines(await ok(['ps', '--format', '{{.Names}}']))).toEqual(detached ? ['up1'] : []);
    const empty = await ok(['ps', '--filter', 'name=nothing']);
    expect(lines(empty)).toHaveLength(1); // the header alone
  });

  it('filters by status, name, label, ancestor and exit code', async () => {
    expect(await names(['--filter', 'status=created'])).toEqual(['c1', 'c2']);
    expect(await names(['--filter', 'status=exited'])).toEqual(['ex3']);
    if (detached) expect(await names(['--filter', 'status=running'])).toEqual(['up1']);
    expect(await names(['--filter', 'name=^c'])).toEqual(['c1', 'c2']);
    expect(await names(['--filter', 'name=c', '--filter', 'status=created'])).toEqual(['c1', 'c2']);
    expect(await names(['--filter', 'label=a=b'])).toEqual(['c1']);
    expect(await names(['--filter', 'label=a', '--filter', 'label=x=y'])).toEqual(['c1']);
    expect(await names(['--filter', 'label=origin=image'])).toEqual(['c2']); // the image's label
    expect(await names(['--filter', 'ancestor=localhost/labeled:1'])).toEqual(['c2']);
    expect(await names(['--filter', 'exited=3'])).toEqual(['ex3']);
    const bad = await run(['ps', '--filter', 'status=bogus']);
    expect(bad.code).toBe(125);
    expect(bad.stderr).toBe('Error: unknown container state: bogus: invalid argument\n');
    const badKey = await run(['ps', '--filter', 'bogus=1']);
    expect(badKey.code).toBe(125);
    expect(badKey.stderr).toBe('Error: bogus is an invalid filter\n');
  });

  it('-q, --no-trunc, -l and -n', async () => {
    const q = lines(await ok(['ps', '-aq']));
    expect(q.length).toBe(detached ? 4 : 3);
    for (const id of q) expect(id).toMatch(/^[0-9a-f]{12}$/);
    const full = lines(await ok(['ps', '-aq', '--no-trunc']));
    expect(full.map((id) => id.slice(0, 12))).toEqual(q);
    for (const id of full) expect(id).toMatch(/^[0-9a-f]{64}$/);
    expect(lines(await ok(['ps', '-l', '--format', '{{.Names}}']))).toEqual([detached ? 'up1' : 'ex3']);
    expect(lines(await ok(['ps', '-n', '2', '--format', '{{.Names}}']))).toEqual(detached ? ['ex3', 'up1'] : ['c2', 'ex3']);
    const both = await run(['ps', '-l', '-n', '1']);
    expect(both.code).toBe(125);
    expect(both.stderr).toContain('last and latest are mutually exclusive');
    const [head] = lines(await ok(['ps', '-a', '-s']));
    expect(head!.split(/ {2,}/)).toEqual([...HEADER, 'SIZE']);
  });

  it('--format json is Podman-shaped data; Go templates see the row fields', async () => {
    const data = JSON.parse((await ok(['ps', '-a', '--format', 'json'])).stdout) as Array<Record<string, unknown>>;
    const c1 = data.find((c) => (c.Names as string[])[0] === 'c1')!;
    expect(c1).toMatchObject({ State: 'created', Status: 'Created', Command: ['echo', 'hi'], Image: 'localhost/busybox:latest', Labels: { a: 'b', x: 'y' }, Exited: false, Pid: 0 });
    expect(c1.Id).toMatch(/^[0-9a-f]{64}$/);
    expect(typeof c1.Created).toBe('number');
    const ex3 = data.find((c) => (c.Names as string[])[0] === 'ex3')!;
    expect(ex3).toMatchObject({ State: 'exited', ExitCode: 3, Exited: true });
    if (detached) {
      const up = data.find((c) => (c.Names as string[])[0] === 'up1')!;
      expect(up.State).toBe('running');
      expect(up.Pid as number).toBeGreaterThan(0);
    }
    const tpl = lines(await ok(['ps', '-a', '--format', '{{.Names}} {{.Status}}']));
    expect(tpl[0]).toBe('c1 Created');
    expect(tpl[2]).toMatch(/^ex3 Exited \(3\) .* ago$/);
    const table = lines(await ok(['ps', '-a', '--format', 'table {{.ID}} {{.Names}}']));
    expect(table[0]!.split(/ {2,}/)).toEqual(['CONTAINER ID', 'NAMES']);
  });

  it('inspect prints the container as data, containers before images', async () => {
    const [c] = JSON.parse((await ok(['inspect', 'c1'])).stdout) as Array<Record<string, any>>;
    expect(c!.Name).toBe('c1');
    expect(c!.Id).toMatch(/^[0-9a-f]{64}$/);
    expect(c!.Path).toBe('echo');
    expect(c!.Args).toEqual(['hi']);
    expect(c!.State).toMatchObject({ Status: 'created', Running: false, Pid: 0, ExitCode: 0, StartedAt: '0001-01-01T00:00:00Z' });
    expect(c!.ImageName).toBe('localhost/busybox:latest');
    expect(c!.Config).toMatchObject({ Cmd: ['echo', 'hi'], Image: 'localhost/busybox:latest', Labels: { a: 'b', x: 'y' }, StopSignal: 15 });
    expect(c!.HostConfig).toMatchObject({ RestartPolicy: { Name: '', MaximumRetryCount: 0 }, AutoRemove: false, ReadonlyRootfs: false });
    expect(Array.isArray(c!.Mounts)).toBe(true);
    expect(c!.GraphDriver.Name).toBe(c!.Driver);
    const [ex] = JSON.parse((await ok(['container', 'inspect', 'ex3'])).stdout) as Array<Record<string, any>>;
    expect(ex!.State).toMatchObject({ Status: 'exited', ExitCode: 3 });
    expect(ex!.State.FinishedAt).not.toBe('0001-01-01T00:00:00Z');
    expect((await ok(['inspect', '--format', '{{.State.Status}} {{.Name}}', 'ex3', 'c2'])).stdout).toBe('exited ex3\ncreated c2\n');
    // An image name: not a container, so the image.
    const [image] = JSON.parse((await ok(['inspect', img])).stdout) as Array<Record<string, any>>;
    expect(image!.RepoTags).toContain(img);
    const none = await run(['inspect', 'nope']);
    expect(none.code).toBe(125);
    expect(none.stdout).toBe('[]\n');
    expect(none.stderr).toBe('Error: inspecting object: no such object: "nope"\n');
    const notCtr = await run(['container', 'inspect', img]);
    expect(notCtr.code).toBe(125);
    expect(notCtr.stderr).toBe(`Error: inspecting object: no such container ${img}\n`);
    if (detached) {
      const [up] = JSON.parse((await ok(['inspect', 'up1'])).stdout) as Array<Record<string, any>>;
      expect(up!.State).toMatchObject({ Status: 'running', Running: true });
      expect(up!.State.Pid).toBeGreaterThan(0);
    }
  });

  it('top lists the processes of a running container with psgo columns', async () => {
    if (!detached) return;
    const r = await ok(['top', 'up1']);
    const [head, ...rows] = lines(r);
    expect(head!.split(/ {2,}/)).toEqual(['USER', 'PID', 'PPID', '%CPU', 'ELAPSED', 'TTY', 'TIME', 'COMMAND']);
    expect(rows).toHaveLength(1);
    const cells = rows[0]!.split(/ {2,}/);
    expect(cells.slice(0, 3)).toEqual(['root', '1', '0']);
    expect(cells[7]!.trim()).toBe('sleep 1000');
    const chosen = lines(await ok(['top', 'up1', 'pid', 'args']));
    expect(chosen[0]!.split(/ {2,}/)).toEqual(['PID', 'COMMAND']);
    // Not psgo descriptors: ps(1) of the container itself.
    const ps = await ok(['top', 'up1', '-o', 'pid,comm']);
    expect(ps.stdout).toMatch(/PID\s+COMMAND\n\s+1 sleep\n/);
    const created = await run(['top', 'c1']);
    expect(created.code).toBe(125);
    expect(created.stderr).toBe('Error: top can only be used on running containers\n');
    const missing = await run(['top', 'nope']);
    expect(missing.code).toBe(125);
    expect(missing.stderr).toContain('no container with name or ID "nope" found');
  });

  it('pause and stats say why they cannot work without delegated cgroup v2 (exit 125)', async () => {
    if (!detached || cgroupV2Unified()) return;
    const p = await run(['pause', 'up1']);
    expect(p.code).toBe(125);
    expect(p.stderr).toMatch(/^Error: pause is not supported for rootless containers on this host: it needs cgroup v2/);
    const s = await run(['stats', '--no-stream']);
    expect(s.code).toBe(125);
    expect(s.stderr).toMatch(/^Error: stats are not supported/);
    const missing = await run(['pause', 'nope']);
    expect(missing.code).toBe(125);
    expect(missing.stderr).toContain('no container with name or ID "nope" found');
  });

  it('container exists answers with its exit code only', async () => {
    const yes = await run(['container', 'exists', 'c1']);
    expect([yes.code, yes.stdout, yes.stderr]).toEqual([0, '', '']);
    const no = await run(['container', 'exists', 'nope']);
    expect([no.code, no.stdout, no.stderr]).toEqual([1, '', '']);
    expect((await run(['container', 'exists', img])).code).toBe(1);
  });

  it('rename moves the name; a taken name is refused', async () => {
    await ok(['create', '--name', 'old', img, 'true']);
    expect((await ok(['rename', 'old', 'new'])).stdout).toBe('');
    expect((await run(['container', 'exists', 'old'])).code).toBe(1);
    expect((await run(['container', 'exists', 'new'])).code).toBe(0);
    const taken = await run(['rename', 'new', 'c1']);
    expect(taken.code).toBe(125);
    expect(taken.stderr).toContain('already in use');
    expect((await run(['rename', 'nope', 'x'])).code).toBe(125);
    await ok(['rm', 'new']);
  });

  it('rm a b c removes what it can and fails for the unknown one (exit 1)', async () => {
    await ok(['create', '--name', 'ra', img, 'true']);
    await ok(['create', '--name', 'rb', img, 'true']);
    const r = await run(['rm', 'ra', 'nope', 'rb']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('ra\nrb\n');
    expect(r.stderr).toBe('Error: no container with name or ID "nope" found: no such container\n');
    expect(await names(['--filter', 'name=^r[ab]$'])).toEqual([]);
    const ignored = await run(['rm', '-i', 'nope']);
    expect([ignored.code, ignored.stdout, ignored.stderr]).toEqual([0, '', '']);
    const usage = await run(['rm']);
    expect(usage.code).toBe(125);
  });

  it('rm --depend removes the container (and any that depend on it)', async () => {
    await ok(['create', '--name', 'dep', img, 'true']);
    expect((await ok(['rm', '--depend', 'dep'])).stdout).toBe('dep\n');
    expect((await run(['container', 'exists', 'dep'])).code).toBe(1);
  });

  it('rm of a running container needs -f (exit 2); rm -f stops it and leaves nothing running', async () => {
    if (!detached) return;
    await ok(['run', '-d', '--name', 'victim', img, 'sleep', '1000']);
    const [v] = JSON.parse((await ok(['inspect', 'victim'])).stdout) as Array<Record<string, any>>;
    const pid = v!.State.Pid as number;
    const refused = await run(['rm', 'victim']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/as it is running - running or paused containers cannot be removed without force: container state improper/);
    const r = await ok(['rm', '-f', '-t', '0', 'victim']);
    expect(r.stdout).toBe('victim\n');
    expect((await run(['container', 'exists', 'victim'])).code).toBe(1);
    let alive = true;
    try {
      process.kill(pid, 0);
    } catch {
      alive = false;
    }
    expect(alive).toBe(false);
  });

  it('a monitor killed with SIGKILL: ps shows the container exited, never running; rm -f removes it and its processes', async () => {
    if (!detached) return;
    await ok(['run', '-d', '--name', 'orphan', img, 'sleep', '1000']);
    const [o] = JSON.parse((await ok(['inspect', 'orphan'])).stdout) as Array<Record<string, any>>;
    const monitor = o!.State.ConmonPid as number;
    const pid = o!.State.Pid as number;
    expect(monitor).toBeGreaterThan(0);
    process.kill(monitor, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 200));
    expect(lines(await ok(['ps', '-a', '--filter', 'name=orphan', '--format', '{{.State}}']))[0]).toMatch(/^Exited \(-1\)/);
    expect(lines(await ok(['ps', '--filter', 'name=orphan', '--format', '{{.Names}}']))).toEqual([]);
    expect((await ok(['rm', '-f', 'orphan'])).stdout).toBe('orphan\n');
    const gone = (): boolean => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z';
      } catch {
        return true;
      }
    };
    expect(gone()).toBe(true);
  });

  it('container prune -f removes every non-running container, and only those', async () => {
    await ok(['create', '--name', 'p1', img, 'true']);
    await ok(['create', '--name', 'p2', '--label', 'keep=1', img, 'true']);
    const filtered = await ok(['container', 'prune', '-f', '--filter', 'label=keep']);
    expect(lines(filtered)).toHaveLength(1);
    expect(await names(['--filter', 'name=^p[12]$'])).toEqual(['p1']);
    // Without -f it asks; "n" keeps everything.
    const asked = await tpod(['container', 'prune'], { env: t.env, input: 'n\n' });
    expect(asked.code).toBe(0);
    expect(asked.stdout).toContain('Are you sure you want to continue? [y/N]');
    expect(await names(['--filter', 'name=^p1$'])).toEqual(['p1']);
    const before = await names([]);
    const pruned = lines(await ok(['container', 'prune', '-f']));
    for (const id of pruned) expect(id).toMatch(/^[0-9a-f]{64}$/);
    const after = await names([]);
    expect(after).toEqual(detached ? ['up1'] : []);
    expect(pruned.length).toBe(before.length - after.length);
  });

  it('rmi refuses an image a container uses (exit 2); rmi -f removes the container first', async () => {
    await ok(['create', '--name', 'user1', 'localhost/labeled:1', 'true']);
    const refused = await run(['rmi', 'localhost/labeled:1']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/image is in use by a container/);
    const forced = await ok(['rmi', '-f', 'localhost/labeled:1']);
    expect(forced.stdout).toMatch(/^Untagged: localhost\/labeled:1\nDeleted: [0-9a-f]{64}\n$/);
    expect((await run(['container', 'exists', 'user1'])).code).toBe(1);
    expect((await run(['image', 'exists', 'localhost/labeled:1'])).code).toBe(1);
  });

  it('rm -a removes everything, running containers with -f', async () => {
    await ok(['create', '--name', 'z1', img, 'true']);
    const r = await ok(['rm', '-a', '-f', '-t', '0']);
    for (const id of lines(r)) expect(id).toMatch(/^[0-9a-f]{64}$/);
    expect(lines(await ok(['ps', '-aq']))).toEqual([]);
    const args = await run(['rm', '-a', 'x']);
    expect(args.code).toBe(125);
    expect(args.stderr).toBe('Error: no arguments are needed with --all\n');
  });
});
