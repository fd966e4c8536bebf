import { Command, Option } from 'clipanion';
import { TpodCommand } from '../base.js';

export class ExportCommand extends TpodCommand {
  static override paths = [['export'], ['container', 'export']];
  static override usage = Command.Usage({
    description: "Export container's filesystem contents as a tar archive",
    details: `
      Writes the container's filesystem (its image's layers with the container's changes
      on top) as a tar archive, to \`-o FILE\` or to standard output, which must then be
      redirected. \`tpod import\` turns such an archive back into an image. A file is
      written beside the destination and renamed into place when complete.
    `,
    examples: [
      ['Export to a file', '$0 export -o ctr.tar mycontainer'],
      ['Export to standard output', '$0 export mycontainer > ctr.tar'],
    ],
  });

  output = Option.String('-o,--output', { description: 'Write to a specified file (default: stdout, which must be redirected)' });
  container = Option.String({ name: 'container' });

  async execute(): Promise<number> {
    const { exportContainer } = await import('../../engine/export.js');
    const out = await import('../../util/output-file.js');
    const ctx = this.ctx;
    const { findContainer } = await import('../../storage/containers.js');
    findContainer(ctx, this.container); // an unknown container fails before any file is made
    if (this.output === undefined || this.output === '-' || this.output === '/dev/stdout') {
      const stream = out.stdoutTarget('export');
      const r = await exportContainer(ctx, this.container, stream);
      await out.drain(stream);
      if (r.skipped.length > 0) ctx.log.warn(`left out of the archive: ${r.skipped.join(', ')}`);
      return 0;
    }
    const file = out.openOutputFile(this.output, 'output');
    try {
      const r = await exportContainer(ctx, this.container, file.stream);
      await file.commit();
      if (r.skipped.length > 0) ctx.log.warn(`left out of the archive: ${r.skipped.join(', ')}`);
    } catch (err) {
      file.abort();
      throw err;
    }
    return 0;
  }
}
