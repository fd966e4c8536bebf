// Shared helpers for end-to-end tests: they run the real tpod binary as the calling
// (unprivileged) user, each test file in its own private storage, runtime and config
// directories, so test files never share a pause process or images with each other or
// with the user's own tpod.
import { spawn, spawnSync } from 'node:child_process';
import { constants as fsConstants } from 'node:fs';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, realpathSync, rmSync, statSync, accessSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { get as nodeHttpGet } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import { afterAll, beforeAll, describe } from 'vitest';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

// ------------------------------------------------------------------ root guard

const uid = process.getuid?.() ?? 0;

/**
 * Why e2e tests are skipped, or undefined when they run. tpod is rootless: as root the
 * tests would exercise a different code path (and could touch the real system).
 */
export const e2eSkipReason: string | undefined =
  uid === 0 && !process.env.TPOD_E2E_AS_ROOT
    ? 'e2e tests run as an unprivileged user; as root they are SKIPPED (set TPOD_E2E_AS_ROOT=1 to force)'
    : undefined;

if (e2eSkipReason) {
  const bar = '!'.repeat(78);
  process.stderr.write(`\n${bar}\n!! ${e2eSkipReason}\n${bar}\n\n`);
}

/** `describe`, or `describe.skip` when e2e tests must not run here (see e2eSkipReason). */
export const describeE2E: typeof describe = (e2eSkipReason ? describe.skip : describe) as typeof describe;

// ------------------------------------------------------------------ the binary

/** A regular file this user may execute. */
export function isExecutable(p: string): boolean {
  try {
    accessSync(p, fsConstants.X_OK);
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

/** NAME's full path in the first PATH directory that has it executable. */
export function onPath(name: string, pathEnv = process.env.PATH ?? ''): string | undefined {
  for (const dir of pathEnv.split(delimiter)) {
    if (dir && isExecutable(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

/**
 * Whether a tool a test needs is installed. Missing on CI (CI=true) is a failure, not a
 * skip: install.sh --with-test-deps installs every one, so a CI machine without it is
 * broken and must not pass silently.
 */
export function requireTool(name: string): boolean {
  if (onPath(name)) return true;
  if (process.env.CI === 'true') throw new Error(`${name} is not installed: CI must have it (./install.sh --with-test-deps)`);
  process.stderr.write(`e2e: ${name} not installed; the test that needs it checks nothing here\n`);
  return false;
}

let binCache: string | undefined;

/**
 * The tpod under test: $TPOD_BIN, else `tpod` on PATH, else this checkout's build
 * (dist/tpod, the launcher, or dist/tpod.js).
 */
export function tpodBin(): string {
  if (binCache) return binCache;
  const candidates: [string | undefined, string][] = [
    [process.env.TPOD_BIN, '$TPOD_BIN'],
    [onPath('tpod'), 'PATH'],
    [join(repoRoot, 'dist', 'tpod'), 'this checkout'],
    [join(repoRoot, 'dist', 'tpod.js'), 'this checkout'],
  ];
  for (const [c, from] of candidates) {
    if (c && isExecutable(c)) {
      // Said once per test file: an installed tpod on PATH wins over this checkout's build.
      process.stderr.write(`e2e: testing ${c} (from ${from})\n`);
      return (binCache = c);
    }
  }
  if (process.env.TPOD_BIN) throw new Error(`TPOD_BIN=${process.env.TPOD_BIN} is not an executable file`);
  throw new Error('no tpod to test: set TPOD_BIN, put tpod on PATH (./install.sh) or build this checkout (npm run build)');
}

/**
 * The directory holding tpod-helper for the binary under test: beside tpod.js, found
 * through a symlink or the launcher script `exec node "DIR/tpod.js"`.
 */
export function helperDirFor(bin: string = tpodBin()): string | undefined {
  const dirs: string[] = [];
  if (process.env.TPOD_HELPER_DIR) dirs.push(process.env.TPOD_HELPER_DIR);
  try {
    const real = realpathSync(bin);
    dirs.push(dirname(real));
    const text = readFileSync(real, 'utf8').slice(0, 4096);
    // install.sh's launcher names its directory: d='/usr/local/lib/tpod'
    const fixed = /^d='([^']+)'$/m.exec(text);
    if (fixed?.[1]) dirs.push(fixed[1]);
    const m = /exec node "?([^"\s]+)\/tpod\.js"?/.exec(text);
    if (m?.[1] && !m[1].includes('$')) dirs.push(m[1]);
  } catch {
    /* not readable: fall through to the checkout */
  }
  dirs.push(join(repoRoot, 'dist'), join(repoRoot, 'helpers', 'build'));
  return dirs.find((d) => isExecutable(join(d, 'tpod-helper')));
}

// ------------------------------------------------------------------ environments

export interface TpodEnv {
  /** The private temp dir holding everything below (0700). */
  base: string;
  home: string;
  dataHome: string;
  runtimeDir: string;
  configHome: string;
  /** Environment for child processes: process.env with the dirs above. */
  vars: NodeJS.ProcessEnv;
  /** Images already imported into this env, by name (busyboxImage caches here). */
  images: Set<string>;
}

/** Variables of the test runner that must not leak into the tpod under test. */
const DROP_VARS = /^(VITEST|VITE_|NODE_OPTIONS$|NODE_V8_COVERAGE$|TPOD_ROOT$|TPOD_RUNROOT$|CONTAINERS_)/;

/**
 * A private XDG_DATA_HOME, XDG_RUNTIME_DIR, XDG_CONFIG_HOME and HOME under the system
 * temp dir, so a test file has its own storage, its own pause process and its own
 * registries.conf, and the user's real ones are never touched.
 */
export function makeEnv(label = 'e2e'): TpodEnv {
  const base = mkdtempSync(join(tmpdir(), `tpod-${label.replace(/[^\w.-]/g, '_')}-`));
  const sub = (name: string): string => {
    const d = join(base, name);
    mkdirSync(d, { mode: 0o700 });
    return d;
  };
  const home = sub('home');
  const dataHome = sub('data');
  const runtimeDir = sub('run');
  const configHome = sub('config');
  const vars: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!DROP_VARS.test(k)) vars[k] = v;
  Object.assign(vars, { HOME: home, XDG_DATA_HOME: dataHome, XDG_RUNTIME_DIR: runtimeDir, XDG_CONFIG_HOME: configHome });
  return { base, home, dataHome, runtimeDir, configHome, vars, images: new Set() };
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
  /** The signal that ended the process, if one did (a timeout sends SIGKILL). */
  signal: NodeJS.Signals | null;
  timedOut: boolean;
}

export interface RunOptions {
  env: TpodEnv;
  /** Written to stdin, which is then closed; without it stdin is /dev/null. */
  input?: string | Buffer;
  /** Milliseconds before the process is killed; default 60 s. */
  timeout?: number;
  cwd?: string;
  /** Extra variables on top of the env's. */
  extraEnv?: NodeJS.ProcessEnv;
}

/** Runs any command with the env's variables; never rejects on a non-zero exit. */
export function run(cmd: string, args: string[], opts: RunOptions): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, {
      env: { ...opts.env.vars, ...opts.extraEnv },
      cwd: opts.cwd ?? opts.env.base,
      stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, opts.timeout ?? 60_000);
    child.stdout!.on('data', (b: Buffer) => out.push(b));
    child.stderr!.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({
        code: code ?? (signal ? 128 + (constants.signals[signal] ?? 0) : -1),
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        signal,
        timedOut,
      });
    });
    if (opts.input !== undefined) {
      child.stdin!.on('error', () => undefined); // the command may exit without reading
      child.stdin!.end(opts.input);
    }
  });
}

