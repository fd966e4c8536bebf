// The pod views end to end, as the unprivileged user with the real binary: pod ps/ls,
// pod inspect, pod exists, pod top, pod logs, pod prune, and ps --pod / --filter pod=,
// against pods made by `pod create` and `run --pod`.
import { expect, it, beforeAll } from 'vitest';
import { describeE2E, tpod, tpodOk, useEnv, busyboxImage, until, freePort } from './harness.js';

interface PodJson {
  Id: string;
  Name: string;
  Status: string;
  InfraId: string;
  Labels: Record<string, string>;
  Containers: Array<{ Id: string; Names: string; Status: string }>;
}

interface PodInspect {
  Id: string;
  Name: string;
  State: string;
  CreateInfra: boolean;
  InfraContainerID: string;
  InfraConfig: { PortBindings: Record<string, Array<{ HostIp: string; HostPort: string }>> };
  SharedNamespaces: string[];
  NumContainers: number;
  Containers: Array<{ Id: string; Name: string; State: string }>;
  Labels?: Record<string, string>;
}

describeE2E('pod views', () => {
  const t = useEnv('podviews');
  let img: string;
  const run = (args: string[], input?: string) => tpod(args, { env: t.env, ...(input !== undefined ? { input } : {}) });
  const ok = (args: string[], input?: string) => tpodOk(args, { env: t.env, ...(input !== undefined ? { input } : {}) });
  const podsJson = async (args: string[] = []): Promise<PodJson[]> => JSON.parse((await ok(['pod', 'ps', '--format', 'json', ...args])).stdout) as PodJson[];
  const status = async (name: string): Promise<string | undefined> => (await podsJson()).find((p) => p.Name === name)?.Status;

  beforeAll(async () => {
    img = await busyboxImage(t.env);
  });

  it('a pod that does not exist: pod exists exits 1, the others say so and exit 125', async () => {
    const ex = await run(['pod', 'exists', 'nope']);
    expect([ex.code, ex.stdout, ex.stderr]).toEqual([1, '', '']);
    const ins = await run(['pod', 'inspect', 'nope']);
    expect(ins.code).toBe(125);
    expect(JSON.parse(ins.stdout)).toEqual([]);
    expect(ins.stderr).toBe('Error: no such pod nope\n');
    const top = await run(['pod', 'top', 'nope']);
    expect([top.code, top.stderr]).toEqual([125, 'Error: unable to look up requested container: no pod with name or ID nope found: no such pod\n']);
    const logs = await run(['pod', 'logs', 'nope']);
    expect([logs.code, logs.stderr]).toEqual([125, 'Error: no pod with name or ID nope found: no such pod\n']);
    expect((await run(['pod', 'ps', '--filter', 'bogus=1'])).stderr).toBe('Error: bogus is an invalid filter\n');
    expect((await run(['pod', 'ps', '--filter', 'status=sleepy'])).stderr).toBe('Error: sleepy is not a valid pod status\n');
    const qf = await run(['pod', 'ps', '-q', '--format', 'json']);
    expect([qf.code, qf.stderr]).toEqual([125, 'Error: quiet and format cannot be used together\n']);
    const ps = await ok(['pod', 'ps']);
    expect(ps.stdout).toBe('POD ID      NAME        STATUS      CREATED     INFRA ID    # OF CONTAINERS\n');
    expect((await ok(['ps', '-a', '--filter', 'pod=nope', '--format', '{{.Names}}'])).stdout).toBe('');
  });

  it('a created pod: Created, its infra listed, ports visible in inspect, ps --pod columns', async () => {
    const port = await freePort();
    const id = (await ok(['pod', 'create', '--name', 'web', '--label', 'app=web', '-p', `${port}:80`])).stdout.trim();
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    expect((await run(['pod', 'exists', 'web'])).code).toBe(0);
    expect((await run(['pod', 'exists', id.slice(0, 12)])).code).toBe(0);

    const [p] = await podsJson();
    expect(p).toMatchObject({ Id: id, Name: 'web', Status: 'Created', Labels: { app: 'web' } });
    expect(p!.InfraId).toMatch(/^[0-9a-f]{64}$/);
    expect(p!.Containers).toEqual([expect.objectContaining({ Id: p!.InfraId, Status: 'created' })]);

    const table = (await ok(['pod', 'ls'])).stdout.split('\n');
    expect(table[0]).toMatch(/^POD ID\s+NAME\s+STATUS\s+CREATED\s+INFRA ID\s+# OF CONTAINERS$/);
    expect(table[1]).toMatch(new RegExp(`^${id.slice(0, 12)}\\s+web\\s+Created\\s+.+ago\\s+${p!.InfraId.slice(0, 12)}\\s+1$`));
    expect((await ok(['pod', 'list', '-q'])).stdout).toBe(`${id}\n`);
    expect((await ok(['pod', 'ps', '--no-trunc', '--format', '{{.ID}} {{.Name}}'])).stdout).toBe(`${id} web\n`);

    const [ins, ...more] = JSON.parse((await ok(['pod', 'inspect', 'web'])).stdout) as PodInspect[];
    expect(more).toEqual([]);
    expect(ins).toMatchObject({ Id: id, Name: 'web', State: 'Created', CreateInfra: true, InfraContainerID: p!.InfraId, NumContainers: 1, Labels: { app: 'web' } });
    expect(ins!.InfraConfig.PortBindings['80/tcp']).toEqual([{ HostIp: '', HostPort: String(port) }]);
    expect(ins!.SharedNamespaces.length).toBeGreaterThan(0);
    expect((await ok(['pod', 'inspect', '--format', '{{.Name}} {{.State}} {{.ID}}', id.slice(0, 8)])).stdout).toBe(`web Created ${id}\n`);

    const ps = (await ok(['ps', '-a', '--pod'])).stdout.split('\n');
    expect(ps[0]).toMatch(/NAMES\s+POD ID\s+PODNAME$/);
    expect(ps[1]).toMatch(new RegExp(`\\s${id.slice(0, 12)}\\s+web$`));
    const inf = (await ok(['ps', '-a', '--filter', 'pod=web', '--format', '{{.ID}} {{.Pod}} {{.IsInfra}}'])).stdout;
    expect(inf).toBe(`${p!.InfraId.slice(0, 12)} ${id.slice(0, 12)} true\n`);
    expect((await ok(['container', 'inspect', '--format', '{{.Pod}} {{.IsInfra}}', p!.InfraId])).stdout).toBe(`${id} true\n`);
  });

  it('members running: Running, --ctr-names/--ctr-status, pod top, merged logs, ps --filter pod=', async () => {
    await ok(['run', '-d', '--pod', 'web', '--name', 'web-a', img, 'sh', '-c', 'echo from-a; echo err-a >&2; exec sleep 1000']);
    await ok(['run', '-d', '--pod', 'web', '--name', 'web-b', img, 'sh', '-c', 'sleep 0.3; echo from-b; exec sleep 1000']);
    await until('both members to log', async () => (await run(['pod', 'logs', 'web'])).stdout.includes('from-b'));
    expect(await status('web')).toBe('Running');

    const [p] = await podsJson(['--filter', 'name=^web$']);
    expect(p!.Containers.map((c) => [c.Names, c.Status])).toEqual([
      [expect.stringMatching(/infra/), 'running'],
      ['web-a', 'running'],
      ['web-b', 'running'],
    ]);
    const ctr = (await ok(['pod', 'ps', '--ctr-names', '--ctr-status'])).stdout.split('\n');
    expect(ctr[0]).toMatch(/INFRA ID\s+NAMES\s+STATUS$/);
    expect(ctr[1]).toMatch(/infra,web-a,web-b\s+running,running,running$/);
    expect((await ok(['pod', 'ps', '-q', '--filter', 'ctr-names=web-b', '--filter', 'ctr-number=3'])).stdout).toBe(`${p!.Id}\n`);
    expect((await ok(['pod', 'ps', '-q', '--filter', 'status=exited'])).stdout).toBe('');

    const top = (await ok(['pod', 'top', 'web'])).stdout.split('\n').filter((l) => l !== '');
    expect(top[0]).toMatch(/^USER\s+PID\s+PPID\s+%CPU\s+ELAPSED\s+TTY\s+TIME\s+COMMAND$/);
    expect(top.filter((l) => /sleep 1000/.test(l)).length).toBe(2);
    const pids = (await ok(['pod', 'top', 'web', 'pid', 'args'])).stdout;
    expect(pids.split('\n')[0]).toMatch(/^PID\s+COMMAND$/);
    // Flags come before the pod; --latest is the newest pod (web here).
    expect((await ok(['pod', 'top', '-l', 'pid'])).stdout.split('\n')[0]).toBe('PID');
    const bad = await run(['pod', 'top', 'web', '-ef']);
    expect([bad.code, bad.stderr]).toEqual([125, "Error: '-ef': unknown descriptor\n"]);

    const logs = await ok(['pod', 'logs', 'web']);
    const ids = Object.fromEntries(
      await Promise.all(['web-a', 'web-b'].map(async (n) => [n, (await ok(['inspect', '--format', '{{.Id}}', n])).stdout.trim().slice(0, 12)])),
    ) as Record<string, string>;
    expect(logs.stdout).toBe(`${ids['web-a']} from-a\n${ids['web-b']} from-b\n`);
    expect(logs.stderr).toBe(`${ids['web-a']} err-a\n`);
    expect((await ok(['pod', 'logs', '--names', 'web'])).stdout).toBe('web-a from-a\nweb-b from-b\n');
    expect((await ok(['pod', 'logs', '-c', 'web-b', 'web'])).stdout).toBe('from-b\n');
    // --tail counts per container, stderr lines included.
    const tail = await ok(['pod', 'logs', '--tail', '1', '-n', 'web']);
    expect([tail.stdout, tail.stderr]).toEqual(['web-b from-b\n', 'web-a err-a\n']);
    const notIn = await run(['pod', 'logs', '-c', 'zz', 'web']);
    expect([notIn.code, notIn.stderr]).toEqual([125, 'Error: container zz is not in pod web: no such container\n']);

    const members = (await ok(['ps', '--filter', 'pod=web', '--format', '{{.Names}} {{.PodName}}', '--pod', '--sort', 'names'])).stdout;
    expect(members.split('\n').filter((l) => l !== '').sort()).toEqual([expect.stringMatching(/infra web$/), 'web-a web', 'web-b web']);
    const [ins] = JSON.parse((await ok(['pod', 'inspect', 'web'])).stdout) as PodInspect[];
    expect(ins!.NumContainers).toBe(3);
    // Several names: the pods found are printed, the first missing one fails the command.
    const some = await run(['pod', 'inspect', 'web', 'nope1', 'nope2']);
    expect(some.code).toBe(125);
    expect((JSON.parse(some.stdout) as PodInspect[]).map((p) => p.Name)).toEqual(['web']);
    expect(some.stderr).toBe('no such pod nope2\nError: no such pod nope1\n');
    expect(ins!.State).toBe('Running');
  });

  it('pod logs -f follows the members until they exit', async () => {
    await ok(['pod', 'create', '--name', 'follow']);
    await ok(['run', '-d', '--pod', 'follow', '--name', 'f1', img, 'sh', '-c', 'echo one; sleep 1; echo two']);
    const f = await tpodOk(['pod', 'logs', '-f', '--names', 'follow'], { env: t.env });
    expect(f.stdout).toBe('f1 one\nf1 two\n');
    await ok(['pod', 'rm', '-f', 'follow']);
  });

  it('one member stopped: Degraded; pod stopped: Exited; pod prune removes it', async () => {
    await ok(['stop', '-t', '0', 'web-b']);
    expect(await status('web')).toBe('Degraded');
    expect((await ok(['pod', 'ps', '--format', '{{.Name}} {{.ContainerStatuses}}', '--filter', 'ctr-status=exited'])).stdout).toBe('web running,running,exited\n');

    // A pod that never ran is not pruned.
    const idle = (await ok(['pod', 'create', '--name', 'idle'])).stdout.trim();
    await ok(['pod', 'stop', '-t', '0', 'web']);
    await until('the pod to be Exited', async () => (await status('web')) === 'Exited');
    const webId = (await podsJson()).find((p) => p.Name === 'web')!.Id;

    const no = await run(['pod', 'prune'], 'n\n');
    expect(no.code).toBe(0);
    expect(no.stdout).toContain('WARNING! This will remove all stopped/exited pods..');
    expect((await run(['pod', 'exists', 'web'])).code).toBe(0);

    const pr = await ok(['pod', 'prune', '-f']);
    expect(pr.stdout).toBe(`${webId}\n`);
    expect((await run(['pod', 'exists', 'web'])).code).toBe(1);
    expect((await run(['container', 'exists', 'web-a'])).code).toBe(1);
    expect((await ok(['pod', 'ps', '-q'])).stdout).toBe(`${idle}\n`);
    await ok(['pod', 'rm', 'idle']);
    expect((await ok(['pod', 'ps', '-q'])).stdout).toBe('');
  });
});
