import { Command, Option } from 'clipanion';
import { TpodCommand } from '../base.js';

export class NetworkExistsCommand extends TpodCommand {
  static override paths = [['network', 'exists']];
  static override usage = Command.Usage({
    description: 'Check if a network exists',
    details: 'Exits 0 when the network exists (by name or ID), 1 when it does not; prints nothing.',
    examples: [['Check for a network', '$0 network exists mynet']],
  });

  name = Option.String({ name: 'network' });

  async execute(): Promise<number> {
    const { readNetwork } = await import('../../network/networks.js');
    return readNetwork(this.ctx, this.name) ? 0 : 1;
  }
}
