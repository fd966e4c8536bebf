// generate systemd end to end: units written by tpod run under a real `systemd --user`
// (test/e2e/systemd-user.ts) as the unprivileged user, with the test's private storage.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { busyboxImage, freePort, helperDirFor, httpBody, run, tpod, tpodBin, tpodOk, until, useEnv, type RunResult } from './harness.js';
import { describeSystemd, useUserManager, type UserManager } from './systemd-user.js';

const t = useEnv('gen-systemd');
const sd = useUserManager(t);

function comm(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
}

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

/** A tpod process (node running the bundle or snapshot) or one of its helpers, not a monitor. */
function isTpodCli(pid: number): boolean {
  const c = comm(pid);
  if (c === 'tpod-monitor') return false;
  return c === 'node' || c === 'tpod' || c === 'tpod-helper' || /^\S*node /.test(cmdline(pid));
}

/** A container that serves GET / with "hello" and ends with exit 0 on SIGTERM. */
const SERVE = "mkdir -p /www && echo hello > /www/index.html && trap 'exit 0' TERM; httpd -f -p 8080 -h /www & wait";

/**
 * systemd-analyze verify also checks that Documentation= man pages exist: a build's
 * pages are beside its helpers (dist/man), an install's in the system's man path.
 */
async function verify(m: UserManager, files: string[]): Promise<RunResult> {
  const dir = helperDirFor();
  let man = {};
  if (dir && existsSync(join(dir, 'man', 'tpod-generate-systemd.1'))) {
    // man(1) wants MANPATH/man1/PAGE.1; a build keeps its pages flat.
    const root = join(t.env.base, 'manpath');
    if (!existsSync(root)) {
      mkdirSync(root);
      symlinkSync(join(dir, 'man'), join(root, 'man1'));
    }
    man = { MANPATH: `${root}:` };
  }
  // Without man(1) there is nothing to look Documentation= up with.
  const noMan = spawnSync('sh', ['-c', 'command -v man']).status !== 0 ? ['--man=no'] : [];
  return run('systemd-analyze', ['--user', 'verify', ...noMan, ...files], { env: t.env, extraEnv: { ...m.vars, ...man } });
}

async function generateFiles(args: string[]): Promise<string[]> {
  const r = await tpodOk(['generate', 'systemd', '--files', ...args], { env: t.env, cwd: sd.manager.unitDir });
  return r.stdout.trim().split('\n');
}

async function exists(name: string): Promise<boolean> {
  return (await tpod(['container', 'exists', name], { env: t.env })).code === 0;
}

