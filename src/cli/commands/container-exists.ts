import { Command, Option } from 'clipanion';
import { TpodCommand } from '../base.js';

export class ContainerExistsCommand extends TpodCommand {
  static override paths = [['container', 'exists']];
  static override usage = Command.Usage({
    description: 'Check if a container exists in local storage',
    details: 'Exits 0 when a container with that name or ID exists, 1 when it does not; prints nothing.',
    examples: [['Check for a container', '$0 container exists web']],
  });

  container = Option.String({ name: 'container' });

  async execute(): Promise<number> {
    const { findContainer } = await import('../../storage/containers.js');
    const { TpodError } = await import('../../errors.js');
    try {
      findContainer(this.ctx, this.container);
      return 0;
    } catch (err) {
      if (err instanceof TpodError && err.code === 'ENOCONTAINER') return 1;
      throw err;
    }
  }
}
