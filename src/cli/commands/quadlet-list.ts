import { Command, Option } from 'clipanion';
import { TpodCommand, registeredCommands } from '../base.js';

const DEFAULT = '{{.Name}}\t{{.UnitName}}\t{{.Path}}\t{{.Status}}\t{{.App}}';

export class QuadletListCommand extends TpodCommand {
  static override paths = [['quadlet', 'list'], ['quadlet', 'ls']];
  static override usage = Command.Usage({
    description: 'List installed Quadlets',
    details: `
      Every Quadlet file systemd would read for you: \`$XDG_RUNTIME_DIR/containers/systemd/\`,
      \`$XDG_CONFIG_HOME/containers/systemd/\`, \`/etc/containers/systemd/users/\` and
      \`/etc/containers/systemd/users/$UID/\` (and their subdirectories); of two files with the
      same name the first one counts. STATUS is the unit's state in the systemd user manager
      ("Not loaded" when it does not know the unit). \`--format\` takes \`json\` or a Go template
      over .Name .UnitName .Path .Status .App. Filters: name=PATTERN (with * and ?),
      status=STATUS.
    `,
    examples: [
      ['List Quadlets', '$0 quadlet list'],
      ['Only names', "$0 quadlet list --format '{{.Name}}'"],
    ],
  });

  format = Option.String('--format', { description: 'Pretty-print output to JSON or using a Go template' });
  filter = Option.Array('-f,--filter', [], { description: 'Filter output based on conditions given' });
  noHeading = Option.Boolean('-n,--noheading', false, { description: 'Omit the table headings from the listing' });

  async execute(): Promise<number> {
    const { UsageError } = await import('../../errors.js');
    const { quadletEnv } = await import('../../quadlet/env.js');
    const { listQuadlets } = await import('../../quadlet/manage.js');
    const filters: Array<(r: { Name: string; Status: string }) => boolean> = [];
    for (const f of this.filter) {
      const eq = f.indexOf('=');
      const key = eq > 0 ? f.slice(0, eq) : f;
      const value = eq > 0 ? f.slice(eq + 1) : '';
      if (key === 'name') {
        const re = new RegExp('^' + value.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.') + '$');
        filters.push((r) => re.test(r.Name));
      } else if (key === 'status') {
        filters.push((r) => r.Status === value);
      } else {
        throw new UsageError(`invalid filter "${f}": supported filters are name=PATTERN and status=STATUS`);
      }
    }
    const rows = listQuadlets(quadletEnv(this.ctx, registeredCommands)).filter((r) => filters.every((fn) => fn(r)));
    const { printList } = await import('../table.js');
    printList(rows, {
      format: this.format,
      defaultFormat: DEFAULT,
      headers: { UnitName: 'UNIT NAME', Path: 'PATH ON DISK', App: 'APPLICATION' },
      noHeading: this.noHeading,
      name: 'quadlet-list',
    });
    return 0;
  }
}
