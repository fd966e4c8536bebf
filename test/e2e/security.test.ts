// The seccomp filter, masked paths and --privileged, end to end: the real binary as an
// unprivileged user, with containers-common's profile as installed by the package, under
// real crun and runc. The kernel's own word (/proc/self/status inside the container) is
// what is checked, not tpod's config.json.
import { expect, it, beforeAll } from 'vitest';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeE2E, tpod, tpodOk, useEnv, busyboxImage } from './harness.js';

const PROFILE = '/usr/share/containers/seccomp.json';

describeE2E('seccomp, masked paths and --privileged', () => {
  const t = useEnv('security');
  let img: string;
  const run = (args: string[], extraEnv?: NodeJS.ProcessEnv) =>
    tpod(['run', '--rm', '--network', 'none', ...args], { env: t.env, ...(extraEnv ? { extraEnv } : {}) });
  const status = async (args: string[]): Promise<string> => {
    const r = await run([...args, img, 'grep', '-E', '^(Seccomp|CapBnd):', '/proc/self/status']);
    expect(r.stderr).not.toMatch(/Error/);
    expect(r.code).toBe(0);
    return r.stdout;
  };

  beforeAll(async () => {
    // The package is a test dependency (install.sh installs it); without it the default
    // cannot be tested, which is a failure of the set-up, not a skip.
    expect(existsSync(PROFILE)).toBe(true);
    img = await busyboxImage(t.env);
  });

  for (const runtime of ['crun', 'runc']) {
    it(`${runtime}: a container runs under a seccomp filter by default, and without one with seccomp=unconfined`, async () => {
      expect(await status(['--runtime', runtime])).toMatch(/^Seccomp:\s+2$/m);
      expect(await status(['--runtime', runtime, '--security-opt', 'seccomp=unconfined'])).toMatch(/^Seccomp:\s+0$/m);
    });

    it(`${runtime}: a custom profile that denies mkdir is applied`, async () => {
      const profile = join(t.env.base, 'no-mkdir.json');
      writeFileSync(profile, JSON.stringify({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 1 }] }));
      const denied = await run(['--runtime', runtime, '--security-opt', `seccomp=${profile}`, img, 'sh', '-c', 'mkdir /tmp/x && echo made']);
      expect(denied.stdout).toBe('');
      expect(denied.stderr).toMatch(/Operation not permitted/);
      expect(denied.code).toBe(1);
      const allowed = await run(['--runtime', runtime, img, 'sh', '-c', 'mkdir /tmp/x && echo made']);
      expect(allowed.stdout).toBe('made\n');
    });
  }

  it("the default filter is containers-common's: personality() only with the values the profile lists", async () => {
    // busybox's linux64 -R calls personality(PER_LINUX | ADDR_NO_RANDOMIZE): not in the
    // profile's list (0, 8, 0x20000, 0x20008, 0xffffffff), so the default action (ENOSYS).
    const filtered = await run([img, 'linux64', '-R', 'true']);
    expect(filtered.stderr).toMatch(/personality\(0x40000\): Function not implemented/);
    expect(filtered.code).toBe(1);
    expect((await run([img, 'linux64', 'true'])).code).toBe(0);
    expect((await run(['--security-opt', 'seccomp=unconfined', img, 'linux64', '-R', 'true'])).code).toBe(0);
  });

  it('inspect shows the profile, and what was asked in HostConfig.SecurityOpt', async () => {
    await tpodOk(['create', '--name', 'sec-default', img, 'true'], { env: t.env });
    await tpodOk(['create', '--name', 'sec-unconfined', '--security-opt', 'seccomp=unconfined', img, 'true'], { env: t.env });
    const fmt = '{{.SeccompProfilePath}}|{{json .HostConfig.SecurityOpt}}|{{index .Config.Annotations "io.podman.annotations.seccomp"}}';
    expect((await tpodOk(['inspect', '--format', fmt, 'sec-default'], { env: t.env })).stdout).toBe(`${PROFILE}|[]|\n`);
    expect((await tpodOk(['inspect', '--format', fmt, 'sec-unconfined'], { env: t.env })).stdout).toBe('unconfined|["seccomp=unconfined"]|unconfined\n');
    const info = JSON.parse((await tpodOk(['info', '--format', 'json'], { env: t.env })).stdout);
    expect(info.host.security).toMatchObject({ seccompEnabled: true, seccompProfilePath: PROFILE });
    await tpodOk(['rm', 'sec-default', 'sec-unconfined'], { env: t.env });
  });

  it('refuses to start without a profile, naming the package, unless asked for unconfined', async () => {
    const conf = join(t.env.base, 'no-profile.conf');
    writeFileSync(conf, `[containers]\nseccomp_profile = "${join(t.env.base, 'missing.json')}"\n`);
    const r = await run([img, 'true'], { CONTAINERS_CONF: conf });
    expect(r.code).toBe(125);
    expect(r.stderr).toMatch(/no seccomp profile: .*missing\.json \(seccomp_profile in containers\.conf\) is missing; install the containers-common package \(Debian and Ubuntu: apt install golang-github-containers-common/);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    const ok = await run(['--security-opt', 'seccomp=unconfined', img, 'true'], { CONTAINERS_CONF: conf });
    expect(ok.code).toBe(0);
    // Nothing was left behind by the refusal.
    expect((await tpodOk(['ps', '-a', '-q'], { env: t.env })).stdout).toBe('');
  });

  it("masks Podman's paths (/proc/interrupts among them); mask= and unmask= change the list", async () => {
    const size = async (args: string[], path: string) => (await run([...args, img, 'sh', '-c', `cat ${path} | wc -c`])).stdout.trim();
    expect(await size([], '/proc/interrupts')).toBe('0');
    expect(Number(await size(['--security-opt', 'unmask=/proc/interrupts'], '/proc/interrupts'))).toBeGreaterThan(0);
    expect(Number(await size([], '/proc/version'))).toBeGreaterThan(0);
    expect(await size(['--security-opt', 'mask=/proc/version'], '/proc/version')).toBe('0');
    // unmask=ALL also lifts the read-only paths.
    const ro = await run(['--security-opt', 'unmask=ALL', img, 'sh', '-c', 'grep " /proc/sys " /proc/self/mountinfo | grep -c " ro,"']);
    expect(ro.stdout.trim()).toBe('0');
    const bad = await run(['--security-opt', 'mask=relative/path', img, 'true']);
    expect(bad.code).toBe(125);
    expect(bad.stderr).toMatch(/"relative\/path" is not an absolute path/);
  });

  it('--privileged: every capability of the user namespace, no filter, nothing masked', async () => {
    const out = await status(['--privileged']);
    expect(out).toMatch(/^Seccomp:\s+0$/m);
    const bnd = /^CapBnd:\s+([0-9a-f]+)$/m.exec(out)![1]!;
    const def = /^CapBnd:\s+([0-9a-f]+)$/m.exec(await status([]))![1]!;
    expect(BigInt(`0x${bnd}`)).toBeGreaterThan(BigInt(`0x${def}`));
    expect(BigInt(`0x${bnd}`) & (1n << 21n)).toBe(1n << 21n); // CAP_SYS_ADMIN
    const masked = await run(['--privileged', img, 'sh', '-c', 'cat /proc/interrupts | wc -c']);
    expect(Number(masked.stdout.trim())).toBeGreaterThan(0);
    await tpodOk(['create', '--name', 'priv', '--privileged', img, 'true'], { env: t.env });
    expect((await tpodOk(['inspect', '--format', '{{.HostConfig.Privileged}} {{.SeccompProfilePath}}', 'priv'], { env: t.env })).stdout).toBe('true unconfined\n');
    await tpodOk(['rm', 'priv'], { env: t.env });
  });
});
