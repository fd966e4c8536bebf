import { Command, Option } from 'clipanion';
import { TpodCommand } from '../base.js';

export class ImagePruneCommand extends TpodCommand {
  static override paths = [['image', 'prune']];
  // Removed layers hold files of the user namespace's ids.
  static inUserNamespace = true;
  static override usage = Command.Usage({
    description: 'Remove unused images',
    details: `
      Removes dangling images (images without a name), or with \`-a\` every image no
      container was created from, and prints the IDs of the removed images. An image a
      container uses is never removed. Asks first unless \`-f\` is given.
      Filters: label=KEY[=VALUE], label!=KEY[=VALUE], until=TIMESTAMP|DURATION.
    `,
    examples: [
      ['Remove dangling images', '$0 image prune -f'],
      ['Remove every unused image older than a day', "$0 image prune -a -f --filter until=24h"],
    ],
  });

  all = Option.Boolean('-a,--all', false, { description: 'Remove all images not in use by containers, not just dangling ones' });
  force = Option.Boolean('-f,--force', false, { description: 'Do not prompt for confirmation' });
  filter = Option.Array('--filter', [], { description: "Provide filter values (e.g. 'label=<key>=<value>')" });
  external = Option.Boolean('--external', false, { description: 'Accepted for compatibility (tpod has no external containers)', hidden: true });

  async execute(): Promise<number> {
    const { pruneImages, pruneFilters } = await import('../../image/prune.js');
    pruneFilters(this.filter, Date.now()); // bad filters fail before the question
    if (!this.force) {
      const what = this.all ? 'all images without at least one container associated with them' : 'all dangling images';
      const { confirm } = await import('../confirm.js');
      if (!(await confirm(`WARNING! This command removes ${what}.\nAre you sure you want to continue? [y/N] `))) return 0;
    }
    const r = await pruneImages(this.ctx, { all: this.all, filters: this.filter });
    if (r.removed.length > 0) this.print(r.removed.join('\n'));
    return 0;
  }
}
