import { Command, Option } from 'clipanion';
import { TpodCommand } from '../base.js';

export class VolumeExportCommand extends TpodCommand {
  static override paths = [['volume', 'export']];
  static override usage = Command.Usage({
    description: 'Export volumes',
    details: `
      Writes the volume's content as a tar archive to \`-o FILE\` or to standard output,
      which must then be redirected. The files are read inside the user namespace, chrooted
      into the volume: a symlink in it never makes the export read a file of the host.
    `,
    examples: [['Export a volume', '$0 volume export data -o data.tar']],
  });

  output = Option.String('-o,--output', { description: 'Write to a specified file (default: stdout, which must be redirected)' });
  name = Option.String({ name: 'volume' });

  async execute(): Promise<number> {
    const { exportVolume } = await import('../../engine/volumes.js');
    const { findVolume } = await import('../../storage/volumes.js');
    findVolume(this.ctx, this.name); // an unknown volume fails before any file is made
    const out = await import('../../util/output-file.js');
    if (this.output === undefined || this.output === '-') {
      const stream = out.stdoutTarget('export');
      await exportVolume(this.ctx, this.name, stream);
      await out.drain(stream);
      return 0;
    }
    const file = out.openOutputFile(this.output, 'output');
    try {
      await exportVolume(this.ctx, this.name, file.stream);
      await file.commit();
    } catch (err) {
      file.abort();
      throw err;
    }
    return 0;
  }
}
