import { Command, Option } from 'clipanion';
import { TpodCommand } from '../base.js';

const DEFAULT = '{{.ID}}\t{{.Image}}\t{{.Command}}\t{{.CreatedHuman}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}';

export class PsCommand extends TpodCommand {
  static override paths = [['ps'], ['container', 'ps'], ['container', 'ls'], ['container', 'list']];
  static override usage = Command.Usage({
    description: 'List containers',
    details: `
      Running containers by default; \`-a\` shows every container. Nothing is started or
      locked: the state comes from the records and the monitors' exit files.
      \`--format\` takes \`json\`, \`table ...\` or a Go template over the row fields
      (.ID .Image .ImageID .Command .CreatedHuman .Created .CreatedAt .RunningFor .Status
      .State .Names .Labels .Mounts .Networks .Ports .Pid .ExitCode .Exited .ExitedAt
      .StartedAt .AutoRemove .Restarts .Size .Pod .PodName ...). \`--pod\` adds the POD ID
      and PODNAME columns.
      Filters: id=, name= (regular expressions), status=created|running|paused|exited|unknown,
      label=KEY[=VALUE], ancestor=IMAGE, exited=CODE, before=, since=, until=,
      restart-policy=, network=, volume=, pod=NAME|ID.
    `,
    examples: [
      ['Every container', '$0 ps -a'],
      ['Only the IDs of exited containers', '$0 ps -aq --filter status=exited'],
      ['Names and states', "$0 ps -a --format '{{.Names}} {{.Status}}'"],
    ],
  });

  all = Option.Boolean('-a,--all', false, { description: 'Show all the containers, default is only running containers' });
  // Podman lists containers that other tools (buildah) keep in its storage; tpod's
  // storage holds only its own, so there is nothing more to show.
  external = Option.Boolean('--external', false, { description: 'Show containers in storage not controlled by tpod' });
  filter = Option.Array('-f,--filter', [], { description: 'Filter output based on conditions given' });
  format = Option.String('--format', { description: 'Pretty-print containers to JSON or using a Go template' });
  last = Option.String('-n,--last', { description: 'Print the n last created containers (all states)' });
  latest = Option.Boolean('-l,--latest', false, { description: 'Act on the latest container tpod is aware of' });
  noHeading = Option.Boolean('--noheading', false, { description: 'Do not print headers' });
  noTrunc = Option.Boolean('--no-trunc', false, { description: 'Display the extended information' });
  pod = Option.Boolean('-p,--pod', false, { description: 'Print the ID and name of the pod the containers are associated with' });
  quiet = Option.Boolean('-q,--quiet', false, { description: 'Print the numeric IDs of the containers only' });
  size = Option.Boolean('-s,--size', false, { description: 'Display the total file sizes' });
  sort = Option.String('--sort', 'created', { description: 'Sort output by: command, created, id, image, names, runningfor, size, status' });

  async execute(): Promise<number> {
    const { UsageError } = await import('../../errors.js');
    let last: number | undefined;
    if (this.last !== undefined) {
      if (!/^-?\d+$/.test(this.last)) throw new UsageError(`invalid argument "${this.last}" for "-n, --last" flag: strconv.ParseInt: parsing "${this.last}": invalid syntax`);
      last = Number(this.last);
    }
    if (this.quiet && this.size) throw new UsageError('quiet conflicts with size and namespace');
    const { listPsRows } = await import('../../engine/ps.js');
    const rows = await listPsRows(this.ctx, {
      all: this.all,
      filters: this.filter,
      last,
      latest: this.latest,
      noTrunc: this.noTrunc,
      size: this.size,
      sort: this.sort,
      pod: this.pod,
    });
    // A template overrides -q, as in Podman.
    if (this.quiet && (this.format === undefined || this.format === '')) {
      if (rows.length > 0) this.print(rows.map((r) => r.ID).join('\n'));
      return 0;
    }
    if (this.format === undefined || this.format === '') {
      // The default table without a template: the same cells, without compiling one (hot path).
      const { formatTable } = await import('../table.js');
      const headers = ['CONTAINER ID', 'IMAGE', 'COMMAND', 'CREATED', 'STATUS', 'PORTS', 'NAMES', ...(this.pod ? ['POD ID', 'PODNAME'] : []), ...(this.size ? ['SIZE'] : [])];
      const cells = rows.map((r) => [r.ID, r.Image, r.Command, r.CreatedHuman, r.Status, r.Ports, r.Names, ...(this.pod ? [r.Pod, r.PodName] : []), ...(this.size ? [r.Size] : [])]);
      process.stdout.write(formatTable(this.noHeading ? null : headers, cells));
      return 0;
    }
    const { printList } = await import('../table.js');
    printList(rows, {
      format: this.format,
      defaultFormat: `${DEFAULT}${this.pod ? '\t{{.Pod}}\t{{.PodName}}' : ''}${this.size ? '\t{{.Size}}' : ''}`,
      headers: { ID: 'CONTAINER ID', CreatedHuman: 'CREATED', Pod: 'POD ID', PodName: 'PODNAME' },
      noHeading: this.noHeading,
      json: rows.map((r) => r.json),
      jsonIndent: 2,
      name: 'ps',
    });
    return 0;
  }
}
