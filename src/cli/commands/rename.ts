import { Command, Option } from 'clipanion';
import { TpodCommand } from '../base.js';

export class RenameCommand extends TpodCommand {
  static override paths = [['rename'], ['container', 'rename']];
  static override usage = Command.Usage({
    description: 'Rename an existing container',
    details: 'Gives a container (running or not) a new name; the old name is free again at once.',
    examples: [['Rename a container', '$0 rename web web-old']],
  });

  names = Option.Rest({ name: 'CONTAINER NAME' });

  async execute(): Promise<number> {
    const { UsageError } = await import('../../errors.js');
    if (this.names.length !== 2) throw new UsageError(`accepts 2 arg(s), received ${this.names.length}`);
    const { renameContainer } = await import('../../engine/rename.js');
    await renameContainer(this.ctx, this.names[0]!, this.names[1]!);
    return 0;
  }
}
