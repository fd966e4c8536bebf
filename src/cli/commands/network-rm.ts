import { Command, Option } from 'clipanion';
import { TpodCommand } from '../base.js';

export class NetworkRmCommand extends TpodCommand {
  static override paths = [['network', 'rm'], ['network', 'remove']];
  static override usage = Command.Usage({
    description: 'Remove networks',
    details: `
      Removes each network and prints its name. A network that containers are on is refused
      (exit 2) unless \`--force\`, which removes those containers first (stopping them with
      \`--time\`). A network that does not exist is an error (exit 1), or nothing with
      \`--force\`. The default network "podman" cannot be removed.
    `,
    examples: [
      ['Remove a network', '$0 network rm mynet'],
      ['Remove a network and its containers', '$0 network rm -f mynet'],
    ],
  });

  force = Option.Boolean('-f,--force', false, { description: 'Remove any containers using the network' });
  time = Option.String('-t,--time', { description: 'Seconds to wait for running containers to stop before killing them' });
  names = Option.Rest({ name: 'network', required: 1 });

  async execute(): Promise<number> {
    let timeout: number | undefined;
    if (this.time !== undefined) {
      const { parseTimeout } = await import('../../runtime/lifecycle-options.js');
      timeout = parseTimeout(this.time, '--time');
    }
    const { removeNetworks } = await import('../../engine/networks.js');
    const reports = await removeNetworks(this.ctx, this.names, { force: this.force, ...(timeout !== undefined ? { timeout } : {}) });
    const { reportRemovals } = await import('../report.js');
    return reportRemovals(reports, (t) => this.print(t));
  }
}
