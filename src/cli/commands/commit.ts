import { Command, Option } from 'clipanion';
import { TpodCommand } from '../base.js';

export class CommitCommand extends TpodCommand {
  static override paths = [['commit'], ['container', 'commit']];
  static override usage = Command.Usage({
    description: 'Create new image based on the changed container',
    details: `
      Stores what the container changed in its filesystem as one more layer over its
      image, with the container's command, environment, working directory and labels
      (and \`--change\` instructions: CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, STOPSIGNAL, USER,
      VOLUME, WORKDIR), and prints the new image's ID. A running container is read as it
      is (tpod does not pause it).
    `,
    examples: [
      ['Save a container as an image', '$0 commit web localhost/web:v2'],
      ['With a new default command', "$0 commit --change 'CMD=[\"/bin/sh\"]' web"],
    ],
  });

  author = Option.String('-a,--author', { description: 'Set the author for the image committed' });
  change = Option.Array('-c,--change', [], { description: 'Apply the following possible instructions to the created image: CMD | ENTRYPOINT | ENV | EXPOSE | LABEL | STOPSIGNAL | USER | VOLUME | WORKDIR' });
  format = Option.String('-f,--format', { description: 'Format of the image manifest and metadata: oci (docker is accepted and written as oci)' });
  message = Option.String('-m,--message', { description: 'Set commit message for imported image' });
  pause = Option.Boolean('-p,--pause', false, { description: 'Accepted for compatibility: the container is not paused' });
  quiet = Option.Boolean('-q,--quiet', false, { description: 'Suppress output' });
  container = Option.String({ name: 'CONTAINER' });
  image = Option.String({ required: false, name: 'IMAGE' });

  async execute(): Promise<number> {
    const { UsageError } = await import('../../errors.js');
    if (this.format !== undefined && this.format !== 'oci' && this.format !== 'docker') throw new UsageError(`unrecognized image type "${this.format}"`);
    const { normalizeTagNames } = await import('../../image/store.js');
    const { commitContainer } = await import('../../engine/commit.js');
    const o: import('../../engine/commit.js').CommitOptions = { changes: this.change, onSkip: (p, why) => this.ctx.log.warn(`left out of the image: ${p} (${why})`) };
    if (this.image !== undefined) o.name = normalizeTagNames([this.image])[0]!;
    if (this.message !== undefined) o.message = this.message;
    if (this.author !== undefined) o.author = this.author;
    if (!this.quiet) process.stderr.write('Getting image source signatures\n');
    const id = await commitContainer(this.ctx, this.container, o);
    if (!this.quiet) process.stderr.write('Writing manifest to image destination\n');
    this.print(id);
    return 0;
  }
}
