// tpod-helper nsexec's network steps (helpers/netns.c), compiled here, with stand-ins for
// pasta and slirp4netns (shell scripts) and for slirp4netns' API socket (a Node server).
// The namespace step runs in a user namespace of its own (unshare -Urm) when not root.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const root = mkdtempSync(join(tmpdir(), 'tpod-netns-steps-'));
let helper = '';
const SEP = '\x1f';

beforeAll(() => {
  // Into a private directory: other builds may be using helpers/build at the same time.
  const build = join(root, 'build');
  execFileSync('make', ['-s', '-C', join(repo, 'helpers'), `BUILD=${build}`, `${build}/tpod-helper`], { stdio: 'pipe' });
  helper = join(build, 'tpod-helper');
}, 120_000);

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

function script(name: string, body: string): string {
  const p = join(root, name);
  writeFileSync(p, `#!/bin/sh\n${body}\n`);
  chmodSync(p, 0o755);
  return p;
}

function nsexec(args: string[], opts: { timeout?: number } = {}): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(helper, ['nsexec', ...args], { encoding: 'utf8', timeout: opts.timeout ?? 20_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) [ZX]/.test(stat);
  } catch {
    return false;
  }
}

async function waitGone(pid: number, ms = 5000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (!alive(pid)) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return !alive(pid);
}

