// `tpod doctor` as the unprivileged user: this test machine is set up (.ci/testbed.sh) so
// that containers run, so nothing fails; the same user without a subordinate id range
// (the files tpod reads pointed at ones without them) fails, with the usermod fix and
// exit code 1; a leftover of a killed command is reported until a command cleans it.
import { expect, it } from 'vitest';
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { userInfo } from 'node:os';
import { describeE2E, useEnv, tpod } from './harness.js';

interface Finding {
  check: string;
  status: 'ok' | 'warn' | 'fail';
  message: string;
  fix?: string[];
}

describeE2E('tpod doctor', () => {
  const t = useEnv('doctor');
  const me = userInfo().username;
  const run = async (args: string[], extraEnv?: NodeJS.ProcessEnv) => {
    const r = await tpod(['doctor', ...args], { env: t.env, ...(extraEnv ? { extraEnv } : {}) });
    return r;
  };

  it('for a user with a subuid range: every check named, nothing fails, exit 0', async () => {
    const r = await run(['--format', 'json']);
    const findings = JSON.parse(r.stdout) as Finding[];
    expect(findings.map((f) => f.check)).toEqual(expect.arrayContaining([
      'subordinate ids', 'newuidmap', 'newgidmap', 'user namespaces', 'XDG_RUNTIME_DIR', '/dev/fuse', '/dev/net/tun', 'storage driver',
      'OCI runtime', 'seccomp profile', 'network helper', 'resource limits', 'privileged ports', 'free space', 'leftovers',
    ]));
    for (const f of findings) {
      expect(['ok', 'warn', 'fail']).toContain(f.status);
      if (f.status !== 'ok' && f.check !== 'leftovers' && f.check !== 'free space') expect(f.fix?.length, f.check).toBeGreaterThan(0);
    }
    expect(findings.filter((f) => f.status === 'fail'), r.stdout).toEqual([]);
    expect(findings.find((f) => f.check === 'subordinate ids')?.status).toBe('ok');
    expect(r.code).toBe(0);
    const text = await run([]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^\[ ok \] subordinate ids: /m);
    expect(text.stdout).toMatch(/containers can run here/);
  });

  it('for a user without a subuid range: fails with the usermod command, exit 1', async () => {
    const empty = join(t.env.base, 'subid-other');
    writeFileSync(empty, 'somebodyelse:100000:65536\n');
    const env = { TPOD_SUBUID_FILE: empty, TPOD_SUBGID_FILE: empty };
    const r = await run(['--format', 'json'], env);
    expect(r.code).toBe(1);
    const f = (JSON.parse(r.stdout) as Finding[]).find((x) => x.check === 'subordinate ids')!;
    expect(f.status).toBe('fail');
    expect(f.message).toMatch(new RegExp(`no range for ${me}`));
    expect(f.fix?.[0]).toMatch(new RegExp(`^sudo usermod --add-subuids (\\d+)-(\\d+) --add-subgids \\1-\\2 ${me}$`));
    // The range offered does not overlap the one already given to someone else.
    expect(Number(/--add-subuids (\d+)-/.exec(f.fix![0]!)![1])).toBeGreaterThanOrEqual(165536);
    const text = await run([], env);
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(/^\[FAIL\] subordinate ids: /m);
    expect(text.stdout).toMatch(/^ +fix: sudo usermod --add-subuids/m);
  });

  it('reports what a killed command left until the next command cleans it', async () => {
    const netns = join(t.env.runtimeDir, 'tpod', 'netns');
    mkdirSync(netns, { recursive: true, mode: 0o700 });
    // A namespace file whose maker (a pid that does not run) is gone.
    writeFileSync(join(netns, 'netns-4000000-1-deadbeef'), '');
    const before = JSON.parse((await run(['--format', 'json'])).stdout) as Finding[];
    expect(before.find((f) => f.check === 'leftovers')).toMatchObject({ status: 'warn', fix: ['tpod ps -a   # cleans them up'] });
    expect((await tpod(['ps', '-a'], { env: t.env })).code).toBe(0);
    const after = JSON.parse((await run(['--format', 'json'])).stdout) as Finding[];
    expect(after.find((f) => f.check === 'leftovers')?.status).toBe('ok');
  });
});
