import { Command, Option } from 'clipanion';
import { TpodCommand } from '../base.js';

export class NetworkConnectCommand extends TpodCommand {
  static override paths = [['network', 'connect']];
  static override usage = Command.Usage({
    description: 'Add container to a network',
    details: `
      Puts the container on one more user network. A running container gets a new
      interface (eth1, eth2, ...) at once, and the others on that network reach it by its
      name and its aliases; a created or stopped one is wired at its next start.
    `,
    examples: [
      ['Connect a container to a network', '$0 network connect mynet web'],
      ['With an alias and a fixed address', '$0 network connect --alias db --ip 10.89.1.10 mynet web'],
    ],
  });

  alias = Option.Array('--alias', { description: 'Add network-scoped alias for the container' });
  ip = Option.String('--ip', { description: 'Set a static IPv4 address on the network' });
  ip6 = Option.String('--ip6', { description: 'Set a static IPv6 address on the network' });
  mac = Option.String('--mac-address', { description: 'Set a static MAC address on the network' });
  network = Option.String({ name: 'network' });
  container = Option.String({ name: 'container' });

  async execute(): Promise<number> {
    const { UsageError } = await import('../../errors.js');
    const { isIP } = await import('node:net');
    if (this.ip6 !== undefined) throw new UsageError('--ip6: IPv6 networks are not supported yet');
    if (this.ip !== undefined && isIP(this.ip) !== 4) throw new UsageError(`${this.ip} is not an ipv4 address`);
    if (this.mac !== undefined && !/^([0-9a-fA-F]{2}:){5}[0-9a-fA-F]{2}$/.test(this.mac)) throw new UsageError(`address ${this.mac}: invalid MAC address`);
    const { connectContainer } = await import('../../engine/network-connect.js');
    await connectContainer(this.ctx, this.network, this.container, {
      ...(this.alias ? { aliases: this.alias } : {}),
      ...(this.ip !== undefined ? { ip: this.ip } : {}),
      ...(this.mac !== undefined ? { mac: this.mac.toLowerCase() } : {}),
    });
    return 0;
  }
}