describeSystemd('generate systemd under systemd --user', () => {
  it('--new: the unit creates the container, serves, is active only while it runs, restarts on failure, stops and removes it', { timeout: 240_000 }, async () => {
    const m = sd.manager;
    const image = await busyboxImage(t.env);
    const port = await freePort();
    await tpodOk(['create', '--name', 'web', '-p', `127.0.0.1:${port}:8080`, image, 'sh', '-c', SERVE], { env: t.env });
    const files = await generateFiles(['--new', '--name', 'web']);
    expect(files).toEqual([join(m.unitDir, 'container-web.service')]);
    const text = readFileSync(files[0]!, 'utf8');
    expect(text).toContain('Type=notify');
    expect(text).toContain('NotifyAccess=all');
    expect(text).toMatch(/ExecStart=\S+ run \\\n\t--cidfile=%t\/%n\.ctr-id/);
    const v = await verify(m, files);
    expect(v.stderr + v.stdout).toBe('');
    expect(v.code).toBe(0);
    // The unit brings its own container: the original goes, as with Podman's workflow.
    await tpodOk(['rm', 'web'], { env: t.env });

    await m.systemctlOk(['daemon-reload']);
    await m.systemctlOk(['start', 'container-web.service'], 90_000);
    // Type=notify: start returned once the monitor said READY=1, with itself as MAINPID.
    expect(await m.show('container-web.service', 'ActiveState')).toBe('active');
    const mainPid = Number(await m.show('container-web.service', 'MainPID'));
    expect(comm(mainPid)).toBe('tpod-monitor');
    expect(await until('the page', () => httpBody(`http://127.0.0.1:${port}/`))).toBe('hello\n');
    const ps = await tpodOk(['ps', '--format', '{{.Names}} {{.Labels}}'], { env: t.env });
    expect(ps.stdout).toContain('web');
    expect(ps.stdout).toContain('PODMAN_SYSTEMD_UNIT:container-web.service');
    const cidFile = join(t.env.runtimeDir, 'container-web.service.ctr-id');
    const firstId = readFileSync(cidFile, 'utf8').trim();
    expect(firstId).toMatch(/^[0-9a-f]{64}$/);

    // Only the monitor, the network helper and the container stay: no tpod process.
    const pids = await m.unitPids('container-web.service');
    expect(pids).toContain(mainPid);
    expect(pids.filter(isTpodCli).map((p) => `${p} ${comm(p)}: ${cmdline(p)}`)).toEqual([]);

    // A failure: the container's init is killed; the monitor exits 137 and systemd restarts.
    const initPid = Number((await tpodOk(['inspect', '--format', '{{.State.Pid}}', 'web'], { env: t.env })).stdout.trim());
    process.kill(initPid, 'SIGKILL');
    await m.waitFor('container-web.service', 'NRestarts', ['1'], 60_000);
    await m.waitFor('container-web.service', 'ActiveState', ['active'], 60_000);
    expect(await until('the page again', () => httpBody(`http://127.0.0.1:${port}/`), 30_000)).toBe('hello\n');
    const secondId = readFileSync(cidFile, 'utf8').trim();
    expect(secondId).not.toBe(firstId);
    expect(comm(Number(await m.show('container-web.service', 'MainPID')))).toBe('tpod-monitor');

    // Stop: the container ends (exit 0 on SIGTERM), the unit is inactive, the container gone.
    await m.systemctlOk(['stop', 'container-web.service'], 90_000);
    expect(await m.show('container-web.service', 'ActiveState')).toBe('inactive');
    expect(await m.show('container-web.service', 'Result')).toBe('success');
    expect(await exists('web')).toBe(false);
    expect(existsSync(cidFile)).toBe(false);
    expect(await m.unitPids('container-web.service')).toEqual([]);
    expect(await httpBody(`http://127.0.0.1:${port}/`)).toBeUndefined();
  });

  it('without --new: the unit starts and stops the existing container (Type=forking, the monitor as main pid)', { timeout: 180_000 }, async () => {
    const m = sd.manager;
    const image = await busyboxImage(t.env);
    const port = await freePort();
    await tpodOk(['create', '--name', 'kept', '-p', `127.0.0.1:${port}:8080`, image, 'sh', '-c', SERVE], { env: t.env });
    const files = await generateFiles(['--name', 'kept']);
    const text = readFileSync(files[0]!, 'utf8');
    expect(text).toContain('Type=forking');
    expect(text).toMatch(/PIDFile=\//);
    expect((await verify(m, files)).code).toBe(0);
    await m.systemctlOk(['daemon-reload']);
    await m.systemctlOk(['start', 'container-kept.service'], 90_000);
    expect(await m.show('container-kept.service', 'ActiveState')).toBe('active');
    expect(comm(Number(await m.show('container-kept.service', 'MainPID')))).toBe('tpod-monitor');
    expect(await until('the page', () => httpBody(`http://127.0.0.1:${port}/`))).toBe('hello\n');
    const pids = await m.unitPids('container-kept.service');
    expect(pids.filter(isTpodCli).map((p) => `${p} ${comm(p)}: ${cmdline(p)}`)).toEqual([]);
    await m.systemctlOk(['stop', 'container-kept.service'], 90_000);
    expect(await m.show('container-kept.service', 'ActiveState')).toBe('inactive');
    // The container stays, stopped.
    const st = await tpodOk(['inspect', '--format', '{{.State.Status}}', 'kept'], { env: t.env });
    expect(st.stdout.trim()).toBe('exited');
  });

  it('--sdnotify=container: the unit is active only once the container itself says READY=1', { timeout: 180_000 }, async (ctx) => {
    const m = sd.manager;
    const notify = notifyProgram(t.env.base);
    if (!notify) ctx.skip(); // no static C toolchain for the container's sd_notify client
    const image = await busyboxImage(t.env);
    await tpodOk(
      ['create', '--name', 'says', '--sdnotify=container', '--network', 'none', '-v', `${notify}:/notify:ro`, image, 'sh', '-c', "sleep 2; /notify 'READY=1'; trap 'exit 0' TERM; sleep 1000 & wait"],
      { env: t.env },
    );
    const files = await generateFiles(['--new', '--name', 'says']);
    const text = readFileSync(files[0]!, 'utf8');
    expect(text).toContain('--sdnotify=container');
    expect(text).not.toContain('--sdnotify=conmon');
    await tpodOk(['rm', 'says'], { env: t.env });
    await m.systemctlOk(['daemon-reload']);
    const t0 = Date.now();
    await m.systemctlOk(['start', 'container-says.service'], 90_000);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1900);
    expect(await m.show('container-says.service', 'ActiveState')).toBe('active');
    expect(comm(Number(await m.show('container-says.service', 'MainPID')))).toBe('tpod-monitor');
    await m.systemctlOk(['stop', 'container-says.service'], 90_000);
    expect(await exists('says')).toBe(false);
  });

  it('without --sdnotify under a Type=notify unit the container says READY=1 (Podman\'s default mode, container)', { timeout: 180_000 }, async (ctx) => {
    const m = sd.manager;
    const notify = notifyProgram(t.env.base);
    if (!notify) ctx.skip();
    const image = await busyboxImage(t.env);
    const argv = [tpodBin(), 'run', '-d', '--rm', '--name', 'plain', '--network', 'none', '-v', `${notify}:/notify:ro`, image, 'sh', '-c', "sleep 2; /notify 'READY=1'; trap 'exit 0' TERM; sleep 1000 & wait"];
    m.writeUnit('plain.service', [
      '[Service]',
      'Type=notify',
      'NotifyAccess=all',
      `ExecStart=${argv.map((a) => `"${a.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`).join(' ')}`,
      `ExecStop=${tpodBin()} stop -t 5 plain`,
      '',
    ].join('\n'));
    await m.systemctlOk(['daemon-reload']);
    const t0 = Date.now();
    await m.systemctlOk(['start', 'plain.service'], 90_000);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1900);
    expect(await m.show('plain.service', 'ActiveState')).toBe('active');
    expect(comm(Number(await m.show('plain.service', 'MainPID')))).toBe('tpod-monitor');
    expect(JSON.parse((await tpodOk(['inspect', 'plain'], { env: t.env })).stdout)[0].Config.sdNotifyMode).toBe('container');
    await m.systemctlOk(['stop', 'plain.service'], 90_000);
    await until('the --rm container to go', async () => !(await exists('plain')));
  });

  it('a pod: the pod unit brings up its members, serves on the pod port, and its stop takes them down (--new and not)', { timeout: 300_000 }, async () => {
    const m = sd.manager;
    const image = await busyboxImage(t.env);
    const port = await freePort();
    await tpodOk(['pod', 'create', '--name', 'pp', '-p', `127.0.0.1:${port}:8080`], { env: t.env });
    await tpodOk(['create', '--pod', 'pp', '--name', 'pm1', image, 'sh', '-c', SERVE], { env: t.env });
    await tpodOk(['create', '--pod', 'pp', '--name', 'pm2', image, 'sh', '-c', "trap 'exit 0' TERM; sleep 1000 & wait"], { env: t.env });

    // Without --new: the units start and stop the pod's existing containers.
    const kept = await generateFiles(['--name', 'pp']);
    expect(kept.map((f) => f.slice(m.unitDir.length + 1))).toEqual(['pod-pp.service', 'container-pm1.service', 'container-pm2.service']);
    expect((await verify(m, kept)).code).toBe(0);
    await m.systemctlOk(['daemon-reload']);
    await m.systemctlOk(['start', 'pod-pp.service'], 120_000);
    await m.waitFor('container-pm1.service', 'ActiveState', ['active'], 60_000);
    await m.waitFor('container-pm2.service', 'ActiveState', ['active'], 60_000);
    expect(comm(Number(await m.show('pod-pp.service', 'MainPID')))).toBe('tpod-monitor');
    expect(await until('the page', () => httpBody(`http://127.0.0.1:${port}/`), 30_000)).toBe('hello\n');
    await m.systemctlOk(['stop', 'pod-pp.service'], 120_000);
    expect(await m.show('container-pm1.service', 'ActiveState')).toBe('inactive');
    expect(await m.show('container-pm2.service', 'ActiveState')).toBe('inactive');
    expect((await tpod(['pod', 'exists', 'pp'], { env: t.env })).code).toBe(0);
    for (const f of kept) spawnSync('rm', ['-f', f]);

    // --new: the pod and its members are created at start and removed at stop.
    const fresh = await generateFiles(['--new', '--name', 'pp']);
    const v = await verify(m, fresh);
    expect(v.stdout + v.stderr).toBe('');
    await tpodOk(['pod', 'rm', '-f', 'pp'], { env: t.env });
    await m.systemctlOk(['daemon-reload']);
    await m.systemctlOk(['start', 'pod-pp.service'], 120_000);
    await m.waitFor('container-pm1.service', 'ActiveState', ['active'], 60_000);
    await m.waitFor('container-pm2.service', 'ActiveState', ['active'], 60_000);
    expect(await until('the page', () => httpBody(`http://127.0.0.1:${port}/`), 30_000)).toBe('hello\n');
    const ps = await tpodOk(['ps', '--pod', '--format', '{{.Names}} {{.PodName}}'], { env: t.env });
    expect(ps.stdout).toMatch(/pm1 pp/);
    expect(ps.stdout).toMatch(/pm2 pp/);
    for (const unit of ['pod-pp.service', 'container-pm1.service', 'container-pm2.service']) {
      const pids = await m.unitPids(unit);
      expect(pids.filter(isTpodCli).map((p) => `${unit}: ${p} ${comm(p)}: ${cmdline(p)}`)).toEqual([]);
    }
    await m.systemctlOk(['stop', 'pod-pp.service'], 120_000);
    expect(await m.show('container-pm1.service', 'ActiveState')).toBe('inactive');
    expect(await m.show('pod-pp.service', 'ActiveState')).toBe('inactive');
    expect((await tpod(['pod', 'exists', 'pp'], { env: t.env })).code).toBe(1);
    expect(await exists('pm1')).toBe(false);
    expect(await httpBody(`http://127.0.0.1:${port}/`)).toBeUndefined();
  });

  it('refuses unknown targets and --rm containers without --new, with clear messages', async () => {
    const image = await busyboxImage(t.env);
    const r = await tpod(['generate', 'systemd', 'nosuchthing'], { env: t.env });
    expect(r.code).toBe(125);
    expect(r.stderr).toMatch(/^Error: nosuchthing does not refer to a container or pod: .*no such pod.*no such container/);
    await tpodOk(['create', '--rm', '--name', 'once', image, 'true'], { env: t.env });
    const rm = await tpod(['generate', 'systemd', 'once'], { env: t.env });
    expect(rm.code).toBe(125);
    expect(rm.stderr).toMatch(/^Error: container "once" was created with --rm: .*--new/);
    expect(rm.stderr).not.toMatch(/\n\s+at /);
    const ok = await tpod(['generate', 'systemd', '--new', 'once'], { env: t.env });
    expect(ok.code).toBe(0);
    const bad = await tpod(['generate', 'systemd', '--restart-policy', 'sometimes', 'once'], { env: t.env });
    expect(bad.code).toBe(125);
    expect(bad.stderr).toContain('sometimes is not a valid restart policy');
  });

  it('run --cidfile refuses an existing file; stop/rm --cidfile --ignore accept a missing one', async () => {
    const image = await busyboxImage(t.env);
    const cid = join(t.env.base, 'ids', 'x.ctr-id');
    spawnSync('mkdir', ['-p', join(t.env.base, 'ids')]);
    writeFileSync(cid, 'taken\n');
    const r = await tpod(['run', '-d', '--cidfile', cid, image, 'true'], { env: t.env });
    expect(r.code).toBe(125);
    expect(r.stderr).toContain(`container id file exists. Ensure another container is not using it or delete ${cid}`);
    expect(readFileSync(cid, 'utf8')).toBe('taken\n');
    const rm0 = await tpod(['rm', '--cidfile', cid], { env: t.env });
    expect(rm0.code).toBe(1);

    const fresh = join(t.env.base, 'ids', 'y.ctr-id');
    const out = await tpodOk(['run', '-d', '--cidfile', fresh, '--name', 'cided', image, 'sleep', '1000'], { env: t.env });
    expect(readFileSync(fresh, 'utf8')).toBe(out.stdout.trim());
    const [ins] = JSON.parse((await tpodOk(['inspect', 'cided'], { env: t.env })).stdout) as Array<{ Config: { CreateCommand: string[] }; HostConfig: { ContainerIDFile: string } }>;
    expect(ins!.Config.CreateCommand).toEqual(['tpod', 'run', '-d', '--cidfile', fresh, '--name', 'cided', image, 'sleep', '1000']);
    expect(ins!.HostConfig.ContainerIDFile).toBe(fresh);
    await tpodOk(['stop', '-t', '0', '--cidfile', fresh], { env: t.env });
    await tpodOk(['rm', '--cidfile', fresh], { env: t.env });
    expect(existsSync(fresh)).toBe(false);
    expect(await exists('cided')).toBe(false);
    await tpodOk(['stop', '--ignore', '--cidfile', fresh], { env: t.env });
    await tpodOk(['rm', '-f', '--ignore', '--cidfile', fresh], { env: t.env });
    expect((await tpod(['stop', '--cidfile', fresh], { env: t.env })).code).toBe(125);
    // --replace takes the name from the container that holds it.
    await tpodOk(['run', '-d', '--name', 'twice', '--stop-timeout', '1', image, 'sleep', '1000'], { env: t.env });
    const second = await tpodOk(['run', '-d', '--replace', '--name', 'twice', image, 'sleep', '1000'], { env: t.env });
    const id = (await tpodOk(['inspect', '--format', '{{.Id}}', 'twice'], { env: t.env })).stdout.trim();
    expect(id).toBe(second.stdout.trim());
    await tpodOk(['rm', '-f', '-t', '0', 'twice'], { env: t.env });
  });
});

/** A static sd_notify client for the busybox image: sends argv[1] to $NOTIFY_SOCKET. */
function notifyProgram(dir: string): string | undefined {
  const src = join(dir, 'notify.c');
  const bin = join(dir, 'notify');
  if (existsSync(bin)) return bin;
  writeFileSync(
    src,
    `#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
int main(int argc, char **argv) {
  const char *p = getenv("NOTIFY_SOCKET");
  struct sockaddr_un a = { .sun_family = AF_UNIX };
  int fd = socket(AF_UNIX, SOCK_DGRAM, 0);
  if (!p || argc < 2 || fd < 0 || strlen(p) >= sizeof a.sun_path) return 2;
  strcpy(a.sun_path, p);
  return sendto(fd, argv[1], strlen(argv[1]), 0, (struct sockaddr *) &a, sizeof a) < 0;
}
`,
  );
  const r = spawnSync('cc', ['-static', '-O2', '-o', bin, src], { encoding: 'utf8' });
  return r.status === 0 && readdirSync(dir).includes('notify') ? bin : undefined;
}
