// A real `systemd --user` manager for end-to-end tests of units (generate systemd,
// Quadlet, auto-update), started by the test itself for the calling unprivileged user.
//
// PID 1 of these machines is not systemd, yet a user manager runs when:
//   - /run/systemd/system exists (systemd then believes it was booted), and
//   - the test runs inside a cgroup v2 group it owns (a delegated cgroup, as
//     user@.service has; .ci/testbed.sh makes one and .ci/user-cgroup.sh starts a
//     command inside it).
// Each manager gets a sub-cgroup of its own under the test's cgroup (the user may create
// groups under one it owns and move its own processes between them), and the test env's
// XDG_RUNTIME_DIR, so several test files, or several helpers testing as the same user,
// each run their own manager at the same time. The manager's environment is the test
// env's (HOME, XDG_DATA_HOME, XDG_CONFIG_HOME, XDG_RUNTIME_DIR), so the units it runs
// use the test's private tpod storage, and its unit directory is the env's
// $XDG_CONFIG_HOME/systemd/user.
//
//   const t = useEnv('gen');
//   const sd = useUserManager(t);            // after useEnv: stopped before the env goes
//   describeSystemd('units', () => { it('...', async () => { await sd.manager.systemctlOk(['start', 'x.service']); }) });
//
// Without a usable manager the tests are skipped with the reason; with CI=true they fail
// instead, so a CI machine that lost its test bed cannot pass silently.
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, closeSync, constants, existsSync, mkdirSync, openSync, readFileSync, readdirSync, rmdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { e2eSkipReason, isExecutable, onPath as harnessOnPath, run, sleep, type RunResult, type TpodEnv } from './harness.js';

const SYSTEMD_BINARIES = ['/lib/systemd/systemd', '/usr/lib/systemd/systemd'];
const DBUS_USER_SOCKET_UNITS = ['/usr/lib/systemd/user/dbus.socket', '/lib/systemd/user/dbus.socket'];
const HOW_TO =
  'as root, run .ci/testbed.sh, then start the tests inside the delegated cgroup: ' +
  '.ci/user-cgroup.sh tpodtest env HOME=/home/tpodtest PATH=/usr/local/bin:/usr/bin:/bin npx vitest run --project e2e FILE';

const onPath = (name: string): string | undefined => harnessOnPath(name, process.env.PATH ?? '/usr/bin:/bin');

/** The systemd binary that runs `--user`, if installed. */
export function systemdBinary(): string | undefined {
  return SYSTEMD_BINARIES.find(isExecutable);
}

/** Where cgroup2 is mounted: /sys/fs/cgroup (v2 hosts) or /sys/fs/cgroup/unified (hybrid). */
export function unifiedMount(): string | undefined {
  try {
    for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
      const [pre, post] = line.split(' - ');
      if (post?.split(' ')[0] === 'cgroup2') return pre?.split(' ')[4];
    }
  } catch {
    /* no /proc */
  }
  return undefined;
}

/** The host directory of this process's cgroup v2 group. */
export function ownCgroupDir(pid: number | 'self' = 'self'): string | undefined {
  const mount = unifiedMount();
  if (!mount) return undefined;
  try {
    const line = readFileSync(`/proc/${pid}/cgroup`, 'utf8')
      .split('\n')
      .find((l) => l.startsWith('0::'));
    return line === undefined ? undefined : join(mount, line.slice(3));
  } catch {
    return undefined;
  }
}

/** Why no user manager can run here, or undefined when one can. */
export function systemdSkipReason(): string | undefined {
  if (e2eSkipReason) return e2eSkipReason;
  if (!systemdBinary()) return `no systemd binary (${SYSTEMD_BINARIES.join(' or ')}): install systemd`;
  if (!onPath('systemctl')) return 'no systemctl on PATH: install systemd';
  if (!existsSync('/run/systemd/system')) return `/run/systemd/system is missing, so systemd --user refuses to run; ${HOW_TO}`;
  const cg = ownCgroupDir();
  if (!cg) return 'no cgroup v2 hierarchy is mounted, and systemd --user tracks its units there';
  try {
    accessSync(cg, constants.W_OK);
    accessSync(join(cg, 'cgroup.procs'), constants.W_OK);
  } catch {
    return `this process's cgroup ${cg} is not delegated to uid ${process.getuid?.()} (a user manager needs one it may write); ${HOW_TO}`;
  }
  return undefined;
}

