// Restarting the systemd unit that runs a container. Podman talks D-Bus; tpod runs
// `systemctl` (the user's manager when rootless), which waits for the restart job as
// Podman does. A restart counts as good when the job succeeded and the unit is active
// afterwards: a container that dies at once leaves it failed, or activating while
// systemd's Restart= tries again. The runner is an interface so tests can fake it.
import { spawn } from 'node:child_process';

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `systemctl [--user] ARGS...`. */
export type SystemctlRunner = (args: string[]) => Promise<CommandResult>;

export interface UnitManager {
  /** `systemctl restart UNIT`: waits for the job to finish. */
  restart(unit: string): Promise<CommandResult>;
  /** `systemctl is-active UNIT`: active, activating, failed, inactive, ... */
  isActive(unit: string): Promise<string>;
  /** Whether the manager answers; undefined when it does, else systemctl's words. */
  ping(): Promise<string | undefined>;
}

/** The real `systemctl`: `--user` unless tpod runs as root. */
export function systemctlRunner(opts: { user: boolean; env?: NodeJS.ProcessEnv; command?: string }): SystemctlRunner {
  return (args) =>
    new Promise((resolve) => {
      const argv = opts.user ? ['--user', ...args] : args;
      const child = spawn(opts.command ?? 'systemctl', argv, { stdio: ['ignore', 'pipe', 'pipe'], env: opts.env ?? process.env });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('error', (e) => resolve({ code: 127, stdout, stderr: `cannot run ${opts.command ?? 'systemctl'}: ${e.message}` }));
      child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr }));
    });
}

export function unitManager(run: SystemctlRunner): UnitManager {
  return {
    restart: (unit) => run(['restart', '--', unit]),
    isActive: async (unit) => {
      const r = await run(['is-active', '--', unit]);
      return r.stdout.trim().split('\n')[0] || 'unknown';
    },
    ping: async () => {
      const r = await run(['show-environment']);
      return r.code === 0 ? undefined : r.stderr.trim().replace(/\s+/g, ' ') || `systemctl exited with ${r.code}`;
    },
  };
}

export interface RestartOptions {
  /** How long a unit still activating (or deactivating) after the job may take to settle. */
  settleMs?: number;
  /** Between is-active checks. */
  pollMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

const TRANSIENT = new Set(['activating', 'deactivating', 'reloading', 'refreshing']);

/** Restarts a unit; resolves to undefined when it runs afterwards, else to why not. */
export async function restartUnit(mgr: UnitManager, unit: string, opts: RestartOptions = {}): Promise<string | undefined> {
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const r = await mgr.restart(unit);
  if (r.code !== 0) {
    const words = r.stderr.trim().replace(/\s+/g, ' ');
    return words || `systemctl restart exited with ${r.code}`;
  }
  const end = Date.now() + (opts.settleMs ?? 10_000);
  let state = await mgr.isActive(unit);
  while (TRANSIENT.has(state) && Date.now() < end) {
    await sleep(opts.pollMs ?? 200);
    state = await mgr.isActive(unit);
  }
  return state === 'active' ? undefined : `the unit is ${state} after the restart`;
}
