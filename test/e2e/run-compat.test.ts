// Podman's container-creation flags and start-time behaviour, as its system tests use
// them: log drivers and options, --attach, start-time failures (126, container kept),
// --runtime-flag, --tz, environment flags, --group-add, --hostuser, /run/.containerenv,
// --preserve-fds, --timeout, --rmi, and the nomap/auto user namespaces.
import { expect, it } from 'vitest';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { userInfo } from 'node:os';
import { spawn, spawnSync } from 'node:child_process';
import { describeE2E, run, tpod, tpodBin, tpodOk, useEnv, busyboxImage, busyboxTarball, freePort, until } from './harness.js';

describeE2E('run compatibility', () => {
  const t = useEnv('run-compat');
  const ok = (args: string[], extraEnv?: NodeJS.ProcessEnv) => tpodOk(args, { env: t.env, ...(extraEnv ? { extraEnv } : {}) });
  const inspect = async (name: string, f: string) => (await ok(['inspect', '--format', f, name])).stdout.trim();

  it('logs a foreground run, honours --log-driver and --log-opt, and shows only --attach streams', async () => {
    const img = await busyboxImage(t.env);
    for (const driver of ['k8s-file', 'json-file']) {
      const r = await ok(['run', '--name', `l-${driver}`, '--log-driver', driver, img, 'echo', 'said']);
      expect(r.stdout).toBe('said\n');
      expect(await inspect(`l-${driver}`, '{{.HostConfig.LogConfig.Type}}')).toBe(driver);
      const path = await inspect(`l-${driver}`, '{{.HostConfig.LogConfig.Path}}');
      expect(readFileSync(path, 'utf8')).toMatch(/^\S+ stdout F said\n$/);
      expect((await ok(['logs', `l-${driver}`])).stdout).toBe('said\n');
    }
    await ok(['run', '--name', 'l-none', '--log-driver', 'none', img, 'echo', 'x']);
    expect(await inspect('l-none', '{{.HostConfig.LogConfig.Path}}')).toBe('');
    const none = await tpod(['logs', 'l-none'], { env: t.env });
    expect(none.code).toBe(125);
    expect(none.stderr).toMatch(/this container is using the 'none' log driver, cannot read logs/);
    const bad = await tpod(['run', '--log-driver=InvalidDriver', img, 'true'], { env: t.env });
    expect([bad.code, bad.stderr]).toEqual([125, 'Error: running container create option: invalid log driver: invalid argument\n']);
    // Only stderr shown; stdout (NUL bytes here) goes to the log only.
    const big = await ok(['run', '--name', 'l-big', '--attach', 'stderr', img, 'dd', 'if=/dev/zero', 'count=70000', 'bs=1']);
    expect(big.stdout).toBe('');
    expect(big.stderr).toMatch(/^70000\+0 records in\n70000\+0 records out\n/);
    const log = readFileSync(await inspect('l-big', '{{.HostConfig.LogConfig.Path}}'));
    expect(log.filter((b) => b === 0).length).toBe(70000);
    // stdin alone: the ID is printed instead of the output.
    const quiet = await ok(['run', '--name', 'l-stdin', '--attach', 'stdin', img, 'echo', 'hello']);
    expect(quiet.stdout.trim()).toBe(await inspect('l-stdin', '{{.Id}}'));
    const sized = (await ok(['run', '-d', '--rm', '--log-opt', 'max-size=1.234m', img, 'sleep', '30'])).stdout.trim();
    expect(await inspect(sized, '{{.HostConfig.LogConfig.Size}}')).toBe('1.234MB');
    await ok(['rm', '-f', '-t', '0', sized, 'l-k8s-file', 'l-json-file', 'l-none', 'l-big', 'l-stdin']);
  });

  it('fails at start with 126 and keeps the container: missing --workdir, port in use, unknown --hostuser, runtime flags', async () => {
    const img = await busyboxImage(t.env);
    const wd = await tpod(['run', '--name', 'wd', '--workdir', '/i/do/not/exist', img, 'pwd'], { env: t.env });
    expect(wd.code).toBe(126);
    expect(wd.stderr).toMatch(/^Error: workdir "\/i\/do\/not\/exist" does not exist on container [0-9a-f]{64}\n$/);
    expect(await inspect('wd', '{{.State.Status}}')).toBe('created');
    const port = await freePort();
    const holder = createServer().listen(port, '0.0.0.0');
    await new Promise((r) => holder.once('listening', r));
    try {
      for (const args of [['-d', '--name', 'p-keep'], ['-d', '--rm', '--name', 'p-rm'], ['--name', 'p-fg']]) {
        const r = await tpod(['run', '-p', `${port}:80`, ...args, img, 'true'], { env: t.env });
        expect({ args, code: r.code }).toEqual({ args, code: 126 });
        expect(r.stderr).toMatch(/address already in use/);
      }
    } finally {
      holder.close();
    }
    expect((await ok(['ps', '-a', '--filter', 'name=^(wd|p-.*)$', '--format', '{{.Names}}', '--sort', 'names'])).stdout).toBe('p-fg\np-keep\nwd\n');
    const hu = await tpod(['run', '--rm', '--hostuser', 'bogus', img, 'true'], { env: t.env });
    expect([hu.code, hu.stderr]).toEqual([126, 'Error: unable to find user bogus: no matching entries in passwd file\n']);
    const rf = await tpod(['--runtime-flag', 'invalidflag', 'run', '--rm', img, 'true'], { env: t.env });
    expect(rf.code).toBe(126);
    expect(rf.stdout + rf.stderr).toMatch(/invalidflag/);
    await ok(['rm', 'wd', 'p-keep', 'p-fg']);
  });

  it('sets the time zone, the environment, groups, host users and /run/.containerenv', async () => {
    const img = await busyboxImage(t.env);
    // The last --tz wins.
    const date = (await ok(['run', '--rm', '--tz=Iceland', '--tz=MST7MDT', img, 'date', '-d', '@1600000000'])).stdout;
    expect(date).toBe('Sun Sep 13 06:26:40 MDT 2020\n');
    const env = (await ok(['run', '--rm', '--unsetenv-all', '--env', 'TERM=abc', img, '/bin/env'])).stdout;
    expect(env).toMatch(/^TERM=abc$/m);
    expect(env).not.toMatch(/^(PATH|container)=/m);
    expect((await ok(['run', '--rm', '--unsetenv', 'TERM', img, 'env'])).stdout).not.toMatch(/^TERM=/m);
    expect((await ok(['run', '--rm', '--group-add', '457', img, 'id', '-G'])).stdout).toMatch(/\b457\b/);
    const me = userInfo();
    expect((await ok(['run', '--rm', '--hostuser', me.username, img, 'grep', me.username, '/etc/passwd'])).stdout).toContain(`${me.username}:x:${me.uid}:`);
    expect((await ok(['run', '--rm', img, 'stat', '-c', '%s', '/run/.containerenv'])).stdout).toBe('0\n');
  });

  it('passes --preserve-fds descriptors, kills after --timeout, removes the image with --rmi, warns for --memory 0 and --kernel-memory', async () => {
    const img = await busyboxImage(t.env);
    const file = join(t.env.base, 'fd4');
    writeFileSync(file, 'through fd 4\n');
    // The shell opens fd 4 for tpod, as in Podman's test.
    const viaShell = await run('sh', ['-c', `"$0" run --rm -i --preserve-fds=2 ${img} sh -c 'cat <&4' 4<"$1"`, tpodBin(), file], { env: t.env });
    expect(viaShell.stdout).toBe('through fd 4\n');
    const t0 = Date.now();
    const to = await tpod(['run', '--name', 'to', '--timeout', '2', img, 'sleep', '60'], { env: t.env });
    expect(to.code).toBe(255);
    expect(Date.now() - t0).toBeLessThan(50_000);
    expect(await inspect('to', '{{.State.ExitCode}}')).toBe('-1');
    await ok(['rm', 'to']);
    await ok(['tag', img, 'localhost/rmi-me:1']);
    await ok(['run', '--rmi', 'localhost/rmi-me:1', 'true']);
    // Another name keeps the image: only the container went.
    expect((await tpod(['image', 'exists', img], { env: t.env })).code).toBe(0);
    const mem = await ok(['run', '--rm', '--memory=0', img, 'echo', 'hello']);
    expect(mem.stdout).toBe('hello\n');
    const km = await tpod(['run', '--rm', '--kernel-memory', '100', img, 'true'], { env: t.env });
    expect(km.stderr).toMatch(/The --kernel-memory flag is no longer supported. This flag is a noop./);
  });

  it('refuses a directory as the command with 126 and one message; keeps a --runtime path as given', async () => {
    const img = await busyboxImage(t.env);
    const r = await tpod(['run', '--rm', img, '/etc'], { env: t.env });
    expect(r.code).toBe(126);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^Error: \S+: .*permission denied\n$/i);
    const runtime = (await ok(['info', '--format', '{{.Host.OCIRuntime.Path}}'])).stdout.trim();
    const copy = join(t.env.base, 'myruntime');
    writeFileSync(copy, readFileSync(runtime), { mode: 0o755 });
    const cid = (await ok(['run', '-d', '--runtime', copy, img, 'sleep', '60'])).stdout.trim();
    expect(await inspect(cid, '{{.OCIRuntime}}')).toBe(copy);
    await ok(['kill', cid]);
    await tpod(['wait', cid], { env: t.env });
    await ok(['rm', cid]);
  });

  it('passes SIGINT sent to a foreground run (no terminal) on to the container', async () => {
    const img = await busyboxImage(t.env);
    const child = spawn(tpodBin(), ['run', '-i', '--name', 'sigint', img, 'sh', '-c', 'trap "echo BYE; exit 0" INT; echo READY; while :; do sleep 0.1; done'], { env: t.env.vars, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    const code = new Promise<number | null>((r) => child.on('close', r));
    await until('READY', () => out.includes('READY'), 30_000);
    child.kill('SIGINT');
    expect(await code).toBe(0);
    expect(out).toBe('READY\nBYE\n');
    await ok(['rm', 'sigint']);
  });

  it("exec --user NAME finds the user tpod added for keep-id", async () => {
    const img = await busyboxImage(t.env);
    const me = userInfo().username;
    const cid = (await ok(['run', '-d', '--userns=keep-id', img, 'sleep', '60'])).stdout.trim();
    expect((await ok(['exec', '--user', me, cid, 'id', '-un'])).stdout).toBe(`${me}\n`);
    await ok(['rm', '-f', '-t', '0', cid]);
  });

  it('a rootfs "/" is 0555 unless a layer lists it: then that mode, as in containers/storage', async () => {
    const img = await busyboxImage(t.env); // GNU tar made it without a "./" entry
    expect((await ok(['run', '--rm', img, 'stat', '-c', '%a', '/'])).stdout).toBe('555\n');
    const root = join(t.env.base, 'root750');
    mkdirSync(root);
    const tar = (args: string[]) => expect(spawnSync('tar', args, { encoding: 'utf8' }).status).toBe(0);
    tar(['-C', root, '-xf', busyboxTarball()]);
    chmodSync(root, 0o750);
    tar(['-C', root, '--numeric-owner', '--owner=0', '--group=0', '-cf', join(t.env.base, 'root750.tar'), '.']);
    await ok(['import', join(t.env.base, 'root750.tar'), 'localhost/root750']);
    expect((await ok(['run', '--rm', 'localhost/root750', 'stat', '-c', '%a', '/'])).stdout).toBe('750\n');
  });

  it('keep-id: $HOME and ~ are the host home only where it exists in the container, else the workdir', async () => {
    const img = await busyboxImage(t.env);
    const home = userInfo().homedir;
    const show = ['sh', '-c', 'echo $(pwd;echo $HOME;echo ~)'];
    expect((await ok(['run', '--rm', '--userns=keep-id', '-w', '/tmp', img, ...show])).stdout).toBe('/tmp /tmp /tmp\n');
    const mounted = await ok(['run', '--rm', '--userns=keep-id', '-w', '/tmp', '-v', `${t.env.base}:${home}`, img, ...show]);
    expect(mounted.stdout).toBe(`/tmp ${home} ${home}\n`);
    const anon = await ok(['run', '--rm', '--userns=keep-id', '-w', '/tmp', '-v', home, img, ...show]);
    expect(anon.stdout).toBe(`/tmp ${home} ${home}\n`);
  });

  it('passes systemd socket activation variables (LISTEN_PID as 1) to run and to start', async () => {
    const img = await busyboxImage(t.env);
    const listen = { LISTEN_PID: '100', LISTEN_FDS: '1', LISTEN_FDNAMES: 'listen_fdnames' };
    const viaRun = (await ok(['run', '--rm', img, 'env'], listen)).stdout;
    expect(viaRun).toMatch(/^LISTEN_PID=1$/m);
    expect(viaRun).toMatch(/^LISTEN_FDS=1$/m);
    expect(viaRun).toMatch(/^LISTEN_FDNAMES=listen_fdnames$/m);
    const cid = (await ok(['create', img, 'env'])).stdout.trim();
    expect((await ok(['start', '--attach', cid], listen)).stdout).toMatch(/^LISTEN_FDNAMES=listen_fdnames$/m);
    expect((await ok(['start', '--attach', cid])).stdout).not.toMatch(/^LISTEN_/m);
    await ok(['rm', cid]);
  });

  it('--ulimit sets the container\'s rlimits and shows in inspect; a bad one is refused with 125', async () => {
    const img = await busyboxImage(t.env);
    const r = await ok(['run', '--name', 'ulim', '--ulimit', 'nofile=101:102', '--ulimit', 'nproc=300:400', img, 'sh', '-c', 'ulimit -n; ulimit -Hn; ulimit -u']);
    expect(r.stdout).toBe('101\n102\n300\n');
    expect(await inspect('ulim', '{{range .HostConfig.Ulimits}}{{.Name}}={{.Soft}}:{{.Hard}} {{end}}')).toBe('RLIMIT_NOFILE=101:102 RLIMIT_NPROC=300:400');
    const bad = await tpod(['run', '--rm', '--ulimit', 'nofile=x', img, 'true'], { env: t.env });
    expect(bad.code).toBe(125);
    expect(bad.stderr).toMatch(/invalid ulimit argument: nofile=x/);
  });

  it('--env-host brings tpod\'s environment under --env-file and -e; host proxies go over the image\'s', async () => {
    const img = await busyboxImage(t.env);
    const envFile = join(t.env.base, 'proxy.env');
    writeFileSync(envFile, 'http_proxy=in-env-file\nMYENV3=in-env-file\n');
    const r = await ok(['run', '--rm', '--env-host', '--env-file', envFile, '-e', 'MYENV4=cli', '-e', 'ftp_proxy=in-image', img, 'sh', '-c', 'echo $MYENV2 $MYENV3 $MYENV4'], { MYENV2: 'from-host', MYENV3: 'from-host', MYENV4: 'from-host' });
    expect(r.stdout).toBe('from-host in-env-file cli\n');
    const committed = await ok(['run', '--name', 'proxyimg', '-e', 'ftp_proxy=in-image', img, 'true']);
    expect(committed.code).toBe(0);
    await ok(['commit', '-q', '--change', 'ENV ftp_proxy=in-image', 'proxyimg', 'localhost/proxyimg']);
    const p = await ok(['run', '--rm', '--env-file', envFile, 'localhost/proxyimg', 'sh', '-c', 'echo $http_proxy; echo $ftp_proxy'], { http_proxy: 'from-env', ftp_proxy: 'from-env' });
    expect(p.stdout).toBe('in-env-file\nfrom-env\n');
    expect((await ok(['run', '--rm', 'localhost/proxyimg', 'sh', '-c', 'echo $ftp_proxy'])).stdout).toBe('in-image\n');
  });
});
