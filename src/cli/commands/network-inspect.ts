import { Command, Option } from 'clipanion';
import { TpodCommand } from '../base.js';

export class NetworkInspectCommand extends TpodCommand {
  static override paths = [['network', 'inspect']];
  static override usage = Command.Usage({
    description: 'Display the network configuration for one or more networks',
    details: `
      Prints a JSON array with one object per network, as Podman's netavark backend shapes
      it (name, id, driver, network_interface, created, subnets, ipv6_enabled, internal,
      dns_enabled, labels, options, ipam_options), or \`--format\` applied to each (Go
      template fields Name, ID, Driver, NetworkInterface, Subnets, ...).
    `,
    examples: [['The subnet of a network', "$0 network inspect --format '{{range .Subnets}}{{.Subnet}}{{end}}' mynet"]],
  });

  format = Option.String('-f,--format', { description: 'Pretty-print network to JSON or using a Go template' });
  names = Option.Rest({ name: 'network', required: 1 });

  async execute(): Promise<number> {
    const { TpodError } = await import('../../errors.js');
    const { readNetwork } = await import('../../network/networks.js');
    const { networkView, networkJson } = await import('../network-view.js');
    const { isJsonFormat } = await import('../format.js');
    const found: unknown[] = [];
    const missing: string[] = [];
    const plain = this.format === undefined || this.format === '' || isJsonFormat(this.format);
    const { networkMembers } = await import('../../engine/networks.js');
    for (const n of this.names) {
      const rec = readNetwork(this.ctx, n);
      if (!rec) missing.push(n);
      else found.push(plain ? networkJson(rec, networkMembers(this.ctx, rec)) : networkView(rec, true, networkMembers(this.ctx, rec)));
    }
    const { printInspected } = await import('../inspect-common.js');
    if (found.length > 0) await printInspected(found, this.format, (text) => this.print(text));
    if (missing.length === 0) return 0;
    for (const m of missing.slice(0, -1)) process.stderr.write(`Error: unable to find network with name or ID ${m}: network not found\n`);
    throw new TpodError('ENONETWORK', `unable to find network with name or ID ${missing[missing.length - 1]}: network not found`);
  }
}
