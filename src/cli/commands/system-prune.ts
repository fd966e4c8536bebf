import { Command, Option } from 'clipanion';
import { TpodCommand } from '../base.js';

export class SystemPruneCommand extends TpodCommand {
  static override paths = [['system', 'prune']];
  static override usage = Command.Usage({
    description: 'Remove unused data',
    details: `
      Removes stopped pods, every container that is not running and dangling images
      (with \`-a\`, every image no container uses); with \`--volumes\`, also every volume
      no container uses. Prints what it removed under a heading per kind, then the space
      it freed. Asks first unless \`-f\`. Filters (label=KEY[=VALUE], until=TIME) apply
      to each kind.
    `,
    examples: [
      ['Remove everything unused, volumes included, without asking', '$0 system prune -a -f --volumes'],
    ],
  });

  all = Option.Boolean('-a,--all', false, { description: 'Remove all unused images, not just dangling ones' });
  force = Option.Boolean('-f,--force', false, { description: 'Do not prompt for confirmation' });
  volumes = Option.Boolean('--volumes', false, { description: 'Prune volumes' });
  filter = Option.Array('--filter', [], { description: "Provide filter values (e.g. 'label=<key>=<value>')" });
  external = Option.Boolean('--external', false, { description: 'Accepted for compatibility (tpod has no external containers)', hidden: true });

  async execute(): Promise<number> {
    const { systemPrune, checkPruneFilters } = await import('../../engine/system-prune.js');
    checkPruneFilters(this.filter); // bad filters fail before the question
    if (!this.force) {
      const volumes = this.volumes ? '\n\t- all volumes not used by at least one container' : '';
      const images = this.all ? '\t- all images without at least one container associated with them\n\t- all build cache' : '\t- all dangling images\n\t- all dangling build cache';
      process.stdout.write(`WARNING! This command removes:\n\t- all stopped containers\n\t- all networks not used by at least one container${volumes}\n${images}\n\nAre you sure you want to continue? [y/N] `);
      const { readAnswer } = await import('../prompt.js');
      if (!/^y/i.test((await readAnswer()).trim())) return 0;
    }
    const { prunePods } = await import('../../pod/prune.js');
    const { removePod } = await import('../../pod/remove.js');
    const ctx = this.ctx;
    const r = await systemPrune(ctx, { all: this.all, volumes: this.volumes, filters: this.filter }, () => prunePods(ctx, (c, pod) => removePod(c, pod, { force: false })));
    const section = (title: string, items: string[]): void => {
      if (items.length > 0) this.print(`${title}\n${items.join('\n')}`);
    };
    // Podman's order of the headings (not the order of removal).
    section('Deleted Containers', r.containers);
    section('Deleted Pods', r.pods);
    if (this.volumes) section('Deleted Volumes', r.volumes);
    section('Deleted Images', r.images);
    const { humanSize } = await import('../../util/units.js');
    this.print(`Total reclaimed space: ${humanSize(r.reclaimed, 4).replace(' ', '')}`);
    const last = r.errors.pop();
    for (const e of r.errors) process.stderr.write(`Error: ${e.message}\n`);
    if (last) throw last;
    return 0;
  }
}
