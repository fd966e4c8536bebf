import { Command, Option } from 'clipanion';
import { TpodCommand } from '../base.js';

export class PodInspectCommand extends TpodCommand {
  static override paths = [['pod', 'inspect']];
  static override usage = Command.Usage({
    description: 'Display a pod configuration',
    details: `
      Prints a JSON array with one object per pod, shaped as Podman 5 prints it (Id, Name,
      Created, CreateCommand, ExitPolicy, State, Hostname, Labels, CreateInfra,
      InfraContainerID, InfraConfig with the published PortBindings, SharedNamespaces,
      NumContainers, Containers), or \`--format\` applied to each. Names that are not pods
      are reported after the others are printed (exit 125).
    `,
    examples: [
      ['Inspect a pod', '$0 pod inspect web'],
      ['Its state and infra container', "$0 pod inspect --format '{{.State}} {{.InfraContainerID}}' web"],
    ],
  });

  format = Option.String('-f,--format', { description: 'Format the output to a Go template or json' });
  latest = Option.Boolean('-l,--latest', false, { description: 'Act on the latest pod tpod is aware of' });
  names = Option.Rest({ name: 'pod' });

  async execute(): Promise<number> {
    const { UsageError } = await import('../../errors.js');
    if (this.latest && this.names.length > 0) throw new UsageError('--latest and arguments cannot be used together');
    if (!this.latest && this.names.length === 0) throw new UsageError('no names or ids specified');
    const { inspectPods } = await import('../../pod/inspect.js');
    const { found, errors } = inspectPods(this.ctx, this.names, this.latest);
    const { printInspected } = await import('../inspect-common.js');
    await printInspected(found, this.format, (text) => this.print(text));
    const [first, ...rest] = errors;
    if (!first) return 0;
    // Podman returns the first failure and prints the others before it.
    for (const e of rest) process.stderr.write(`${e.message}\n`);
    throw first;
  }
}
