import { Command, Option } from 'clipanion';
import { TpodCommand } from '../base.js';
import { TpodError } from '../../errors.js';

export class ImportCommand extends TpodCommand {
  static override paths = [['import'], ['image', 'import']];
  static override usage = Command.Usage({
    description: 'Import a tarball to create a filesystem image',
    details: `
      Creates a one-layer image from a root filesystem tarball (plain or gzip; \`-\` reads
      standard input) and prints its ID. \`--change\` applies Dockerfile instructions
      (CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, STOPSIGNAL, USER, VOLUME, WORKDIR).
    `,
    examples: [
      ['Import a root filesystem', '$0 import rootfs.tar localhost/mybase:latest'],
      ['Import from stdin with a command', 'cat rootfs.tar | $0 import --change CMD=/bin/sh - mybase'],
    ],
  });

  change = Option.Array('-c,--change', [], { description: 'Apply the following possible instructions to the created image: CMD | ENTRYPOINT | ENV | EXPOSE | LABEL | STOPSIGNAL | USER | VOLUME | WORKDIR' });
  message = Option.String('-m,--message', { description: 'Set commit message for imported image' });
  quiet = Option.Boolean('-q,--quiet', false, { description: 'Suppress output' });
  tarball = Option.String({ name: 'path' });
  reference = Option.String({ required: false, name: 'reference' });

  async execute(): Promise<number> {
    const { createReadStream, statSync } = await import('node:fs');
    const { normalizeTagNames } = await import('../../image/store.js');
    const names = this.reference !== undefined ? normalizeTagNames([this.reference]) : [];
    let source: NodeJS.ReadableStream;
    let created: Date | undefined;
    let label: string;
    if (this.tarball === '-') {
      source = process.stdin;
      label = 'stdin';
    } else {
      if (/^https?:\/\//.test(this.tarball)) throw new TpodError('EUSAGE', 'importing from a URL is not supported; download the tarball first');
      try {
        const st = statSync(this.tarball);
        if (!st.isFile()) throw new TpodError('EARCHIVE', `${this.tarball}: not a regular file`);
        created = st.mtime;
      } catch (err) {
        if (err instanceof TpodError) throw err;
        throw new TpodError('EARCHIVE', `${this.tarball}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (err as Error).message}`);
      }
      source = createReadStream(this.tarball, { highWaterMark: 1 << 20 });
      label = this.tarball;
    }
    const { importTarball } = await import('../../image/import.js');
    const opts: import('../../image/import.js').ImportOptions = { label, names, changes: this.change, preserveOwner: true };
    if (this.message !== undefined) opts.message = this.message;
    if (created) opts.created = created;
    const img = await importTarball(this.ctx, source as import('node:stream').Readable, opts);
    this.print(`sha256:${img.id}`);
    return 0;
  }
}
