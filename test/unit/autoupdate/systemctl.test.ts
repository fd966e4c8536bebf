// The systemctl runner against a stand-in `systemctl` script that records its
// arguments, and the restart check (job result, then is-active until it settles).
import { describe, it, expect, afterAll } from 'vitest';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { restartUnit, systemctlRunner, unitManager, type UnitManager } from '../../../src/autoupdate/systemctl.js';

const dir = mkdtempSync(join(tmpdir(), 'tpod-systemctl-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function fakeSystemctl(script: string): string {
  const p = join(dir, `systemctl-${Math.random().toString(36).slice(2)}`);
  writeFileSync(p, `#!/bin/sh\necho "$*" >> ${dir}/log\n${script}\n`);
  chmodSync(p, 0o755);
  return p;
}

describe('systemctl runner', () => {
  it('guards against a unit label read as an option: the unit comes after --', async () => {
    const cmd = fakeSystemctl('case "$2" in is-active) echo active;; esac; exit 0');
    const m = unitManager(systemctlRunner({ user: true, command: cmd }));
    expect((await m.restart('-evil.service')).code).toBe(0);
    expect(await m.isActive('-evil.service')).toBe('active');
    expect(readFileSync(join(dir, 'log'), 'utf8')).toBe('--user restart -- -evil.service\n--user is-active -- -evil.service\n');
  });
  it('a failed job reports systemctl\'s words', async () => {
    const cmd = fakeSystemctl('echo "Job for x.service failed because the control process exited with error code." >&2; exit 1');
    const m = unitManager(systemctlRunner({ user: false, command: cmd }));
    expect(await restartUnit(m, 'x.service')).toBe('Job for x.service failed because the control process exited with error code.');
  });
  it('a missing systemctl is a failure in words, not a crash', async () => {
    const m = unitManager(systemctlRunner({ user: true, command: join(dir, 'no-such-systemctl') }));
    expect(await restartUnit(m, 'x.service')).toMatch(/cannot run .*no-such-systemctl/);
    expect(await m.ping()).toMatch(/cannot run .*no-such-systemctl/);
  });
  it('ping: a manager that answers, and one that does not', async () => {
    expect(await unitManager(systemctlRunner({ user: true, command: fakeSystemctl('exit 0') })).ping()).toBeUndefined();
    const down = fakeSystemctl('echo "Failed to connect to bus: No such file or directory" >&2; exit 1');
    expect(await unitManager(systemctlRunner({ user: true, command: down })).ping()).toBe('Failed to connect to bus: No such file or directory');
  });
});

describe('restart check', () => {
  const seq = (states: string[], code = 0): UnitManager & { asked: number } => {
    const m = {
      asked: 0,
      restart: async () => ({ code, stdout: '', stderr: '' }),
      isActive: async () => states[Math.min(m.asked++, states.length - 1)]!,
      ping: async () => undefined,
    };
    return m;
  };
  const fast = { sleep: async () => undefined, settleMs: 60_000 };
  it('active after the job: good', async () => {
    expect(await restartUnit(seq(['active']), 'u', fast)).toBeUndefined();
  });
  it('waits while activating, then takes the settled state', async () => {
    const m = seq(['activating', 'activating', 'active']);
    expect(await restartUnit(m, 'u', fast)).toBeUndefined();
    expect(m.asked).toBe(3);
    expect(await restartUnit(seq(['activating', 'failed']), 'u', fast)).toBe('the unit is failed after the restart');
  });
  it('a unit still activating when the time is up (Restart= looping) is not good', async () => {
    expect(await restartUnit(seq(['activating']), 'u', { sleep: async () => undefined, settleMs: 0 })).toBe('the unit is activating after the restart');
  });
  it('inactive (the container exited at once) is not good', async () => {
    expect(await restartUnit(seq(['inactive']), 'u', fast)).toBe('the unit is inactive after the restart');
  });
});
