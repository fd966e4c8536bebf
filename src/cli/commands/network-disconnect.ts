import { Command, Option } from 'clipanion';
import { TpodCommand } from '../base.js';

export class NetworkDisconnectCommand extends TpodCommand {
  static override paths = [['network', 'disconnect']];
  static override usage = Command.Usage({
    description: 'Disconnect a container from a network',
    details: `
      Takes the container off a user network: a running container loses that interface
      at once, and its name no longer resolves there; a stopped one starts without it.
    `,
    examples: [['Disconnect a container from a network', '$0 network disconnect mynet web']],
  });

  force = Option.Boolean('-f,--force', false, { description: 'Force the container to disconnect from a network' });
  network = Option.String({ name: 'network' });
  container = Option.String({ name: 'container' });

  async execute(): Promise<number> {
    const { disconnectContainer } = await import('../../engine/network-connect.js');
    await disconnectContainer(this.ctx, this.network, this.container);
    return 0;
  }
}
