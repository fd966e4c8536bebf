import { Command, Option } from 'clipanion';
import { TpodCommand } from '../base.js';
import { compactSize } from '../../util/units.js';

/** A summary row: the raw numbers and the strings the table shows. */
class SummaryRow {
  constructor(
    readonly Type: string,
    readonly Total: number,
    readonly Active: number,
    readonly Size: string,
    readonly Reclaimable: string,
    readonly RawSize: number,
    readonly RawReclaimable: number,
  ) {}
}

export class SystemDfCommand extends TpodCommand {
  static override paths = [['system', 'df']];
  // Container layers hold directories only the user namespace's ids may read.
  static inUserNamespace = true;
  static override usage = Command.Usage({
    description: 'Show podman disk usage',
    details: `
      One row each for images, containers and local volumes: how many there are, how many
      are in use (images a container uses, running containers, volumes a container
      mounts), their size, and how much removing the unused ones would reclaim. \`-v\`
      lists every image, container and volume. \`--format\` takes \`json\` or a Go template
      over .Type .Total .Active .Size .Reclaimable .RawSize .RawReclaimable.
    `,
    examples: [
      ['Summary', '$0 system df'],
      ['Everything', '$0 system df -v'],
    ],
  });

  verbose = Option.Boolean('-v,--verbose', false, { description: 'Show detailed information on disk usage' });
  format = Option.String('--format', { description: 'Pretty-print images using a Go template' });

  async execute(): Promise<number> {
    const { UsageError } = await import('../../errors.js');
    if (this.verbose && this.format !== undefined) throw new UsageError('cannot combine --format and --verbose flags');
    const { diskUsage, summarize } = await import('../../engine/system-df.js');
    const r = await diskUsage(this.ctx);
    if (this.verbose) {
      this.print(await this.verboseText(r));
      return 0;
    }
    const rows = summarize(r).map((s) => {
      const pct = s.RawSize === 0 ? 0 : Math.round((s.RawReclaimable / s.RawSize) * 100);
      return new SummaryRow(s.Type, s.Total, s.Active, compactSize(s.RawSize), `${compactSize(s.RawReclaimable)} (${pct}%)`, s.RawSize, s.RawReclaimable);
    });
    const { printList } = await import('../table.js');
    printList(rows, {
      format: this.format,
      defaultFormat: '{{.Type}}\t{{.Total}}\t{{.Active}}\t{{.Size}}\t{{.Reclaimable}}',
      json: rows,
      jsonIndent: 4,
      name: 'df',
    });
    return 0;
  }

  private async verboseText(r: import('../../engine/system-df.js').DfReport): Promise<string> {
    const { formatTable } = await import('../table.js');
    const { humanDuration } = await import('../../util/units.js');
    const { splitStoredName } = await import('../../image/reference.js');
    const now = Date.now();
    const ago = (iso: string): string => humanDuration(Math.max(0, now - Date.parse(iso)));
    // Oldest first, as Podman lists them here.
    const imageRows = [...r.images].reverse().map((i) => {
      const first = i.image.names[0];
      const { repository, tag } = first !== undefined ? splitStoredName(first) : { repository: '<none>', tag: '<none>' };
      return [repository, tag, i.image.id.slice(0, 12), ago(i.image.created), compactSize(i.size), '0B', compactSize(i.size), String(i.containers)];
    });
    const containerRows = r.containers.map((c) => {
      const cmd = c.record.command.join(' ');
      return [c.record.id.slice(0, 12), c.record.imageId.replace(/^sha256:/, '').slice(0, 12), cmd.length > 20 ? `${cmd.slice(0, 17)}...` : cmd, String(c.volumes), compactSize(c.size), ago(c.record.created), c.status, c.record.name];
    });
    const volumeRows = r.volumes.map((v) => [v.name, String(v.links), compactSize(v.size)]);
    return [
      'Images space usage:\n',
      formatTable(['REPOSITORY', 'TAG', 'IMAGE ID', 'CREATED', 'SIZE', 'SHARED SIZE', 'UNIQUE SIZE', 'CONTAINERS'], imageRows),
      'Containers space usage:\n',
      formatTable(['CONTAINER ID', 'IMAGE', 'COMMAND', 'LOCAL VOLUMES', 'SIZE', 'CREATED', 'STATUS', 'NAMES'], containerRows),
      'Local Volumes space usage:\n',
      formatTable(['VOLUME NAME', 'LINKS', 'SIZE'], volumeRows),
    ].join('\n');
  }
}
