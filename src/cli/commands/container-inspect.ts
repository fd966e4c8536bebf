import { Command, Option } from 'clipanion';
import { TpodCommand } from '../base.js';

export class ContainerInspectCommand extends TpodCommand {
  static override paths = [['container', 'inspect']];
  static override usage = Command.Usage({
    description: 'Display the configuration of a container',
    details: `
      Prints a JSON array with one object per container, shaped as Podman prints it (Id,
      Created, Path, Args, State, Image, ImageName, Name, RestartCount, Driver, Mounts,
      GraphDriver, Config, HostConfig, ...), or \`--format\` applied to each.
      Names that are not containers are reported after the others are printed (exit 125).
    `,
    examples: [
      ['Inspect a container', '$0 container inspect web'],
      ['Its state', "$0 container inspect --format '{{.State.Status}} {{.State.ExitCode}}' web"],
    ],
  });

  format = Option.String('-f,--format', { description: 'Format the output to a Go template or json' });
  latest = Option.Boolean('-l,--latest', false, { description: 'Act on the latest container tpod is aware of' });
  size = Option.Boolean('-s,--size', false, { description: 'Display total file size' });
  names = Option.Rest({ name: 'container' });

  async execute(): Promise<number> {
    const { runInspect } = await import('../inspect-common.js');
    return runInspect(this.ctx, { names: this.names, type: 'container', size: this.size, latest: this.latest, format: this.format }, (t) => this.print(t));
  }
}
