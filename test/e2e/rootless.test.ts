// The user namespace tpod keeps for the user: created once, joined by later commands,
// recreated when gone, with clear fallbacks when the host lacks something.
import { it, expect, afterAll } from 'vitest';
import { readFileSync, writeFileSync, existsSync, rmSync, statSync, mkdirSync, chmodSync, symlinkSync, readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { userInfo } from 'node:os';
import { describeE2E, useEnv, tpod, tpodOk, pausePid, makeEnv, cleanup, busyboxTarball, until, procGone } from './harness.js';

function subuidRanges(): string[] {
  const me = userInfo();
  return readFileSync('/etc/subuid', 'utf8')
    .split('\n')
    .filter((l) => l.startsWith(`${me.username}:`) || l.startsWith(`${me.uid}:`))
    .map((l) => l.split(':').slice(1).join(' '));
}

describeE2E('rootless user namespace', () => {
  const t = useEnv('rootless');

  it('maps container root to the user and 1.. to the subuid range', async () => {
    const r = await tpodOk(['unshare', 'cat', '/proc/self/uid_map'], { env: t.env });
    const lines = r.stdout.trim().split('\n').map((l) => l.trim().split(/\s+/).join(' '));
    expect(lines[0]).toBe(`0 ${process.getuid!()} 1`);
    const [range] = subuidRanges();
    expect(range, 'the test user needs a range in /etc/subuid').toBeDefined();
    const [start, count] = range!.split(' ');
    expect(lines[1]).toBe(`1 ${start} ${count}`);
  });

  it('is uid 0 inside, and runs commands with their exit code', async () => {
    expect((await tpodOk(['unshare', 'id', '-u'], { env: t.env })).stdout.trim()).toBe('0');
    expect((await tpod(['unshare', 'sh', '-c', 'exit 7'], { env: t.env })).code).toBe(7);
  });

  it('keeps one pause process and joins it from later commands', async () => {
    await tpodOk(['unshare', 'true'], { env: t.env });
    const first = pausePid(t.env);
    expect(first).toBeDefined();
    await tpodOk(['unshare', 'true'], { env: t.env });
    expect(pausePid(t.env)).toBe(first);
    const ns = readFileSync(`/proc/${first}/comm`, 'utf8').trim();
    expect(ns).toBe('tpod-pause');
  });

  it('creates a new pause process when the old one is gone (as after a reboot)', async () => {
    const old = pausePid(t.env)!;
    process.kill(old, 'SIGKILL');
    for (let i = 0; i < 50 && existsSync(`/proc/${old}/comm`); i++) await new Promise((r) => setTimeout(r, 20));
    await tpodOk(['unshare', 'true'], { env: t.env });
    const now = pausePid(t.env);
    expect(now).toBeDefined();
    expect(now).not.toBe(old);
  });

  it('reports rootless with the mappings and storage driver in info', async () => {
    const r = await tpodOk(['info', '--format', 'json'], { env: t.env });
    const info = JSON.parse(r.stdout);
    expect(info.host.security.rootless).toBe(true);
    expect(info.host.idMappings.uidmap[0]).toEqual({ container_id: 0, host_id: process.getuid!(), size: 1 });
    expect(['overlay', 'fuse-overlayfs', 'vfs']).toContain(info.store.graphDriverName);
    expect(info.store.graphRoot).toBe(join(t.env.dataHome, 'tpod'));
    expect(info.host.ociRuntime.path).toMatch(/(crun|runc)$/);
  });
});

describeE2E('rootless fallbacks', () => {
  const extra: Array<ReturnType<typeof makeEnv>> = [];
  afterAll(async () => {
    for (const e of extra) await cleanup(e);
  });

  it('falls back to a single-id mapping, with one warning, when the user has no subuid range', async () => {
    const env = makeEnv('nosubid');
    extra.push(env);
    const empty = join(env.base, 'subid-empty');
    writeFileSync(empty, 'somebodyelse:100000:65536\n');
    const extraEnv = { TPOD_SUBUID_FILE: empty, TPOD_SUBGID_FILE: empty };
    const r = await tpod(['unshare', 'cat', '/proc/self/uid_map'], { env, extraEnv });
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/no subordinate id range/);
    const again = await tpod(['unshare', 'true'], { env, extraEnv });
    expect(again.stderr).not.toMatch(/no subordinate id range/);
  });

  it('uses a private directory under /tmp when XDG_RUNTIME_DIR is not usable', async () => {
    const env = makeEnv('noxdg');
    extra.push(env);
    const runroot = join(env.base, 'fallback-run');
    const fallback = `/tmp/tpod-run-${process.getuid!()}`;
    // Start from a fallback dir that does not exist, as on a fresh boot.
    try {
      const pid = Number(readFileSync(`${fallback}/tpod/pause.pid`, 'utf8').split(/\s+/)[0]);
      if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'tpod-pause') process.kill(pid, 'SIGKILL');
    } catch {
      /* none there */
    }
    rmSync(fallback, { recursive: true, force: true });
    // An XDG_RUNTIME_DIR that does not exist: tpod must warn and go on.
    env.vars.XDG_RUNTIME_DIR = join(env.base, 'does-not-exist');
    const r = await tpod(['--runroot', runroot, 'unshare', 'true'], { env });
    expect(r.code).toBe(0);
    const r2 = await tpod(['info', '--format', '{{.Store.RunRoot}}'], { env });
    expect(r2.code).toBe(0);
    expect(r2.stdout.trim()).toBe(`/tmp/tpod-run-${process.getuid!()}/tpod`);
    expect(r2.stderr).toMatch(/XDG_RUNTIME_DIR .* does not exist/);
    expect(statSync(fallback).mode & 0o777).toBe(0o700);
    const r3 = await tpod(['info', '--format', '{{.Store.RunRoot}}'], { env });
    expect(r3.stderr, 'the fallback is said once').not.toMatch(/XDG_RUNTIME_DIR/);
    // Stop the pause process info may have made there.
    try {
      const pid = Number(readFileSync(`/tmp/tpod-run-${process.getuid!()}/tpod/pause.pid`, 'utf8').split(/\s+/)[0]);
      if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'tpod-pause') process.kill(pid, 'SIGKILL');
    } catch {
      /* none made */
    }
    env.vars.XDG_RUNTIME_DIR = env.runtimeDir;
    // The explicit runroot's pause process is cleaned up by cleanup() through --runroot? No: kill it here.
    try {
      const pid = Number(readFileSync(join(runroot, 'pause.pid'), 'utf8').split(/\s+/)[0]);
      if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'tpod-pause') process.kill(pid, 'SIGKILL');
    } catch {
      /* none */
    }
  });

  it('guards against a planted fallback directory: writable by others, or a symlink, it is refused with the fixes', async () => {
    const env = makeEnv('planted');
    extra.push(env);
    // A private TMPDIR (honoured as by Podman) keeps this test off the shared /tmp.
    const tmp = join(env.base, 'tmp');
    mkdirSync(tmp, { mode: 0o1777 });
    chmodSync(tmp, 0o1777);
    const fallback = join(tmp, `tpod-run-${process.getuid!()}`);
    delete env.vars.XDG_RUNTIME_DIR;
    const extraEnv = { TMPDIR: tmp };
    mkdirSync(fallback);
    chmodSync(fallback, 0o777);
    const r = await tpod(['ps', '-a'], { env, extraEnv });
    expect(r.code).toBe(125);
    expect(r.stderr).toMatch(/XDG_RUNTIME_DIR is not set, and the fallback .*tpod-run-\d+ is writable by others \(mode 0777\): refusing/);
    expect(r.stderr).toMatch(/export XDG_RUNTIME_DIR=\/run\/user\/\d+/);
    expect(r.stderr).toMatch(/loginctl enable-linger/);
    expect(readdirSync(fallback)).toEqual([]); // nothing was put into it
    rmSync(fallback, { recursive: true });
    const elsewhere = join(env.base, 'elsewhere');
    mkdirSync(elsewhere, { mode: 0o700 });
    symlinkSync(elsewhere, fallback);
    const viaLink = await tpod(['ps', '-a'], { env, extraEnv });
    expect(viaLink.code).toBe(125);
    expect(viaLink.stderr).toMatch(/is a symbolic link: refusing/);
    expect(readdirSync(elsewhere)).toEqual([]);
    rmSync(fallback);
    // Not there at all: created private, and used.
    const ok = await tpod(['ps', '-a'], { env, extraEnv });
    expect(ok.code).toBe(0);
    expect(statSync(fallback).mode & 0o7777).toBe(0o700);
    env.vars.XDG_RUNTIME_DIR = env.runtimeDir;
  });

  it('guards against a planted runtime.json: a cached runtime path others could have written is never executed', async () => {
    const env = makeEnv('runtime-cache');
    extra.push(env);
    await tpodOk(['import', busyboxTarball(), 'localhost/bb'], { env, timeout: 120_000 });
    await tpodOk(['run', '--rm', '--network', 'none', 'localhost/bb', 'true'], { env });
    const file = join(env.runtimeDir, 'tpod', 'runtime.json');
    const marker = join(env.base, 'evil-ran');
    const evil = join(env.base, 'evil-runtime');
    const cache = JSON.parse(readFileSync(file, 'utf8')) as Record<string, { runtime: { path: string } }>;
    const real = Object.values(cache)[0]!.runtime.path;
    writeFileSync(evil, `#!/bin/sh\ntouch ${marker}\nexec ${real} "$@"\n`, { mode: 0o755 });
    for (const v of Object.values(cache)) v.runtime.path = evil;
    writeFileSync(file, JSON.stringify(cache));
    chmodSync(file, 0o666);
    const r = await tpod(['run', '--rm', '--network', 'none', 'localhost/bb', 'echo', 'ran'], { env });
    expect(r.stdout).toBe('ran\n');
    expect(existsSync(marker)).toBe(false);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('guards against a container process that calls itself tpod-pause and takes over the pause pid', async () => {
    const env = makeEnv('impostor');
    extra.push(env);
    await tpodOk(['import', busyboxTarball(), 'localhost/bb'], { env, timeout: 120_000 });
    // A container whose init renames itself tpod-pause (it runs as the user, so it may).
    const id = (await tpodOk(['run', '-d', '--network', 'none', 'localhost/bb', 'sh', '-c', 'printf tpod-pause > /proc/self/comm; while :; do sleep 1; done'], { env })).stdout.trim();
    const impostor = Number((await tpodOk(['inspect', '--format', '{{.State.Pid}}', id], { env })).stdout.trim());
    for (let i = 0; i < 100 && readFileSync(`/proc/${impostor}/comm`, 'utf8').trim() !== 'tpod-pause'; i++) await new Promise((r) => setTimeout(r, 50));
    expect(readFileSync(`/proc/${impostor}/comm`, 'utf8').trim()).toBe('tpod-pause');
    const file = join(env.runtimeDir, 'tpod', 'pause.pid');
    const [realPid, start, boot] = readFileSync(file, 'utf8').trim().split(/\s+/);
    expect(start).toMatch(/^\d+$/);
    expect(boot).toBe(readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim());
    // The pause process dies and its pid goes to the impostor (what pid reuse would do).
    process.kill(Number(realPid), 'SIGKILL');
    await until('the old pause process to exit', () => procGone(realPid!), 15_000);
    writeFileSync(file, `${impostor} ${start} ${boot}\n`);
    const r = await tpodOk(['unshare', 'cat', '/proc/self/mountinfo'], { env });
    const now = Number(readFileSync(file, 'utf8').trim().split(/\s+/)[0]);
    expect(now).not.toBe(impostor);
    expect(readFileSync(`/proc/${now}/comm`, 'utf8').trim()).toBe('tpod-pause');
    // Not the container's mount namespace: its rootfs is not what unshare saw as /.
    expect(readlinkSync(`/proc/${now}/ns/mnt`)).not.toBe(readlinkSync(`/proc/${impostor}/ns/mnt`));
    expect(r.stdout).not.toMatch(new RegExp(`${id}/merged / `));
    process.kill(impostor, 'SIGKILL');
  });
});
