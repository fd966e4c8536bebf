// The systemd --user test bed itself (systemd-user.ts): a manager per test env, in a
// cgroup of its own, with the env's directories, several at once, nothing left after.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { cleanup, makeEnv, useEnv } from './harness.js';
import { describeSystemd, ownCgroupDir, startUserManager, useUserManager } from './systemd-user.js';

const t = useEnv('systemd-bed');
const sd = useUserManager(t);

function alive(pid: number): boolean {
  try {
    return !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ');
  } catch {
    return false;
  }
}

describeSystemd('systemd --user test bed', () => {
  it('runs units in a sub-cgroup of the test, with the env of the test', async () => {
    const m = sd.manager;
    expect(m.cgroup.startsWith(ownCgroupDir()! + '/')).toBe(true);
    expect(ownCgroupDir(m.pid)).toBe(join(m.cgroup, 'init.scope'));
    const out = join(t.env.base, 'bed-out');
    m.writeUnit(
      'bed.service',
      `[Service]\nType=notify\nNotifyAccess=all\nExecStart=/bin/sh -c 'echo "$XDG_DATA_HOME $XDG_RUNTIME_DIR $HOME" > ${out}; systemd-notify --ready; exec sleep 300'\n`,
    );
    await m.systemctlOk(['daemon-reload']);
    await m.systemctlOk(['start', 'bed.service']);
    expect(await m.show('bed.service', 'ActiveState')).toBe('active');
    expect(readFileSync(out, 'utf8').trim()).toBe(`${t.env.dataHome} ${t.env.runtimeDir} ${t.env.home}`);
    const cg = await m.unitCgroup('bed.service');
    expect(cg?.startsWith(m.cgroup + '/')).toBe(true);
    const pids = await m.unitPids('bed.service');
    expect(pids.length).toBeGreaterThan(0);
    await m.systemctlOk(['stop', 'bed.service']);
    expect(await m.show('bed.service', 'ActiveState')).toBe('inactive');
  });

  it('runs two managers at once, and stop() leaves no process and no cgroup behind', async () => {
    const env2 = makeEnv('systemd-bed2');
    try {
      const m2 = await startUserManager(env2);
      m2.writeUnit('sleeper.service', '[Service]\nExecStart=/bin/sleep 300\n');
      await m2.systemctlOk(['daemon-reload']);
      await m2.systemctlOk(['start', 'sleeper.service']);
      const pids = await m2.unitPids('sleeper.service');
      expect(pids.length).toBe(1);
      // The first manager does not see the second one's unit.
      expect(await sd.manager.show('sleeper.service', 'LoadState')).toBe('not-found');
      await m2.stop();
      expect(alive(m2.pid)).toBe(false);
      for (const p of pids) expect(alive(p)).toBe(false);
      expect(existsSync(m2.cgroup)).toBe(false);
    } finally {
      await cleanup(env2);
    }
  });
});
