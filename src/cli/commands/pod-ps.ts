import { Command, Option } from 'clipanion';
import { TpodCommand } from '../base.js';

export class PodPsCommand extends TpodCommand {
  static override paths = [['pod', 'ps'], ['pod', 'ls'], ['pod', 'list']];
  static override usage = Command.Usage({
    description: 'List pods',
    details: `
      Every pod with its status, worked out from its containers (the infra container
      included): Created, Running (all running), Degraded (some running), Paused,
      Exited (all stopped), Stopped (some stopped), Error.
      \`--format\` takes \`json\`, \`table ...\` or a Go template over the fields ID,
      Name, Status, Created, InfraID, NumberOfContainers, Labels, Label, Networks,
      ContainerIds, ContainerNames, ContainerStatuses, Restarts, Cgroup, Namespace.
      Filters: id=, name=, label=KEY[=VALUE], label!=, status= (created, running,
      degraded, paused, stopped, exited, dead), ctr-names=, ctr-ids=, ctr-status=,
      ctr-number=N, until=, network=.
    `,
    examples: [
      ['Every pod', '$0 pod ps'],
      ['With their containers', '$0 pod ps --ctr-names --ctr-status'],
      ['IDs of running pods', '$0 pod ps -q --filter status=running'],
    ],
  });

  ctrIds = Option.Boolean('--ctr-ids', false, { description: 'Display the container UUIDs. If no-trunc is not set they will be truncated' });
  ctrNames = Option.Boolean('--ctr-names', false, { description: 'Display the container names' });
  ctrStatus = Option.Boolean('--ctr-status', false, { description: 'Display the container status' });
  filter = Option.Array('-f,--filter', [], { description: 'Filter output based on conditions given' });
  format = Option.String('--format', { description: 'Pretty-print pods to JSON or using a Go template' });
  noHeading = Option.Boolean('-n,--noheading', false, { description: 'Do not print headers' });
  ns = Option.Boolean('--ns', false, { description: 'Display namespace information of the pod' });
  noTrunc = Option.Boolean('--no-trunc', false, { description: 'Do not truncate pod and container IDs' });
  quiet = Option.Boolean('-q,--quiet', false, { description: 'Print the numeric IDs of the pods only' });
  sort = Option.String('--sort', 'created', { description: 'Sort output by created, id, name, number, or status' });
  latest = Option.Boolean('-l,--latest', false, { description: 'Act on the latest pod tpod is aware of' });

  async execute(): Promise<number> {
    const { UsageError } = await import('../../errors.js');
    if (this.quiet && this.format !== undefined && this.format !== '') throw new UsageError('quiet and format cannot be used together');
    const { listPodRows, podPsFormat, POD_PS_HEADERS } = await import('../../pod/ps.js');
    const rows = listPodRows(this.ctx, { filters: this.filter, latest: this.latest, sort: this.sort, noTrunc: this.noTrunc });
    const { isJsonFormat, goJsonIndent } = await import('../format.js');
    if (isJsonFormat(this.format)) {
      this.print(goJsonIndent(rows.map((r) => r.json), 2));
      return 0;
    }
    if (this.quiet) {
      // Podman prints the whole ID here, whatever --no-trunc says.
      if (rows.length > 0) this.print(rows.map((r) => r.json.Id).join('\n'));
      return 0;
    }
    const { printList } = await import('../table.js');
    printList(rows, {
      format: this.format,
      defaultFormat: podPsFormat(this),
      headers: POD_PS_HEADERS,
      noHeading: this.noHeading,
      name: 'ps',
    });
    return 0;
  }
}
