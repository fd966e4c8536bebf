// `tpod auto-update` end to end: a real docker-registry on loopback filled by skopeo
// with umoci-built images (v1, v2 with another config, v3 whose command does not
// exist), units made by `tpod generate systemd --new` running in a real systemd --user
// manager, and the registry and local policies: false when nothing changed, pending on
// --dry-run, true with the unit running the new image, rolled back when the new image
// cannot start, failed (exit 125) with --rollback=false, and errors naming containers
// with bad labels.
import { expect, it, beforeAll, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tpod, tpodOk, useEnv, until, type RunResult } from './harness.js';
import { imageFixtures } from './fixtures.js';
import { copyLayout, skopeoCopy, startRegistry, type RealRegistry } from './registry.js';
import { describeSystemd, useUserManager } from './systemd-user.js';

const t = useEnv('auto-update');
const sd = useUserManager(t);

/** sh as pid 1 ignores SIGTERM unless it traps it. */
const SERVE = ['sh', '-c', 'trap "exit 0" TERM; while :; do sleep 0.2; done'];

interface Row { Unit: string; Container: string; ContainerName: string; ContainerID: string; Image: string; Policy: string; Updated: string }

function umoci(args: string[]): void {
  const r = spawnSync('umoci', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`umoci ${args.join(' ')}: ${r.stderr}`);
}

