import { Command, Option } from 'clipanion';
import { TpodCommand } from '../base.js';

export class InspectCommand extends TpodCommand {
  static override paths = [['inspect']];
  static override usage = Command.Usage({
    description: 'Display the configuration of object denoted by ID',
    details: `
      Looks each name up as a container first, then as an image (as Podman does), unless
      \`--type\` says which. Prints a JSON array, or \`--format\` applied to each object.
    `,
    examples: [
      ['Inspect a container or an image', '$0 inspect busybox'],
      ["A container's process id", "$0 inspect --format '{{.State.Pid}}' web"],
    ],
  });

  format = Option.String('-f,--format', { description: 'Format the output to a Go template or json' });
  latest = Option.Boolean('-l,--latest', false, { description: 'Act on the latest container tpod is aware of' });
  size = Option.Boolean('-s,--size', false, { description: 'Display total file size' });
  type = Option.String('-t,--type', 'all', { description: 'Specify inspect-object type ("image", "container" or "all")' });
  names = Option.Rest({ name: 'name' });

  async execute(): Promise<number> {
    const { UsageError } = await import('../../errors.js');
    if (!['all', 'container', 'image'].includes(this.type)) {
      throw new UsageError(`invalid type "${this.type}": must be one of "container", "image", "all"`);
    }
    const { runInspect } = await import('../inspect-common.js');
    return runInspect(
      this.ctx,
      { names: this.names, type: this.type as 'all' | 'container' | 'image', size: this.size, latest: this.latest, format: this.format },
      (t) => this.print(t),
    );
  }
}