describe('--pasta', () => {
  it('runs the helper with no descriptor of ours beyond stdio, and waits for it', () => {
    const fake = script('fake-pasta-ok', 'ls /proc/self/fd > "$1"; exit 0');
    const out = join(root, 'fds');
    // fd 7 open in the caller must not reach pasta (tpod's sync pipes would never see EOF).
    const r = spawnSync('sh', ['-c', `exec 7</dev/null; exec "$0" nsexec --pasta "$1" -- true`, helper, [fake, out].join(SEP)], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    // ls itself opens one more descriptor for the directory it lists.
    const fds = readFileSync(out, 'utf8').trim().split('\n').map(Number).filter((n) => n >= 3);
    expect(fds.length).toBeLessThanOrEqual(1);
    expect(fds).not.toContain(7);
  });
  it('fails with pasta\'s own message, without the syslog chatter', () => {
    const fake = script('fake-pasta-fail', "echo 'Failed to send 42 bytes to syslog' >&2; echo \"Failed to bind any port for '-t 8080', exiting\" >&2; exit 1");
    const r = nsexec(['--pasta', fake, '--', 'true']);
    expect(r.code).toBe(125);
    expect(r.stderr.trim()).toBe("tpod-helper: pasta failed: Failed to bind any port for '-t 8080', exiting");
  });
  it('says when pasta cannot be run at all', () => {
    const r = nsexec(['--pasta', join(root, 'no-such-pasta'), '--', 'true']);
    expect(r.code).toBe(125);
    expect(r.stderr).toContain('cannot run');
  });
});

describe('--pasta-bg', () => {
  it('starts pasta without waiting, recording its launcher and sending its words to the log', async () => {
    const fake = script('fake-pasta-bg', 'sleep 0.3; echo "no routable interface" >&2; exit 1');
    const launch = join(root, 'bg.launch');
    const log = join(root, 'bg.log');
    const t0 = Date.now();
    const r = nsexec(['--pasta-bg', [launch, log, fake].join(SEP), '--', 'true']);
    expect(r.code).toBe(0);
    expect(Date.now() - t0).toBeLessThan(300);
    const pid = Number(readFileSync(launch, 'utf8').trim());
    expect(pid).toBeGreaterThan(0);
    expect(await waitGone(pid)).toBe(true);
    expect(readFileSync(log, 'utf8')).toBe('no routable interface\n');
  });
});

describe('--wait-pasta', () => {
  it('returns once the pid file is written, and fails with pasta\'s words once its launcher is gone', () => {
    const pid = join(root, 'w.pid');
    const launch = join(root, 'w.launch');
    const log = join(root, 'w.log');
    writeFileSync(pid, '1234\n');
    expect(nsexec(['--wait-pasta', [pid, launch, log].join(SEP), '--', 'true']).code).toBe(0);
    rmSync(pid);
    writeFileSync(launch, '999999999\n'); // no such process
    writeFileSync(log, "Failed to send 3 bytes to syslog\nFailed to bind any port for '-t 80', exiting\n");
    const r = nsexec(['--wait-pasta', [pid, launch, log].join(SEP), '--', 'true']);
    expect(r.code).toBe(125);
    expect(r.stderr.trim()).toBe("tpod-helper: pasta failed: Failed to bind any port for '-t 80', exiting");
  });
});

describe('--slirp4netns', () => {
  it('waits for the ready byte, records the pid, and the helper quits once the exit pipe closes', async () => {
    // The stand-in says ready on fd 3, then blocks until its exit pipe (fd 4) reaches EOF.
    const fake = script('fake-slirp', 'case "$1$2" in --ready-fd=3--exit-fd=4) ;; *) echo "bad args: $*" >&2; exit 2;; esac; printf 1 >&3; cat <&4 >/dev/null; exit 0');
    const pidfile = join(root, 'slirp.pid');
    const log = join(root, 'slirp.log');
    const r = nsexec(['--slirp4netns', [pidfile, log, fake, '--configure', 'tap0'].join(SEP), '--', 'true']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const pid = Number(readFileSync(pidfile, 'utf8').trim());
    expect(pid).toBeGreaterThan(0);
    // The command (true) and the helper are gone: nothing holds the exit pipe any more.
    expect(await waitGone(pid)).toBe(true);
  });
  it('reports what slirp4netns said when it never gets ready', () => {
    const fake = script('fake-slirp-fail', 'echo "open tap: permission denied" >&2; exit 1');
    const r = nsexec(['--slirp4netns', [join(root, 'f.pid'), join(root, 'f.log'), fake, 'tap0'].join(SEP), '--', 'true']);
    expect(r.code).toBe(125);
    expect(r.stderr).toContain('slirp4netns failed: open tap: permission denied');
    expect(existsSync(join(root, 'f.pid'))).toBe(false);
  });
});

describe('--slirp-api', () => {
  async function server(reply: string): Promise<{ path: string; got: () => string; srv: Server }> {
    const path = join(root, `api-${Math.random().toString(16).slice(2)}.sock`);
    let got = '';
    const srv = createServer((c) => {
      c.on('data', (d) => (got += d.toString()));
      c.on('end', () => c.end(reply));
    });
    await new Promise<void>((r) => srv.listen(path, r));
    return { path, got: () => got, srv };
  }
  const req = '{"execute":"add_hostfwd","arguments":{"proto":"tcp","host_port":8080,"guest_port":80}}';

  // Async: the server lives in this process, so the helper must not block it.
  function apiCall(path: string): Promise<{ code: number | null; stderr: string }> {
    return new Promise((resolve) => {
      const c = spawn(helper, ['nsexec', '--slirp-api', `${path}${SEP}${req}`], { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      c.stderr.on('data', (d: Buffer) => (stderr += d));
      c.on('close', (code) => resolve({ code, stderr }));
    });
  }

  it('sends the request and accepts a "return"', async () => {
    const s = await server('{"return":{"id":1}}');
    try {
      const r = await apiCall(s.path);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(s.got()).toBe(req);
    } finally {
      s.srv.close();
    }
  });
  it('fails with slirp4netns\' error', async () => {
    const s = await server('{"error":{"desc":"bad request: add_hostfwd: slirp_add_hostfwd failed"}}');
    try {
      const r = await apiCall(s.path);
      expect(r.code).toBe(125);
      expect(r.stderr).toContain('slirp_add_hostfwd failed');
    } finally {
      s.srv.close();
    }
  });
});

describe('--netns', () => {
  const uid = process.getuid?.() ?? 0;
  const wrap = uid === 0 ? [] : ['unshare', '--user', '--map-root-user', '--mount'];
  const canUnshare = uid === 0 || spawnSync('unshare', ['--user', '--map-root-user', '--mount', 'true']).status === 0;

  it.skipIf(!canUnshare)('binds a new namespace with loopback up on the file, replacing a stale one, and releases it', () => {
    const file = join(root, 'ns');
    writeFileSync(file, 'stale');
    const check = `nsenter --net=${file} cat /sys/class/net/lo/operstate /proc/self/net/dev | head -1; nsenter --net=${file} ls /sys/class/net`;
    const cmd = [
      ...wrap,
      helper, 'nsexec', '--netns', file, '--after-umount', file, '--after-rmtree', file, '--', 'sh', '-c',
      `test "$(readlink /proc/self/ns/net)" != "$(nsenter --net=${file} readlink /proc/self/ns/net)" && ${check}`,
    ];
    const r = spawnSync(cmd[0]!, cmd.slice(1), { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^unknown\n/); // lo is up (its operstate reads "unknown")
    expect(r.stdout.trim().split('\n').slice(-1)[0]).toBe('lo');
    expect(existsSync(file)).toBe(false);
  });
});
