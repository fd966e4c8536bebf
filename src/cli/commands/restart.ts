import { Command, Option } from 'clipanion';
import { TpodCommand } from '../base.js';

export class RestartCommand extends TpodCommand {
  static override paths = [['restart'], ['container', 'restart']];
  static override usage = Command.Usage({
    description: 'Restart one or more containers',
    details: `
      Stops each running container (stop signal, SIGKILL after the timeout) and starts it
      again; a stopped container is just started. Prints each container's ID.
    `,
    examples: [['Restart a container', '$0 restart web']],
  });

  all = Option.Boolean('-a,--all', false, { description: 'Restart all containers' });
  running = Option.Boolean('--running', false, { description: 'Restart only running containers (with --all)' });
  time = Option.String('-t,--time', { description: 'Seconds to wait for stop before killing the container' });
  containers = Option.Rest({ name: 'container' });

  async execute(): Promise<number> {
    const { UsageError } = await import('../../errors.js');
    if (this.all === (this.containers.length > 0)) throw new UsageError(this.all ? '--all and container names cannot be used together' : 'specify one or more containers to restart, or --all');
    const { parseTimeout } = await import('../../runtime/lifecycle-options.js');
    const timeout = this.time === undefined ? undefined : parseTimeout(this.time, '--time');
    const { stopContainer } = await import('../../engine/stop.js');
    const { startContainer } = await import('../../engine/start.js');
    const { forEachContainer, runningTargets } = await import('../each.js');
    const { listContainers } = await import('../../storage/containers.js');
    const targets = !this.all ? this.containers : this.running ? await runningTargets(this.ctx) : listContainers(this.ctx).map((r) => r.id);
    return forEachContainer(this.ctx, targets, {}, async (rec) => {
      await stopContainer(this.ctx, rec.id, timeout === undefined ? {} : { timeout });
      const r = await startContainer(this.ctx, rec.id);
      if ('handle' in r) r.handle.release();
      this.print(rec.id);
    });
  }
}
