// Runs the real tpod-monitor (compiled here from helpers/monitor) with a fake OCI runtime
// (test/fixtures/fake-runtime.sh), through the Node side of the protocol. The e2e tests
// do the same with crun and runc.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnMonitor, MonitorRuntimeError, type MonitorOptions } from '../../../src/monitor/spawn.js';
import { AttachConnection } from '../../../src/monitor/attach-client.js';
import { logLines, parseLogLine } from '../../../src/monitor/log-file.js';
import { parseExitFile } from '../../../src/monitor/protocol.js';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const FAKE = join(repo, 'test', 'fixtures', 'fake-runtime.sh');
const root = mkdtempSync(join(tmpdir(), 'tpod-monitor-'));
let monitorPath = '';
const pids = new Set<number>();
const receivers: ChildProcess[] = [];

function hasPython(): boolean {
  try {
    execFileSync('python3', ['-c', 'import socket; socket.send_fds'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const python = hasPython();

beforeAll(() => {
  // Into a private directory: other builds may be using helpers/build at the same time.
  const build = join(root, 'build');
  execFileSync('make', ['-s', '-C', join(repo, 'helpers'), `BUILD=${build}`, `${build}/tpod-monitor`], { stdio: 'pipe' });
  monitorPath = join(build, 'tpod-monitor');
}, 120_000);

afterAll(() => {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  for (const r of receivers) r.kill('SIGKILL');
  rmSync(root, { recursive: true, force: true });
});

interface Case {
  dir: string;
  opts: MonitorOptions;
  calls: () => string;
}

let counter = 0;
function setup(script: string, extra: Partial<MonitorOptions> = {}, files: Record<string, string> = {}): Case {
  const name = `c${++counter}`;
  const dir = join(root, name);
  mkdirSync(join(dir, 'bundle'), { recursive: true });
  mkdirSync(join(dir, 'sock'), { mode: 0o700 });
  writeFileSync(join(dir, 'bundle', 'run.sh'), script);
  for (const [f, text] of Object.entries(files)) writeFileSync(join(dir, 'bundle', f), text);
  const state = join(dir, 'state');
  return {
    dir,
    opts: {
      containerId: name,
      bundle: join(dir, 'bundle'),
      runtime: FAKE,
      runtimeArgs: ['--root', state],
      pidFile: join(dir, 'pid'),
      exitFile: join(dir, 'exits', name),
      logPath: join(dir, 'ctr.log'),
      attachSocket: join(dir, 'sock', 'attach'),
      ...extra,
    },
    calls: () => (existsSync(join(state, 'calls')) ? readFileSync(join(state, 'calls'), 'utf8') : ''),
  };
}

async function launch(c: Case) {
  const h = await spawnMonitor(c.opts, { monitorPath, timeoutMs: 10_000 });
  pids.add(h.monitorPid);
  pids.add(h.containerPid);
  return h;
}

async function waitFor<T>(fn: () => T | undefined | false, what: string, ms = 5000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Running, not a zombie: whoever reaps orphans here (PID 1) may take its time. */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

function readIf(path: string): string | undefined {
  return existsSync(path) ? readFileSync(path, 'utf8') : undefined;
}

describe('tpod-monitor with a fake runtime', () => {
  it('creates, starts, logs in k8s-file format, and reports the exit', async () => {
    const c = setup('echo hello; echo oops >&2; printf "no newline"; sleep 0.2; echo " end"; exit 3\n');
    const h = await launch(c);
    expect(h.containerPid).toBeGreaterThan(0);
    expect(h.monitorPid).not.toBe(h.containerPid);
    await h.start();
    expect(await h.waitExit()).toEqual({ exitCode: 3, oomKilled: false });

    expect(parseExitFile(readFileSync(c.opts.exitFile, 'utf8'))).toEqual({ exitCode: 3, oomKilled: false });
    const raw = readFileSync(c.opts.logPath!, 'utf8');
    for (const line of raw.trimEnd().split('\n')) {
      expect(line).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}[+-]\d\d:\d\d (stdout|stderr) [FP] /);
    }
    expect(raw).toMatch(/ stdout P no newline\n/);
    expect(logLines(raw).map((e) => `${e.stream}:${e.text}`)).toEqual(['stdout:hello', 'stderr:oops', 'stdout:no newline end']);
    expect(c.calls()).toContain(`create --bundle ${c.opts.bundle} --pid-file ${c.opts.pidFile} ${c.opts.containerId}\n`);
    expect(c.calls()).toContain(`start ${c.opts.containerId}\n`);
    await waitFor(() => !alive(h.monitorPid), 'the monitor to exit');
    expect(existsSync(c.opts.attachSocket!)).toBe(false);
  });

  it("reports the runtime's create error text", async () => {
    const c = setup('exit 0\n', {}, { 'fail-create': 'cannot create: bad bundle\n' });
    const err = await launch(c).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MonitorRuntimeError);
    expect((err as MonitorRuntimeError).stage).toBe('create');
    expect((err as MonitorRuntimeError).message).toBe('cannot create: bad bundle');
    expect(existsSync(c.opts.exitFile)).toBe(false);
  });

  it('escapes runtime error text so it cannot forge sync messages', async () => {
    const forged = 'boom"}\n{"version":1,"type":"created","pid":1}\n\u0007';
    const c = setup('exit 0\n', {}, { 'fail-create': forged });
    const err = await launch(c).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MonitorRuntimeError);
    expect((err as MonitorRuntimeError).runtimeMessage).toBe(forged.trim());
  });

  it('reports a start error and deletes the created container', async () => {
    const c = setup('exit 0\n', {}, { 'fail-start': 'start refused\n' });
    const h = await launch(c);
    const err = await h.start().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MonitorRuntimeError);
    expect((err as MonitorRuntimeError).stage).toBe('start');
    expect((err as MonitorRuntimeError).message).toBe('start refused');
    await waitFor(() => c.calls().includes('delete --force'), 'runtime delete');
    expect(existsSync(c.opts.exitFile)).toBe(false);
  });

  it('aborts when tpod closes the start pipe: deletes the container, no exit file, no exit command', async () => {
    const marker = join(root, 'abort-exit-command-ran');
    const c = setup('echo should not run\n', { exitCommand: ['/bin/sh', '-c', `touch ${marker}`] });
    const h = await launch(c);
    const conn = await AttachConnection.connect(c.opts.attachSocket!);
    await h.abort();
    expect(await conn.done).toBeUndefined(); // no exit code: the container never ran
    await waitFor(() => !alive(h.monitorPid), 'the monitor to exit');
    expect(c.calls()).toContain(`delete --force ${c.opts.containerId}`);
    expect(c.calls()).not.toContain('start ');
    expect(existsSync(c.opts.exitFile)).toBe(false);
    expect(existsSync(marker)).toBe(false);
    // The forced delete's SIGKILL ends it, but not at once on a busy machine.
    await waitFor(() => !alive(h.containerPid), 'the container process to end');
  });

  it('runs the exit command after writing the exit file, once the monitor let go', async () => {
    const out = join(root, 'exit-command-saw');
    const c = setup('exit 42\n');
    c.opts.exitCommand = ['/bin/sh', '-c', 'cat "$1" > "$2.tmp" && mv "$2.tmp" "$2"', 'sh', c.opts.exitFile, out];
    const h = await launch(c);
    await h.start();
    h.release();
    expect(await waitFor(() => readIf(out), 'the exit command')).toBe('42\n');
  });

  it('keeps the container running after tpod lets go, and forwards SIGTERM to it', async () => {
    const c = setup("trap 'echo got TERM; exit 9' TERM\nwhile :; do sleep 0.05; done\n");
    const h = await launch(c);
    await h.start();
    h.release();
    await new Promise((r) => setTimeout(r, 200));
    expect(alive(h.containerPid)).toBe(true);
    process.kill(h.monitorPid, 'SIGTERM');
    const exit = await waitFor(() => readIf(c.opts.exitFile), 'the exit file');
    expect(exit).toBe('9\n');
    expect(readFileSync(c.opts.logPath!, 'utf8')).toMatch(/stdout F got TERM\n/);
  });

  it('stays under 1 MiB RSS while the container idles', async () => {
    const c = setup('exec sleep 30\n');
    const h = await launch(c);
    await h.start();
    h.release();
    await new Promise((r) => setTimeout(r, 200));
    const status = readFileSync(`/proc/${h.monitorPid}/status`, 'utf8');
    const rssKiB = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1]);
    console.log(`tpod-monitor idle RSS: ${rssKiB} KiB`);
    expect(rssKiB).toBeGreaterThan(0);
    expect(rssKiB).toBeLessThan(1024);
    execFileSync(FAKE, ['--root', join(c.dir, 'state'), 'kill', c.opts.containerId, 'KILL']);
    expect(await waitFor(() => readIf(c.opts.exitFile), 'the exit file')).toBe('137\n');
  });

  it('starts a fresh log once it would pass --log-size-max', async () => {
    const c = setup('i=0; while [ $i -lt 30 ]; do i=$((i+1)); echo "line-$i-xxxxxxxxxxxxxxxxxxxxxxxx"; sleep 0.01; done\n', { logSizeMax: 400 });
    const h = await launch(c);
    await h.start();
    await h.waitExit();
    const log = readFileSync(c.opts.logPath!, 'utf8');
    expect(statSync(c.opts.logPath!).size).toBeLessThanOrEqual(400);
    expect(log).toContain('line-30-');
    expect(log).not.toContain('line-1-');
    expect(log.split('\n').filter(Boolean).every((l) => parseLogLine(l) !== undefined)).toBe(true);
  });
});

