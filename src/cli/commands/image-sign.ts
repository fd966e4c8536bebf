import { Command, Option } from 'clipanion';
import { TpodCommand } from '../base.js';

export class ImageSignCommand extends TpodCommand {
  static override paths = [['image', 'sign']];
  static override usage = Command.Usage({
    description: 'Sign an image',
    details: 'Signs the manifest the registry serves for each docker:// IMAGE with a GPG key (simple signing) and writes the signature to DIRECTORY/REPOSITORY@sha256=DIGEST/signature-N.',
    examples: [['Sign an image', '$0 image sign --sign-by me@example.com --directory ./sigs docker://quay.io/me/app:1']],
  });

  signBy = Option.String('--sign-by', { description: 'Name of the signing key (as gpg --local-user takes it)' });
  directory = Option.String('-d,--directory', { description: 'Where signatures are written (default: $XDG_DATA_HOME/containers/sigstore)' });
  authfile = Option.String('--authfile', { description: 'Path of the authentication file' });
  all = Option.Boolean('-a,--all', false, { description: 'Sign all the manifests of a manifest list (tpod signs the one the registry serves)' });
  images = Option.Rest({ required: 1, name: 'IMAGE' });

  async execute(): Promise<number> {
    const { UsageError } = await import('../../errors.js');
    if (this.signBy === undefined || this.signBy === '') throw new UsageError('no signing key specified: use --sign-by');
    const { join } = await import('node:path');
    const env = this.ctx.host.env;
    const dir = this.directory ?? join(env.XDG_DATA_HOME || join(this.ctx.host.home, '.local', 'share'), 'containers', 'sigstore');
    const { signImages } = await import('../../image/sign.js');
    await signImages(this.ctx, this.images, { signBy: this.signBy, directory: dir, ...(this.authfile !== undefined ? { authfile: this.authfile } : {}) });
    return 0;
  }
}