/** The image ID (config digest) of what the registry has under NAME. */
function remoteImageId(name: string): string {
  const r = spawnSync('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${name}`], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`skopeo inspect ${name}: ${r.stderr}`);
  return (JSON.parse(r.stdout) as { config: { digest: string } }).config.digest.slice(7);
}

describeSystemd('auto-update', () => {
  let reg: RealRegistry;
  let layout: string;
  let NAME: string;
  const ids: Record<'v1' | 'v2' | 'v3', string> = { v1: '', v2: '', v3: '' };
  const ok = (args: string[]) => tpodOk(args, { env: t.env, extraEnv: sd.manager.vars, timeout: 120_000 });
  const run = (args: string[]) => tpod(args, { env: t.env, extraEnv: sd.manager.vars, timeout: 120_000 });
  const push = (tag: 'v1' | 'v2' | 'v3'): void => {
    skopeoCopy(`oci:${layout}:${tag}`, NAME);
    ids[tag] = remoteImageId(NAME);
  };
  const imageOf = async (ctr: string): Promise<string> => (await ok(['inspect', '--format', '{{.Image}}', ctr])).stdout.trim();
  const rows = (r: RunResult): Row[] => JSON.parse(r.stdout || '[]') as Row[];

  /** A container made by `tpod create`, turned into a unit by generate systemd --new, started by systemd. */
  const serveInUnit = async (ctr: string, args: string[]): Promise<string> => {
    await ok(['create', '--name', ctr, ...args]);
    const gen = await ok(['generate', 'systemd', '--new', '--name', ctr]);
    const unit = `container-${ctr}.service`;
    sd.manager.writeUnit(unit, gen.stdout);
    await ok(['rm', ctr]);
    await sd.manager.systemctlOk(['daemon-reload']);
    await sd.manager.systemctlOk(['start', unit]);
    await sd.manager.waitFor(unit, 'ActiveState', ['active']);
    return unit;
  };

  beforeAll(async () => {
    reg = await startRegistry();
    NAME = `${reg.host}/test/app:latest`;
    // registries.conf: the unit's own `tpod run` pulls from this plain-http registry.
    mkdirSync(join(t.env.configHome, 'containers'), { recursive: true });
    writeFileSync(join(t.env.configHome, 'containers', 'registries.conf'), `[[registry]]\nlocation = "${reg.host}"\ninsecure = true\n`);
    layout = copyLayout(join(imageFixtures().dir, 'oci'));
    umoci(['config', '--image', `${layout}:busybox`, '--tag', 'v1', ...SERVE.flatMap((a) => ['--config.cmd', a])]);
    umoci(['config', '--image', `${layout}:v1`, '--tag', 'v2', '--config.label', 'version=2']);
    umoci(['config', '--image', `${layout}:v1`, '--tag', 'v3', '--config.label', 'version=3', '--config.cmd', '/no/such/command']);
    push('v1');
    await ok(['pull', '-q', NAME]);
  }, 180_000);

  afterAll(async () => {
    await reg?.stop();
    if (layout) rmSync(layout, { recursive: true, force: true });
  });

  it('nothing labelled: no output, exit 0', async () => {
    const r = await ok(['auto-update']);
    expect(r.stdout).toBe('');
  });

  it('registry: false while the registry has the same image; the table as Podman prints it', async () => {
    const unit = await serveInUnit('au-reg', ['--label', 'io.containers.autoupdate=registry', NAME]);
    expect(await imageOf('au-reg')).toBe(ids.v1);
    const id = (await ok(['inspect', '--format', '{{.Id}}', 'au-reg'])).stdout.trim();
    const r = await ok(['auto-update']);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^UNIT\s+CONTAINER\s+IMAGE\s+POLICY\s+UPDATED$/);
    expect(lines.slice(1)).toEqual([expect.stringMatching(new RegExp(`^${unit}\\s+${id.slice(0, 12)} \\(au-reg\\)\\s+${NAME.replace(/[.]/g, '\\.')}\\s+registry\\s+false$`))]);
    const j = rows(await ok(['auto-update', '--format', 'json']));
    expect(j).toEqual([{ Unit: unit, Container: `${id.slice(0, 12)} (au-reg)`, ContainerName: 'au-reg', ContainerID: id, Image: NAME, Policy: 'registry', Updated: 'false' }]);
  });

  it('registry: --dry-run says pending and neither pulls nor restarts', async () => {
    push('v2');
    const before = await sd.manager.show('container-au-reg.service', 'ExecMainStartTimestampMonotonic');
    const r = await ok(['auto-update', '--dry-run', '--format', '{{.Unit}} {{.Image}} {{.Updated}}']);
    expect(r.stdout).toBe(`container-au-reg.service ${NAME} pending\n`);
    expect((await run(['image', 'exists', ids.v2])).code).toBe(1);
    expect(await sd.manager.show('container-au-reg.service', 'ExecMainStartTimestampMonotonic')).toBe(before);
    expect(await imageOf('au-reg')).toBe(ids.v1);
  });

  it('registry: a newer image is pulled and the unit restarted on it', async () => {
    const r = await ok(['auto-update', '--format', '{{.Unit}},{{.Image}},{{.Updated}},{{.Policy}}']);
    expect(r.stdout).toBe(`container-au-reg.service,${NAME},true,registry\n`);
    expect(r.stderr).toMatch(/Trying to pull/);
    await sd.manager.waitFor('container-au-reg.service', 'ActiveState', ['active']);
    expect(await until('the unit to run the new image', async () => (await imageOf('au-reg')) === ids.v2)).toBe(true);
    expect((await ok(['image', 'inspect', '--format', '{{.Id}}', NAME])).stdout.trim()).toBe(ids.v2);
    // Up to date again.
    expect((await ok(['auto-update', '--format', '{{.Updated}}'])).stdout).toBe('false\n');
  });

  it('registry: an image that cannot start is rolled back, and the unit runs the previous one', async () => {
    push('v3');
    const r = await ok(['auto-update', '--format', 'json']);
    expect(rows(r).map((x) => [x.ContainerName, x.Updated])).toEqual([['au-reg', 'rolled back']]);
    // A logrus warning (msg="..." with its quotes escaped when stderr is no terminal).
    expect(r.stderr).toMatch(/unit \\?"container-au-reg\.service\\?" did not restart with the new image .*rolled back to the previous image/);
    await sd.manager.waitFor('container-au-reg.service', 'ActiveState', ['active']);
    expect(await imageOf('au-reg')).toBe(ids.v2);
    expect((await ok(['image', 'inspect', '--format', '{{.Id}}', NAME])).stdout.trim()).toBe(ids.v2);
  });

  it('registry: --rollback=false leaves the unit failed, reports failed and exits 125', async () => {
    const r = await run(['auto-update', '--rollback=false', '--format', '{{.ContainerName}} {{.Updated}}']);
    expect(r.code, r.stderr).toBe(125);
    expect(r.stdout).toBe('au-reg failed\n');
    expect(r.stderr).toMatch(/Error: restarting unit "container-au-reg.service" with the new image failed: /);
    expect(await sd.manager.show('container-au-reg.service', 'ActiveState')).not.toBe('active');
    await sd.manager.systemctl(['stop', 'container-au-reg.service']);
    await sd.manager.systemctl(['reset-failed', 'container-au-reg.service']);
  });

  it('local: the name moved to another stored image: restart on it', async () => {
    await ok(['tag', ids.v1, 'localhost/app:latest']);
    const unit = await serveInUnit('au-local', ['--label', 'io.containers.autoupdate=local', 'localhost/app:latest']);
    expect((await ok(['auto-update', '--format', '{{.Unit}} {{.Updated}}'])).stdout).toBe(`${unit} false\n`);
    await ok(['tag', ids.v2, 'localhost/app:latest']);
    expect((await ok(['auto-update', '--dry-run', '--format', '{{.Unit}} {{.Policy}} {{.Updated}}'])).stdout).toBe(`${unit} local pending\n`);
    expect(await imageOf('au-local')).toBe(ids.v1);
    expect((await ok(['auto-update', '--format', '{{.Unit}} {{.Policy}} {{.Updated}}'])).stdout).toBe(`${unit} local true\n`);
    await sd.manager.waitFor(unit, 'ActiveState', ['active']);
    expect(await until('the unit to run the re-tagged image', async () => (await imageOf('au-local')) === ids.v2)).toBe(true);
  });

  it('local: an image that cannot start is rolled back (the name goes back to the previous image)', async () => {
    await ok(['tag', ids.v3, 'localhost/app:latest']);
    const r = await ok(['auto-update', '--format', '{{.ContainerName}} {{.Updated}}']);
    expect(r.stdout).toBe('au-local rolled back\n');
    await sd.manager.waitFor('container-au-local.service', 'ActiveState', ['active']);
    expect(await imageOf('au-local')).toBe(ids.v2);
    expect((await ok(['image', 'inspect', '--format', '{{.Id}}', 'localhost/app:latest'])).stdout.trim()).toBe(ids.v2);
  });

  it('a Quadlet unit with AutoUpdate=local is updated the same way', async () => {
    await ok(['tag', ids.v1, 'localhost/quad:latest']);
    const file = join(t.env.base, 'au-q.container');
    writeFileSync(file, '[Container]\nImage=localhost/quad:latest\nAutoUpdate=local\n');
    await ok(['quadlet', 'install', file]);
    await sd.manager.systemctlOk(['start', 'au-q.service']);
    await sd.manager.waitFor('au-q.service', 'ActiveState', ['active']);
    expect(await imageOf('systemd-au-q')).toBe(ids.v1);
    await ok(['tag', ids.v2, 'localhost/quad:latest']);
    const r = await ok(['auto-update', '--format', '{{.Unit}} {{.ContainerName}} {{.Policy}} {{.Updated}}']);
    expect(r.stdout.split('\n')).toContain('au-q.service systemd-au-q local true');
    await sd.manager.waitFor('au-q.service', 'ActiveState', ['active']);
    expect(await until('the Quadlet unit to run the re-tagged image', async () => (await imageOf('systemd-au-q')) === ids.v2)).toBe(true);
    await sd.manager.systemctlOk(['stop', 'au-q.service']);
  });

  it('bad labels: an error naming each container, the others still reported, exit 125', async () => {
    const fake = (await ok(['run', '-d', '--name', 'au-fake', '--label', 'io.containers.autoupdate=fakevalue', '--label', 'PODMAN_SYSTEMD_UNIT=x.service', 'localhost/app:latest'])).stdout.trim();
    const nounit = (await ok(['run', '-d', '--name', 'au-nounit', '--label', 'io.containers.autoupdate=local', 'localhost/app:latest'])).stdout.trim();
    const r = await run(['auto-update', '--format', '{{.ContainerName}} {{.Updated}}']);
    expect(r.code).toBe(125);
    expect(r.stdout).toBe('au-local false\n');
    expect(r.stderr).toContain(`auto-updating container "au-fake" (${fake.slice(0, 12)}): invalid auto-update policy "fakevalue"`);
    expect(r.stderr).toContain(`auto-updating container "au-nounit" (${nounit.slice(0, 12)}): no PODMAN_SYSTEMD_UNIT label found`);
    await ok(['rm', '-f', '-t', '0', 'au-fake', 'au-nounit']);
  });

  it('bad flags are usage errors', async () => {
    const r = await run(['auto-update', '--rollback=maybe']);
    expect(r.code).toBe(125);
    expect(r.stderr).toMatch(/invalid argument "maybe" for "--rollback" flag/);
  });
});
