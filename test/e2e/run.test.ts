// `tpod run` attached and `tpod create`, end to end: the real binary, as an unprivileged
// user, with the busybox image imported from a rootfs tarball, against the OCI runtime
// tpod picks on this host, and then against real runc and real crun by name.
import { expect, it, beforeAll } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeE2E, tpod, tpodBin, tpodOk, useEnv, busyboxImage, until, type TpodEnv } from './harness.js';

/** Whether crun can run here: no cgroup2 controllers on a hybrid host (TESTBED.md). */
function crunUsable(): boolean {
  if (!['/usr/bin/crun', '/usr/local/bin/crun'].some((p) => existsSync(p))) return false;
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8');
  if (/ \/sys\/fs\/cgroup [^-]*- cgroup2 /.test(mounts)) return true;
  try {
    return readFileSync('/sys/fs/cgroup/unified/cgroup.controllers', 'utf8').trim() === '';
  } catch {
    return true;
  }
}

function containerDirs(env: TpodEnv): string[] {
  try {
    return readdirSync(join(env.dataHome, 'tpod', 'containers')).filter((n) => /^[0-9a-f]{64}$/.test(n));
  } catch {
    return [];
  }
}

describeE2E('run and create', () => {
  const t = useEnv('run');
  let img: string;
  const run = (args: string[], input?: string) => tpod(['run', '--rm', ...args], { env: t.env, ...(input !== undefined ? { input } : {}) });

  beforeAll(async () => {
    img = await busyboxImage(t.env);
  });

  it('picks crun, or runc with a one-line notice where crun cannot run, and runs echo', async () => {
    const r = await run([img, 'echo', 'hello']);
    expect(r.stdout).toBe('hello\n');
    expect(r.code).toBe(0);
    if (crunUsable()) {
      expect(r.stderr).toBe('');
    } else {
      // logrus' format off a terminal, as Podman's warnings.
      expect(r.stderr).toMatch(/^time="[^"]+" level=warning msg="crun cannot run on this host's hybrid cgroup setup [^\n]*; using runc"\n$/);
    }
    // Said once per boot: the second run is silent.
    const again = await run([img, 'true']);
    expect(again.stderr).toBe('');
  });

  it("exits with the container's exit code", async () => {
    expect((await run([img, 'true'])).code).toBe(0);
    expect((await run([img, 'sh', '-c', 'exit 3'])).code).toBe(3);
  });

  it('exits 127 when the command does not exist, 126 when it cannot be executed', async () => {
    const nf = await run([img, 'no-such-command']);
    expect(nf.code).toBe(127);
    // Known missing before the runtime starts: one clean line, as Podman prints it.
    expect(nf.stderr).toMatch(/^Error: \w+: [^\n]*no-such-command[^\n]*: OCI runtime attempted to invoke a command that was not found\n$/);
    const ne = await run([img, '/etc/passwd']);
    expect(ne.code).toBe(126);
    expect(ne.stderr).toMatch(/Error: \w+: .*[Pp]ermission denied.*: OCI permission denied\n$/);
    expect(containerDirs(t.env)).toEqual([]); // --rm also when the container failed to start
  });

  it('sets the environment from -e and --env-file', async () => {
    const file = join(t.env.base, 'vars.env');
    writeFileSync(file, '# a comment\nFROM_FILE=1\nBOTH=file\n');
    const r = await tpod(['run', '--rm', '--env-file', file, '-e', 'BOTH=flag', '-e', 'PASSED', img, 'sh', '-c', 'echo $FROM_FILE $BOTH $PASSED $container'], {
      env: t.env,
      extraEnv: { PASSED: 'from-host' },
    });
    expect(r.stdout).toBe('1 flag from-host podman\n');
    expect(r.code).toBe(0);
  });

  it('honours -w, -u with a name from the image, --entrypoint and --hostname', async () => {
    expect((await run(['-w', '/tmp', img, 'pwd'])).stdout).toBe('/tmp\n');
    expect((await run(['-u', 'daemon', img, 'id'])).stdout).toBe('uid=1(daemon) gid=1(daemon)\n');
    const bad = await run(['-u', 'nosuchuser', img, 'id']);
    expect(bad.code).toBe(125);
    expect(bad.stderr).toBe('Error: unable to find user nosuchuser: no matching entries in passwd file\n');
    expect((await run(['--entrypoint', '/bin/echo', img, 'a', 'b'])).stdout).toBe('a b\n');
    expect((await run(['--entrypoint', '["/bin/sh","-c"]', img, 'echo json'])).stdout).toBe('json\n');
    expect((await run(['--hostname', 'box1', img, 'sh', '-c', 'hostname; cat /etc/hostname; grep -c box1 /etc/hosts'])).stdout).toBe('box1\nbox1\n1\n');
  });

  it('makes the rootfs read-only with --read-only, and mounts --tmpfs', async () => {
    const ro = await run(['--read-only', img, 'sh', '-c', 'touch /x 2>/dev/null && echo wrote; touch /tmp/y && echo tmp-ok']);
    expect(ro.stdout).toBe('tmp-ok\n');
    const tmp = await run(['--tmpfs', '/scratch:size=1m', img, 'sh', '-c', 'grep " /scratch " /proc/mounts | cut -d" " -f3; touch /scratch/a && echo ok']);
    expect(tmp.stdout).toBe('tmpfs\nok\n');
  });

  it('bind-mounts with -v: writes show up on the host, :ro refuses them', async () => {
    const dir = join(t.env.base, 'vol');
    mkdirSync(dir);
    writeFileSync(join(dir, 'in'), 'from-host\n');
    const rw = await run(['-v', `${dir}:/data`, img, 'sh', '-c', 'cat /data/in; echo from-ctr > /data/out']);
    expect(rw.stdout).toBe('from-host\n');
    expect(readFileSync(join(dir, 'out'), 'utf8')).toBe('from-ctr\n');
    const ro = await run(['-v', `${dir}:/data:ro`, img, 'sh', '-c', 'echo x > /data/ro']);
    expect(ro.code).not.toBe(0);
    expect(existsSync(join(dir, 'ro'))).toBe(false);
    const missing = await run(['-v', '/no/such/dir:/data', img, 'true']);
    expect(missing.code).toBe(125);
    expect(missing.stderr).toBe('Error: statfs /no/such/dir: no such file or directory\n');
  });

  it('--rm removes the container; without it the record stays, exited with its code', async () => {
    const before = containerDirs(t.env).length;
    await run(['--name', 'gone', img, 'true']);
    expect(containerDirs(t.env).length).toBe(before);
    await run(['--name', 'gone', img, 'true']); // the name is free again

    const kept = await tpod(['run', '--name', 'kept', img, 'sh', '-c', 'exit 5'], { env: t.env });
    expect(kept.code).toBe(5);
    const ids = containerDirs(t.env);
    const rec = ids.map((id) => JSON.parse(readFileSync(join(t.env.dataHome, 'tpod', 'containers', id, 'container.json'), 'utf8'))).find((r) => r.name === 'kept');
    expect(rec).toMatchObject({ state: 'exited', exitCode: 5, image: img });
  });

  it('create prints the full id and writes the record and bundle; names are unique', async () => {
    const r = await tpodOk(['create', '--name', 'made', img, 'echo', 'later'], { env: t.env });
    const id = r.stdout.trim();
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    const dir = join(t.env.dataHome, 'tpod', 'containers', id);
    const rec = JSON.parse(readFileSync(join(dir, 'container.json'), 'utf8'));
    expect(rec).toMatchObject({ id, name: 'made', state: 'created', command: ['echo', 'later'] });
    const spec = JSON.parse(readFileSync(join(dir, 'userdata', 'config.json'), 'utf8'));
    expect(spec.process.args).toEqual(['echo', 'later']);
    expect(spec.root.path).toBe(join(dir, 'merged'));
    const dup = await tpod(['create', '--name', 'made', img, 'true'], { env: t.env });
    expect(dup.code).toBe(125);
    expect(dup.stderr).toBe(
      `Error: the container name "made" is already in use by ${id}. You have to remove that container to be able to reuse that name: that name is already in use\n`,
    );
  });

  it('--init runs catatonit as pid 1', async () => {
    const r = await run(['--init', img, 'cat', '/proc/1/cmdline']);
    expect(r.stdout.split('\0')[0]).toBe('/run/podman-init');
  });

  it('--cap-drop ALL leaves no capabilities; the default set is Podman\'s', async () => {
    expect((await run(['--cap-drop', 'ALL', img, 'grep', 'CapEff', '/proc/self/status'])).stdout).toBe('CapEff:\t0000000000000000\n');
    expect((await run([img, 'grep', 'CapEff', '/proc/self/status'])).stdout).toBe('CapEff:\t00000000800405fb\n');
  });

  it('--network none has only lo; --network host sees the host interfaces', async () => {
    expect((await run(['--network', 'none', img, 'ls', '/sys/class/net'])).stdout).toBe('lo\n');
    const hostIfs = readdirSync('/sys/class/net').sort();
    const r = await run(['--network', 'host', img, 'ls', '-1', '/sys/class/net']);
    expect(r.stdout.trim().split('\n').sort()).toEqual(hostIfs);
    // bridge is Podman's default network "podman" (the shared rootless namespace): eth0 beside lo.
    expect((await run(['--network', 'bridge', img, 'ls', '-1', '/sys/class/net'])).stdout).toBe('eth0\nlo\n');
    const bad = await run(['--network', 'bogus:x', img, 'true']);
    expect(bad.code).toBe(125);
    expect(bad.stderr).toMatch(/unknown network mode "bogus"/);
  });

  it('-i passes piped stdin; without -i the container reads nothing', async () => {
    expect((await run(['-i', img, 'cat'], 'hi\n')).stdout).toBe('hi\n');
    expect((await run([img, 'cat'], 'hi\n')).stdout).toBe('');
  });

  it('--userns=keep-id runs as the user themself', async () => {
    const uid = process.getuid!();
    const r = await run(['--userns', 'keep-id', img, 'id', '-u']);
    expect(r.stdout).toBe(`${uid}\n`);
  });

  it('warns that resource limits cannot be applied here and runs anyway', async () => {
    const r = await run(['--memory', '64m', img, 'true']);
    expect(r.code).toBe(0);
    // A bare line, as Podman prints the warnings of its container spec.
    expect(r.stderr).toMatch(/^Resource limits are not supported and ignored/);
  });

  it('forwards SIGTERM to the container and exits with its code', async () => {
    const child = spawn(tpodBin(), ['run', '--rm', img, 'sh', '-c', 'trap "echo got-term; exit 7" TERM; echo ready; while :; do sleep 0.1; done'], {
      env: t.env.vars,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const ready = new Promise<void>((resolve) =>
      child.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('ready')) resolve();
      }),
    );
    await ready;
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    expect(out).toContain('got-term');
    expect(code).toBe(7);
  });

  it('a kill -9 of tpod during run --rm leaves nothing the next command trips over', async () => {
    const child = spawn(tpodBin(), ['run', '--rm', '--name', 'killed', img, 'sh', '-c', 'echo ready; sleep 1'], {
      env: t.env.vars,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    await new Promise<void>((resolve) => child.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && resolve()));
    child.kill('SIGKILL');
    // The helper outlives tpod: it still unmounts and removes the container afterwards.
    const record = (id: string) => join(t.env.dataHome, 'tpod', 'containers', id, 'container.json');
    await until('the helper to remove the container', () =>
      !containerDirs(t.env).some((id) => !existsSync(record(id)) || JSON.parse(readFileSync(record(id), 'utf8')).name === 'killed'));
    const again = await run(['--name', 'killed', img, 'echo', 'reused']);
    expect(again.stdout).toBe('reused\n');
    expect(again.code).toBe(0);
  });

  it.each(['runc', 'crun'])('runs with --runtime %s', async (rt) => {
    if (rt === 'crun' && !crunUsable()) {
      const r = await tpod(['--runtime', 'crun', 'run', '--rm', img, 'true'], { env: t.env });
      expect(r.code).toBe(125);
      expect(r.stderr).toMatch(/crun cannot run on this host's hybrid cgroup setup .*use --runtime runc/);
      return;
    }
    const ok = await tpod(['--runtime', rt, 'run', '--rm', img, 'sh', '-c', 'echo $HOSTNAME >/dev/null; exit 4'], { env: t.env });
    expect(ok.code).toBe(4);
    const nf = await tpod(['--runtime', rt, 'run', '--rm', img, 'no-such-command'], { env: t.env });
    expect(nf.code).toBe(127);
    expect(nf.stderr).toMatch(new RegExp(`Error: ${rt}: .*OCI runtime attempted to invoke a command that was not found`));
    const ne = await tpod(['--runtime', rt, 'run', '--rm', img, '/etc/passwd'], { env: t.env });
    expect(ne.code).toBe(126);
    const u = await tpod(['--runtime', rt, 'run', '--rm', '--userns', 'keep-id', '-v', `${t.env.base}:/b`, img, 'sh', '-c', 'touch /b/by-' + rt + '; id -u'], { env: t.env });
    expect(u.stdout).toBe(`${process.getuid!()}\n`);
  });
});
