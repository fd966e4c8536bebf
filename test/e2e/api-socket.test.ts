// The Docker API through systemd socket activation, under a real `systemd --user`
// (test/e2e/systemd-user.ts): the units install.sh writes (scripts/user-units.mjs), run
// through tpod's launcher script (it execs node, so the pid systemd passed the socket to
// is the one that takes it). Enabling tpod.socket makes the socket and starts nothing; the
// first request starts tpod.service; after its idle time (short here, from a drop-in) the
// service exits cleanly while the socket keeps listening, and the next request starts it
// again.
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { expect, it } from 'vitest';
import { isExecutable, run, tpodBin, until, useEnv } from './harness.js';
import { apiRequest, docker, socketOf, type Service } from './api-harness.js';
import { describeSystemd, useUserManager } from './systemd-user.js';
import { userUnits, writeUserUnits } from '../../scripts/user-units.mjs';

const t = useEnv('api-socket');
const sd = useUserManager(t);

/** The launcher script when the tpod under test is a build's tpod.js (dist/tpod beside it). */
function launcherOf(bin: string): string {
  const sibling = join(dirname(bin), 'tpod');
  return basename(bin) === 'tpod.js' && isExecutable(sibling) ? sibling : bin;
}

/** The service's main process, once systemd reports it running. */
async function mainPid(): Promise<number> {
  const m = sd.manager;
  await m.waitFor('tpod.service', 'ActiveState', ['active']);
  const pid = Number(await m.show('tpod.service', 'MainPID'));
  expect(pid).toBeGreaterThan(0);
  return pid;
}

describeSystemd('api: tpod.socket and tpod.service under systemd --user', () => {
  it('starts the service on the first request, lets it exit when idle, and starts it again', async () => {
    const m = sd.manager;
    const tpod = launcherOf(tpodBin());
    writeUserUnits(tpod, m.unitDir);
    // The installed ExecStart with a one-second idle time instead of the default five.
    const execStart = /^ExecStart=(.*)$/m.exec(userUnits(tpod)['tpod.service'])![1]!;
    mkdirSync(join(m.unitDir, 'tpod.service.d'), { recursive: true });
    writeFileSync(join(m.unitDir, 'tpod.service.d', 'time.conf'), `[Service]\nExecStart=\nExecStart=${execStart} --time 1\n`);
    await m.systemctlOk(['daemon-reload']);
    expect(await m.show('tpod.service', 'LoadState')).toBe('loaded');

    await m.systemctlOk(['enable', '--now', 'tpod.socket']);
    expect(existsSync(join(m.unitDir, 'sockets.target.wants', 'tpod.socket'))).toBe(true);
    const sock = socketOf(t.env);
    expect(await m.show('tpod.socket', 'ActiveState')).toBe('active');
    expect(statSync(sock).isSocket()).toBe(true);
    expect(statSync(sock).mode & 0o777).toBe(0o600);
    expect(statSync(dirname(sock)).mode & 0o777).toBe(0o700);
    // Listening alone starts nothing.
    expect(await m.show('tpod.service', 'ActiveState')).toBe('inactive');

    const first = await apiRequest(sock, 'GET', '/_ping');
    expect(first.status).toBe(200);
    expect(first.body).toBe('OK');
    const pid1 = await mainPid();
    // The launcher exec'd node in the process systemd started: the LISTEN_PID it was given.
    expect(readFileSync(`/proc/${pid1}/comm`, 'utf8').trim()).toBe('node');
    expect(readFileSync(`/proc/${pid1}/cmdline`, 'utf8').split('\0')).toEqual(expect.arrayContaining(['system', 'service', '--time', '1']));
    // The docker CLI through the same socket, with DOCKER_HOST alone.
    const svc = { socket: sock, dockerHost: `unix://${sock}` } as Service;
    const v = await docker(svc, ['version', '--format', '{{.Server.APIVersion}}'], { env: t.env });
    expect(v.stderr).toBe('');
    expect(v.stdout.trim()).toBe('1.41');

    // Idle for its --time: the service exits on its own, cleanly, and the socket stays.
    await m.waitFor('tpod.service', 'ActiveState', ['inactive', 'failed']);
    expect(await m.show('tpod.service', 'Result')).toBe('success');
    expect(await m.show('tpod.service', 'ExecMainStatus')).toBe('0');
    expect(await m.show('tpod.socket', 'ActiveState')).toBe('active');
    expect(statSync(sock).isSocket()).toBe(true);
    await until(`pid ${pid1} to be gone`, () => !existsSync(`/proc/${pid1}`));

    // The next request starts it again.
    const second = await apiRequest(sock, 'GET', '/v1.41/version');
    expect(second.status).toBe(200);
    expect((second.json() as { ApiVersion: string }).ApiVersion).toBe('1.41');
    const pid2 = await mainPid();
    expect(pid2).not.toBe(pid1);
    await m.waitFor('tpod.service', 'ActiveState', ['inactive', 'failed']);
    expect(await m.show('tpod.service', 'Result')).toBe('success');

    await m.systemctlOk(['disable', '--now', 'tpod.socket']);
    expect(await m.show('tpod.socket', 'ActiveState')).toBe('inactive');
  });

  it('the units pass systemd-analyze verify', async () => {
    const m = sd.manager;
    const r = await m.systemctl(['cat', 'tpod.socket', 'tpod.service']);
    expect(r.code).toBe(0);
    // --man=no: whether man finds tpod-system-service(1) depends on the install, not the units.
    const v = await run('systemd-analyze', ['--user', '--man=no', 'verify', join(m.unitDir, 'tpod.socket'), join(m.unitDir, 'tpod.service')], { env: t.env, extraEnv: m.vars });
    expect(v.stderr).toBe('');
    expect(v.code).toBe(0);
  });
});
