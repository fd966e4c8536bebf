import { Command, Option } from 'clipanion';
import { TpodCommand } from '../base.js';

export class SaveCommand extends TpodCommand {
  static override paths = [['save'], ['image', 'save']];
  static override usage = Command.Usage({
    description: 'Save image(s) to an archive',
    details: `
      Writes images to a docker-archive (the default), an oci-archive, or an OCI layout
      directory (\`--format oci-dir\`). Each layer's tar is rebuilt exactly as the image
      brought it, so loading the archive (with tpod, Podman or skopeo) gives the same image
      ID. Several images go into one archive, sharing their common layers (\`-m\` is
      accepted for Podman's command lines; it changes nothing).

      Without \`-o\` the archive goes to standard output, which must not be a terminal.
      A file is written beside the destination and renamed into place when complete: a
      failed save leaves no partial archive, and a symlink at the destination is replaced,
      not followed. OCI formats gzip their layers unless \`--uncompressed\` is given.
    `,
    examples: [
      ['Save an image to a file', '$0 save -o busybox.tar busybox'],
      ['Save two images as an OCI archive', '$0 save --format oci-archive -o both.tar busybox alpine'],
      ['Save to standard output', '$0 save busybox | gzip > busybox.tar.gz'],
    ],
  });

  output = Option.String('-o,--output', { description: 'Write to a specified file (default: stdout, which must be redirected)' });
  format = Option.String('--format', 'docker-archive', { description: 'Save image to oci-archive, oci-dir (directory with oci manifest type), docker-archive' });
  quiet = Option.Boolean('-q,--quiet', false, { description: 'Suppress the output' });
  multi = Option.Boolean('-m,--multi-image-archive', false, { description: 'Save every named image into the archive (always done)' });
  uncompressed = Option.Boolean('--uncompressed', false, { description: 'Keep the layers of OCI formats uncompressed' });
  compress = Option.Boolean('--compress', false, { description: 'Compress the layers of an oci-dir (the default for OCI formats)' });
  images = Option.Rest({ name: 'image', required: 1 });

  async execute(): Promise<number> {
    const { UsageError } = await import('../../errors.js');
    const save = await import('../../image/save.js');
    if (!save.isSaveFormat(this.format)) {
      throw new UsageError(`format value must be one of ${save.SAVE_FORMATS.join(' ')}`);
    }
    if (this.format === 'oci-dir' && (this.output === undefined || this.output === '')) throw new UsageError('--format oci-dir needs -o DIRECTORY');
    const ctx = this.ctx;
    const items = await save.planSave(ctx, this.images);
    const opts: import('../../image/save.js').SaveOptions = {
      format: this.format,
      compress: !this.uncompressed,
    };
    if (!this.quiet) opts.progress = (line) => process.stderr.write(`${line}\n`);
    const out = await import('../../util/output-file.js');
    if (this.format === 'oci-dir') {
      const dir = out.openOutputDir(this.output!, 'output');
      try {
        await save.saveImages(ctx, items, { kind: 'dir', path: dir.path }, opts);
        dir.commit();
      } catch (err) {
        dir.abort();
        throw err;
      }
      return 0;
    }
    if (this.output === undefined || this.output === '-' || this.output === '/dev/stdout') {
      const stream = out.stdoutTarget('save');
      await save.saveImages(ctx, items, { kind: 'stream', out: stream }, opts);
      await out.drain(stream);
      return 0;
    }
    const file = out.openOutputFile(this.output, 'output');
    try {
      await save.saveImages(ctx, items, { kind: 'stream', out: file.stream }, opts);
      await file.commit();
    } catch (err) {
      file.abort();
      throw err;
    }
    const { imageEvent } = await import('../../engine/events.js');
    for (const item of items) await imageEvent(ctx, item.image.id, this.output, 'save');
    return 0;
  }
}