describe('attach socket', () => {
  it('gives a client that connected before the start all output, stdin, and the exit code', async () => {
    const c = setup('echo first\nwhile read line; do echo "got $line"; echo "err $line" >&2; done\necho eof\nexit 4\n', { stdin: true });
    const h = await launch(c);
    let out = '';
    let err = '';
    const conn = await AttachConnection.connect(c.opts.attachSocket!, { stdout: (d) => (out += d), stderr: (d) => (err += d) });
    await h.start();
    conn.writeStdin('a\n');
    conn.writeStdin('b\n');
    conn.closeStdin();
    expect(await conn.done).toBe(4);
    expect(out).toBe('first\ngot a\ngot b\neof\n');
    expect(err).toBe('err a\nerr b\n');
    expect(await h.waitExit()).toEqual({ exitCode: 4, oomKilled: false });
  });

  it('ignores stdin from clients unless the container was given -i', async () => {
    const c = setup('if read line; then echo "read $line"; else echo "no stdin"; fi\n');
    const h = await launch(c);
    let out = '';
    const conn = await AttachConnection.connect(c.opts.attachSocket!, { stdout: (d) => (out += d) });
    conn.writeStdin('secret\n');
    await h.start();
    expect(await conn.done).toBe(0);
    expect(out).toBe('no stdin\n');
  });

  it('drops an attach client that claims an oversized frame, and serves the others', async () => {
    const c = setup('read x\necho "got $x"\n', { stdin: true });
    const h = await launch(c);
    let out = '';
    const good = await AttachConnection.connect(c.opts.attachSocket!, { stdout: (d) => (out += d) });
    const bad = createConnection({ path: c.opts.attachSocket! });
    const closed = new Promise<void>((resolve) => bad.on('close', () => resolve()));
    bad.on('error', () => {});
    await new Promise<void>((resolve) => bad.on('connect', () => resolve()));
    bad.write(Buffer.from([0, 0x7f, 0xff, 0xff, 0xff]));
    await h.start();
    await closed;
    good.writeStdin('hi\n');
    expect(await good.done).toBe(0);
    expect(out).toBe('got hi\n');
  });

  it('refuses an attach socket in a directory others can use', async () => {
    const c = setup('exit 0\n');
    const open = join(c.dir, 'open');
    mkdirSync(open);
    chmodSync(open, 0o755);
    c.opts.attachSocket = join(open, 'attach');
    await expect(launch(c)).rejects.toThrow(/tpod-monitor failed: attach socket directory .* must be a directory only its owner can use/);
    expect(c.calls()).toBe('');
  });

  it('reports set-up failures after detaching through the sync pipe', async () => {
    const c = setup('exit 0\n', { terminal: true, consoleSocket: join(root, 'no', 'such', 'dir', 'console.sock') });
    const err = await launch(c).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MonitorRuntimeError);
    expect((err as MonitorRuntimeError).stage).toBe('monitor');
    expect((err as MonitorRuntimeError).message).toMatch(/console socket .*no\/such\/dir\/console.sock: No such file or directory/);
    expect(c.calls()).toBe('');
  });

  it('refuses relative paths before doing anything', async () => {
    const c = setup('exit 0\n');
    c.opts.exitFile = 'exits/x';
    await expect(launch(c)).rejects.toThrow(/--exit-file must be an absolute path/);
  });
});

