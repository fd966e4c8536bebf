import { Command, Option } from 'clipanion';
import { TpodCommand } from '../base.js';

export class ContainerPruneCommand extends TpodCommand {
  static override paths = [['container', 'prune']];
  static override usage = Command.Usage({
    description: 'Remove all non running containers',
    details: `
      Removes every container that is not running (created, exited) and prints their IDs.
      Asks first unless \`--force\`. Filters: label=KEY[=VALUE], until=TIME.
    `,
    examples: [['Remove stopped containers without asking', '$0 container prune -f']],
  });

  force = Option.Boolean('-f,--force', false, { description: 'Do not prompt for confirmation' });
  filter = Option.Array('--filter', [], { description: "Provide filter values (e.g. 'label=<key>=<value>')" });

  async execute(): Promise<number> {
    if (!this.force) {
      process.stdout.write('WARNING! This will remove all non running containers.\nAre you sure you want to continue? [y/N] ');
      const { readAnswer } = await import('../prompt.js');
      const answer = await readAnswer();
      if (!/^y(es)?$/i.test(answer.trim())) return 0;
    }
    const { pruneContainers } = await import('../../engine/remove.js');
    const reports = await pruneContainers(this.ctx, this.filter);
    const { reportRemovals } = await import('../report.js');
    return reportRemovals(reports, (t) => this.print(t));
  }
}
