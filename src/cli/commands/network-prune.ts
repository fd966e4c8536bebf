import { Command, Option } from 'clipanion';
import { TpodCommand } from '../base.js';

export class NetworkPruneCommand extends TpodCommand {
  static override paths = [['network', 'prune']];
  static override usage = Command.Usage({
    description: 'Prune unused networks',
    details: `
      Removes every user network no container is on (and that matches \`--filter\`: label,
      label!, name, ...) and prints their names. Asks first unless \`--force\`.
    `,
    examples: [['Remove unused networks without asking', '$0 network prune -f']],
  });

  force = Option.Boolean('-f,--force', false, { description: 'Do not prompt for confirmation' });
  filter = Option.Array('--filter', { description: 'Provide filter values (e.g. label=<key>=<value>)' });

  async execute(): Promise<number> {
    const { pruneNetworks } = await import('../../engine/networks.js');
    if (!this.force) {
      process.stdout.write('WARNING! This will remove all networks not used by at least one container.\nAre you sure you want to continue? [y/N] ');
      const { readAnswer } = await import('../prompt.js');
      if (!/^y/i.test((await readAnswer()).trim())) return 0;
    }
    const removed = await pruneNetworks(this.ctx, this.filter ?? []);
    if (removed.length > 0) this.print(removed.join('\n'));
    return 0;
  }
}
