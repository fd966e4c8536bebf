// The update flow against fakes: containers, images, a registry answer, pulls and a
// systemctl that records what it was asked and fails on cue.
import { describe, it, expect } from 'vitest';
import { autoUpdate, type AutoUpdateDeps, type AutoUpdateOptions } from '../../../src/autoupdate/update.js';
import type { ContainerRecord } from '../../../src/storage/containers.js';
import type { StoredImage } from '../../../src/image/store.js';
import { resolveImage } from '../../../src/image/store.js';
import type { CommandResult, UnitManager } from '../../../src/autoupdate/systemctl.js';

const hex = (c: string): string => c.repeat(64);

const image = (id: string, names: string[]): StoredImage => ({
  id, names, digests: [], manifestDigest: `sha256:${id}`, layers: [], created: '2024-01-01T00:00:00Z', size: 1,
  namesHistory: names, manifestType: 'application/vnd.oci.image.manifest.v1+json', configSize: 1, manifestSize: 1,
});

const ctr = (name: string, img: string, imageId: string, policy: string, unit: string): ContainerRecord => ({
  id: `${name}${'0'.repeat(64)}`.slice(0, 64), name, image: img, imageId, imageName: img, command: ['top'],
  created: '2024-01-01T00:00:00Z', state: 'running', runtime: 'crun', driver: 'overlay', layers: [], hostname: 'h',
  network: 'none', rm: false, tty: false, interactive: false,
  labels: { 'io.containers.autoupdate': policy, PODMAN_SYSTEMD_UNIT: unit },
});

interface World {
  records: ContainerRecord[];
  images: StoredImage[];
  /** name -> image id the registry would give */
  registry: Map<string, string>;
  /** unit -> results of successive restarts (true: comes up active) */
  restarts: Map<string, boolean[]>;
  calls: string[];
  warnings: string[];
}

function world(): World {
  return { records: [], images: [], registry: new Map(), restarts: new Map(), calls: [], warnings: [] };
}

/** systemd that runs what the unit's container's image name points to. */
function deps(w: World, extra: Partial<AutoUpdateDeps> = {}): AutoUpdateDeps {
  const state = new Map<string, string>();
  const units: UnitManager = {
    restart: async (unit): Promise<CommandResult> => {
      w.calls.push(`restart ${unit}`);
      const plan = w.restarts.get(unit) ?? [];
      const ok = plan.length > 0 ? plan.shift()! : true;
      state.set(unit, ok ? 'active' : 'failed');
      return ok ? { code: 0, stdout: '', stderr: '' } : { code: 1, stdout: '', stderr: `Job for ${unit} failed because the control process exited with error code.` };
    },
    isActive: async (unit) => state.get(unit) ?? 'inactive',
    ping: async () => undefined,
  };
  return {
    records: () => w.records,
    running: (r) => r.state === 'running',
    images: async () => w.images,
    resolve: (images, name) => resolveImage(images, name),
    remoteDiffers: async (local, ref) => {
      const name = `${ref.domain}/${ref.path}:${ref.tag!}`;
      w.calls.push(`check ${name}`);
      const remote = w.registry.get(name);
      if (remote === undefined) throw new Error(`${name}: manifest unknown`);
      return remote !== local.id;
    },
    pull: async (name) => {
      w.calls.push(`pull ${name}`);
      const id = w.registry.get(name)!;
      for (const i of w.images) i.names = i.names.filter((n) => n !== name);
      let img = w.images.find((i) => i.id === id);
      if (!img) w.images.push((img = image(id, [])));
      img.names.push(name);
      return id;
    },
    tag: async (id, name) => {
      w.calls.push(`tag ${id.slice(0, 4)} ${name}`);
      for (const i of w.images) i.names = i.names.filter((n) => n !== name);
      w.images.find((i) => i.id === id)!.names.push(name);
    },
    units,
    restartOptions: { settleMs: 0, sleep: async () => undefined },
    warn: (m) => w.warnings.push(m),
    ...extra,
  };
}

const opts = (o: Partial<AutoUpdateOptions> = {}): AutoUpdateOptions => ({ dryRun: false, rollback: true, ...o });
const status = (r: Awaited<ReturnType<typeof autoUpdate>>): string[] => r.reports.map((x) => `${x.unit} ${x.containerName} ${x.policy} ${x.updated}`);

