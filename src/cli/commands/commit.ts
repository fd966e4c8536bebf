import { Command, Option } from 'clipanion';
import { TpodCommand } from '../base.js';

export class CommitCommand extends TpodCommand {
  static override paths = [['commit'], ['container', 'commit']];
  static override usage = Command.Usage({
    description: 'Create new image based on the changed container',
    details: `
      Makes an image of the container's image plus its changes (one new layer; with
      \`--squash\`, one layer of everything), with the container's command, environment,
      ports, labels, user and working directory, then \`--change\` instructions (CMD,
      ENTRYPOINT, ENV, EXPOSE, LABEL, STOPSIGNAL, USER, VOLUME, WORKDIR). Prints the new
      image's ID.
    `,
    examples: [
      ['Commit a container as an image', '$0 commit web localhost/web:v2'],
      ['With another command', "$0 commit -c 'CMD [\"httpd\", \"-f\"]' web localhost/web:v3"],
    ],
  });

  change = Option.Array('-c,--change', { description: 'Apply the following possible instructions to the created image' });
  message = Option.String('-m,--message', { description: 'Set commit message for imported image' });
  author = Option.String('-a,--author', { description: 'Set the author for the image committed' });
  pause = Option.String('-p,--pause', { tolerateBoolean: true, description: 'Accepted for Podman compatibility (containers are not paused rootless)' });
  quiet = Option.Boolean('-q,--quiet', false, { description: 'Suppress output' });
  format = Option.String('-f,--format', { description: 'Format of the image manifest and metadata (oci or docker)' });
  squash = Option.Boolean('-s,--squash', false, { description: 'Squash all layers into one' });
  iidfile = Option.String('--iidfile', { description: 'Write the image ID to the file' });
  includeVolumes = Option.Boolean('--include-volumes', false, { description: 'Include container volumes as image volumes' });
  container = Option.String({ name: 'CONTAINER' });
  image = Option.String({ name: 'IMAGE', required: false });

  async execute(): Promise<number> {
    const { UsageError } = await import('../../errors.js');
    if (this.format !== undefined && this.format !== 'oci' && this.format !== 'docker') throw new UsageError(`unrecognized image type "${this.format}"`);
    let name: string | undefined;
    if (this.image !== undefined) {
      const { normalizeTagNames } = await import('../../image/store.js');
      name = normalizeTagNames([this.image])[0];
    }
    const { commitContainer } = await import('../../engine/commit.js');
    const id = await commitContainer(this.ctx, this.container, {
      name,
      changes: this.change ?? [],
      message: this.message,
      author: this.author,
      squash: this.squash,
      format: this.format as 'oci' | 'docker' | undefined,
    });
    if (this.iidfile !== undefined) {
      const { writeFileSync } = await import('node:fs');
      writeFileSync(this.iidfile, `sha256:${id}`);
    }
    this.print(id);
    return 0;
  }
}
