import { Command, Option } from 'clipanion';
import { TpodCommand } from '../base.js';

export class PushCommand extends TpodCommand {
  static override paths = [['push'], ['image', 'push']];
  static override usage = Command.Usage({
    description: 'Push an image to a registry',
    details: `
      Uploads IMAGE to DEST (default: the image's name). Layers the registry already has
      are not sent again (HEAD), and a layer another repository of the image holds on
      the same registry is mounted instead of uploaded. Each layer's exact tar is rebuilt
      from the store, so the pushed image keeps its ID. \`--format\` chooses OCI or Docker
      schema 2 manifests (default: the image's own kind), \`--compression-format\` gzip or
      zstd layers (zstd needs the OCI format). Credentials come from \`tpod login\`.
    `,
    examples: [
      ['Push under the image\'s own name', '$0 push quay.io/team/app:1.0'],
      ['Push a local image to a plain-http registry', '$0 push --tls-verify=false localhost/app 127.0.0.1:5000/app:latest'],
    ],
  });

  quiet = Option.Boolean('-q,--quiet', false, { description: 'Suppress output information when pushing images' });
  tlsVerify = Option.String('--tls-verify', { tolerateBoolean: true, description: 'Require HTTPS and verify certificates when contacting registries (default: registries.conf decides)' });
  authfile = Option.String('--authfile', { description: 'Path of the authentication file' });
  creds = Option.String('--creds', { description: 'Use USERNAME[:PASSWORD] for accessing the registry' });
  certDir = Option.String('--cert-dir', { description: 'Use certificates at the specified path to access the registry' });
  format = Option.String('-f,--format', { description: 'Manifest type (oci, v2s2, or v2s1 which is refused) to use in the destination' });
  compressionFormat = Option.String('--compression-format', { description: 'Compression format used for layers (gzip, zstd)' });
  digestfile = Option.String('--digestfile', { description: 'Write the digest of the pushed image to the specified file' });
  image = Option.String({ name: 'IMAGE' });
  dest = Option.String({ required: false, name: 'DESTINATION' });

  async execute(): Promise<number> {
    const { UsageError } = await import('../../errors.js');
    const { parseTlsVerify, parseCreds } = await import('../registry-flags.js');
    const { pushImage } = await import('../../image/push.js');
    const { LineReporter, TtyReporter, silentReporter } = await import('../../image/pull-progress.js');
    let format: 'oci' | 'v2s2' | undefined;
    if (this.format !== undefined) {
      const f = this.format.toLowerCase();
      if (f === 'oci') format = 'oci';
      else if (f === 'v2s2' || f === 'docker') format = 'v2s2';
      else if (f === 'v2s1') throw new UsageError('the Docker schema 1 format is deprecated and not supported: use oci or v2s2');
      else throw new UsageError(`unknown format "${this.format}": want oci or v2s2`);
    }
    const compression = (this.compressionFormat ?? 'gzip').toLowerCase();
    if (compression !== 'gzip' && compression !== 'zstd') throw new UsageError(`unsupported compression format "${this.compressionFormat}": want gzip or zstd`);
    const err = process.stderr;
    const reporter = this.quiet ? silentReporter : err.isTTY ? new TtyReporter((s) => err.write(s), () => err.columns || 80) : new LineReporter((s) => err.write(s));
    const tlsVerify = parseTlsVerify(this.tlsVerify);
    const credentials = parseCreds(this.creds);
    if (!this.quiet) err.write('Getting image source signatures\n');
    if (this.dest?.startsWith('dir:')) {
      // containers/image's directory transport: no registry involved.
      const { pushToDir } = await import('../../image/push.js');
      await pushToDir(this.ctx, this.image, this.dest, this.quiet ? undefined : (l) => err.write(`${l}\n`));
      return 0;
    }
    const r = await pushImage(this.ctx, {
      source: this.image,
      compression,
      reporter,
      ...(this.dest !== undefined ? { dest: this.dest } : {}),
      ...(format ? { format } : {}),
      ...(tlsVerify !== undefined ? { tlsVerify } : {}),
      ...(this.authfile !== undefined ? { authfile: this.authfile } : {}),
      ...(this.certDir !== undefined ? { certDir: this.certDir } : {}),
      ...(credentials ? { credentials } : {}),
    });
    if (this.digestfile !== undefined) {
      const { writeFileSync } = await import('node:fs');
      writeFileSync(this.digestfile, r.digest);
    }
    return 0;
  }
}
