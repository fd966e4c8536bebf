import { Command, Option } from 'clipanion';
import { TpodCommand } from '../base.js';

export class KillCommand extends TpodCommand {
  static override paths = [['kill'], ['container', 'kill']];
  static override usage = Command.Usage({
    description: 'Kill one or more running containers with a specific signal',
    details: `
      Sends a signal (SIGKILL unless -s says otherwise; a name such as TERM or SIGHUP, or
      a number) to the main process of each container and prints each name as given.
      The restart policy does not restart a killed container.
    `,
    examples: [
      ['Kill a container', '$0 kill web'],
      ['Ask a container to reload', '$0 kill -s HUP web'],
    ],
  });

  all = Option.Boolean('-a,--all', false, { description: 'Signal all running containers' });
  signal = Option.String('-s,--signal', 'KILL', { description: 'Signal to send to the container' });
  containers = Option.Rest({ name: 'container' });

  async execute(): Promise<number> {
    const { UsageError } = await import('../../errors.js');
    if (this.all === (this.containers.length > 0)) throw new UsageError(this.all ? '--all and container names cannot be used together' : 'specify one or more containers to kill, or --all');
    const { parseSignal } = await import('../../runtime/lifecycle-options.js');
    const sig = parseSignal(this.signal);
    const { killContainer } = await import('../../engine/stop.js');
    const { forEachContainer, runningTargets } = await import('../each.js');
    const targets = this.all ? await runningTargets(this.ctx) : this.containers;
    return forEachContainer(this.ctx, targets, {}, async (rec, given) => {
      await killContainer(this.ctx, rec.id, sig);
      this.print(given);
    });
  }
}
