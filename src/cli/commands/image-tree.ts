import { Command, Option } from 'clipanion';
import { TpodCommand } from '../base.js';

export class ImageTreeCommand extends TpodCommand {
  static override paths = [['image', 'tree']];
  static override usage = Command.Usage({
    description: 'Print layer hierarchy of an image in a tree format',
    details: `
      The image's ID, names and size, then its layers bottom first, each with its size
      and the tagged images it is the top layer of. With --whatrequires, the layers built
      on top of the image's instead (the images that depend on it).
    `,
    examples: [
      ['Show the layers of an image', '$0 image tree localhost/app'],
      ['Show what is built on an image', '$0 image tree --whatrequires busybox'],
    ],
  });

  whatRequires = Option.Boolean('--whatrequires', false, { description: 'Show all child images and layers of the specified image' });
  image = Option.String({ name: 'image' });

  async execute(): Promise<number> {
    const store = await import('../../image/store.js');
    const { imageTree } = await import('../../image/tree.js');
    const { readLayer } = await import('../../storage/layers.js');
    const ctx = this.ctx;
    const target = await store.findImage(ctx, this.image);
    const all = await store.listImages(ctx);
    const size = (diffId: string): number => readLayer(ctx.paths, diffId)?.size ?? 0;
    process.stdout.write(imageTree(target, all, size, this.whatRequires));
    return 0;
  }
}
