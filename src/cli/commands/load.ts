import { Command, Option } from 'clipanion';
import { TpodCommand } from '../base.js';
import { TpodError } from '../../errors.js';

export class LoadCommand extends TpodCommand {
  static override paths = [['load'], ['image', 'load']];
  static override usage = Command.Usage({
    description: 'Load image(s) from a tar archive',
    details: `
      Loads images from a docker-archive (\`docker save\`, \`podman save\`), an oci-archive
      (\`podman save --format oci-archive\`, \`skopeo copy ... oci-archive:\`) or an OCI layout
      directory (\`save --format oci-dir\`, \`skopeo copy ... oci:DIR\`), compressed with
      gzip or not, read from \`--input\` or from standard input. Every blob is checked against
      its digest; a damaged archive stores nothing.
    `,
    examples: [
      ['Load an archive', '$0 load -i busybox.tar'],
      ['Load from standard input', '$0 load < busybox.tar'],
    ],
  });

  input = Option.String('-i,--input', { description: 'Read from specified archive file (default: stdin)' });
  quiet = Option.Boolean('-q,--quiet', false, { description: 'Suppress the output' });

  async execute(): Promise<number> {
    const { createReadStream, statSync } = await import('node:fs');
    let source: NodeJS.ReadableStream;
    let label: string;
    let layoutDir: string | undefined;
    if (this.input !== undefined && /^https?:\/\//.test(this.input)) {
      // As Podman: an archive at a URL is downloaded as it is read.
      const { Readable } = await import('node:stream');
      let res: Response;
      try {
        res = await fetch(this.input);
      } catch (err) {
        throw new TpodError('EARCHIVE', `${this.input}: ${(err as Error).message}`, { cause: err });
      }
      if (!res.ok || !res.body) throw new TpodError('EARCHIVE', `${this.input}: the server answered ${res.status} ${res.statusText}`);
      source = Readable.fromWeb(res.body as import('node:stream/web').ReadableStream);
      label = this.input;
    } else if (this.input !== undefined && this.input !== '-') {
      try {
        // A directory is an OCI layout (`save --format oci-dir`).
        if (statSync(this.input).isDirectory()) layoutDir = this.input;
        else if (!statSync(this.input).isFile()) throw new TpodError('EARCHIVE', `${this.input}: not a regular file`);
      } catch (err) {
        if (err instanceof TpodError) throw err;
        throw new TpodError('EARCHIVE', `${this.input}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (err as Error).message}`);
      }
      source = layoutDir !== undefined ? process.stdin : createReadStream(this.input, { highWaterMark: 1 << 20 });
      label = this.input;
    } else {
      if (process.stdin.isTTY) throw new TpodError('EUSAGE', 'cannot read from terminal, use command-line redirection or the --input flag');
      source = process.stdin;
      label = 'stdin';
    }
    const { loadArchive, loadLayoutDir } = await import('../../image/load.js');
    const opts = { label, preserveOwner: true } as const;
    const loaded = await (layoutDir !== undefined ? loadLayoutDir(this.ctx, layoutDir, opts) : loadArchive(this.ctx, source as import('node:stream').Readable, opts)).catch((err: unknown) => {
      // Input that is no image archive at all: Podman's words, so scripts can tell it.
      if (err instanceof TpodError && err.code === 'EARCHIVE' && /not a valid image archive|not an image archive|the archive is empty/.test(err.message)) {
        throw new TpodError('EARCHIVE', `payload does not match any of the supported image formats:\n * docker-archive, oci-archive, oci-dir: ${err.message}`, { cause: err });
      }
      throw err;
    });
    const lines: string[] = [];
    for (const l of loaded) {
      if (l.names.length === 0) lines.push(`Loaded image: sha256:${l.image.id}`);
      for (const n of l.names) lines.push(`Loaded image: ${n}`);
    }
    this.print(lines.join('\n'));
    return 0;
  }
}
