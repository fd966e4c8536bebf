import { Command, Option } from 'clipanion';
import { TpodCommand } from '../base.js';

export class VolumeLsCommand extends TpodCommand {
  static override paths = [['volume', 'ls'], ['volume', 'list']];
  static override usage = Command.Usage({
    description: 'List volumes',
    details: `
      Lists volumes with Podman's columns (DRIVER, VOLUME NAME). \`--filter\` takes name (a
      regular expression), label, label!, driver, dangling=true|false, opt, anonymous and
      until; \`--format\` takes json, \`table ...\` or a Go template over Name, Driver,
      Mountpoint, CreatedAt, Labels, Scope, Options, Anonymous, NeedsCopyUp, NeedsChown.
    `,
    examples: [
      ['List volumes', '$0 volume ls'],
      ['Names of unused volumes', "$0 volume ls --filter dangling=true --format '{{.Name}}'"],
    ],
  });

  filter = Option.Array('-f,--filter', { description: 'Filter volume output' });
  format = Option.String('--format', { description: 'Format volume output using JSON or a Go template' });
  noHeading = Option.Boolean('--noheading,-n', false, { description: 'Do not print headers' });
  quiet = Option.Boolean('-q,--quiet', false, { description: 'Print volume output in quiet mode' });

  async execute(): Promise<number> {
    const { listVolumeViews } = await import('../../engine/volumes.js');
    const views = listVolumeViews(this.ctx, this.filter ?? []);
    if (this.quiet) {
      if (views.length > 0) this.print(views.map((v) => v.Name).join('\n'));
      return 0;
    }
    const { printList } = await import('../table.js');
    printList(views, { format: this.format, defaultFormat: '{{.Driver}}\t{{.Name}}', headers: { Name: 'VOLUME NAME' }, noHeading: this.noHeading, name: 'list' });
    return 0;
  }
}
