// Talking to the user's systemd manager with `systemctl --user`, when there is one:
// reload after installing, unit states for `quadlet list`, stopping before `rm --force`.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export interface UnitState {
  load: string;
  active: string;
  sub: string;
}

/** A user manager answers on $XDG_RUNTIME_DIR/systemd/private (or the session bus). */
export function managerReachable(env: NodeJS.ProcessEnv): boolean {
  const rt = env.XDG_RUNTIME_DIR;
  if (!rt) return false;
  return existsSync(join(rt, 'systemd', 'private')) || existsSync(join(rt, 'bus'));
}

function systemctl(args: string[], env: NodeJS.ProcessEnv): { ok: boolean; stdout: string; stderr: string } {
  const r = spawnSync('systemctl', ['--user', ...args], { env, encoding: 'utf8', timeout: 60_000 });
  if (r.error) return { ok: false, stdout: '', stderr: r.error.message };
  return { ok: r.status === 0, stdout: r.stdout ?? '', stderr: (r.stderr ?? '').trim() };
}

/** `systemctl --user daemon-reload`; the error text when it failed. */
export function daemonReload(env: NodeJS.ProcessEnv): string | undefined {
  const r = systemctl(['daemon-reload'], env);
  return r.ok ? undefined : r.stderr || 'systemctl --user daemon-reload failed';
}

export function stopUnit(name: string, env: NodeJS.ProcessEnv): string | undefined {
  const r = systemctl(['stop', '--', name], env);
  return r.ok ? undefined : r.stderr || `systemctl --user stop ${name} failed`;
}

/** Load and active states of units, by name; empty when no manager answers. */
export function unitStates(names: string[], env: NodeJS.ProcessEnv): Map<string, UnitState> {
  const out = new Map<string, UnitState>();
  if (names.length === 0 || !managerReachable(env)) return out;
  const r = systemctl(['show', '--property=Id,LoadState,ActiveState,SubState', '--', ...names], env);
  if (!r.ok && r.stdout === '') return out;
  // One block per unit, in the order asked, separated by blank lines.
  const blocks = r.stdout.trim().split(/\n\s*\n/);
  blocks.forEach((block, i) => {
    const props = new Map<string, string>();
    for (const line of block.split('\n')) {
      const eq = line.indexOf('=');
      if (eq > 0) props.set(line.slice(0, eq), line.slice(eq + 1));
    }
    const name = names[i];
    if (name !== undefined) out.set(name, { load: props.get('LoadState') ?? '', active: props.get('ActiveState') ?? '', sub: props.get('SubState') ?? '' });
  });
  return out;
}

/** Podman's STATUS column: "active/running", or "Not loaded". */
export function statusText(state: UnitState | undefined): string {
  if (!state || state.load === 'not-found' || state.load === '') return 'Not loaded';
  return `${state.active}/${state.sub}`;
}
