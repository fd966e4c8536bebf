import { Command, Option } from 'clipanion';
import { TpodCommand } from '../base.js';

export class PortCommand extends TpodCommand {
  static override paths = [['port'], ['container', 'port']];
  static override usage = Command.Usage({
    description: 'List port mappings or a specific mapping for the container',
    details: `
      Without PRIVATE-PORT, prints every published port of the container as
      "80/tcp -> 0.0.0.0:8080". With PRIVATE-PORT (and an optional /tcp or /udp), prints the
      host address and port it is published on. Only running containers have their ports
      published.
    `,
    examples: [
      ['All mappings', '$0 port web'],
      ['Where port 80 is published', '$0 port web 80'],
      ['Every running container', '$0 port --all'],
    ],
  });

  all = Option.Boolean('-a,--all', false, { description: 'Display port information for all containers' });
  latest = Option.Boolean('-l,--latest', false, { description: 'Act on the latest container tpod is aware of' });
  args = Option.Rest({ name: 'CONTAINER [PRIVATE-PORT[/PROTO]]' });

  async execute(): Promise<number> {
    const { TpodError, UsageError } = await import('../../errors.js');
    const { findContainer, listContainers } = await import('../../storage/containers.js');
    const { liveState } = await import('../../engine/state.js');
    const { portLines } = await import('../../network/port-format.js');
    const ctx = this.ctx;
    const args = [...this.args];
    let recs;
    if (this.all || this.latest) {
      if (this.all && this.latest) throw new UsageError('--all and --latest cannot be used together');
      const list = listContainers(ctx);
      recs = this.all ? list : list.slice(-1);
      if (this.latest && recs.length === 0) throw new TpodError('ENOCONTAINER', 'no containers to list ports of');
    } else {
      const name = args.shift();
      if (name === undefined) throw new UsageError('you must supply a running container name or ID');
      recs = [findContainer(ctx, name)];
    }
    if (args.length > 1) throw new UsageError('too many arguments: give CONTAINER [PRIVATE-PORT[/PROTO]]');
    let only: { port: number; protocol?: 'tcp' | 'udp' | 'sctp' } | undefined;
    if (args[0] !== undefined) {
      if (this.all) throw new UsageError('--all cannot be combined with a port');
      const m = /^(\d+)(?:\/(tcp|udp|sctp))?$/.exec(args[0]);
      if (!m || Number(m[1]) < 1 || Number(m[1]) > 65535) throw new UsageError(`invalid port "${args[0]}": expected PORT or PORT/PROTOCOL (tcp, udp, sctp)`);
      only = { port: Number(m[1]) };
      if (m[2]) only.protocol = m[2] as 'tcp' | 'udp' | 'sctp';
    }
    const out: string[] = [];
    for (const rec of recs) {
      const status = liveState(ctx, rec).status;
      if (status !== 'running' && status !== 'paused') continue;
      const prefix = this.all ? `${rec.id.slice(0, 12)}\t` : '';
      const lines = portLines(rec.ports, only);
      if (only && lines.length === 0) throw new TpodError('EUSAGE', `failed to find published port "${args[0]}"`);
      out.push(...lines.slice(0, only ? 1 : undefined).map((l) => prefix + l));
    }
    if (out.length > 0) this.print(out.join('\n'));
    return 0;
  }
}
