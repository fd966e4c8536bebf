import { Command, Option } from 'clipanion';
import { TpodCommand } from '../base.js';

export class NetworkReloadCommand extends TpodCommand {
  static override paths = [['network', 'reload']];
  static override usage = Command.Usage({
    description: 'Reload firewall rules for one or more containers',
    details: `
      Puts back the network wiring of running containers on user networks: the bridges'
      forwarding and masquerading rules, their interfaces, and their published ports,
      with the same addresses and MACs. Prints the ID of each container reloaded.
      \`--all\` skips containers it does not apply to (not running, other network modes).
    `,
    examples: [
      ['Reload one container', '$0 network reload web'],
      ['Reload every running container', '$0 network reload --all'],
    ],
  });

  all = Option.Boolean('-a,--all', false, { description: 'Reload network configuration of all containers' });
  latest = Option.Boolean('-l,--latest', false, { description: 'Act on the latest container tpod is aware of' });
  containers = Option.Rest({ name: 'container' });

  async execute(): Promise<number> {
    const { UsageError, TpodError } = await import('../../errors.js');
    let names = [...this.containers];
    const given = (this.all ? 1 : 0) + (this.latest ? 1 : 0) + (names.length > 0 ? 1 : 0);
    if (given === 0) throw new UsageError('you must provide at least one name or id');
    if (given > 1) throw new UsageError(this.all && this.latest ? '--all and --latest cannot be used together' : '--all and --latest cannot be used together with container names or IDs');
    if (this.latest) {
      const { listContainers } = await import('../../storage/containers.js');
      const latest = listContainers(this.ctx).sort((a, b) => (a.created < b.created ? 1 : -1))[0];
      if (!latest) throw new TpodError('ENOCONTAINER', 'no containers to reload');
      names = [latest.id];
    }
    const { reloadNetworks } = await import('../../engine/network-connect.js');
    const reports = await reloadNetworks(this.ctx, names, this.all);
    for (const r of reports) if (!r.error) this.print(r.id);
    const failed = reports.filter((r) => r.error);
    if (failed.length === 0) return 0;
    for (const f of failed.slice(0, -1)) process.stderr.write(`Error: ${f.error!.message}\n`);
    throw failed[failed.length - 1]!.error!;
  }
}