describe('auto-update', () => {
  const NAME = '127.0.0.1:5000/x:latest';

  it('nothing labelled: no reports, no errors, no systemctl', async () => {
    const w = world();
    w.records.push({ ...ctr('a', NAME, hex('1'), 'registry', 'u.service'), labels: {} });
    const r = await autoUpdate(opts(), deps(w));
    expect(r).toEqual({ reports: [], errors: [] });
    expect(w.calls).toEqual([]);
  });

  it('registry: up to date says false and touches nothing', async () => {
    const w = world();
    w.images.push(image(hex('1'), [NAME]));
    w.records.push(ctr('a', NAME, hex('1'), 'registry', 'u.service'));
    w.registry.set(NAME, hex('1'));
    const r = await autoUpdate(opts(), deps(w));
    expect(status(r)).toEqual(['u.service a registry false']);
    expect(w.calls).toEqual([`check ${NAME}`]);
  });

  it('registry: --dry-run says pending, pulls nothing, restarts nothing', async () => {
    const w = world();
    w.images.push(image(hex('1'), [NAME]));
    w.records.push(ctr('a', NAME, hex('1'), 'registry', 'u.service'));
    w.registry.set(NAME, hex('2'));
    const r = await autoUpdate(opts({ dryRun: true }), deps(w));
    expect(status(r)).toEqual(['u.service a registry pending']);
    expect(r.errors).toEqual([]);
    expect(w.calls).toEqual([`check ${NAME}`]);
  });

  it('registry: a newer image is pulled once, each unit restarted once', async () => {
    const w = world();
    w.images.push(image(hex('1'), [NAME]));
    w.records.push(ctr('a', NAME, hex('1'), 'registry', 'u.service'), ctr('b', NAME, hex('1'), 'image', 'u.service'), ctr('c', NAME, hex('1'), 'registry', 'v.service'));
    w.registry.set(NAME, hex('2'));
    const r = await autoUpdate(opts(), deps(w));
    expect(status(r)).toEqual(['u.service a registry true', 'u.service b registry true', 'v.service c registry true']);
    expect(r.errors).toEqual([]);
    expect(w.calls).toEqual([`check ${NAME}`, `pull ${NAME}`, 'restart u.service', 'restart v.service']);
  });

  it('registry: a unit that fails with the new image is rolled back (previous image named again, restarted again)', async () => {
    const w = world();
    w.images.push(image(hex('1'), [NAME]));
    w.records.push(ctr('a', NAME, hex('1'), 'registry', 'u.service'));
    w.registry.set(NAME, hex('3'));
    w.restarts.set('u.service', [false, true]);
    const r = await autoUpdate(opts(), deps(w));
    expect(status(r)).toEqual(['u.service a registry rolled back']);
    expect(r.errors).toEqual([]);
    expect(w.calls).toEqual([`check ${NAME}`, `pull ${NAME}`, 'restart u.service', `tag 1111 ${NAME}`, 'restart u.service']);
    expect(w.images.find((i) => i.id === hex('1'))!.names).toEqual([NAME]);
    expect(w.warnings.join('\n')).toMatch(/unit "u.service" did not restart with the new image \(Job for u.service failed.*\); rolled back/);
  });

  it('--rollback=false: the unit is left failed, reported failed with an error', async () => {
    const w = world();
    w.images.push(image(hex('1'), [NAME]));
    w.records.push(ctr('a', NAME, hex('1'), 'registry', 'u.service'));
    w.registry.set(NAME, hex('3'));
    w.restarts.set('u.service', [false]);
    const r = await autoUpdate(opts({ rollback: false }), deps(w));
    expect(status(r)).toEqual(['u.service a registry failed']);
    expect(r.errors.map((e) => e.message)).toEqual([expect.stringMatching(/^restarting unit "u.service" with the new image failed: Job for u.service failed/)]);
    expect(w.calls).not.toContain(`tag 1111 ${NAME}`);
  });

  it('a rollback whose restart fails too is failed, with both reasons', async () => {
    const w = world();
    w.images.push(image(hex('1'), [NAME]));
    w.records.push(ctr('a', NAME, hex('1'), 'registry', 'u.service'));
    w.registry.set(NAME, hex('3'));
    w.restarts.set('u.service', [false, false]);
    const r = await autoUpdate(opts(), deps(w));
    expect(status(r)).toEqual(['u.service a registry failed']);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]!.message).toMatch(/with the new image failed \(Job for .*\), and restarting it with the previous image during rollback failed too: Job for/);
    expect(r.errors[0]!.exitCode).toBe(125);
  });

  it('a unit that is not active after a successful restart job counts as failed', async () => {
    const w = world();
    w.images.push(image(hex('1'), [NAME]));
    w.records.push(ctr('a', NAME, hex('1'), 'registry', 'u.service'));
    w.registry.set(NAME, hex('2'));
    const d = deps(w);
    let n = 0;
    const states = ['activating', 'failed', 'active'];
    d.units = { restart: async () => ({ code: 0, stdout: '', stderr: '' }), isActive: async () => states[Math.min(n++, states.length - 1)]!, ping: async () => undefined };
    d.restartOptions = { settleMs: 60_000, sleep: async () => undefined };
    const r = await autoUpdate(opts(), d);
    expect(status(r)).toEqual(['u.service a registry rolled back']);
    expect(w.warnings[0]).toMatch(/the unit is failed after the restart/);
  });

  it('a user manager that does not answer stops everything before a pull (not in --dry-run)', async () => {
    const w = world();
    w.images.push(image(hex('1'), [NAME]));
    w.records.push(ctr('a', NAME, hex('1'), 'registry', 'u.service'));
    w.registry.set(NAME, hex('2'));
    const d = deps(w);
    d.units = { ...d.units, ping: async () => 'Failed to connect to bus: No such file or directory' };
    await expect(autoUpdate(opts(), d)).rejects.toThrow('auto-update restarts the systemd units that run the containers, but the user manager does not answer (systemctl: Failed to connect to bus: No such file or directory)');
    expect(w.calls).toEqual([]);
    expect(status(await autoUpdate(opts({ dryRun: true }), d))).toEqual(['u.service a registry pending']);
  });

  it('a registry that cannot answer fails that container only', async () => {
    const w = world();
    const OTHER = '127.0.0.1:5000/gone:latest';
    w.images.push(image(hex('1'), [NAME]), image(hex('4'), [OTHER]));
    w.records.push(ctr('a', NAME, hex('1'), 'registry', 'u.service'), ctr('b', OTHER, hex('4'), 'registry', 'v.service'));
    w.registry.set(NAME, hex('2'));
    const r = await autoUpdate(opts(), deps(w));
    expect(status(r)).toEqual(['u.service a registry true', 'v.service b registry failed']);
    expect(r.errors.map((e) => e.message)).toEqual([expect.stringMatching(/^registry auto-updating container "b" \(b00000000000\): image check for "127.0.0.1:5000\/gone:latest" failed: .*manifest unknown/)]);
    expect(w.calls).not.toContain('restart v.service');
  });

  it('a failed pull leaves the unit alone', async () => {
    const w = world();
    w.images.push(image(hex('1'), [NAME]));
    w.records.push(ctr('a', NAME, hex('1'), 'registry', 'u.service'));
    w.registry.set(NAME, hex('2'));
    const r = await autoUpdate(opts(), deps(w, { pull: async () => { throw new Error('connection refused'); } }));
    expect(status(r)).toEqual(['u.service a registry failed']);
    expect(r.errors[0]!.message).toMatch(/image update for "127.0.0.1:5000\/x:latest" failed: connection refused/);
    expect(w.calls).not.toContain('restart u.service');
  });

  it('local: the name now points to another image: restart; rollback gives the name back', async () => {
    const w = world();
    w.images.push(image(hex('1'), []), image(hex('2'), ['localhost/app:latest']));
    w.records.push(ctr('a', 'app', hex('1'), 'local', 'u.service'));
    let r = await autoUpdate(opts({ dryRun: true }), deps(w));
    expect(status(r)).toEqual(['u.service a local pending']);
    r = await autoUpdate(opts(), deps(w));
    expect(status(r)).toEqual(['u.service a local true']);
    expect(w.calls).toEqual(['restart u.service']);

    w.calls = [];
    w.restarts.set('u.service', [false, true]);
    r = await autoUpdate(opts(), deps(w));
    expect(status(r)).toEqual(['u.service a local rolled back']);
    expect(w.calls).toEqual(['restart u.service', 'tag 1111 localhost/app:latest', 'restart u.service']);
  });

  it('local: same image says false; a name that points nowhere is an error', async () => {
    const w = world();
    w.images.push(image(hex('1'), ['localhost/app:latest']));
    w.records.push(ctr('a', 'app', hex('1'), 'local', 'u.service'), ctr('b', 'gone', hex('1'), 'local', 'v.service'));
    const r = await autoUpdate(opts(), deps(w));
    expect(status(r)).toEqual(['u.service a local false', 'v.service b local failed']);
    expect(r.errors.map((e) => e.message)).toEqual([expect.stringMatching(/^locally auto-updating container "b" .*image check for "gone" failed: gone: image not known/)]);
  });

  it('the container\'s image missing from the store is an error for it', async () => {
    const w = world();
    w.records.push(ctr('a', NAME, hex('9'), 'registry', 'u.service'));
    const r = await autoUpdate(opts(), deps(w));
    expect(status(r)).toEqual(['u.service a registry failed']);
    expect(r.errors[0]!.message).toMatch(/container image ID "9{64}" not found in local storage/);
  });

  it('the authfile label wins over --authfile; --tls-verify reaches the registry and the pull', async () => {
    const w = world();
    w.images.push(image(hex('1'), [NAME]));
    const a = ctr('a', NAME, hex('1'), 'registry', 'u.service');
    a.labels!['io.containers.autoupdate.authfile'] = '/label.json';
    w.records.push(a, ctr('b', NAME, hex('1'), 'registry', 'v.service'));
    w.registry.set(NAME, hex('2'));
    const seen: string[] = [];
    const base = deps(w);
    const r = await autoUpdate(opts({ authfile: '/flag.json', tlsVerify: false }), {
      ...base,
      remoteDiffers: async (l, ref, o) => {
        seen.push(`check ${o.authfile} ${o.tlsVerify}`);
        return base.remoteDiffers(l, ref, o);
      },
      pull: async (n, o) => {
        seen.push(`pull ${o.authfile} ${o.tlsVerify}`);
        return base.pull(n, o);
      },
    });
    expect(r.errors).toEqual([]);
    expect(seen).toEqual(['check /label.json false', 'pull /label.json false', 'check /flag.json false', 'pull /flag.json false']);
  });
});
