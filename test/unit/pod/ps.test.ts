// pod ps: rows, filters, sorting, the JSON report and the table, from records in a temp store.
import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { createContext, type Context } from '../../../src/engine/context.js';
import { listPodRows, buildPodFilter, podPsFormat, POD_PS_HEADERS, type PodPsRow } from '../../../src/pod/ps.js';
import { podViews } from '../../../src/pod/state.js';
import { formatList } from '../../../src/cli/table.js';
import { listPsRows } from '../../../src/engine/ps.js';
import { ctrRec, fakeProc, hex, live, podRec, writeCtr, writePod } from './fixtures.js';

const NOW = Date.parse('2026-01-01T12:00:00Z');
let dir: string;
let ctx: Context;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tpod-podps-'));
  ctx = createContext({ root: join(dir, 'root'), runroot: join(dir, 'run'), logLevel: 'error' });
  // web: infra + app running (Running), labelled, publishing 8080->80 at the infra.
  writePod(ctx, podRec(hex('a'), 'web', { created: '2026-01-01T10:00:00.000Z', labels: { app: 'web', tier: 'front' }, infraId: hex('1') }));
  writeCtr(ctx, ctrRec(hex('1'), 'aaaaaaaaaaaa-infra', { pod: hex('a'), isInfra: true, ...live('running', 101), ports: [{ hostIP: '', hostPort: 8080, containerPort: 80, protocol: 'tcp', range: 1 }] }));
  writeCtr(ctx, ctrRec(hex('2'), 'web-app', { pod: hex('a'), ...live('running', 102), created: '2026-01-01T11:01:00.000Z', restartCount: 2 }));
  // db: everything exited (Exited).
  writePod(ctx, podRec(hex('b'), 'db', { created: '2026-01-01T10:30:00.000Z', infraId: hex('3') }));
  writeCtr(ctx, ctrRec(hex('3'), 'bbbbbbbbbbbb-infra', { pod: hex('b'), isInfra: true, state: 'exited', exitCode: 0 }));
  writeCtr(ctx, ctrRec(hex('4'), 'db-main', { pod: hex('b'), state: 'exited', exitCode: 1 }));
  // empty: no infra, no containers (Created).
  writePod(ctx, podRec(hex('c'), 'empty', { created: '2026-01-01T09:00:00.000Z', share: [] }));
  // half: infra running, member created (Degraded).
  writePod(ctx, podRec(hex('d'), 'half', { created: '2026-01-01T10:45:00.000Z', infraId: hex('5') }));
  writeCtr(ctx, ctrRec(hex('5'), 'dddddddddddd-infra', { pod: hex('d'), isInfra: true, ...live('running', 105) }));
  writeCtr(ctx, ctrRec(hex('6'), 'half-app', { pod: hex('d') }));
  // A container outside any pod.
  writeCtr(ctx, ctrRec(hex('7'), 'loner', { ...live('running', 107) }));
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

const rows = (o: { filters?: string[]; sort?: string; latest?: boolean; noTrunc?: boolean } = {}): PodPsRow[] =>
  listPodRows(ctx, { filters: o.filters ?? [], sort: o.sort ?? 'created', latest: o.latest ?? false, noTrunc: o.noTrunc ?? false, now: NOW, proc: fakeProc });
const names = (o: Parameters<typeof rows>[0] = {}): string[] => rows(o).map((r) => r.Name);