let bannerShown = false;

/**
 * `describe` for tests that need a user manager: skipped with the reason when the machine
 * cannot run one, but failing when CI=true (a CI machine must have the test bed).
 */
export function describeSystemd(name: string, fn: () => void): void {
  const reason = systemdSkipReason();
  if (!reason) {
    describe(name, fn);
    return;
  }
  if (process.env.CI === 'true' && !e2eSkipReason) {
    describe(name, () => {
      it('has a systemd --user test bed', () => {
        throw new Error(`CI must be able to run systemd --user: ${reason}`);
      });
    });
    return;
  }
  if (!bannerShown) {
    bannerShown = true;
    process.stderr.write(`\nsystemd e2e tests SKIPPED: ${reason}\n\n`);
  }
  describe.skip(name, fn);
}

// ------------------------------------------------------------------ the manager

export interface UserManager {
  /** The test env the manager runs with (its XDG dirs are the manager's). */
  readonly env: TpodEnv;
  /** $XDG_CONFIG_HOME/systemd/user: where unit files go (created). */
  readonly unitDir: string;
  /** Environment for systemctl & co. talking to this manager. */
  readonly vars: NodeJS.ProcessEnv;
  /** Host directory of the manager's own cgroup (its units live below it). */
  readonly cgroup: string;
  readonly pid: number;
  /** The manager's log; units' stdout and stderr go there too. */
  readonly logFile: string;
  /** `systemctl --user ARGS`; never rejects on a non-zero exit. */
  systemctl(args: string[], timeoutMs?: number): Promise<RunResult>;
  /** Like systemctl(), but throws with the output (and the manager's log tail) on failure. */
  systemctlOk(args: string[], timeoutMs?: number): Promise<RunResult>;
  /** `systemctl --user show -P PROP UNIT`, trimmed. */
  show(unit: string, property: string): Promise<string>;
  /** Writes UNIT into unitDir (no daemon-reload). Returns the path. */
  writeUnit(name: string, text: string): string;
  /** Polls until PROP of UNIT is one of VALUES; throws with the unit's status otherwise. */
  waitFor(unit: string, property: string, values: string[], ms?: number): Promise<string>;
  /** Host directory of UNIT's cgroup, when it has one. */
  unitCgroup(unit: string): Promise<string | undefined>;
  /** Pids in UNIT's cgroup and below. */
  unitPids(unit: string): Promise<number[]>;
  /** The last LINES lines of the manager's log. */
  logTail(lines?: number): string;
  /** Stops every unit, the manager and whatever is left in its cgroup. Safe to call twice. */
  stop(): Promise<void>;
}

let counter = 0;

function cgroupPids(dir: string): number[] {
  const pids: number[] = [];
  const walk = (d: string): void => {
    try {
      for (const p of readFileSync(join(d, 'cgroup.procs'), 'utf8').split('\n')) if (/^\d+$/.test(p)) pids.push(Number(p));
      for (const e of readdirSync(d, { withFileTypes: true })) if (e.isDirectory()) walk(join(d, e.name));
    } catch {
      /* removed meanwhile */
    }
  };
  walk(dir);
  return pids;
}

function populated(dir: string): boolean {
  try {
    return /^populated 1$/m.test(readFileSync(join(dir, 'cgroup.events'), 'utf8'));
  } catch {
    return false;
  }
}