/** Runs `tpod ARGS...` in the env. */
export function tpod(args: string[], opts: RunOptions): Promise<RunResult> {
  return run(tpodBin(), args, opts);
}

/** Like tpod(), but throws with the command's output when it does not exit 0. */
export async function tpodOk(args: string[], opts: RunOptions): Promise<RunResult> {
  const r = await tpod(args, opts);
  if (r.code !== 0) {
    throw new Error(`tpod ${args.join(' ')} exited ${r.code}${r.timedOut ? ' (timed out)' : ''}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`);
  }
  return r;
}

/**
 * For a test file: a fresh env before its tests, torn down after them.
 *   const t = useEnv('run'); ... await tpod(['ps'], { env: t.env })
 */
export function useEnv(label?: string): { readonly env: TpodEnv } {
  let current: TpodEnv | undefined;
  beforeAll(() => {
    current = makeEnv(label);
  });
  afterAll(async () => {
    if (current) await cleanup(current);
  });
  return {
    get env(): TpodEnv {
      if (!current) throw new Error('useEnv(): the env exists only inside tests (after beforeAll)');
      return current;
    },
  };
}

// ------------------------------------------------------------------ clean-up

/** The env's pause process, if it is alive, named tpod-pause and ours. */
export function pausePid(env: TpodEnv): number | undefined {
  try {
    // "PID STARTTIME BOOTID" (the pid alone from older builds).
    const pid = Number(readFileSync(join(env.runtimeDir, 'tpod', 'pause.pid'), 'utf8').trim().split(/\s+/)[0]);
    if (!Number.isInteger(pid) || pid <= 0) return undefined;
    if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() !== 'tpod-pause') return undefined;
    if (statSync(`/proc/${pid}`).uid !== uid) return undefined;
    return pid;
  } catch {
    return undefined;
  }
}

