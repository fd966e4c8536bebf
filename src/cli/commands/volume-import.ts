import { Command, Option } from 'clipanion';
import { TpodCommand } from '../base.js';

export class VolumeImportCommand extends TpodCommand {
  static override paths = [['volume', 'import']];
  static override usage = Command.Usage({
    description: 'Import a tarball contents into a volume',
    details: `
      Unpacks a tar archive (plain, gzip or zstd) from FILE, or standard input with \`-\`,
      into an existing volume, owners kept. The archive is unpacked inside the user
      namespace, chrooted into the volume: nothing it names can land outside it.
    `,
    examples: [['Import into a volume', '$0 volume import data data.tar']],
  });

  name = Option.String({ name: 'volume' });
  source = Option.String({ name: 'source' });

  async execute(): Promise<number> {
    const { importVolume } = await import('../../engine/volumes.js');
    const { findVolume } = await import('../../storage/volumes.js');
    findVolume(this.ctx, this.name);
    const { createReadStream } = await import('node:fs');
    const { TpodError } = await import('../../errors.js');
    if (this.source === '-' && process.stdin.isTTY) throw new TpodError('EUSAGE', 'cannot read from terminal, use command-line redirection');
    const input = this.source === '-' ? process.stdin : createReadStream(this.source, { highWaterMark: 1 << 20 });
    if (input !== process.stdin) {
      await new Promise<void>((resolve, reject) => {
        input.once('open', () => resolve());
        input.once('error', (e: NodeJS.ErrnoException) => reject(new TpodError('EUSAGE', `open ${this.source}: ${e.code === 'ENOENT' ? 'no such file or directory' : e.message}`)));
      });
    }
    await importVolume(this.ctx, this.name, input);
    return 0;
  }
}
