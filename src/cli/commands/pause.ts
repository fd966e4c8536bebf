import { Command, Option } from 'clipanion';
import { TpodCommand } from '../base.js';
import { PAUSE_DETAILS } from '../pause-common.js';

export class PauseCommand extends TpodCommand {
  static override paths = [['pause'], ['container', 'pause']];
  static override usage = Command.Usage({
    description: 'Pause all the processes in one or more containers',
    details: PAUSE_DETAILS,
    examples: [['Pause a container', '$0 pause web']],
  });

  all = Option.Boolean('-a,--all', false, { description: 'Pause all running containers' });
  names = Option.Rest({ name: 'container' });

  async execute(): Promise<number> {
    const { pauseAll } = await import('../pause-common.js');
    return pauseAll(this, 'pause', this.all, this.names);
  }
}
