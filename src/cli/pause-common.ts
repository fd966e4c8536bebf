// Shared by pause and unpause: per-container reports, as Podman prints them.
import type { TpodCommand } from './base.js';

export const PAUSE_DETAILS = `
  Freezing a container needs a cgroup v2 group of its own that the user may write: a host
  with cgroup v2 that delegates it to the user (systemd's user@.service does). Elsewhere
  (cgroup v1 or hybrid hosts like this project's test machines) the command says why it
  cannot and exits 125. Each container is reported on its own.
`;

export async function pauseAll(cmd: TpodCommand, verb: 'pause' | 'unpause', all: boolean, names: string[]): Promise<number> {
  const { UsageError, TpodError } = await import('../errors.js');
  if (all && names.length > 0) throw new UsageError('--all and containers cannot be used together');
  if (!all && names.length === 0) throw new UsageError(`you must provide at least one container name or id`);
  const { pauseContainer } = await import('../engine/pause.js');
  let targets = names;
  if (all) {
    const { listContainers } = await import('../storage/containers.js');
    const { liveState } = await import('../engine/state.js');
    const want = verb === 'pause' ? 'running' : 'paused';
    targets = listContainers(cmd.ctx).filter((r) => liveState(cmd.ctx, r).status === want).map((r) => r.id);
  }
  const reports: Array<{ input: string; error?: InstanceType<typeof TpodError> }> = [];
  for (const t of targets) {
    try {
      const id = await pauseContainer(cmd.ctx, t, verb);
      reports.push({ input: all ? id : t });
    } catch (err) {
      if (!(err instanceof TpodError)) throw err;
      reports.push({ input: t, error: err });
    }
  }
  const ok = reports.filter((r) => !r.error).map((r) => r.input);
  if (ok.length > 0) cmd.print(ok.join('\n'));
  const failed = reports.filter((r) => r.error);
  if (failed.length === 0) return 0;
  for (const f of failed.slice(0, -1)) process.stderr.write(`Error: ${f.error!.message}\n`);
  throw failed[failed.length - 1]!.error!;
}