function nsOf(pid: number | string, ns: string): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/ns/${ns}`);
  } catch {
    return undefined;
  }
}

/**
 * Processes that belong to this env and nothing else: those inside the user namespace
 * of one of the given pause processes, and our own processes with a variable pointing
 * into the env's private dir (everything tpod started for it inherits HOME and the XDG
 * dirs, even when a test changed one of them). Never the pause processes themselves.
 */
export function envProcesses(env: TpodEnv, pauses: number[] = findPauses(env)): number[] {
  const userns = new Set(pauses.map((p) => nsOf(p, 'user')).filter((n): n is string => !!n));
  const marker = Buffer.from(`=${env.base}/`);
  const found: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    if (pauses.includes(pid) || pid === process.pid) continue;
    const ns = nsOf(pid, 'user');
    if (ns && userns.has(ns)) {
      found.push(pid);
      continue;
    }
    try {
      if (statSync(`/proc/${pid}`).uid !== uid) continue;
      if (readFileSync(`/proc/${pid}/environ`).includes(marker)) found.push(pid);
    } catch {
      /* gone, or not ours */
    }
  }
  return found;
}

/**
 * The env's tpod-monitor processes for container ID (the one keeping it, or one still
 * running its exit command). Once there is none, nothing can restart the container.
 */
export function monitorsOf(env: TpodEnv, id: string): number[] {
  return envProcesses(env).filter((p) => {
    try {
      const argv = readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0');
      return /tpod-monitor$/.test(argv[0] ?? '') && argv.includes(id);
    } catch {
      return false;
    }
  });
}

/**
 * This env's pause processes: the one its pid file names, and any other live
 * `tpod-pause` of ours started with this env's dirs (a test that pointed --runroot or
 * XDG_RUNTIME_DIR elsewhere).
 */
export function findPauses(env: TpodEnv): number[] {
  const pauses = new Set<number>();
  const recorded = pausePid(env);
  if (recorded) pauses.add(recorded);
  const marker = Buffer.from(`=${env.base}/`);
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (readFileSync(`/proc/${name}/comm`, 'utf8').trim() !== 'tpod-pause') continue;
      if (statSync(`/proc/${name}`).uid !== uid || !alive(Number(name))) continue;
      if (readFileSync(`/proc/${name}/environ`).includes(marker)) pauses.add(Number(name));
    } catch {
      /* gone, or not ours */
    }
  }
  return [...pauses];
}

/** Mount points under `prefix` in the pause process's mount namespace, deepest first. */
export function mountsUnder(pause: number, prefix: string): string[] {
  try {
    return readFileSync(`/proc/${pause}/mountinfo`, 'utf8')
      .split('\n')
      .map((line) => line.split(' ')[4])
      .filter((m): m is string => !!m)
      .map((m) => m.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))))
      .filter((m) => m.startsWith(prefix + '/'))
      .sort((a, b) => b.length - a.length);
  } catch {
    return [];
  }
}

/** Alive means present and not a zombie (a zombie waits for a parent that may never reap it). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

async function waitGone(pids: number[], ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end && pids.some(alive)) await new Promise((r) => setTimeout(r, 20));
}

/**
 * Tears an env down: removes its containers (best effort), kills what is left of its
 * processes, then deletes its files from inside its user namespace (files owned by
 * subordinate ids cannot be deleted from outside), stops its pause process, and removes
 * what remains. Safe to call twice.
 */
export async function cleanup(env: TpodEnv): Promise<void> {
  if (!existsSync(env.base)) return;
  if (pausePid(env)) {
    await tpod(['rm', '--all', '--force', '--time', '0'], { env, timeout: 30_000 }).catch(() => undefined);
    await tpod(['pod', 'rm', '--all', '--force'], { env, timeout: 30_000 }).catch(() => undefined);
  }
  const pauses = findPauses(env);
  const strays = envProcesses(env, pauses);
  for (const pid of strays) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
  await waitGone(strays, 5_000);

  // Delete from inside a namespace that maps the subordinate ids, after unmounting what
  // is mounted under the env there.
  const helperDir = helperDirFor();
  for (const pause of pauses) {
    if (!helperDir || !alive(pause)) continue;
    const args = ['nsexec', '--pid', String(pause)];
    for (const m of mountsUnder(pause, env.base)) args.push('--umount', m);
    args.push('--rmtree', env.base);
    const r = spawnSync(join(helperDir, 'tpod-helper'), args, { encoding: 'utf8', timeout: 60_000 });
    if (r.status === 0) break;
    process.stderr.write(`harness: cleaning ${env.base} in the namespace of ${pause} failed: ${r.stderr || r.error?.message}\n`);
  }
  for (const pause of pauses) {
    try {
      process.kill(pause, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
  await waitGone(pauses, 5_000);
  try {
    rmSync(env.base, { recursive: true, force: true });
  } catch {
    // Our own read-only directories (an image's 0555 dirs under vfs, say): make them writable.
    spawnSync('chmod', ['-R', 'u+rwX', env.base], { stdio: 'ignore' });
    try {
      rmSync(env.base, { recursive: true, force: true });
    } catch (e) {
      process.stderr.write(`harness: could not remove ${env.base}: ${(e as Error).message}\n`);
    }
  }
}

// ------------------------------------------------------------------ images

let busyboxTarCache: string | undefined;

/**
 * The busybox rootfs tarball scripts/busybox-rootfs.sh builds from the host's static
 * busybox, built once per busybox binary and kept in a private cache dir.
 */
export function busyboxTarball(): string {
  if (busyboxTarCache && existsSync(busyboxTarCache)) return busyboxTarCache;
  const bb = ['/bin/busybox', '/usr/bin/busybox'].find(isExecutable) ?? onPath('busybox');
  if (!bb) throw new Error('busybox not found: install busybox-static (./install.sh --with-test-deps does)');
  const st = statSync(bb);
  const key = createHash('sha256').update(`${realpathSync(bb)}:${st.size}:${st.mtimeMs}`).digest('hex').slice(0, 16);
  const cache = join(tmpdir(), `tpod-e2e-cache-${uid}`);
  mkdirSync(cache, { recursive: true, mode: 0o700 });
  if (statSync(cache).uid !== uid) throw new Error(`${cache} is not owned by uid ${uid}; refusing to use it`);
  const tar = join(cache, `busybox-${key}.tar`);
  if (!existsSync(tar)) {
    const r = spawnSync(join(repoRoot, 'scripts', 'busybox-rootfs.sh'), [tar], { encoding: 'utf8', env: { ...process.env, BUSYBOX: bb } });
    if (r.status !== 0) throw new Error(`scripts/busybox-rootfs.sh failed: ${r.stderr || r.error?.message}`);
  }
  return (busyboxTarCache = tar);
}

export const BUSYBOX_IMAGE = 'localhost/busybox:latest';

/** Imports the busybox rootfs into the env once; returns the image name. */
export async function busyboxImage(env: TpodEnv, name = BUSYBOX_IMAGE): Promise<string> {
  if (env.images.has(name)) return name;
  await tpodOk(['import', busyboxTarball(), name], { env, timeout: 120_000 });
  env.images.add(name);
  return name;
}

// ------------------------------------------------------------------ waiting

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Polls FN every 50 ms until it returns something truthy; fails after MS naming WHAT.
 * The bound is generous on purpose: a loaded machine may take many times longer than
 * an idle one, and a state that comes late is not a failure.
 */
export async function until<T>(what: string, fn: () => T | undefined | false | Promise<T | undefined | false>, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** True when PID has exited: gone from /proc or a zombie. It may be reaped between two reads. */
export function procGone(pid: number | string): boolean {
  try {
    return /\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

// ------------------------------------------------------------------ loopback network

/** A free TCP port on 127.0.0.1 (bound and released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createTcpServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** One HTTP GET on loopback; undefined while nothing answers yet. */
export function httpGet(url: string): Promise<{ status: number; body: string } | undefined> {
  return new Promise((resolve) => {
    // One connection per request: busybox httpd's CGI replies have no length.
    const req = nodeHttpGet(url, { timeout: 2000, agent: false, headers: { Connection: 'close' } }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', () => resolve(undefined));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(undefined));
  });
}

/** The body of a 200 answer; undefined for no answer or another status. */
export async function httpBody(url: string): Promise<string | undefined> {
  const r = await httpGet(url);
  return r?.status === 200 ? r.body : undefined;
}

/** Waits for URL to answer 200 and returns the body. */
export async function waitForPage(url: string, ms?: number): Promise<string> {
  const r = await until(`GET ${url}`, async () => {
    const x = await httpGet(url);
    return x?.status === 200 ? x : undefined;
  }, ms);
  return r.body;
}

/**
 * Live (not zombie) processes of ours named one of NAMES (comm) that were started for ENV:
 * its base directory in their command line or environment.
 */
export function liveProcessesOf(env: TpodEnv, names: ReadonlySet<string>): number[] {
  const marker = Buffer.from(`${env.base}/`);
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (!names.has(readFileSync(`/proc/${name}/comm`, 'utf8').trim())) continue;
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z') continue;
      if (statSync(`/proc/${name}`).uid !== process.getuid?.()) continue;
      if (readFileSync(`/proc/${name}/cmdline`).includes(marker) || readFileSync(`/proc/${name}/environ`).includes(marker)) out.push(Number(name));
    } catch {
      /* gone, or not ours */
    }
  }
  return out;
}
