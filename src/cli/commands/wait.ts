import { Command, Option } from 'clipanion';
import { TpodCommand } from '../base.js';

const CONDITIONS = ['configured', 'created', 'exited', 'healthy', 'initialized', 'paused', 'removing', 'running', 'stopped', 'stopping', 'unhealthy'];

export class WaitCommand extends TpodCommand {
  static override paths = [['wait'], ['container', 'wait']];
  static override usage = Command.Usage({
    description: 'Block on one or more containers',
    details: `
      Waits until each container reaches a condition (stopped by default; --condition
      may be given several times) and prints its exit code, one line per container.
    `,
    examples: [
      ['Wait for a container to exit', '$0 wait web'],
      ['Wait until it runs', '$0 wait --condition running web'],
    ],
  });

  condition = Option.Array('--condition', { description: 'Condition to wait on (stopped, running, exited, paused, ...)' });
  ignore = Option.Boolean('-i,--ignore', false, { description: 'Ignore if a container does not exist' });
  interval = Option.String('--interval', '250ms', { description: 'Time interval to wait before polling for completion' });
  containers = Option.Rest({ name: 'container', required: 1 });

  async execute(): Promise<number> {
    const { UsageError } = await import('../../errors.js');
    const conditions = (this.condition ?? ['stopped']).map((c) => c.trim().toLowerCase());
    for (const c of conditions) if (!CONDITIONS.includes(c)) throw new UsageError(`invalid condition "${c}": must be one of ${CONDITIONS.join(', ')}`);
    const { parseGoDuration } = await import('../../engine/logs.js');
    const interval = /^\d+$/.test(this.interval) ? Number(this.interval) : parseGoDuration(this.interval);
    if (interval === undefined) throw new UsageError(`invalid --interval "${this.interval}": use a duration such as 250ms`);
    const { waitContainer, removedExitCode } = await import('../../engine/wait.js');
    const { eachOnItsOwn } = await import('../../util/each.js');
    const { findContainer } = await import('../../storage/containers.js');
    return eachOnItsOwn(
      this.containers,
      async (name) => {
        let code: number;
        try {
          const id = findContainer(this.ctx, name).id;
          code = await waitContainer(this.ctx, id, conditions as Parameters<typeof waitContainer>[2], Math.max(10, Math.min(interval, 250)));
        } catch (err) {
          // A --rm container may be gone before `wait` looked: its exit file remains.
          const gone = (err as { code?: string }).code === 'ENOCONTAINER' ? removedExitCode(this.ctx, name) : undefined;
          if (gone === undefined) throw err;
          code = gone;
        }
        this.print(String(code));
      },
      (err) => this.ignore && err.code === 'ENOCONTAINER',
    );
  }
}
