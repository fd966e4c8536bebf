import { Command } from 'clipanion';
import { ContainerFlagsCommand } from '../run-flags.js';

export class CreateCommand extends ContainerFlagsCommand {
  static override paths = [['create'], ['container', 'create']];
  static override usage = Command.Usage({
    description: 'Create but do not start a container',
    details: `
      Creates a container from a local image with the same options as \`tpod run\` and
      prints its full ID. Nothing runs until the container is started.
    `,
    examples: [
      ['Create a named container', 'tpod create --name web busybox httpd -f'],
    ],
  });

  async execute(): Promise<number> {
    const { prepareContainer } = await import('../../engine/create.js');
    const images = await this.imageAccess();
    const p = await prepareContainer(this.ctx, await this.runOptions(), images, { forRun: false });
    this.print(p.record.id);
    return 0;
  }
}
