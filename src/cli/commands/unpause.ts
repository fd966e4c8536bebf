import { Command, Option } from 'clipanion';
import { TpodCommand } from '../base.js';
import { PAUSE_DETAILS } from '../pause-common.js';

export class UnpauseCommand extends TpodCommand {
  static override paths = [['unpause'], ['container', 'unpause']];
  static override usage = Command.Usage({
    description: 'Unpause the processes in one or more containers',
    details: PAUSE_DETAILS,
    examples: [['Unpause a container', '$0 unpause web']],
  });

  all = Option.Boolean('-a,--all', false, { description: 'Unpause all paused containers' });
  names = Option.Rest({ name: 'container' });

  async execute(): Promise<number> {
    const { pauseAll } = await import('../pause-common.js');
    return pauseAll(this, 'unpause', this.all, this.names);
  }
}
