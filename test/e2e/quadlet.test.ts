// Quadlet end to end, as the unprivileged user, under a real `systemd --user`
// (test/e2e/systemd-user.ts): a .container file installed with `tpod quadlet install`
// becomes a service that runs busybox httpd on a published loopback port; stopping the
// service removes the container; .pod, .volume and .network files make what the
// containers use first; systemd-analyze accepts every generated unit; the
// system-wide generator (where installed) makes the same units on daemon-reload. Also,
// without a manager: the errors and warnings of bad Quadlet files.
import { expect, it, beforeAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { busyboxImage, describeE2E, freePort, httpGet, run, tpod, tpodOk, useEnv, waitForPage, type TpodEnv } from './harness.js';
import { describeSystemd, useUserManager } from './systemd-user.js';

const t = useEnv('quadlet');
const sd = useUserManager(t);

const GENERATOR_DIRS = ['/run/systemd/user-generators', '/etc/systemd/user-generators', '/usr/local/lib/systemd/user-generators', '/usr/lib/systemd/user-generators'];
const installedGenerator = GENERATOR_DIRS.map((d) => join(d, 'tpod-user-generator')).find((p) => existsSync(p));

/** A directory of Quadlet sources (outside the Quadlet dirs). */
function sourceDir(env: TpodEnv): string {
  const d = join(env.base, 'quadlet-src');
  mkdirSync(d, { recursive: true });
  return d;
}

function writeSource(env: TpodEnv, name: string, text: string): string {
  const p = join(sourceDir(env), name);
  writeFileSync(p, text);
  return p;
}

/** Acts as a host without tpod's generator: `quadlet install` writes the units itself. */
const noGenerator = (env: TpodEnv): NodeJS.ProcessEnv => {
  const d = join(env.base, 'no-generators');
  mkdirSync(d, { recursive: true });
  return { TPOD_USER_GENERATOR_DIRS: d };
};

const httpdContainer = (image: string, port: number, extra = ''): string =>
  [
    '[Unit]',
    'Description=busybox httpd from a Quadlet file',
    '',
    '[Container]',
    `Image=${image}`,
    `PublishPort=127.0.0.1:${port}:80`,
    'Environment=GREETING=hello-from-quadlet',
    // PID 1 of the container ignores SIGTERM unless it handles it: the shell does, so
    // `systemctl stop` ends the service cleanly (a container killed by a signal leaves the
    // unit "failed", as with Podman).
    `Exec=sh -c 'mkdir -p /www && echo $GREETING > /www/index.html && httpd -f -p 80 -h /www & trap "kill $!; exit 0" TERM; wait'`,
    extra,
    '',
    '[Service]',
    'TimeoutStartSec=120',
    '',
    '[Install]',
    'WantedBy=default.target',
    '',
  ].join('\n');

describeSystemd('Quadlet under systemd --user', () => {
  let image: string;
  beforeAll(async () => {
    image = await busyboxImage(t.env);
  });

  it('a .container file with PublishPort becomes a running service reachable on the host port', async () => {
    const m = sd.manager;
    const port = await freePort();
    const src = writeSource(t.env, 'web.container', httpdContainer(image, port));
    const inst = await tpodOk(['quadlet', 'install', src], { env: t.env, extraEnv: { ...m.vars, ...noGenerator(t.env) } });
    expect(inst.stdout.trim()).toBe(join(t.env.configHome, 'containers', 'systemd', 'web.container'));
    // Written by install (no generator here) and loaded by its daemon-reload.
    expect(readFileSync(join(m.unitDir, 'web.service'), 'utf8')).toMatch(/^ExecStart=\S+ run --name systemd-%N --cidfile=%t\/%N\.cid --replace --rm --cgroups=split --sdnotify=conmon -d /m);
    expect(await m.show('web.service', 'LoadState')).toBe('loaded');
    expect(existsSync(join(m.unitDir, 'default.target.wants', 'web.service'))).toBe(true);

    await m.systemctlOk(['start', 'web.service'], 150_000);
    expect(await m.show('web.service', 'ActiveState')).toBe('active');
    const page = await waitForPage(`http://127.0.0.1:${port}/`);
    expect(page.trim()).toBe('hello-from-quadlet');

    // The container has the unit's name and its ID is in %t/web.cid; the monitor is the main process.
    const ps = await tpodOk(['ps', '--format', '{{.Names}} {{.ID}}'], { env: t.env });
    const line = ps.stdout.split('\n').find((l) => l.startsWith('systemd-web '));
    expect(line).toBeDefined();
    const cid = readFileSync(join(t.env.runtimeDir, 'web.cid'), 'utf8').trim();
    expect(cid.startsWith(line!.split(' ')[1]!)).toBe(true);
    const mainPid = Number(await m.show('web.service', 'MainPID'));
    expect(mainPid).toBeGreaterThan(0);
    expect(readFileSync(`/proc/${mainPid}/comm`, 'utf8').trim()).toMatch(/tpod-monitor/);

    const list = await tpodOk(['quadlet', 'list', '--format', '{{.Name}} {{.UnitName}} {{.Status}}'], { env: t.env, extraEnv: m.vars });
    expect(list.stdout.trim()).toBe('web.container web.service active/running');

    await m.systemctlOk(['stop', 'web.service'], 90_000);
    expect(await m.show('web.service', 'ActiveState')).toBe('inactive');
    // success: the trap ended it on SIGTERM (a kill after the stop timeout leaves it failed).
    expect(await m.show('web.service', 'Result')).toBe('success');
    expect((await tpodOk(['ps', '-a', '--format', '{{.Names}}'], { env: t.env })).stdout).not.toMatch(/systemd-web/);
    expect(existsSync(join(t.env.runtimeDir, 'web.cid'))).toBe(false);
    expect(await httpGet(`http://127.0.0.1:${port}/`)).toBeUndefined();

    const rm = await tpodOk(['quadlet', 'rm', 'web.container'], { env: t.env, extraEnv: { ...m.vars, ...noGenerator(t.env) } });
    expect(rm.stdout.trim()).toBe('web.container');
    expect(existsSync(join(m.unitDir, 'web.service'))).toBe(false);
    expect(await m.show('web.service', 'LoadState')).toBe('not-found');
  });

  it('rm refuses a running Quadlet without --force, and stops it with --force', async () => {
    const m = sd.manager;
    const src = writeSource(t.env, 'sleeper.container', `[Container]\nImage=${image}\nExec=sleep 1000\nStopTimeout=1\n`);
    await tpodOk(['quadlet', 'install', src], { env: t.env, extraEnv: { ...m.vars, ...noGenerator(t.env) } });
    await m.systemctlOk(['start', 'sleeper.service'], 150_000);
    const refused = await tpod(['quadlet', 'rm', 'sleeper.container'], { env: t.env, extraEnv: { ...m.vars, ...noGenerator(t.env) } });
    expect(refused.code).toBe(125);
    expect(refused.stderr).toMatch(/sleeper\.container is running \(sleeper\.service is active\): stop it first, or use --force/);
    await tpodOk(['quadlet', 'rm', '--force', 'sleeper.container'], { env: t.env, extraEnv: { ...m.vars, ...noGenerator(t.env) } });
    expect(await m.show('sleeper.service', 'LoadState')).toBe('not-found');
    expect((await tpodOk(['ps', '-a', '--format', '{{.Names}}'], { env: t.env })).stdout).not.toMatch(/systemd-sleeper/);
  });

  it('a .pod file starts its containers: httpd in the pod answers on the pod\'s published port; stopping the pod removes all', async () => {
    const m = sd.manager;
    const port = await freePort();
    const pod = writeSource(t.env, 'site.pod', `[Pod]\nPublishPort=127.0.0.1:${port}:80\n`);
    const body = httpdContainer(image, port).replace(/^PublishPort=.*\n/m, '').replace('[Container]\n', '[Container]\nPod=site.pod\n');
    const app = writeSource(t.env, 'site-web.container', body);
    await tpodOk(['quadlet', 'install', pod, app], { env: t.env, extraEnv: { ...m.vars, ...noGenerator(t.env) } });
    await m.systemctlOk(['start', 'site-pod.service'], 150_000);
    // The pod's service wants its containers' services.
    await m.waitFor('site-web.service', 'ActiveState', ['active'], 60_000);
    const page = await waitForPage(`http://127.0.0.1:${port}/`);
    expect(page.trim()).toBe('hello-from-quadlet');
    const pods = await tpodOk(['pod', 'ps', '--format', '{{.Name}} {{.Status}}'], { env: t.env });
    expect(pods.stdout.trim()).toBe('systemd-site Running');
    await m.systemctlOk(['stop', 'site-pod.service'], 90_000);
    expect(await m.show('site-web.service', 'ActiveState')).toBe('inactive');
    expect((await tpodOk(['pod', 'ps', '-q'], { env: t.env })).stdout.trim()).toBe('');
    expect((await tpodOk(['ps', '-a', '-q'], { env: t.env })).stdout.trim()).toBe('');
    await tpodOk(['quadlet', 'rm', 'site.pod', 'site-web.container'], { env: t.env, extraEnv: { ...m.vars, ...noGenerator(t.env) } });
  });

  it('a .volume file makes its volume before the container that uses it (Volume= and Mount=); the volume outlives the service', async () => {
    const m = sd.manager;
    const vol = writeSource(t.env, 'data.volume', '[Volume]\nLabel=app=db\n');
    const ctr = writeSource(t.env, 'db.container', [
      '[Container]',
      `Image=${image}`,
      'Volume=data.volume:/data',
      'Mount=type=volume,source=data.volume,destination=/again',
      'Mount=type=tmpfs,destination=/scratch',
      'StopTimeout=1',
      `Exec=sh -c 'echo kept > /data/f; grep " /scratch " /proc/mounts | cut -d" " -f3 > /again/scratch-fs; exec sleep 1000'`,
      '',
    ].join('\n'));
    await tpodOk(['quadlet', 'install', vol, ctr], { env: t.env, extraEnv: { ...m.vars, ...noGenerator(t.env) } });
    expect(readFileSync(join(m.unitDir, 'db.service'), 'utf8')).toMatch(/^Requires=data-volume\.service$/m);
    await m.systemctlOk(['start', 'db.service'], 150_000);
    expect(await m.show('data-volume.service', 'ActiveState')).toBe('active');
    const data = join(t.env.dataHome, 'tpod', 'volumes', 'systemd-data', '_data');
    const deadline = Date.now() + 60_000;
    while (!existsSync(join(data, 'scratch-fs')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect(readFileSync(join(data, 'f'), 'utf8')).toBe('kept\n');
    expect(readFileSync(join(data, 'scratch-fs'), 'utf8')).toBe('tmpfs\n');
    expect((await tpodOk(['volume', 'inspect', '--format', '{{.Labels}}', 'systemd-data'], { env: t.env })).stdout).toMatch(/app:db/);
    await m.systemctlOk(['stop', 'db.service'], 90_000);
    await tpodOk(['quadlet', 'rm', 'db.container', 'data.volume'], { env: t.env, extraEnv: { ...m.vars, ...noGenerator(t.env) } });
    expect((await tpodOk(['volume', 'exists', 'systemd-data'], { env: t.env })).code).toBe(0);
    await tpodOk(['volume', 'rm', 'systemd-data'], { env: t.env });
  });

  it('a .network file makes its network before the container on it, which others there reach by name', async () => {
    const m = sd.manager;
    const net = writeSource(t.env, 'backend.network', '[Network]\nSubnet=10.89.201.0/24\nLabel=app=shop\n');
    const ctr = writeSource(t.env, 'shop.container', [
      '[Container]',
      `Image=${image}`,
      'Network=backend.network',
      'NetworkAlias=store',
      'StopTimeout=1',
      `Exec=sh -c 'mkdir -p /www && echo shop-on-network > /www/index.html && exec httpd -f -p 80 -h /www'`,
      '',
    ].join('\n'));
    await tpodOk(['quadlet', 'install', net, ctr], { env: t.env, extraEnv: { ...m.vars, ...noGenerator(t.env) } });
    const unit = readFileSync(join(m.unitDir, 'shop.service'), 'utf8');
    expect(unit).toMatch(/^Requires=backend-network\.service$/m);
    expect(unit).toMatch(/--network systemd-backend/);
    await m.systemctlOk(['start', 'shop.service'], 150_000);
    expect(await m.show('backend-network.service', 'ActiveState')).toBe('active');
    const [inspected] = JSON.parse((await tpodOk(['network', 'inspect', 'systemd-backend'], { env: t.env })).stdout) as Array<{ labels: Record<string, string>; subnets: Array<{ subnet: string }> }>;
    expect(inspected!.labels).toEqual({ app: 'shop' });
    expect(inspected!.subnets[0]!.subnet).toBe('10.89.201.0/24');
    for (const host of ['systemd-shop', 'store']) {
      const got = await tpodOk(['run', '--rm', '--network', 'systemd-backend', image, 'sh', '-c', `timeout 10 wget -qO- http://${host}/`], { env: t.env, timeout: 60_000 });
      expect(got.stdout.trim()).toBe('shop-on-network');
    }
    await m.systemctlOk(['stop', 'shop.service'], 90_000);
    await tpodOk(['quadlet', 'rm', 'shop.container', 'backend.network'], { env: t.env, extraEnv: { ...m.vars, ...noGenerator(t.env) } });
    // As with volumes, the network outlives its unit.
    expect((await tpod(['network', 'exists', 'systemd-backend'], { env: t.env })).code).toBe(0);
    await tpodOk(['network', 'rm', 'systemd-backend'], { env: t.env });
  });

  it('systemd-analyze --user verify accepts every generated unit', async () => {
    const m = sd.manager;
    const out = join(t.env.base, 'generated');
    const dir = join(t.env.configHome, 'containers', 'systemd');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'verify-web.container'), httpdContainer(image, 18080, 'Label=a=b\nVolume=/tmp:/host-tmp:ro\nNotify=no\nRunInit=yes'));
    writeFileSync(join(dir, 'verify-base.image'), '[Image]\nImage=localhost/busybox:latest\n');
    writeFileSync(join(dir, 'verify-app.container'), '[Unit]\nAfter=verify-web.container\n[Container]\nImage=verify-base.image\nNetwork=verify-web.container\nExec=sleep 100\n');
    writeFileSync(join(dir, 'verify-pod.pod'), '[Pod]\nPublishPort=127.0.0.1:18081:80\n');
    writeFileSync(join(dir, 'verify-member.container'), '[Container]\nImage=localhost/busybox:latest\nPod=verify-pod.pod\nExec=sleep 100\n');
    try {
      const gen = await tpod(['quadlet', 'generate', '--user', out], { env: t.env, extraEnv: m.vars });
      expect(gen.stderr).toBe('');
      expect(gen.code).toBe(0);
      const units = readdirSync(out).filter((f) => f.startsWith('verify-') || f.startsWith('tpod-')).sort();
      expect(units).toEqual(['tpod-user-wait-network-online.service', 'verify-app.service', 'verify-base-image.service', 'verify-member.service', 'verify-pod-pod.service', 'verify-web.service']);
      const v = await run('systemd-analyze', ['--user', 'verify', ...units.map((u) => join(out, u))], { env: t.env, extraEnv: m.vars, timeout: 60_000 });
      expect(v.stderr).toBe('');
      expect(v.code).toBe(0);
    } finally {
      for (const f of ['verify-web.container', 'verify-base.image', 'verify-app.container', 'verify-pod.pod', 'verify-member.container']) spawnSync('rm', ['-f', join(dir, f)]);
    }
  });

  // install.sh installs the generator when run as root, as CI does: there it must exist.
  it.skipIf(!installedGenerator && process.env.CI !== 'true')('the installed generator makes the units on daemon-reload', async () => {
    expect(installedGenerator, `no tpod-user-generator in ${GENERATOR_DIRS.join(', ')}: install.sh (as root) installs it`).toBeDefined();
    const m = sd.manager;
    const port = await freePort();
    const dir = join(t.env.configHome, 'containers', 'systemd');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'genweb.container'), httpdContainer(image, port));
    try {
      await m.systemctlOk(['daemon-reload']);
      expect(await m.show('genweb.service', 'FragmentPath')).toBe(join(t.env.runtimeDir, 'systemd', 'generator', 'genweb.service'));
      // [Install] WantedBy= became a link the generator made itself.
      expect(existsSync(join(t.env.runtimeDir, 'systemd', 'generator', 'default.target.wants', 'genweb.service'))).toBe(true);
      await m.systemctlOk(['start', 'genweb.service'], 150_000);
      const page = await waitForPage(`http://127.0.0.1:${port}/`);
      expect(page.trim()).toBe('hello-from-quadlet');
      await m.systemctlOk(['stop', 'genweb.service'], 90_000);
    } finally {
      spawnSync('rm', ['-f', join(dir, 'genweb.container')]);
      await m.systemctl(['daemon-reload']);
    }
  });
});