describe('pod ps rows', () => {
  it('statuses follow the members, infra included; newest first by default', () => {
    expect(rows().map((r) => [r.Name, r.Status])).toEqual([
      ['half', 'Degraded'],
      ['db', 'Exited'],
      ['web', 'Running'],
      ['empty', 'Created'],
    ]);
  });

  it('the JSON report has Podman ListPodsReport keys in order, infra listed first', () => {
    const web = rows().find((r) => r.Name === 'web')!;
    expect(Object.keys(web.json)).toEqual(['Cgroup', 'Containers', 'Created', 'Id', 'InfraId', 'Name', 'Namespace', 'Networks', 'Status', 'Labels']);
    expect(web.json).toMatchObject({
      Id: hex('a'),
      InfraId: hex('1'),
      Status: 'Running',
      Created: '2026-01-01T10:00:00.000Z',
      Labels: { app: 'web', tier: 'front' },
      Networks: [],
      Containers: [
        { Id: hex('1'), Names: 'aaaaaaaaaaaa-infra', Status: 'running', RestartCount: 0 },
        { Id: hex('2'), Names: 'web-app', Status: 'running', RestartCount: 2 },
      ],
    });
    const empty = rows().find((r) => r.Name === 'empty')!;
    expect(empty.json.InfraId).toBe('');
    expect(empty.json.Containers).toEqual([]);
    expect(empty.json.Labels).toEqual({});
  });

  it('template fields: IDs cut to 12 unless --no-trunc, container lists, human Created', () => {
    const web = rows().find((r) => r.Name === 'web')!;
    expect(web.ID).toBe('a'.repeat(12));
    expect(web.Id).toBe('a'.repeat(12));
    expect(web.InfraID).toBe('1'.repeat(12));
    expect(web.NumberOfContainers).toBe(2);
    expect(web.ContainerNames).toBe('aaaaaaaaaaaa-infra,web-app');
    expect(web.ContainerIds).toBe(`${'1'.repeat(12)},${'2'.repeat(12)}`);
    expect(web.ContainerStatuses).toBe('running,running');
    expect(web.Restarts).toBe('2');
    expect(web.Created).toBe('2 hours ago');
    expect(web.Label('app')).toBe('web');
    const full = rows({ noTrunc: true }).find((r) => r.Name === 'web')!;
    expect(full.ID).toBe(hex('a'));
    expect(full.ContainerIds).toBe(`${hex('1')},${hex('2')}`);
    expect(rows().find((r) => r.Name === 'empty')!.InfraID).toBe('');
  });

  it('--sort id, name, number, status; a bad key is Podman\'s usage error', () => {
    expect(names({ sort: 'name' })).toEqual(['db', 'empty', 'half', 'web']);
    expect(names({ sort: 'id' })).toEqual(['web', 'db', 'empty', 'half']);
    expect(names({ sort: 'number' })[0]).toBe('empty');
    expect(names({ sort: 'status' })).toEqual(['empty', 'half', 'db', 'web']);
    expect(() => rows({ sort: 'size' })).toThrow('invalid option for --sort, options are: created, id, name, number, or status');
  });

  it('--latest is the newest pod whatever the filters say', () => {
    expect(names({ latest: true, filters: ['name=web'] })).toEqual(['half']);
  });
});

describe('pod ps filters', () => {
  it('id= is a prefix for hex values, a regex otherwise; name= a regex', () => {
    expect(names({ filters: ['id=aaaa'] })).toEqual(['web']);
    expect(names({ filters: ['id=^b+$'] })).toEqual(['db']);
    expect(names({ filters: ['name=^w'] })).toEqual(['web']);
    expect(names({ filters: ['name=web', 'name=db'] })).toEqual(['db', 'web']);
  });

  it('network= matches the user networks of the pod\'s infra, which the JSON lists', () => {
    expect(names({ filters: ['network=mynet'] })).toEqual([]);
    writeCtr(ctx, ctrRec(hex('5'), 'dddddddddddd-infra', { pod: hex('d'), isInfra: true, ...live('running', 105), network: 'bridge', networks: { mynet: { ip: '10.89.0.2', mac: '02:00:00:00:00:02', interface: 'eth0' } } }));
    expect(names({ filters: ['network=mynet'] })).toEqual(['half']);
    expect(names({ filters: ['network=other', 'network=mynet'] })).toEqual(['half']);
    expect(rows().find((r) => r.Name === 'half')!.json.Networks).toEqual(['mynet']);
  });

  it('label= needs every value; label!= excludes', () => {
    expect(names({ filters: ['label=app=web'] })).toEqual(['web']);
    expect(names({ filters: ['label=app', 'label=tier=back'] })).toEqual([]);
    expect(names({ filters: ['label!=app'] })).toEqual(['half', 'db', 'empty']);
  });

  it('status= matches the pod status; a bad one is a usage error', () => {
    expect(names({ filters: ['status=running'] })).toEqual(['web']);
    expect(names({ filters: ['status=degraded', 'status=exited'] })).toEqual(['half', 'db']);
    expect(names({ filters: ['status=created'] })).toEqual(['empty']);
    expect(() => names({ filters: ['status=bogus'] })).toThrow('bogus is not a valid pod status');
  });

  it('ctr-names, ctr-ids, ctr-status, ctr-number look at the members, infra included', () => {
    expect(names({ filters: ['ctr-names=^db-main$'] })).toEqual(['db']);
    expect(names({ filters: ['ctr-names=infra'] })).toEqual(['half', 'db', 'web']);
    expect(names({ filters: ['ctr-ids=6666'] })).toEqual(['half']);
    expect(names({ filters: ['ctr-status=created'] })).toEqual(['half']);
    expect(names({ filters: ['ctr-status=stopped'] })).toEqual(['db']);
    expect(names({ filters: ['ctr-number=0'] })).toEqual(['empty']);
    expect(names({ filters: ['ctr-number=2'] })).toEqual(['half', 'db', 'web']);
    expect(names({ filters: ['ctr-number=two'] })).toEqual([]);
    expect(() => names({ filters: ['ctr-status=gone'] })).toThrow('gone is not a valid status');
  });

  it('until= keeps pods created before the time; keys are ANDed', () => {
    expect(names({ filters: ['until=2026-01-01T10:15:00Z'] })).toEqual(['web', 'empty']);
    expect(names({ filters: ['until=2026-01-01T10:15:00Z', 'status=running'] })).toEqual(['web']);
  });

  it('unknown keys and values without = are Podman\'s errors', () => {
    expect(() => buildPodFilter(['bogus=1'])).toThrow('bogus is an invalid filter');
    expect(() => buildPodFilter(['x'])).toThrow('filter input must be in the form of filter=value: x is invalid');
    expect(() => buildPodFilter(['name=('])).toThrow(/invalid name filter/);
  });
});

