// ps rows, filters and sorting, inspect shaping, rm ordering, rename: pure functions and
// records in a temp dir; no container runs.
import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { mkdtempSync, rmSync, readlinkSync, existsSync, mkdirSync, writeFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { createContext, type Context } from '../../../src/engine/context.js';
import { createContainer, findContainer, listContainers, repairContainers, type ContainerRecord, type NewContainer, type TreeRemover } from '../../../src/storage/containers.js';
import { buildContainerFilter, matchAncestor, matchLabels, parseFilterArgs, parseTimeFilter, type ContainerView } from '../../../src/engine/container-filters.js';
import { PsRow, psJson, sortRows, listPsRows, userCommand, GO_ZERO_UNIX } from '../../../src/engine/ps.js';
import { treeSize } from '../../../src/storage/tree-size.js';
import { shapeInspect, capDiff, signalNumber, inspectBinds, inspectMounts, inspectTmpfs, cmdAndEntrypoint, GO_ZERO_TIME } from '../../../src/engine/container-inspect.js';
import { removalOrder, dependentsOf } from '../../../src/engine/remove.js';
import { pidAlive } from '../../../src/engine/state.js';
import { reportRemovals } from '../../../src/cli/report.js';
import { TpodError } from '../../../src/errors.js';
import { renameContainer } from '../../../src/engine/rename.js';
import { createPod } from '../../../src/storage/pods.js';
import { formatList } from '../../../src/cli/table.js';
import { parseLabels } from '../../../src/runtime/options.js';
import type { OciSpec } from '../../../src/runtime/spec.js';
import type { HostProc } from '../../../src/engine/state.js';

const NOW = Date.parse('2026-01-01T12:00:00Z');

function rec(extra: Partial<ContainerRecord> = {}): ContainerRecord {
  return {
    id: 'a'.repeat(64), name: 'web', image: 'busybox', imageId: 'f'.repeat(64), imageName: 'localhost/busybox:latest',
    command: ['sleep', '1000'], created: '2026-01-01T11:59:00Z', state: 'created', runtime: 'runc', driver: 'overlay',
    layers: [], hostname: 'aaaaaaaaaaaa', network: 'none', rm: false, tty: false, interactive: false, ...extra,
  };
}

function view(r: ContainerRecord, v: Partial<ContainerView> = {}): ContainerView {
  return { rec: r, status: r.state === 'created' ? 'created' : 'exited', ...v };
}

const noLookup = { find: (): ContainerRecord => { throw new Error('no lookup expected'); } };

describe('ps filters', () => {
  const created = view(rec({ id: '1'.repeat(64), name: 'c1', options: { labels: { a: 'b', x: 'y' } } as never }));
  const exited = view(rec({ id: '2'.repeat(64), name: 'c2', state: 'exited' }), { status: 'exited', exitCode: 3 });
  const running = view(rec({ id: '3'.repeat(64), name: 'r1', state: 'running', imageName: 'docker.io/library/alpine:3' }), { status: 'running', pid: 42 });
  const all = [created, exited, running];
  const names = (args: string[]): string[] => all.filter(buildContainerFilter(args, noLookup, NOW)).map((v) => v.rec.name);

  it('status= picks states; stopped is exited; an unknown state is a usage error', () => {
    expect(names(['status=created'])).toEqual(['c1']);
    expect(names(['status=exited'])).toEqual(['c2']);
    expect(names(['status=stopped'])).toEqual(['c2']);
    expect(names(['status=running'])).toEqual(['r1']);
    expect(names(['status=created', 'status=running'])).toEqual(['c1', 'r1']);
    expect(() => names(['status=bogus'])).toThrow('unknown container state: bogus: invalid argument');
  });

  it("restart-policy= uses Podman's names: none without --restart, no with --restart=no; others are refused", () => {
    const withNo = view(rec({ name: 'n1', restartPolicy: { name: 'no' } }));
    const always = view(rec({ name: 'a1', restartPolicy: { name: 'always' } }));
    const pick = (args: string[]) => [created, withNo, always].filter(buildContainerFilter(args, noLookup, NOW)).map((v) => v.rec.name);
    expect(pick(['restart-policy=none'])).toEqual(['c1']);
    expect(pick(['restart-policy=no'])).toEqual(['n1']);
    expect(pick(['restart-policy=always', 'restart-policy=none'])).toEqual(['c1', 'a1']);
    expect(() => pick(['restart-policy=fakepolicy'])).toThrow(/^fakepolicy invalid restart policy$/);
  });

  it('name= and id= are unanchored regular expressions', () => {
    expect(names(['name=c'])).toEqual(['c1', 'c2']);
    expect(names(['name=^c1$'])).toEqual(['c1']);
    expect(names(['name=c[12]'])).toEqual(['c1', 'c2']);
    expect(names(['id=^2'])).toEqual(['c2']);
    expect(names(['id=333'])).toEqual(['r1']);
  });

  it('label= needs every value (key or key=value); different keys are ANDed', () => {
    expect(names(['label=a'])).toEqual(['c1']);
    expect(names(['label=a=b'])).toEqual(['c1']);
    expect(names(['label=a=c'])).toEqual([]);
    expect(names(['label=a', 'label=zz'])).toEqual([]);
    expect(names(['label=a', 'label=x=y'])).toEqual(['c1']);
    expect(names(['name=c', 'status=exited'])).toEqual(['c2']);
    expect(matchLabels({ k: '' }, ['k='])).toBe(true);
  });

  it('ancestor= is the image ID or name, "NAME" matching NAME:latest only', () => {
    expect(names(['ancestor=localhost/busybox'])).toEqual(['c1', 'c2']);
    expect(names(['ancestor=localhost/busybox:latest'])).toEqual(['c1', 'c2']);
    expect(names([`ancestor=${'f'.repeat(64)}`])).toEqual(['c1', 'c2', 'r1']);
    expect(names(['ancestor=busybox'])).toEqual([]);
    expect(names(['ancestor=docker.io/library/alpine'])).toEqual([]); // tag 3, not latest
    expect(matchAncestor(running.rec, 'docker.io/library/alpine:3')).toBe(true);
  });

  it('exited= matches exit codes of exited containers only', () => {
    expect(names(['exited=3'])).toEqual(['c2']);
    expect(names(['exited=0'])).toEqual([]);
    expect(() => names(['exited=abc'])).toThrow(/exited code/);
  });

  it('before=/since= compare creation times with the named container', () => {
    const t = [view(rec({ name: 'old', created: '2026-01-01T10:00:00Z' })), view(rec({ name: 'mid', created: '2026-01-01T11:00:00Z' })), view(rec({ name: 'new', created: '2026-01-01T11:30:00Z' }))];
    const lookup = { find: (n: string): ContainerRecord => t.find((v) => v.rec.name === n)!.rec };
    expect(t.filter(buildContainerFilter(['before=mid'], lookup)).map((v) => v.rec.name)).toEqual(['old']);
    expect(t.filter(buildContainerFilter(['since=mid'], lookup)).map((v) => v.rec.name)).toEqual(['new']);
  });

  it('rejects unknown keys and values without "="', () => {
    expect(() => buildContainerFilter(['bogus=1'], noLookup)).toThrow('bogus is an invalid filter');
    expect(() => parseFilterArgs(['foo'])).toThrow('invalid filter "foo"');
  });

  it('--label takes KEY=VALUE and bare KEY; an empty key is refused', () => {
    expect(parseLabels(['a=b', 'x', 'e=', 'a=c=d'])).toEqual({ a: 'c=d', x: '', e: '' });
    expect(() => parseLabels(['=v'])).toThrow('invalid label "=v": the key is empty');
  });

  it('until= takes timestamps and Go durations', () => {
    expect(parseTimeFilter('10m', NOW)).toBe(NOW - 600_000);
    expect(parseTimeFilter('1700000000', NOW)).toBe(1700000000_000);
    expect(parseTimeFilter('2026-01-01T00:00:00Z', NOW)).toBe(Date.parse('2026-01-01T00:00:00Z'));
    expect(() => parseTimeFilter('soon', NOW)).toThrow(/invalid time/);
  });
});

describe('ps rows', () => {
  const r = rec({ id: 'b'.repeat(64), name: 'w', command: ['/run/podman-init', '--', 'sh', '-c', 'echo a very long command line'], rm: true });

  it('shapes Podman 4.3 JSON: unix times, Go zero time, labels null when none', () => {
    const j = psJson(view(r), NOW);
    expect(Object.keys(j)).toEqual([
      'AutoRemove', 'Command', 'CreatedAt', 'Exited', 'ExitedAt', 'ExitCode', 'Id', 'Image', 'ImageID', 'IsInfra', 'Labels', 'Mounts', 'Names',
      'Namespaces', 'Networks', 'Pid', 'Pod', 'PodName', 'Ports', 'Restarts', 'Size', 'StartedAt', 'State', 'Status', 'Created',
    ]);
    expect(j.Command).toEqual(['sh', '-c', 'echo a very long command line']);
    expect(j.ExitedAt).toBe(GO_ZERO_UNIX);
    expect(j.StartedAt).toBe(GO_ZERO_UNIX);
    expect(j.Labels).toBeNull();
    expect(j.Created).toBe(Date.parse('2026-01-01T11:59:00Z') / 1000);
    expect(j.CreatedAt).toBe('About a minute ago');
    expect(j.AutoRemove).toBe(true);
  });

  it('truncates ID, ImageID and Command unless --no-trunc; Status as Podman 4.3 words it', () => {
    const run = view(rec({ state: 'running', startedAt: '2026-01-01T11:59:55Z' }), { status: 'running', pid: 7, startedAt: '2026-01-01T11:59:55Z' });
    const row = new PsRow(run, psJson(run, NOW), false, NOW);
    expect(row.ID).toBe('a'.repeat(12));
    expect(row.Status).toBe('Up 5 seconds ago');
    expect(row.Pid).toBe(7);
    const long = new PsRow(view(r), psJson(view(r), NOW), false, NOW);
    expect(long.Command).toBe('sh -c echo a very...');
    expect(new PsRow(view(r), psJson(view(r), NOW), true, NOW).Command).toBe('sh -c echo a very long command line');
    const ex = view(rec({ state: 'exited' }), { status: 'exited', exitCode: 3, finishedAt: '2026-01-01T11:58:00Z' });
    expect(new PsRow(ex, psJson(ex, NOW), false, NOW).Status).toBe('Exited (3) 2 minutes ago');
    expect(new PsRow(view(r), psJson(view(r), NOW), false, NOW).Status).toBe('Created');
  });

  it('renders the default table with Podman headers, and Go templates over rows', () => {
    const v = view(rec());
    const row = new PsRow(v, psJson(v, NOW), false, NOW);
    const text = formatList([row], {
      defaultFormat: '{{.ID}}\t{{.Image}}\t{{.Command}}\t{{.CreatedHuman}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}',
      headers: { ID: 'CONTAINER ID', CreatedHuman: 'CREATED' },
    });
    expect(text.split('\n')[0]).toBe('CONTAINER ID  IMAGE                     COMMAND     CREATED             STATUS      PORTS       NAMES');
    expect(formatList([row], { format: '{{.Names}} {{.Status}}', defaultFormat: '' })).toBe('web Created\n');
    expect(formatList([row], { format: '{{.Label "a"}}|{{.Labels}}', defaultFormat: '' })).toBe('|map[]\n');
  });

  it('sorts by Podman keys, stably, and refuses others', () => {
    const mk = (name: string, created: string, state: ContainerRecord['state']): PsRow => {
      const v = view(rec({ name, created, state, id: name.padEnd(64, '0').replace(/[^0-9a-f]/g, 'e') }), { status: state === 'running' ? 'running' : state === 'exited' ? 'exited' : 'created' });
      return new PsRow(v, psJson(v, NOW), false, NOW);
    };
    const rows = [mk('b', '2026-01-01T11:00:00Z', 'running'), mk('a', '2026-01-01T10:00:00Z', 'created'), mk('c', '2026-01-01T09:00:00Z', 'exited')];
    expect(sortRows(rows, 'created').map((r) => r.Names)).toEqual(['c', 'a', 'b']);
    expect(sortRows(rows, 'names').map((r) => r.Names)).toEqual(['a', 'b', 'c']);
    expect(sortRows(rows, 'status').map((r) => r.Names)).toEqual(['a', 'c', 'b']);
    expect(() => sortRows(rows, 'bogus')).toThrow(/"bogus" is not a valid value/);
  });

  it('strips only the --init prefix from the command', () => {
    expect(userCommand(rec({ command: ['/run/podman-init', '--', 'true'] }))).toEqual(['true']);
    expect(userCommand(rec({ command: ['true', '--'] }))).toEqual(['true', '--']);
  });
});

describe('ps over stored records', () => {
  let dir: string;
  let ctx: Context;
  const remover: TreeRemover = async (d) => rmSync(d.dir, { recursive: true, force: true });
  const noProc: HostProc = { stat: () => undefined, bootId: () => 'boot', exitFile: () => undefined };
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tpod-ps-'));
    ctx = createContext({ root: join(dir, 'root'), runroot: join(dir, 'run'), logLevel: 'error' });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const make = (name: string, extra: Partial<ContainerRecord> = {}) =>
    createContainer(ctx, name, (c: NewContainer) => ({ ...rec({ id: c.id, name: c.name, created: new Date().toISOString() }), ...extra }), remover);

  it('hides non-running containers without -a; -l and -n look at all, newest last', async () => {
    await make('one');
    await new Promise((r) => setTimeout(r, 5));
    await make('two', { state: 'exited', exitCode: 1, finishedAt: new Date().toISOString() });
    await new Promise((r) => setTimeout(r, 5));
    // A "running" record whose monitor is gone reads as exited (-1), never running.
    await make('ghost', { state: 'running', monitorPid: 999999, monitorStartTime: '1', bootId: 'boot' });
    const base = { filters: [], latest: false, noTrunc: false, size: false, sort: 'created', proc: noProc };
    expect((await listPsRows(ctx, { ...base, all: false })).map((r) => r.Names)).toEqual([]);
    const all = await listPsRows(ctx, { ...base, all: true });
    expect(all.map((r) => r.Names)).toEqual(['one', 'two', 'ghost']);
    expect(all[2]!.json.State).toBe('exited');
    expect(all[2]!.json.ExitCode).toBe(-1);
    expect((await listPsRows(ctx, { ...base, all: false, latest: true })).map((r) => r.Names)).toEqual(['ghost']);
    expect((await listPsRows(ctx, { ...base, all: false, last: 2 })).map((r) => r.Names)).toEqual(['two', 'ghost']);
    await expect(listPsRows(ctx, { ...base, all: false, latest: true, last: 1 })).rejects.toThrow('last and latest are mutually exclusive');
  });

  it('sums a container layer once per hard link and skips what it cannot read', () => {
    const d = join(dir, 'tree');
    mkdirSync(join(d, 'sub'), { recursive: true });
    writeFileSync(join(d, 'a'), '12345');
    writeFileSync(join(d, 'sub', 'b'), '123');
    symlinkSync('a', join(d, 'link'));
    expect(treeSize(d)).toBe(5 + 3 + 1);
    expect(treeSize(join(dir, 'missing'))).toBe(0);
  });

  it('renames: the new name finds it, the old one is free, a taken name is refused', async () => {
    const a = await make('alpha');
    await make('beta');
    await renameContainer(ctx, 'alpha', 'gamma');
    expect(findContainer(ctx, 'gamma').id).toBe(a.id);
    expect(() => findContainer(ctx, 'alpha')).toThrow(/no container with name or ID "alpha"/);
    await expect(renameContainer(ctx, 'gamma', 'beta')).rejects.toThrow(/already in use/);
    await expect(renameContainer(ctx, 'gamma', 'bad name')).rejects.toThrow(/names must match/);
    await expect(renameContainer(ctx, 'nope', 'x')).rejects.toThrow(/no container with name or ID "nope"/);
    // The freed name can be taken again.
    const again = await make('alpha');
    expect(findContainer(ctx, 'alpha').id).toBe(again.id);
    expect(readlinkSync(join(ctx.paths.containers, 'names', 'gamma'))).toBe(a.id);
    expect(readlinkSync(join(ctx.paths.containers, 'names', 'alpha'))).toBe(again.id);
  });

  it('rename refuses a name a pod has (pods and containers share names)', async () => {
    await make('alpha');
    await createPod(ctx, 'web', (p) => ({ id: p.id, name: p.name, created: new Date().toISOString(), labels: {}, share: ['ipc', 'net', 'uts'] }));
    await expect(renameContainer(ctx, 'alpha', 'web')).rejects.toThrow('name "web" is in use: pod already exists');
    expect(findContainer(ctx, 'alpha').name).toBe('alpha');
  });

  it('a rename killed after linking the new name leaves a stale link that repair drops (guards against a name owned twice)', async () => {
    const a = await make('alpha');
    // As if the process died right after making the new link.
    symlinkSync(a.id, join(ctx.paths.containers, 'names', 'half'));
    const report = await repairContainers(ctx, remover);
    expect(report.removedNames).toEqual(['half']);
    expect(listContainers(ctx).map((r) => r.name)).toEqual(['alpha']);
  });
});

describe('inspect shaping', () => {
  const dirs = { dir: '/d', userdata: '/d/userdata', upper: '/d/upper', work: '/d/work', merged: '/d/merged' };
  const spec = {
    ociVersion: '1.0.2-dev',
    process: {
      user: { uid: 0, gid: 0 }, args: ['sleep', '1000'], env: ['PATH=/bin', 'FOO=bar'], cwd: '/tmp',
      capabilities: { bounding: ['CAP_CHOWN', 'CAP_NET_ADMIN'], effective: ['CAP_CHOWN', 'CAP_NET_ADMIN'], permitted: [] },
      rlimits: [{ type: 'RLIMIT_NOFILE', hard: 1024, soft: 512 }],
    },
    root: { path: '/d/merged', readonly: true },
    hostname: 'hh',
    mounts: [
      { destination: '/proc', type: 'proc', source: 'proc' },
      { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid'] },
      { destination: '/etc/hosts', type: 'bind', source: '/d/userdata/hosts', options: ['bind', 'rprivate'] },
      { destination: '/data', type: 'bind', source: '/src', options: ['rbind', 'rprivate', 'ro'] },
      { destination: '/b', type: 'bind', source: '/srcb', options: ['rbind', 'rprivate', 'rw'] },
      { destination: '/scratch', type: 'tmpfs', source: 'tmpfs', options: ['rw', 'size=1m'] },
    ],
    annotations: { 'io.podman.annotations.init': 'FALSE' },
    linux: { namespaces: [], maskedPaths: [], readonlyPaths: [] },
  } as OciSpec;

  it('has the fields Podman prints, with its zero times', () => {
    const r = rec({ stopSignal: 2, restartPolicy: { name: 'on-failure', maxRetries: 3 }, restartCount: 1 });
    const out = shapeInspect({ view: view(r), spec, dirs, lowerDirs: ['/l/1', '/l/2'] }) as Record<string, any>;
    expect(Object.keys(out).slice(0, 6)).toEqual(['Id', 'Created', 'Path', 'Args', 'State', 'Image']);
    expect(out.Path).toBe('sleep');
    expect(out.Args).toEqual(['1000']);
    expect(out.State.Status).toBe('created');
    expect(out.State.StartedAt).toBe(GO_ZERO_TIME);
    expect(out.State.FinishedAt).toBe(GO_ZERO_TIME);
    expect(out.RestartCount).toBe(1);
    expect(out.HostConfig.RestartPolicy).toEqual({ Name: 'on-failure', MaximumRetryCount: 3 });
    expect(out.Config.StopSignal).toBe(2);
    expect(out.Config.Env).toEqual(['PATH=/bin', 'FOO=bar']);
    expect(out.Config.WorkingDir).toBe('/tmp');
    expect(out.Config.Hostname).toBe('hh');
    expect(out.HostConfig.ReadonlyRootfs).toBe(true);
    expect(out.HostConfig.Ulimits).toEqual([{ Name: 'RLIMIT_NOFILE', Soft: 512, Hard: 1024 }]);
    expect(out.GraphDriver).toEqual({ Name: 'overlay', Data: { LowerDir: '/l/2:/l/1', MergedDir: '/d/merged', UpperDir: '/d/upper', WorkDir: '/d/work' } });
    expect(out.ResolvConfPath).toBe('/d/userdata/resolv.conf');
  });

  it('reports a running container with its pid and start time, an exited one with its code', () => {
    const r = rec({ state: 'running' });
    const run = shapeInspect({ view: view(r, { status: 'running', pid: 1234, startedAt: '2026-01-01T00:00:00.000Z' }), spec, dirs }) as Record<string, any>;
    expect(run.State).toMatchObject({ Status: 'running', Running: true, Pid: 1234, StartedAt: '2026-01-01T00:00:00.000Z', FinishedAt: GO_ZERO_TIME });
    const ex = shapeInspect({ view: view(r, { status: 'exited', exitCode: 137, oomKilled: true, startedAt: 'S', finishedAt: 'F' }), spec, dirs }) as Record<string, any>;
    expect(ex.State).toMatchObject({ Status: 'exited', Running: false, Pid: 0, ExitCode: 137, OOMKilled: true, FinishedAt: 'F' });
  });

  it('lists user binds and tmpfs, not the generated files', () => {
    expect(inspectMounts(spec).map((m) => [m.Destination, m.RW])).toEqual([['/b', true], ['/data', false]]);
    expect(inspectBinds(spec)).toEqual(['/srcb:/b:rw,rprivate,rbind', '/src:/data:ro,rprivate,rbind']);
    expect(inspectTmpfs(spec)).toEqual({ '/scratch': 'rw,size=1m' });
  });

  it('reports capabilities against the default set, and signals as numbers', () => {
    expect(capDiff(['CAP_CHOWN', 'CAP_NET_ADMIN']).add).toEqual(['CAP_NET_ADMIN']);
    expect(capDiff(['CAP_CHOWN', 'CAP_NET_ADMIN']).drop).toContain('CAP_KILL');
    expect(signalNumber('SIGINT')).toBe(2);
    expect(signalNumber('TERM')).toBe(15);
    expect(signalNumber('9')).toBe(9);
    expect(signalNumber(undefined)).toBe(15);
  });

  it('splits Cmd and Entrypoint from the create options and the image', () => {
    const image = { Entrypoint: ['/entry'], Cmd: ['default'] };
    const opts = (o: object) => rec({ options: { command: [], ...o } as never });
    expect(cmdAndEntrypoint(opts({}), image)).toEqual({ cmd: ['default'], entrypoint: ['/entry'] });
    expect(cmdAndEntrypoint(opts({ command: ['x'] }), image)).toEqual({ cmd: ['x'], entrypoint: ['/entry'] });
    expect(cmdAndEntrypoint(opts({ entrypoint: ['/bin/sh'] }), image)).toEqual({ cmd: [], entrypoint: ['/bin/sh'] });
    expect(cmdAndEntrypoint(rec({ command: ['/run/podman-init', '--', 'a'] }), image)).toEqual({ cmd: ['a'], entrypoint: [] });
  });
});

describe('rm ordering', () => {
  it('removes dependents first with --depend, each once', () => {
    const base = rec({ id: 'base' });
    const child = rec({ id: 'child', ...({ dependencies: ['base'] } as object) });
    const grand = rec({ id: 'grand', ...({ dependencies: ['child'] } as object) });
    const all = [base, child, grand];
    expect(dependentsOf('base', all)).toEqual(['child']);
    expect(removalOrder(['base'], all, true)).toEqual(['grand', 'child', 'base']);
    expect(removalOrder(['base', 'child'], all, true)).toEqual(['grand', 'child', 'base']);
    expect(removalOrder(['base'], all, false)).toEqual(['base']);
  });
  it('counts a container that joined another\'s network (--network container:) as its dependent', () => {
    const owner = rec({ id: 'owner' });
    const joiner = rec({ id: 'joiner', network: 'container:owner' });
    expect(dependentsOf('owner', [owner, joiner])).toEqual(['joiner']);
    expect(removalOrder(['owner'], [owner, joiner], true)).toEqual(['joiner', 'owner']);
  });
});

describe('rm reports', () => {
  const err = (code: number) => new TpodError('ERUNTIME', `failed ${code}`, { exitCode: code });
  it('prints what was removed and exits 1 when a container is missing, over 2 for a running one', () => {
    const out: string[] = [];
    expect(reportRemovals([{ input: 'a' }, { input: 'b' }], (t) => out.push(t))).toBe(0);
    expect(out).toEqual(['a\nb']);
    expect(() => reportRemovals([{ input: 'a' }, { input: 'x', error: err(2) }, { input: 'y', error: err(1) }], () => undefined)).toThrow(
      expect.objectContaining({ exitCode: 1, message: 'failed 1' }),
    );
    expect(() => reportRemovals([{ input: 'x', error: err(2) }], () => undefined)).toThrow(expect.objectContaining({ exitCode: 2 }));
    expect(() => reportRemovals([{ input: 'x', error: err(125) }], () => undefined)).toThrow(expect.objectContaining({ exitCode: 125 }));
  });

  it('sees our own process as alive and a missing pid as gone', () => {
    expect(pidAlive(process.pid)).toBe(true);
    expect(pidAlive(0x3fffffff)).toBe(false);
  });
});