/** Kills everything in DIR (cgroup.kill where the kernel has it) and removes the groups, deepest first. */
async function destroyCgroup(dir: string): Promise<void> {
  if (!existsSync(dir)) return;
  try {
    writeFileSync(join(dir, 'cgroup.kill'), '1');
  } catch {
    for (const pid of cgroupPids(dir)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
  }
  const end = Date.now() + 10_000;
  while (populated(dir) && Date.now() < end) await sleep(50);
  const remove = (d: string): void => {
    try {
      for (const e of readdirSync(d, { withFileTypes: true })) if (e.isDirectory()) remove(join(d, e.name));
      rmdirSync(d);
    } catch {
      /* still populated, or gone */
    }
  };
  remove(dir);
  if (existsSync(dir)) process.stderr.write(`systemd-user: could not remove cgroup ${dir} (pids: ${cgroupPids(dir).join(' ')})\n`);
}

/** Old manager groups of this user's test runs that nothing lives in any more. */
function removeStaleGroups(parent: string): void {
  try {
    for (const e of readdirSync(parent, { withFileTypes: true })) {
      if (!e.isDirectory() || !e.name.startsWith('tpod-systemd-')) continue;
      const d = join(parent, e.name);
      if (!populated(d) && Date.now() - statSync(d).mtimeMs > 10 * 60_000) void destroyCgroup(d);
    }
  } catch {
    /* best effort */
  }
}

/**
 * Starts a user manager for ENV in a new sub-cgroup of this process's cgroup and waits
 * until it is running. Throws (with its log) when it does not come up.
 */
export async function startUserManager(env: TpodEnv, opts: { timeoutMs?: number } = {}): Promise<UserManager> {
  const reason = systemdSkipReason();
  if (reason) throw new Error(`cannot start systemd --user: ${reason}`);
  const systemd = systemdBinary()!;
  const parent = ownCgroupDir()!;
  removeStaleGroups(parent);
  const cgroup = join(parent, `tpod-systemd-${process.pid}-${++counter}-${Math.random().toString(36).slice(2, 8)}`);
  mkdirSync(cgroup);

  const unitDir = join(env.configHome, 'systemd', 'user');
  mkdirSync(unitDir, { recursive: true });
  const logFile = join(env.base, `systemd-user-${counter}.log`);
  const bus = `unix:path=${join(env.runtimeDir, 'bus')}`;
  const vars: NodeJS.ProcessEnv = {
    ...env.vars,
    XDG_RUNTIME_DIR: env.runtimeDir,
    DBUS_SESSION_BUS_ADDRESS: bus,
    SYSTEMD_PAGER: '',
    SYSTEMD_COLORS: '0',
  };
  delete vars.NOTIFY_SOCKET;
  delete vars.INVOCATION_ID;

  // The wrapper moves itself into the new group, then becomes the program: nothing of it
  // runs in the test's own group.
  const inGroup = (argv: string[], detach: boolean): ChildProcess => {
    const log = openSync(logFile, 'a');
    try {
      return spawn('/bin/sh', ['-c', 'echo 0 > "$0/cgroup.procs" && exec "$@"', cgroup, ...argv], {
        env: vars,
        cwd: env.home,
        detached: detach,
        stdio: ['ignore', log, log],
      });
    } finally {
      closeSync(log);
    }
  };

  const children: ChildProcess[] = [];
  // With dbus-user-session the manager opens the session bus itself (dbus.socket);
  // otherwise a private dbus-daemon serves it, for programs that want the bus.
  if (!DBUS_USER_SOCKET_UNITS.some(existsSync) && onPath('dbus-daemon')) {
    children.push(inGroup([onPath('dbus-daemon')!, '--session', `--address=${bus}`, '--nofork', '--nopidfile', '--nosyslog'], true));
  }
  const manager = inGroup(
    [systemd, '--user', '--log-target=console', '--log-level=info', '--default-standard-output=inherit', '--default-standard-error=inherit'],
    true,
  );
  children.push(manager);
  let exited: number | string | undefined;
  manager.on('exit', (code, signal) => {
    exited = code ?? signal ?? 'unknown';
  });
  for (const c of children) c.unref();
  const pid = manager.pid!;

  const systemctl = (args: string[], timeoutMs = 60_000): Promise<RunResult> =>
    run('systemctl', ['--user', '--no-pager', ...args], { env, extraEnv: vars, timeout: timeoutMs });
  const logTail = (lines = 40): string => {
    try {
      return readFileSync(logFile, 'utf8').split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  };
  let stopped = false;

  const handle: UserManager = {
    env,
    unitDir,
    vars,
    cgroup,
    pid,
    logFile,
    systemctl,
    async systemctlOk(args, timeoutMs) {
      const r = await systemctl(args, timeoutMs);
      if (r.code !== 0) {
        // No journal here: the units' status and their output (in the log) tell why.
        const units = args.filter((a) => /\.(service|socket|timer|target)$/.test(a));
        const status = units.length > 0 ? (await systemctl(['status', ...units])).stdout : '';
        throw new Error(`systemctl --user ${args.join(' ')} exited ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}\n--- status\n${status}\n--- manager log\n${logTail()}`);
      }
      return r;
    },
    async show(unit, property) {
      const r = await systemctl(['show', '-P', property, unit]);
      return r.stdout.trim();
    },
    writeUnit(name, text) {
      const p = join(unitDir, name);
      writeFileSync(p, text);
      return p;
    },
    async waitFor(unit, property, values, ms = 30_000) {
      const end = Date.now() + ms;
      let last = '';
      for (;;) {
        last = await handle.show(unit, property);
        if (values.includes(last)) return last;
        if (Date.now() > end) {
          const status = await systemctl(['status', unit]);
          throw new Error(`${unit}: ${property}=${last}, waited for ${values.join('|')}\n${status.stdout}${status.stderr}\n--- manager log\n${logTail()}`);
        }
        await sleep(100);
      }
    },
    async unitCgroup(unit) {
      const rel = await handle.show(unit, 'ControlGroup');
      const mount = unifiedMount();
      return rel && mount ? join(mount, rel) : undefined;
    },
    async unitPids(unit) {
      const dir = await handle.unitCgroup(unit);
      return dir ? cgroupPids(dir) : [];
    },
    logTail,
    async stop() {
      if (stopped) return;
      stopped = true;
      // SIGTERM makes a user manager start exit.target: units are stopped as on logout
      // (their ExecStop= runs), then it exits.
      if (exited === undefined) {
        try {
          process.kill(pid, 'SIGTERM');
        } catch {
          /* gone */
        }
        const end = Date.now() + 90_000;
        while (exited === undefined && Date.now() < end) await sleep(50);
      }
      for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
      await destroyCgroup(cgroup);
    },
  };

  // Up when the manager says so ("running"; "degraded" names a failed unit, still usable).
  const end = Date.now() + (opts.timeoutMs ?? 30_000);
  for (;;) {
    if (exited !== undefined) {
      await handle.stop();
      throw new Error(`systemd --user exited (${exited}) before it was running:\n${logTail()}`);
    }
    const r = await systemctl(['is-system-running'], 5_000).catch(() => undefined);
    const state = r?.stdout.trim();
    if (state === 'running' || state === 'degraded') break;
    if (Date.now() > end) {
      await handle.stop();
      throw new Error(`systemd --user did not come up (state: ${state || r?.stderr.trim() || 'none'}):\n${logTail()}`);
    }
    await sleep(100);
  }
  return handle;
}

/**
 * For a test file: a user manager started after T's env exists and stopped before it is
 * torn down (call after useEnv; vitest runs afterAll hooks in reverse order).
 */
export function useUserManager(t: { readonly env: TpodEnv }): { readonly manager: UserManager } {
  let current: UserManager | undefined;
  beforeAll(async () => {
    if (systemdSkipReason()) return;
    current = await startUserManager(t.env);
  });
  afterAll(async () => {
    await current?.stop();
  });
  return {
    get manager(): UserManager {
      if (!current) throw new Error('useUserManager(): no manager (skipped, or outside tests)');
      return current;
    },
  };
}