describe('pod ps table', () => {
  const table = (o: { ctrIds?: boolean; ctrNames?: boolean; ctrStatus?: boolean; ns?: boolean } = {}, format?: string): string =>
    formatList(rows({ filters: ['name=web'] }), {
      format,
      defaultFormat: podPsFormat({ ctrIds: false, ctrNames: false, ctrStatus: false, ns: false, ...o }),
      headers: POD_PS_HEADERS,
      name: 'ps',
    });

  it('default columns as Podman prints them', () => {
    expect(table().split('\n')[0]).toBe('POD ID        NAME        STATUS      CREATED      INFRA ID      # OF CONTAINERS');
    expect(table().split('\n')[1]).toBe('aaaaaaaaaaaa  web         Running     2 hours ago  111111111111  2');
  });

  it('--ctr-names/--ctr-status replace the count', () => {
    const [head, row] = table({ ctrNames: true, ctrStatus: true }).split('\n');
    expect(head!.split(/\s{2,}/)).toEqual(['POD ID', 'NAME', 'STATUS', 'CREATED', 'INFRA ID', 'NAMES', 'STATUS']);
    expect(row).toContain('aaaaaaaaaaaa-infra,web-app  running,running');
  });

  it('templates see the reporter fields', () => {
    expect(table({}, '{{.Name}} {{.NumberOfContainers}} {{.Labels}} {{.Networks}}')).toBe('web 2 map[app:web tier:front] \n');
    expect(table({}, 'table {{.ID}} {{.InfraID}}').split('\n')[0]).toBe('ID            INFRA ID');
  });
});

describe('ps and pods', () => {
  it('--filter pod= takes a name or ID; an unknown pod matches nothing', async () => {
    const ps = async (filters: string[]): Promise<string[]> =>
      (await listPsRows(ctx, { all: true, filters, latest: false, noTrunc: false, size: false, sort: 'names', now: NOW, proc: fakeProc })).map((r) => r.Names);
    expect(await ps(['pod=web'])).toEqual(['aaaaaaaaaaaa-infra', 'web-app']);
    expect(await ps([`pod=${'b'.repeat(20)}`])).toEqual(['bbbbbbbbbbbb-infra', 'db-main']);
    expect(await ps(['pod=web', 'pod=half'])).toEqual(['aaaaaaaaaaaa-infra', 'dddddddddddd-infra', 'half-app', 'web-app']);
    expect(await ps(['pod=nope'])).toEqual([]);
  });

  it('rows carry Pod, PodName (with --pod), IsInfra, and members show the pod\'s ports', async () => {
    const all = await listPsRows(ctx, { all: true, filters: [], latest: false, noTrunc: false, size: false, sort: 'names', now: NOW, proc: fakeProc, pod: true });
    const app = all.find((r) => r.Names === 'web-app')!;
    expect(app.Pod).toBe('a'.repeat(12));
    expect(app.PodName).toBe('web');
    expect(app.json.Pod).toBe(hex('a'));
    expect(app.IsInfra).toBe(false);
    expect(app.Ports).toBe('0.0.0.0:8080->80/tcp');
    expect(all.find((r) => r.Names === 'aaaaaaaaaaaa-infra')!.json.IsInfra).toBe(true);
    const loner = all.find((r) => r.Names === 'loner')!;
    expect([loner.Pod, loner.PodName, loner.Ports]).toEqual(['', '', '']);
    const noPod = await listPsRows(ctx, { all: true, filters: [], latest: false, noTrunc: false, size: false, sort: 'names', now: NOW, proc: fakeProc });
    expect(noPod.find((r) => r.Names === 'web-app')!.PodName).toBe('');
  });

  it('podViews reads each record once and orders pods oldest first', () => {
    expect(podViews(ctx, fakeProc).map((v) => v.pod.name)).toEqual(['empty', 'web', 'db', 'half']);
  });
});
