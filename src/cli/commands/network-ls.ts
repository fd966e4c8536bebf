import { Command, Option } from 'clipanion';
import { TpodCommand } from '../base.js';

export class NetworkLsCommand extends TpodCommand {
  static override paths = [['network', 'ls'], ['network', 'list']];
  static override usage = Command.Usage({
    description: 'List networks',
    details: `
      Lists networks by name with Podman's columns (NETWORK ID, NAME, DRIVER), the default
      network "podman" included. \`--filter\` takes name (a regular expression), id,
      driver, label, label! and dangling=true|false; \`--format\` takes json, \`table ...\`
      or a Go template over Name, ID, Driver, NetworkInterface, Created, Subnets,
      IPv6Enabled, Internal, DNSEnabled, Labels, Options, IPAMOptions.
    `,
    examples: [
      ['List networks', '$0 network ls'],
      ['Names of networks with a label', "$0 network ls --filter label=app --format '{{.Name}}'"],
    ],
  });

  filter = Option.Array('-f,--filter', { description: 'Provide filter values (e.g. name=NAME)' });
  format = Option.String('--format', { description: 'Pretty-print networks to JSON or using a Go template' });
  noHeading = Option.Boolean('--noheading,-n', false, { description: 'Do not print headers' });
  noTrunc = Option.Boolean('--no-trunc', false, { description: 'Do not truncate the network ID' });
  quiet = Option.Boolean('-q,--quiet', false, { description: 'Display only names' });

  async execute(): Promise<number> {
    const { listNetworks } = await import('../../network/networks.js');
    const { networkFilter } = await import('../../engine/networks.js');
    const { networkView, networkJson } = await import('../network-view.js');
    const pred = networkFilter(this.ctx, this.filter ?? []);
    const nets = listNetworks(this.ctx).filter(pred);
    if (this.quiet) {
      if (nets.length > 0) this.print(nets.map((n) => n.name).join('\n'));
      return 0;
    }
    const views = nets.map((n) => networkView(n, this.noTrunc));
    const { printList } = await import('../table.js');
    printList(views, {
      format: this.format,
      defaultFormat: '{{.ID}}\t{{.Name}}\t{{.Driver}}',
      headers: { ID: 'NETWORK ID' },
      noHeading: this.noHeading,
      json: nets.map((n) => networkJson(n)),
      name: 'list',
    });
    return 0;
  }
}
