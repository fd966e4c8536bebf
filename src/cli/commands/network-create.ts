import { Command, Option } from 'clipanion';
import { TpodCommand } from '../base.js';

function keyValues(items: string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const l of items ?? []) {
    const eq = l.indexOf('=');
    out[eq < 0 ? l : l.slice(0, eq)] = eq < 0 ? '' : l.slice(eq + 1);
  }
  return out;
}

export class NetworkCreateCommand extends TpodCommand {
  static override paths = [['network', 'create']];
  static override usage = Command.Usage({
    description: 'Create a network',
    details: `
      Makes a bridge network and prints its name (podman1, podman2, ... when none is
      given). Without \`--subnet\` it gets the first free 10.89.N.0/24, as Podman picks
      them. Containers on it (\`run --network NAME\`) reach each other by name unless
      \`--disable-dns\`; \`--internal\` networks have no way out.
    `,
    examples: [
      ['Create a network', '$0 network create mynet'],
      ['A network with a chosen subnet', '$0 network create --subnet 10.90.1.0/24 --gateway 10.90.1.1 mynet'],
    ],
  });

  driver = Option.String('-d,--driver', { description: 'Driver to manage the network (bridge)' });
  subnet = Option.Array('--subnet', { description: 'Subnet in CIDR format' });
  gateway = Option.Array('--gateway', { description: 'IPv4 gateway for the subnet' });
  ipRange = Option.Array('--ip-range', { description: 'Allocate container IPs from a range (CIDR or START-END)' });
  internal = Option.Boolean('--internal', false, { description: 'Restrict external access from this network' });
  disableDns = Option.Boolean('--disable-dns', false, { description: 'Disable DNS plugin' });
  ipv6 = Option.Boolean('--ipv6', false, { description: 'Enable IPv6 networking' });
  label = Option.Array('--label', { description: 'Set metadata on a network (KEY=VALUE)' });
  opt = Option.Array('-o,--opt', { description: 'Set driver specific options (mtu, metric, vlan, isolate)' });
  ipamDriver = Option.String('--ipam-driver', { description: 'IP address management driver (host-local)' });
  ignore = Option.Boolean('--ignore', false, { description: "Don't fail if the network already exists" });
  name = Option.String({ name: 'name', required: false });

  async execute(): Promise<number> {
    const { createNetwork } = await import('../../engine/networks.js');
    const rec = await createNetwork(this.ctx, {
      name: this.name,
      driver: this.driver,
      subnets: this.subnet ?? [],
      gateways: this.gateway ?? [],
      ipRanges: this.ipRange ?? [],
      internal: this.internal,
      disableDns: this.disableDns,
      ipv6: this.ipv6,
      labels: keyValues(this.label),
      options: keyValues(this.opt),
      ipamDriver: this.ipamDriver,
      ignore: this.ignore,
    });
    this.print(rec.name);
    return 0;
  }
}