describe.skipIf(!python)('terminal (-t) through the console socket', () => {
  it('receives the pty, applies resizes, and passes input and output', async () => {
    // Longer than a unix socket path may be: the monitor must take the /proc detour.
    const deep = join(root, 'd'.repeat(60), 'e'.repeat(60));
    mkdirSync(deep, { recursive: true, mode: 0o700 });
    const c = setup('read x\nstty size\necho "tty says $x"\nexit 2\n', { terminal: true, stdin: true, consoleSocket: join(deep, 'console.sock') });
    expect(c.opts.consoleSocket!.length).toBeGreaterThan(108);
    const h = await launch(c);
    let out = '';
    const conn = await AttachConnection.connect(c.opts.attachSocket!, { stdout: (d) => (out += d) });
    conn.resize(40, 100);
    conn.writeStdin('go\n');
    await h.start();
    expect(await conn.done).toBe(2);
    expect(out).toContain('40 100\r\n');
    expect(out).toContain('tty says go\r\n');
    expect(existsSync(c.opts.consoleSocket!)).toBe(false);
    // The pty may hand over "...go\r" and "\n" separately: a partial entry, then the end.
    expect(logLines(readFileSync(c.opts.logPath!, 'utf8')).map((e) => e.text)).toContain('tty says go\r');
  });
});