describeE2E('Quadlet files with mistakes', () => {
  it('a .container without Image= is refused with a clear message, and nothing is installed', async () => {
    const src = writeSource(t.env, 'noimage.container', '[Container]\nExec=sleep 1\n');
    const r = await tpod(['quadlet', 'install', '--reload-systemd=false', src], { env: t.env, extraEnv: noGenerator(t.env) });
    expect(r.code).toBe(125);
    expect(r.stderr).toBe(`Error: ${src}: no Image= in the [Container] section: a .container file must name the image to run (e.g. Image=docker.io/library/nginx:latest)\n`);
    expect(existsSync(join(t.env.configHome, 'containers', 'systemd', 'noimage.container'))).toBe(false);
  });

  it('unknown keys are warned about with FILE:LINE; the unit is still made', async () => {
    const src = writeSource(t.env, 'typo.container', '[Container]\nImage=localhost/busybox:latest\nImagePull=always\nExec=true\n');
    const r = await tpodOk(['quadlet', 'print', '--unit', src], { env: t.env });
    expect(r.stderr).toContain(`${src}:3: unknown key \\"ImagePull\\" in section [Container]; ignored`); // a logrus line: msg="..." with its quotes escaped
    expect(r.stdout).toMatch(/^ExecStart=.* run --name systemd-%N .* localhost\/busybox:latest true$/m);
    expect(r.stdout).toContain('[X-Container]');
  });

  it('a syntax error names FILE:LINE', async () => {
    const src = writeSource(t.env, 'broken.container', '[Container]\nImage=x\nnot a key value line\n');
    const r = await tpod(['quadlet', 'print', '--unit', src], { env: t.env });
    expect(r.code).toBe(125);
    expect(r.stderr).toBe(`Error: ${src}:3: "not a key value line" is not a [Section] header, a KEY=VALUE line or a comment\n`);
  });

  it('print shows the installed file; rm of an unknown name fails unless --ignore', async () => {
    const text = '[Container]\nImage=localhost/busybox:latest\n';
    const src = writeSource(t.env, 'shown.container', text);
    await tpodOk(['quadlet', 'install', '--reload-systemd=false', src], { env: t.env, extraEnv: noGenerator(t.env) });
    expect((await tpodOk(['quadlet', 'print', 'shown.container'], { env: t.env })).stdout).toBe(text);
    const missing = await tpod(['quadlet', 'rm', '--reload-systemd=false', 'nope.container'], { env: t.env });
    expect(missing.code).toBe(125);
    expect(missing.stderr).toBe('Error: no Quadlet or application named nope.container is installed\n');
    await tpodOk(['quadlet', 'rm', '--reload-systemd=false', '-i', 'nope.container', 'shown.container'], { env: t.env, extraEnv: noGenerator(t.env) });
    expect((await tpodOk(['quadlet', 'list', '--noheading'], { env: t.env })).stdout).not.toMatch(/shown\.container/);
  });
});
