import { Command, Option } from 'clipanion';
import { TpodCommand } from '../base.js';

export class ImageInspectCommand extends TpodCommand {
  static override paths = [['image', 'inspect']];
  static override usage = Command.Usage({
    description: 'Display the configuration of an image',
    details: 'Prints a JSON array with one object per image, shaped as Podman prints it, or `--format` applied to each.',
    examples: [
      ['Inspect an image', '$0 image inspect busybox'],
      ['Print the layer list', "$0 image inspect --format '{{.RootFS.Layers}}' busybox"],
    ],
  });

  format = Option.String('-f,--format', { description: 'Format the output to a Go template or json' });
  images = Option.Rest({ required: 1, name: 'image' });

  async execute(): Promise<number> {
    const { findImage } = await import('../../image/store.js');
    const { inspectImage } = await import('../../image/inspect.js');
    const { TpodError } = await import('../../errors.js');
    const found = [];
    let failed: string | undefined;
    for (const name of this.images) {
      try {
        found.push(await inspectImage(this.ctx, await findImage(this.ctx, name)));
      } catch (err) {
        if (!(err instanceof TpodError) || err.code !== 'ENOIMAGE') throw err;
        failed ??= `inspecting object: ${err.message}`;
      }
    }
    const { printInspected } = await import('../inspect-common.js');
    await printInspected(found, this.format, (text) => this.print(text));
    if (failed !== undefined) throw new TpodError('ENOIMAGE', failed);
    return 0;
  }
}
