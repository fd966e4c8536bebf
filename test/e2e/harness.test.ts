// The harness's own clean-up: a test file's env must leave nothing behind, including
// files owned by subordinate ids, mounts inside the pause process's namespace, and
// processes started in it.
import { expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { describeE2E, makeEnv, cleanup, tpodOk, pausePid, envProcesses, findPauses } from './harness.js';

function alive(pid: number): boolean {
  try {
    return !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ');
  } catch {
    return false;
  }
}

describeE2E('harness cleanup', () => {
  it('removes subuid-owned files, namespace mounts, stray processes and the pause process', async () => {
    const env = makeEnv('harness');
    const d = `${env.dataHome}/x`;
    await tpodOk(
      ['unshare', 'sh', '-c', `mkdir -p ${d}/m && touch ${d}/f && chown 1:1 ${d}/f ${d} && chmod 500 ${d} && mount -t tmpfs none ${d}/m && touch ${d}/m/g && (setsid sleep 1000 >/dev/null 2>&1 &)`],
      { env },
    );
    const pause = pausePid(env);
    expect(pause).toBeGreaterThan(0);
    const strays = envProcesses(env);
    expect(strays.length).toBeGreaterThan(0);

    await cleanup(env);
    expect(existsSync(env.base)).toBe(false);
    expect(alive(pause!)).toBe(false);
    for (const p of strays) expect(alive(p)).toBe(false);
  });

  it('also finds a pause process the test started under another --runroot', async () => {
    const env = makeEnv('harness-runroot');
    const runroot = `${env.base}/elsewhere`;
    await tpodOk(['--runroot', runroot, 'unshare', 'sh', '-c', `mkdir -p ${env.dataHome}/y && chown 2:2 ${env.dataHome}/y && chmod 500 ${env.dataHome}/y`], { env });
    expect(pausePid(env)).toBeUndefined();
    const pauses = findPauses(env);
    expect(pauses.length).toBe(1);

    await cleanup(env);
    expect(existsSync(env.base)).toBe(false);
    expect(alive(pauses[0]!)).toBe(false);
  });
});