describe.skipIf(!python)('sd_notify', () => {
  function receiver(path: string, out: string, count = 1): ChildProcess {
    const code = 'import socket,sys\ns=socket.socket(socket.AF_UNIX,socket.SOCK_DGRAM)\ns.bind(sys.argv[1])\nopen(sys.argv[2]+".tmp","wb").write(b"".join(s.recv(4096) for _ in range(int(sys.argv[3]))))\nimport os\nos.rename(sys.argv[2]+".tmp",sys.argv[2])\n';
    const p = spawn('python3', ['-c', code, path, out, String(count)], { stdio: 'ignore' });
    receivers.push(p);
    return p;
  }

  // Python and the fake runtime's shells are slow on a loaded machine: more than vitest's 5 s.
  it('conmon mode: says READY=1 with the monitor as MAINPID, and hides NOTIFY_SOCKET from the runtime', { timeout: 20_000 }, async () => {
    const c = setup('echo "notify=${NOTIFY_SOCKET:-unset}"\nexit 0\n', { sdNotify: 'conmon' });
    const sock = join(c.dir, 'sock', 'systemd');
    const got = join(c.dir, 'notified');
    receiver(sock, got);
    await waitFor(() => existsSync(sock), 'the receiver');
    const h = await spawnMonitor(c.opts, { monitorPath, env: { ...process.env, NOTIFY_SOCKET: sock } });
    pids.add(h.monitorPid);
    await h.start();
    await h.waitExit();
    expect(await waitFor(() => readIf(got), 'the notification', 15_000)).toBe(`MAINPID=${h.monitorPid}\nREADY=1\n`);
    expect(readFileSync(c.opts.logPath!, 'utf8')).toContain('stdout F notify=unset');
  });

  // Python and the fake runtime's shells are slow on a loaded machine: more than vitest's 5 s.
  it("container mode: says MAINPID at start, then forwards the container's message with the monitor as MAINPID", { timeout: 20_000 }, async () => {
    const c = setup('');
    const proxy = join(c.dir, 'sock', 'notify');
    writeFileSync(
      join(c.opts.bundle, 'run.sh'),
      `python3 -c 'import socket,sys; socket.socket(socket.AF_UNIX,socket.SOCK_DGRAM).sendto(b"MAINPID=1\\nREADY=1\\nSTATUS=up", sys.argv[1])' ${proxy}\nsleep 0.3\n`,
    );
    c.opts.sdNotify = 'container';
    c.opts.containerNotifySocket = proxy;
    const sock = join(c.dir, 'sock', 'systemd');
    const got = join(c.dir, 'notified');
    receiver(sock, got, 2);
    await waitFor(() => existsSync(sock), 'the receiver');
    const h = await spawnMonitor(c.opts, { monitorPath, env: { ...process.env, NOTIFY_SOCKET: sock } });
    pids.add(h.monitorPid);
    await h.start();
    await h.waitExit();
    expect(await waitFor(() => readIf(got), 'the notification', 15_000)).toBe(`MAINPID=${h.monitorPid}\nREADY=1\nSTATUS=up\nMAINPID=${h.monitorPid}\n`);
  });
});
