import { Command, Option } from 'clipanion';
import { TpodCommand } from '../base.js';

export class VolumePruneCommand extends TpodCommand {
  static override paths = [['volume', 'prune']];
  static override usage = Command.Usage({
    description: 'Remove all unused volumes',
    details: `
      Removes every volume no container uses (and that matches \`--filter\`: label,
      label!, until, ...) and prints their names. Lists them and asks first unless
      \`--force\`.
    `,
    examples: [['Remove unused volumes without asking', '$0 volume prune -f']],
  });

  force = Option.Boolean('-f,--force', false, { description: 'Do not prompt for confirmation' });
  filter = Option.Array('--filter', { description: 'Provide filter values (e.g. label=<key>=<value>)' });

  async execute(): Promise<number> {
    const { prunableVolumes, pruneVolumes } = await import('../../engine/volumes.js');
    if (!this.force) {
      const names = prunableVolumes(this.ctx, this.filter ?? []);
      process.stdout.write('WARNING! This will remove all volumes not used by at least one container. The following volumes will be removed:\n');
      if (names.length === 0) {
        this.print('No dangling volumes found');
        return 0;
      }
      this.print(names.join('\n'));
      process.stdout.write('Are you sure you want to continue? [y/N] ');
      const { readAnswer } = await import('../prompt.js');
      if (!/^y/i.test((await readAnswer()).trim())) return 0;
    }
    const removed = await pruneVolumes(this.ctx, this.filter ?? []);
    if (removed.length > 0) this.print(removed.join('\n'));
    return 0;
  }
}
